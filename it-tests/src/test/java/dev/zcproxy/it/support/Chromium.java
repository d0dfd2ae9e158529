package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs headless Chromium (Debian's {@code chromium} package) through the proxy and returns the page
 * it rendered ({@code --dump-dom}):
 *
 * <pre>{@code Chromium.socks5(proxy.port()).dumpDom(origin.url("/page"))}</pre>
 *
 * <p>Chromium cannot take proxy credentials from its command line, so the proxy must admit it
 * anonymously. Without {@code <-loopback>} in the bypass list Chromium would go to 127.0.0.1
 * directly, past the proxy under test. Each run gets a fresh profile and temporary directory, both
 * deleted afterwards, and is killed with its child processes when it does not finish in time.
 */
public final class Chromium {

  public static final Path BINARY = Path.of("/usr/bin/chromium");
  public static final String INSTALL_COMMAND =
      "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium";

  private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Headless as root in a container; no sandbox (it refuses root), no GPU, no QUIC. The background
   * services (component updates, sync, safe browsing lists) would reach for Google's hosts, which
   * the build machines refuse. A small {@code /dev/shm}, common in containers, crashes renderers.
   */
  private static final List<String> FIXED_FLAGS =
      List.of(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--disable-dev-shm-usage",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--proxy-bypass-list=<-loopback>");

  private final List<String> proxyFlags;

  private Chromium(List<String> proxyFlags) {
    this.proxyFlags = List.copyOf(proxyFlags);
  }

  /** The HTTP proxy: absolute-form requests for {@code http://} URLs. */
  public static Chromium httpProxy(int proxyPort) {
    return new Chromium(List.of("--proxy-server=http://127.0.0.1:" + proxyPort));
  }

  /**
   * HTTPS to the proxy, accepting its certificate only if its public key hashes to {@code
   * spkiSha256} (base64 of the SHA-256 of the DER SubjectPublicKeyInfo). Chromium honours the pin
   * list only together with {@code --user-data-dir}, which every run sets.
   */
  public static Chromium httpsProxyPinned(int proxyPort, String spkiSha256) {
    return new Chromium(
        List.of(
            "--proxy-server=https://127.0.0.1:" + proxyPort,
            "--ignore-certificate-errors-spki-list=" + spkiSha256));
  }

  /** HTTPS to the proxy, verifying its certificate against the system's CAs. */
  public static Chromium httpsProxyVerifyingBySystemCas(int proxyPort) {
    return new Chromium(List.of("--proxy-server=https://127.0.0.1:" + proxyPort));
  }

  /** SOCKS5 without authentication; Chromium resolves host names itself. */
  public static Chromium socks5(int proxyPort) {
    return new Chromium(List.of("--proxy-server=socks5://127.0.0.1:" + proxyPort));
  }

  /** Fails, rather than skips, where Chromium is missing: the build machines must have it. */
  public static void requireInstalled() {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(
          BINARY + " is missing; the browser tests need Debian's chromium: " + INSTALL_COMMAND);
    }
  }

  /** Loads {@code url} and returns the DOM as rendered, serialized to HTML. */
  public Result dumpDom(String url) {
    requireInstalled();
    Path runDir = createRunDir();
    try {
      List<String> command = new ArrayList<>(List.of(BINARY.toString()));
      command.addAll(FIXED_FLAGS);
      command.add("--user-data-dir=" + runDir.resolve("profile"));
      command.addAll(proxyFlags);
      command.addAll(List.of("--dump-dom", url));
      ProcessBuilder builder = new ProcessBuilder(command);
      // Only the command line may choose the proxy; and temporary files stay in the run's
      // directory.
      builder.environment().keySet().removeIf(key -> key.toLowerCase().endsWith("_proxy"));
      builder.environment().put("TMPDIR", Files.createDirectory(runDir.resolve("tmp")).toString());
      return run(builder, command);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + BINARY, e);
    } finally {
      deleteRecursively(runDir);
    }
  }

  private static Result run(ProcessBuilder builder, List<String> command) throws IOException {
    Process process = builder.start();
    CompletableFuture<byte[]> stdout = readAllAsync(process.getInputStream());
    CompletableFuture<byte[]> stderr = readAllAsync(process.getErrorStream());
    try {
      if (!process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        killWithChildren(process);
        throw new AssertionError(
            "chromium did not finish within " + PROCESS_TIMEOUT + ": " + command);
      }
      return new Result(
          process.exitValue(),
          text(stdout.get(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)),
          text(stderr.get(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)));
    } catch (InterruptedException e) {
      killWithChildren(process);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running chromium", e);
    } catch (ExecutionException | TimeoutException e) {
      killWithChildren(process);
      throw new IllegalStateException("cannot read chromium's output", e);
    }
  }

  /**
   * The renderer, GPU and zygote processes hold the output pipes too. They are listed before the
   * browser dies: after that they belong to init and are no longer its descendants.
   */
  private static void killWithChildren(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  private static Path createRunDir() {
    try {
      return Files.createTempDirectory("zcproxy-it-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for chromium's profile", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete chromium's run directory " + dir, e);
    }
  }

  private static CompletableFuture<byte[]> readAllAsync(InputStream stream) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (stream) {
                result.complete(stream.readAllBytes());
              } catch (IOException e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * What Chromium did. A page that failed to load still exits 0, with an empty DOM on stdout and
   * the network error ({@code net::ERR_...}) on stderr.
   *
   * @param dom the rendered page, serialized to HTML
   * @param stderr Chromium's log
   */
  public record Result(int exitCode, String dom, String stderr) {

    @Override
    public String toString() {
      // Without a session bus every run logs D-Bus errors; they say nothing about the page.
      String log =
          stderr
              .lines()
              .filter(line -> !line.contains(":ERROR:dbus/"))
              .collect(Collectors.joining("\n"));
      return "chromium exit " + exitCode + ", DOM: " + dom.strip() + "\nstderr:\n" + log;
    }
  }
}
