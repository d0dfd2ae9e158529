package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.outbound.jpa.TestDatabase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The README's one-command local suite, {@code scripts/local-suite.sh}, as a newcomer uses it: it
 * starts the state service and a proxy following it; a user made with curl against the API is let
 * through the proxy by curl; Ctrl-C (SIGINT) stops everything.
 */
class LocalSuiteIT {
  private static final Logger log = LoggerFactory.getLogger(LocalSuiteIT.class);

  @TempDir Path workDir;

  @Test
  void aUserCreatedWithCurlCanUseTheProxyAndCtrlCStopsEverything() throws Exception {
    TestDatabase database = TestDatabase.get();
    String schema = TestDatabase.newSchemaName();
    int statePort = FreePorts.tcp();
    int proxyPort = FreePorts.tcp();
    ProcessBuilder builder =
        new ProcessBuilder("bash", Path.of("../scripts/local-suite.sh").toString())
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve("suite.out").toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("ZCPROXY_"));
    builder.environment().put("ZCPROXY_STATE_DB_URL", database.jdbcUrl());
    builder.environment().put("ZCPROXY_STATE_DB_USER", database.user());
    database.password().ifPresent(p -> builder.environment().put("ZCPROXY_STATE_DB_PASSWORD", p));
    builder.environment().put("LOCAL_SUITE_SCHEMA", schema);
    builder.environment().put("LOCAL_SUITE_DIR", workDir.resolve("suite").toString());
    builder.environment().put("LOCAL_SUITE_STATE_PORT", Integer.toString(statePort));
    builder.environment().put("LOCAL_SUITE_BROKER_PORT", Integer.toString(FreePorts.tcp()));
    builder.environment().put("LOCAL_SUITE_PROXY_PORT", Integer.toString(proxyPort));
    builder.environment().put("LOCAL_SUITE_ADMIN_PORT", Integer.toString(FreePorts.tcp()));
    builder.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
    Process suite = builder.start();
    try (OriginServer origin = OriginServer.start()) {
      await("the suite says it is ready")
          .atMost(Duration.ofSeconds(120))
          .until(() -> output().contains("zcproxy local suite ready") || !suite.isAlive());
      assertThat(suite.isAlive()).as(output()).isTrue();
      String admin =
          Files.readString(workDir.resolve("suite/admin.key"), StandardCharsets.US_ASCII).strip();
      String api = "http://127.0.0.1:" + statePort + "/api/v1";

      curlApi(admin, api + "/users", "{\"name\":\"alice\",\"password\":\"wonderland-in-2026\"}");
      curlApi(
          admin,
          api + "/rules",
          "{\"action\":\"allow\",\"users\":[\"alice\"],\"destinations\":[\"127.0.0.1/32\"],"
              + "\"ports\":[\"%d\"]}".formatted(origin.port()));
      long created = System.nanoTime();
      await("alice through the proxy")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  Curl.socks5Hostname(proxyPort)
                          .user("alice", "wonderland-in-2026")
                          .fetch(origin.url("/hello"))
                          .exitCode()
                      == 0);
      log.info(
          "alice was let through {} ms after her rule was created",
          (System.nanoTime() - created) / 1_000_000);

      // Ctrl-C: the script stops both Java processes and exits 0.
      new ProcessBuilder("kill", "-INT", Long.toString(suite.pid())).start().waitFor();
      assertThat(suite.waitFor(60, TimeUnit.SECONDS)).as(output()).isTrue();
      assertThat(suite.exitValue()).as(output()).isZero();
      await("the proxy's port closed")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !listening(proxyPort) && !listening(statePort));
    } finally {
      suite.destroyForcibly();
      database.dropSchema(schema);
    }
  }

  private void curlApi(String adminKey, String url, String json)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "POST",
                "-H",
                "Authorization: Bearer " + adminKey,
                "-H",
                "Content-Type: application/json",
                "-d",
                json,
                url));
    Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String status = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(status).as("POST %s", url).isEqualTo("201");
  }

  private String output() throws IOException {
    return Files.readString(workDir.resolve("suite.out"));
  }

  private static boolean listening(int port) {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException closed) {
      return false;
    }
  }
}
