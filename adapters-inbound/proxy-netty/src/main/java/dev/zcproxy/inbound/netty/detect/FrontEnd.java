package dev.zcproxy.inbound.netty.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;

/**
 * A protocol served on the shared port, as the {@link ProtocolDetector} sees it: whether a first
 * byte is its own, and how it takes the connection over. The server's wiring lists the front ends
 * in the order they are asked; a new protocol is one more entry there.
 */
public interface FrontEnd {

  /** Whether a connection whose first byte is {@code firstByte} is this front end's. */
  boolean claims(int firstByte);

  /**
   * Takes the connection over from {@code detector}: counts it, installs this protocol's handlers,
   * takes the detector out, and replays {@code first} (which it now owns) into them.
   */
  void install(ChannelHandlerContext detector, ByteBuf first);

  /**
   * The plain take-over, for a protocol whose handlers simply follow everything in the pipeline
   * (behind the handshake guard, which then counts every byte of the handshake): adds the decoder
   * and the handler last, takes the detector out and replays {@code first} into the decoder.
   */
  static void appendAndReplay(
      ChannelHandlerContext detector,
      ByteBuf first,
      String decoderName,
      ChannelHandler decoder,
      String handlerName,
      ChannelHandler handler) {
    ChannelPipeline pipeline = detector.pipeline();
    pipeline.addLast(decoderName, decoder);
    pipeline.addLast(handlerName, handler);
    pipeline.remove(detector.name());
    detector.fireChannelRead(first); // still linked to the handler that followed it
  }
}
