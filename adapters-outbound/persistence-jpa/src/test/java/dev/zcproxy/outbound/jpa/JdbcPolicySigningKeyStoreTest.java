package dev.zcproxy.outbound.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.service.PolicySigningKeyService;
import dev.zcproxy.domain.state.PolicySigningKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class JdbcPolicySigningKeyStoreTest {

  @RegisterExtension static final JpaStoreExtension JPA = new JpaStoreExtension();

  @Test
  void theFirstStartStoresAKeyAndEveryLaterStartReadsTheSameOne() throws Exception {
    TestDatabase.get()
        .execute(JPA.settings().schema().orElseThrow(), "DELETE FROM policy_signing_key");
    var store = JPA.persistence().signingKeys();
    AtomicInteger generated = new AtomicInteger();

    PolicySigningKey first =
        store.loadOrCreate(
            () -> {
              generated.incrementAndGet();
              return PolicySigningKey.generate();
            });
    PolicySigningKey again = store.loadOrCreate(PolicySigningKey::generate);
    var restarted = JpaPersistence.start(JPA.settings(), new SimpleMeterRegistry());
    try {
      assertThat(PolicySigningKeyService.load(restarted.signingKeys()).signingKey())
          .isEqualTo(first);
    } finally {
      restarted.close();
    }

    assertThat(again).isEqualTo(first);
    assertThat(generated).hasValue(1);
  }

  @Test
  void instancesStartingTogetherAgreeOnOneKey() {
    var store = JPA.persistence().signingKeys();
    var starts =
        java.util.stream.IntStream.range(0, 4)
            .mapToObj(
                i ->
                    CompletableFuture.supplyAsync(
                        () -> store.loadOrCreate(PolicySigningKey::generate)))
            .toList();

    var keys = starts.stream().map(CompletableFuture::join).distinct().toList();

    assertThat(keys).hasSize(1);
  }
}
