package dev.zcproxy.outbound.wire;

import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySigningKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Messages the state service never sends, for the brokers' contract tests: forged, signed by a
 * stranger, unsigned, malformed, of an unknown kind. Each is what an attacker with access to the
 * broker (or a broken producer) could put there.
 */
public final class TestMessages {

  /**
   * A message as it goes on the broker.
   *
   * @param keyId null when the property is absent
   * @param signature null when the property is absent
   */
  public record RawMessage(long revision, byte[] body, String keyId, String signature) {}

  private final PolicyMessageCodec codec = new PolicyMessageCodec();
  private final PolicyMessageSigner trusted;
  private final PolicyMessageSigner stranger = new PolicyMessageSigner(PolicySigningKey.generate());

  public TestMessages(PolicySigningKey trusted) {
    this.trusted = new PolicyMessageSigner(trusted);
  }

  /** The trusted key's id, but the signature is a stranger's. */
  public RawMessage forged(OutboxEntry entry) {
    byte[] body = codec.encode(entry);
    return new RawMessage(entry.revision(), body, trusted.keyId(), stranger.signature(body));
  }

  public RawMessage signedByUnknownKey(OutboxEntry entry) {
    byte[] body = codec.encode(entry);
    return new RawMessage(entry.revision(), body, stranger.keyId(), stranger.signature(body));
  }

  public RawMessage unsigned(OutboxEntry entry) {
    return new RawMessage(entry.revision(), codec.encode(entry), null, null);
  }

  /** Correctly signed, but not JSON. */
  public RawMessage malformed(long revision) {
    return signed(revision, "{\"revision\": ".getBytes(StandardCharsets.UTF_8));
  }

  /** Correctly signed, well-formed, of a kind no one knows. */
  public RawMessage unknownKind(long revision, long previousRevision) {
    String json =
        "{\"revision\":%d,\"previousRevision\":%d,\"kind\":\"user.renamed\",\"createdAt\":\"%s\",\"change\":{\"name\":\"x\"}}"
            .formatted(revision, previousRevision, Instant.EPOCH);
    return signed(revision, json.getBytes(StandardCharsets.UTF_8));
  }

  private RawMessage signed(long revision, byte[] body) {
    return new RawMessage(revision, body, trusted.keyId(), trusted.signature(body));
  }
}
