package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.domain.auth.Principal;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idle keep-alive connections to origins, for forwarded requests. A connection is reused only for
 * the same principal and the same authorized address, so one user's requests never ride another
 * user's connection, and only on the event loop it lives on (a client and its upstream always share
 * a thread). The most recently used connection goes first; each waits at most {@code idleTimeout},
 * and a connection that the origin closes or writes to while idle is dropped at once.
 *
 * <p>One pool per event loop, touched only from that loop, so no locking; the maps of loops are the
 * only shared state.
 */
public final class HttpUpstreamPool {
  /** Handler names of an upstream connection's pipeline. */
  public static final String CLIENT_CODEC = "http-client-codec";

  public static final String UPSTREAM_HANDLER = "http-upstream-handler";

  static final int MAX_IDLE_PER_KEY = 8;
  static final int MAX_IDLE_PER_LOOP = 256;

  record Key(Principal principal, InetSocketAddress address) {}

  private final Duration idleTimeout;
  private final ConcurrentMap<EventLoop, LoopPool> loops = new ConcurrentHashMap<>();
  private final AtomicInteger idle = new AtomicInteger();

  public HttpUpstreamPool(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  /** An idle, open connection for {@code key} on {@code loop}, now out of the pool; or null. */
  Channel acquire(EventLoop loop, Key key) {
    LoopPool pool = loops.get(loop);
    return pool == null ? null : pool.take(key);
  }

  /**
   * Parks a connection whose exchange ended cleanly, or closes it when the pool is full.
   *
   * @param loop the client's event loop, which the upstream connection shares
   */
  void release(EventLoop loop, Key key, Channel upstream) {
    loops.computeIfAbsent(loop, l -> new LoopPool()).put(key, upstream);
  }

  /** Idle connections across all loops. */
  int idleConnections() {
    return idle.get();
  }

  private final class LoopPool {
    private final Map<Key, ArrayDeque<Parked>> byKey = new HashMap<>();
    private int count;

    void put(Key key, Channel channel) {
      ArrayDeque<Parked> parked = byKey.computeIfAbsent(key, k -> new ArrayDeque<>());
      if (!channel.isActive() || parked.size() >= MAX_IDLE_PER_KEY || count >= MAX_IDLE_PER_LOOP) {
        if (parked.isEmpty()) {
          byKey.remove(key);
        }
        channel.close();
        return;
      }
      Parked entry = new Parked(key, channel);
      entry.timer =
          channel
              .eventLoop()
              .schedule(() -> evict(entry), idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
      parked.push(entry);
      count++;
      idle.incrementAndGet();
      HttpUpstreamHandler.park(channel, () -> evict(entry));
      channel.read(); // so a close, or stray bytes, are noticed while it waits
    }

    Channel take(Key key) {
      ArrayDeque<Parked> parked = byKey.get(key);
      while (parked != null && !parked.isEmpty()) {
        Parked entry = parked.pop();
        forget(entry);
        if (entry.channel.isActive()) {
          if (parked.isEmpty()) {
            byKey.remove(key);
          }
          return entry.channel;
        }
        entry.channel.close();
      }
      byKey.remove(key);
      return null;
    }

    private void evict(Parked entry) {
      ArrayDeque<Parked> parked = byKey.get(entry.key);
      if (parked != null && parked.remove(entry)) {
        forget(entry);
        if (parked.isEmpty()) {
          byKey.remove(entry.key);
        }
      }
      entry.channel.close();
    }

    private void forget(Parked entry) {
      entry.timer.cancel(false);
      count--;
      idle.decrementAndGet();
    }
  }

  private static final class Parked {
    final Key key;
    final Channel channel;
    ScheduledFuture<?> timer;

    Parked(Key key, Channel channel) {
      this.key = key;
      this.channel = channel;
    }
  }
}
