package dev.zcproxy.domain.auth;

import dev.zcproxy.domain.model.HostNames;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: once {@code maxFailures} logins have failed within {@code window} for a
 * user name, or from a source, further attempts for that name or from that source are refused
 * unchecked until the oldest of those failures leaves the window (a sliding window). A success
 * clears the user's count, not the source's.
 *
 * <p>Sources are IPv4 addresses or IPv6 /64 networks, since one IPv6 host usually holds a whole
 * /64. Names are counted whether or not the user exists, so the throttle tells nothing about who
 * exists. The price is that anyone can hold a known user name throttled; the per-source count keeps
 * one client from guessing many names.
 *
 * <p>Memory is bounded: each table holds at most {@code maxTracked} keys; when full it drops
 * expired entries and, if that is not enough, arbitrary ones. Thread-safe.
 */
public final class AuthFailureThrottle {

  public static final int DEFAULT_MAX_FAILURES = 5;
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_TRACKED = 100_000;

  private final Clock clock;
  private final int maxFailures;
  private final long windowMillis;
  private final FailureTable byUser;
  private final FailureTable bySource;

  public AuthFailureThrottle(Clock clock) {
    this(clock, DEFAULT_MAX_FAILURES, DEFAULT_WINDOW);
  }

  public AuthFailureThrottle(Clock clock, int maxFailures, Duration window) {
    this(clock, maxFailures, window, DEFAULT_MAX_TRACKED);
  }

  public AuthFailureThrottle(Clock clock, int maxFailures, Duration window, int maxTracked) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxFailures < 1) {
      throw new IllegalArgumentException("maxFailures must be >= 1, got " + maxFailures);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, got " + window);
    }
    if (maxTracked < 1) {
      throw new IllegalArgumentException("maxTracked must be >= 1, got " + maxTracked);
    }
    this.maxFailures = maxFailures;
    this.windowMillis = window.toMillis();
    this.byUser = new FailureTable(maxTracked);
    this.bySource = new FailureTable(maxTracked);
  }

  /**
   * @return how long to wait when this user or this source is throttled, else empty
   */
  public Optional<Duration> check(String user, InetAddress source) {
    long now = clock.millis();
    long wait = Math.max(byUser.retryAfter(user, now), bySource.retryAfter(sourceKey(source), now));
    return wait > 0 ? Optional.of(Duration.ofMillis(wait)) : Optional.empty();
  }

  public void recordFailure(String user, InetAddress source) {
    long now = clock.millis();
    byUser.record(Objects.requireNonNull(user, "user"), now);
    bySource.record(sourceKey(source), now);
  }

  public void recordSuccess(String user) {
    byUser.clear(Objects.requireNonNull(user, "user"));
  }

  /** How many user names and sources are tracked now. */
  int trackedKeys() {
    return byUser.size() + bySource.size();
  }

  /** The unit a source is counted in: its IPv4 address, or its IPv6 /64. */
  static String sourceKey(InetAddress source) {
    byte[] bytes = Objects.requireNonNull(source, "source").getAddress();
    if (HostNames.isIpv4Mapped(bytes)) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
    }
    if (bytes.length == 4) {
      return address(bytes).getHostAddress();
    }
    Arrays.fill(bytes, 8, 16, (byte) 0);
    return address(bytes).getHostAddress() + "/64";
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new IllegalArgumentException("bad address length " + bytes.length, impossible);
    }
  }

  /** The recent failure times of one key, oldest first, at most {@code maxFailures} of them. */
  private record Failures(long[] times) {
    long newest() {
      return times[times.length - 1];
    }
  }

  private final class FailureTable {
    private final int maxTracked;
    private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

    FailureTable(int maxTracked) {
      this.maxTracked = maxTracked;
    }

    /** Milliseconds until {@code key} may try again; 0 when it may now. */
    long retryAfter(String key, long now) {
      Failures recent = failures.get(Objects.requireNonNull(key, "key"));
      if (recent == null) {
        return 0;
      }
      if (expired(recent, now)) {
        failures.remove(key, recent);
        return 0;
      }
      if (recent.times().length < maxFailures) {
        return 0;
      }
      // Clamped, so a wall clock set back cannot lock a key out for longer than one window.
      return Math.clamp(recent.times()[0] + windowMillis - now, 0, windowMillis);
    }

    void record(String key, long now) {
      if (!failures.containsKey(key) && failures.size() >= maxTracked) {
        makeRoom(now);
      }
      failures.compute(key, (k, recent) -> withFailure(recent, now));
    }

    void clear(String key) {
      failures.remove(key);
    }

    int size() {
      return failures.size();
    }

    private Failures withFailure(Failures recent, long now) {
      long[] kept =
          recent == null
              ? new long[0]
              : Arrays.stream(recent.times()).filter(time -> time > now - windowMillis).toArray();
      int from = Math.max(0, kept.length - (maxFailures - 1));
      long[] times = Arrays.copyOfRange(kept, from, kept.length + 1);
      times[times.length - 1] = now;
      return new Failures(times);
    }

    private boolean expired(Failures recent, long now) {
      return recent.newest() <= now - windowMillis;
    }

    /** Drops expired keys; if the table is still full, arbitrary ones down to 90% of the cap. */
    private void makeRoom(long now) {
      failures.values().removeIf(recent -> expired(recent, now));
      int target = maxTracked - Math.max(1, maxTracked / 10);
      Iterator<Map.Entry<String, Failures>> victims = failures.entrySet().iterator();
      while (failures.size() > target && victims.hasNext()) {
        victims.next();
        victims.remove();
      }
    }
  }
}
