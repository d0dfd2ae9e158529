package dev.zcproxy.inbound.netty.udp;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.DestinationGate;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one UDP association may send, and whose answers it may pass back.
 *
 * <p>Every destination goes through the {@link DestinationGate} (DNS, then the policy on the
 * resolved address), like a TCP CONNECT. The decision is cached per association, so a steady flow
 * pays for DNS and the policy once rather than per datagram. Decisions expire after {@link
 * #DECISION_TTL}, so a long-lived association follows DNS changes and policy revocations. Refusals
 * are cached too, so a client spraying refused destinations cannot turn each datagram into a DNS
 * query.
 *
 * <p>Datagrams that arrive while their destination is being decided wait in a small queue (the
 * first datagram of a flow is often the only one, a DNS query for instance); past the bounds they
 * are dropped.
 *
 * <p>Answers are accepted only from an address:port this association has sent to. That is stricter
 * than some protocols want (TFTP answers from a new port) and is what keeps the relay from being an
 * open door into the client.
 *
 * <p>Not thread-safe: everything runs on the association's event loop.
 */
public final class UdpDestinations {

  private static final Logger log = LoggerFactory.getLogger(UdpDestinations.class);

  static final int MAX_DECISIONS = 256;
  static final int MAX_PEERS = 256;
  static final int MAX_DESTINATIONS_PENDING = 16;
  static final int MAX_BYTES_PENDING = 128 * 1024;
  static final Duration DECISION_TTL = Duration.ofSeconds(30);

  /**
   * Allowed destinations registered for re-authorization on a policy change (a later policy that
   * refuses one closes the association). Past this many, a revocation reaches the association
   * through {@link #DECISION_TTL} instead, so a client spraying destinations cannot grow the
   * registry without bound.
   */
  static final int MAX_REGISTERED = 1024;

  /** The gate's verdict on one destination: the address to use, or null for refused. */
  private record Decision(InetSocketAddress address, long expiresAtNanos) {
    boolean isFresh(long nowNanos) {
      return nowNanos - expiresAtNanos < 0;
    }
  }

  private final UdpSession association;
  private final DestinationGate gate;
  private final Principal principal;
  private final EventLoop loop;
  private final Map<Destination, Decision> decisions = leastRecentlyUsed(MAX_DECISIONS);
  private final Map<InetSocketAddress, Boolean> peers = leastRecentlyUsed(MAX_PEERS);
  private final Map<Destination, ArrayDeque<ByteBuf>> pending = new HashMap<>();
  private int bytesPending;
  private int registered;
  private boolean closed;

  UdpDestinations(
      UdpSession association, DestinationGate gate, Principal principal, EventLoop loop) {
    this.association = association;
    this.gate = gate;
    this.principal = principal;
    this.loop = loop;
  }

  /**
   * Sends {@code payload} to {@code destination} if it is allowed, now or once the gate has
   * decided. The caller keeps its reference to {@code payload}.
   */
  public void route(Destination destination, ByteBuf payload) {
    Decision decision = decisions.get(destination);
    if (decision != null && decision.isFresh(System.nanoTime())) {
      if (decision.address() == null) {
        association.drop(UdpSession.DropReason.REFUSED);
      } else {
        send(decision.address(), payload);
      }
      return;
    }
    ArrayDeque<ByteBuf> queue = pending.get(destination);
    boolean tooManyDestinations = queue == null && pending.size() >= MAX_DESTINATIONS_PENDING;
    if (tooManyDestinations || bytesPending + payload.readableBytes() > MAX_BYTES_PENDING) {
      association.drop(UdpSession.DropReason.BACKLOG);
      return;
    }
    // A copy, not a slice: a slice would pin the whole 64 KiB receive buffer while it waits.
    ByteBuf copy = association.allocate(payload.readableBytes()).writeBytes(payload.duplicate());
    bytesPending += copy.readableBytes();
    if (queue != null) {
      queue.add(copy);
      return;
    }
    queue = new ArrayDeque<>();
    queue.add(copy);
    pending.put(destination, queue);
    gate.resolveAndAuthorize(loop, principal, destination, Protocol.UDP)
        .addListener(decided -> decided(destination, decided));
  }

  private void decided(Destination destination, Future<?> verdict) {
    ArrayDeque<ByteBuf> queue = pending.remove(destination);
    if (closed || queue == null) {
      return;
    }
    long expiresAt = System.nanoTime() + DECISION_TTL.toNanos();
    AuthorizedDestination allowed =
        verdict.isSuccess() ? (AuthorizedDestination) verdict.getNow() : null;
    InetSocketAddress address = allowed == null ? null : allowed.address();
    if (allowed != null && registered < MAX_REGISTERED) {
      registered++;
      association.allowed(allowed);
    }
    if (address == null) {
      log.debug("UDP destination {} refused: {}", destination, verdict.cause().getMessage());
    }
    Decision previous = decisions.put(destination, new Decision(address, expiresAt));
    if (previous != null && previous.address() != null && !previous.address().equals(address)) {
      peers.remove(previous.address());
    }
    for (ByteBuf payload = queue.poll(); payload != null; payload = queue.poll()) {
      bytesPending -= payload.readableBytes();
      try {
        if (address == null) {
          association.drop(UdpSession.DropReason.REFUSED);
        } else if (association.isOpen()) {
          send(address, payload);
        }
      } finally {
        payload.release();
      }
    }
    if (address != null && association.isOpen()) {
      association.flushUpstream();
    }
  }

  private void send(InetSocketAddress address, ByteBuf payload) {
    peers.put(address, Boolean.TRUE);
    association.sendUpstream(address, payload);
  }

  /** Whether {@code source} is a destination this association has sent to. */
  boolean isPeer(InetSocketAddress source) {
    return peers.get(source) != null;
  }

  /** Releases whatever still waits; later verdicts are ignored. */
  void close() {
    closed = true;
    for (ArrayDeque<ByteBuf> queue : pending.values()) {
      queue.forEach(ByteBuf::release);
    }
    pending.clear();
    bytesPending = 0;
  }

  private static <K, V> Map<K, V> leastRecentlyUsed(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }
}
