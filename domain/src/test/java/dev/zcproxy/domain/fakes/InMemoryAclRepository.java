package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Rules in a list whose index is the position minus one; positions are renumbered on read. */
final class InMemoryAclRepository implements AclRepository {

  private final InMemoryStore store;

  InMemoryAclRepository(InMemoryStore store) {
    this.store = store;
  }

  @Override
  public Optional<StoredRule> find(RuleId id) {
    return all().stream().filter(rule -> rule.id().equals(id)).findFirst();
  }

  @Override
  public List<StoredRule> list(int afterPosition, int limit) {
    return all().stream().skip(Math.max(0, afterPosition)).limit(limit).toList();
  }

  @Override
  public List<StoredRule> all() {
    List<StoredRule> rules = store.current().rules;
    var numbered = new ArrayList<StoredRule>(rules.size());
    for (int i = 0; i < rules.size(); i++) {
      numbered.add(rules.get(i).at(i + 1));
    }
    return numbered;
  }

  @Override
  public int count() {
    return store.current().rules.size();
  }

  @Override
  public void insert(StoredRule rule) {
    List<StoredRule> rules = store.current().requireWritable().rules;
    if (indexOf(rule.id()) >= 0) {
      throw new IllegalStateException("duplicate rule " + rule.id());
    }
    if (rule.position() > rules.size() + 1) {
      throw new IllegalArgumentException("position " + rule.position() + " beyond the end");
    }
    rules.add(rule.position() - 1, rule);
  }

  @Override
  public void replace(StoredRule rule) {
    List<StoredRule> rules = store.current().requireWritable().rules;
    int index = requireIndex(rule.id());
    rules.set(index, rule.at(index + 1));
  }

  @Override
  public void move(RuleId id, int position, long version) {
    List<StoredRule> rules = store.current().requireWritable().rules;
    if (position > rules.size()) {
      throw new IllegalArgumentException("position " + position + " beyond the end");
    }
    StoredRule rule = rules.remove(requireIndex(id));
    rules.add(position - 1, new StoredRule(id, position, rule.rule(), version));
  }

  @Override
  public void delete(RuleId id) {
    int index = indexOf(id);
    if (index >= 0) {
      store.current().requireWritable().rules.remove(index);
    }
  }

  @Override
  public PolicySettings settings() {
    return store.current().settings;
  }

  @Override
  public void saveSettings(PolicySettings settings) {
    store.current().requireWritable().settings = settings;
  }

  private int indexOf(RuleId id) {
    List<StoredRule> rules = store.current().rules;
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).id().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private int requireIndex(RuleId id) {
    int index = indexOf(id);
    if (index < 0) {
      throw new IllegalStateException("no rule " + id);
    }
    return index;
  }
}
