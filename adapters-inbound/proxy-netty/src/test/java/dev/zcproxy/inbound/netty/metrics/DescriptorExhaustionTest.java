package dev.zcproxy.inbound.netty.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion.Operation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DescriptorExhaustionTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicLong nanos = new AtomicLong();
  private final DescriptorExhaustion exhaustion =
      new DescriptorExhaustion(registry, Duration.ofSeconds(10), nanos::get);
  private final Logger logger = (Logger) LoggerFactory.getLogger(DescriptorExhaustion.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  {
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(lines);
  }

  @Test
  void epollsErrnosAreRecognisedHoweverDeepTheyAreWrapped() {
    Epoll.ensureAvailability(); // NativeIoException's message comes from the native strerror
    var emfile = new Errors.NativeIoException("accept", -24);
    assertThat(DescriptorExhaustion.reason(emfile)).isEqualTo("EMFILE");
    assertThat(DescriptorExhaustion.reason(new Errors.NativeIoException("socket", -23)))
        .isEqualTo("ENFILE");
    assertThat(DescriptorExhaustion.reason(new Errors.NativeIoException("socket", -105)))
        .isEqualTo("ENOBUFS");
    assertThat(DescriptorExhaustion.reason(new Errors.NativeIoException("socket", -12)))
        .isEqualTo("ENOMEM");
    // What Bootstrap.connect fails with when socket(2) does: the channel factory's wrapping.
    var unableToCreate =
        new ChannelException(
            "Unable to create Channel from class EpollSocketChannel",
            new InvocationTargetException(
                new ChannelException(new Errors.NativeIoException("newSocketStream", -24))));
    assertThat(DescriptorExhaustion.reason(unableToCreate)).isEqualTo("EMFILE");
    assertThat(DescriptorExhaustion.reason(new Errors.NativeIoException("accept", -104))).isNull();
  }

  @Test
  void nioFailuresAreRecognisedByTheCLibrarysText() {
    assertThat(
            DescriptorExhaustion.reason(
                new ChannelException(
                    "Failed to open a socket.", new IOException("Too many open files"))))
        .isEqualTo("EMFILE");
    assertThat(DescriptorExhaustion.reason(new IOException("Too many open files in system")))
        .isEqualTo("ENFILE");
    assertThat(DescriptorExhaustion.reason(new SocketException("No buffer space available")))
        .isEqualTo("ENOBUFS");
    assertThat(DescriptorExhaustion.reason(new IOException("Cannot allocate memory")))
        .isEqualTo("ENOMEM");
  }

  @Test
  void otherFailuresAreNotExhaustion() {
    assertThat(DescriptorExhaustion.reason(new ConnectException("Connection refused"))).isNull();
    assertThat(DescriptorExhaustion.reason(new IllegalStateException("Too many open files")))
        .as("only I/O failures")
        .isNull();
    assertThat(DescriptorExhaustion.reason(new IOException())).isNull();
  }

  @Test
  void bothCountersExistFromTheStart() {
    assertThat(count("accept")).isZero();
    assertThat(count("connect")).isZero();
  }

  @Test
  void everyFailureIsCountedAndOneLinePerIntervalSaysHowManyItLeftOut() {
    for (int i = 0; i < 40; i++) {
      exhaustion.record(Operation.ACCEPT, "EMFILE");
    }
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    exhaustion.record(Operation.ACCEPT, "ENFILE");

    assertThat(count("accept")).isEqualTo(41);
    assertThat(count("connect")).isZero();
    assertThat(warnings())
        .containsExactly(
            "accept failed with EMFILE: out of file descriptors or socket memory; 0 more since"
                + " the last such line (one line per 10s; every failure counts in"
                + " zcproxy_fd_exhaustion_total). Raise the open-file limit, or lower the load",
            "accept failed with ENFILE: out of file descriptors or socket memory; 39 more since"
                + " the last such line (one line per 10s; every failure counts in"
                + " zcproxy_fd_exhaustion_total). Raise the open-file limit, or lower the load");
  }

  @Test
  void acceptAndConnectAreThrottledApart() {
    exhaustion.record(Operation.ACCEPT, "EMFILE");
    exhaustion.record(Operation.CONNECT, "EMFILE");
    exhaustion.record(Operation.CONNECT, "EMFILE");

    assertThat(count("connect")).isEqualTo(2);
    assertThat(warnings())
        .hasSize(2)
        .satisfiesExactly(
            line -> assertThat(line).startsWith("accept failed with EMFILE"),
            line -> assertThat(line).startsWith("connect failed with EMFILE"));
  }

  private double count(String operation) {
    return registry.get("zcproxy.fd.exhaustion").tag("operation", operation).counter().count();
  }

  private List<String> warnings() {
    return lines.list.stream()
        .filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
