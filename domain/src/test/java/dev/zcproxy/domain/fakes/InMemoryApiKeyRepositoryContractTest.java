package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractApiKeyRepositoryContractTest;
import dev.zcproxy.domain.contract.StorePorts;

class InMemoryApiKeyRepositoryContractTest extends AbstractApiKeyRepositoryContractTest {

  @Override
  protected StorePorts emptyStore() {
    return new InMemoryStore().ports();
  }
}
