package dev.zcproxy.domain.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.zcproxy.domain.model.PasswordHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PasswordVerifierTest {

  private final Pbkdf2PasswordHasher hasher = new Pbkdf2PasswordHasher(10_000);
  private final PasswordVerifier verifier = new PasswordVerifier(hasher);
  private final PasswordHash alicesHash = new PasswordHash(hasher.hash("alice-pw"));

  @Test
  void remembers_a_password_after_one_successful_check() {
    assertThat(verifier.verify("alice", alicesHash, "alice-pw")).isTrue();
    assertThat(verifier.cachedEntries()).isEqualTo(1);

    assertThat(verifier.verify("alice", alicesHash, "alice-pw")).isTrue();
    assertThat(verifier.cachedEntries()).isEqualTo(1);
  }

  @Test
  void never_remembers_a_wrong_password() {
    assertThat(verifier.verify("alice", alicesHash, "guess")).isFalse();
    assertThat(verifier.cachedEntries()).isZero();

    assertThat(verifier.verify("alice", alicesHash, "alice-pw")).isTrue();
  }

  @Test
  void refuses_a_wrong_password_once_the_right_one_is_remembered() {
    verifier.verify("alice", alicesHash, "alice-pw");

    assertThat(verifier.verify("alice", alicesHash, "guess")).isFalse();
    assertThat(verifier.verify("alice", alicesHash, "")).isFalse();
  }

  @Test
  void a_new_hash_for_the_user_is_checked_afresh() {
    verifier.verify("alice", alicesHash, "alice-pw");
    var changed = new PasswordHash(hasher.hash("new-pw"));

    assertThat(verifier.verify("alice", changed, "alice-pw")).isFalse();
    assertThat(verifier.verify("alice", changed, "new-pw")).isTrue();
    assertThat(verifier.cachedEntries()).isEqualTo(2);
  }

  @Test
  void a_hash_remembered_for_one_user_does_not_serve_another() {
    verifier.verify("alice", alicesHash, "alice-pw");

    assertThat(verifier.verify("mallory", alicesHash, "alice-pw")).isTrue();
    assertThat(verifier.cachedEntries()).isEqualTo(2);
  }

  @Test
  void checks_plain_passwords_without_remembering_them() {
    var plain = new PasswordHash("{plain}dev");

    assertThat(verifier.verify("dev", plain, "dev")).isTrue();
    assertThat(verifier.verify("dev", plain, "nope")).isFalse();
    assertThat(verifier.cachedEntries()).isZero();
  }

  @Test
  void holds_at_most_max_entries() {
    var small = new PasswordVerifier(hasher, 2);
    for (String user : List.of("u1", "u2", "u3", "u4")) {
      assertThat(small.verify(user, alicesHash, "alice-pw")).isTrue();
    }

    assertThat(small.cachedEntries()).isLessThanOrEqualTo(2);
    assertThat(small.verify("u1", alicesHash, "alice-pw")).isTrue();
  }

  @Test
  void a_dummy_check_matches_nothing_and_throws_nothing() {
    verifier.verifyAgainstDummy("alice-pw");
    verifier.verifyAgainstDummy("");

    assertThat(verifier.cachedEntries()).isZero();
  }

  @Test
  void refuses_a_malformed_stored_hash() {
    var broken = new PasswordHash("$pbkdf2-sha256$garbage");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> verifier.verify("alice", broken, "pw"))
        .withMessageContaining("malformed password hash");
  }

  @Test
  void is_safe_to_share_between_threads() throws Exception {
    List<Callable<Boolean>> checks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String password = i % 3 == 0 ? "wrong" : "alice-pw";
      checks.add(
          () -> verifier.verify("alice", alicesHash, password) == password.equals("alice-pw"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (Future<Boolean> check : pool.invokeAll(checks)) {
        assertThat(check.get()).isTrue();
      }
    } finally {
      pool.shutdown();
    }
    assertThat(verifier.cachedEntries()).isEqualTo(1);
  }

  @Test
  void refuses_a_cache_without_room() {
    assertThatIllegalArgumentException().isThrownBy(() -> new PasswordVerifier(hasher, 0));
  }
}
