package dev.zcproxy.outbound.amqp;

import dev.zcproxy.domain.contract.AbstractPolicyChangePublisherContractTest;
import dev.zcproxy.domain.contract.PolicyBrokerHarness;

class RabbitMqPolicyBrokerContractTest extends AbstractPolicyChangePublisherContractTest {

  @Override
  protected PolicyBrokerHarness startBroker() {
    return new RabbitMqHarness();
  }
}
