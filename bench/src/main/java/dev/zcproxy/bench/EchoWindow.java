package dev.zcproxy.bench;

/**
 * How many datagrams a {@code udp-rate} sender may have in flight: sent to the echo server and not
 * back yet. The sender sends one for every echo, so the flow paces itself at what the path
 * sustains, and queues cannot grow without bound anywhere on it. A datagram lost on the way would
 * shrink the window for good, so when nothing has come back for a while (a stall), every datagram
 * in flight is written off as lost and the window opens again. An echo that turns up after its
 * write-off takes its place back, so the window never exceeds its size.
 *
 * <p>Not thread-safe: one sender's event loop owns it.
 */
final class EchoWindow {

  private final int size;
  private long sent;
  private long returned;
  private long writtenOff;
  private long stalls;
  private long lastProgressNanos;

  EchoWindow(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("the window must be positive: " + size);
    }
    this.size = size;
  }

  /** Datagrams sent and neither echoed nor written off. */
  long inFlight() {
    return sent - returned - writtenOff;
  }

  /** How many more may be sent now. */
  int credit() {
    return (int) (size - inFlight());
  }

  void sent(int count, long nowNanos) {
    if (inFlight() == 0) {
      lastProgressNanos = nowNanos; // the clock for a stall starts with the first in flight
    }
    sent += count;
  }

  void returned(long nowNanos) {
    returned++;
    lastProgressNanos = nowNanos;
    if (inFlight() < 0) {
      writtenOff--; // a late echo of a datagram written off: it was not lost after all
    }
  }

  /**
   * If datagrams are in flight and none has come back for {@code stallNanos}, writes them all off
   * and returns true.
   */
  boolean writeOffIfStalled(long nowNanos, long stallNanos) {
    if (inFlight() <= 0 || nowNanos - lastProgressNanos < stallNanos) {
      return false;
    }
    writtenOff += inFlight();
    stalls++;
    lastProgressNanos = nowNanos;
    return true;
  }

  long sent() {
    return sent;
  }

  long returned() {
    return returned;
  }

  /** How often the window was reopened after a stall. */
  long stalls() {
    return stalls;
  }
}
