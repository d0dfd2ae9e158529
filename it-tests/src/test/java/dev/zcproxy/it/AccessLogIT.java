package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Datagram;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.UdpEchoServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log of the proxy as an operator runs it, with curl as the client: one line per SOCKS4,
 * SOCKS5 and HTTP CONNECT tunnel, forwarded request and UDP association, one per refusal and failed
 * login, no password and no {@code Proxy-Authorization} anywhere. The {@code squid} lines are read
 * by Debian's {@code calamaris}, a Squid log analyser that others wrote; the file is reopened on
 * SIGHUP, as logrotate's {@code postrotate} asks; the {@code json} lines go to standard output and
 * parse as JSON.
 */
class AccessLogIT {
  private static final String PASSWORD = "wonderland";
  private static final Path CALAMARIS = Path.of("/usr/bin/calamaris");
  private static final Duration AWAIT = Duration.ofSeconds(20);

  @TempDir Path workDir;

  private OriginServer origin;
  private UdpEchoServer udpEcho;
  private int deniedPort;
  private ProxyProcess proxy;

  @BeforeEach
  void startServers() {
    origin = OriginServer.start();
    udpEcho = UdpEchoServer.start();
    deniedPort = FreePorts.closed();
  }

  @AfterEach
  void stopAll() throws Exception {
    Closeables.closeAll(proxy, origin, udpEcho);
  }

  private ProxyProcess startProxy(String accessLogSection) {
    return ProxyProcess.builder(workDir)
        .name("AccessLogIT")
        .policy(
            """
            anonymous: true
            users:
              - { name: alice, password: "{plain}%s" }
            rules:
              - action: deny
                destinations: ["127.0.0.1/32"]
                ports: ["%d"]
              - action: allow
                users: [alice]
                destinations: ["127.0.0.1/32"]
                protocols: [tcp, udp]
              - action: allow
                destinations: ["127.0.0.1/32"]
                ports: ["%d"]
            """
                .formatted(PASSWORD, deniedPort, origin.port()))
        .extraConfigLine(accessLogSection)
        .start();
  }

  @Test
  void squid_lines_for_every_kind_parsed_by_calamaris_and_reopened_on_sighup() throws Exception {
    Path log = workDir.resolve("access.log");
    proxy = startProxy("accessLog: { enabled: true, path: " + log + ", format: squid }");
    String target = "127.0.0.1:" + origin.port();

    assertThat(Curl.socks5(proxy.port()).user("alice", PASSWORD).fetch(origin.url("/hello")))
        .satisfies(r -> assertThat(r.exitCode()).as(r.toString()).isZero());
    String socks5 =
        awaitLine(log, l -> l.contains(" CONNECT " + target + " alice ") && !seen.contains(l));
    assertThat(fields(socks5))
        .containsSequence("TCP_TUNNEL/200")
        .contains("HIER_DIRECT/127.0.0.1", "-");

    assertThat(Curl.socks4(proxy.port()).fetch(origin.url("/hello")).exitCode()).isZero();
    String socks4 = awaitLine(log, l -> l.contains(" CONNECT " + target + " anonymous "));
    assertThat(fields(socks4)[3]).isEqualTo("TCP_TUNNEL/200");

    assertThat(
            Curl.httpProxy(proxy.port())
                .user("alice", PASSWORD)
                .tunnel()
                .fetch(origin.url("/hello"))
                .exitCode())
        .isZero();
    String httpConnect =
        awaitLine(log, l -> l.contains(" CONNECT " + target + " alice ") && !seen.contains(l));
    assertThat(fields(httpConnect)[3]).isEqualTo("TCP_TUNNEL/200");
    assertThat(Long.parseLong(fields(httpConnect)[4]))
        .as("the bytes sent to the client: the origin's response")
        .isGreaterThan(OriginServer.HELLO_BODY.length());

    Curl.Result forwarded =
        Curl.httpProxy(proxy.port())
            .user("alice", PASSWORD)
            .fetch(origin.url("/hello?token=not-for-the-log"));
    assertThat(forwarded.httpStatus()).isEqualTo(200);
    String forward = awaitLine(log, l -> l.contains(" GET "));
    assertThat(fields(forward))
        .contains("TCP_MISS/200", "GET", origin.url("/hello"), "alice", "HIER_DIRECT/127.0.0.1");
    assertThat(forward).doesNotContain("not-for-the-log");

    Curl.Result denied =
        Curl.socks5(proxy.port())
            .user("alice", PASSWORD)
            .fetch("http://127.0.0.1:" + deniedPort + "/");
    assertThat(denied.exitCode()).isNotZero();
    String refusal = awaitLine(log, l -> l.contains("TCP_DENIED/403"));
    assertThat(fields(refusal))
        .contains("0", "CONNECT", "127.0.0.1:" + deniedPort, "alice", "HIER_NONE/-");

    Curl.Result wrongPassword =
        Curl.socks5(proxy.port()).user("alice", "looking-glass").fetch(origin.url("/hello"));
    assertThat(wrongPassword.exitCode()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    Curl.Result wrongHttpPassword =
        Curl.httpProxy(proxy.port()).user("alice", "looking-glass").fetch(origin.url("/hello"));
    assertThat(wrongHttpPassword.httpStatus()).isEqualTo(407);
    await().atMost(AWAIT).until(() -> count(log, l -> l.contains("TCP_DENIED/407")) == 2);
    assertThat(count(log, l -> l.contains("TCP_DENIED/407 0 GET " + origin.url("/hello"))))
        .as("the forwarded request's method and URL")
        .isOne();

    int udpBytes = udpAssociation();
    String udp = awaitLine(log, l -> l.contains(" UDP_ASSOCIATE "));
    assertThat(fields(udp))
        .contains("TCP_TUNNEL/200", Integer.toString(udpBytes), "alice", "HIER_DIRECT/127.0.0.1");

    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(8).allSatisfy(line -> assertThat(fields(line)).hasSize(10));
    String everything = Files.readString(log) + proxy.log();
    assertThat(everything)
        .doesNotContain(PASSWORD)
        .doesNotContain("looking-glass")
        .doesNotContain(basic("alice", PASSWORD))
        .doesNotContain(basic("alice", "looking-glass"));
    assertThat(Files.readString(log)).doesNotContainIgnoringCase("authorization");

    // logrotate: move the file, then "postrotate kill -HUP"
    Path rotated = workDir.resolve("access.log.1");
    Files.move(log, rotated);
    proxy.signal("HUP");
    proxy.awaitLogLines("access log " + log + " reopened", 1);
    assertThat(Curl.socks5(proxy.port()).user("alice", PASSWORD).fetch(origin.url("/hello")))
        .satisfies(r -> assertThat(r.exitCode()).isZero());
    await().atMost(AWAIT).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 1);
    assertThat(Files.readAllLines(rotated)).hasSize(8);

    Path all = workDir.resolve("all.log");
    Files.write(all, Files.readAllLines(rotated));
    Files.write(all, Files.readAllLines(log), java.nio.file.StandardOpenOption.APPEND);
    System.out.println("squid lines:\n" + Files.readString(all));
    String report = calamaris(all);
    System.out.println("calamaris on " + all + ":\n" + report);
    assertThat(number(report, "lines parsed:\\s+lines\\s+(\\d+)")).isEqualTo(9);
    assertThat(number(report, "invalid lines:\\s+lines\\s+(\\d+)")).isZero();
    assertThat(number(report, "Total amount:\\s+requests\\s+(\\d+)")).isEqualTo(9);
    assertThat(report).contains("UDP_ASSOCIATE").contains("TCP_DENIED").contains("TCP_TUNNEL");
    proxy.assertCleanLog();
  }

  @Test
  void json_lines_on_standard_output_carry_every_field() throws Exception {
    proxy = startProxy("accessLog: { enabled: true, path: \"-\", format: json }");

    assertThat(Curl.socks5(proxy.port()).user("alice", PASSWORD).fetch(origin.url("/hello")))
        .satisfies(r -> assertThat(r.exitCode()).isZero());
    proxy.awaitLogLines("{\"time\":", 1);

    String line =
        proxy.log().lines().filter(l -> l.startsWith("{\"time\":")).findFirst().orElseThrow();
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("user").asText()).isEqualTo("alice");
    assertThat(json.get("protocol").asText()).isEqualTo("socks5");
    assertThat(json.get("command").asText()).isEqualTo("connect");
    assertThat(json.get("destination").asText()).isEqualTo("127.0.0.1:" + origin.port());
    assertThat(json.get("connected").asText()).isEqualTo("127.0.0.1:" + origin.port());
    assertThat(json.get("rule").asInt()).isEqualTo(2);
    assertThat(json.get("result").asText()).isEqualTo("ok");
    assertThat(json.get("relay").asText()).isIn("copy", "splice");
    assertThat(json.get("clientIp").asText()).isEqualTo("127.0.0.1");
    assertThat(json.get("bytesDown").asLong()).isGreaterThan(OriginServer.HELLO_BODY.length());
    assertThat(json.get("bytesUp").asLong()).isPositive();
    proxy.assertCleanLog();
  }

  private final List<String> seen = new ArrayList<>();

  /** Waits for a line that matches and that no earlier call returned. */
  private String awaitLine(Path log, Predicate<String> matches) throws IOException {
    Predicate<String> fresh = matches.and(l -> !seen.contains(l));
    await().atMost(AWAIT).until(() -> count(log, fresh) == 1);
    String line = Files.readAllLines(log).stream().filter(fresh).findFirst().orElseThrow();
    seen.add(line);
    return line;
  }

  private static long count(Path log, Predicate<String> matches) throws IOException {
    return Files.exists(log) ? Files.readAllLines(log).stream().filter(matches).count() : 0;
  }

  private static String[] fields(String line) {
    return line.trim().split(" +");
  }

  /** One datagram to the echo server and back; the association ends with its control. */
  private int udpAssociation() throws IOException {
    try (Socks5Client control = Socks5Client.connect(proxy.port());
        DatagramSocket udp =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      udp.setSoTimeout(10_000);
      control.authenticate("alice", PASSWORD);
      Socks5Reply association =
          control.request(
              Socks5Client.UDP_ASSOCIATE,
              new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()));
      assertThat(association.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      byte[] payload = "ping over udp".getBytes(StandardCharsets.US_ASCII);
      InetSocketAddress echo =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), udpEcho.port());
      udp.send(new Socks5Datagram(echo, payload).toPacket(association.reachableBound()));
      udp.receive(new DatagramPacket(new byte[2048], 2048));
      return payload.length;
    }
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String calamaris(Path log) throws Exception {
    assertThat(CALAMARIS).as("Debian's calamaris").exists();
    Process process =
        new ProcessBuilder(CALAMARIS.toString(), "-a", "-f", "squid", "-n")
            .redirectInput(log.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }

  private static long number(String report, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(report);
    assertThat(matcher.find()).as("%s in%n%s", regex, report).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
