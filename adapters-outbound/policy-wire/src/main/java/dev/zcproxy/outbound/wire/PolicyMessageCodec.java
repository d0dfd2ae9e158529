package dev.zcproxy.outbound.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.domain.state.OutboxEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One broker message body: one outbox entry as UTF-8 JSON, {@code {revision, previousRevision,
 * kind, createdAt, change}}, where {@code change} is the {@link PolicyChangeCodec} payload and
 * {@code createdAt} is ISO-8601 UTC. Thread-safe.
 */
public final class PolicyMessageCodec {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PolicyChangeCodec changes = new PolicyChangeCodec();

  public byte[] encode(OutboxEntry entry) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("revision", entry.revision());
    node.put("previousRevision", entry.previousRevision());
    node.put("kind", entry.change().kind());
    node.put("createdAt", entry.createdAt().toString());
    node.set("change", changes.encodeTree(entry.change()));
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @throws IllegalArgumentException when the body is not JSON, misses a field, names an unknown
   *     kind or carries a change that does not fit its kind; the message says which and never holds
   *     the body
   */
  public OutboxEntry decode(byte[] body) {
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (IOException malformed) {
      throw new IllegalArgumentException("the body is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the body is not a JSON object");
    }
    long revision = number(node, "revision");
    long previous = number(node, "previousRevision");
    JsonNode kind = node.get("kind");
    if (kind == null || !kind.isTextual()) {
      throw new IllegalArgumentException("the body has no kind");
    }
    Instant createdAt;
    try {
      JsonNode at = node.get("createdAt");
      if (at == null || !at.isTextual()) {
        throw new IllegalArgumentException("the body has no createdAt");
      }
      createdAt = Instant.parse(at.asText());
    } catch (DateTimeParseException bad) {
      throw new IllegalArgumentException("createdAt is not an ISO-8601 instant");
    }
    var change = changes.decodeTree(kind.asText(), node.get("change"));
    try {
      return new OutboxEntry(revision, previous, change, createdAt);
    } catch (IllegalArgumentException invalid) {
      throw new IllegalArgumentException("bad revisions: " + invalid.getMessage(), invalid);
    }
  }

  private static long number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
      throw new IllegalArgumentException("the body has no integer " + field);
    }
    return value.longValue();
  }
}
