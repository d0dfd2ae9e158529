package dev.zcproxy.outbound.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.port.out.StoreUnavailableException;
import dev.zcproxy.domain.state.PolicyChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The database goes away (every connection cut, new ones refused) and comes back: meanwhile every
 * unit of work fails fast with {@link StoreUnavailableException}; afterwards the store works again
 * by itself, with nothing committed lost.
 */
class JpaStoreAvailabilityTest {

  @Test
  void unavailableWhileTheDatabaseIsAwayThenRecoversByItself() throws Exception {
    TestDatabase database = TestDatabase.get();
    String schema = TestDatabase.newSchemaName();
    try (TcpCutter cutter = TcpCutter.inFrontOf(database.jdbcUrl());
        JpaPersistence persistence =
            JpaPersistence.start(
                // a short connection timeout, so that units of work fail fast while it is away
                database.settings(cutter.jdbcUrl(), Duration.ofSeconds(1)).withSchema(schema),
                new SimpleMeterRegistry())) {
      StorePorts store = JpaStoreExtension.ports(persistence);
      long committed =
          store
              .write(
                  () ->
                      store.outbox().append(new PolicyChange.SettingsChanged(true), Instant.now()))
              .revision();

      cutter.cut();

      assertThatThrownBy(() -> store.read(() -> store.outbox().headRevision()))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageStartingWith("the database cannot be reached");
      assertThatThrownBy(
              () ->
                  store.write(
                      () ->
                          store
                              .outbox()
                              .append(new PolicyChange.SettingsChanged(false), Instant.now())))
          .isInstanceOf(StoreUnavailableException.class);
      assertThat(persistence.isReachable()).isFalse();

      cutter.restore();

      await("the store to work again")
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptionsInstanceOf(StoreUnavailableException.class)
          .until(() -> store.read(() -> store.outbox().headRevision()) == committed);
      assertThat(persistence.isReachable()).isTrue();
    } finally {
      database.dropSchema(schema);
    }
  }
}
