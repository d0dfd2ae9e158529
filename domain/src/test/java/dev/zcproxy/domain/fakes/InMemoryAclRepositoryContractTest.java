package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractAclRepositoryContractTest;
import dev.zcproxy.domain.contract.StorePorts;

class InMemoryAclRepositoryContractTest extends AbstractAclRepositoryContractTest {

  @Override
  protected StorePorts emptyStore() {
    return new InMemoryStore().ports();
  }
}
