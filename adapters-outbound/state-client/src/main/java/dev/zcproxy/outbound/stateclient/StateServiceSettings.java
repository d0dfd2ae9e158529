package dev.zcproxy.outbound.stateclient;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the proxy reaches the state service.
 *
 * @param url the service's base URL, {@code http} or {@code https}, e.g. {@code
 *     https://state.example:8080}; the snapshot is read from {@code <url>/api/v1/policy/snapshot}
 * @param apiKey a {@code proxy}-scope API key, sent as {@code Authorization: Bearer}; never logged
 */
public record StateServiceSettings(
    URI url, String apiKey, Duration connectTimeout, Duration requestTimeout) {

  public StateServiceSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    String scheme = url.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("expected an http:// or https:// URL");
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      throw new IllegalArgumentException("the URL has no host");
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new IllegalArgumentException("the URL must not have a query or a fragment");
    }
    if (url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the URL must not hold credentials; use apiKey");
    }
    if (apiKey.isBlank() || apiKey.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      throw new IllegalArgumentException("an API key is one word of printable ASCII");
    }
    if (!connectTimeout.isPositive() || !requestTimeout.isPositive()) {
      throw new IllegalArgumentException("timeouts must be longer than 0");
    }
  }

  /** The snapshot endpoint. */
  public URI snapshotUri() {
    return api("/api/v1/policy/snapshot");
  }

  /** Where the public key that broker messages are signed with is served. */
  public URI signingKeyUri() {
    return api("/api/v1/policy/signing-key");
  }

  private URI api(String path) {
    String base = url.toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
  }

  /** Never print the key. */
  @Override
  public String toString() {
    return "StateServiceSettings[url=" + url + ", apiKey=***]";
  }
}
