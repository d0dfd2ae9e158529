package dev.zcproxy.splice;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One direction's state machine on real sockets (AF_UNIX pairs): the source pair's far end plays
 * the sending peer, the sink pair's far end the receiving one. No event loop: the tests call {@code
 * pump} themselves, as the tunnel does on readiness. The common cases run twice: with pipes to take
 * (splice), and with a pool of none (copy).
 */
class SpliceDirectionTest {

  private final Arena arena = Arena.ofConfined();
  private final SpliceMetrics metrics = new SpliceMetrics(new SimpleMeterRegistry());
  private final CopyBuffer.Pool buffers = new CopyBuffer.Pool();
  private final List<SpliceDirection> directions = new ArrayList<>();
  private UnixSocketPair source;
  private UnixSocketPair sink;
  private PipePool pipes;

  @BeforeEach
  void open() throws Throwable {
    source = UnixSocketPair.open();
    sink = UnixSocketPair.open();
    pipes(4);
  }

  private void pipes(int maxPipes) {
    if (pipes != null) {
      pipes.close();
    }
    pipes = new PipePool(new PipePool.Budget(64 * 1024, maxPipes, metrics));
  }

  @AfterEach
  void close() {
    directions.forEach(SpliceDirection::release);
    assertThat(PipePool.inUse()).as("pipes taken and not given back").isZero();
    pipes.close();
    source.close();
    sink.close();
    arena.close();
  }

  /** Splices when {@code maxPipes} allows a pipe, copies when it is 0. */
  private SpliceDirection direction(String prefix, int maxPipes) {
    pipes(maxPipes);
    return direction(prefix);
  }

  private SpliceDirection direction(String prefix) {
    return direction(prefix, false, false);
  }

  private SpliceDirection direction(String prefix, boolean adaptive, boolean streaming) {
    MemorySegment bytes =
        prefix == null
            ? null
            : arena.allocateFrom(JAVA_BYTE, prefix.getBytes(StandardCharsets.UTF_8));
    SpliceDirection direction =
        new SpliceDirection(source.near, sink.near, pipes, buffers, bytes, adaptive, streaming);
    directions.add(direction);
    return direction;
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void the_prefix_goes_out_first_then_the_sources_bytes(int maxPipes) throws Throwable {
    SpliceDirection direction = direction("hello ", maxPipes);
    UnixSocketPair.writeFully(source.far, "world".getBytes(StandardCharsets.UTF_8));

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.WAITING);

    assertThat(new String(UnixSocketPair.readAvailable(sink.far, 100), StandardCharsets.UTF_8))
        .isEqualTo("hello world");
    assertThat(direction.delivered()).isEqualTo(11);
    assertThat(direction.takeUnreported()).isEqualTo(11);
    assertThat(direction.takeUnreported()).isZero();
    assertThat(direction.holdsPipe()).as("nothing in flight, no pipe held").isFalse();
    assertThat(direction.holdsBuffer()).isFalse();
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void a_fin_is_passed_on_once_the_pipe_is_empty(int maxPipes) throws Throwable {
    SpliceDirection direction = direction(null, maxPipes);
    UnixSocketPair.writeFully(source.far, "last words".getBytes(StandardCharsets.UTF_8));
    LinuxSyscalls.shutdown(source.far, LinuxSyscalls.SHUT_WR);

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);

    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).asString().isEqualTo("last words");
    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).as("end of stream").isNull();
    assertThat(direction.finished()).isTrue();
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void an_empty_stream_passes_its_fin_on(int maxPipes) throws Throwable {
    SpliceDirection direction = direction(null, maxPipes);
    LinuxSyscalls.shutdown(source.far, LinuxSyscalls.SHUT_WR);

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FINISHED);

    assertThat(UnixSocketPair.readAvailable(sink.far, 100)).isNull();
    assertThat(direction.delivered()).isZero();
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void a_full_sink_stops_the_source_and_loses_nothing(int maxPipes) throws Throwable {
    SpliceDirection direction = direction(null, maxPipes);
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
    assertThat(direction.waitingForSink()).as("it holds what the sink has no room for").isTrue();
    assertThat(direction.holdsPipe()).isEqualTo(maxPipes > 0);

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

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void a_round_budget_leaves_the_rest_for_the_next_call(int maxPipes) {
    SpliceDirection direction = direction(null, maxPipes);
    UnixSocketPair.writeFully(source.far, new byte[1000]);

    assertThat(direction.pump(1)).isEqualTo(SpliceDirection.Outcome.MORE);
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.WAITING);
    assertThat(direction.delivered()).isEqualTo(1000);
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void a_sink_gone_away_fails_the_sink_with_epipe(int maxPipes) {
    SpliceDirection direction = direction(null, maxPipes);
    sink.closeFar();
    UnixSocketPair.writeFully(source.far, "nobody listens".getBytes(StandardCharsets.UTF_8));

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);

    assertThat(direction.failedSocket()).isEqualTo(SpliceDirection.Socket.SINK);
    assertThat(direction.failedErrno()).isEqualTo(Errno.EPIPE);
    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {4, 0})
  void a_reset_source_fails_the_source_with_econnreset(int maxPipes) {
    SpliceDirection direction = direction(null, maxPipes);
    // A peer that closes with bytes it never read resets the connection.
    UnixSocketPair.writeFully(source.near, "unread".getBytes(StandardCharsets.UTF_8));
    source.closeFar();

    assertThat(direction.pump(16)).isEqualTo(SpliceDirection.Outcome.FAILED);

    assertThat(direction.failedSocket()).isEqualTo(SpliceDirection.Socket.SOURCE);
    assertThat(direction.failedErrno()).isEqualTo(Errno.ECONNRESET);
    assertThat(direction.failedCall()).isEqualTo(maxPipes > 0 ? "splice" : "read");
  }

  @Test
  void a_direction_idle_after_a_burst_holds_no_pipe() throws Throwable {
    SpliceDirection direction = direction(null);
    UnixSocketPair.writeFully(source.far, new byte[100_000]);

    while (direction.pump(16) != SpliceDirection.Outcome.WAITING || direction.waitingForSink()) {
      UnixSocketPair.readAvailable(sink.far, 256 * 1024);
    }

    assertThat(direction.spliced()).as("it spliced").isPositive();
    assertThat(direction.holdsPipe()).isFalse();
    assertThat(pipes.ready()).as("the pipe went back to the pool").isEqualTo(1);
  }

  @Test
  void with_no_pipe_to_be_had_it_copies_and_splices_again_once_one_is_free() throws Throwable {
    pipes(1);
    Pipe taken = pipes.take(); // someone else holds the only pipe
    SpliceDirection direction = direction(null);
    byte[] first = random(100_000, 1);
    UnixSocketPair.writeFully(source.far, first);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    pumpUntilQuiet(direction, received);
    assertThat(direction.copied()).isEqualTo(first.length);
    assertThat(direction.spliced()).isZero();

    pipes.give(taken);
    byte[] second = random(100_000, 2);
    UnixSocketPair.writeFully(source.far, second);
    pumpUntilQuiet(direction, received);

    assertThat(direction.spliced()).isEqualTo(second.length);
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(first);
    both.writeBytes(second);
    assertThat(received.toByteArray()).isEqualTo(both.toByteArray());
  }

  @Test
  void bytes_stay_exact_and_in_order_while_pipes_come_and_go() throws Throwable {
    pipes(1);
    SpliceDirection direction = direction(null);
    byte[] stream = random(8 * 1024 * 1024, 7);
    MemorySegment all = arena.allocateFrom(JAVA_BYTE, stream);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Random thief = new Random(3);
    Pipe stolen = null;
    int sent = 0;
    while (received.size() < stream.length) {
      // Another tunnel takes the only pipe, and gives it back, at random moments.
      if (stolen == null && thief.nextInt(4) == 0) {
        stolen = pipes.take();
      } else if (stolen != null && thief.nextInt(3) == 0) {
        pipes.give(stolen);
        stolen = null;
      }
      if (sent < stream.length) {
        int chunk = Math.min(stream.length - sent, 1 + thief.nextInt(300_000));
        long written = LinuxSyscalls.write(source.far, all.asSlice(sent), chunk);
        sent += (int) Math.max(0, written);
      }
      direction.pump(1 + thief.nextInt(16));
      received.writeBytes(UnixSocketPair.readAvailable(sink.far, 1 + thief.nextInt(256 * 1024)));
    }
    if (stolen != null) {
      pipes.give(stolen);
    }

    assertThat(direction.spliced()).as("some went by splice").isPositive();
    assertThat(direction.copied()).as("some went by copy").isPositive();
    assertThat(direction.spliced() + direction.copied()).isEqualTo(stream.length);
    assertThat(sha256(received.toByteArray())).isEqualTo(sha256(stream));
  }

  @Test
  void an_adaptive_direction_splices_once_it_streams_and_copies_again_once_it_does_not()
      throws Throwable {
    SpliceDirection direction = direction(null, true, false);
    ByteArrayOutputStream received = new ByteArrayOutputStream();

    UnixSocketPair.writeFully(source.far, new byte[100]);
    pumpUntilQuiet(direction, received);
    assertThat(direction.splices()).as("a small message: copy").isFalse();
    assertThat(direction.copied()).isEqualTo(100);

    // Back-to-back full reads: after FULL_READS_TO_SPLICE of them, it splices.
    for (int i = 0; i < SpliceDirection.FULL_READS_TO_SPLICE; i++) {
      assertThat(direction.splices()).isFalse();
      UnixSocketPair.writeFully(source.far, random(CopyBuffer.SIZE, i));
      direction.pump(1);
      received.writeBytes(UnixSocketPair.readAvailable(sink.far, 1024 * 1024));
    }
    assertThat(direction.splices()).isTrue();
    assertThat(direction.switchesToSplice()).isEqualTo(1);
    UnixSocketPair.writeFully(source.far, new byte[100_000]);
    pumpUntilQuiet(direction, received);
    assertThat(direction.spliced()).isEqualTo(100_000);
    assertThat(direction.splices()).as("a long burst: it still streams").isTrue();

    // A short burst on splice: it stopped streaming, back to copy.
    UnixSocketPair.writeFully(source.far, new byte[10]);
    pumpUntilQuiet(direction, received);
    assertThat(direction.switchesToCopy()).isEqualTo(1);
    assertThat(direction.splices()).isFalse();
    long copiedBefore = direction.copied();
    UnixSocketPair.writeFully(source.far, new byte[10]);
    pumpUntilQuiet(direction, received);
    assertThat(direction.copied()).isEqualTo(copiedBefore + 10);

    int bulk = SpliceDirection.FULL_READS_TO_SPLICE * CopyBuffer.SIZE + 100_000;
    assertThat(received.size()).isEqualTo(100 + bulk + 20);
    assertThat(direction.holdsPipe()).isFalse();
    assertThat(direction.holdsBuffer()).isFalse();
  }

  @Test
  void an_adaptive_direction_handed_over_streaming_splices_from_the_start() {
    SpliceDirection direction = direction(null, true, true);
    UnixSocketPair.writeFully(source.far, new byte[100_000]);

    direction.pump(16);

    assertThat(direction.spliced()).isPositive();
    assertThat(direction.copied()).isZero();
  }

  private void pumpUntilQuiet(SpliceDirection direction, ByteArrayOutputStream received)
      throws Throwable {
    do {
      direction.pump(16);
      received.writeBytes(UnixSocketPair.readAvailable(sink.far, 1024 * 1024));
    } while (direction.waitingForSink());
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
