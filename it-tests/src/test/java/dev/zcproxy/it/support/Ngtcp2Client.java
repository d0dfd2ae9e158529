package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ngtcp2's example client ({@code gtlsclient}, Debian's ngtcp2-client 0.12, with nghttp3 and
 * GnuTLS) as an HTTP/3 client of the proxy's QUIC port: one request, the certificate not checked
 * (it never checks one). Its debug output traces every packet and frame and dumps the data of each
 * stream, which is where the proxy's SETTINGS are read from: this version does not print them
 * decoded.
 */
public final class Ngtcp2Client {
  public static final Path BINARY = Path.of("/usr/bin/gtlsclient");
  private static final long PROCESS_TIMEOUT_SECONDS = 20;

  private static final Pattern STREAM_DATA =
      Pattern.compile("^Ordered STREAM data stream_id=0x([0-9a-f]+)$");
  private static final Pattern HEX_LINE = Pattern.compile("^[0-9a-f]{8}  ");
  private static final Pattern END_OF_DUMP = Pattern.compile("^[0-9a-f]{8}$");
  private static final Pattern STATUS =
      Pattern.compile("http: stream 0x([0-9a-f]+) \\[:status: (\\d+)]");
  private static final Pattern RESET =
      Pattern.compile(
          "RESET_STREAM\\(0x04\\) id=0x([0-9a-f]+) app_error_code=\\S*\\(0x([0-9a-f]+)\\)");
  private static final Pattern ALPN = Pattern.compile("Negotiated ALPN is (\\S+)");

  private Ngtcp2Client() {}

  /**
   * Sends one request for {@code uri} with {@code method} to the proxy's QUIC port and waits until
   * its stream closes. The method is all there is to choose: ngtcp2's client sends {@code :scheme},
   * {@code :authority} and {@code :path} from the URI whatever the method.
   */
  public static Result request(int proxyPort, String method, String uri) {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(
          BINARY + " is missing; install Debian's ngtcp2-client (apt-get install ngtcp2-client)");
    }
    List<String> command =
        List.of(
            BINARY.toString(),
            "--exit-on-all-streams-close",
            "--timeout=5s",
            "--http-method=" + method,
            "127.0.0.1",
            Integer.toString(proxyPort),
            uri);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (var in = process.getInputStream()) {
                      in.transferTo(output);
                    } catch (IOException e) {
                      // The process was killed: keep what it printed.
                    }
                  });
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        reader.join();
        throw new AssertionError(
            "gtlsclient did not finish within "
                + PROCESS_TIMEOUT_SECONDS
                + " s: "
                + command
                + "\n"
                + output.toString(StandardCharsets.UTF_8));
      }
      reader.join();
      return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running gtlsclient", e);
    }
  }

  /**
   * @param output gtlsclient's debug output, stdout and stderr interleaved
   */
  public record Result(int exitCode, String output) {

    /** The ALPN protocol the handshake settled on, or null. */
    public String alpn() {
      Matcher matcher = ALPN.matcher(output);
      return matcher.find() ? matcher.group(1) : null;
    }

    /** Whether the server answered the first Initial with a Retry packet. */
    public boolean sawRetry() {
      return output
          .lines()
          .anyMatch(line -> line.contains(" pkt rx ") && line.contains("type=Retry"));
    }

    /** The {@code :status} of the response on stream {@code streamId}, or 0. */
    public int status(long streamId) {
      Matcher matcher = STATUS.matcher(output);
      while (matcher.find()) {
        if (Long.parseLong(matcher.group(1), 16) == streamId) {
          return Integer.parseInt(matcher.group(2));
        }
      }
      return 0;
    }

    /** The application error code of a RESET_STREAM the server sent on {@code streamId}, or -1. */
    public long resetCode(long streamId) {
      Matcher matcher = RESET.matcher(output);
      while (matcher.find()) {
        if (Long.parseLong(matcher.group(1), 16) == streamId) {
          return Long.parseLong(matcher.group(2), 16);
        }
      }
      return -1;
    }

    /** The request header lines gtlsclient printed as it submitted them ({@code [:path: /]}). */
    public List<String> requestHeaderLines() {
      return output.lines().filter(line -> line.startsWith("[")).toList();
    }

    /**
     * The SETTINGS on the server's control stream (RFC 9114 §6.2.1, §7.2.4): the server-initiated
     * unidirectional stream whose type is 0x00, from the stream data gtlsclient dumped.
     */
    public Map<Long, Long> serverSettings() {
      for (Map.Entry<Long, byte[]> stream : streamData().entrySet()) {
        boolean serverUnidirectional = (stream.getKey() & 0x3) == 0x3;
        byte[] data = stream.getValue();
        if (serverUnidirectional && data.length > 0 && data[0] == 0x00) {
          return settingsOf(data);
        }
      }
      throw new AssertionError("no server control stream in gtlsclient's output:\n" + output);
    }

    private static Map<Long, Long> settingsOf(byte[] controlStream) {
      int offset = 1; // the stream type, 0x00
      Http3Wire.Varint type = Http3Wire.Varint.decode(controlStream, offset);
      offset += type.length();
      Http3Wire.Varint length = Http3Wire.Varint.decode(controlStream, offset);
      offset += length.length();
      if (type.value() != Http3Wire.FRAME_SETTINGS) {
        throw new AssertionError(
            "the control stream starts with frame type 0x" + Long.toHexString(type.value()));
      }
      int end = offset + (int) length.value();
      Map<Long, Long> settings = new LinkedHashMap<>();
      while (offset < end) {
        Http3Wire.Varint identifier = Http3Wire.Varint.decode(controlStream, offset);
        offset += identifier.length();
        Http3Wire.Varint value = Http3Wire.Varint.decode(controlStream, offset);
        offset += value.length();
        settings.put(identifier.value(), value.value());
      }
      return settings;
    }

    /** Each stream's data as dumped, in order, the dumps of one stream joined. */
    Map<Long, byte[]> streamData() {
      Map<Long, ByteArrayOutputStream> streams = new LinkedHashMap<>();
      ByteArrayOutputStream current = null;
      for (String line : output.lines().toList()) {
        Matcher start = STREAM_DATA.matcher(line);
        if (start.matches()) {
          current =
              streams.computeIfAbsent(
                  Long.parseLong(start.group(1), 16), id -> new ByteArrayOutputStream());
        } else if (current != null && HEX_LINE.matcher(line).lookingAt()) {
          // "00000000  00 04 09 08 01 33 01 06  80 00 40 00      |.....3....@.|"
          String hex = line.substring(10, Math.min(line.length(), 60)).replace(" ", "");
          current.writeBytes(HexFormat.of().parseHex(hex));
        } else if (current != null && END_OF_DUMP.matcher(line).matches()) {
          current = null;
        }
      }
      Map<Long, byte[]> data = new LinkedHashMap<>();
      streams.forEach((id, bytes) -> data.put(id, bytes.toByteArray()));
      return data;
    }

    @Override
    public String toString() {
      List<String> interesting = new ArrayList<>();
      output
          .lines()
          .filter(
              line ->
                  line.startsWith("http:")
                      || line.startsWith("[")
                      || line.contains("RESET_STREAM")
                      || line.contains("CONNECTION_CLOSE")
                      || line.contains("Negotiated"))
          .forEach(interesting::add);
      return "exit " + exitCode + "\n" + String.join("\n", interesting);
    }
  }
}
