package dev.zcproxy.inbound.netty.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import java.util.List;

/**
 * The protocol handler that owns a client's handshake (SOCKS4, SOCKS5, ...). The {@link
 * HandshakeGuard} asks it what to tell the client when the handshake is cut short, and it ends the
 * handshake with {@link #complete} once a command takes over the connection.
 */
public interface HandshakeStage {

  /** The metrics label, e.g. {@code socks5}. */
  String protocol();

  /**
   * The names of this protocol's handlers that only serve the handshake, this one among them; all
   * are gone after {@link #complete}, with the guard and the detector.
   */
  List<String> handshakeHandlers();

  /**
   * The handshake is being aborted (timeout, too many bytes) and the channel is about to close.
   * Returns the failure reply the client is owed in the current phase, or null when none is due;
   * the stage must not write anything itself afterwards.
   */
  ByteBuf abort(ByteBufAllocator allocator);

  /**
   * Bytes the client sent after its request, before the tunnel was up (optimistic data), in order;
   * null if none. The caller owns them.
   */
  ByteBuf takeEarlyData();

  /**
   * Ends the handshake: stops the handshake timer (recording its duration) and removes every
   * handshake handler, leaving the channel with {@code AUTO_READ} off and no read pending, for the
   * relay or a command (BIND, UDP ASSOCIATE) to take over. Returns the early data, which the caller
   * owns.
   */
  static ByteBuf complete(ChannelPipeline pipeline, HandshakeStage stage) {
    ByteBuf early = stage.takeEarlyData();
    HandshakeGuard guard = pipeline.get(HandshakeGuard.class);
    if (guard != null) {
      guard.complete(stage.protocol());
    }
    removeIfPresent(pipeline, PipelineNames.HANDSHAKE_TIMEOUT);
    removeIfPresent(pipeline, PipelineNames.PROTOCOL_DETECTOR);
    for (String name : stage.handshakeHandlers()) {
      removeIfPresent(pipeline, name);
    }
    return early;
  }

  private static void removeIfPresent(ChannelPipeline pipeline, String name) {
    if (pipeline.context(name) != null) {
      pipeline.remove(name);
    }
  }
}
