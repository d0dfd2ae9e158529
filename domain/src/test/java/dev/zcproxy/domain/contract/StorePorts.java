package dev.zcproxy.domain.contract;

import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import java.util.function.Supplier;

/** The out ports of one store, as the contract tests and the service tests use them. */
public record StorePorts(
    UnitOfWork unitOfWork,
    UserRepository users,
    AclRepository rules,
    ApiKeyRepository apiKeys,
    PolicyChangeOutbox outbox,
    AuditLog audit) {

  public <T> T write(Supplier<T> work) {
    return unitOfWork.write(work);
  }

  public void writeAll(Runnable work) {
    unitOfWork.write(
        () -> {
          work.run();
          return null;
        });
  }

  public <T> T read(Supplier<T> work) {
    return unitOfWork.read(work);
  }
}
