package dev.zcproxy.app.proxy.policy;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link ActivePolicy} in step with the policy file. It reloads when the file changes and
 * when asked ({@link #reload()}, which SIGHUP calls).
 *
 * <p>It watches the file's <em>directory</em>, not the file: editors and config management replace
 * a file by writing a temporary one and renaming it over the original, and Kubernetes swaps a
 * symlinked directory. Any event for the file's name (or any event at all when the file is a
 * symlink) starts a 200 ms quiet period; when it ends the file is read, and applied only if its
 * content differs from what was last read. A file that fails to load is logged and the last good
 * policy stays in force: a reload never falls back to deny-all. Each policy applied goes to the
 * {@link ConnectionRegistry}: established tunnels the new policy refuses are closed, the others run
 * on.
 */
public final class PolicyFileWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyFileWatcher.class);

  /** Long enough to let an editor finish a write-and-rename, short enough to feel instant. */
  static final Duration QUIET_PERIOD = Duration.ofMillis(200);

  private final Path file;
  private final PolicyFileLoader loader;
  private final ActivePolicy activePolicy;
  private final Clock clock;
  private final Object reloadLock = new Object();

  /** Digest of the content last read (good or bad), so an unchanged file is not reapplied. */
  private byte[] lastSeenDigest;

  private volatile Instant loadedAt;
  private volatile ConnectionRegistry connections = ConnectionRegistry.NONE;
  private WatchService watchService;
  private Thread watchThread;

  private PolicyFileWatcher(
      Path file,
      PolicyFileLoader loader,
      ActivePolicy activePolicy,
      Clock clock,
      byte[] digest,
      Instant loadedAt) {
    this.file = file;
    this.loader = loader;
    this.activePolicy = activePolicy;
    this.clock = clock;
    this.lastSeenDigest = digest;
    this.loadedAt = loadedAt;
  }

  /**
   * Loads the file as revision 1. Watching starts with {@link #start()}.
   *
   * @throws ConfigException when the file is missing or invalid: a startup error
   */
  public static PolicyFileWatcher load(Path file, PolicyFileLoader loader, Clock clock)
      throws ConfigException {
    Path absolute = file.toAbsolutePath().normalize();
    byte[] content = PolicyFileLoader.read(absolute);
    Policy policy = loader.parse(absolute, content);
    var active = new ActivePolicy(PolicySnapshot.compile(policy, 1));
    return new PolicyFileWatcher(absolute, loader, active, clock, sha256(content), clock.instant());
  }

  /** What the authentication and authorization services read. */
  public ActivePolicy activePolicy() {
    return activePolicy;
  }

  public Path file() {
    return file;
  }

  public long revision() {
    return activePolicy.current().revision();
  }

  /** When the policy in force was loaded. */
  public Instant loadedAt() {
    return loadedAt;
  }

  /** Where each reloaded policy goes, so that live tunnels it refuses are closed. */
  public void connections(ConnectionRegistry registry) {
    this.connections = java.util.Objects.requireNonNull(registry, "registry");
  }

  /** Starts watching the file's directory on a daemon thread. */
  public void start() throws IOException {
    synchronized (reloadLock) {
      if (watchService != null) {
        throw new IllegalStateException("already watching " + file);
      }
      Path directory = file.getParent();
      watchService = directory.getFileSystem().newWatchService();
      directory.register(watchService, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE, OVERFLOW);
      watchThread = Thread.ofPlatform().name("policy-file-watcher").daemon().unstarted(this::watch);
      watchThread.start();
    }
  }

  /**
   * Re-reads the file and applies it whatever its content, as SIGHUP asks.
   *
   * @return whether a new revision is now in force
   */
  public boolean reload() {
    return reload(true);
  }

  @Override
  public void close() {
    WatchService service;
    Thread thread;
    synchronized (reloadLock) {
      service = watchService;
      thread = watchThread;
    }
    if (service == null) {
      return;
    }
    try {
      service.close(); // wakes the watch thread with ClosedWatchServiceException
    } catch (IOException closeFailed) {
      LOG.warn("closing the watch of {} failed", file.getParent(), closeFailed);
    }
    if (thread != Thread.currentThread()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean reload(boolean evenIfUnchanged) {
    synchronized (reloadLock) {
      long previous = revision();
      byte[] content;
      try {
        content = PolicyFileLoader.read(file);
      } catch (ConfigException unreadable) {
        lastSeenDigest = null;
        logRejected(unreadable, previous);
        return false;
      }
      byte[] digest = sha256(content);
      if (!evenIfUnchanged && Arrays.equals(digest, lastSeenDigest)) {
        return false;
      }
      lastSeenDigest = digest;
      Policy policy;
      try {
        policy = loader.parse(file, content);
      } catch (ConfigException invalid) {
        logRejected(invalid, previous);
        return false;
      }
      long next = previous + 1;
      PolicySnapshot snapshot = PolicySnapshot.compile(policy, next);
      activePolicy.replace(snapshot);
      loadedAt = clock.instant();
      int closed = connections.policyInstalled(snapshot);
      LOG.info(
          "policy reloaded: revision {}, {} users, {} rules{}",
          next,
          policy.users().size(),
          policy.rules().size(),
          closed == 0 ? "" : "; closed " + closed + " live tunnels it refuses");
      return true;
    }
  }

  private static void logRejected(ConfigException problem, long keptRevision) {
    LOG.error(
        "policy reload failed, keeping revision {}:\n  {}",
        keptRevision,
        String.join("\n  ", problem.problems()));
  }

  private void watch() {
    try {
      while (true) {
        WatchKey key = watchService.take();
        boolean relevant = isRelevant(key);
        if (!key.reset()) {
          LOG.warn(
              "{} can no longer be watched (deleted or unmounted?); SIGHUP still reloads the policy",
              file.getParent());
          return;
        }
        if (relevant) {
          awaitQuiet();
          reload(false);
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException stopped) {
      LOG.debug("stopped watching {}", file);
    }
  }

  private boolean isRelevant(WatchKey key) {
    boolean relevant = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == OVERFLOW || file.getFileName().equals(event.context())) {
        relevant = true;
      }
    }
    // A symlinked file (a Kubernetes ConfigMap) changes through a rename of another entry.
    return relevant || Files.isSymbolicLink(file);
  }

  /** Waits until the directory has been quiet for {@link #QUIET_PERIOD}. */
  private void awaitQuiet() throws InterruptedException {
    WatchKey more;
    while ((more = watchService.poll(QUIET_PERIOD.toMillis(), TimeUnit.MILLISECONDS)) != null) {
      more.pollEvents();
      more.reset();
    }
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }
}
