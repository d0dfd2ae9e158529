package dev.zcproxy.inbound.netty.http.h3.masque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuicVarintTest {

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource({
    "0, 00",
    "37, 25",
    "63, 3f",
    "64, 4040",
    "15293, 7bbd",
    "16383, 7fff",
    "16384, 80004000",
    "494878333, 9d7f3e7d",
    "1073741823, bfffffff",
    "1073741824, c000000040000000",
    "151288809941952652, c2197c5eff14e88c",
    "4611686018427387903, ffffffffffffffff",
  })
  void writesTheMinimalEncodingAndReadsItBack(long value, String hex) {
    assertThat(QuicVarint.encodedLength(value)).isEqualTo(hex.length() / 2);
    ByteBuf out = Unpooled.buffer();
    try {
      QuicVarint.write(out, value);
      assertThat(ByteBufUtil.hexDump(out)).isEqualTo(hex);
      assertThat(QuicVarint.peekLength(out)).isEqualTo(hex.length() / 2);
      assertThat(QuicVarint.read(out)).isEqualTo(value);
      assertThat(out.isReadable()).isFalse();
    } finally {
      out.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource({
    // RFC 9000 §A.1: 37 may also be sent in two bytes; every longer form is legal on the wire.
    "4025, 37",
    "80000025, 37",
    "c000000000000025, 37",
    "8000003f, 63",
    "c000000000003fff, 16383",
    "c00000003fffffff, 1073741823",
    "4000, 0",
  })
  void readsNonMinimalEncodings(String hex, long value) {
    ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex + "aa"));
    try {
      assertThat(QuicVarint.read(in)).isEqualTo(value);
      assertThat(in.readableBytes()).as("only the varint is consumed").isEqualTo(1);
    } finally {
      in.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(longs = {-1, Long.MIN_VALUE, QuicVarint.MAX_VALUE + 1, Long.MAX_VALUE})
  void refusesValuesOutsideTheRange(long value) {
    ByteBuf out = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> QuicVarint.encodedLength(value))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> QuicVarint.write(out, value))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(out.writerIndex()).as("nothing written").isZero();
    } finally {
      out.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"25", "7bbd", "9d7f3e7d", "c2197c5eff14e88c", "4025", "c000000000000025"})
  void aShortBufferReturnsMinusOneAndConsumesNothingUntilTheLastByte(String hex) {
    byte[] encoded = ByteBufUtil.decodeHexDump(hex);
    ByteBuf in = Unpooled.buffer();
    try {
      assertThat(QuicVarint.peekLength(in)).isEqualTo(-1);
      assertThat(QuicVarint.read(in)).isEqualTo(-1);
      for (int fed = 1; fed < encoded.length; fed++) {
        in.writeByte(encoded[fed - 1]);
        assertThat(QuicVarint.peekLength(in)).isEqualTo(encoded.length);
        assertThat(QuicVarint.read(in)).as("after %d byte(s)", fed).isEqualTo(-1);
        assertThat(in.readerIndex()).as("nothing consumed").isZero();
        assertThat(in.readableBytes()).isEqualTo(fed);
      }
      in.writeByte(encoded[encoded.length - 1]);
      assertThat(QuicVarint.read(in)).isNotNegative();
      assertThat(in.isReadable()).isFalse();
    } finally {
      in.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      longs = {
        0,
        1,
        63,
        64,
        16383,
        16384,
        (1L << 30) - 1,
        1L << 30,
        1L << 40,
        QuicVarint.MAX_VALUE - 1,
        QuicVarint.MAX_VALUE
      })
  void roundTripsTheBoundariesBackToBack(long value) {
    ByteBuf out = Unpooled.buffer();
    try {
      QuicVarint.write(out, value);
      QuicVarint.write(out, value);
      assertThat(out.readableBytes()).isEqualTo(2 * QuicVarint.encodedLength(value));
      assertThat(QuicVarint.read(out)).isEqualTo(value);
      assertThat(QuicVarint.read(out)).isEqualTo(value);
      assertThat(QuicVarint.read(out)).isEqualTo(-1);
    } finally {
      out.release();
    }
  }
}
