package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpDatagramFramingTest {

  /** RFC 9000 Appendix A.1's examples, and the edges of each length. */
  @ParameterizedTest
  @CsvSource({
    "25, 37",
    "7bbd, 15293",
    "9d7f3e7d, 494878333",
    "c2197c5eff14e88c, 151288809941952652",
    "00, 0",
    "3f, 63",
    "4040, 64",
    "7fff, 16383",
    "80004000, 16384",
    "bfffffff, 1073741823",
    "c000000040000000, 1073741824",
    "ffffffffffffffff, 4611686018427387903"
  })
  void reads_and_writes_quic_varints_in_their_shortest_form(String hex, long value) {
    ByteBuf wire = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    ByteBuf written = Unpooled.buffer();
    try {
      assertThat(HttpDatagramFraming.readVarint(wire)).isEqualTo(value);
      assertThat(wire.isReadable()).isFalse();

      HttpDatagramFraming.writeVarint(written, value);
      assertThat(ByteBufUtil.hexDump(written)).isEqualTo(hex);
      assertThat(HttpDatagramFraming.varintLength(value)).isEqualTo(hex.length() / 2);
    } finally {
      wire.release();
      written.release();
    }
  }

  @Test
  void a_truncated_varint_reads_nothing() {
    ByteBuf wire = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("9d7f3e"));
    try {
      assertThat(HttpDatagramFraming.readVarint(wire)).isEqualTo(-1);
      assertThat(wire.readerIndex()).isZero();
      assertThat(HttpDatagramFraming.readVarint(Unpooled.EMPTY_BUFFER)).isEqualTo(-1);
    } finally {
      wire.release();
    }
  }

  @Test
  void refuses_values_a_varint_cannot_carry() {
    assertThatThrownBy(() -> HttpDatagramFraming.varintLength(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpDatagramFraming.varintLength(1L << 62))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a_quic_datagram_is_the_quarter_stream_id_context_zero_and_the_payload() {
    ByteBuf pattern = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5});
    ByteBuf datagram =
        HttpDatagramFraming.quicDatagram(ByteBufAllocator.DEFAULT, 4 * 100, pattern, 3);
    try {
      // Quarter Stream ID 100 takes two bytes (0x4064), context ID 0 one
      assertThat(ByteBufUtil.hexDump(datagram)).isEqualTo("406400010203");
      assertThat(pattern.readerIndex()).isZero();
      assertThat(HttpDatagramFraming.udpPayloadLength(datagram, 400)).isEqualTo(3);
      assertThat(datagram.readerIndex()).isZero();
    } finally {
      datagram.release();
      pattern.release();
    }
  }

  @Test
  void only_a_client_bidirectional_stream_carries_datagrams() {
    ByteBuf pattern = Unpooled.wrappedBuffer(new byte[] {1});
    try {
      assertThatThrownBy(
              () -> HttpDatagramFraming.quicDatagram(ByteBufAllocator.DEFAULT, 2, pattern, 1))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      pattern.release();
    }
  }

  @ParameterizedTest
  @CsvSource({
    "0000aabb, 0, 2", // stream 0, context 0: two payload bytes
    "0000, 0, 0", // an empty payload is still a datagram
    "0100aabb, 0, -1", // for stream 4, not 0
    "0001aabb, 0, -1", // context 1: not a UDP payload
    "00, 0, -1", // no context ID
    "40, 0, -1", // a truncated Quarter Stream ID
  })
  void tells_the_udp_payload_of_a_datagram_for_its_stream(
      String hex, long streamId, int payloadLength) {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    try {
      assertThat(HttpDatagramFraming.udpPayloadLength(datagram, streamId)).isEqualTo(payloadLength);
    } finally {
      datagram.release();
    }
  }
}
