package dev.zcproxy.inbound.netty.http.h3.masque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.http.h3.masque.CapsuleDecoder.MalformedCapsule;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapsuleDecoderTest {

  private static final int MAX_DATAGRAM_BYTES = 1500;
  private static final long UNKNOWN_TYPE = 0x1234;

  /** A grease capsule type, {@code 0x29 * N + 0x17} (RFC 9297 §5.4), in two bytes. */
  private static final long GREASE_TYPE = 0x29L * 7 + 0x17;

  /** Another, large enough to take four bytes. */
  private static final long LARGE_GREASE_TYPE = 0x29L * 0x100_0000 + 0x17;

  private static final byte[] PAYLOAD_1200 = pattern(1200);
  private static final byte[] PAYLOAD_AT_LIMIT = pattern(MAX_DATAGRAM_BYTES - 1);

  /** The capsules every split test feeds, one array per capsule, and what the listener hears. */
  private static final List<byte[]> CAPSULES =
      List.of(
          datagram(0, new byte[0]),
          datagram(0, new byte[] {0x7a}),
          capsule(UNKNOWN_TYPE, new byte[] {1, 2, 3, 4, 5}),
          datagram(0, PAYLOAD_1200),
          capsule(GREASE_TYPE, new byte[] {9, 9, 9}),
          capsule(LARGE_GREASE_TYPE, new byte[0]),
          datagram(5, new byte[] {1, 2, 3}),
          datagram(16384, new byte[] {9}),
          // Type 0 in two bytes, length 3 in eight, context ID 0 in two: all legal, if wasteful.
          ByteBufUtil.decodeHexDump("4000" + "c000000000000004" + "4000" + "abcd"),
          datagram(0, PAYLOAD_AT_LIMIT));

  private static final List<String> EVENTS =
      List.of(
          "datagram 0 ",
          "datagram 0 7a",
          "skipped 0x1234 5",
          "datagram 0 " + ByteBufUtil.hexDump(PAYLOAD_1200),
          "skipped 0x136 3",
          "skipped 0x29000017 0",
          "datagram 5 010203",
          "datagram 16384 09",
          "datagram 0 abcd",
          "datagram 0 " + ByteBufUtil.hexDump(PAYLOAD_AT_LIMIT));

  private final TrackingAllocator allocator = new TrackingAllocator();
  private final Recorder recorder = new Recorder();

  @AfterEach
  void everythingTheDecoderAllocatedIsReleased() {
    assertThat(allocator.allocated).allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
    assertThat(allocator.allocated)
        .allSatisfy(buffer -> assertThat(buffer.capacity()).isLessThan(MAX_DATAGRAM_BYTES));
  }

  @Test
  void decodesTheStreamFedWhole() throws Exception {
    try (CapsuleDecoder decoder = decoder()) {
      feed(decoder, concat(CAPSULES), List.of(concat(CAPSULES).length));
      decoder.finish();
    }
    assertThat(recorder.events).containsExactlyElementsOf(EVENTS);
    assertThat(allocator.allocated).as("a whole payload is a slice, not a copy").isEmpty();
  }

  @Test
  void decodesTheStreamFedOneCapsuleAtATime() throws Exception {
    try (CapsuleDecoder decoder = decoder()) {
      for (byte[] capsule : CAPSULES) {
        feed(decoder, capsule, List.of(capsule.length));
      }
      decoder.finish();
    }
    assertThat(recorder.events).containsExactlyElementsOf(EVENTS);
  }

  @Test
  void decodesTheStreamFedByteByByte() throws Exception {
    byte[] stream = concat(CAPSULES);
    try (CapsuleDecoder decoder = decoder()) {
      feed(decoder, stream, ones(stream.length));
      decoder.finish();
    }
    assertThat(recorder.events).containsExactlyElementsOf(EVENTS);
  }

  @ParameterizedTest(name = "[{index}] seed {0}")
  @ValueSource(longs = {9297, 9298, 1, 2, 3, 4, 5, 6, 7, 8})
  void decodesTheStreamFedInRandomSplits(long seed) throws Exception {
    byte[] stream = concat(CAPSULES);
    Random random = new Random(seed);
    List<Integer> splits = new ArrayList<>();
    for (int left = stream.length; left > 0; ) {
      int size = Math.min(left, 1 + random.nextInt(random.nextBoolean() ? 8 : 700));
      splits.add(size);
      left -= size;
    }
    try (CapsuleDecoder decoder = decoder()) {
      feed(decoder, stream, splits);
      decoder.finish();
    }
    assertThat(recorder.events).containsExactlyElementsOf(EVENTS);
  }

  @Test
  void anOversizeDatagramIsReportedAndDiscardedWithoutBeingBuffered() throws Exception {
    byte[] oversize = datagram(0, pattern(MAX_DATAGRAM_BYTES));
    byte[] next = datagram(0, new byte[] {0x42, 0x43});
    byte[] stream = concat(List.of(oversize, next));
    try (CapsuleDecoder decoder = decoder()) {
      for (int i = 0; i < stream.length; i++) {
        feed(decoder, new byte[] {stream[i]}, List.of(1));
        assertThat(decoder.bufferedBytes()).as("after byte %d", i).isLessThanOrEqualTo(1);
        if (i == 2) {
          assertThat(recorder.events)
              .as("reported as soon as the length is known")
              .containsExactly("oversize " + (MAX_DATAGRAM_BYTES + 1));
        }
      }
      decoder.finish();
    }
    assertThat(recorder.events)
        .containsExactly("oversize " + (MAX_DATAGRAM_BYTES + 1), "datagram 0 4243");
    assertThat(allocator.allocated).as("only the small datagram was gathered").hasSize(1);
  }

  @Test
  void aDatagramOfExactlyTheLimitIsDeliveredAndOneMoreIsNot() throws Exception {
    byte[] atLimit = datagram(7, pattern(MAX_DATAGRAM_BYTES - 1));
    byte[] overLimit = datagram(0, pattern(MAX_DATAGRAM_BYTES));
    try (CapsuleDecoder decoder = decoder()) {
      int firstCut = atLimit.length + 10;
      feed(
          decoder,
          concat(List.of(atLimit, overLimit)),
          List.of(firstCut, 100, atLimit.length + overLimit.length - firstCut - 100));
      decoder.finish();
    }
    assertThat(recorder.events)
        .containsExactly(
            "datagram 7 " + ByteBufUtil.hexDump(pattern(MAX_DATAGRAM_BYTES - 1)),
            "oversize " + (MAX_DATAGRAM_BYTES + 1));
  }

  @Test
  void anUnknownCapsuleOfATerabyteIsSkippedAsItsBytesArrive() throws Exception {
    long terabyte = 1L << 40;
    ByteBuf header = Unpooled.buffer();
    QuicVarint.write(header, 0x21);
    QuicVarint.write(header, terabyte);
    try (CapsuleDecoder decoder = decoder()) {
      feed(decoder, ByteBufUtil.getBytes(header), ones(header.readableBytes()));
      header.release();
      assertThat(recorder.events).containsExactly("skipped 0x21 " + terabyte);
      byte[] chunk = new byte[16 * 1024];
      for (int i = 0; i < 64; i++) {
        feed(decoder, chunk, List.of(chunk.length));
        assertThat(decoder.bufferedBytes()).isZero();
      }
      assertThatThrownBy(decoder::finish)
          .isInstanceOf(MalformedCapsule.class)
          .hasMessageContaining("inside the value of a capsule of type 0x21")
          .hasMessageContaining((terabyte - 64 * chunk.length) + " of its " + terabyte);
    }
    assertThat(recorder.events).hasSize(1);
    assertThat(allocator.allocated).isEmpty();
  }

  @Test
  void aDatagramAnnouncingTheLargestLengthIsOversize() throws Exception {
    ByteBuf header = Unpooled.buffer();
    QuicVarint.write(header, Capsules.DATAGRAM_TYPE);
    QuicVarint.write(header, QuicVarint.MAX_VALUE);
    try (CapsuleDecoder decoder = decoder()) {
      feed(decoder, ByteBufUtil.getBytes(header), ones(header.readableBytes()));
      header.release();
      feed(decoder, new byte[4096], List.of(4096));
      assertThat(decoder.bufferedBytes()).isZero();
    }
    assertThat(recorder.events).containsExactly("oversize " + QuicVarint.MAX_VALUE);
  }

  @Test
  void theStreamEndingInsideACapsuleIsAnErrorAtEveryPosition() throws Exception {
    byte[] stream = concat(CAPSULES);
    Set<Integer> boundaries = new HashSet<>();
    int offset = 0;
    boundaries.add(offset);
    for (byte[] capsule : CAPSULES) {
      offset += capsule.length;
      boundaries.add(offset);
    }
    for (int end = 0; end <= stream.length; end++) {
      CapsuleDecoder decoder = decoder();
      // A plain heap buffer: thousands of paranoid leak-tracked buffers would take half a minute.
      ByteBuf prefix = Unpooled.wrappedBuffer(stream, 0, end);
      decoder.decode(prefix);
      if (boundaries.contains(end)) {
        assertThatCode(decoder::finish).as("ends cleanly at %d", end).doesNotThrowAnyException();
      } else {
        assertThatThrownBy(decoder::finish)
            .as("truncated at %d", end)
            .isInstanceOf(MalformedCapsule.class)
            .hasMessageStartingWith("the stream ended inside");
      }
      assertThat(decoder.bufferedBytes()).isZero();
      if (end > 0) {
        assertThat(prefix.release()).as("no payload slice outlives the listener").isTrue();
      }
    }
  }

  @Test
  void truncationReportsWhatWasCutShort() throws Exception {
    assertTruncated("40", "inside a capsule type (1 of 2 bytes)");
    assertTruncated("00", "inside the length of a capsule of type 0x0 (no byte of it)");
    assertTruncated("1480", "inside the length of a capsule of type 0x14 (1 of 4 bytes)");
    assertTruncated("0005", "inside the context ID of a DATAGRAM capsule (no byte of it)");
    assertTruncated("000540", "inside the context ID of a DATAGRAM capsule (1 of 2 bytes)");
    assertTruncated(
        "00050061", "inside the value of a capsule of type 0x0: 3 of its 5 bytes missing");
    assertTruncated(
        "1405aabb", "inside the value of a capsule of type 0x14: 3 of its 5 bytes missing");
  }

  @Test
  void aDatagramWithAnEmptyValueIsMalformed() {
    assertMalformed("0000", "empty value");
  }

  @Test
  void aContextIdOverrunningItsCapsuleIsMalformed() {
    assertMalformed("0001" + "40", "announces 2 bytes but the capsule's value has only 1");
    assertMalformed("0003" + "c0000000", "announces 8 bytes but the capsule's value has only 3");
    assertMalformed("0004" + "ff", "announces 8 bytes but the capsule's value has only 4");
  }

  @Test
  void afterAnErrorTheDecoderHoldsNothingAndIgnoresInput() throws Exception {
    try (CapsuleDecoder decoder = decoder()) {
      byte[] good = datagram(0, new byte[] {1});
      byte[] bad = ByteBufUtil.decodeHexDump("0000");
      ByteBuf stream = Unpooled.wrappedBuffer(concat(List.of(good, bad, good)));
      assertThatThrownBy(() -> decoder.decode(stream)).isInstanceOf(MalformedCapsule.class);
      stream.release();
      assertThat(decoder.bufferedBytes()).isZero();
      feed(decoder, good, List.of(good.length));
      assertThatCode(decoder::finish).doesNotThrowAnyException();
    }
    assertThat(recorder.events).containsExactly("datagram 0 01");
  }

  @Test
  void closeReleasesAPartialPayload() throws Exception {
    byte[] capsule = datagram(0, PAYLOAD_1200);
    CapsuleDecoder decoder = decoder();
    feed(decoder, Arrays.copyOf(capsule, 600), List.of(600));
    assertThat(decoder.bufferedBytes()).isEqualTo(600 - 4);
    assertThat(allocator.allocated).singleElement().satisfies(b -> assertThat(b.refCnt()).isOne());
    decoder.close();
    decoder.close();
    assertThat(decoder.bufferedBytes()).isZero();
    feed(decoder, capsule, List.of(capsule.length));
    assertThat(recorder.events).isEmpty();
  }

  @Test
  void aListenerMayCloseTheDecoderFromACallback() throws Exception {
    CapsuleDecoder[] decoder = new CapsuleDecoder[1];
    Recorder closing =
        new Recorder() {
          @Override
          public void datagram(long contextId, ByteBuf payload) {
            super.datagram(contextId, payload);
            decoder[0].close();
          }
        };
    decoder[0] = new CapsuleDecoder(allocator, MAX_DATAGRAM_BYTES, closing);
    byte[] stream = concat(CAPSULES.subList(1, 4));
    feed(decoder[0], stream, List.of(stream.length));
    assertThat(closing.events).containsExactly("datagram 0 7a");
  }

  @Test
  void refusesALimitWithoutRoomForAContextId() {
    assertThatThrownBy(() -> new CapsuleDecoder(allocator, 0, recorder))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private CapsuleDecoder decoder() {
    return new CapsuleDecoder(allocator, MAX_DATAGRAM_BYTES, recorder);
  }

  /**
   * Feeds {@code stream} in pieces of the given sizes, each in a pooled direct buffer of its own
   * that must be free again once the listener has released what it got, and checks the bound on
   * what the decoder holds after each piece.
   */
  private static void feed(CapsuleDecoder decoder, byte[] stream, List<Integer> sizes)
      throws MalformedCapsule {
    int offset = 0;
    for (int size : sizes) {
      ByteBuf piece = PooledByteBufAllocator.DEFAULT.directBuffer(size);
      piece.writeBytes(stream, offset, size);
      offset += size;
      try {
        decoder.decode(piece);
        assertThat(piece.isReadable()).as("every byte is consumed").isFalse();
        assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(MAX_DATAGRAM_BYTES);
      } finally {
        assertThat(piece.release()).as("no payload slice outlives the listener").isTrue();
      }
    }
    assertThat(offset).isEqualTo(stream.length);
  }

  private void assertTruncated(String hex, String message) throws Exception {
    CapsuleDecoder decoder = decoder();
    byte[] bytes = ByteBufUtil.decodeHexDump(hex);
    feed(decoder, bytes, ones(bytes.length));
    assertThatThrownBy(decoder::finish)
        .isInstanceOf(MalformedCapsule.class)
        .hasMessage("the stream ended " + message);
  }

  private void assertMalformed(String hex, String message) {
    byte[] bytes = ByteBufUtil.decodeHexDump(hex);
    for (List<Integer> sizes : List.of(List.of(bytes.length), ones(bytes.length))) {
      CapsuleDecoder decoder = decoder();
      assertThatThrownBy(() -> feed(decoder, bytes, sizes))
          .isInstanceOf(MalformedCapsule.class)
          .hasMessageContaining(message);
      assertThat(decoder.bufferedBytes()).isZero();
    }
    assertThat(recorder.events).isEmpty();
  }

  private static List<Integer> ones(int count) {
    return Collections.nCopies(count, 1);
  }

  private static byte[] datagram(long contextId, byte[] payload) {
    ByteBuf value = Unpooled.buffer();
    QuicVarint.write(value, contextId);
    value.writeBytes(payload);
    byte[] bytes = capsule(Capsules.DATAGRAM_TYPE, ByteBufUtil.getBytes(value));
    value.release();
    return bytes;
  }

  private static byte[] capsule(long type, byte[] value) {
    ByteBuf out = Unpooled.buffer();
    QuicVarint.write(out, type);
    QuicVarint.write(out, value.length);
    out.writeBytes(value);
    byte[] bytes = ByteBufUtil.getBytes(out);
    out.release();
    return bytes;
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static byte[] pattern(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 7 + 3);
    }
    return bytes;
  }

  /** Writes down what it hears and releases every payload at once, as a listener must. */
  private static class Recorder implements CapsuleDecoder.Listener {
    final List<String> events = new ArrayList<>();

    @Override
    public void datagram(long contextId, ByteBuf payload) {
      assertThat(payload.refCnt()).isPositive();
      events.add("datagram " + contextId + " " + ByteBufUtil.hexDump(payload));
      payload.release();
    }

    @Override
    public void skipped(long type, long length) {
      events.add("skipped 0x" + Long.toHexString(type) + " " + length);
    }

    @Override
    public void oversize(long length) {
      events.add("oversize " + length);
    }
  }

  /** Remembers every buffer the decoder allocates, to check that it releases them all. */
  private static final class TrackingAllocator extends AbstractByteBufAllocator {
    final List<ByteBuf> allocated = new ArrayList<>();

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return track(UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return track(UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    private ByteBuf track(ByteBuf buffer) {
      allocated.add(buffer);
      return buffer;
    }
  }
}
