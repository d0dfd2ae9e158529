package dev.zcproxy.inbound.netty.handshake;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts live client connections: overall and per source address at accept, per authenticated user
 * after authentication. Every count taken is given back when its channel closes, so callers never
 * release anything by hand. A limit of 0 means unlimited, and nothing is tracked for it.
 *
 * <p>Channels live on different event loops, so the counts are concurrent maps whose entries are
 * removed when they drop to zero (no growth with the number of distinct clients ever seen).
 */
public final class ConnectionTracker implements ConnectionLimits {

  /** The outcome of the accept-time check; {@code reason} is the metrics label. */
  public enum Admission {
    ADMITTED(null),
    OVER_CONNECTION_LIMIT("connection_limit"),
    OVER_SOURCE_LIMIT("source_limit");

    private final String reason;

    Admission(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private final int maxConnections;
  private final int maxPerSource;
  private final int maxPerUser;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Integer> perUser = new ConcurrentHashMap<>();

  ConnectionTracker(int maxConnections, int maxPerSource, int maxPerUser) {
    this.maxConnections = maxConnections;
    this.maxPerSource = maxPerSource;
    this.maxPerUser = maxPerUser;
  }

  public static ConnectionTracker of(ProxyServerSettings settings) {
    return new ConnectionTracker(
        settings.limits().maxConnections(),
        settings.limits().maxConnectionsPerSource(),
        settings.limits().maxConnectionsPerUser());
  }

  /**
   * QUIC connections' own overall and per-source limits ({@code quic.*}); users are counted by the
   * TCP tracker for every protocol, so this one counts none.
   */
  public static ConnectionTracker forQuic(ProxyServerSettings settings) {
    return new ConnectionTracker(
        settings.quic().maxConnections(), settings.quic().maxConnectionsPerSource(), 0);
  }

  /** Checks a just-accepted connection against the overall and per-source limits. */
  public Admission admit(Channel channel) {
    InetAddress source =
        channel.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
    return admit(channel, source);
  }

  /**
   * Checks a new connection from {@code source} (null: not counted per source) against the overall
   * and per-source limits; what it counts is given back when {@code channel} closes.
   */
  public Admission admit(Channel channel, InetAddress source) {
    if (maxConnections > 0) {
      if (total.incrementAndGet() > maxConnections) {
        total.decrementAndGet();
        return Admission.OVER_CONNECTION_LIMIT;
      }
      channel.closeFuture().addListener(closed -> total.decrementAndGet());
    }
    if (maxPerSource > 0 && source != null) {
      if (!acquire(perSource, source, maxPerSource)) {
        return Admission.OVER_SOURCE_LIMIT; // the overall count is released when it closes
      }
      channel.closeFuture().addListener(closed -> release(perSource, source));
    }
    return Admission.ADMITTED;
  }

  /** Anonymous clients are not users: only authenticated principals are counted. */
  @Override
  public boolean admitUser(Channel channel, Principal principal) {
    if (maxPerUser == 0 || !(principal instanceof Principal.UserPrincipal user)) {
      return true;
    }
    if (!acquire(perUser, user.name(), maxPerUser)) {
      return false;
    }
    channel.closeFuture().addListener(closed -> release(perUser, user.name()));
    return true;
  }

  int connections() {
    return total.get();
  }

  private static <K> boolean acquire(ConcurrentMap<K, Integer> counts, K key, int limit) {
    boolean[] admitted = {false};
    counts.compute(
        key,
        (k, current) -> {
          int count = current == null ? 0 : current;
          if (count >= limit) {
            return current;
          }
          admitted[0] = true;
          return count + 1;
        });
    return admitted[0];
  }

  private static <K> void release(ConcurrentMap<K, Integer> counts, K key) {
    counts.computeIfPresent(key, (k, count) -> count == 1 ? null : count - 1);
  }
}
