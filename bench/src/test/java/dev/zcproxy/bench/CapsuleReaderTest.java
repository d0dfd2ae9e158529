package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapsuleReaderTest {

  /**
   * A DATAGRAM capsule (type 0, length 4: context 0 and 3 bytes), an unknown capsule (type 0x29,
   * length 2), a DATAGRAM capsule with context 5 (skipped), a DATAGRAM capsule with an empty
   * payload, and one whose 70-byte length takes a two-byte varint.
   */
  private static final String STREAM =
      String.join(
          "",
          "00" + "04" + "00aabbcc",
          "29" + "02" + "ffff",
          "00" + "02" + "0501",
          "00" + "01" + "00",
          "00" + "4046" + "00" + "ab".repeat(69));

  @Test
  void reports_the_udp_payload_of_each_datagram_capsule_fed_whole() {
    List<Integer> payloads = new ArrayList<>();
    try (CapsuleReader reader = new CapsuleReader(ByteBufAllocator.DEFAULT, payloads::add)) {
      reader.read(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(STREAM)));

      assertThat(payloads).containsExactly(3, 0, 69);
      assertThat(reader.skipped()).isEqualTo(2);
    }
  }

  @Test
  void reports_the_same_fed_byte_by_byte() {
    List<Integer> payloads = new ArrayList<>();
    byte[] stream = ByteBufUtil.decodeHexDump(STREAM);
    try (CapsuleReader reader = new CapsuleReader(ByteBufAllocator.DEFAULT, payloads::add)) {
      for (byte b : stream) {
        reader.read(Unpooled.wrappedBuffer(new byte[] {b}));
      }

      assertThat(payloads).containsExactly(3, 0, 69);
      assertThat(reader.skipped()).isEqualTo(2);
    }
  }

  @Test
  void waits_for_the_rest_of_a_capsule() {
    List<Integer> payloads = new ArrayList<>();
    try (CapsuleReader reader = new CapsuleReader(ByteBufAllocator.DEFAULT, payloads::add)) {
      reader.read(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("000400aa")));
      assertThat(payloads).isEmpty();

      reader.read(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("bbcc")));
      assertThat(payloads).containsExactly(3);
    }
  }
}
