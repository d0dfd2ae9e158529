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
 * @param timeouts how long each phase may take
 * @param limits what one connection, one source, one user and the whole proxy may hold
 * @param tls the proxy's TLS identity and the implementation that serves it
 * @param kerberos the proxy's Kerberos service identity: when present, SOCKS5 offers GSS-API
 *     (method 0x01) and HTTP offers {@code Negotiate}; when empty, neither is offered
 * @param quic QUIC (HTTP/3) on the UDP port of the same number as {@code listen}, with {@code
 *     tls}'s certificate
 */
public record ProxyServerSettings(
    InetSocketAddress listen,
    RelayMode relay,
    Timeouts timeouts,
    Limits limits,
    Tls tls,
    Optional<KerberosAcceptor> kerberos,
    Quic quic) {

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

  /**
   * @param handshake from accept until the tunnel is established (or BIND's first reply)
   * @param idle a tunnel or UDP association with no traffic either way is closed
   * @param connect for the upstream TCP connect
   * @param bindAccept how long a BIND waits for the inbound connection
   * @param streamIdle an HTTP/2 stream (a tunnel or a forwarded request) with no frame either way
   *     for this long is closed on its own, while its connection carries on
   */
  public record Timeouts(
      Duration handshake,
      Duration idle,
      Duration connect,
      Duration bindAccept,
      Duration streamIdle) {
    public Timeouts {
      requirePositive(handshake, "handshakeTimeout");
      requirePositive(idle, "idleTimeout");
      requirePositive(connect, "connectTimeout");
      requirePositive(bindAccept, "bindAcceptTimeout");
      requirePositive(streamIdle, "streamIdleTimeout");
    }

    /** HTTP/2 streams idle out like connections. */
    public static Timeouts of(
        Duration handshake, Duration idle, Duration connect, Duration bindAccept) {
      return new Timeouts(handshake, idle, connect, bindAccept, idle);
    }

    public Timeouts withIdle(Duration timeout) {
      return new Timeouts(handshake, timeout, connect, bindAccept, streamIdle);
    }

    public Timeouts withStreamIdle(Duration timeout) {
      return new Timeouts(handshake, idle, connect, bindAccept, timeout);
    }
  }

  /**
   * @param maxHandshakeBytes a SOCKS client (or one not yet recognised) that sends more than this
   *     before its tunnel is up is refused; HTTP clients are bounded by the HTTP front ends
   * @param maxConnections the whole proxy, 0 = unlimited
   * @param maxConnectionsPerSource per client IP address, 0 = unlimited
   * @param maxConnectionsPerUser per authenticated user, 0 = unlimited
   * @param maxHeaderBytes the largest HTTP/1.1 request header block (431 past it) and HTTP/2 header
   *     list (SETTINGS_MAX_HEADER_LIST_SIZE) a client may send: Kerberos {@code Negotiate} tokens
   *     from Active Directory carry the user's groups and can need up to 64 KiB
   */
  public record Limits(
      int maxHandshakeBytes,
      int maxConnections,
      int maxConnectionsPerSource,
      int maxConnectionsPerUser,
      int maxHeaderBytes) {
    public Limits {
      if (maxHandshakeBytes < 64) {
        throw new IllegalArgumentException("maxHandshakeBytes must be at least 64");
      }
      if (maxConnections < 0 || maxConnectionsPerSource < 0 || maxConnectionsPerUser < 0) {
        throw new IllegalArgumentException("connection limits must be >= 0 (0 = unlimited)");
      }
      if (maxHeaderBytes < MAX_HEADER_BYTES_FLOOR || maxHeaderBytes > MAX_HEADER_BYTES_CEILING) {
        throw new IllegalArgumentException(
            "maxHeaderBytes must be from "
                + MAX_HEADER_BYTES_FLOOR
                + " to "
                + MAX_HEADER_BYTES_CEILING);
      }
    }

    /** With the HTTP header limit at {@link #DEFAULT_MAX_HEADER_BYTES}. */
    public static Limits of(
        int maxHandshakeBytes,
        int maxConnections,
        int maxConnectionsPerSource,
        int maxConnectionsPerUser) {
      return new Limits(
          maxHandshakeBytes,
          maxConnections,
          maxConnectionsPerSource,
          maxConnectionsPerUser,
          DEFAULT_MAX_HEADER_BYTES);
    }

    public Limits withMaxHeaderBytes(int bytes) {
      return new Limits(
          maxHandshakeBytes, maxConnections, maxConnectionsPerSource, maxConnectionsPerUser, bytes);
    }
  }

  /**
   * @param identity when present, a client may speak TLS first (HTTPS-to-proxy, SOCKS over TLS);
   *     when empty, a TLS client is closed
   * @param provider which TLS implementation serves {@code identity}
   */
  public record Tls(Optional<TlsIdentity> identity, TlsProvider provider) {
    /** No TLS: a client that speaks TLS first is closed. */
    public static final Tls OFF = new Tls(Optional.empty(), TlsProvider.AUTO);

    public Tls {
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(provider, "provider");
    }
  }

  /**
   * HTTP/3 over QUIC on UDP, the port number of {@code listen}.
   *
   * @param enabled off unless asked for; needs {@link Tls#identity()}
   * @param maxConnections QUIC connections over the whole proxy, 0 = unlimited
   * @param maxConnectionsPerSource QUIC connections per client IP address, 0 = unlimited
   * @param idleTimeout QUIC's max_idle_timeout: a connection with no packet either way for this
   *     long is gone, with every tunnel on it
   * @param maxStreamsPerConnection the request streams a client may have open at once
   *     (initial_max_streams_bidi)
   */
  public record Quic(
      boolean enabled,
      int maxConnections,
      int maxConnectionsPerSource,
      Duration idleTimeout,
      int maxStreamsPerConnection) {
    /** QUIC is not served. */
    public static final Quic OFF = new Quic(false, 0, 0, Duration.ofSeconds(30), 100);

    public Quic {
      if (maxConnections < 0 || maxConnectionsPerSource < 0) {
        throw new IllegalArgumentException("quic connection limits must be >= 0 (0 = unlimited)");
      }
      requirePositive(idleTimeout, "quic.idleTimeout");
      if (maxStreamsPerConnection < 1 || maxStreamsPerConnection > 10_000) {
        throw new IllegalArgumentException("quic.maxStreamsPerConnection must be from 1 to 10000");
      }
    }

    /** Served, with the defaults for everything else. */
    public static Quic on() {
      return new Quic(true, 0, 0, Duration.ofSeconds(30), 100);
    }
  }

  public ProxyServerSettings {
    Objects.requireNonNull(quic, "quic");
    if (quic.enabled() && tls.identity().isEmpty()) {
      throw new IllegalArgumentException("quic.enabled needs a TLS identity (tls.*)");
    }
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(kerberos, "kerberos");
  }

  /** Settings without TLS and Kerberos. */
  public ProxyServerSettings(
      InetSocketAddress listen, RelayMode relay, Timeouts timeouts, Limits limits) {
    this(listen, relay, timeouts, limits, Tls.OFF, Optional.empty(), Quic.OFF);
  }

  /** The same settings, serving TLS with {@code identity} through the best provider here. */
  public ProxyServerSettings withTls(TlsIdentity identity) {
    return withTls(identity, TlsProvider.AUTO);
  }

  /** The same settings, serving TLS with {@code identity} through {@code provider}. */
  public ProxyServerSettings withTls(TlsIdentity identity, TlsProvider provider) {
    return new ProxyServerSettings(
        listen, relay, timeouts, limits, new Tls(Optional.of(identity), provider), kerberos, quic);
  }

  /** The same settings, accepting Kerberos tickets with {@code acceptor}. */
  public ProxyServerSettings withKerberos(KerberosAcceptor acceptor) {
    return new ProxyServerSettings(
        listen, relay, timeouts, limits, tls, Optional.of(acceptor), quic);
  }

  /** The same settings with another relay mode. */
  public ProxyServerSettings withRelay(RelayMode changed) {
    return new ProxyServerSettings(listen, changed, timeouts, limits, tls, kerberos, quic);
  }

  /** The same settings with other timeouts. */
  public ProxyServerSettings withTimeouts(Timeouts changed) {
    return new ProxyServerSettings(listen, relay, changed, limits, tls, kerberos, quic);
  }

  /** The same settings with other limits. */
  public ProxyServerSettings withLimits(Limits changed) {
    return new ProxyServerSettings(listen, relay, timeouts, changed, tls, kerberos, quic);
  }

  /** The same settings, serving QUIC as {@code changed} says (which needs a TLS identity). */
  public ProxyServerSettings withQuic(Quic changed) {
    return new ProxyServerSettings(listen, relay, timeouts, limits, tls, kerberos, changed);
  }

  /** The same settings with another HTTP/2 stream idle timeout. */
  public ProxyServerSettings withStreamIdleTimeout(Duration timeout) {
    return withTimeouts(timeouts.withStreamIdle(timeout));
  }

  /** The same settings with another limit on HTTP request headers. */
  public ProxyServerSettings withMaxHeaderBytes(int bytes) {
    return withLimits(limits.withMaxHeaderBytes(bytes));
  }

  /** Defaults close to Dante's and HAProxy's: generous, but nothing unbounded. */
  public static ProxyServerSettings defaults(InetSocketAddress listen) {
    return new ProxyServerSettings(
        listen,
        RelayMode.AUTO,
        Timeouts.of(
            Duration.ofSeconds(10),
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60)),
        Limits.of(4096, 0, 0, 0));
  }

  private static void requirePositive(Duration duration, String name) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }
}
