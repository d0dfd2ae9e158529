package dev.zcproxy.outbound.stateclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.domain.port.out.PolicySnapshotStore;
import dev.zcproxy.domain.state.PolicyRevision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The proxy's last good policy in one JSON file:
 *
 * <pre>{@code
 * {"format": 1, "syncedAt": "2026-01-02T03:04:05Z", "settingsVersion": 4,
 *  "snapshot": { ...the state service's snapshot body, password hashes included... }}
 * }</pre>
 *
 * A save creates the directory if it is missing (mode 0700), writes a temporary file next to the
 * copy, created with mode 0600 (it holds password hashes), forces it to disk, and renames it over
 * the old one, so a reader or a crash sees the old copy or the new one, never half of one. A load
 * refuses a file that is readable by others, malformed, or of another format, saying why.
 */
public final class FilePolicySnapshotStore implements PolicySnapshotStore {

  static final int FORMAT = 1;
  private static final Set<String> FIELDS =
      Set.of("format", "syncedAt", "settingsVersion", "snapshot");
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Path file;

  public FilePolicySnapshotStore(Path file) {
    this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    if (this.file.getParent() == null) {
      throw new IllegalArgumentException("the cache file needs a directory: " + file);
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public Optional<Saved> load() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException unreadable) {
      throw new IllegalStateException(file + ": cannot read it (" + unreadable + ")", unreadable);
    }
    try {
      return Optional.of(parse(content));
    } catch (IllegalArgumentException malformed) {
      throw new IllegalStateException(file + ": " + malformed.getMessage(), malformed);
    }
  }

  @Override
  public void save(Saved snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    byte[] content;
    try {
      content = SnapshotJson.MAPPER.writeValueAsBytes(render(snapshot));
    } catch (IOException impossible) {
      throw new IllegalStateException("cannot render the snapshot: " + impossible, impossible);
    }
    Path temporary =
        file.resolveSibling(
            "."
                + file.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
    try {
      createDirectory(file.getParent());
      try (FileChannel channel =
          FileChannel.open(
              temporary,
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      // The umask may have narrowed the mode further, never widened it; make it exact.
      Files.setPosixFilePermissions(temporary, OWNER_ONLY);
      try {
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException notAtomic) {
        throw new IOException("cannot rename atomically into " + file.getParent(), notAtomic);
      }
    } catch (IOException | UnsupportedOperationException failed) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // the failure below is what matters
      }
      throw new IllegalStateException(file + ": cannot write it (" + failed + ")", failed);
    }
  }

  /** A missing directory is created for the proxy's user only (the file is its only content). */
  private static void createDirectory(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(
              EnumSet.of(
                  PosixFilePermission.OWNER_READ,
                  PosixFilePermission.OWNER_WRITE,
                  PosixFilePermission.OWNER_EXECUTE)));
    }
  }

  static ObjectNode render(Saved snapshot) {
    ObjectNode root = SnapshotJson.MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("syncedAt", snapshot.syncedAt().toString());
    root.put("settingsVersion", snapshot.policy().settings().version());
    root.set("snapshot", SnapshotJson.write(snapshot.policy()));
    return root;
  }

  private Saved parse(byte[] content) {
    if (isReadableByOthers()) {
      throw new IllegalArgumentException(
          "readable by other users, but it holds password hashes: chmod 600 it");
    }
    JsonNode root = SnapshotJson.tree(content);
    if (!root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException(name + ": unknown field");
      }
    }
    JsonNode format = root.get("format");
    if (format == null || !format.isInt() || format.asInt() != FORMAT) {
      throw new IllegalArgumentException("format: expected " + FORMAT + ", got " + format);
    }
    JsonNode syncedAt = root.get("syncedAt");
    JsonNode settingsVersion = root.get("settingsVersion");
    JsonNode snapshot = root.get("snapshot");
    if (syncedAt == null || !syncedAt.isTextual()) {
      throw new IllegalArgumentException("syncedAt: expected an instant like 2026-01-02T03:04:05Z");
    }
    if (settingsVersion == null
        || !settingsVersion.isIntegralNumber()
        || settingsVersion.asLong() < 0) {
      throw new IllegalArgumentException("settingsVersion: expected a whole number >= 0");
    }
    if (snapshot == null) {
      throw new IllegalArgumentException("snapshot: missing");
    }
    Instant at;
    try {
      at = Instant.parse(syncedAt.asText());
    } catch (DateTimeParseException bad) {
      throw new IllegalArgumentException("syncedAt: " + bad.getMessage(), bad);
    }
    PolicyRevision policy;
    try {
      policy = SnapshotJson.parse(snapshot, settingsVersion.asLong());
    } catch (IllegalArgumentException invalid) {
      throw new IllegalArgumentException("snapshot." + invalid.getMessage(), invalid);
    }
    return new Saved(policy, at);
  }

  private boolean isReadableByOthers() {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      return permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException unknown) {
      return false;
    }
  }
}
