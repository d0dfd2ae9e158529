package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.AuthenticateApiKeyUseCase;
import dev.zcproxy.domain.port.in.ManageAclUseCase;
import dev.zcproxy.domain.port.in.ManageApiKeysUseCase;
import dev.zcproxy.domain.port.in.ManageUsersUseCase;
import dev.zcproxy.domain.port.in.ReadAuditLogUseCase;
import dev.zcproxy.domain.port.in.ReadPolicySnapshotUseCase;
import dev.zcproxy.domain.port.in.ReadPolicyVerificationKeyUseCase;
import java.util.Objects;

/** The use cases the REST API exposes: everything it needs from the domain. */
public record StateApi(
    AuthenticateApiKeyUseCase authenticate,
    ManageUsersUseCase users,
    ManageAclUseCase acl,
    ManageApiKeysUseCase apiKeys,
    ReadPolicySnapshotUseCase snapshots,
    ReadAuditLogUseCase audit,
    ReadPolicyVerificationKeyUseCase signingKey) {

  public StateApi {
    Objects.requireNonNull(authenticate, "authenticate");
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(acl, "acl");
    Objects.requireNonNull(apiKeys, "apiKeys");
    Objects.requireNonNull(snapshots, "snapshots");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(signingKey, "signingKey");
  }
}
