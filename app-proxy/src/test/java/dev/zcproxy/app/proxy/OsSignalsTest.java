package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OsSignalsTest {

  @Test
  void aRealSighupReachesTheHandler() throws Exception {
    var received = new AtomicInteger();
    assertThat(new OsSignals().handle("HUP", received::incrementAndGet)).isTrue();

    Process kill =
        new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
            .inheritIO()
            .start();

    assertThat(kill.waitFor()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 1);
  }
}
