package dev.zcproxy.inbound.netty.server;

import dev.zcproxy.inbound.netty.detect.Http2PrefaceDetector;
import dev.zcproxy.inbound.netty.detect.ProtocolDetector;
import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.http.h1.HttpFrontEnd;
import dev.zcproxy.inbound.netty.http.h2.Http2FrontEnd;
import dev.zcproxy.inbound.netty.socks.v4.Socks4FrontEnd;
import dev.zcproxy.inbound.netty.socks.v5.Socks5FrontEnd;
import dev.zcproxy.inbound.netty.tls.TlsDetector;
import dev.zcproxy.inbound.netty.tls.TlsFrontEnd;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every accepted connection starts here: the accept-time limits (overall and per source address),
 * then the TLS detector (where TLS is configured), the handshake guard and the protocol detector.
 * This is where the protocols on the shared port are listed, in the order the detector asks them:
 * SOCKS4, SOCKS5, the HTTP/2 preface sniffer, HTTP/1.1.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
  private static final Logger log = LoggerFactory.getLogger(ProxyChannelInitializer.class);

  private final ProxyContext context;
  private final ConnectionTracker tracker;
  private final ChannelGroup clients;
  private final ProtocolDetector detector;
  private final HttpFrontEnd http;
  private final Http2FrontEnd http2;
  private final TlsDetector tlsDetector; // null: TLS is not configured

  /**
   * @param clients every live client channel, for graceful shutdown
   * @param tls the TLS front end, or null when TLS is not configured
   */
  public ProxyChannelInitializer(
      ProxyContext context, ConnectionTracker tracker, ChannelGroup clients, TlsFrontEnd tls) {
    this.context = context;
    this.tracker = tracker;
    this.clients = clients;
    this.http = new HttpFrontEnd(context);
    this.http2 = new Http2FrontEnd(context, http);
    this.detector =
        new ProtocolDetector(
            context.metrics(),
            List.of(
                new Socks4FrontEnd(context),
                new Socks5FrontEnd(context),
                Http2PrefaceDetector.choosingBetween(http, http2),
                http));
    this.tlsDetector = tls == null ? null : new TlsDetector(tls);
  }

  /** The metrics labels of the protocols served here, whose meters exist from the start. */
  public static List<String> protocols() {
    return List.of(
        Socks4FrontEnd.PROTOCOL,
        Socks5FrontEnd.PROTOCOL,
        HttpFrontEnd.PROTOCOL,
        Http2FrontEnd.PROTOCOL);
  }

  /**
   * What forwarding shares across HTTP versions (the upstream pool, the {@code Via} name), for the
   * HTTP/3 front end on the QUIC port.
   */
  public HttpForwarding forwarding() {
    return http;
  }

  /** The HTTP/2 front end every connection of this server shares. */
  public Http2FrontEnd http2() {
    return http2;
  }

  @Override
  protected void initChannel(Channel channel) {
    ConnectionTracker.Admission admission = tracker.admit(channel);
    if (admission != ConnectionTracker.Admission.ADMITTED) {
      context.metrics().connectionRejected(ProtocolDetector.UNKNOWN, admission.reason());
      log.debug("{}: refused at accept: {}", channel, admission.reason());
      channel.close();
      return;
    }
    clients.add(channel);
    if (tlsDetector != null) {
      channel.pipeline().addLast(TlsFrontEnd.DETECTOR, tlsDetector);
    }
    channel
        .pipeline()
        .addLast(
            PipelineNames.HANDSHAKE_TIMEOUT,
            new HandshakeGuard(context.settings(), context.metrics(), HttpFrontEnd::startsRequest))
        .addLast(PipelineNames.PROTOCOL_DETECTOR, detector);
  }
}
