package dev.zcproxy.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.AuditEvent;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@code AuditLog} must do; subclasses supply a fresh, empty store per test. */
public abstract class AbstractAuditLogContractTest {

  protected StorePorts store;

  protected abstract StorePorts emptyStore();

  @BeforeEach
  void openStore() {
    store = emptyStore();
  }

  @Test
  void entriesComeBackNewestFirstWithEveryField() {
    AuditEvent first =
        new AuditEvent(
            StateFixtures.T0, "0123456789ab", "user.create", "alice", OptionalLong.of(4));
    AuditEvent second =
        new AuditEvent(
            StateFixtures.T0.plusMillis(1),
            "system",
            "api-key.bootstrap",
            "aaaaaaaaaaaa",
            OptionalLong.empty());
    AuditEntry a = store.write(() -> store.audit().record(first));
    AuditEntry b = store.write(() -> store.audit().record(second));

    assertThat(b.id()).isGreaterThan(a.id());
    assertThat(store.read(() -> store.audit().list(OptionalLong.empty(), 10)))
        .containsExactly(b, a);
  }

  @Test
  void pagesGoBackInTime() {
    List<AuditEntry> entries =
        store.write(
            () ->
                IntStream.range(0, 5)
                    .mapToObj(
                        i ->
                            store
                                .audit()
                                .record(
                                    new AuditEvent(
                                        StateFixtures.T0,
                                        "system",
                                        "rule.create",
                                        "r" + i,
                                        OptionalLong.of(i + 1))))
                    .toList());

    List<AuditEntry> newest = store.read(() -> store.audit().list(OptionalLong.empty(), 2));
    List<AuditEntry> older =
        store.read(() -> store.audit().list(OptionalLong.of(newest.getLast().id()), 2));

    assertThat(newest).containsExactly(entries.get(4), entries.get(3));
    assertThat(older).containsExactly(entries.get(2), entries.get(1));
  }
}
