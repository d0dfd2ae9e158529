package dev.zcproxy.bench;

import java.nio.ByteBuffer;

/** The bytes a throughput run sends: large writes of a pattern that does not compress. */
final class Payload {

  static final int CHUNK_BYTES = 256 * 1024;

  private Payload() {}

  /** A fresh direct buffer, full and ready to write; {@code clear()} it to write it again. */
  static ByteBuffer chunk() {
    ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
    for (int i = 0; i < CHUNK_BYTES; i++) {
      chunk.put((byte) (i * 31)); // not all zeros, in case anything on the path compresses
    }
    return chunk.flip();
  }

  /** {@code bytes} of the same pattern in a heap array: what an echo check sends and expects. */
  static byte[] pattern(int bytes) {
    byte[] pattern = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      pattern[i] = (byte) (i * 31 + 7);
    }
    return pattern;
  }
}
