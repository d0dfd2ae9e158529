package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Certificates;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A renewed certificate takes effect on SIGHUP without a restart, and a broken one is refused while
 * the proxy keeps serving the certificate it had. Checked with curl verifying the proxy against one
 * CA file or the other.
 */
class TlsReloadIT {

  private static final String POLICY =
      """
      anonymous: false
      users:
        - { name: alice, password: "{plain}wonderland" }
      rules:
        - action: allow
          users: [alice]
          destinations: ["127.0.0.1/32"]
          ports: ["%d"]
      """;

  @TempDir static Path workDir;
  static OriginServer origin;
  static ProxyProcess proxy;
  static Path certificate;
  static Path key;

  @BeforeAll
  static void start() throws Exception {
    origin = OriginServer.start();
    Path tls = Files.createDirectories(workDir.resolve("tls"));
    certificate = tls.resolve("proxy.crt");
    key = tls.resolve("proxy.key");
    Certificates.selfSignedForLoopback(certificate, key);
    proxy =
        ProxyProcess.builder(workDir.resolve("proxy"))
            .name("TlsReloadIT")
            .policy(POLICY.formatted(origin.port()))
            .extraConfigLine("tls: { certificate: " + certificate + ", privateKey: " + key + " }")
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(proxy, origin);
  }

  @Test
  void sighupServesTheRenewedCertificateAndKeepsTheOldOneWhenTheNewFilesAreBroken()
      throws Exception {
    Path first = Files.copy(certificate, workDir.resolve("first.crt"));
    assertThat(fetchTrusting(first).exitCode()).isZero();
    assertThat(proxy.metricSum("zcproxy_tls_certificate_expiry_timestamp_seconds"))
        .isGreaterThan(System.currentTimeMillis() / 1000.0);

    // The operator's renewal: new files in place, then SIGHUP.
    Path renewedCertificate = workDir.resolve("renewed.crt");
    Path renewedKey = workDir.resolve("renewed.key");
    Certificates.selfSignedForLoopback(renewedCertificate, renewedKey);
    Files.copy(renewedKey, key, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewedCertificate, certificate, StandardCopyOption.REPLACE_EXISTING);
    proxy.signal("HUP");
    proxy.awaitLogLines("TLS identity replaced", 1);

    Curl.Result renewed = fetchTrusting(renewedCertificate);
    assertThat(renewed.exitCode()).as(renewed.toString()).isZero();
    assertThat(renewed.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    Curl.Result stale = fetchTrusting(first);
    assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(60); // CURLE_PEER_FAILED_VERIF
    // The front end logs the new identity a moment before the reload is counted: wait for it.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(proxy.metricSum("zcproxy_tls_reloads_total", "result=\"ok\""))
                    .isEqualTo(1));

    // A key that does not belong to the certificate: refused, the renewed identity stays.
    Path strangerCertificate = workDir.resolve("stranger.crt");
    Path strangerKey = workDir.resolve("stranger.key");
    Certificates.selfSignedForLoopback(strangerCertificate, strangerKey);
    Files.copy(strangerKey, key, StandardCopyOption.REPLACE_EXISTING);
    proxy.signal("HUP");
    proxy.awaitLogLines("TLS reload failed", 1);

    assertThat(proxy.log()).contains("the private key does not belong to the certificate");
    assertThat(fetchTrusting(renewedCertificate).exitCode()).isZero();
    assertThat(proxy.metricSum("zcproxy_tls_reloads_total", "result=\"failed\"")).isEqualTo(1);
  }

  private static Curl.Result fetchTrusting(Path caCertificate) {
    return Curl.httpsProxy(proxy.port(), caCertificate)
        .user("alice", "wonderland")
        .fetch(origin.url("/hello"));
  }
}
