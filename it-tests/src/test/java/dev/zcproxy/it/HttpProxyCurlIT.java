package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.OriginServer.ReceivedRequest;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.RawHttp;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP proxy on the shared port with real curl: forwarding with Basic credentials, CONNECT
 * ({@code -p}), the proxy's refusals as curl reports them, and keep-alive. One proxy serves the
 * whole class; each test gives its requests a path of its own, so that what the origin received can
 * be told apart.
 */
class HttpProxyCurlIT {

  private static final String VIA_OF_THIS_PROXY = "1\\.1 zcproxy-[0-9a-f]{8}";

  @TempDir static Path workDir;

  static OriginServer origin;
  static OriginServer deniedOrigin;
  static OriginServer unlistedOrigin;
  static int closedPort;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    origin = OriginServer.start();
    deniedOrigin = OriginServer.start();
    unlistedOrigin = OriginServer.start();
    closedPort = FreePorts.closed();
    proxy =
        ProxyProcess.builder(workDir)
            .name("HttpProxyCurlIT")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}wonderland" }
                rules:
                  # Rule 1: an explicit deny, named in the 403's body.
                  - action: deny
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%2$d"]
                  # The origin, a closed port, and names that cannot resolve. The unlisted
                  # origin is up, but no rule names its port.
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32", "*.invalid"]
                    ports: ["%1$d", "%3$d"]
                """
                    .formatted(origin.port(), deniedOrigin.port(), closedPort))
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin, deniedOrigin, unlistedOrigin);
  }

  private static Curl alice() {
    return Curl.httpProxy(proxy.port()).user("alice", "wonderland");
  }

  @Test
  void forwardsWithBasicCredentialsAndNamesItselfInVia() {
    Curl.Result result = alice().fetch(origin.url("/hello/forward"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    assertThat(result.header("Via")).matches(VIA_OF_THIS_PROXY);
    List<ReceivedRequest> received = origin.requestsTo("/hello/forward");
    assertThat(received).hasSize(1);
    ReceivedRequest request = received.getFirst();
    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.path()).isEqualTo("/hello/forward");
    assertThat(request.header("Host")).containsExactly("127.0.0.1:" + origin.port());
    assertThat(request.header("Via")).singleElement().asString().matches(VIA_OF_THIS_PROXY);
    assertThat(request.header("Proxy-Authorization")).isEmpty();
    assertThat(request.header("Proxy-Connection")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void requestWithoutCredentialsGetsBasicChallenge() {
    Curl.Result result = Curl.httpProxy(proxy.port()).fetch(origin.url("/hello/no-credentials"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(407);
    assertThat(result.header("Proxy-Authenticate")).startsWith("Basic realm=\"zcproxy\"");
    assertThat(result.header("Connection")).isEqualToIgnoringCase("close");
    assertThat(origin.requestsTo("/hello/no-credentials")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void wrongPasswordGets407() {
    Curl.Result result =
        Curl.httpProxy(proxy.port())
            .user("alice", "looking-glass")
            .fetch(origin.url("/hello/wrong-password"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(407);
    assertThat(result.header("Proxy-Authenticate")).startsWith("Basic realm=\"zcproxy\"");
    assertThat(result.bodyText()).doesNotContain("looking-glass");
    assertThat(origin.requestsTo("/hello/wrong-password")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void unknownUserGets407() {
    Curl.Result result =
        Curl.httpProxy(proxy.port())
            .user("mallory", "wonderland")
            .fetch(origin.url("/hello/unknown-user"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(407);
    assertThat(origin.requestsTo("/hello/unknown-user")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void connectTunnelCarriesTheRequestUntouched() {
    Curl.Result result = alice().tunnel().fetch(origin.url("/hello/tunnel"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.responseHeads()).startsWith("HTTP/1.1 200 Connection established");
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    // Inside a tunnel the proxy sees only bytes: no Via, and the credentials stayed with CONNECT.
    ReceivedRequest request = origin.requestsTo("/hello/tunnel").getFirst();
    assertThat(request.header("Via")).isEmpty();
    assertThat(request.header("Proxy-Authorization")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void connectTunnelRelaysEightMebibytesByteForByte() {
    Curl.Result result = alice().tunnel().fetch(origin.url("/large"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.body()).hasSize(OriginServer.LARGE_BODY_SIZE);
    assertThat(result.bodySha256()).isEqualTo(OriginServer.largeBodySha256());
    proxy.assertCleanLog();
  }

  @Test
  void forwardRelaysEightMebibytesByteForByte() {
    Curl.Result result = alice().fetch(origin.url("/large"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.body()).hasSize(OriginServer.LARGE_BODY_SIZE);
    assertThat(result.bodySha256()).isEqualTo(OriginServer.largeBodySha256());
    proxy.assertCleanLog();
  }

  @Test
  void connectWithoutCredentialsGets407() {
    Curl.Result result =
        Curl.httpProxy(proxy.port()).tunnel().fetch(origin.url("/hello/tunnel-no-credentials"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(result.stderr()).contains("CONNECT tunnel failed, response 407");
    assertThat(result.header("Proxy-Authenticate")).startsWith("Basic realm=\"zcproxy\"");
    assertThat(origin.requestsTo("/hello/tunnel-no-credentials")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void connectToPortOutsideThePolicyGets403() {
    Curl.Result result = alice().tunnel().fetch(unlistedOrigin.url("/hello/tunnel-unlisted"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(result.stderr()).contains("CONNECT tunnel failed, response 403");
    assertThat(result.body()).isEmpty();
    assertThat(unlistedOrigin.requestsTo("/")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void connectRefusalHasShortTextBodyNamingTheRule() {
    // curl does not show the body of a failed CONNECT: a raw socket does.
    RawHttp.Response response =
        RawHttp.exchange(
            proxy.port(),
            "CONNECT 127.0.0.1:%1$d HTTP/1.1\r\nHost: 127.0.0.1:%1$d\r\nProxy-Authorization: %2$s\r\n\r\n"
                .formatted(deniedOrigin.port(), RawHttp.basic("alice", "wonderland")));

    assertThat(response.status()).as(response.text()).isEqualTo(403);
    assertThat(response.text()).containsIgnoringCase("\r\nContent-Type: text/plain");
    // the same text as a forwarded request's 403: it names the rule
    assertThat(response.body())
        .isEqualTo(
            "127.0.0.1:" + deniedOrigin.port() + " not allowed for alice: denied by rule 1\n");
    assertThat(response.closed()).isTrue();
    proxy.assertCleanLog();
  }

  @Test
  void forwardToDeniedDestinationGets403NamingTheRule() {
    Curl.Result result = alice().fetch(deniedOrigin.url("/hello/denied"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(403);
    assertThat(result.bodyText())
        .isEqualTo(
            "127.0.0.1:" + deniedOrigin.port() + " not allowed for alice: denied by rule 1\n");
    assertThat(deniedOrigin.requestsTo("/")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void forwardToPortNoRuleNamesGets403() {
    Curl.Result result = alice().fetch(unlistedOrigin.url("/hello/unlisted"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(403);
    assertThat(result.bodyText()).contains("no rule allows this destination");
    assertThat(unlistedOrigin.requestsTo("/")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void closedPortIsBadGateway() {
    Curl.Result result = alice().fetch("http://127.0.0.1:" + closedPort + "/hello");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(502);
    assertThat(result.bodyText())
        .isEqualTo("connect to 127.0.0.1:" + closedPort + " failed: connection refused\n");
    proxy.assertCleanLog();
  }

  @Test
  void connectToClosedPortIsBadGateway() {
    Curl.Result result = alice().tunnel().fetch("http://127.0.0.1:" + closedPort + "/hello");

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(result.stderr()).contains("CONNECT tunnel failed, response 502");
    proxy.assertCleanLog();
  }

  @Test
  void unresolvableNameIsBadGateway() {
    Curl.Result result = alice().fetch(origin.url("nonexistent.invalid", "/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(502);
    assertThat(result.bodyText()).contains("nonexistent.invalid");
    proxy.assertCleanLog();
  }

  @Test
  void connectToUnresolvableNameIsBadGateway() {
    Curl.Result result = alice().tunnel().fetch(origin.url("nonexistent.invalid", "/hello"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(result.stderr()).contains("CONNECT tunnel failed, response 502");
    proxy.assertCleanLog();
  }

  @Test
  void twoRequestsShareOneClientAndOneOriginConnection() {
    Curl.Result result =
        alice()
            .verbose()
            .fetch(origin.url("/hello/keep-alive-1"), origin.url("/hello/keep-alive-2"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY + OriginServer.HELLO_BODY);
    assertThat(result.stderr()).contains("Re-using existing connection");
    assertThat(result.stderr()).containsOnlyOnce("Connected to 127.0.0.1");
    // The proxy pools its upstream connection too: the second request came on the first's.
    ReceivedRequest first = origin.requestsTo("/hello/keep-alive-1").getFirst();
    ReceivedRequest second = origin.requestsTo("/hello/keep-alive-2").getFirst();
    assertThat(second.clientPort()).isEqualTo(first.clientPort());
    proxy.assertCleanLog();
  }

  @Test
  void refusalClosesTheConnectionSoTheNextUrlGetsAFreshOne() {
    Curl.Result result =
        alice()
            .verbose()
            .fetch(deniedOrigin.url("/hello/denied-then"), origin.url("/hello/after-denial"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.stderr()).doesNotContain("Re-using existing connection");
    assertThat(origin.requestsTo("/hello/after-denial")).hasSize(1);
    proxy.assertCleanLog();
  }

  @Test
  void connectionCloseFromTheClientEndsTheConnectionAfterTheResponse() {
    // RFC 9112 §9.6: a server that receives "Connection: close" closes after its response, and
    // should say so, so that the client does not send the next request on a closing connection.
    Curl.Result result =
        alice()
            .verbose()
            .header("Connection: close")
            .fetch(origin.url("/hello/client-close-1"), origin.url("/hello/client-close-2"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY + OriginServer.HELLO_BODY);
    assertThat(result.header("Connection")).isEqualToIgnoringCase("close");
    assertThat(result.stderr()).doesNotContain("Re-using existing connection");
    assertThat(origin.requestsTo("/hello/client-close-")).hasSize(2);
    proxy.assertCleanLog();
  }

  @Test
  void refusalOfHeadRequestHasNoBody() {
    // RFC 9110 §9.3.2: no content in a response to HEAD. curl -I reports the extra bytes as
    // "Excess found"; a raw socket shows exactly what was sent.
    RawHttp.Response response =
        RawHttp.exchange(
            proxy.port(),
            "HEAD %1$s HTTP/1.1\r\nHost: 127.0.0.1:%2$d\r\nProxy-Authorization: %3$s\r\n\r\n"
                .formatted(
                    deniedOrigin.url("/hello/head-denied"),
                    deniedOrigin.port(),
                    RawHttp.basic("alice", "wonderland")));

    assertThat(response.status()).as(response.text()).isEqualTo(403);
    assertThat(response.closed()).isTrue();
    assertThat(response.body()).as(response.text()).isEmpty();
    proxy.assertCleanLog();
  }
}
