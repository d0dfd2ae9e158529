package dev.zcproxy.domain.contract;

import static dev.zcproxy.domain.contract.StateFixtures.apiKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@code ApiKeyRepository} must do; subclasses supply a fresh, empty store per test. */
public abstract class AbstractApiKeyRepositoryContractTest {

  protected StorePorts store;

  protected abstract StorePorts emptyStore();

  @BeforeEach
  void openStore() {
    store = emptyStore();
  }

  @Test
  void insertedKeyIsFoundWithEveryField() {
    ApiKey key = apiKey("0123456789ab", ApiKeyScope.PROXY);
    store.writeAll(() -> store.apiKeys().insert(key));

    assertThat(store.read(() -> store.apiKeys().find(key.id()))).contains(key);
    assertThat(store.read(() -> store.apiKeys().find("ffffffffffff"))).isEmpty();
  }

  @Test
  void keyWithoutExpiryRoundTrips() {
    ApiKey key =
        new ApiKey(
            "aaaaaaaaaaaa",
            "ci",
            ApiKeyScope.READ,
            "b".repeat(64),
            StateFixtures.T0,
            Optional.empty(),
            Optional.empty(),
            "0123456789ab");
    store.writeAll(() -> store.apiKeys().insert(key));

    assertThat(store.read(() -> store.apiKeys().find(key.id()))).contains(key);
  }

  @Test
  void updateRecordsRevocation() {
    ApiKey key = apiKey("0123456789ab", ApiKeyScope.ADMIN);
    store.writeAll(() -> store.apiKeys().insert(key));
    ApiKey revoked = key.revoked(StateFixtures.T0.plusSeconds(60));
    store.writeAll(() -> store.apiKeys().update(revoked));

    assertThat(store.read(() -> store.apiKeys().find(key.id()))).contains(revoked);
  }

  @Test
  void listPagesInIdOrder() {
    store.writeAll(
        () -> {
          store.apiKeys().insert(apiKey("cccccccccccc", ApiKeyScope.READ));
          store.apiKeys().insert(apiKey("aaaaaaaaaaaa", ApiKeyScope.READ));
          store.apiKeys().insert(apiKey("bbbbbbbbbbbb", ApiKeyScope.READ));
        });

    assertThat(store.read(() -> store.apiKeys().list(Optional.empty(), 2)))
        .extracting(ApiKey::id)
        .containsExactly("aaaaaaaaaaaa", "bbbbbbbbbbbb");
    assertThat(store.read(() -> store.apiKeys().list(Optional.of("bbbbbbbbbbbb"), 2)))
        .extracting(ApiKey::id)
        .containsExactly("cccccccccccc");
  }

  @Test
  void refusesUseOutsideAUnitOfWork() {
    assertThatThrownBy(() -> store.apiKeys().find("aaaaaaaaaaaa"))
        .isInstanceOf(IllegalStateException.class);
  }
}
