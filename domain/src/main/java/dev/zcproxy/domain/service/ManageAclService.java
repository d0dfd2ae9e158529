package dev.zcproxy.domain.service;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.DeleteRuleCommand;
import dev.zcproxy.domain.port.in.ManageAclUseCase;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceRuleCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.Deleted;
import dev.zcproxy.domain.state.FieldProblem;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Manages the ordered rules and the settings. */
public final class ManageAclService implements ManageAclUseCase {

  private final UnitOfWork unitOfWork;
  private final UserRepository users;
  private final AclRepository rules;
  private final PolicyJournal journal;

  public ManageAclService(
      UnitOfWork unitOfWork,
      UserRepository users,
      AclRepository rules,
      PolicyChangeOutbox outbox,
      AuditLog audit,
      Clock clock) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.users = Objects.requireNonNull(users, "users");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.journal =
        new PolicyJournal(
            Objects.requireNonNull(outbox, "outbox"),
            Objects.requireNonNull(audit, "audit"),
            Objects.requireNonNull(clock, "clock"));
  }

  @Override
  public Page<StoredRule> rules(int afterPosition, int limit) {
    PageRequest.requireLimit(limit);
    return unitOfWork.read(
        () ->
            Page.of(
                rules.list(Math.max(0, afterPosition), limit + 1),
                limit,
                rule -> Integer.toString(rule.position())));
  }

  @Override
  public Optional<StoredRule> rule(RuleId id) {
    return unitOfWork.read(() -> rules.find(id));
  }

  @Override
  public Outcome<StoredRule> create(CreateRuleCommand command, Actor actor) {
    AclRule rule = command.rule();
    return unitOfWork.write(
        () -> {
          List<FieldProblem> problems = unknownUsers(rule);
          int count = rules.count();
          int position = command.position().orElse(count + 1);
          if (position > count + 1) {
            problems.add(new FieldProblem("position", "must be 1-" + (count + 1)));
          }
          if (!problems.isEmpty()) {
            return new Outcome.Rejected<>(problems);
          }
          RuleId id = RuleId.random();
          long revision =
              journal.record(
                  new PolicyChange.RulePut(id, position, rule),
                  actor,
                  "rule.create",
                  id.toString());
          StoredRule stored = new StoredRule(id, position, rule, revision);
          rules.insert(stored);
          return new Outcome.Done<>(stored);
        });
  }

  @Override
  public Outcome<StoredRule> replace(ReplaceRuleCommand command, Actor actor) {
    RuleId id = command.id();
    return unitOfWork.write(
        () -> {
          Optional<StoredRule> found = rules.find(id);
          if (found.isEmpty()) {
            return notFound(id);
          }
          StoredRule current = found.get();
          if (!command.expected().matches(current.version())) {
            return new Outcome.VersionMismatch<>(current.version());
          }
          List<FieldProblem> problems = unknownUsers(command.rule());
          if (!problems.isEmpty()) {
            return new Outcome.Rejected<>(problems);
          }
          if (command.rule().equals(current.rule())) {
            return new Outcome.Done<>(current);
          }
          long revision =
              journal.record(
                  new PolicyChange.RulePut(id, current.position(), command.rule()),
                  actor,
                  "rule.replace",
                  id.toString());
          StoredRule stored = new StoredRule(id, current.position(), command.rule(), revision);
          rules.replace(stored);
          return new Outcome.Done<>(stored);
        });
  }

  @Override
  public Outcome<StoredRule> move(MoveRuleCommand command, Actor actor) {
    RuleId id = command.id();
    return unitOfWork.write(
        () -> {
          Optional<StoredRule> found = rules.find(id);
          if (found.isEmpty()) {
            return notFound(id);
          }
          StoredRule current = found.get();
          if (!command.expected().matches(current.version())) {
            return new Outcome.VersionMismatch<>(current.version());
          }
          int count = rules.count();
          if (command.position() > count) {
            return Outcome.Rejected.of("position", "must be 1-" + count);
          }
          if (command.position() == current.position()) {
            return new Outcome.Done<>(current);
          }
          long revision =
              journal.record(
                  new PolicyChange.RuleMoved(id, command.position()),
                  actor,
                  "rule.move",
                  id.toString());
          rules.move(id, command.position(), revision);
          return new Outcome.Done<>(
              new StoredRule(id, command.position(), current.rule(), revision));
        });
  }

  @Override
  public Outcome<Deleted> delete(DeleteRuleCommand command, Actor actor) {
    RuleId id = command.id();
    return unitOfWork.write(
        () -> {
          Optional<StoredRule> found = rules.find(id);
          if (found.isEmpty()) {
            return notFound(id);
          }
          if (!command.expected().matches(found.get().version())) {
            return new Outcome.VersionMismatch<>(found.get().version());
          }
          long revision =
              journal.record(new PolicyChange.RuleDeleted(id), actor, "rule.delete", id.toString());
          rules.delete(id);
          return new Outcome.Done<>(new Deleted(revision));
        });
  }

  @Override
  public PolicySettings settings() {
    return unitOfWork.read(rules::settings);
  }

  @Override
  public Outcome<PolicySettings> updateSettings(UpdateSettingsCommand command, Actor actor) {
    return unitOfWork.write(
        () -> {
          PolicySettings current = rules.settings();
          if (!command.expected().matches(current.version())) {
            return new Outcome.VersionMismatch<>(current.version());
          }
          if (command.anonymous() == current.anonymous()) {
            return new Outcome.Done<>(current);
          }
          long revision =
              journal.record(
                  new PolicyChange.SettingsChanged(command.anonymous()),
                  actor,
                  "settings.update",
                  "settings");
          PolicySettings updated = new PolicySettings(command.anonymous(), revision);
          rules.saveSettings(updated);
          return new Outcome.Done<>(updated);
        });
  }

  /** A rule may name only users that exist: a typo would otherwise silently match no one. */
  private List<FieldProblem> unknownUsers(AclRule rule) {
    var problems = new ArrayList<FieldProblem>();
    rule.users().stream()
        .sorted()
        .filter(user -> users.find(user).isEmpty())
        .forEach(user -> problems.add(new FieldProblem("users", "unknown user '" + user + "'")));
    return problems;
  }

  private static <T> Outcome<T> notFound(RuleId id) {
    return new Outcome.NotFound<>("no rule " + id);
  }
}
