package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.contract.AbstractAclRepositoryContractTest;
import dev.zcproxy.domain.contract.StorePorts;
import org.junit.jupiter.api.extension.RegisterExtension;

class JpaAclRepositoryContractTest extends AbstractAclRepositoryContractTest {

  @RegisterExtension static final JpaStoreExtension JPA = new JpaStoreExtension();

  @Override
  protected StorePorts emptyStore() {
    return JPA.emptyStore();
  }
}
