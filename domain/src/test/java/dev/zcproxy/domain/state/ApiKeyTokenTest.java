package dev.zcproxy.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class ApiKeyTokenTest {

  private final SecureRandom random = new SecureRandom();

  @Test
  void aGeneratedKeyHasThePublicIdAnd256SecretBits() {
    ApiKeyToken token = ApiKeyToken.generate(random);

    assertThat(token.reveal()).matches("zcp_[0-9a-f]{12}_[0-9a-f]{64}");
    assertThat(token.reveal()).startsWith("zcp_" + token.id() + "_");
    assertThat(ApiKeyToken.parse(token.reveal()).orElseThrow().digest()).isEqualTo(token.digest());
  }

  @Test
  void theDigestIsTheSha256OfTheWholeKey() {
    ApiKeyToken token = ApiKeyToken.parse("zcp_000000000000_" + "0".repeat(64)).orElseThrow();

    assertThat(token.digest())
        .isEqualTo(ApiKeyToken.sha256Hex("zcp_000000000000_" + "0".repeat(64)));
    assertThat(token.matches(token.digest())).isTrue();
    assertThat(token.matches("f".repeat(64))).isFalse();
  }

  @Test
  void anythingElseIsNotAKey() {
    assertThat(ApiKeyToken.parse(null)).isEmpty();
    assertThat(ApiKeyToken.parse("")).isEmpty();
    assertThat(ApiKeyToken.parse("zcp_ABCDEF012345_" + "0".repeat(64))).isEmpty();
    assertThat(ApiKeyToken.parse("zcp_000000000000_" + "0".repeat(63))).isEmpty();
    assertThat(ApiKeyToken.parse(" zcp_000000000000_" + "0".repeat(64))).isEmpty();
    assertThat(ApiKeyToken.parse("x".repeat(10_000))).isEmpty();
  }

  @Test
  void theSecretIsNeverPrinted() {
    ApiKeyToken token = ApiKeyToken.generate(random);

    assertThat(token.toString()).isEqualTo("zcp_" + token.id() + "_***");
  }
}
