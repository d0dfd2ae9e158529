package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nghttp (Debian's nghttp2-client) as an HTTP/2 client of the proxy: it connects to the proxy's
 * address, and the pseudo-headers it is given ({@code :authority}, {@code :scheme}) make the
 * request a forwarding one. h2c with prior knowledge for an {@code http://} proxy address, TLS with
 * ALPN {@code h2} for {@code https://} (certificate not verified: the proxy's is generated).
 */
public final class Nghttp {
  public static final Path BINARY = Path.of("/usr/bin/nghttp");
  private static final long PROCESS_TIMEOUT_SECONDS = 30;
  private static final Pattern STATUS =
      Pattern.compile("recv \\(stream_id=\\d+\\) :status: (\\d+)");
  private static final Pattern ALPN = Pattern.compile("The negotiated protocol: (\\S+)");

  private final String proxyUrl;
  private final List<String> options = new ArrayList<>();

  private Nghttp(String proxyUrl) {
    this.proxyUrl = proxyUrl;
  }

  /** h2c with prior knowledge to the proxy. */
  public static Nghttp h2c(int proxyPort) {
    return new Nghttp("http://127.0.0.1:" + proxyPort);
  }

  /** TLS to the proxy, ALPN h2. */
  public static Nghttp tls(int proxyPort) {
    return new Nghttp("https://127.0.0.1:" + proxyPort);
  }

  public Nghttp header(String line) {
    options.add("--header=" + line);
    return this;
  }

  public Nghttp data(Path file) {
    options.add("--data=" + file);
    return this;
  }

  /** Sends {@code path} as an {@code http://} request to {@code authority}, through the proxy. */
  public Result forward(String authority, String path) {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(
          BINARY + " is missing; install Debian's nghttp2-client (apt-get install nghttp2-client)");
    }
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--verbose"));
    command.add("--header=:authority: " + authority);
    command.add("--header=:scheme: http");
    command.addAll(options);
    command.add(proxyUrl + path);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(key -> key.toLowerCase().endsWith("_proxy"));
    try {
      Process process = builder.start();
      CompletableFuture<byte[]> stderr = readAllAsync(process.getErrorStream());
      byte[] stdout = process.getInputStream().readAllBytes();
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("nghttp did not finish: " + command);
      }
      return new Result(
          process.exitValue(),
          new String(stdout, StandardCharsets.UTF_8),
          new String(
              stderr.get(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running nghttp", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read nghttp's stderr", e);
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

  /**
   * @param output the frames nghttp traced ({@code --verbose}) and the response body, interleaved
   */
  public record Result(int exitCode, String output, String stderr) {

    /** The final response's status, or 0. */
    public int status() {
      int status = 0;
      Matcher matcher = STATUS.matcher(output);
      while (matcher.find()) {
        status = Integer.parseInt(matcher.group(1));
      }
      return status;
    }

    /** The protocol ALPN chose, or null (h2c). */
    public String alpn() {
      Matcher matcher = ALPN.matcher(output);
      return matcher.find() ? matcher.group(1) : null;
    }

    /** The value of a response header as nghttp traced it, or null. */
    public String header(String name) {
      Matcher matcher =
          Pattern.compile("recv \\(stream_id=\\d+\\) " + Pattern.quote(name) + ": (.*)")
              .matcher(output);
      String value = null;
      while (matcher.find()) {
        value = matcher.group(1).strip();
      }
      return value;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n" + output + "\n" + stderr;
    }
  }
}
