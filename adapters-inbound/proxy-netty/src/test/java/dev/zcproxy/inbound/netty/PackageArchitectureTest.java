package dev.zcproxy.inbound.netty;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package map of the front end, as rules. Protocols depend on the shared phases (detect,
 * handshake, auth, upstream, command, relay, tunnel, metrics), never the other way round, and not
 * on each other; the wiring ({@code server} and the root) is the only place that names them all.
 * The allowed edges between protocol packages are these, and only these: {@code http.h1}, {@code
 * http.h2} and {@code http.h3} use the shared {@code http}; {@code socks.v5.udp} and {@code
 * http.h3} (CONNECT-UDP) frame the {@code udp} core; and the {@code quic} transport serves {@code
 * tls}'s certificate, as the TLS layer does, without knowing HTTP/3.
 */
@AnalyzeClasses(
    packages = "dev.zcproxy.inbound.netty",
    importOptions = ImportOption.DoNotIncludeTests.class)
class PackageArchitectureTest {

  private static final String ROOT = "dev.zcproxy.inbound.netty";
  private static final String SOCKS = ROOT + ".socks..";
  private static final String HTTP = ROOT + ".http..";
  private static final String TLS = ROOT + ".tls..";
  private static final String UDP = ROOT + ".udp..";
  private static final String QUIC = ROOT + ".quic..";

  @ArchTest
  static final ArchRule socks_does_not_depend_on_other_protocols =
      noClasses()
          .that()
          .resideInAPackage(SOCKS)
          .and()
          .resideOutsideOfPackage(ROOT + ".socks.v5.udp")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(HTTP, TLS, UDP, QUIC);

  @ArchTest
  static final ArchRule socks5_udp_frames_only_the_udp_core =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".socks.v5.udp")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(HTTP, TLS, QUIC);

  @ArchTest
  static final ArchRule http_does_not_depend_on_other_protocols =
      noClasses()
          .that()
          .resideInAPackage(HTTP)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SOCKS, TLS, QUIC);

  /** CONNECT-UDP runs on the UDP core; nothing else of HTTP relays datagrams. */
  @ArchTest
  static final ArchRule only_http3_uses_the_udp_core =
      noClasses()
          .that()
          .resideInAPackage(HTTP)
          .and()
          .resideOutsideOfPackage(ROOT + ".http.h3")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(UDP);

  /** The RFC 9297/9298 codecs know HTTP's refusals and destinations, not HTTP/3's streams. */
  @ArchTest
  static final ArchRule masque_codecs_know_no_transport =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".http.h3.masque")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(ROOT + ".http.h3", UDP, QUIC, "io.netty.handler.codec.quic..");

  /** QUIC is a transport, like TLS: it carries HTTP/3 without knowing it. */
  @ArchTest
  static final ArchRule quic_does_not_depend_on_protocols =
      noClasses()
          .that()
          .resideInAPackage(QUIC)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SOCKS, HTTP, UDP)
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("io.netty.handler.codec.http3..");

  @ArchTest
  static final ArchRule shared_http_does_not_depend_on_its_versions =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".http")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(ROOT + ".http.h1..", ROOT + ".http.h2..", ROOT + ".http.h3..");

  @ArchTest
  static final ArchRule http1_does_not_depend_on_http2 =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".http.h1..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(ROOT + ".http.h2..");

  @ArchTest
  static final ArchRule http2_does_not_depend_on_http1 =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".http.h2..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(ROOT + ".http.h1..");

  @ArchTest
  static final ArchRule http3_depends_on_neither_http1_nor_http2 =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".http.h3..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(ROOT + ".http.h1..", ROOT + ".http.h2..");

  @ArchTest
  static final ArchRule tls_does_not_depend_on_other_protocols =
      noClasses()
          .that()
          .resideInAPackage(TLS)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SOCKS, HTTP, UDP, QUIC);

  @ArchTest
  static final ArchRule the_udp_core_names_no_protocol =
      noClasses()
          .that()
          .resideInAPackage(UDP)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SOCKS, HTTP, TLS, QUIC);

  @ArchTest
  static final ArchRule shared_phases_name_no_protocol =
      noClasses()
          .that()
          .resideInAnyPackage(
              ROOT + ".detect..",
              ROOT + ".handshake..",
              ROOT + ".relay..",
              ROOT + ".metrics..",
              ROOT + ".access..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SOCKS, HTTP, TLS, UDP, QUIC);

  @ArchTest
  static final ArchRule the_relay_spi_depends_on_nothing_else_of_the_front_end =
      noClasses()
          .that()
          .resideInAPackage(ROOT + ".relay.spi")
          .should()
          .dependOnClassesThat(
              resideInAPackage(ROOT + "..").and(not(resideInAPackage(ROOT + ".relay.spi"))));
}
