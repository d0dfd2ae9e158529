package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.domain.service.PolicyFollower;
import dev.zcproxy.domain.state.OutboxEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The policy follower's events as log lines: loud once per outage, quiet while it lasts. */
final class LoggingFollowerObserver implements PolicyFollower.Observer {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyFollower.class);

  @Override
  public void installed(long revision, String digest, PolicyFollower.Origin origin, int closed) {
    LOG.info(
        "policy revision {} installed from {} (digest {}); {} live tunnels it refuses closed",
        revision,
        origin.label(),
        digest,
        closed);
  }

  @Override
  public void sourceUnavailable(PolicyFollower.Resync reason, String message, boolean first) {
    if (first) {
      LOG.warn(
          "cannot fetch the policy snapshot ({}): {}; keeping the policy in force",
          reason,
          message);
    } else {
      LOG.debug("still cannot fetch the policy snapshot ({}): {}", reason, message);
    }
  }

  @Override
  public void sourceBack() {
    LOG.info("the state service answers again");
  }

  @Override
  public void staleSnapshotIgnored(long fetchedRevision, long appliedRevision) {
    LOG.warn(
        "the state service sent revision {}, older than the {} in force; keeping {}. If its"
            + " database was restored from a backup, delete the proxy's policy.cacheFile and"
            + " restart it",
        fetchedRevision,
        appliedRevision,
        appliedRevision);
  }

  @Override
  public void gap(long appliedRevision, OutboxEntry entry) {
    LOG.info(
        "policy change {} follows {}, but {} is applied: fetching the snapshot",
        entry.revision(),
        entry.previousRevision(),
        appliedRevision);
  }

  @Override
  public void inconsistentChange(String reason) {
    LOG.warn(
        "a policy change does not fit the policy in force ({}): fetching the snapshot", reason);
  }

  @Override
  public void invalidPolicy(long revision, String reason) {
    LOG.error("policy revision {} is invalid and was not installed: {}", revision, reason);
  }

  @Override
  public void rejectedMessage(String reason) {
    LOG.warn("policy feed message rejected: {}", reason);
  }

  @Override
  public void feedDisconnected(String reason) {
    LOG.warn(
        "policy feed disconnected ({}); keeping the policy in force while it reconnects", reason);
  }

  @Override
  public void cacheProblem(String message) {
    LOG.warn("policy cache: {}", message);
  }
}
