package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.contract.AbstractUserRepositoryContractTest;
import dev.zcproxy.domain.contract.StorePorts;
import org.junit.jupiter.api.extension.RegisterExtension;

class JpaUserRepositoryContractTest extends AbstractUserRepositoryContractTest {

  @RegisterExtension static final JpaStoreExtension JPA = new JpaStoreExtension();

  @Override
  protected StorePorts emptyStore() {
    return JPA.emptyStore();
  }
}
