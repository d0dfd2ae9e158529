package dev.zcproxy.outbound.stateclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.port.out.PolicySnapshotStore.Saved;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePolicySnapshotStoreTest {

  private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

  @TempDir Path directory;

  @Test
  void nothingSavedIsEmpty() {
    assertThat(new FilePolicySnapshotStore(directory.resolve("policy.json")).load()).isEmpty();
  }

  @Test
  void whatIsSavedLoadsBackOwnerOnlyAndNothingElseIsLeft() throws IOException {
    var store = new FilePolicySnapshotStore(directory.resolve("policy.json"));
    store.save(new Saved(Snapshots.sample(5, 1), AT));
    store.save(new Saved(Snapshots.sample(9, 7), AT.plusSeconds(1)));

    assertThat(store.load()).contains(new Saved(Snapshots.sample(9, 7), AT.plusSeconds(1)));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())))
        .isEqualTo("rw-------");
    try (var files = Files.list(directory)) {
      assertThat(files).containsExactly(store.file());
    }
  }

  @Test
  void aMalformedCopyIsAnErrorNamingTheFile() throws IOException {
    Path file = directory.resolve("policy.json");
    Files.writeString(file, "{\"format\":2}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    assertThatThrownBy(() -> new FilePolicySnapshotStore(file).load())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(file + ": format: expected 1, got 2");
  }

  @Test
  void aCopyOthersCanReadIsRefused() throws IOException {
    var store = new FilePolicySnapshotStore(directory.resolve("policy.json"));
    store.save(new Saved(Snapshots.sample(5, 1), AT));
    Files.setPosixFilePermissions(store.file(), PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(store::load).hasMessageContaining("chmod 600");
  }

  @Test
  void aMissingDirectoryIsCreatedForTheOwnerOnly() throws IOException {
    var store = new FilePolicySnapshotStore(directory.resolve("a/b/policy.json"));

    store.save(new Saved(Snapshots.sample(5, 1), AT));

    assertThat(store.load()).contains(new Saved(Snapshots.sample(5, 1), AT));
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("a/b"))))
        .isEqualTo("rwx------");
  }

  @Test
  void anUnwritableLocationIsAnErrorNamingTheFile() throws IOException {
    Path notADirectory = Files.writeString(directory.resolve("plain"), "x");
    var store = new FilePolicySnapshotStore(notADirectory.resolve("policy.json"));

    assertThatThrownBy(() -> store.save(new Saved(Snapshots.sample(9, 7), AT)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(store.file() + ": cannot write it");
  }
}
