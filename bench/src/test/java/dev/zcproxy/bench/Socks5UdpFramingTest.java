package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Socks5UdpFramingTest {

  @Test
  void a_datagram_is_the_rfc_1928_header_for_its_destination_then_the_payload() {
    ByteBuf pattern = Unpooled.wrappedBuffer(new byte[] {9, 8, 7});
    ByteBuf datagram =
        Socks5UdpFraming.datagram(
            ByteBufAllocator.DEFAULT, new InetSocketAddress("127.0.0.1", 4660), pattern, 2);
    try {
      assertThat(ByteBufUtil.hexDump(datagram)).isEqualTo("000000017f00000112340908");
      assertThat(Socks5UdpFraming.payloadLength(datagram)).isEqualTo(2);
    } finally {
      datagram.release();
      pattern.release();
    }
  }

  @Test
  void sends_to_ipv4_destinations_only() {
    ByteBuf pattern = Unpooled.wrappedBuffer(new byte[] {1});
    try {
      assertThatThrownBy(
              () ->
                  Socks5UdpFraming.datagram(
                      ByteBufAllocator.DEFAULT, new InetSocketAddress("::1", 53), pattern, 1))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      pattern.release();
    }
  }

  @ParameterizedTest
  @CsvSource({
    "000000017f0000011234aabb, 2", // IPv4
    "0000000400000000000000000000000000000001 0035 aa, 1", // IPv6
    "000000030b6578616d706c652e636f6d0035aabbcc, 3", // a domain name
    "000000017f0000011234, 0", // an empty payload
    "000001017f0000011234aabb, -1", // a fragment
    "000100017f0000011234aabb, -1", // RSV not zero
    "000000057f0000011234aabb, -1", // an unknown address type
    "000000017f0000, -1", // cut short
    "000000, -1",
  })
  void tells_the_payload_length_of_an_answer(String hex, int payloadLength) {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
    try {
      assertThat(Socks5UdpFraming.payloadLength(datagram)).isEqualTo(payloadLength);
    } finally {
      datagram.release();
    }
  }
}
