package dev.zcproxy.app.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import ch.qos.logback.classic.Level;
import dev.zcproxy.app.proxy.LogCapture;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyFileLoaderTest {

  /** A cheap but well-formed hash: the loader checks the form, never the password. */
  private static final String BOB_HASH = new Pbkdf2PasswordHasher(10_000).hash("builder");

  @TempDir Path directory;

  private final PolicyFileLoader loader = new PolicyFileLoader();

  @Test
  void readsAGoodFile() throws Exception {
    Policy policy =
        load(
            """
            anonymous: true
            users:
              - { name: alice, password: "{plain}wonderland", groups: [staff, ops] }
              - name: bob
                password: "%s"
                enabled: false
            rules:
              - action: deny
                users: [bob]
                destinations: ["*.internal.example.com"]
                ports: ["22", 3306, "8000-8999"]
                protocols: [tcp]
              - action: allow
                groups: [staff]
                destinations: ["127.0.0.1/32", "::1/128", localhost, "*"]
              - action: ALLOW
                destinations: ["*"]
                protocols: [UDP]
            """
                .formatted(BOB_HASH));

    assertThat(policy.anonymous()).isTrue();
    assertThat(policy.users())
        .containsExactly(
            new User("alice", new PasswordHash("{plain}wonderland"), Set.of("staff", "ops"), true),
            new User("bob", new PasswordHash(BOB_HASH), Set.of(), false));
    assertThat(policy.rules())
        .containsExactly(
            new AclRule(
                Action.DENY,
                Set.of("bob"),
                Set.of(),
                List.of(DestinationPattern.parse("*.internal.example.com")),
                List.of(PortRange.single(22), PortRange.single(3306), new PortRange(8000, 8999)),
                Set.of(Protocol.TCP)),
            new AclRule(
                Action.ALLOW,
                Set.of(),
                Set.of("staff"),
                List.of(
                    DestinationPattern.parse("127.0.0.1/32"),
                    DestinationPattern.parse("::1/128"),
                    DestinationPattern.parse("localhost"),
                    DestinationPattern.parse("*")),
                List.of(),
                Set.of()),
            new AclRule(
                Action.ALLOW,
                Set.of(),
                Set.of(),
                List.of(DestinationPattern.parse("*")),
                List.of(),
                Set.of(Protocol.UDP)));
  }

  @Test
  void theShippedExampleLoads() throws Exception {
    Policy policy = loader.load(examples().resolve("policy.yaml"));

    assertThat(policy.users()).extracting(User::name).containsExactly("alice");
    assertThat(policy.rules()).hasSize(1);
  }

  @Test
  void anExplicitlyEmptyRuleListIsADenyAllPolicy() throws Exception {
    assertThat(load("rules: []")).isEqualTo(Policy.denyAll());
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        arguments("", "the file is empty (write \"rules: []\" to admit no one)"),
        arguments("[a, b]", "expected a mapping with users and rules, got a list"),
        arguments("rule: []", "rule: unknown key"),
        arguments("anonymous: maybe", "anonymous: expected true or false, got \"maybe\""),
        arguments("users: alice", "users: expected a list like [a, b], got \"alice\""),
        arguments(
            "users: [alice]",
            "users[0]: expected a mapping with name and password," + " got \"alice\""),
        arguments("users: [{ password: \"{plain}x\" }]", "users[0].name: missing"),
        arguments(
            "users: [{ name: no, password: \"{plain}x\" }]",
            "users[0].name: expected a user name, got false (quote words like \"no\" or \"on\")"),
        arguments(
            "users: [{ name: \"al ice\", password: \"{plain}x\" }]",
            "users[0].name: user name must be 1-255 characters of A-Z a-z 0-9 . _ @ -, got: al"
                + " ice"),
        arguments("users: [{ name: a }]", "users[0].password: missing"),
        arguments(
            "users: [{ name: a, password: \"{plain}x\", group: [g] }]",
            "users[0].group: unknown key"),
        arguments(
            "users: [{ name: a, password: \"{plain}x\", groups: [\"b c\"] }]",
            "users[0].groups[0]: group name must be 1-255 characters of A-Z a-z 0-9 . _ @ -, got:"
                + " b c"),
        arguments(
            "users: [{ name: a, password: \"{plain}x\", enabled: sometimes }]",
            "users[0].enabled: expected true or false, got \"sometimes\""),
        arguments(
            "users: [{ name: a, password: \"{plain}x\" }, { name: a, password: \"{plain}y\" }]",
            "users[1].name: duplicate user 'a' (first at users[0])"),
        arguments(
            "rules: [allow]",
            "rules[0]: expected a mapping with action and destinations," + " got \"allow\""),
        arguments(
            "rules: [{ destinations: [\"*\"] }]",
            "rules[0].action: missing; expected allow or deny"),
        arguments(
            "rules: [{ action: permit, destinations: [\"*\"] }]",
            "rules[0].action: expected allow or deny, got \"permit\""),
        arguments(
            "rules: [{ action: allow }]",
            "rules[0].destinations: missing; a rule needs at least one destination"),
        arguments(
            "rules: [{ action: allow, destinations: [] }]",
            "rules[0].destinations: empty; a rule needs at least one destination"),
        arguments(
            "rules: [{ action: allow, destinations: [\"10.0.0.0/33\"] }]",
            "rules[0].destinations[0]: prefix length must be 0-32, got 33"),
        arguments(
            "rules: [{ action: allow, destinations: [42] }]",
            "rules[0].destinations[0]: expected a host, *.suffix, CIDR block or \"*\", got 42"),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], ports: [\"http\"] }]",
            "rules[0].ports[0]: expected a port or a range like 8000-8999, got \"http\""),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], ports: [\"90-80\"] }]",
            "rules[0].ports[0]: port range must be within 1-65535 with from <= to, got 90-80"),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], ports: [0] }]",
            "rules[0].ports[0]: port range must be within 1-65535 with from <= to, got 0-0"),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], protocols: [sctp] }]",
            "rules[0].protocols[0]: expected tcp or udp, got \"sctp\""),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], users: [carol] }]",
            "rules[0].users[0]: unknown user 'carol'"),
        arguments(
            "rules: [{ action: allow, destinations: [\"*\"], where: here }]",
            "rules[0].where: unknown key"),
        arguments(
            "users: [{ name: a, password: \"{plain}x\"",
            "invalid YAML at line 1, column 40:" + " expected ',' or '}', but got <stream end>"));
  }

  @ParameterizedTest
  @MethodSource("badFiles")
  void eachProblemIsReportedWithItsPath(String yaml, String expected) throws IOException {
    Path file = write(yaml);

    assertThat(problems(file)).containsExactly("policy file " + file + ": " + expected);
  }

  @Test
  void allProblemsAreReportedTogether() throws IOException {
    Path file =
        write(
            """
            users:
              - { name: alice, password: "{plain}x" }
              - { name: bob }
            rules:
              - { action: allow, users: [alice, bob, carol], destinations: ["*"] }
              - { action: allow, destinations: ["*"], ports: ["1-2-3"] }
              - { action: allow, destinations: ["*"], ports: ["80"], protocols: [icmp] }
            """);

    assertThat(problems(file))
        .containsExactly(
            "policy file " + file + ": users[1].password: missing",
            "policy file " + file + ": rules[0].users[2]: unknown user 'carol'",
            "policy file "
                + file
                + ": rules[1].ports[0]: expected a port or a range like 8000-8999, got \"1-2-3\"",
            "policy file " + file + ": rules[2].protocols[0]: expected tcp or udp, got \"icmp\"");
  }

  @Test
  void passwordsNeverAppearInProblems() throws IOException {
    Path file =
        write(
            """
            users:
              - { name: a, password: "$pbkdf2-sha256$i=1$c2VjcmV0LXNhbHQ$c2VjcmV0LWhhc2gtdmFsdWU" }
              - { name: b, password: "hunter2" }
              - { name: c, password: 123456789 }
              - { name: d, password: "{plain}" }
            """);

    List<String> problems = problems(file);

    assertThat(problems)
        .hasSize(4)
        .allSatisfy(
            problem ->
                assertThat(problem)
                    .doesNotContain("c2VjcmV0", "hunter2", "123456789")
                    .contains(".password: "));
    assertThat(problems.get(2)).endsWith("users[2].password: expected a string, got a number");
  }

  @Test
  void malformedYamlDoesNotQuoteTheFile() throws IOException {
    Path file = write("users:\n  - { name: a, password: \"{plain}s3cret\n");

    assertThat(problems(file)).singleElement().asString().doesNotContain("s3cret");
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = directory.resolve("absent.yaml");

    assertThat(problems(missing)).containsExactly("policy file " + missing + ": no such file");
  }

  @Test
  void warnsOncePerLoadForEachPlainPassword() throws Exception {
    Path file =
        write(
            """
            users:
              - { name: alice, password: "{plain}wonderland" }
              - { name: bob, password: "%s" }
              - { name: carol, password: "{plain}x" }
            """
                .formatted(BOB_HASH));

    try (LogCapture log = LogCapture.of(PolicyFileLoader.class)) {
      loader.load(file);

      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "user 'alice' has a {plain} password: development only, use a $pbkdf2-sha256$ hash"
                  + " (java -jar zcproxy-proxy.jar hash-password)",
              "user 'carol' has a {plain} password: development only, use a $pbkdf2-sha256$ hash"
                  + " (java -jar zcproxy-proxy.jar hash-password)");
    }
  }

  static Path examples() {
    Path here = Path.of("").toAbsolutePath();
    Path examples = here.resolveSibling("examples");
    return Files.isDirectory(examples) ? examples : here.resolve("examples");
  }

  private Policy load(String yaml) throws Exception {
    return loader.load(write(yaml));
  }

  private List<String> problems(Path file) {
    return catchThrowableOfType(ConfigException.class, () -> loader.load(file)).problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("policy.yaml"), yaml);
  }
}
