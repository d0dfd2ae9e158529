package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.contract.AbstractAuditLogContractTest;
import dev.zcproxy.domain.contract.StorePorts;
import org.junit.jupiter.api.extension.RegisterExtension;

class JpaAuditLogContractTest extends AbstractAuditLogContractTest {

  @RegisterExtension static final JpaStoreExtension JPA = new JpaStoreExtension();

  @Override
  protected StorePorts emptyStore() {
    return JPA.emptyStore();
  }
}
