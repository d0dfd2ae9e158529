package dev.zcproxy.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyTextTest {

  @Test
  void portsAreASingleNumberOrARange() {
    assertThat(PolicyText.parsePortRange("443")).isEqualTo(PortRange.single(443));
    assertThat(PolicyText.parsePortRange(" 8000-8999 ")).isEqualTo(new PortRange(8000, 8999));
    assertThat(PolicyText.parsePortRange(new PortRange(1, 2).toString()))
        .isEqualTo(new PortRange(1, 2));
    for (String bad : new String[] {"", "0", "65536", "9-1", "80-", "http", "123456"}) {
      assertThatThrownBy(() -> PolicyText.parsePortRange(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void protocolsAndActionsAreWordsInAnyCase() {
    assertThat(PolicyText.parseProtocol("TCP")).isEqualTo(Protocol.TCP);
    assertThat(PolicyText.parseProtocol("udp")).isEqualTo(Protocol.UDP);
    assertThat(PolicyText.parseAction("Deny")).isEqualTo(Action.DENY);
    assertThat(PolicyText.format(Action.ALLOW)).isEqualTo("allow");
    assertThat(PolicyText.format(Protocol.UDP)).isEqualTo("udp");
    assertThatThrownBy(() -> PolicyText.parseProtocol("sctp")).hasMessageContaining("tcp or udp");
    assertThatThrownBy(() -> PolicyText.parseAction(null)).hasMessageContaining("allow or deny");
  }
}
