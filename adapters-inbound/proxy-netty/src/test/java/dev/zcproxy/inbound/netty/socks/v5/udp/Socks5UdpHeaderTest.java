package dev.zcproxy.inbound.netty.socks.v5.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Socks5UdpHeaderTest {

  private static final byte[] PAYLOAD = "payload".getBytes(StandardCharsets.US_ASCII);

  @Test
  void readsAnIpv4HeaderAndLeavesThePayload() throws Exception {
    assertReads(
        "000000" + "01" + "c0000201" + "0035",
        header -> {
          assertThat(header.fragment()).isZero();
          assertThat(header.destination())
              .isEqualTo(Destination.ofAddress(address("192.0.2.1"), 53));
        });
  }

  @Test
  void readsAnIpv6Header() throws Exception {
    assertReads(
        "000000" + "04" + "20010db8000000000000000000000001" + "01bb",
        header ->
            assertThat(header.destination())
                .isEqualTo(Destination.ofAddress(address("2001:db8::1"), 443)));
  }

  @Test
  void readsADomainHeader() throws Exception {
    assertReads(
        "000000" + "03" + "0b" + hex("example.org") + "1f90",
        header ->
            assertThat(header.destination()).isEqualTo(Destination.ofHost("example.org", 8080)));
  }

  @Test
  void readsADomainThatIsAnAddressAsAnAddress() throws Exception {
    assertReads(
        "000000" + "03" + "08" + hex("10.0.0.1") + "0035",
        header ->
            assertThat(header.destination())
                .isEqualTo(Destination.ofAddress(address("10.0.0.1"), 53)));
  }

  @Test
  void reportsTheFragmentNumber() throws Exception {
    assertReads(
        "000081" + "01" + "7f000001" + "0035",
        header -> assertThat(header.fragment()).isEqualTo(0x81));
  }

  @Test
  void readsAHeaderWithNoPayload() throws Exception {
    ByteBuf datagram =
        Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0000000100000000" + "0000"));
    try {
      Socks5UdpHeader header = Socks5UdpHeader.read(datagram);
      assertThat(header.destination().port()).isZero();
      assertThat(datagram.isReadable()).isFalse();
    } finally {
      datagram.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "",
        "00",
        "000000",
        "000100" + "01" + "7f000001" + "0035",
        "010000" + "01" + "7f000001" + "0035",
        "000000" + "05" + "7f000001" + "0035",
        "000000" + "01" + "7f0000",
        "000000" + "01" + "7f000001" + "00",
        "000000" + "04" + "20010db8",
        "000000" + "03",
        "000000" + "03" + "0b" + "6578616d706c65",
        "000000" + "03" + "00" + "0035",
        "000000" + "03" + "04" + "612f6222" + "0035",
      })
  void refusesMalformedHeaders(String hex) {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    try {
      assertThatThrownBy(() -> Socks5UdpHeader.read(datagram))
          .isInstanceOf(Socks5UdpHeader.MalformedHeader.class);
    } finally {
      datagram.release();
    }
  }

  @Test
  void writesAnIpv4SourceHeader() throws Exception {
    assertWrites(
        new InetSocketAddress(address("198.51.100.7"), 5353),
        "000000" + "01" + "c6336407" + "14e9");
  }

  @Test
  void writesAnIpv6SourceHeader() throws Exception {
    assertWrites(
        new InetSocketAddress(address("2001:db8::2"), 53),
        "000000" + "04" + "20010db8000000000000000000000002" + "0035");
  }

  @Test
  void whatItWritesItReadsBack() throws Exception {
    InetSocketAddress source = new InetSocketAddress(address("203.0.113.9"), 40000);
    ByteBuf datagram = Unpooled.buffer();
    try {
      Socks5UdpHeader.write(datagram, source);
      datagram.writeBytes(PAYLOAD);
      Socks5UdpHeader header = Socks5UdpHeader.read(datagram);
      assertThat(header)
          .isEqualTo(new Socks5UdpHeader(0, Destination.ofAddress(source.getAddress(), 40000)));
      assertThat(ByteBufUtil.getBytes(datagram)).isEqualTo(PAYLOAD);
    } finally {
      datagram.release();
    }
  }

  private static void assertReads(String headerHex, Consumer<Socks5UdpHeader> check)
      throws Exception {
    ByteBuf datagram =
        Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(headerHex), PAYLOAD.clone());
    try {
      check.accept(Socks5UdpHeader.read(datagram));
      assertThat(ByteBufUtil.getBytes(datagram)).isEqualTo(PAYLOAD);
    } finally {
      datagram.release();
    }
  }

  private static void assertWrites(InetSocketAddress source, String expectedHex) {
    ByteBuf out = Unpooled.buffer();
    try {
      Socks5UdpHeader.write(out, source);
      assertThat(ByteBufUtil.hexDump(out)).isEqualTo(expectedHex);
      assertThat(Socks5UdpHeader.encodedLength(source)).isEqualTo(out.readableBytes());
    } finally {
      out.release();
    }
  }

  private static String hex(String ascii) {
    return ByteBufUtil.hexDump(ascii.getBytes(StandardCharsets.US_ASCII));
  }

  private static InetAddress address(String literal) {
    return InetAddress.ofLiteral(literal);
  }
}
