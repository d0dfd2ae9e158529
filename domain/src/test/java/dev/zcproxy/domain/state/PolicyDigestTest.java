package dev.zcproxy.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PolicyDigestTest {

  private static final RuleId ID =
      new RuleId(UUID.fromString("3f0c6a52-4d0e-4a55-9d7e-000000000001"));

  private static PolicyRevision policy(long revision, long version, Set<String> groups) {
    return new PolicyRevision(
        revision,
        new PolicySettings(false, 0),
        List.of(new StoredUser(new User("alice", StateFixtures.HASH, groups, true), version)),
        List.of(new StoredRule(ID, 1, StateFixtures.everyForm(), version)));
  }

  @Test
  void theCanonicalTextIsDocumentedAndStable() {
    var plain =
        new PolicyRevision(
            7,
            new PolicySettings(true, 3),
            List.of(
                new StoredUser(
                    new User(
                        "bob", new PasswordHash("{plain}a b\nc"), Set.of("staff", "ops"), false),
                    2),
                new StoredUser(new User("alice", new PasswordHash("{plain}x"), Set.of(), true), 1)),
            List.of(
                new StoredRule(
                    ID,
                    1,
                    new AclRule(
                        Action.ALLOW,
                        Set.of("bob", "alice"),
                        Set.of(),
                        StateFixtures.patterns("*.example.com", "10.0.0.0/8"),
                        List.of(PortRange.single(443), new PortRange(8000, 8999)),
                        Set.of(Protocol.UDP, Protocol.TCP)),
                    5)));

    assertThat(PolicyDigest.canonicalText(plain))
        .isEqualTo(
            """
            zcproxy-policy 1
            anonymous true
            user alice enabled=true groups= password=8:{plain}x
            user bob enabled=false groups=ops,staff password=12:{plain}a b
            c
            rule 3f0c6a52-4d0e-4a55-9d7e-000000000001 allow users=alice,bob groups= \
            destinations=*.example.com,10.0.0.0/8 ports=443,8000-8999 protocols=tcp,udp
            """);
    assertThat(PolicyDigest.of(plain)).hasSize(64).matches("[0-9a-f]{64}");
  }

  @Test
  void revisionsAndVersionsDoNotCountButContentDoes() {
    String digest = PolicyDigest.of(policy(5, 3, Set.of("staff")));

    assertThat(PolicyDigest.of(policy(9, 8, Set.of("staff")))).isEqualTo(digest);
    assertThat(PolicyDigest.of(policy(5, 3, Set.of("ops")))).isNotEqualTo(digest);
  }

  @Test
  void aPolicyFileHasNoRuleIds() {
    var file =
        new Policy(
            false,
            List.of(new User("alice", StateFixtures.HASH, Set.of(), true)),
            List.of(StateFixtures.allow("a.example")));

    assertThat(PolicyDigest.canonicalText(file)).contains("rule - allow users= groups=");
  }
}
