package dev.zcproxy.inbound.netty.tls;

import dev.zcproxy.inbound.netty.detect.ProtocolDetector;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * HTTPS-to-proxy on the shared port: the server {@link SslContext} of one server, and the handlers
 * it installs when a connection's first byte is a TLS handshake record.
 *
 * <p>The TLS layer goes in front of everything, the {@link HandshakeGuard} included, and the {@link
 * ProtocolDetector} behind it runs on the decrypted bytes, so HTTP/1.1 and SOCKS over TLS are the
 * same protocols as in the clear. So the guard:
 *
 * <ul>
 *   <li>times the TLS handshake too: its clock runs from accept, and the SslHandler's own timer is
 *       off so that one budget ({@code limits.handshakeTimeout}) covers TLS and the proxy handshake
 *       together;
 *   <li>counts only decrypted bytes against {@code limits.maxHandshakeBytes}: the TLS records (a
 *       ClientHello alone may be 2 KiB with post-quantum key shares) are not the client's proxy
 *       handshake, and the TLS engine bounds them itself (a record is at most 16 KiB, a handshake
 *       message at most {@code jdk.tls.maxHandshakeMessageSize}), so a TLS client gets the same
 *       byte budget as a plain one.
 * </ul>
 *
 * ALPN offers {@code h2} first, then {@code http/1.1}. After {@code h2} the client sends the HTTP/2
 * preface, which the {@link ProtocolDetector} behind recognizes as it does for h2c, and the HTTP/2
 * front end serves CONNECT and {@code http://} forwarding on it (a browser sends its plain-HTTP
 * page loads to an HTTPS proxy over the protocol it negotiated). A client that offers no ALPN (a
 * SOCKS client) or nothing the proxy speaks is still admitted, with no protocol selected, and the
 * detector goes by its first bytes.
 */
public final class TlsFrontEnd {
  /** Handler names: the sniffer that looks for a TLS record, then Netty's SslHandler. */
  public static final String DETECTOR = "tls-detector";

  public static final String SSL = "tls";

  /** The metrics label of the TLS layer, before (or instead of) the protocol inside it. */
  static final String PROTOCOL = "tls";

  /** The rejection reason of a failed TLS handshake. */
  static final String HANDSHAKE_FAILED = "handshake";

  /** A TLS record of content type handshake: how every TLS connection starts. */
  static final int HANDSHAKE_RECORD = 0x16;

  private final SslProvider provider;
  private final TlsSessionHandler session;

  /**
   * Read once per accepted TLS connection; a reload swaps it whole, so a connection is served
   * entirely by the identity it started with.
   */
  private volatile Served served;

  /** An identity with the context built from it. */
  private record Served(TlsIdentity identity, SslContext context) {}

  /**
   * @throws IllegalArgumentException when {@code provider} cannot load here, or cannot serve with
   *     this identity
   */
  public TlsFrontEnd(TlsIdentity identity, TlsProvider provider, ProxyMetrics metrics) {
    this.provider = provider.resolve();
    this.served = new Served(identity, serverContext(identity, this.provider));
    this.session = new TlsSessionHandler(metrics);
  }

  /** The TLS implementation in use: {@code openssl} or {@code jdk}. */
  public String providerName() {
    return TlsProvider.describe(provider);
  }

  public TlsIdentity identity() {
    return served.identity();
  }

  /**
   * Serves {@code next} to every connection accepted from now on; connections already up keep
   * theirs.
   *
   * @throws IllegalArgumentException when the provider cannot serve with it; the current identity
   *     stays
   */
  public void replace(TlsIdentity next) {
    served = new Served(next, serverContext(next, provider));
  }

  /**
   * The JDK provider's server context for this key and chain: what every identity is checked
   * against when it is read, whichever provider then serves it.
   *
   * @throws IllegalArgumentException when the JDK cannot use them
   */
  static SslContext serverContext(PrivateKey key, List<X509Certificate> chain) {
    return serverContext(key, chain, SslProvider.JDK);
  }

  private static SslContext serverContext(TlsIdentity identity, SslProvider provider) {
    return serverContext(identity.key(), identity.chain(), provider);
  }

  private static SslContext serverContext(
      PrivateKey key, List<X509Certificate> chain, SslProvider provider) {
    try {
      return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
          .sslProvider(provider)
          .applicationProtocolConfig(
              new ApplicationProtocolConfig(
                  ApplicationProtocolConfig.Protocol.ALPN,
                  ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                  ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                  ApplicationProtocolNames.HTTP_2,
                  ApplicationProtocolNames.HTTP_1_1))
          .build();
    } catch (SSLException | RuntimeException unusable) {
      throw new IllegalArgumentException(
          "the "
              + TlsProvider.describe(provider)
              + " provider cannot serve TLS with this key and certificate: "
              + unusable.getMessage(),
          unusable);
    }
  }

  /**
   * Puts the TLS layer in front of {@code sniffer}'s position and takes the sniffer out; the caller
   * then fires the first bytes from the sniffer's context, into the SslHandler.
   */
  void install(ChannelHandlerContext sniffer) {
    ChannelPipeline pipeline = sniffer.pipeline();
    SslHandler ssl = served.context().newHandler(sniffer.alloc());
    ssl.setHandshakeTimeoutMillis(0); // the HandshakeGuard's clock covers the TLS handshake
    pipeline.addAfter(sniffer.name(), TlsFrontEnd.SSL, ssl);
    pipeline.addAfter(TlsFrontEnd.SSL, PipelineNames.PLAINTEXT_BOUNDARY, session);
    pipeline.remove(sniffer.name());
    sniffer.channel().attr(HandshakeGuard.OUTER_PROTOCOL).set(PROTOCOL);
  }
}
