package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.ProxyProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad config stops the proxy at once with exit status 2, and stderr names what is wrong, so that
 * an operator (or a crash-looping pod's log) points straight at the key.
 */
class ConfigErrorIT {

  private static final int CONFIG_ERROR = 2;

  private static final String POLICY =
      """
      anonymous: true
      rules:
        - action: allow
          destinations: ["127.0.0.1/32"]
      """;

  @TempDir Path workDir;

  @Test
  void unknownTopLevelKeyIsNamed() {
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir)
            .name("ConfigErrorIT-unknown-key")
            .policy(POLICY)
            .extraConfigLine("listenBacklog: 128")
            .startExpectingExit();

    assertRefusedAtStartup(exited);
    assertThat(exited.stderr()).contains("listenBacklog");
  }

  @Test
  void unknownNestedKeyIsNamed() {
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir)
            .name("ConfigErrorIT-nested-key")
            .policy(POLICY)
            .limit("handshakeTimout", "10s")
            .startExpectingExit();

    assertRefusedAtStartup(exited);
    assertThat(exited.stderr()).contains("limits.handshakeTimout");
  }

  @Test
  void invalidRelayModeIsNamed() {
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir)
            .name("ConfigErrorIT-relay")
            .policy(POLICY)
            .relay("warp")
            .startExpectingExit();

    assertRefusedAtStartup(exited);
    assertThat(exited.stderr()).contains("relay");
  }

  @Test
  void invalidDurationIsNamed() {
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir)
            .name("ConfigErrorIT-duration")
            .policy(POLICY)
            .limit("idleTimeout", "soon")
            .startExpectingExit();

    assertRefusedAtStartup(exited);
    assertThat(exited.stderr()).contains("limits.idleTimeout");
  }

  @Test
  void invalidEnvironmentOverrideIsNamed() {
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir)
            .name("ConfigErrorIT-env")
            .policy(POLICY)
            .environment("ZCPROXY_LISTEN", "not-a-host-and-port")
            .startExpectingExit();

    assertRefusedAtStartup(exited);
    assertThat(exited.stderr()).contains("ZCPROXY_LISTEN");
  }

  /** Exit status 2 and a message, not a stack trace. */
  private static void assertRefusedAtStartup(ProxyProcess.Exited exited) {
    assertThat(exited.status()).as(exited.output()).isEqualTo(CONFIG_ERROR);
    assertThat(exited.output())
        .as("a config error is a message, not a stack trace")
        .doesNotContain("\tat ");
  }
}
