package dev.zcproxy.splice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.DataInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** The real front end with the splice relay, plain java.net peers, and byte streams to check. */
final class SpliceTestKit {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** Only a hang should ever reach this: every blocking read in the tests has it. */
  static final int SAFETY_NET_MILLIS = 30_000;

  private SpliceTestKit() {}

  /** A proxy on 127.0.0.1 with anonymous SOCKS5 admitted to anywhere. */
  static ProxyServer proxy(RelayMode relay, Duration idleTimeout, MeterRegistry registry) {
    return proxy(relay, idleTimeout, registry, 1024);
  }

  /** The same with at most {@code maxPipes} pipes open at once (0: spliced tunnels copy). */
  static ProxyServer proxy(
      RelayMode relay, Duration idleTimeout, MeterRegistry registry, int maxPipes) {
    ProxyServerSettings settings =
        new ProxyServerSettings(
            new InetSocketAddress(LOOPBACK, 0),
            relay,
            ProxyServerSettings.Timeouts.of(
                Duration.ofSeconds(30),
                idleTimeout,
                Duration.ofSeconds(10),
                Duration.ofSeconds(10)),
            ProxyServerSettings.Limits.of(4096, 0, 0, 0));
    return new ProxyServer(
        settings, ANONYMOUS, ALLOW_ALL, registry, new SpliceRelay(registry, 256 * 1024, maxPipes));
  }

  static final AuthenticateClientUseCase ANONYMOUS =
      new AuthenticateClientUseCase() {
        @Override
        public AuthResult authenticate(AuthenticateCommand command) {
          return new AuthResult.Authenticated(Principal.ANONYMOUS);
        }

        @Override
        public boolean anonymousAllowed() {
          return true;
        }
      };

  static final AuthorizeConnectionUseCase ALLOW_ALL = (principal, request) -> new Decision.Allow(1);

  /** Descriptors this process holds open. */
  static long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a SOCKS5 tunnel (no authentication, CONNECT by IPv4 address) through the proxy. */
  static Socket socks5Connect(InetSocketAddress proxy, int targetPort) throws IOException {
    return socks5Connect(proxy, targetPort, new byte[0]);
  }

  /**
   * The same, with {@code earlyData} sent right behind the request, before the reply (optimistic
   * data, as some clients send a TLS ClientHello).
   */
  static Socket socks5Connect(InetSocketAddress proxy, int targetPort, byte[] earlyData)
      throws IOException {
    return socks5Connect(new Socket(), proxy, targetPort, earlyData);
  }

  /** The same on a socket the caller set up (buffer sizes, say). */
  static Socket socks5Connect(
      Socket socket, InetSocketAddress proxy, int targetPort, byte[] earlyData) throws IOException {
    try {
      socket.connect(proxy, SAFETY_NET_MILLIS);
      socket.setSoTimeout(SAFETY_NET_MILLIS);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      out.write(new byte[] {5, 1, 0});
      byte[] method = new byte[2];
      in.readFully(method);
      assertThat(method).containsExactly(5, 0);
      byte[] address = LOOPBACK.getAddress();
      byte[] request = new byte[10 + earlyData.length];
      request[0] = 5;
      request[1] = 1;
      request[3] = 1;
      System.arraycopy(address, 0, request, 4, 4);
      request[8] = (byte) (targetPort >> 8);
      request[9] = (byte) targetPort;
      System.arraycopy(earlyData, 0, request, 10, earlyData.length);
      out.write(request);
      byte[] reply = new byte[10];
      in.readFully(reply);
      assertThat(reply[1]).as("SOCKS5 REP").isZero();
      return socket;
    } catch (IOException | RuntimeException | Error e) {
      socket.close();
      throw e;
    }
  }

  /** Reads until end of stream; returns how many bytes came and their checksum. */
  static Digest drain(InputStream in) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[256 * 1024];
    long total = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      crc.update(buffer, 0, n);
      total += n;
    }
    return new Digest(total, crc.getValue());
  }

  /** Writes {@code length} pseudo-random bytes (from {@code seed}); returns their checksum. */
  static Digest send(OutputStream out, long length, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[256 * 1024];
    long left = length;
    while (left > 0) {
      int n = (int) Math.min(buffer.length, left);
      random.nextBytes(buffer);
      crc.update(buffer, 0, n);
      out.write(buffer, 0, n);
      left -= n;
    }
    out.flush();
    return new Digest(length, crc.getValue());
  }

  record Digest(long bytes, long crc32c) {}

  /** Direct memory taken from Netty's default allocator, which the front end's channels use. */
  static long usedDirectMemory() {
    return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
  }

  /** Counts what goes through it, for a test to watch a sender's progress. */
  static final class CountingOutputStream extends FilterOutputStream {
    private final AtomicLong count;

    CountingOutputStream(OutputStream out, AtomicLong count) {
      super(out);
      this.count = count;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      out.write(bytes, offset, length);
      count.addAndGet(length);
    }
  }

  /** What one side of the test did: the bytes it sent and those it received. */
  record Exchange(Digest sent, Digest received) {}

  /** A loopback server running {@code session} for every connection, each on a virtual thread. */
  static final class Upstream implements AutoCloseable {

    @FunctionalInterface
    interface Session {
      void run(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final Session session;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    Upstream(Session session) throws IOException {
      this.server = new ServerSocket(0, 1024, LOOPBACK);
      this.session = session;
      Thread.ofVirtual().name("upstream-accept").start(this::acceptLoop);
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.add(socket);
          Thread.ofVirtual().name("upstream-session").start(() -> serve(socket));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        socket.setSoTimeout(SAFETY_NET_MILLIS);
        session.run(socket);
      } catch (Exception | Error e) {
        failures.add(e);
      } finally {
        accepted.remove(socket);
      }
    }

    /** Connections whose session is still running. */
    int openSessions() {
      return accepted.size();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : accepted) {
        socket.close();
      }
    }
  }
}
