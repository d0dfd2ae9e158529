package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractUserRepositoryContractTest;
import dev.zcproxy.domain.contract.StorePorts;

class InMemoryUserRepositoryContractTest extends AbstractUserRepositoryContractTest {

  @Override
  protected StorePorts emptyStore() {
    return new InMemoryStore().ports();
  }
}
