package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy in a process of its own, started under {@code prlimit --nofile=1024:4096} as a service
 * manager with a low default would start it: it must run with a soft limit of 4096, say so in its
 * log, and show it on {@code /metrics}.
 *
 * <p>The JVM runs with {@code -XX:-MaxFDLimit}: HotSpot otherwise raises the soft limit itself
 * before {@code main}, and this test would prove nothing about the proxy's own raise.
 */
class OpenFileLimitProcessTest {

  private static final Duration STARTUP = Duration.ofSeconds(60);
  private static final Pattern ADMIN = Pattern.compile("admin on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path directory;

  private final List<String> output = new CopyOnWriteArrayList<>();
  private Process proxy;

  @AfterEach
  void stop() throws InterruptedException {
    if (proxy != null && proxy.isAlive()) {
      proxy.destroy(); // SIGTERM
      if (!proxy.waitFor(20, TimeUnit.SECONDS)) {
        proxy.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void theProxyRaisesItsSoftLimitToTheHardLimitAndShowsItOnMetrics() throws Exception {
    // The minimum is the hard limit: had the proxy not raised its soft limit, it would refuse.
    start("limits: { minOpenFiles: 4096 }");

    String capacity = awaitLine("file descriptors: ");
    assertThat(capacity)
        .contains("INFO")
        .containsPattern(
            "file descriptors: limit 4,096 \\(raised from 1,024, the hard limit\\), [\\d,]+ open:"
                + " about [\\d,]+ idle tunnels at 2 descriptors each");
    assertThat(softAndHardLimit(proxy.pid())).containsExactly("4096", "4096");

    Matcher admin = ADMIN.matcher(awaitLine("zcproxy listening on"));
    assertThat(admin.find()).isTrue();
    String metrics = scrape(Integer.parseInt(admin.group(1)));
    assertThat(sample(metrics, "process_files_max_files")).isEqualTo(4096.0);
    assertThat(sample(metrics, "process_files_open_files")).isBetween(10.0, 4096.0);
  }

  private void start(String limits) throws IOException {
    Files.writeString(
        directory.resolve("policy.yaml"),
        """
        users: [{ name: alice, password: "{plain}a" }]
        rules: [{ action: allow, users: [alice], destinations: ["127.0.0.1/32"] }]
        """);
    Path config =
        Files.writeString(
            directory.resolve("zcproxy.yaml"),
            """
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            relay: copy
            policy: { file: policy.yaml }
            shutdown: { drainTimeout: 0s }
            """
                + limits
                + "\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    var builder =
        new ProcessBuilder(
                "prlimit",
                "--nofile=1024:4096",
                java,
                "-XX:-MaxFDLimit",
                "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                classpath,
                Main.class.getName(),
                "--config",
                config.toString())
            .directory(directory.toFile())
            .redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("ZCPROXY_"));
    proxy = builder.start();
    Thread.ofPlatform()
        .daemon()
        .name("proxy-output")
        .start(
            () -> {
              try (var lines =
                  new BufferedReader(
                      new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(output::add);
              } catch (IOException ended) {
                // the process is gone
              }
            });
  }

  private String awaitLine(String fragment) {
    await("a line with '" + fragment + "' from the proxy")
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!proxy.isAlive() && output.stream().noneMatch(l -> l.contains(fragment))) {
                throw new AssertionError(
                    "the proxy exited with "
                        + proxy.exitValue()
                        + ":\n"
                        + String.join("\n", output));
              }
              return output.stream().anyMatch(line -> line.contains(fragment));
            });
    return output.stream().filter(line -> line.contains(fragment)).findFirst().orElseThrow();
  }

  /** The "Max open files" line of the kernel's {@code /proc/PID/limits}: soft, then hard. */
  private static List<String> softAndHardLimit(long pid) throws IOException {
    String line =
        Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits")).stream()
            .filter(l -> l.startsWith("Max open files"))
            .findFirst()
            .orElseThrow();
    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
    return List.of(fields[0], fields[1]);
  }

  private static String scrape(int adminPort) throws Exception {
    try (HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }

  /** The value of an unlabelled sample of the text exposition format. */
  private static double sample(String metrics, String name) {
    Matcher sample =
        Pattern.compile("^" + name + "(?:\\{[^}]*})? (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    assertThat(sample.find()).as("%s on /metrics", name).isTrue();
    return Double.parseDouble(sample.group(1));
  }
}
