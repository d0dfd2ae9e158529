package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.service.ManageUsersServiceTest.done;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.port.in.CreateApiKeyCommand;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyAuthResult;
import dev.zcproxy.domain.state.ApiKeyAuthResult.Reason;
import dev.zcproxy.domain.state.ApiKeyScope;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.BootstrapKeyOutcome;
import dev.zcproxy.domain.state.CreatedApiKey;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.PageRequest;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ApiKeyServicesTest {

  private static final InetAddress SOURCE = InetAddress.getLoopbackAddress();

  private final MutableClock clock = new MutableClock(StateFixtures.T0);
  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final SecureRandom random = new SecureRandom();
  private final ManageApiKeysService keys =
      new ManageApiKeysService(memory, store.apiKeys(), store.audit(), random, clock);
  private final AuthenticateApiKeyService authenticate =
      new AuthenticateApiKeyService(
          memory, store.apiKeys(), new AuthFailureThrottle(clock, 3, Duration.ofMinutes(1)), clock);

  @Test
  void aCreatedKeyAuthenticatesAndOnlyItsDigestIsStored() {
    CreatedApiKey created = create("ci", ApiKeyScope.READ, Optional.empty());

    assertThat(created.token().reveal()).startsWith("zcp_" + created.key().id() + "_");
    assertThat(
            store.read(() -> store.apiKeys().find(created.key().id())).orElseThrow().secretDigest())
        .isEqualTo(created.token().digest())
        .doesNotContain(created.token().reveal().substring(17));
    assertThat(authenticate.authenticate(created.token().reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Authenticated(created.key()));
    assertThat(
            store
                .read(() -> store.audit().list(OptionalLong.empty(), 1))
                .getFirst()
                .event()
                .action())
        .isEqualTo("api-key.create");
  }

  @Test
  void revocationAndExpiryTakeEffectAtOnce() {
    CreatedApiKey revoked = create("a", ApiKeyScope.ADMIN, Optional.empty());
    CreatedApiKey expiring =
        create("b", ApiKeyScope.ADMIN, Optional.of(StateFixtures.T0.plusSeconds(60)));

    done(keys.revoke(revoked.key().id(), Actor.SYSTEM));
    clock.advance(Duration.ofSeconds(60));

    assertThat(authenticate.authenticate(revoked.token().reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.REVOKED));
    assertThat(authenticate.authenticate(expiring.token().reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.EXPIRED));
  }

  @Test
  void unknownMalformedAndForgedKeysAreRejectedThenThrottledPerSource() throws Exception {
    CreatedApiKey real = create("a", ApiKeyScope.ADMIN, Optional.empty());
    String forged = real.token().reveal().substring(0, 17) + "0".repeat(64);

    assertThat(authenticate.authenticate("Bearer nonsense", SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.MALFORMED));
    assertThat(authenticate.authenticate(ApiKeyToken.generate(random).reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.UNKNOWN));
    assertThat(authenticate.authenticate(forged, SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.WRONG_SECRET));
    assertThat(authenticate.authenticate(real.token().reveal(), SOURCE))
        .isInstanceOf(ApiKeyAuthResult.Throttled.class);
    assertThat(
            authenticate.authenticate(
                real.token().reveal(), InetAddress.getByAddress(new byte[] {127, 0, 0, 2})))
        .isInstanceOf(ApiKeyAuthResult.Authenticated.class);

    clock.advance(Duration.ofMinutes(1));
    assertThat(authenticate.authenticate(real.token().reveal(), SOURCE))
        .isInstanceOf(ApiKeyAuthResult.Authenticated.class);
  }

  @Test
  void anExpiryInThePastIsRejected() {
    assertThat(
            keys.create(
                new CreateApiKeyCommand("x", ApiKeyScope.READ, Optional.of(StateFixtures.T0)),
                Actor.SYSTEM))
        .isEqualTo(Outcome.Rejected.<CreatedApiKey>of("expiresAt", "must be in the future"));
  }

  @Test
  void revokingTwiceChangesNothingAndUnknownKeysAreNotFound() {
    CreatedApiKey created = create("a", ApiKeyScope.READ, Optional.empty());
    ApiKey once = done(keys.revoke(created.key().id(), Actor.SYSTEM));
    clock.advance(Duration.ofSeconds(5));

    assertThat(done(keys.revoke(created.key().id(), Actor.SYSTEM))).isEqualTo(once);
    assertThat(keys.revoke("ffffffffffff", Actor.SYSTEM)).isInstanceOf(Outcome.NotFound.class);
  }

  @Test
  void theBootstrapKeyIsInstalledOnceAndReplacesEarlierOnes() {
    ApiKeyToken first = ApiKeyToken.generate(random);
    ApiKeyToken second = ApiKeyToken.generate(random);

    assertThat(keys.installBootstrapKey(first)).isEqualTo(BootstrapKeyOutcome.INSTALLED);
    assertThat(keys.installBootstrapKey(first)).isEqualTo(BootstrapKeyOutcome.UNCHANGED);
    assertThat(authenticate.authenticate(first.reveal(), SOURCE))
        .isInstanceOf(ApiKeyAuthResult.Authenticated.class);

    assertThat(keys.installBootstrapKey(second)).isEqualTo(BootstrapKeyOutcome.INSTALLED);
    assertThat(authenticate.authenticate(first.reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.REVOKED));
    ApiKey stored = keys.apiKey(second.id()).orElseThrow();
    assertThat(stored.scope()).isEqualTo(ApiKeyScope.ADMIN);
    assertThat(stored.name()).isEqualTo("bootstrap");
  }

  @Test
  void aBootstrapKeyRevokedByAnOperatorStaysRevoked() {
    ApiKeyToken token = ApiKeyToken.generate(random);
    keys.installBootstrapKey(token);
    done(keys.revoke(token.id(), new Actor("0123456789ab")));

    assertThat(keys.installBootstrapKey(token)).isEqualTo(BootstrapKeyOutcome.REVOKED);
    assertThat(authenticate.authenticate(token.reveal(), SOURCE))
        .isEqualTo(new ApiKeyAuthResult.Rejected(Reason.REVOKED));
  }

  @Test
  void keysAreListedById() {
    for (int i = 0; i < 3; i++) {
      create("k" + i, ApiKeyScope.READ, Optional.empty());
    }

    var first = keys.apiKeys(PageRequest.first(2));
    var rest = keys.apiKeys(new PageRequest(first.next(), 2));

    assertThat(first.items()).hasSize(2);
    assertThat(rest.items()).hasSize(1);
    assertThat(first.items().get(1).id()).isLessThan(rest.items().getFirst().id());
  }

  private CreatedApiKey create(String name, ApiKeyScope scope, Optional<Instant> expiresAt) {
    return done(keys.create(new CreateApiKeyCommand(name, scope, expiresAt), Actor.SYSTEM));
  }
}
