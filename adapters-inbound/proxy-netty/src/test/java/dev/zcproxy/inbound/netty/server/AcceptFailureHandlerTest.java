package dev.zcproxy.inbound.netty.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The listener's handler on an embedded channel: its clock moves only when the test says. */
class AcceptFailureHandlerTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final EmbeddedChannel listener =
      new EmbeddedChannel(AcceptFailureHandler.installer(new DescriptorExhaustion(registry)));

  @Test
  void isInstalledUnderItsName() {
    assertThat(listener.pipeline().get(PipelineNames.ACCEPT_FAILURES))
        .isInstanceOf(AcceptFailureHandler.class);
  }

  @Test
  void anAcceptFailureForWantOfDescriptorsIsCountedAndGoesNoFurther() {
    listener
        .pipeline()
        .fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
    listener
        .pipeline()
        .fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));

    listener.checkException(); // nothing reached the tail of the pipeline
    assertThat(registry.get("zcproxy.fd.exhaustion").tag("operation", "accept").counter().count())
        .isEqualTo(2);
    assertThat(listener.finish()).isFalse();
  }

  @Test
  void acceptingPausesForASecondAsNettysAcceptorWould() {
    listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));
    assertThat(listener.config().isAutoRead()).isFalse();

    listener.advanceTimeBy(AcceptFailureHandler.PAUSE.toMillis() - 1, TimeUnit.MILLISECONDS);
    listener.runScheduledPendingTasks();
    assertThat(listener.config().isAutoRead()).isFalse();

    listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    listener.runScheduledPendingTasks();
    assertThat(listener.config().isAutoRead()).isTrue();
  }

  @Test
  void otherFailuresGoOnAsBefore() {
    listener.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

    assertThatThrownBy(listener::checkException).hasMessageContaining("Connection reset by peer");
    assertThat(listener.config().isAutoRead()).isTrue();
  }
}
