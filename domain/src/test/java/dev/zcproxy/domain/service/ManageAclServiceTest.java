package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.contract.StateFixtures.allow;
import static dev.zcproxy.domain.service.ManageUsersServiceTest.done;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.DeleteRuleCommand;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceRuleCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.FieldProblem;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManageAclServiceTest {

  private static final Actor ADMIN = new Actor("0123456789ab");

  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final ManageAclService acl =
      new ManageAclService(
          memory,
          store.users(),
          store.rules(),
          store.outbox(),
          store.audit(),
          new MutableClock(StateFixtures.T0));

  @Test
  void createAppendsByDefaultAndInsertsWhereAsked() {
    StoredRule first = create(allow("a.example"), OptionalInt.empty());
    StoredRule second = create(allow("b.example"), OptionalInt.empty());
    StoredRule top = create(allow("c.example"), OptionalInt.of(1));

    assertThat(first.position()).isEqualTo(1);
    assertThat(second.position()).isEqualTo(2);
    assertThat(top.position()).isEqualTo(1);
    assertThat(acl.rules(0, 10).items())
        .extracting(StoredRule::id)
        .containsExactly(top.id(), first.id(), second.id());
    assertThat(lastChange()).isEqualTo(new PolicyChange.RulePut(top.id(), 1, top.rule()));
  }

  @Test
  void unknownUsersAndPositionsBeyondTheEndAreRejectedTogether() {
    AclRule naming =
        new AclRule(
            Action.ALLOW,
            Set.of("ghost"),
            Set.of(),
            StateFixtures.patterns("*"),
            List.of(),
            Set.of());

    Outcome<StoredRule> refused =
        acl.create(new CreateRuleCommand(naming, OptionalInt.of(3)), ADMIN);

    assertThat(refused)
        .isEqualTo(
            new Outcome.Rejected<StoredRule>(
                List.of(
                    new FieldProblem("users", "unknown user 'ghost'"),
                    new FieldProblem("position", "must be 1-1"))));
    assertThat(store.read(() -> store.outbox().headRevision())).isZero();
  }

  @Test
  void replaceKeepsThePosition() {
    create(allow("a.example"), OptionalInt.empty());
    StoredRule second = create(allow("b.example"), OptionalInt.empty());

    StoredRule replaced =
        done(
            acl.replace(
                new ReplaceRuleCommand(
                    second.id(), allow("z.example"), ExpectedVersion.exactly(second.version())),
                ADMIN));

    assertThat(replaced.position()).isEqualTo(2);
    assertThat(replaced.version()).isGreaterThan(second.version());
    assertThat(lastChange())
        .isEqualTo(new PolicyChange.RulePut(second.id(), 2, allow("z.example")));
  }

  @Test
  void moveIsItsOwnChangeAndChecksTheVersion() {
    StoredRule first = create(allow("a.example"), OptionalInt.empty());
    StoredRule second = create(allow("b.example"), OptionalInt.empty());

    assertThat(
            acl.move(
                new MoveRuleCommand(second.id(), 1, ExpectedVersion.exactly(first.version())),
                ADMIN))
        .isEqualTo(new Outcome.VersionMismatch<StoredRule>(second.version()));
    assertThat(acl.move(new MoveRuleCommand(second.id(), 3, ExpectedVersion.ANY), ADMIN))
        .isEqualTo(Outcome.Rejected.<StoredRule>of("position", "must be 1-2"));
    StoredRule moved =
        done(
            acl.move(
                new MoveRuleCommand(second.id(), 1, ExpectedVersion.exactly(second.version())),
                ADMIN));

    assertThat(moved.position()).isEqualTo(1);
    assertThat(lastChange()).isEqualTo(new PolicyChange.RuleMoved(second.id(), 1));
    assertThat(acl.rule(first.id()).orElseThrow().position()).isEqualTo(2);
  }

  @Test
  void deleteAndNotFound() {
    StoredRule rule = create(allow("a.example"), OptionalInt.empty());

    done(acl.delete(new DeleteRuleCommand(rule.id(), ExpectedVersion.ANY), ADMIN));

    assertThat(lastChange()).isEqualTo(new PolicyChange.RuleDeleted(rule.id()));
    assertThat(acl.delete(new DeleteRuleCommand(rule.id(), ExpectedVersion.ANY), ADMIN))
        .isInstanceOf(Outcome.NotFound.class);
    assertThat(acl.rule(RuleId.random())).isEmpty();
  }

  @Test
  void settingsChangeWithTheirVersion() {
    assertThat(acl.settings()).isEqualTo(PolicySettings.INITIAL);

    PolicySettings on =
        done(
            acl.updateSettings(new UpdateSettingsCommand(true, ExpectedVersion.exactly(0)), ADMIN));

    assertThat(on.anonymous()).isTrue();
    assertThat(lastChange()).isEqualTo(new PolicyChange.SettingsChanged(true));
    assertThat(
            acl.updateSettings(new UpdateSettingsCommand(false, ExpectedVersion.exactly(0)), ADMIN))
        .isEqualTo(new Outcome.VersionMismatch<PolicySettings>(on.version()));
  }

  @Test
  void rulePagesAreKeyedByPosition() {
    for (int i = 0; i < 3; i++) {
      create(allow("r" + i + ".example"), OptionalInt.empty());
    }

    var first = acl.rules(0, 2);
    assertThat(first.next()).contains("2");
    assertThat(acl.rules(2, 2).items()).extracting(StoredRule::position).containsExactly(3);
  }

  private StoredRule create(AclRule rule, OptionalInt position) {
    return done(acl.create(new CreateRuleCommand(rule, position), ADMIN));
  }

  private PolicyChange lastChange() {
    List<OutboxEntry> entries = store.read(() -> store.outbox().unpublished(100));
    return entries.getLast().change();
  }
}
