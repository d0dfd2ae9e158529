package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.AbstractPolicyChangePublisherContractTest;
import dev.zcproxy.domain.contract.PolicyBrokerHarness;

class InMemoryPolicyBrokerContractTest extends AbstractPolicyChangePublisherContractTest {

  @Override
  protected PolicyBrokerHarness startBroker() {
    return new InMemoryPolicyBroker();
  }
}
