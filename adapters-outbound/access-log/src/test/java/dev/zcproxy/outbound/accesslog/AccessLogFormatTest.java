package dev.zcproxy.outbound.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void json_line_is_one_object_with_every_field() throws Exception {
    String line = AccessLogFormat.JSON.format(Records.socks5Tunnel());

    assertThat(line).doesNotContain("\n");
    JsonNode node = JSON.readTree(line);
    assertThat(node.get("time").asText()).isEqualTo("2026-12-08T03:04:05.678Z");
    assertThat(node.get("durationMs").asLong()).isEqualTo(1234);
    assertThat(node.get("clientIp").asText()).isEqualTo("192.0.2.7");
    assertThat(node.get("clientPort").asInt()).isEqualTo(50123);
    assertThat(node.get("user").asText()).isEqualTo("alice");
    assertThat(node.get("protocol").asText()).isEqualTo("socks5");
    assertThat(node.get("command").asText()).isEqualTo("connect");
    assertThat(node.get("method").isNull()).isTrue();
    assertThat(node.get("destination").asText()).isEqualTo("example.com:443");
    assertThat(node.get("connected").asText()).isEqualTo("198.51.100.9:443");
    assertThat(node.get("rule").asInt()).isEqualTo(2);
    assertThat(node.get("result").asText()).isEqualTo("ok");
    assertThat(node.get("status").isNull()).isTrue();
    assertThat(node.get("relay").asText()).isEqualTo("splice");
    assertThat(node.get("bytesUp").asLong()).isEqualTo(517);
    assertThat(node.get("bytesDown").asLong()).isEqualTo(20480);
  }

  @Test
  void json_escapes_what_a_client_can_put_in_a_name() throws Exception {
    AccessRecord odd =
        new AccessRecord(
            Records.TIME,
            Duration.ZERO,
            null,
            "a\"b\\c\nd\u0001",
            "http",
            AccessCommand.FORWARD,
            "GET",
            "http://x/\u2028",
            null,
            0,
            AccessResult.AUTH_FAILED,
            407,
            null,
            0,
            0);

    String line = AccessLogFormat.JSON.format(odd);

    assertThat(line).doesNotContain("\n").doesNotContain("\u2028");
    JsonNode node = JSON.readTree(line);
    assertThat(node.get("user").asText()).isEqualTo("a\"b\\c\nd\u0001");
    assertThat(node.get("destination").asText()).isEqualTo("http://x/\u2028");
    assertThat(node.get("clientIp").isNull()).isTrue();
    assertThat(node.get("rule").isNull()).isTrue();
    assertThat(node.get("result").asText()).isEqualTo("auth-failed");
    assertThat(node.get("status").asInt()).isEqualTo(407);
  }

  @Test
  void json_user_is_a_dash_when_nobody_logged_in() throws Exception {
    for (AccessRecord record : Records.everyKind()) {
      JsonNode node = JSON.readTree(AccessLogFormat.JSON.format(record));
      assertThat(node.get("user").asText()).isEqualTo(record.user() == null ? "-" : record.user());
      assertThat(node.size()).isEqualTo(16);
    }
  }

  @Test
  void squid_line_has_squids_ten_fields() {
    String line = AccessLogFormat.SQUID.format(Records.socks5Tunnel());

    assertThat(line)
        .isEqualTo(
            "1796699045.678   1234 192.0.2.7 TCP_TUNNEL/200 20480 CONNECT example.com:443 alice"
                + " HIER_DIRECT/198.51.100.9 -");
  }

  @Test
  void squid_codes_for_each_outcome() {
    assertThat(Records.everyKind())
        .extracting(r -> AccessLogFormat.SQUID.format(r).split(" +")[3])
        .containsExactly(
            "TCP_TUNNEL/200",
            "TCP_TUNNEL/200",
            "TCP_TUNNEL/200",
            "TCP_TUNNEL/200",
            "TCP_MISS/200",
            "TCP_TUNNEL/200",
            "TCP_TUNNEL/200",
            "TCP_DENIED/403",
            "TCP_DENIED/407",
            "TCP_MISS/502",
            "TCP_MISS/504",
            "TCP_MISS/503");
  }

  @Test
  void squid_fields_never_split_and_hold_no_space() {
    for (AccessRecord record : Records.everyKind()) {
      String[] fields = AccessLogFormat.SQUID.format(record).trim().split(" +");
      assertThat(fields).hasSize(10);
    }
    String refused = AccessLogFormat.SQUID.format(Records.everyKind().getLast());
    assertThat(refused).contains(" the%20user ").contains(" HIER_NONE/- ");
  }

  @Test
  void squid_method_says_what_a_socks_or_udp_client_asked() {
    assertThat(Records.everyKind())
        .extracting(r -> AccessLogFormat.SQUID.format(r).trim().split(" +")[5])
        .containsExactly(
            "CONNECT",
            "CONNECT",
            "CONNECT",
            "BIND",
            "GET",
            "UDP_ASSOCIATE",
            "CONNECT-UDP",
            "CONNECT",
            "CONNECT",
            "POST",
            "CONNECT",
            "CONNECT");
  }

  @Test
  void config_names() {
    assertThat(AccessLogFormat.ofConfigName("json")).isEqualTo(AccessLogFormat.JSON);
    assertThat(AccessLogFormat.ofConfigName("squid")).isEqualTo(AccessLogFormat.SQUID);
    assertThatThrownBy(() -> AccessLogFormat.ofConfigName("combined"))
        .hasMessageContaining("json or squid");
  }
}
