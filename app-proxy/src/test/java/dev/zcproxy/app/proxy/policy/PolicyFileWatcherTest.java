package dev.zcproxy.app.proxy.policy;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.zcproxy.app.proxy.LogCapture;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.domain.model.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFileWatcherTest {

  private static final String ALICE =
      """
      users: [{ name: alice, password: "{plain}a" }]
      rules: [{ action: allow, users: [alice], destinations: ["*"] }]
      """;
  private static final String ALICE_AND_BOB =
      """
      users: [{ name: alice, password: "{plain}a" }, { name: bob, password: "{plain}b" }]
      rules: [{ action: allow, users: [alice, bob], destinations: ["*"] }]
      """;
  private static final String BROKEN =
      """
      users: [{ name: alice, password: "{plain}a" }]
      rules: [{ action: allow, users: [mallory], destinations: ["*"] }]
      """;

  @TempDir Path directory;

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private PolicyFileWatcher watcher;

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
  }

  @Test
  void startsAtRevisionOne() throws Exception {
    watcher = PolicyFileWatcher.load(write(ALICE), new PolicyFileLoader(), clock);

    assertThat(watcher.revision()).isEqualTo(1);
    assertThat(watcher.activePolicy().current().policy().users())
        .extracting(User::name)
        .containsExactly("alice");
    assertThat(watcher.loadedAt()).isEqualTo(clock.instant());
  }

  @Test
  void aBadFileAtStartupIsAnError() throws IOException {
    Path file = write(BROKEN);

    assertThatThrownBy(() -> PolicyFileWatcher.load(file, new PolicyFileLoader(), clock))
        .isInstanceOf(ConfigException.class)
        .hasMessage("policy file " + file + ": rules[0].users[0]: unknown user 'mallory'");
  }

  @Test
  void aRewrittenFileIsReloadedWithTheNextRevision() throws Exception {
    watcher = startWatching(ALICE);
    clock.set(Instant.parse("2025-01-01T00:01:00Z"));

    try (LogCapture log = LogCapture.of(PolicyFileWatcher.class)) {
      // In place, as an operator's editor might: a reload that reads the file between its
      // truncation and its write logs an error, and the one after the write still reloads.
      Files.writeString(directory.resolve("policy.yaml"), ALICE_AND_BOB);

      // The revision is in force a moment before its log line is written: wait for the line.
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.messages(Level.INFO).isEmpty());
      assertThat(log.messages(Level.INFO))
          .containsExactly("policy reloaded: revision 2, 2 users, 1 rules");
    }
    assertThat(watcher.revision()).isEqualTo(2);
    assertThat(watcher.activePolicy().current().policy().users()).hasSize(2);
    assertThat(watcher.loadedAt()).isEqualTo(Instant.parse("2025-01-01T00:01:00Z"));
  }

  @Test
  void aFileReplacedByRenameIsReloaded() throws Exception {
    watcher = startWatching(ALICE);

    Path temporary = directory.resolve(".policy.yaml.swp");
    Files.writeString(temporary, ALICE_AND_BOB);
    Files.move(temporary, directory.resolve("policy.yaml"), ATOMIC_MOVE);

    await().atMost(Duration.ofSeconds(10)).until(() -> watcher.revision() == 2);
    assertThat(watcher.activePolicy().current().policy().users()).hasSize(2);
  }

  @Test
  void aBrokenFileKeepsTheLastGoodPolicy() throws Exception {
    watcher = startWatching(ALICE);

    try (LogCapture log = LogCapture.of(PolicyFileWatcher.class)) {
      write(BROKEN);

      await().atMost(Duration.ofSeconds(10)).until(() -> !log.messages(Level.ERROR).isEmpty());
      assertThat(log.messages(Level.ERROR))
          .containsExactly(
              "policy reload failed, keeping revision 1:\n  policy file "
                  + directory.resolve("policy.yaml")
                  + ": rules[0].users[0]: unknown user 'mallory'");
    }
    assertThat(watcher.revision()).isEqualTo(1);
    assertThat(watcher.activePolicy().current().policy().users())
        .extracting(User::name)
        .containsExactly("alice");

    write(ALICE_AND_BOB);
    await().atMost(Duration.ofSeconds(10)).until(() -> watcher.revision() == 2);
  }

  @Test
  void aDeletedFileKeepsTheLastGoodPolicy() throws Exception {
    watcher = startWatching(ALICE);

    try (LogCapture log = LogCapture.of(PolicyFileWatcher.class)) {
      Files.delete(directory.resolve("policy.yaml"));

      await().atMost(Duration.ofSeconds(10)).until(() -> !log.messages(Level.ERROR).isEmpty());
      assertThat(log.messages(Level.ERROR).getFirst()).endsWith("policy.yaml: no such file");
    }
    assertThat(watcher.revision()).isEqualTo(1);
  }

  @Test
  void rewritingTheSameContentIsNotANewRevision() throws Exception {
    watcher = startWatching(ALICE);

    write(ALICE);
    Files.writeString(directory.resolve("unrelated.txt"), "x");
    write(ALICE_AND_BOB);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> watcher.activePolicy().current().policy().users().size() == 2);
    assertThat(watcher.revision()).isEqualTo(2);
  }

  @Test
  void anExplicitReloadAppliesTheFileEvenIfUnchanged() throws Exception {
    watcher = PolicyFileWatcher.load(write(ALICE), new PolicyFileLoader(), clock);

    assertThat(watcher.reload()).isTrue();
    assertThat(watcher.reload()).isTrue();

    assertThat(watcher.revision()).isEqualTo(3);
  }

  @Test
  void anExplicitReloadOfABrokenFileKeepsTheLastGoodPolicy() throws Exception {
    watcher = PolicyFileWatcher.load(write(ALICE), new PolicyFileLoader(), clock);
    write(BROKEN);

    assertThat(watcher.reload()).isFalse();

    assertThat(watcher.revision()).isEqualTo(1);
    assertThat(watcher.activePolicy().current().policy().users()).hasSize(1);
  }

  private PolicyFileWatcher startWatching(String yaml) throws Exception {
    PolicyFileWatcher started = PolicyFileWatcher.load(write(yaml), new PolicyFileLoader(), clock);
    started.start();
    return started;
  }

  /**
   * Replaces the policy file in one step. Written in place, a watcher that read the file between
   * its truncation and its write (a stall of the writer past the quiet period on a busy machine)
   * would see an empty file, and log and count a reload the test did not make.
   */
  private Path write(String yaml) throws IOException {
    Path temporary = Files.writeString(directory.resolve(".policy.yaml.tmp"), yaml);
    return Files.move(temporary, directory.resolve("policy.yaml"), ATOMIC_MOVE, REPLACE_EXISTING);
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    MutableClock(Instant start) {
      now = new AtomicReference<>(start);
    }

    void set(Instant instant) {
      now.set(instant);
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
  }
}
