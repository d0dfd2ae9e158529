package dev.zcproxy.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * CONNECT tunnels as request streams of one multiplexed connection to a proxy: HTTP/2 ({@link
 * Http2Client}) or HTTP/3 ({@link Http3Client}). A tunnel is a Netty child channel that takes and
 * gives the protocol's DATA frames.
 */
interface StreamTunnels extends AutoCloseable {

  /**
   * Opens a stream, sends {@code CONNECT target} and waits for the proxy's 200.
   *
   * @param afterResponse the handler for what follows the response head (the tunnel's DATA frames),
   *     in the stream's pipeline from the start, so that no byte slips past it
   * @throws IOException when the proxy answers anything but 200, resets the stream, or takes longer
   *     than 10 s
   */
  Channel connect(InetSocketAddress target, ChannelHandler afterResponse) throws IOException;

  /** A DATA frame of this protocol carrying {@code content}. */
  Object dataFrame(ByteBuf content);

  /** The tunnel bytes {@code frame} carries, or -1 when it is no DATA frame. */
  int dataBytes(Object frame);

  /**
   * Ends the tunnel's sending side (HTTP/2 END_STREAM, QUIC FIN) once {@code lastWrite}, the last
   * DATA frame written, has gone: a FIN sent earlier would cut off what is still queued.
   *
   * @param lastWrite null when nothing was written
   */
  void finish(Channel tunnel, ChannelFuture lastWrite);

  /**
   * The transport's own counters for the report, as {@code key=value} pairs (QUIC: packets sent,
   * received and lost by the client, its RTT estimate and congestion window), or "".
   */
  default String transportStats() {
    return "";
  }

  /** Closes the connection and everything it runs on. */
  @Override
  void close();
}
