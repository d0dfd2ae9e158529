package dev.zcproxy.it;

import static dev.zcproxy.it.support.SocksAssertions.assertSocks4Rejection;
import static dev.zcproxy.it.support.SocksAssertions.assertSocks5Refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Reply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SOCKS5 CONNECT with real curl, user/password authentication, and the proxy's refusals as curl
 * reports them. One proxy serves the whole class; each user in its policy stands for one case.
 */
class Socks5CurlIT {

  @TempDir static Path workDir;

  static OriginServer origin;
  static OriginServer otherOrigin;
  static int closedPort;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    origin = OriginServer.start();
    otherOrigin = OriginServer.start();
    closedPort = FreePorts.closed();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Socks5CurlIT")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}wonderland" }
                  - { name: bob, password: "{plain}builder" }
                  - { name: carol, password: "{plain}secret" }
                  - { name: dave, password: "{plain}dragon", groups: [staff] }
                rules:
                  # dave: admitted through his group, to the other origin only.
                  - action: allow
                    groups: [staff]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%3$d"]
                  # carol: an explicit deny in front of a broader allow.
                  - action: deny
                    users: [carol]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%1$d"]
                  - action: allow
                    users: [carol]
                    destinations: ["127.0.0.1/32"]
                  # alice: the origin, a closed port, and names that cannot resolve.
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32", "localhost", "*.invalid"]
                    ports: ["%1$d", "%2$d"]
                    protocols: [tcp]
                  # bob: "*" is any public address, which loopback is not.
                  - action: allow
                    users: [bob]
                    destinations: ["*"]
                """
                    .formatted(origin.port(), closedPort, otherOrigin.port()))
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin, otherOrigin);
  }

  @Test
  void fetchesThroughSocks5WithUserAndPassword() {
    Curl.Result result =
        Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void proxyResolvesLocalhostAndAdmitsItThroughTheLoopbackCidr() {
    Curl.Result result =
        Curl.socks5Hostname(proxy.port())
            .user("alice", "wonderland")
            .fetch(origin.url("localhost", "/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void relaysEightMebibytesByteForByte() {
    Curl.Result result =
        Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/large"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.body()).hasSize(OriginServer.LARGE_BODY_SIZE);
    assertThat(result.bodySha256()).isEqualTo(OriginServer.largeBodySha256());
    proxy.assertCleanLog();
  }

  @Test
  void wrongPasswordFailsAuthentication() {
    Curl.Result result =
        Curl.socks5(proxy.port()).user("alice", "looking-glass").fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    assertThat(result.stderr()).contains("User was rejected by the SOCKS5 server");
    assertThat(result.body()).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void unknownUserFailsAuthentication() {
    Curl.Result result =
        Curl.socks5(proxy.port()).user("mallory", "wonderland").fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    assertThat(result.stderr()).contains("User was rejected by the SOCKS5 server");
    proxy.assertCleanLog();
  }

  @Test
  void clientWithoutCredentialsFindsNoAcceptableMethod() {
    Curl.Result result = Curl.socks5(proxy.port()).fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    assertThat(result.stderr()).contains("No authentication method was acceptable");
    proxy.assertCleanLog();
  }

  @Test
  void portOutsideTheRuleIsNotAllowedByRuleset() {
    // The other origin is up: only the policy can refuse it.
    Curl.Result result =
        Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(otherOrigin.url("/hello"));

    assertSocks5Refusal(result, "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    proxy.assertCleanLog();
  }

  @Test
  void explicitDenyRuleWinsOverTheAllowAfterIt() {
    Curl.Result denied =
        Curl.socks5(proxy.port()).user("carol", "secret").fetch(origin.url("/hello"));
    Curl.Result allowed =
        Curl.socks5(proxy.port()).user("carol", "secret").fetch(otherOrigin.url("/hello"));

    assertSocks5Refusal(denied, "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    assertThat(allowed.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void groupRuleAdmitsItsMembers() {
    Curl.Result allowed =
        Curl.socks5(proxy.port()).user("dave", "dragon").fetch(otherOrigin.url("/hello"));
    Curl.Result denied =
        Curl.socks5(proxy.port()).user("dave", "dragon").fetch(origin.url("/hello"));

    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    assertThat(allowed.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    assertSocks5Refusal(denied, "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    proxy.assertCleanLog();
  }

  @Test
  void wildcardDestinationDoesNotAdmitLoopback() {
    Curl.Result byAddress =
        Curl.socks5(proxy.port()).user("bob", "builder").fetch(origin.url("/hello"));
    Curl.Result byName =
        Curl.socks5Hostname(proxy.port())
            .user("bob", "builder")
            .fetch(origin.url("localhost", "/hello"));

    assertSocks5Refusal(byAddress, "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    assertSocks5Refusal(byName, "localhost", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    proxy.assertCleanLog();
  }

  @Test
  void unresolvableHostIsHostUnreachable() {
    Curl.Result result =
        Curl.socks5Hostname(proxy.port())
            .user("alice", "wonderland")
            .fetch(origin.url("nonexistent.invalid", "/hello"));

    assertSocks5Refusal(result, "nonexistent.invalid", Socks5Reply.HOST_UNREACHABLE);
    proxy.assertCleanLog();
  }

  @Test
  void closedPortIsConnectionRefused() {
    Curl.Result result =
        Curl.socks5(proxy.port())
            .user("alice", "wonderland")
            .fetch("http://127.0.0.1:" + closedPort + "/hello");

    assertSocks5Refusal(result, "127.0.0.1", Socks5Reply.CONNECTION_REFUSED);
    proxy.assertCleanLog();
  }

  @Test
  void socks4IsRefusedWhenThePolicyIsNotAnonymous() {
    Curl.Result result = Curl.socks4(proxy.port()).fetch(origin.url("/hello"));

    assertSocks4Rejection(result);
    proxy.assertCleanLog();
  }
}
