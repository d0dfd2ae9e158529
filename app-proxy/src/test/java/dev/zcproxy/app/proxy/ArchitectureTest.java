package dev.zcproxy.app.proxy;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rule across modules. The module graph already enforces most of it; these rules
 * catch what a shared dependency would let slip through. This module's test classpath holds every
 * module the proxy is built from, so it sees them all. The domain's own purity rule lives in the
 * domain's {@code DomainArchitectureTest}, the front end's package map in proxy-netty's {@code
 * PackageArchitectureTest}, and the state service's side in app-state's {@code ArchitectureTest}.
 */
@AnalyzeClasses(packages = "dev.zcproxy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule adapters_do_not_depend_on_apps =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.zcproxy.inbound..", "dev.zcproxy.outbound..", "dev.zcproxy.splice..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.app..");

  @ArchTest
  static final ArchRule inbound_adapters_do_not_depend_on_outbound_adapters =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.inbound..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.outbound..");

  @ArchTest
  static final ArchRule the_splice_adapter_sees_only_the_front_ends_spi =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.splice..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.zcproxy.inbound..")
                  .and(not(resideInAPackage("dev.zcproxy.inbound.netty.relay.spi"))));

  @ArchTest
  static final ArchRule the_front_end_does_not_depend_on_the_splice_adapter =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.inbound..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.splice..");
}
