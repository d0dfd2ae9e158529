package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.admin.PolicyStatus;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;

/**
 * Where the proxy's policy comes from, as the application sees it: the {@link ActivePolicy} the
 * domain services read, kept current by a file ({@link FilePolicyProvider}) or by the state service
 * ({@link StateServicePolicyProvider}). Each installs new policies on its own and hands each one to
 * the {@link ConnectionRegistry}, which closes the live tunnels it refuses.
 */
public interface PolicyProvider extends AutoCloseable {

  /** What the authentication and authorization services read. */
  ActivePolicy activePolicy();

  /** Starts following the source; every policy installed from now on goes to {@code tunnels}. */
  void start(ConnectionRegistry tunnels) throws IOException;

  /** SIGHUP: re-read the file, or fetch the state service's snapshot now. */
  void reload();

  /** Whether a policy is in force; until then every client is refused and the proxy not ready. */
  boolean hasPolicy();

  long revision();

  PolicyStatus status();

  /**
   * {@code zcproxy_policy_revision}, {@code zcproxy_policy_loaded_timestamp_seconds}, {@code
   * zcproxy_policy_age_seconds} and what else the source counts.
   */
  void bindMetrics(MeterRegistry registry);

  /** For the startup log line: {@code file /etc/zcproxy/policy.yaml}, {@code state service ...}. */
  String describe();

  @Override
  void close();
}
