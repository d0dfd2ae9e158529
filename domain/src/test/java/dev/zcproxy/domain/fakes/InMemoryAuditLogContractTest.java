package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractAuditLogContractTest;
import dev.zcproxy.domain.contract.StorePorts;

class InMemoryAuditLogContractTest extends AbstractAuditLogContractTest {

  @Override
  protected StorePorts emptyStore() {
    return new InMemoryStore().ports();
  }
}
