package dev.zcproxy.inbound.netty.handshake;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;

/**
 * Where a protocol's decoder goes when it must see every byte the client sends in the clear: at the
 * head of the pipeline, or right behind the layer that decrypts the connection (TLS), which names
 * its last handler {@link PipelineNames#PLAINTEXT_BOUNDARY}. Bytes replayed into such a decoder go
 * from there, never back into the decrypting layer.
 */
public final class Plaintext {

  private Plaintext() {}

  /** Puts {@code decoder} first in the plaintext part of the pipeline. */
  public static void addFirst(ChannelPipeline pipeline, String name, ChannelHandler decoder) {
    if (pipeline.context(PipelineNames.PLAINTEXT_BOUNDARY) == null) {
      pipeline.addFirst(name, decoder);
    } else {
      pipeline.addAfter(PipelineNames.PLAINTEXT_BOUNDARY, name, decoder);
    }
  }

  /** Fires {@code msg} into the first handler of the plaintext part of the pipeline. */
  public static void replay(ChannelPipeline pipeline, Object msg) {
    ChannelHandlerContext boundary = pipeline.context(PipelineNames.PLAINTEXT_BOUNDARY);
    if (boundary == null) {
      pipeline.fireChannelRead(msg);
    } else {
      boundary.fireChannelRead(msg);
    }
  }
}
