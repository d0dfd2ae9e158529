package dev.zcproxy.inbound.netty.http.h3.masque;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapsulesTest {

  @ParameterizedTest(name = "[{index}] {0} bytes")
  @ValueSource(ints = {0, 1, 62, 63, 1200, 16382, 16383, 65527})
  void encodesADatagramCapsuleThatTheDecoderReadsBack(int payloadLength) throws Exception {
    byte[] bytes = new byte[payloadLength];
    for (int i = 0; i < payloadLength; i++) {
      bytes[i] = (byte) (i * 31);
    }
    ByteBuf payload = Unpooled.wrappedBuffer(bytes);
    ByteBuf capsule = Capsules.encodeDatagram(PooledByteBufAllocator.DEFAULT, payload);
    List<byte[]> received = new ArrayList<>();
    try {
      long valueLength = payloadLength + 1L;
      int expected = 1 + QuicVarint.encodedLength(valueLength) + (int) valueLength;
      assertThat(capsule.readableBytes()).isEqualTo(expected);
      assertThat(capsule.capacity()).isEqualTo(expected);
      assertThat(payload.readableBytes())
          .as("the payload is read, not consumed")
          .isEqualTo(payloadLength);

      try (CapsuleDecoder decoder =
          new CapsuleDecoder(
              PooledByteBufAllocator.DEFAULT,
              65535,
              new CapsuleDecoder.Listener() {
                @Override
                public void datagram(long contextId, ByteBuf datagram) {
                  assertThat(contextId).isZero();
                  received.add(ByteBufUtil.getBytes(datagram));
                  datagram.release();
                }

                @Override
                public void skipped(long type, long length) {
                  throw new AssertionError("skipped " + type);
                }

                @Override
                public void oversize(long length) {
                  throw new AssertionError("oversize " + length);
                }
              })) {
        decoder.decode(capsule);
        decoder.finish();
      }
      assertThat(received).containsExactly(bytes);
    } finally {
      payload.release();
      assertThat(capsule.release()).isTrue();
    }
  }

  @ParameterizedTest(name = "[{index}] {0} bytes")
  @ValueSource(ints = {0, 3})
  void writesTheWireFormat(int payloadLength) {
    ByteBuf payload = Unpooled.wrappedBuffer(new byte[] {1, 2, 3}, 0, payloadLength);
    ByteBuf capsule = Capsules.encodeDatagram(PooledByteBufAllocator.DEFAULT, payload);
    try {
      String expected = payloadLength == 0 ? "00" + "01" + "00" : "00" + "04" + "00" + "010203";
      assertThat(ByteBufUtil.hexDump(capsule)).isEqualTo(expected);
    } finally {
      payload.release();
      capsule.release();
    }
  }
}
