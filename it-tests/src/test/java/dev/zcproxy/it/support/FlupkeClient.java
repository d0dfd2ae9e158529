package dev.zcproxy.it.support;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.log.NullLogger;
import tech.kwik.flupke.Http3ClientConnection;
import tech.kwik.flupke.HttpError;
import tech.kwik.flupke.HttpStream;
import tech.kwik.flupke.core.CapsuleProtocolStream;
import tech.kwik.flupke.core.GenericCapsule;
import tech.kwik.flupke.impl.CapsuleProtocolStreamImpl;
import tech.kwik.flupke.impl.Http3ClientConnectionImpl;
import tech.kwik.qpack.Decoder;
import tech.kwik.qpack.Encoder;

/**
 * Flupke 0.9.4 (HTTP/3 on Kwik, by other authors) as a client of the proxy's QUIC port: one QUIC
 * connection, TLS with ALPN {@code h3}, the proxy's self-signed certificate not checked.
 *
 * <p>The QUIC connection is built with Kwik's own builder, the way Flupke's {@code Http3Client}
 * builds it, and handed to Flupke's {@link Http3ClientConnectionImpl}: {@code Http3Client} gives no
 * way to close a connection, and the tests must leave no socket behind. It also lets a test turn on
 * QUIC DATAGRAM frames, which Flupke never does itself.
 *
 * <p>What Flupke 0.9.4 gets wrong on the receiving side is worked around here, not in the proxy:
 * {@code HttpStream}'s {@code read()} returns bytes sign-extended (0xFF reads as -1, the end of the
 * stream), and a read of 0 bytes waits for the next DATA frame instead of returning 0, so {@link
 * Tunnel#in()} masks the one and answers the other itself; and {@code
 * CapsuleProtocolStreamImpl.receive()} comes up short when a capsule spans DATA frames, so capsules
 * are parsed by {@link Capsule#read}. A CONNECT that fails reaches Flupke's caller as an {@link
 * HttpError} with the status only; {@link #rawRequest} shows a response's header fields.
 */
public final class FlupkeClient implements AutoCloseable {
  /** RFC 9114 §8.1. */
  public static final long H3_REQUEST_CANCELLED = 0x10c;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration SETTINGS_TIMEOUT = Duration.ofSeconds(5);
  private static final int HANDSHAKE_ATTEMPTS = 3;
  private static final Logger log = LoggerFactory.getLogger(FlupkeClient.class);

  private final int proxyPort;
  private final ExecutorService executor;
  private final QuicClientConnection quic;
  private final Http3ClientConnection http3;
  private final BlockingQueue<byte[]> receivedDatagrams = new LinkedBlockingQueue<>();

  private FlupkeClient(int proxyPort, boolean httpDatagrams) throws IOException {
    this.proxyPort = proxyPort;
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    QuicClientConnection.Builder builder =
        QuicClientConnection.newBuilder()
            .uri(URI.create("https://127.0.0.1:" + proxyPort))
            .applicationProtocol("h3")
            .connectTimeout(CONNECT_TIMEOUT)
            .noServerCertificateCheck()
            .logger(new NullLogger());
    if (httpDatagrams) {
      builder.enableDatagramExtension();
    }
    this.quic = builder.build();
    try {
      this.http3 = new Http3ClientConnectionImpl(quic, executor);
      if (httpDatagrams) {
        http3.addSettingsParameter(Http3Wire.SETTINGS_H3_DATAGRAM, 1);
        quic.setDatagramHandler(receivedDatagrams::add);
      }
      http3.connect();
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /** Connects to the proxy's QUIC port; HTTP Datagrams travel in capsules on the stream. */
  public static FlupkeClient connect(int proxyPort) throws IOException {
    return open(proxyPort, false);
  }

  /**
   * Connects with the QUIC DATAGRAM extension and {@code SETTINGS_H3_DATAGRAM=1}, so the proxy may
   * send HTTP Datagrams as QUIC DATAGRAM frames.
   */
  public static FlupkeClient connectWithHttpDatagrams(int proxyPort) throws IOException {
    return open(proxyPort, true);
  }

  /**
   * Kwik 0.10.8 loses about one handshake in twenty against a server that answers every new
   * connection with a Retry as fast as loopback allows: when the Retry is processed before Kwik has
   * recorded its own ClientHello, its receiver thread fails with "Handshake error:
   * NullPointerException ... HandshakeMessage.getBytes() because message is null" (seen in Kwik's
   * packet log: the Retry arrives, then the error, before the ClientHello is logged as sent). The
   * proxy's packets are correct; a new connection succeeds. So a handshake error is tried again, up
   * to {@value #HANDSHAKE_ATTEMPTS} times in all.
   */
  private static FlupkeClient open(int proxyPort, boolean httpDatagrams) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return new FlupkeClient(proxyPort, httpDatagrams);
      } catch (ConnectException e) {
        boolean kwikRetryRace = String.valueOf(e.getMessage()).startsWith("Handshake error");
        if (!kwikRetryRace || attempt == HANDSHAKE_ATTEMPTS) {
          throw e;
        }
        log.info("Kwik's handshake failed ({}); connecting again", e.getMessage());
      }
    }
  }

  /** A SETTINGS value the proxy sent, once its SETTINGS frame arrived. */
  public Optional<Long> proxySetting(long identifier) {
    return http3.getPeerSettingsParameter(identifier);
  }

  /**
   * CONNECT {@code authority} (RFC 9114 §4.4) with Flupke's {@code sendConnect}.
   *
   * @param headers header names and values, alternating ({@code "proxy-authorization", "Basic
   *     ..."})
   * @throws HttpError for a status other than 2xx, carrying the status
   */
  public Tunnel connectTcp(String authority, String... headers) throws IOException, HttpError {
    return new Tunnel(http3.sendConnect(request("https://" + authority, headers)));
  }

  /**
   * CONNECT-UDP (RFC 9298) to {@code host:port} with Flupke's {@code sendExtendedConnect}: {@code
   * :protocol connect-udp}, {@code :scheme https}, {@code :authority} the proxy, {@code :path
   * /.well-known/masque/udp/{host}/{port}/}. Flupke refuses unless the proxy's SETTINGS enabled
   * extended CONNECT.
   */
  public Tunnel connectUdp(String host, int port, String... headers)
      throws IOException, HttpError, InterruptedException {
    HttpRequest request = request(masqueUri(host, port), headers);
    return new Tunnel(http3.sendExtendedConnect(request, "connect-udp", "https", SETTINGS_TIMEOUT));
  }

  public String masqueUri(String host, int port) {
    return "https://127.0.0.1:" + proxyPort + "/.well-known/masque/udp/" + host + "/" + port + "/";
  }

  /**
   * Sends one request head of exactly these fields on a new request stream, written with QPACK
   * (Flupke's codec, static table only) under Flupke's connection, and reads the response head. The
   * request side then ends with a FIN, the way a client ends a tunnel; the rest of the response is
   * left unread.
   *
   * @param endStream whether the head ends the request at once (FIN right after it: a GET without a
   *     body), or only once the response head is in (a CONNECT)
   */
  public Response rawRequest(List<Map.Entry<String, String>> fields, boolean endStream)
      throws IOException {
    QuicStream stream = quic.createStream(true);
    OutputStream out = stream.getOutputStream();
    try {
      ByteBuffer section = Encoder.newBuilder().build().compressHeaders(fields);
      section.flip();
      byte[] bytes = new byte[section.remaining()];
      section.get(bytes);
      out.write(Http3Wire.frame(Http3Wire.FRAME_HEADERS, bytes));
      if (endStream) {
        out.close();
      } else {
        out.flush();
      }
      InputStream in = stream.getInputStream();
      while (true) {
        long type = Http3Wire.readVarint(in);
        long length = type < 0 ? -1 : Http3Wire.readVarint(in);
        if (length < 0) {
          throw new EOFException("the response stream ended before its HEADERS frame");
        }
        byte[] payload = in.readNBytes(Math.toIntExact(length));
        if (type == Http3Wire.FRAME_HEADERS) {
          return new Response(
              Decoder.newBuilder().build().decodeStream(new ByteArrayInputStream(payload)));
        }
        // Reserved frame types (RFC 9114 §7.2.8) may come first: skip them.
      }
    } finally {
      if (!endStream) {
        out.close();
      }
    }
  }

  /** Sends one QUIC DATAGRAM frame; needs {@link #connectWithHttpDatagrams}. */
  public void sendQuicDatagram(byte[] payload) {
    quic.sendDatagram(payload);
  }

  /** The next QUIC DATAGRAM frame's payload, or null after {@code timeout}. */
  public byte[] receiveQuicDatagram(Duration timeout) throws InterruptedException {
    return receivedDatagrams.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static HttpRequest request(String uri, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri));
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return builder.build();
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    quic.close();
    executor.shutdownNow();
  }

  /** A response head as the proxy sent it. */
  public record Response(List<Map.Entry<String, String>> fields) {

    public int status() {
      return Integer.parseInt(first(":status"));
    }

    /** The first value of {@code name}, or null. */
    public String first(String name) {
      List<String> values = values(name);
      return values.isEmpty() ? null : values.getFirst();
    }

    public List<String> values(String name) {
      List<String> values = new ArrayList<>();
      for (Map.Entry<String, String> field : fields) {
        if (field.getKey().toLowerCase(Locale.ROOT).equals(name)) {
          values.add(field.getValue());
        }
      }
      return values;
    }
  }

  /**
   * An established CONNECT or CONNECT-UDP stream. Bytes written go out as one DATA frame per {@code
   * write}; {@link #in()} yields the DATA payload of the proxy's frames.
   */
  public static final class Tunnel {
    private final HttpStream stream;
    private final InputStream in;
    private final CapsuleProtocolStream capsules;

    Tunnel(HttpStream stream) {
      this.stream = stream;
      this.in = new UnsignedReads(stream.getInputStream());
      this.capsules = new CapsuleProtocolStreamImpl(stream);
    }

    public long streamId() {
      return stream.getStreamId();
    }

    public InputStream in() {
      return in;
    }

    public OutputStream out() {
      return stream.getOutputStream();
    }

    /** One capsule through Flupke's {@code CapsuleProtocolStreamImpl}, in one DATA frame. */
    public void sendCapsule(Capsule capsule) throws IOException {
      capsules.send(new GenericCapsule(capsule.type(), capsule.value()));
    }

    /** The next capsule, or null at the end of the stream. */
    public Capsule receiveCapsule() throws IOException {
      return Capsule.read(in);
    }

    /** Cancels the stream both ways (RESET_STREAM and STOP_SENDING). */
    public void cancel() {
      stream.abortReading(H3_REQUEST_CANCELLED);
      stream.resetStream(H3_REQUEST_CANCELLED);
    }
  }

  /**
   * Flupke 0.9.4's stream input returns sign-extended bytes from {@code read()}: mask them. And a
   * read of 0 bytes waits there for the next DATA frame instead of returning 0, which {@code
   * InputStream.readNBytes} does after its last chunk: answer it at once.
   */
  private static final class UnsignedReads extends FilterInputStream {
    UnsignedReads(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      return Http3Wire.readUnsigned(in);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, buffer.length);
      return length == 0 ? 0 : in.read(buffer, offset, length);
    }
  }
}
