package dev.zcproxy.outbound.wire;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.RuleId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyMessageCodecTest {

  private final PolicyMessageCodec codec = new PolicyMessageCodec();

  @Test
  void everyKindOfChangeRoundTripsThroughTheBody() {
    RuleId id = RuleId.random();
    List<PolicyChange> changes =
        List.of(
            new PolicyChange.UserPut(
                new User("alice", StateFixtures.HASH, Set.of("staff", "ops"), false)),
            new PolicyChange.UserPut(
                new User("bob", new PasswordHash("{plain}pw"), Set.of(), true)),
            new PolicyChange.UserDeleted("carol"),
            new PolicyChange.RulePut(id, 3, StateFixtures.everyForm()),
            new PolicyChange.RuleMoved(id, 1),
            new PolicyChange.RuleDeleted(id),
            new PolicyChange.SettingsChanged(true));
    long revision = 10;
    for (PolicyChange change : changes) {
      OutboxEntry entry = new OutboxEntry(revision, revision - 3, change, T0);

      assertThat(codec.decode(codec.encode(entry))).isEqualTo(entry);
      revision += 5;
    }
  }

  @Test
  void theBodyHasTheDocumentedShape() throws Exception {
    OutboxEntry entry = new OutboxEntry(7, 5, new PolicyChange.UserDeleted("carol"), T0);

    var tree = new ObjectMapper().readTree(codec.encode(entry));

    assertThat(tree.get("revision").asLong()).isEqualTo(7);
    assertThat(tree.get("previousRevision").asLong()).isEqualTo(5);
    assertThat(tree.get("kind").asText()).isEqualTo("user.deleted");
    assertThat(tree.get("createdAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
    assertThat(tree.get("change").get("name").asText()).isEqualTo("carol");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[1]",
        "{\"revision\":",
        "{\"previousRevision\":0,\"kind\":\"user.deleted\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"name\":\"a\"}}",
        "{\"revision\":\"1\",\"previousRevision\":0,\"kind\":\"user.deleted\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"name\":\"a\"}}",
        "{\"revision\":1,\"previousRevision\":1,\"kind\":\"user.deleted\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"name\":\"a\"}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"user.renamed\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"name\":\"a\"}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"user.deleted\",\"createdAt\":\"yesterday\",\"change\":{\"name\":\"a\"}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"user.deleted\",\"createdAt\":\"2026-01-02T03:04:05Z\"}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"user.deleted\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"name\":7}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"rule.moved\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"id\":\"x\",\"position\":1}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"rule.put\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"id\":\"00000000-0000-4000-8000-000000000000\",\"position\":1,\"action\":\"allow\",\"destinations\":[\"no such/pattern\"]}}",
        "{\"revision\":1,\"previousRevision\":0,\"kind\":\"settings.changed\",\"createdAt\":\"2026-01-02T03:04:05Z\",\"change\":{\"anonymous\":\"yes\"}}"
      })
  void aBodyThatDoesNotDecodeIsRefusedWithAReason(String body) {
    assertThatThrownBy(() -> codec.decode(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .isNotBlank();
  }

  @Test
  void anUnknownKindIsNamedInTheReason() {
    assertThatThrownBy(() -> new PolicyChangeCodec().decode("user.renamed", "{}"))
        .hasMessageContaining("unknown change kind \"user.renamed\"");
  }
}
