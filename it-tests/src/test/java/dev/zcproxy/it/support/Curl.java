package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the real curl (Debian's 7.88) through the proxy. Build one with the SOCKS flavour the test
 * needs, then {@link #fetch(String)}:
 *
 * <pre>{@code Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/hello"))}
 * </pre>
 *
 * <p>curl reports a failed SOCKS handshake with exit code 97 and a message that carries the
 * server's reply code, e.g. {@code Can't complete SOCKS5 connection to 127.0.0.1. (2)}.
 */
public final class Curl {

  /** curl's exit code for any failed SOCKS handshake (CURLE_PROXY). */
  public static final int EXIT_PROXY_HANDSHAKE_FAILED = 97;

  private static final String STATUS_MARKER = "zcproxy-it-http-code=";
  private static final long PROCESS_TIMEOUT_SECONDS = 30;

  private final String proxyOption;
  private final int proxyPort;
  private String credentials;

  private Curl(String proxyOption, int proxyPort) {
    this.proxyOption = proxyOption;
    this.proxyPort = proxyPort;
  }

  /** SOCKS5, curl resolves the host name itself. */
  public static Curl socks5(int proxyPort) {
    return new Curl("--socks5", proxyPort);
  }

  /** SOCKS5, the proxy resolves the host name (ATYP 3). */
  public static Curl socks5Hostname(int proxyPort) {
    return new Curl("--socks5-hostname", proxyPort);
  }

  public static Curl socks4(int proxyPort) {
    return new Curl("--socks4", proxyPort);
  }

  /** SOCKS4a: the host name travels to the proxy after the user id. */
  public static Curl socks4a(int proxyPort) {
    return new Curl("--socks4a", proxyPort);
  }

  /** RFC 1929 username/password for SOCKS5 ({@code -U user:password}). */
  public Curl user(String name, String password) {
    this.credentials = name + ":" + password;
    return this;
  }

  public Result fetch(String url) {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
    command.addAll(List.of(proxyOption, "127.0.0.1:" + proxyPort));
    if (credentials != null) {
      command.addAll(List.of("-U", credentials));
    }
    // The status goes to stderr so that stdout holds the body and nothing else.
    command.addAll(List.of("-o", "-", "-w", "%{stderr}" + STATUS_MARKER + "%{http_code}\\n", url));
    return run(command);
  }

  private static Result run(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    // A proxy from the environment must not sneak in between curl and the proxy under test.
    builder.environment().keySet().removeIf(key -> key.toLowerCase().endsWith("_proxy"));
    try {
      Process process = builder.start();
      CompletableFuture<byte[]> stderr = readAllAsync(process.getErrorStream());
      byte[] body = process.getInputStream().readAllBytes();
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("curl did not finish: " + command);
      }
      return Result.parse(
          process.exitValue(),
          body,
          new String(
              stderr.get(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running curl", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read curl's stderr", e);
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
   * What curl did.
   *
   * @param exitCode 0 on success, {@link #EXIT_PROXY_HANDSHAKE_FAILED} when the proxy refused
   * @param httpStatus the origin's status, 0 when no response arrived
   * @param stderr curl's error message, if any
   */
  public record Result(int exitCode, byte[] body, int httpStatus, String stderr) {

    static Result parse(int exitCode, byte[] body, String rawStderr) {
      int marker = rawStderr.lastIndexOf(STATUS_MARKER);
      if (marker < 0) {
        return new Result(exitCode, body, 0, rawStderr);
      }
      String status = rawStderr.substring(marker + STATUS_MARKER.length()).strip();
      String stderr = rawStderr.substring(0, marker);
      return new Result(exitCode, body, Integer.parseInt(status), stderr);
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String bodySha256() {
      return Digests.sha256(body);
    }

    @Override
    public String toString() {
      return "curl exit "
          + exitCode
          + ", HTTP "
          + httpStatus
          + ", "
          + body.length
          + " body bytes, stderr: "
          + stderr.strip();
    }
  }
}
