package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.in.CreateApiKeyCommand;
import dev.zcproxy.domain.port.in.ManageApiKeysUseCase;
import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.AuditEvent;
import dev.zcproxy.domain.state.BootstrapKeyOutcome;
import dev.zcproxy.domain.state.CreatedApiKey;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Manages API keys. A key's secret exists only in the {@link CreatedApiKey} returned by {@link
 * #create}; what is stored is its SHA-256. Bootstrap keys are the ones the service creates itself
 * ({@link Actor#SYSTEM}), named {@value #BOOTSTRAP_NAME}.
 */
public final class ManageApiKeysService implements ManageApiKeysUseCase {

  static final String BOOTSTRAP_NAME = "bootstrap";

  /** 48-bit ids collide about never; a few retries make "never" certain. */
  private static final int ID_ATTEMPTS = 8;

  private final UnitOfWork unitOfWork;
  private final ApiKeyRepository keys;
  private final AuditLog audit;
  private final SecureRandom random;
  private final Clock clock;

  public ManageApiKeysService(
      UnitOfWork unitOfWork,
      ApiKeyRepository keys,
      AuditLog audit,
      SecureRandom random,
      Clock clock) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.random = Objects.requireNonNull(random, "random");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Page<ApiKey> apiKeys(PageRequest page) {
    return unitOfWork.read(
        () -> Page.of(keys.list(page.after(), page.limit() + 1), page.limit(), ApiKey::id));
  }

  @Override
  public Optional<ApiKey> apiKey(String id) {
    return unitOfWork.read(() -> keys.find(id));
  }

  @Override
  public Outcome<CreatedApiKey> create(CreateApiKeyCommand command, Actor actor) {
    Instant now = PolicyJournal.now(clock);
    Optional<Instant> expiresAt = command.expiresAt().map(PolicyJournal::truncate);
    if (expiresAt.isPresent() && !expiresAt.get().isAfter(now)) {
      return Outcome.Rejected.of("expiresAt", "must be in the future");
    }
    return unitOfWork.write(
        () -> {
          ApiKeyToken token = freshToken();
          ApiKey key =
              new ApiKey(
                  token.id(),
                  command.name(),
                  command.scope(),
                  token.digest(),
                  now,
                  expiresAt,
                  Optional.empty(),
                  actor.id());
          keys.insert(key);
          audit.record(event(now, actor, "api-key.create", key.id()));
          return new Outcome.Done<>(new CreatedApiKey(key, token));
        });
  }

  @Override
  public Outcome<ApiKey> revoke(String id, Actor actor) {
    Instant now = PolicyJournal.now(clock);
    return unitOfWork.write(
        () -> {
          Optional<ApiKey> found = keys.find(id);
          if (found.isEmpty()) {
            return new Outcome.NotFound<>("no API key " + id);
          }
          if (found.get().isRevoked(now)) {
            return new Outcome.Done<>(found.get());
          }
          ApiKey revoked = found.get().revoked(now);
          keys.update(revoked);
          audit.record(event(now, actor, "api-key.revoke", id));
          return new Outcome.Done<>(revoked);
        });
  }

  @Override
  public BootstrapKeyOutcome installBootstrapKey(ApiKeyToken token) {
    Instant now = PolicyJournal.now(clock);
    return unitOfWork.write(
        () -> {
          Optional<ApiKey> stored = keys.find(token.id());
          if (stored.isPresent()) {
            if (!token.matches(stored.get().secretDigest())) {
              return BootstrapKeyOutcome.ID_TAKEN;
            }
            return stored.get().isRevoked(now)
                ? BootstrapKeyOutcome.REVOKED
                : BootstrapKeyOutcome.UNCHANGED;
          }
          for (ApiKey earlier : liveBootstrapKeys(now)) {
            keys.update(earlier.revoked(now));
            audit.record(event(now, Actor.SYSTEM, "api-key.revoke", earlier.id()));
          }
          keys.insert(
              new ApiKey(
                  token.id(),
                  BOOTSTRAP_NAME,
                  ApiKeyScope.ADMIN,
                  token.digest(),
                  now,
                  Optional.empty(),
                  Optional.empty(),
                  Actor.SYSTEM.id()));
          audit.record(event(now, Actor.SYSTEM, "api-key.bootstrap", token.id()));
          return BootstrapKeyOutcome.INSTALLED;
        });
  }

  private List<ApiKey> liveBootstrapKeys(Instant now) {
    var found = new ArrayList<ApiKey>();
    Optional<String> after = Optional.empty();
    while (true) {
      List<ApiKey> page = keys.list(after, PageRequest.MAX_LIMIT);
      page.stream()
          .filter(key -> key.createdBy().equals(Actor.SYSTEM.id()) && !key.isRevoked(now))
          .forEach(found::add);
      if (page.size() < PageRequest.MAX_LIMIT) {
        return found;
      }
      after = Optional.of(page.getLast().id());
    }
  }

  private ApiKeyToken freshToken() {
    for (int attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      ApiKeyToken token = ApiKeyToken.generate(random);
      if (keys.find(token.id()).isEmpty()) {
        return token;
      }
    }
    throw new IllegalStateException("no free API key id after " + ID_ATTEMPTS + " attempts");
  }

  private static AuditEvent event(Instant now, Actor actor, String action, String id) {
    return new AuditEvent(now, actor.id(), action, id, OptionalLong.empty());
  }
}
