package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractPolicyChangeOutboxContractTest;
import dev.zcproxy.domain.contract.StorePorts;

class InMemoryPolicyChangeOutboxContractTest extends AbstractPolicyChangeOutboxContractTest {

  @Override
  protected StorePorts emptyStore() {
    return new InMemoryStore().ports();
  }
}
