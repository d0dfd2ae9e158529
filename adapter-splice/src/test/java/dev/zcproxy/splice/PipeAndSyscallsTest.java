package dev.zcproxy.splice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The FFM bindings and the pipe: sizes, errno capture, descriptor accounting. */
class PipeAndSyscallsTest {

  @Test
  void splice_is_available_on_this_linux_machine() {
    assertThat(SpliceSupport.unavailability()).isEmpty();
  }

  @Test
  void a_pipe_gets_at_least_the_size_asked_for_and_counts_itself() throws SpliceException {
    long before = Pipe.openPipes();
    Pipe pipe = Pipe.open(256 * 1024);
    try {
      assertThat(pipe.capacity()).isGreaterThanOrEqualTo(256 * 1024);
      assertThat(pipe.room()).isEqualTo(pipe.capacity());
      assertThat(Pipe.openPipes()).isEqualTo(before + 1);
    } finally {
      pipe.close();
      pipe.close(); // a second close neither closes a reused descriptor nor counts twice
    }
    assertThat(Pipe.openPipes()).isEqualTo(before);
  }

  @Test
  void errno_comes_back_negated() {
    assertThat(LinuxSyscalls.splice(-1, -1, 1, LinuxSyscalls.SPLICE_F_NONBLOCK))
        .isEqualTo(-Errno.EBADF);
    assertThat(LinuxSyscalls.close(-1)).isEqualTo(-Errno.EBADF);
    assertThat(LinuxSyscalls.socketError(-1)).isEqualTo(-Errno.EBADF);
  }

  @Test
  void an_empty_pipe_says_eagain() throws SpliceException {
    try (Pipe from = Pipe.open(4096);
        Pipe to = Pipe.open(4096)) {
      assertThat(
              LinuxSyscalls.splice(from.readFd(), to.writeFd(), 1, LinuxSyscalls.SPLICE_F_NONBLOCK))
          .isEqualTo(-Errno.EAGAIN);
    }
  }

  @Test
  void a_connected_socket_has_no_pending_error() throws Throwable {
    try (UnixSocketPair pair = UnixSocketPair.open()) {
      assertThat(LinuxSyscalls.socketError(pair.near)).isZero();
    }
  }

  @Test
  void errno_names_are_for_people() {
    assertThat(Errno.name(Errno.ECONNRESET)).isEqualTo("ECONNRESET");
    assertThat(Errno.name(Errno.EPIPE)).isEqualTo("EPIPE");
    assertThat(Errno.name(4095)).isEqualTo("errno-4095");
  }
}
