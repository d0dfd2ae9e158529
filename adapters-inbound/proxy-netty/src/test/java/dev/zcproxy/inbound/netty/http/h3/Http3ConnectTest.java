package dev.zcproxy.inbound.netty.http.h3;

import static dev.zcproxy.inbound.netty.http.h3.Http3TestClient.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.RecordingAccessLog;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.http.HttpResponses;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/3 CONNECT (RFC 9114 §4.4) through a real proxy on loopback, with a Netty QUIC/HTTP-3 client:
 * byte-exact tunnels, the same refusals as HTTP/2 as real responses, and revocation.
 */
class Http3ConnectTest {
  static final String ALICE =
      "Basic "
          + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
  static final int DENIED_PORT = 25;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingAccessLog accessLog = new RecordingAccessLog();
  private EchoServer echo;
  private ProxyServer server;
  private InetSocketAddress quic;
  private Http3TestClient client;

  /** Settings with TLS (a self-signed certificate) and QUIC on. */
  static ProxyServerSettings quicSettings() {
    return ProxyTestKit.settings()
        .withTls(TlsIdentity.selfSigned("localhost"))
        .withQuic(ProxyServerSettings.Quic.on());
  }

  static ProxyServer newServer(ProxyServerSettings settings, SimpleMeterRegistry meters) {
    return newServer(settings, meters, dev.zcproxy.domain.port.out.AccessLog.DISABLED);
  }

  static ProxyServer newServer(
      ProxyServerSettings settings,
      SimpleMeterRegistry meters,
      dev.zcproxy.domain.port.out.AccessLog accessLog) {
    return new ProxyServer(
        settings,
        new FakeAuthentication(false),
        ProxyTestKit.policy(request -> request.port() != DENIED_PORT),
        meters,
        Optional.empty(),
        true,
        accessLog);
  }

  @BeforeEach
  void start() throws Exception {
    echo = new EchoServer();
    server = newServer(quicSettings(), registry, accessLog);
    InetSocketAddress tcp = server.start();
    quic = server.quicAddress().orElseThrow();
    assertThat(quic.getPort()).as("the same port number as TCP").isEqualTo(tcp.getPort());
    client = new Http3TestClient(quic, false);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
    echo.close();
  }

  static Http3Headers connect(String authority, String authorization) {
    Http3Headers headers = new DefaultHttp3Headers().method("CONNECT").authority(authority);
    if (authorization != null) {
      headers.set("proxy-authorization", authorization);
    }
    return headers;
  }

  private String echoAuthority() {
    return "127.0.0.1:" + echo.port();
  }

  private int activeTunnels() {
    return server.activeTunnels();
  }

  private double bytes(String direction) {
    return registry
        .find("zcproxy.bytes.relayed")
        .tags("protocol", "h3", "direction", direction)
        .counter()
        .count();
  }

  @Test
  void a_connect_relays_bytes_exactly_both_ways_and_passes_the_fin_on() throws Exception {
    for (int size : new int[] {0, 1, 8 * 1024 * 1024}) {
      Http3TestClient.Stream tunnel = client.request(connect(echoAuthority(), ALICE));
      assertThat(tunnel.status()).isEqualTo("200");
      byte[] sent = new byte[size];
      new Random(size).nextBytes(sent);
      for (int offset = 0; offset < size; offset += 64 * 1024) {
        tunnel.send(Arrays.copyOfRange(sent, offset, Math.min(size, offset + 64 * 1024)));
      }
      tunnel.finish(); // FIN: the echo server sees EOF, echoes the rest and half-closes too
      tunnel.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(tunnel.bodySize()).as("%d bytes back", size).isEqualTo(size);
      assertThat(tunnel.body()).isEqualTo(sent);
      assertThat(tunnel.reset).isNotDone();
    }
    await().atMost(AWAIT).until(() -> activeTunnels() == 0);
    assertThat(bytes("upstream")).isEqualTo(1 + 8 * 1024 * 1024);
    assertThat(bytes("downstream")).isEqualTo(1 + 8 * 1024 * 1024);
    assertThat(registry.find("zcproxy.quic.streams").tag("kind", "connect").counter().count())
        .isEqualTo(3);
    assertThat(registry.find("zcproxy.quic.retries").counter().count())
        .as("the client's address was validated with a Retry")
        .isEqualTo(1);
  }

  @Test
  void a_connect_is_one_access_log_line_with_the_quic_clients_address() throws Exception {
    Http3TestClient.Stream tunnel = client.request(connect(echoAuthority(), ALICE));
    assertThat(tunnel.status()).isEqualTo("200");
    tunnel.send("ping over h3".getBytes(StandardCharsets.UTF_8));
    await().atMost(AWAIT).until(() -> tunnel.bodySize() == 12);
    assertThat(accessLog.lines).as("nothing while the tunnel lasts").isEmpty();
    tunnel.finish();
    tunnel.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.protocol()).isEqualTo("h3");
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.requested()).isEqualTo(echoAuthority());
    assertThat(line.connected().getPort()).isEqualTo(echo.port());
    assertThat(line.client().getAddress().isLoopbackAddress()).isTrue();
    assertThat(line.client().getPort()).isPositive();
    assertThat(line.result()).isEqualTo(AccessResult.OK);
    assertThat(line.bytesUp()).isEqualTo(12);
    assertThat(line.bytesDown()).isEqualTo(12);
    assertThat(line.toString()).doesNotContain("secret").doesNotContain(ALICE.substring(6));
  }

  @Test
  void a_connect_without_credentials_is_an_auth_failed_line() throws Exception {
    assertThat(client.request(connect(echoAuthority(), null)).status()).isEqualTo("407");

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.protocol()).isEqualTo("h3");
    assertThat(line.result()).isEqualTo(AccessResult.AUTH_FAILED);
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isNull();
  }

  @Test
  void a_connect_without_credentials_gets_407_with_a_challenge() throws Exception {
    Http3TestClient.Stream refused = client.request(connect(echoAuthority(), null));
    assertThat(refused.status()).isEqualTo("407");
    assertThat(refused.response.get().get("proxy-authenticate").toString())
        .isEqualTo(HttpResponses.BASIC_CHALLENGE);
    refused.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(
            registry
                .find("zcproxy.auth.failures")
                .tags("protocol", "h3", "reason", "no_credentials")
                .counter()
                .count())
        .isEqualTo(1);
    // the connection carries on: the next stream may log in
    Http3TestClient.Stream admitted = client.request(connect(echoAuthority(), ALICE));
    assertThat(admitted.status()).isEqualTo("200");
  }

  @Test
  void a_denied_port_gets_403_naming_the_rule() throws Exception {
    Http3TestClient.Stream refused = client.request(connect("127.0.0.1:" + DENIED_PORT, ALICE));
    assertThat(refused.status()).isEqualTo("403");
    refused.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(new String(refused.body(), StandardCharsets.UTF_8))
        .isEqualTo("127.0.0.1:" + DENIED_PORT + " not allowed for alice: denied by rule 1\n");
  }

  @Test
  void a_closed_port_gets_502() throws Exception {
    Http3TestClient.Stream refused =
        client.request(connect("127.0.0.1:" + SocketTestKit.closedPort(), ALICE));
    assertThat(refused.status()).isEqualTo("502");
  }

  @Test
  void a_connect_with_a_path_is_a_stream_error_h3_message_error() throws Exception {
    Http3TestClient.Stream malformed =
        client.request(connect(echoAuthority(), ALICE).path("/").scheme("https"));
    assertThat(malformed.reset.get(AWAIT.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(Http3ErrorCode.H3_MESSAGE_ERROR.code());
    assertThat(malformed.response).isNotDone();
  }

  @Test
  void an_extended_connect_of_an_unknown_protocol_gets_501() throws Exception {
    Http3TestClient.Stream refused =
        client.request(
            new DefaultHttp3Headers()
                .method("CONNECT")
                .protocol("websocket")
                .scheme("https")
                .authority("example.org")
                .path("/chat")
                .set("proxy-authorization", ALICE));
    assertThat(refused.status()).isEqualTo("501");
  }

  @Test
  void a_policy_that_disables_the_user_resets_its_tunnel() throws Exception {
    Http3TestClient.Stream tunnel = client.request(connect(echoAuthority(), ALICE));
    assertThat(tunnel.status()).isEqualTo("200");
    tunnel.send("ping over h3".getBytes(StandardCharsets.UTF_8));
    await().atMost(AWAIT).until(() -> tunnel.bodySize() == 12);

    var aliceDisabled =
        PolicySnapshot.compile(
            new Policy(
                false,
                List.of(new User("alice", new PasswordHash("{plain}secret"), Set.of(), false)),
                List.of()),
            2);
    assertThat(server.connectionRegistry().policyInstalled(aliceDisabled)).isOne();
    assertThat(tunnel.reset.get(AWAIT.toSeconds(), TimeUnit.SECONDS))
        .as("a reset, not a clean end")
        .isEqualTo(Http3ErrorCode.H3_REQUEST_CANCELLED.code());
    assertThat(accessLog.awaitLine(r -> true).result()).isEqualTo(AccessResult.CLOSED_BY_POLICY);
    assertThat(tunnel.fin).isNotDone();
    await().atMost(AWAIT).until(() -> activeTunnels() == 0);
  }
}
