package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.in.ReadAuditLogUseCase;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import java.util.Objects;
import java.util.OptionalLong;

public final class ReadAuditLogService implements ReadAuditLogUseCase {

  private final UnitOfWork unitOfWork;
  private final AuditLog audit;

  public ReadAuditLogService(UnitOfWork unitOfWork, AuditLog audit) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  @Override
  public Page<AuditEntry> entries(OptionalLong beforeId, int limit) {
    PageRequest.requireLimit(limit);
    return unitOfWork.read(
        () -> Page.of(audit.list(beforeId, limit + 1), limit, entry -> Long.toString(entry.id())));
  }
}
