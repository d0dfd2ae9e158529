package dev.zcproxy.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.model.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ActivePolicyTest {

  private static PolicySnapshot revision(long revision) {
    return PolicySnapshot.compile(Policy.denyAll(), revision);
  }

  @Test
  void holds_the_initial_snapshot_until_replaced() {
    var first = revision(1);
    var second = revision(2);
    var active = new ActivePolicy(first);

    assertThat(active.current()).isSameAs(first);
    active.replace(second);
    assertThat(active.current()).isSameAs(second);
  }

  @Test
  void replace_installs_even_an_older_revision() {
    var active = new ActivePolicy(revision(5));
    var restored = revision(3);

    active.replace(restored);

    assertThat(active.current()).isSameAs(restored);
  }

  @Test
  void replace_if_newer_never_goes_back() {
    var active = new ActivePolicy(revision(5));

    assertThat(active.replaceIfNewer(revision(5))).isFalse();
    assertThat(active.replaceIfNewer(revision(4))).isFalse();
    assertThat(active.current().revision()).isEqualTo(5);
    assertThat(active.replaceIfNewer(revision(6))).isTrue();
    assertThat(active.current().revision()).isEqualTo(6);
  }

  @Test
  void racing_installs_end_at_the_highest_revision() throws Exception {
    var active = new ActivePolicy(revision(0));
    List<Callable<Boolean>> installs = new ArrayList<>();
    for (long revision = 1; revision <= 400; revision++) {
      var snapshot = revision(revision);
      installs.add(() -> active.replaceIfNewer(snapshot));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (Future<Boolean> install : pool.invokeAll(installs)) {
        install.get();
      }
    } finally {
      pool.shutdown();
    }

    assertThat(active.current().revision()).isEqualTo(400);
  }
}
