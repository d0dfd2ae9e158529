package dev.zcproxy.outbound.stateclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SnapshotJsonTest {

  private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
    return SnapshotJson.tree(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheServicesBody() {
    assertThat(SnapshotJson.parse(tree(Snapshots.body(9)), 0)).isEqualTo(Snapshots.sample(9, 0));
  }

  @Test
  void writesWhatItReads() {
    var sample = Snapshots.sample(9, 7);

    assertThat(SnapshotJson.parse(SnapshotJson.write(sample), 7)).isEqualTo(sample);
  }

  @Test
  void anUnknownFieldIsRefused() {
    String body = Snapshots.body(9).replace("\"anonymous\":true", "\"anonymous\":true,\"extra\":1");

    assertThatThrownBy(() -> SnapshotJson.parse(tree(body), 0)).hasMessage("extra: unknown field");
  }

  @Test
  void aSnapshotWithoutHashesSaysWhichScopeIsNeeded() {
    String body = Snapshots.body(9).replace(",\"passwordHash\":\"{plain}pw\"", "");

    assertThatThrownBy(() -> SnapshotJson.parse(tree(body), 0))
        .hasMessageStartingWith("users[1].passwordHash: missing")
        .hasMessageContaining("proxy scope");
  }

  @Test
  void invalidValuesAreRefusedWithTheirPath() {
    assertThatThrownBy(
            () -> SnapshotJson.parse(tree(Snapshots.body(9).replace("8000-8999", "9-1")), 0))
        .hasMessageStartingWith("rules[0].ports[1]: ");
    assertThatThrownBy(
            () ->
                SnapshotJson.parse(
                    tree(Snapshots.body(9).replace("\"position\":2", "\"position\":3")), 0))
        .hasMessage("rules[1].position: expected 2, got 3");
    assertThatThrownBy(
            () ->
                SnapshotJson.parse(
                    tree(Snapshots.body(9).replace("\"revision\":9", "\"revision\":\"9\"")), 0))
        .hasMessage("revision: expected a whole number >= 0");
    assertThatThrownBy(() -> SnapshotJson.tree("{\"revision\":".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("not JSON");
  }

  @Test
  void aBadHashIsRefusedWithoutShowingIt() {
    String body = Snapshots.body(9).replace("{plain}pw", "secret-value");

    assertThatThrownBy(() -> SnapshotJson.parse(tree(body), 0))
        .hasMessageStartingWith("users[1]: password must be")
        .message()
        .doesNotContain("secret-value");
  }
}
