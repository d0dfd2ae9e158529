package dev.zcproxy.inbound.netty;

import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the front end needs to know, already validated by the app's config loader.
 *
 * @param listen the TCP address (and, for later issues, the UDP port) to serve
 * @param relay which relay carries established tunnels
 * @param handshakeTimeout from accept until the tunnel is established (or BIND's first reply)
 * @param idleTimeout a tunnel or UDP association with no traffic either way is closed
 * @param connectTimeout for the upstream TCP connect
 * @param bindAcceptTimeout how long a BIND waits for the inbound connection
 * @param maxHandshakeBytes a SOCKS client (or one not yet recognised) that sends more than this
 *     before its tunnel is up is refused; HTTP clients are bounded by the HTTP front ends
 * @param maxConnections the whole proxy, 0 = unlimited
 * @param maxConnectionsPerSource per client IP address, 0 = unlimited
 * @param maxConnectionsPerUser per authenticated user, 0 = unlimited
 * @param tls the proxy's TLS identity: when present, a client may speak TLS first (HTTPS-to-proxy,
 *     SOCKS over TLS); when empty, a TLS client is closed
 * @param tlsProvider which TLS implementation serves {@code tls}
 * @param kerberos the proxy's Kerberos service identity: when present, SOCKS5 offers GSS-API
 *     (method 0x01) and HTTP offers {@code Negotiate}; when empty, neither is offered
 * @param streamIdleTimeout an HTTP/2 stream (a tunnel or a forwarded request) with no frame either
 *     way for this long is closed on its own, while its connection carries on
 * @param maxHeaderBytes the largest HTTP/1.1 request header block (431 past it) and HTTP/2 header
 *     list (SETTINGS_MAX_HEADER_LIST_SIZE) a client may send: Kerberos {@code Negotiate} tokens
 *     from Active Directory carry the user's groups and can need up to 64 KiB
 */
public record ProxyServerSettings(
    InetSocketAddress listen,
    RelayMode relay,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration connectTimeout,
    Duration bindAcceptTimeout,
    int maxHandshakeBytes,
    int maxConnections,
    int maxConnectionsPerSource,
    int maxConnectionsPerUser,
    Optional<TlsIdentity> tls,
    TlsProvider tlsProvider,
    Optional<KerberosAcceptor> kerberos,
    Duration streamIdleTimeout,
    int maxHeaderBytes) {

  /** Unless configured: enough for ordinary requests, while memory per connection stays small. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

  /** Below this, ordinary browser requests (cookies, user agents) would be refused. */
  public static final int MAX_HEADER_BYTES_FLOOR = 4 * 1024;

  /**
   * Well above the largest AD token (MaxTokenSize 48,000 bytes, about 64 KiB in base64), and still
   * a bound on what one connection or stream may make the proxy hold.
   */
  public static final int MAX_HEADER_BYTES_CEILING = 256 * 1024;

  public enum RelayMode {
    AUTO,
    SPLICE,
    COPY
  }

  public ProxyServerSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(relay, "relay");
    requirePositive(handshakeTimeout, "handshakeTimeout");
    requirePositive(idleTimeout, "idleTimeout");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(bindAcceptTimeout, "bindAcceptTimeout");
    if (maxHandshakeBytes < 64) {
      throw new IllegalArgumentException("maxHandshakeBytes must be at least 64");
    }
    if (maxConnections < 0 || maxConnectionsPerSource < 0 || maxConnectionsPerUser < 0) {
      throw new IllegalArgumentException("connection limits must be >= 0 (0 = unlimited)");
    }
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(tlsProvider, "tlsProvider");
    Objects.requireNonNull(kerberos, "kerberos");
    requirePositive(streamIdleTimeout, "streamIdleTimeout");
    if (maxHeaderBytes < MAX_HEADER_BYTES_FLOOR || maxHeaderBytes > MAX_HEADER_BYTES_CEILING) {
      throw new IllegalArgumentException(
          "maxHeaderBytes must be from "
              + MAX_HEADER_BYTES_FLOOR
              + " to "
              + MAX_HEADER_BYTES_CEILING);
    }
  }

  /**
   * Settings without TLS and Kerberos, whose HTTP/2 streams idle out like connections ({@code
   * idleTimeout}) and whose HTTP header limit is {@link #DEFAULT_MAX_HEADER_BYTES}.
   */
  public ProxyServerSettings(
      InetSocketAddress listen,
      RelayMode relay,
      Duration handshakeTimeout,
      Duration idleTimeout,
      Duration connectTimeout,
      Duration bindAcceptTimeout,
      int maxHandshakeBytes,
      int maxConnections,
      int maxConnectionsPerSource,
      int maxConnectionsPerUser) {
    this(
        listen,
        relay,
        handshakeTimeout,
        idleTimeout,
        connectTimeout,
        bindAcceptTimeout,
        maxHandshakeBytes,
        maxConnections,
        maxConnectionsPerSource,
        maxConnectionsPerUser,
        Optional.empty());
  }

  /** As above, serving TLS with {@code tls} (when present) through the best provider here. */
  public ProxyServerSettings(
      InetSocketAddress listen,
      RelayMode relay,
      Duration handshakeTimeout,
      Duration idleTimeout,
      Duration connectTimeout,
      Duration bindAcceptTimeout,
      int maxHandshakeBytes,
      int maxConnections,
      int maxConnectionsPerSource,
      int maxConnectionsPerUser,
      Optional<TlsIdentity> tls) {
    this(
        listen,
        relay,
        handshakeTimeout,
        idleTimeout,
        connectTimeout,
        bindAcceptTimeout,
        maxHandshakeBytes,
        maxConnections,
        maxConnectionsPerSource,
        maxConnectionsPerUser,
        tls,
        TlsProvider.AUTO,
        Optional.empty(),
        idleTimeout,
        DEFAULT_MAX_HEADER_BYTES);
  }

  /** The same settings, serving TLS with {@code identity} through the best provider here. */
  public ProxyServerSettings withTls(TlsIdentity identity) {
    return withTls(identity, TlsProvider.AUTO);
  }

  /** The same settings, serving TLS with {@code identity} through {@code provider}. */
  public ProxyServerSettings withTls(TlsIdentity identity, TlsProvider provider) {
    Copy copy = new Copy(this);
    copy.tls = Optional.of(identity);
    copy.tlsProvider = Objects.requireNonNull(provider, "provider");
    return copy.build();
  }

  /** The same settings, accepting Kerberos tickets with {@code acceptor}. */
  public ProxyServerSettings withKerberos(KerberosAcceptor acceptor) {
    Copy copy = new Copy(this);
    copy.kerberos = Optional.of(acceptor);
    return copy.build();
  }

  /** The same settings with another HTTP/2 stream idle timeout. */
  public ProxyServerSettings withStreamIdleTimeout(Duration timeout) {
    Copy copy = new Copy(this);
    copy.streamIdleTimeout = timeout;
    return copy.build();
  }

  /** The same settings with another limit on HTTP request headers. */
  public ProxyServerSettings withMaxHeaderBytes(int bytes) {
    Copy copy = new Copy(this);
    copy.maxHeaderBytes = bytes;
    return copy.build();
  }

  /**
   * The components the {@code with...} methods change, taken from existing settings; {@link #build}
   * validates the result like any other settings.
   */
  private static final class Copy {
    private final ProxyServerSettings from;
    private Optional<TlsIdentity> tls;
    private TlsProvider tlsProvider;
    private Optional<KerberosAcceptor> kerberos;
    private Duration streamIdleTimeout;
    private int maxHeaderBytes;

    Copy(ProxyServerSettings from) {
      this.from = from;
      this.tls = from.tls;
      this.tlsProvider = from.tlsProvider;
      this.kerberos = from.kerberos;
      this.streamIdleTimeout = from.streamIdleTimeout;
      this.maxHeaderBytes = from.maxHeaderBytes;
    }

    ProxyServerSettings build() {
      return new ProxyServerSettings(
          from.listen,
          from.relay,
          from.handshakeTimeout,
          from.idleTimeout,
          from.connectTimeout,
          from.bindAcceptTimeout,
          from.maxHandshakeBytes,
          from.maxConnections,
          from.maxConnectionsPerSource,
          from.maxConnectionsPerUser,
          tls,
          tlsProvider,
          kerberos,
          streamIdleTimeout,
          maxHeaderBytes);
    }
  }

  /** Defaults close to Dante's and HAProxy's: generous, but nothing unbounded. */
  public static ProxyServerSettings defaults(InetSocketAddress listen) {
    return new ProxyServerSettings(
        listen,
        RelayMode.AUTO,
        Duration.ofSeconds(10),
        Duration.ofMinutes(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(60),
        4096,
        0,
        0,
        0);
  }

  private static void requirePositive(Duration duration, String name) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }
}
