package dev.zcproxy.domain.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

import dev.zcproxy.domain.model.PasswordHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Pbkdf2PasswordHasherTest {

  /** The lowest count a stored hash may carry: keeps the tests fast. */
  private final Pbkdf2PasswordHasher hasher = new Pbkdf2PasswordHasher(10_000);

  @Test
  void writes_the_documented_form() {
    String hash = hasher.hash("correct horse");

    assertThat(hash).matches("\\$pbkdf2-sha256\\$i=10000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    assertThat(new Pbkdf2PasswordHasher().iterations()).isEqualTo(600_000);
  }

  @Test
  void checks_the_password_it_hashed_and_no_other() {
    var stored = new PasswordHash(hasher.hash("correct horse"));

    assertThat(hasher.verify(stored, "correct horse")).isTrue();
    assertThat(hasher.verify(stored, "correct hors")).isFalse();
    assertThat(hasher.verify(stored, "Correct horse")).isFalse();
    assertThat(hasher.verify(stored, "")).isFalse();
  }

  @Test
  void salts_every_hash() {
    assertThat(hasher.hash("same")).isNotEqualTo(hasher.hash("same"));
  }

  @Test
  void hashes_the_empty_password_and_non_ascii_ones() {
    assertThat(hasher.verify(new PasswordHash(hasher.hash("")), "")).isTrue();
    assertThat(hasher.verify(new PasswordHash(hasher.hash("pässwörd ☃")), "pässwörd ☃")).isTrue();
  }

  @Test
  void checks_with_the_iteration_count_stored_in_the_hash() {
    var stored = new PasswordHash(new Pbkdf2PasswordHasher(12_345).hash("pw"));

    assertThat(stored.encoded()).contains("$i=12345$");
    assertThat(hasher.verify(stored, "pw")).isTrue();
  }

  @Test
  void is_standard_pbkdf2_hmac_sha256() {
    String encoded = hasher.hash("interop");
    String[] fields = encoded.split("\\$");
    byte[] salt = Base64.getDecoder().decode(fields[3]);
    byte[] hash = Base64.getDecoder().decode(fields[4]);

    assertThat(hash).isEqualTo(referencePbkdf2("interop", salt, 10_000, 32));
  }

  @Test
  void the_reference_implementation_meets_rfc_7914() {
    byte[] derived = referencePbkdf2("passwd", "salt".getBytes(StandardCharsets.US_ASCII), 1, 64);

    assertThat(HexFormat.of().formatHex(derived))
        .isEqualTo(
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  }

  @Test
  void compares_plain_passwords_exactly() {
    var stored = new PasswordHash("{plain}secret");

    assertThat(hasher.verify(stored, "secret")).isTrue();
    assertThat(hasher.verify(stored, "secret ")).isFalse();
    assertThat(hasher.verify(stored, "Secret")).isFalse();
    assertThat(hasher.verify(stored, "")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "$pbkdf2-sha256$i=10000$c2FsdHNhbHQ                                         | 2 fields",
        "$pbkdf2-sha256$i=10000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$x                 | 4 fields",
        "$pbkdf2-sha256$10000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                      | i=<number>",
        "$pbkdf2-sha256$i=$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                         | i=<number>",
        "$pbkdf2-sha256$i=-5$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                       | i=<number>",
        "$pbkdf2-sha256$i=9999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                     | 10000-10000000",
        "$pbkdf2-sha256$i=10000001$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                 | 10000-10000000",
        "$pbkdf2-sha256$i=99999999999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA              | i=<number>",
        "$pbkdf2-sha256$i=10000$c2Fs*HNhbHQ$aGFzaGhhc2hoYXNoaGFzaA                     | salt is not Base64",
        "$pbkdf2-sha256$i=10000$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA                          | salt must be 8-64 bytes, got 4",
        "$pbkdf2-sha256$i=10000$c2FsdHNhbHQ$aGFzaA                                     | hash must be 16-64 bytes, got 4",
        "$pbkdf2-sha256$i=10000$c2FsdHNhbHQ$                                           | hash must be 16-64 bytes, got 0"
      })
  void refuses_malformed_hashes_saying_what_is_wrong(String encoded, String complaint) {
    var stored = new PasswordHash(encoded);

    assertThatIllegalArgumentException()
        .isThrownBy(() -> Pbkdf2PasswordHasher.requireWellFormed(stored))
        .withMessageContaining("malformed password hash")
        .withMessageContaining(complaint)
        .withMessageContaining("expected $pbkdf2-sha256$i=<iterations>$<salt>$<hash>");
    assertThatIllegalArgumentException().isThrownBy(() -> hasher.verify(stored, "pw"));
  }

  @Test
  void accepts_well_formed_hashes_and_plain_passwords() {
    assertThatNoException()
        .isThrownBy(
            () -> {
              Pbkdf2PasswordHasher.requireWellFormed(new PasswordHash(hasher.hash("pw")));
              Pbkdf2PasswordHasher.requireWellFormed(new PasswordHash("{plain}pw"));
            });
  }

  @Test
  void refuses_iteration_counts_out_of_range() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new Pbkdf2PasswordHasher(9_999))
        .withMessageContaining("10000-10000000");
    assertThatIllegalArgumentException().isThrownBy(() -> new Pbkdf2PasswordHasher(10_000_001));
  }

  /** PBKDF2 (RFC 8018, section 5.2) with HMAC-SHA256, written out from the definition. */
  private static byte[] referencePbkdf2(String password, byte[] salt, int iterations, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      ByteBuffer out = ByteBuffer.allocate(length);
      for (int block = 1; out.hasRemaining(); block++) {
        mac.update(salt);
        byte[] u = mac.doFinal(ByteBuffer.allocate(4).putInt(block).array());
        byte[] t = u.clone();
        for (int i = 1; i < iterations; i++) {
          u = mac.doFinal(u);
          for (int j = 0; j < t.length; j++) {
            t[j] ^= u[j];
          }
        }
        out.put(t, 0, Math.min(t.length, out.remaining()));
      }
      return out.array();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
