package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real curl (Debian's 7.88, or curl 8 with {@link #curl8()}) through the proxy. Build one
 * with the proxy flavour the test needs, then {@link #fetch(String...)}:
 *
 * <pre>{@code Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/hello"))}
 * </pre>
 *
 * <p>curl reports a failed SOCKS handshake with exit code 97 and a message that carries the
 * server's reply code, e.g. {@code Can't complete SOCKS5 connection to 127.0.0.1. (2)}. Through the
 * HTTP proxy, a refused forward request is an ordinary response (exit 0, the proxy's status), and a
 * refused CONNECT is exit 56 with {@code CONNECT tunnel failed, response 403}.
 */
public final class Curl {

  /** curl's exit code for any failed SOCKS handshake (CURLE_PROXY). */
  public static final int EXIT_PROXY_HANDSHAKE_FAILED = 97;

  /** curl's exit code for a CONNECT the HTTP proxy answered with an error (CURLE_RECV_ERROR). */
  public static final int EXIT_CONNECT_TUNNEL_FAILED = 56;

  private static final String STATUS_MARKER = "zcproxy-it-http-code=";
  private static final Pattern STATUS_LINE = Pattern.compile(STATUS_MARKER + "(\\d+)\\n?");
  private static final long PROCESS_TIMEOUT_SECONDS = 30;

  private final List<String> proxyOptions;
  private final int httpProxyPort;
  private final List<String> headers = new ArrayList<>();
  private final java.util.Map<String, String> environment = new java.util.LinkedHashMap<>();
  private String credentials;
  private boolean tunnel;
  private boolean verbose;
  private Path uploadFile;
  private String binary = "curl";

  private Curl(String proxyOption, int proxyPort) {
    this(List.of(proxyOption, "127.0.0.1:" + proxyPort), 0);
  }

  /**
   * @param httpProxyPort the plain HTTP proxy's port, whose URL carries the credentials; 0 for
   *     every other flavour, which {@code proxyOptions} describe
   */
  private Curl(List<String> proxyOptions, int httpProxyPort) {
    this.proxyOptions = List.copyOf(proxyOptions);
    this.httpProxyPort = httpProxyPort;
  }

  /**
   * The HTTP proxy: absolute-form requests for {@code http://} URLs, or CONNECT with {@link
   * #tunnel()}. Credentials go into the proxy URL ({@code http://user:password@host:port}), as a
   * user would write them.
   */
  public static Curl httpProxy(int proxyPort) {
    return new Curl(List.of(), proxyPort);
  }

  /**
   * HTTPS to the proxy ({@code --proxy https://...}) without verifying its certificate ({@code
   * --proxy-insecure}), as a client of a proxy with a self-signed development certificate must.
   */
  public static Curl httpsProxyInsecure(int proxyPort) {
    return new Curl(List.of("--proxy", "https://127.0.0.1:" + proxyPort, "--proxy-insecure"), 0);
  }

  /** HTTPS to the proxy, verifying its certificate against {@code caCertificate}. */
  public static Curl httpsProxy(int proxyPort, Path caCertificate) {
    return new Curl(
        List.of(
            "--proxy",
            "https://127.0.0.1:" + proxyPort,
            "--proxy-cacert",
            caCertificate.toString()),
        0);
  }

  /** HTTPS to the proxy, trusting nothing but the system's CAs: a private CA must fail. */
  public static Curl httpsProxyVerifyingBySystemCas(int proxyPort) {
    return new Curl(List.of("--proxy", "https://127.0.0.1:" + proxyPort), 0);
  }

  /**
   * Any proxy flavour spelled out as curl options, e.g. {@code --socks5-hostname localhost:1080
   * --socks5-gssapi}.
   */
  public static Curl withProxyOptions(String... options) {
    return new Curl(List.of(options), 0);
  }

  /** An environment variable for curl, e.g. {@code KRB5CCNAME}. */
  public Curl environment(String name, String value) {
    environment.put(name, value);
    return this;
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

  /**
   * RFC 1929 username/password for SOCKS5, or Basic {@code Proxy-Authorization} for an HTTP(S)
   * proxy.
   */
  public Curl user(String name, String password) {
    this.credentials = name + ":" + password;
    return this;
  }

  /** Through the HTTP proxy with CONNECT, also for {@code http://} URLs ({@code -p}). */
  public Curl tunnel() {
    this.tunnel = true;
    return this;
  }

  /** A request header for the origin ({@code -H "Name: value"}). */
  public Curl header(String line) {
    headers.add(line);
    return this;
  }

  /** POSTs the file's bytes exactly as they are ({@code --data-binary @file}). */
  public Curl postFile(Path file) {
    this.uploadFile = file;
    return this;
  }

  /** curl's {@code -v} account of the connections in {@link Result#stderr()}. */
  public Curl verbose() {
    this.verbose = true;
    return this;
  }

  /**
   * Runs curl 8 (Debian bookworm-backports, unpacked by {@code scripts/fetch-test-curl.sh}) instead
   * of the system's 7.88, for what 7.88 cannot do: SOCKS5 GSS-API and {@code --proxy-http2}.
   */
  public Curl curl8() {
    this.binary = curl8Binary().toString();
    return this;
  }

  /**
   * {@code ZCPROXY_TEST_CURL8}, else {@code curl-8/bin/curl} under {@code ZCPROXY_TEST_TOOLS} or
   * {@code ~/.cache/zcproxy}, where {@code scripts/fetch-test-curl.sh} (run by {@code .ci/run})
   * puts it. Missing, it fails the test: it never skips it.
   */
  public static Path curl8Binary() {
    String explicit = System.getenv("ZCPROXY_TEST_CURL8");
    String tools = System.getenv("ZCPROXY_TEST_TOOLS");
    Path binary =
        explicit != null && !explicit.isEmpty()
            ? Path.of(explicit)
            : (tools != null && !tools.isEmpty()
                    ? Path.of(tools)
                    : Path.of(System.getProperty("user.home"), ".cache", "zcproxy"))
                .resolve("curl-8/bin/curl");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "no curl 8 at "
              + binary
              + ": run scripts/fetch-test-curl.sh (.ci/run does), or point ZCPROXY_TEST_CURL8 at"
              + " a curl 8 binary");
    }
    return binary;
  }

  /** Fetches each URL in turn, in one curl run: curl reuses a connection where it can. */
  public Result fetch(String... urls) {
    List<String> command = new ArrayList<>(List.of(binary, "-sS", "--max-time", "20"));
    if (httpProxyPort > 0) {
      String userInfo = credentials == null ? "" : credentials + "@";
      command.addAll(List.of("--proxy", "http://" + userInfo + "127.0.0.1:" + httpProxyPort));
    } else {
      command.addAll(proxyOptions);
      if (credentials != null) {
        command.addAll(List.of("-U", credentials));
      }
    }
    if (tunnel) {
      command.add("-p");
    }
    if (verbose) {
      command.add("-v");
    }
    headers.forEach(header -> command.addAll(List.of("-H", header)));
    if (uploadFile != null) {
      command.addAll(List.of("--data-binary", "@" + uploadFile));
    }
    // The status goes to stderr so that stdout holds the bodies and nothing else.
    command.addAll(List.of("-w", "%{stderr}" + STATUS_MARKER + "%{http_code}\\n"));
    Path headerDump = createHeaderDump();
    try {
      command.addAll(List.of("-D", headerDump.toString()));
      for (String url : urls) {
        command.addAll(List.of("-o", "-", url));
      }
      return run(command, environment, headerDump);
    } finally {
      deleteQuietly(headerDump);
    }
  }

  private static Path createHeaderDump() {
    try {
      return Files.createTempFile("curl-headers-", ".txt");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a file for curl's response headers", e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A stray file in the temporary directory must not fail the test.
    }
  }

  private static Result run(
      List<String> command, java.util.Map<String, String> environment, Path headerDump) {
    ProcessBuilder builder = new ProcessBuilder(command);
    // A proxy from the environment must not sneak in between curl and the proxy under test.
    builder.environment().keySet().removeIf(key -> key.toLowerCase().endsWith("_proxy"));
    builder.environment().putAll(environment);
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
          new String(stderr.get(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8),
          Files.readString(headerDump, StandardCharsets.ISO_8859_1));
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
   * @param body every response body, one after the other
   * @param httpStatus the status of the last response, 0 when no response arrived
   * @param stderr curl's error message, if any, and its {@code -v} account
   * @param responseHeads the response heads as curl received them ({@code -D}), blank-line
   *     separated: a CONNECT's answer and interim {@code 100 Continue} heads included
   */
  public record Result(
      int exitCode, byte[] body, int httpStatus, String stderr, String responseHeads) {

    static Result parse(int exitCode, byte[] body, String rawStderr, String responseHeads) {
      Matcher marker = STATUS_LINE.matcher(rawStderr);
      int status = 0;
      while (marker.find()) {
        status = Integer.parseInt(marker.group(1));
      }
      return new Result(exitCode, body, status, marker.replaceAll(""), responseHeads);
    }

    /**
     * A header of the last response head, or null: the name compared without case, the value as
     * sent.
     */
    public String header(String name) {
      String[] heads = responseHeads.strip().split("\\r?\\n\\r?\\n");
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String line : heads[heads.length - 1].split("\\r?\\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          return line.substring(prefix.length()).strip();
        }
      }
      return null;
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
