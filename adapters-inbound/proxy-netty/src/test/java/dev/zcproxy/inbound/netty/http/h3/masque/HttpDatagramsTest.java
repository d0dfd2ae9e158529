package dev.zcproxy.inbound.netty.http.h3.masque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams.HttpDatagram;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams.MalformedDatagram;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams.QuicDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatagramsTest {

  private static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;
  private static final byte[] PAYLOAD = "udp payload".getBytes(StandardCharsets.US_ASCII);

  @ParameterizedTest(name = "[{index}] stream {0}")
  @ValueSource(longs = {0, 4, 252, 256, 65532, 65536, 1L << 40, QuicVarint.MAX_VALUE - 3})
  void aQuicDatagramRoundTripsWithAnExactSizeBuffer(long streamId) throws Exception {
    ByteBuf payload = Unpooled.wrappedBuffer(PAYLOAD.clone());
    ByteBuf encoded = HttpDatagrams.encodeQuicDatagram(ALLOCATOR, streamId, payload);
    try {
      int expectedLength = QuicVarint.encodedLength(streamId / 4) + 1 + PAYLOAD.length;
      assertThat(encoded.readableBytes()).isEqualTo(expectedLength);
      assertThat(encoded.capacity()).isEqualTo(expectedLength);
      assertThat(payload.readableBytes()).as("the payload is read, not consumed").isEqualTo(11);
      assertThat(payload.refCnt()).as("and not released").isEqualTo(1);

      QuicDatagram datagram = HttpDatagrams.parseQuicDatagram(encoded);
      assertThat(datagram.streamId()).isEqualTo(streamId);
      assertThat(datagram.contextId()).isEqualTo(HttpDatagrams.UDP_PAYLOAD_CONTEXT_ID);
      assertThat(ByteBufUtil.getBytes(datagram.payload())).isEqualTo(PAYLOAD);
      assertThat(encoded.readerIndex()).as("parsing leaves the input alone").isZero();
    } finally {
      payload.release();
      assertThat(encoded.release()).isTrue();
    }
  }

  @Test
  void encodesTheWireFormat() {
    ByteBuf payload = Unpooled.wrappedBuffer(new byte[] {(byte) 0xAB, (byte) 0xCD});
    payload.readByte();
    ByteBuf encoded = HttpDatagrams.encodeQuicDatagram(ALLOCATOR, 4 * 64, payload);
    try {
      // Quarter Stream ID 64 takes two bytes; only the payload's readable byte is sent.
      assertThat(ByteBufUtil.hexDump(encoded)).isEqualTo("4040" + "00" + "cd");
    } finally {
      payload.release();
      encoded.release();
    }
  }

  @Test
  void parsesOtherContextIdsAndEmptyPayloads() throws Exception {
    assertParses("00" + "02" + "aabb", 0, 2, "aabb");
    assertParses("01" + "7fff", 4, 16383, "");
    assertParses("8000_0001".replace("_", "") + "4001" + "ff", 4, 1, "ff");
    assertParses("3f" + "c000000000000000" + "00", 252, 0, "00");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "'', true",
    "40, true",
    "80aabb, true",
    "c0000000000000, true",
    // The Quarter Stream ID 2^60 would make a stream ID of 2^62, one past the largest.
    "d000000000000000, true",
    "ffffffffffffffff00, true",
    "00, false",
    "0040, false",
    "04c0000000, false",
  })
  void refusesMalformedQuicDatagrams(String hex, boolean connectionError) {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    try {
      assertThatThrownBy(() -> HttpDatagrams.parseQuicDatagram(datagram))
          .isInstanceOfSatisfying(
              MalformedDatagram.class,
              malformed -> assertThat(malformed.connectionError()).isEqualTo(connectionError))
          .hasMessageContaining(connectionError ? "Quarter Stream ID" : "context ID");
    } finally {
      datagram.release();
    }
  }

  @Test
  void acceptsTheLargestQuarterStreamId() throws Exception {
    assertParses("cfffffffffffffff" + "00", HttpDatagrams.MAX_QUARTER_STREAM_ID * 4, 0, "");
    assertThat(HttpDatagrams.MAX_QUARTER_STREAM_ID * 4).isEqualTo(QuicVarint.MAX_VALUE - 3);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(longs = {-4, 1, 2, 3, 6, QuicVarint.MAX_VALUE, QuicVarint.MAX_VALUE + 1})
  void encodingRefusesStreamsThatCannotCarryARequest(long streamId) {
    ByteBuf payload = Unpooled.wrappedBuffer(PAYLOAD.clone());
    try {
      assertThatThrownBy(() -> HttpDatagrams.encodeQuicDatagram(ALLOCATOR, streamId, payload))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      payload.release();
    }
  }

  @Test
  void theCapsuleFormRoundTripsWithoutAStreamId() throws Exception {
    ByteBuf payload = Unpooled.wrappedBuffer(PAYLOAD.clone());
    ByteBuf encoded = HttpDatagrams.encodeHttpDatagram(ALLOCATOR, payload);
    try {
      assertThat(encoded.capacity()).isEqualTo(1 + PAYLOAD.length);
      assertThat(encoded.getByte(0)).isZero();
      HttpDatagram datagram = HttpDatagrams.parseHttpDatagram(encoded);
      assertThat(datagram.contextId()).isZero();
      assertThat(ByteBufUtil.getBytes(datagram.payload())).isEqualTo(PAYLOAD);
    } finally {
      payload.release();
      assertThat(encoded.release()).isTrue();
    }
  }

  @Test
  void theCapsuleFormCarriesAnEmptyPayload() throws Exception {
    ByteBuf encoded = HttpDatagrams.encodeHttpDatagram(ALLOCATOR, Unpooled.EMPTY_BUFFER);
    try {
      assertThat(ByteBufUtil.hexDump(encoded)).isEqualTo("00");
      assertThat(HttpDatagrams.parseHttpDatagram(encoded).payload().isReadable()).isFalse();
    } finally {
      encoded.release();
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"", "40", "80ffff", "c0"})
  void theCapsuleFormRefusesAMissingOrTruncatedContextId(String hex) {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    try {
      assertThatThrownBy(() -> HttpDatagrams.parseHttpDatagram(datagram))
          .isInstanceOfSatisfying(
              MalformedDatagram.class,
              malformed -> assertThat(malformed.connectionError()).isFalse())
          .hasMessageContaining("context ID");
    } finally {
      datagram.release();
    }
  }

  @Test
  void thePayloadIsASliceThatSharesTheInputsReferenceCount() throws Exception {
    ByteBuf datagram = ALLOCATOR.buffer();
    datagram.writeBytes(ByteBufUtil.decodeHexDump("0105" + "aabbcc"));
    QuicDatagram parsed = HttpDatagrams.parseQuicDatagram(datagram);
    ByteBuf kept = parsed.payload().retain();
    assertThat(datagram.release()).as("the retained payload keeps the memory").isFalse();
    assertThat(ByteBufUtil.hexDump(kept)).isEqualTo("aabbcc");
    assertThat(kept.release()).isTrue();
  }

  private static void assertParses(String hex, long streamId, long contextId, String payloadHex)
      throws Exception {
    ByteBuf datagram = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    try {
      QuicDatagram parsed = HttpDatagrams.parseQuicDatagram(datagram);
      assertThat(parsed.streamId()).isEqualTo(streamId);
      assertThat(parsed.contextId()).isEqualTo(contextId);
      assertThat(ByteBufUtil.hexDump(parsed.payload())).isEqualTo(payloadHex);
    } finally {
      datagram.release();
    }
  }
}
