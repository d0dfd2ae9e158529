package dev.zcproxy.outbound.jms;

import dev.zcproxy.domain.contract.AbstractPolicyChangePublisherContractTest;
import dev.zcproxy.domain.contract.PolicyBrokerHarness;

class ArtemisPolicyBrokerContractTest extends AbstractPolicyChangePublisherContractTest {

  @Override
  protected PolicyBrokerHarness startBroker() throws Exception {
    return new ArtemisHarness();
  }
}
