package dev.zcproxy.domain.contract;

import static dev.zcproxy.domain.contract.StateFixtures.allow;
import static dev.zcproxy.domain.contract.StateFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@code AclRepository} must do; subclasses supply a fresh, empty store per test. */
public abstract class AbstractAclRepositoryContractTest {

  protected StorePorts store;

  protected abstract StorePorts emptyStore();

  @BeforeEach
  void openStore() {
    store = emptyStore();
  }

  @Test
  void everyFieldFormRoundTrips() {
    StoredRule stored = new StoredRule(RuleId.random(), 1, StateFixtures.everyForm(), 3);
    store.writeAll(() -> store.rules().insert(stored));

    assertThat(store.read(() -> store.rules().find(stored.id()))).contains(stored);
    assertThat(store.read(() -> store.rules().find(RuleId.random()))).isEmpty();
  }

  @Test
  void insertShiftsLaterRulesDownWithoutTouchingTheirVersions() {
    StoredRule first = rule(1, 1, "a.example");
    StoredRule second = rule(2, 2, "b.example");
    StoredRule inserted = rule(1, 3, "c.example");
    store.writeAll(() -> store.rules().insert(first));
    store.writeAll(() -> store.rules().insert(second));
    store.writeAll(() -> store.rules().insert(inserted));

    assertThat(store.read(() -> store.rules().all()))
        .containsExactly(inserted, first.at(2), second.at(3));
    assertThat(store.read(() -> store.rules().count())).isEqualTo(3);
  }

  @Test
  void replaceChangesContentAndVersionButNotPosition() {
    StoredRule first = rule(1, 1, "a.example");
    StoredRule second = rule(2, 2, "b.example");
    store.writeAll(
        () -> {
          store.rules().insert(first);
          store.rules().insert(second);
        });
    StoredRule replaced = new StoredRule(first.id(), 2, allow("z.example"), 9);
    store.writeAll(() -> store.rules().replace(replaced));

    assertThat(store.read(() -> store.rules().all())).containsExactly(replaced.at(1), second);
  }

  @Test
  void moveUpAndDownKeepsPositionsContiguous() {
    List<StoredRule> rules =
        List.of(
            rule(1, 1, "a.example"),
            rule(2, 1, "b.example"),
            rule(3, 1, "c.example"),
            rule(4, 1, "d.example"));
    store.writeAll(() -> rules.forEach(store.rules()::insert));

    store.writeAll(() -> store.rules().move(rules.get(3).id(), 1, 5));
    assertThat(ids())
        .containsExactly(
            rules.get(3).id(), rules.get(0).id(), rules.get(1).id(), rules.get(2).id());

    store.writeAll(() -> store.rules().move(rules.get(3).id(), 3, 6));
    List<StoredRule> after = store.read(() -> store.rules().all());
    assertThat(after)
        .extracting(StoredRule::id)
        .containsExactly(
            rules.get(0).id(), rules.get(1).id(), rules.get(3).id(), rules.get(2).id());
    assertThat(after).extracting(StoredRule::position).containsExactly(1, 2, 3, 4);
    assertThat(after.get(2).version()).isEqualTo(6);
    assertThat(after.get(0).version()).isEqualTo(1);
  }

  @Test
  void deleteClosesTheGap() {
    List<StoredRule> rules =
        List.of(rule(1, 1, "a.example"), rule(2, 1, "b.example"), rule(3, 1, "c.example"));
    store.writeAll(() -> rules.forEach(store.rules()::insert));

    store.writeAll(() -> store.rules().delete(rules.get(1).id()));

    assertThat(store.read(() -> store.rules().all()))
        .containsExactly(rules.get(0), rules.get(2).at(2));
  }

  @Test
  void listPagesByPosition() {
    store.writeAll(
        () -> {
          for (int i = 1; i <= 5; i++) {
            store.rules().insert(rule(i, 1, "r" + i + ".example"));
          }
        });

    assertThat(store.read(() -> store.rules().list(0, 2)))
        .extracting(StoredRule::position)
        .containsExactly(1, 2);
    assertThat(store.read(() -> store.rules().list(2, 2)))
        .extracting(StoredRule::position)
        .containsExactly(3, 4);
    assertThat(store.read(() -> store.rules().list(4, 2)))
        .extracting(StoredRule::position)
        .containsExactly(5);
  }

  @Test
  void settingsStartDenyingAnonymousAndAreSaved() {
    assertThat(store.read(() -> store.rules().settings())).isEqualTo(PolicySettings.INITIAL);

    store.writeAll(() -> store.rules().saveSettings(new PolicySettings(true, 4)));

    assertThat(store.read(() -> store.rules().settings())).isEqualTo(new PolicySettings(true, 4));
  }

  @Test
  void refusesUseOutsideAUnitOfWork() {
    assertThatThrownBy(() -> store.rules().count()).isInstanceOf(IllegalStateException.class);
  }

  private List<RuleId> ids() {
    return store.read(() -> store.rules().all()).stream().map(StoredRule::id).toList();
  }
}
