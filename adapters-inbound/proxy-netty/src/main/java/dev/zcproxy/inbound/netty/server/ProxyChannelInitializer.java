package dev.zcproxy.inbound.netty.server;

import dev.zcproxy.inbound.netty.detect.ProtocolDetector;
import dev.zcproxy.inbound.netty.detect.TlsDetector;
import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.h2.Http2FrontEnd;
import dev.zcproxy.inbound.netty.tls.TlsFrontEnd;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every accepted connection starts here: the accept-time limits (overall and per source address),
 * then the TLS detector (where TLS is configured), the handshake guard and the protocol detector.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
  private static final Logger log = LoggerFactory.getLogger(ProxyChannelInitializer.class);

  private final ProxyContext context;
  private final ConnectionTracker tracker;
  private final ChannelGroup clients;
  private final ProtocolDetector detector;
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
    this.detector = new ProtocolDetector(context);
    this.tlsDetector = tls == null ? null : new TlsDetector(tls);
  }

  /** The HTTP/2 front end every connection of this server shares. */
  public Http2FrontEnd http2() {
    return detector.http2();
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
      channel.pipeline().addLast(PipelineNames.TLS_DETECTOR, tlsDetector);
    }
    channel
        .pipeline()
        .addLast(
            PipelineNames.HANDSHAKE_TIMEOUT,
            new HandshakeGuard(context.settings(), context.metrics()))
        .addLast(PipelineNames.PROTOCOL_DETECTOR, detector);
  }
}
