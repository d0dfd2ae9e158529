package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.in.ReadPolicySnapshotUseCase;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.PolicyRevision;
import java.util.Objects;

/**
 * Reads the head revision and the whole policy in one read unit of work, so the revision names
 * exactly the content returned: a proxy that loads it and then applies the changes after that
 * revision misses none and applies none twice.
 */
public final class ReadPolicySnapshotService implements ReadPolicySnapshotUseCase {

  private final UnitOfWork unitOfWork;
  private final UserRepository users;
  private final AclRepository rules;
  private final PolicyChangeOutbox outbox;

  public ReadPolicySnapshotService(
      UnitOfWork unitOfWork, UserRepository users, AclRepository rules, PolicyChangeOutbox outbox) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.users = Objects.requireNonNull(users, "users");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.outbox = Objects.requireNonNull(outbox, "outbox");
  }

  @Override
  public PolicyRevision snapshot() {
    return unitOfWork.read(
        () ->
            new PolicyRevision(outbox.headRevision(), rules.settings(), users.all(), rules.all()));
  }
}
