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

  /** Every handler that only serves the handshake; all are gone after {@link #complete}. */
  List<String> HANDSHAKE_HANDLERS =
      List.of(
          PipelineNames.HANDSHAKE_TIMEOUT,
          PipelineNames.PROTOCOL_DETECTOR,
          PipelineNames.SOCKS4_DECODER,
          PipelineNames.SOCKS4_HANDLER,
          PipelineNames.SOCKS5_INITIAL_DECODER,
          PipelineNames.SOCKS5_PASSWORD_DECODER,
          PipelineNames.SOCKS5_GSSAPI_DECODER,
          PipelineNames.SOCKS5_REQUEST_DECODER,
          PipelineNames.SOCKS5_HANDLER,
          PipelineNames.HTTP_REQUEST_DECODER,
          PipelineNames.HTTP_RESPONSE_ENCODER,
          PipelineNames.HTTP_IDLE_TIMEOUT,
          PipelineNames.HTTP_HANDLER);

  /** The metrics label, e.g. {@code socks5}. */
  String protocol();

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
    for (String name : HANDSHAKE_HANDLERS) {
      if (pipeline.context(name) != null) {
        pipeline.remove(name);
      }
    }
    return early;
  }
}
