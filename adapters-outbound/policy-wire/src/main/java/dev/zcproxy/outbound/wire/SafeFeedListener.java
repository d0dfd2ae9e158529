package dev.zcproxy.outbound.wire;

import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import org.slf4j.Logger;

/**
 * Calls a feed's listener and logs what it throws: a bug in the listener must not look like a
 * broker failure (which would reconnect and lose messages) nor end the feed's thread.
 */
public final class SafeFeedListener implements PolicyFeed.Listener {

  private final PolicyFeed.Listener listener;
  private final Logger log;

  public SafeFeedListener(PolicyFeed.Listener listener, Logger log) {
    this.listener = listener;
    this.log = log;
  }

  @Override
  public void connected() {
    guard("connected", listener::connected);
  }

  @Override
  public void change(OutboxEntry entry) {
    guard("change " + entry.revision(), () -> listener.change(entry));
  }

  @Override
  public void rejected(String reason) {
    guard("rejected", () -> listener.rejected(reason));
  }

  @Override
  public void disconnected(String reason) {
    guard("disconnected", () -> listener.disconnected(reason));
  }

  private void guard(String call, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException bug) {
      log.error("the policy feed listener failed in {}", call, bug);
    }
  }
}
