package dev.zcproxy.it.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A stream of policy mutations over the state service's REST API: users and rules created,
 * replaced, moved and deleted in a seeded random mix, as an operator's scripts would make them.
 * Rules name only the few users made first, which are never deleted, so every mutation is valid.
 */
public final class PolicyChurn {

  private static final int ANCHORS = 4;

  private final LiveStateService state;
  private final String prefix;
  private final Random random;
  private final List<String> users = new ArrayList<>();
  private final List<String> rules = new ArrayList<>();
  private int made;
  private int nextUser;

  /**
   * @param prefix keeps the names apart from anything else in the schema
   */
  public PolicyChurn(LiveStateService state, String prefix, long seed) {
    this.state = state;
    this.prefix = prefix;
    this.random = new Random(seed);
  }

  /** Makes {@code count} more mutations, each one acknowledged by the API before the next. */
  public void mutate(int count) {
    for (int i = 0; i < count; i++) {
      mutateOnce();
      made++;
    }
  }

  /** How many mutations were made so far. */
  public int made() {
    return made;
  }

  private void mutateOnce() {
    if (made < ANCHORS) {
      state.createUser(anchor(made));
      return;
    }
    if (rules.size() < 3) {
      createRule();
      return;
    }
    int dice = random.nextInt(100);
    if (dice < 20) {
      String name = prefix + "-u" + nextUser++;
      state.createUser(name);
      users.add(name);
    } else if (dice < 35 && !users.isEmpty()) {
      state.replaceUser(pick(users), random.nextBoolean(), "staff", "g" + random.nextInt(5));
    } else if (dice < 45 && !users.isEmpty()) {
      state.deleteUser(users.remove(random.nextInt(users.size())));
    } else if (dice < 65) {
      createRule();
    } else if (dice < 80) {
      state.replaceRule(pick(rules), anchor(random.nextInt(ANCHORS)), port(), port());
    } else if (dice < 90) {
      state.moveRule(pick(rules), 1 + random.nextInt(rules.size()));
    } else {
      state.deleteRule(rules.remove(random.nextInt(rules.size())));
    }
  }

  private void createRule() {
    rules.add(state.createRule(anchor(random.nextInt(ANCHORS)), port()));
  }

  private String anchor(int index) {
    return prefix + "-anchor" + index;
  }

  private int port() {
    return 1024 + random.nextInt(60_000);
  }

  private String pick(List<String> from) {
    return from.get(random.nextInt(from.size()));
  }
}
