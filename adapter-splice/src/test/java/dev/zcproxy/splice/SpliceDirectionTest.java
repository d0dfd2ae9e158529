package dev.zcproxy.splice;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One direction's state machine on real sockets (AF_UNIX pairs): the source pair's far end plays
 * the sending peer, the sink pair's far end the receiving one. No event loop: the tests call {@code
 * pump} themselves, as the tunnel does on readiness.
 */
class SpliceDirectionTest {

  private final Arena arena = Arena.ofConfined();
  private UnixSocketPair source;
  private UnixSocketPair sink;
  private Pipe pipe;

  @BeforeEach
  void open() throws Throwable {
    source = UnixSocketPair.open();
    sink = UnixSocketPair.open();
    pipe = Pipe.open(64 * 1024);
  }

  @AfterEach
  void close() {
    pipe.close();
    source.close();
    sink.close();
    arena.close();
  }

  private SpliceDirection direction(String prefix) {
    MemorySegment bytes =
        prefix == null
            ? null
            : arena.allocateFrom(JAVA_BYTE, prefix.getBytes(StandardCharsets.UTF_8));
    return new SpliceDirection(source.near, sink.near, pipe, bytes);
  }

  @Test
  void the_prefix_goes_out_first_then_the_sources_bytes() throws Throwable {
    SpliceDirection direction = direction("hello ");
    UnixSocketPair.writeFully(source.far, "world".getBytes(StandardCharsets.UTF_8));

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.WAITING);

    assertThat(new String(UnixSocketPair.readAvailable(sink.far, 100), StandardCharsets.UTF_8))
        .isEqualTo("hello world");
    assertThat(direction.delivered()).isEqualTo(11);
    assertThat(direction.takeUnreported()).isEqualTo(11);
    assertThat(direction.takeUnreported()).isZero();
    assertThat(pipe.buffered()).isZero();
  }

  @Test
  void a_fin_is_passed_on_once_the_pipe_is_empty() throws Throwable {
    SpliceDirection direction = direction(null);
    UnixSocketPair.writeFully(source.far, "last words".getBytes(StandardCharsets.UTF_8));
    LinuxSyscalls.shutdown(source.far, LinuxSyscalls.SHUT_WR);

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);

    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).asString().isEqualTo("last words");
    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).as("end of stream").isNull();
    assertThat(direction.finished()).isTrue();
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);
  }

  @Test
  void an_empty_stream_passes_its_fin_on() throws Throwable {
    SpliceDirection direction = direction(null);
    LinuxSyscalls.shutdown(source.far, LinuxSyscalls.SHUT_WR);

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);

    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).isNull();
    assertThat(direction.delivered()).isZero();
  }

  @Test
  void a_full_sink_stops_the_source_and_loses_nothing() throws Throwable {
    SpliceDirection direction = direction(null);
    byte[] stream = new byte[4 * 1024 * 1024];
    new Random(42).nextBytes(stream);
    MemorySegment all = arena.allocateFrom(JAVA_BYTE, stream);
    int sent = 0;

    // The receiving peer reads nothing: the sender gets ahead until every buffer is full.
    while (true) {
      long written = LinuxSyscalls.write(source.far, all.asSlice(sent), stream.length - sent);
      sent += (int) Math.max(0, written);
      if (direction.pump(16) == SpliceDirection.Outcome.WAITING && written < 0) {
        break;
      }
    }
    assertThat(sent).as("the sender is held back").isLessThan(stream.length);
    assertThat(direction.delivered()).isLessThan(sent);
    assertThat(pipe.buffered()).as("the pipe holds what the sink has no room for").isPositive();

    // Now the peer reads, and everything arrives, in order.
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    while (received.size() < stream.length) {
      if (sent < stream.length) {
        long written = LinuxSyscalls.write(source.far, all.asSlice(sent), stream.length - sent);
        sent += (int) Math.max(0, written);
      }
      direction.pump(16);
      received.writeBytes(UnixSocketPair.readAvailable(sink.far, 256 * 1024));
    }
    assertThat(sha256(received.toByteArray())).isEqualTo(sha256(stream));
    assertThat(direction.delivered()).isEqualTo(stream.length);
  }

  @Test
  void a_round_budget_leaves_the_rest_for_the_next_call() {
    SpliceDirection direction = direction(null);
    UnixSocketPair.writeFully(source.far, new byte[1000]);

    assertThat(direction.pump(1)).isEqualTo(SpliceDirection.Outcome.MORE);
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.WAITING);
    assertThat(direction.delivered()).isEqualTo(1000);
  }

  @Test
  void a_sink_gone_away_fails_the_sink_with_epipe() {
    SpliceDirection direction = direction(null);
    sink.closeFar();
    UnixSocketPair.writeFully(source.far, "nobody listens".getBytes(StandardCharsets.UTF_8));

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);

    assertThat(direction.failedSocket()).isEqualTo(SpliceDirection.Socket.SINK);
    assertThat(direction.failedErrno()).isEqualTo(Errno.EPIPE);
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);
  }

  @Test
  void a_reset_source_fails_the_source_with_econnreset() {
    SpliceDirection direction = direction(null);
    // A peer that closes with bytes it never read resets the connection.
    UnixSocketPair.writeFully(source.near, "unread".getBytes(StandardCharsets.UTF_8));
    source.closeFar();

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);

    assertThat(direction.failedSocket()).isEqualTo(SpliceDirection.Socket.SOURCE);
    assertThat(direction.failedErrno()).isEqualTo(Errno.ECONNRESET);
    assertThat(direction.failedCall()).isEqualTo("splice");
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
