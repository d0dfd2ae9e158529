package dev.zcproxy.inbound.netty.server;

import java.time.Duration;
import java.util.Objects;

/**
 * The user event every client pipeline gets when the server stops gracefully: a front end that can
 * wind a connection down politely (HTTP/2's GOAWAY) does so within {@code within}; the others pass
 * it on and their connections finish on their own, or are closed when the drain time is up.
 */
public record Drain(Duration within) {
  public Drain {
    Objects.requireNonNull(within, "within");
  }
}
