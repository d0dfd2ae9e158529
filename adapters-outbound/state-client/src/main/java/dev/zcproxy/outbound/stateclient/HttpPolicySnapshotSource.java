package dev.zcproxy.outbound.stateclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zcproxy.domain.port.out.PolicySnapshotSource;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import dev.zcproxy.domain.state.PolicyRevision;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the policy snapshot from the state service with the JDK's HTTP client: {@code GET
 * /api/v1/policy/snapshot}, {@code Authorization: Bearer <key>}, and for a poll {@code
 * If-None-Match: "<applied revision>"}, so that an unchanged policy is a bodiless 304.
 *
 * <p>Every failure is a {@link PolicySourceUnavailableException} whose message an operator can act
 * on: the URL and either the network error, or the status with the problem document's {@code title}
 * (401 for a wrong key, 403 for a key without the {@code proxy} scope), or the first thing wrong in
 * the body. The key is never part of a message.
 */
public final class HttpPolicySnapshotSource implements PolicySnapshotSource {

  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  private final StateServiceSettings settings;
  private final HttpClient client;

  public HttpPolicySnapshotSource(StateServiceSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public PolicyRevision fetch() {
    return get(null).orElseThrow(() -> unavailable("answered 304 to an unconditional request"));
  }

  @Override
  public Optional<PolicyRevision> fetchIfChanged(long appliedRevision) {
    return get("\"" + appliedRevision + "\"");
  }

  /**
   * The public key the state service signs broker messages with ({@code GET
   * /api/v1/policy/signing-key}), as served; the caller checks it.
   *
   * @throws PolicySourceUnavailableException as {@link #fetch}
   */
  public PublishedSigningKey fetchSigningKey() {
    URI uri = settings.signingKeyUri();
    HttpResponse<byte[]> response = send(uri, null);
    if (response.statusCode() != 200) {
      throw unavailable(
          uri, "answered " + response.statusCode() + problemTitle(response.body()), null);
    }
    try {
      JsonNode key = SnapshotJson.tree(response.body());
      return new PublishedSigningKey(
          textField(key, "algorithm"), textField(key, "keyId"), textField(key, "publicKey"));
    } catch (IllegalArgumentException malformed) {
      throw unavailable(
          uri, "sent a signing key this proxy refuses: " + malformed.getMessage(), malformed);
    }
  }

  private static String textField(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new IllegalArgumentException("no text field '" + name + "'");
    }
    return value.asText();
  }

  private Optional<PolicyRevision> get(String ifNoneMatch) {
    HttpResponse<byte[]> response = send(settings.snapshotUri(), ifNoneMatch);
    int status = response.statusCode();
    if (status == 304 && ifNoneMatch != null) {
      return Optional.empty();
    }
    if (status != 200) {
      throw unavailable("answered " + status + problemTitle(response.body()));
    }
    if (response.body().length > MAX_BODY_BYTES) {
      throw unavailable("answered with a body over " + MAX_BODY_BYTES + " bytes");
    }
    try {
      PolicyRevision snapshot = SnapshotJson.parse(SnapshotJson.tree(response.body()), 0);
      checkEtag(response, snapshot);
      return Optional.of(snapshot);
    } catch (IllegalArgumentException malformed) {
      throw unavailable("sent a snapshot this proxy refuses: " + malformed.getMessage(), malformed);
    }
  }

  private HttpResponse<byte[]> send(URI uri, String ifNoneMatch) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .header("Authorization", "Bearer " + settings.apiKey())
            .header("Accept", "application/json")
            .GET();
    if (ifNoneMatch != null) {
      request.header("If-None-Match", ifNoneMatch);
    }
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException timedOut) {
      throw unavailable(uri, "no answer in time (" + timedOut.getMessage() + ")", timedOut);
    } catch (IOException unreachable) {
      throw unavailable(uri, "cannot reach it: " + describe(unreachable), unreachable);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw unavailable(uri, "interrupted", interrupted);
    }
  }

  private static void checkEtag(HttpResponse<?> response, PolicyRevision snapshot) {
    response
        .headers()
        .firstValue("ETag")
        .ifPresent(
            tag -> {
              String expected = "\"" + snapshot.revision() + "\"";
              if (!tag.equals(expected) && !tag.equals("W/" + expected)) {
                throw new IllegalArgumentException(
                    "ETag " + tag + " does not match revision " + snapshot.revision());
              }
            });
  }

  /** {@code ": <title>"} from an RFC 9457 problem body, or nothing. */
  private static String problemTitle(byte[] body) {
    try {
      JsonNode problem = SnapshotJson.tree(body);
      JsonNode title = problem.get("title");
      if (title != null && title.isTextual() && !title.asText().isBlank()) {
        String text = title.asText().strip();
        return " (" + (text.length() > 200 ? text.substring(0, 200) + "..." : text) + ")";
      }
    } catch (IllegalArgumentException notJson) {
      // no title to report
    }
    return "";
  }

  private static String describe(IOException failure) {
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      Throwable cause = failure.getCause();
      return cause != null && cause.getMessage() != null
          ? failure.getClass().getSimpleName() + ": " + cause.getMessage()
          : failure.getClass().getSimpleName();
    }
    return message;
  }

  private PolicySourceUnavailableException unavailable(String what) {
    return unavailable(what, null);
  }

  private PolicySourceUnavailableException unavailable(String what, Throwable cause) {
    return unavailable(settings.snapshotUri(), what, cause);
  }

  private static PolicySourceUnavailableException unavailable(
      URI uri, String what, Throwable cause) {
    return new PolicySourceUnavailableException("state service " + uri + " " + what, cause);
  }
}
