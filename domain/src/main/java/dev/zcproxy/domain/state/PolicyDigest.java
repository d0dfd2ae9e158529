package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.User;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A fingerprint of what a policy says: SHA-256 (lower-case hex) of its canonical text. Two policies
 * that say the same thing have the same digest however they were reached (a snapshot, or deltas
 * applied one by one), so a proxy's digest can be compared with one computed from the database.
 *
 * <p>The canonical text is UTF-8, one line per item, each ended by {@code \n}:
 *
 * <pre>
 * zcproxy-policy 1
 * anonymous false
 * user alice enabled=true groups=ops,staff password=14:{plain}secret!!
 * rule 3f0c6a52-... allow users=alice groups= destinations=*.example.com,10.0.0.0/8 ports=443,8000-8999 protocols=tcp
 * </pre>
 *
 * Users in name order; rules in position order, each with its id ({@code -} for a policy file's
 * rules, which have none); users and groups of a rule and a user's groups in name order; protocols
 * in name order; destinations and ports as written. The password hash is length-prefixed, since it
 * is the only field that may hold any character. The revision and the versions are not part of it:
 * they say when, not what.
 */
public final class PolicyDigest {

  static final String HEADER = "zcproxy-policy 1";

  private PolicyDigest() {}

  public static String of(PolicyRevision policy) {
    return sha256(canonicalText(policy));
  }

  /** The digest of a policy that has no rule ids (a policy file). */
  public static String of(Policy policy) {
    return sha256(canonicalText(policy));
  }

  public static String canonicalText(PolicyRevision policy) {
    var text = new StringBuilder();
    header(text, policy.settings().anonymous());
    users(text, policy.users().stream().map(StoredUser::user).toList());
    policy.rules().forEach(stored -> rule(text, stored.id().toString(), stored.rule()));
    return text.toString();
  }

  public static String canonicalText(Policy policy) {
    var text = new StringBuilder();
    header(text, policy.anonymous());
    users(text, policy.users());
    policy.rules().forEach(rule -> rule(text, "-", rule));
    return text.toString();
  }

  private static void header(StringBuilder text, boolean anonymous) {
    text.append(HEADER).append('\n').append("anonymous ").append(anonymous).append('\n');
  }

  private static void users(StringBuilder text, List<User> users) {
    users.stream()
        .sorted(Comparator.comparing(User::name))
        .forEach(
            user -> {
              String password = user.password().encoded();
              text.append("user ")
                  .append(user.name())
                  .append(" enabled=")
                  .append(user.enabled())
                  .append(" groups=")
                  .append(sorted(user.groups()))
                  .append(" password=")
                  .append(password.length())
                  .append(':')
                  .append(password)
                  .append('\n');
            });
  }

  private static void rule(StringBuilder text, String id, AclRule rule) {
    text.append("rule ")
        .append(id)
        .append(' ')
        .append(PolicyText.format(rule.action()))
        .append(" users=")
        .append(sorted(rule.users()))
        .append(" groups=")
        .append(sorted(rule.groups()))
        .append(" destinations=")
        .append(joined(rule.destinations(), DestinationPattern::toString))
        .append(" ports=")
        .append(joined(rule.ports(), PortRange::toString))
        .append(" protocols=")
        .append(
            String.join(",", rule.protocols().stream().map(PolicyText::format).sorted().toList()))
        .append('\n');
  }

  private static String sorted(Collection<String> names) {
    return String.join(",", names.stream().sorted().toList());
  }

  private static <T> String joined(List<T> items, Function<T, String> format) {
    return String.join(",", items.stream().map(format).toList());
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }
}
