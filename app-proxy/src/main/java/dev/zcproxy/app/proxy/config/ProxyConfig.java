package dev.zcproxy.app.proxy.config;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.TlsIdentity;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The proxy's validated configuration, shaped like the file. See {@link ProxyConfigLoader} for the
 * keys, their defaults and their environment variables.
 *
 * @param listen where the proxy serves clients
 * @param admin the admin HTTP server ({@code /healthz}, {@code /readyz}, {@code /metrics}), or
 *     empty when disabled
 * @param relay which relay carries established tunnels
 * @param policy where the access policy comes from
 * @param tls the proxy's TLS identity for HTTPS-to-proxy, or empty when TLS is off
 */
public record ProxyConfig(
    InetSocketAddress listen,
    Optional<Admin> admin,
    RelayMode relay,
    PolicySource policy,
    Limits limits,
    Shutdown shutdown,
    Optional<TlsIdentity> tls) {

  public ProxyConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(tls, "tls");
  }

  public record Admin(InetSocketAddress listen) {
    public Admin {
      Objects.requireNonNull(listen, "listen");
    }
  }

  /**
   * @param file absolute and normalized
   */
  public record PolicySource(Path file) {
    public PolicySource {
      Objects.requireNonNull(file, "file");
    }
  }

  /** The front end's timeouts and caps; 0 means unlimited for the connection caps. */
  public record Limits(
      Duration handshakeTimeout,
      Duration idleTimeout,
      Duration connectTimeout,
      Duration bindAcceptTimeout,
      int maxHandshakeBytes,
      int maxConnections,
      int maxConnectionsPerSource,
      int maxConnectionsPerUser,
      Duration streamIdleTimeout) {}

  /**
   * @param drainTimeout how long established tunnels may run on after a shutdown signal
   */
  public record Shutdown(Duration drainTimeout) {
    public Shutdown {
      Objects.requireNonNull(drainTimeout, "drainTimeout");
    }
  }

  /** What the Netty front end takes. */
  public ProxyServerSettings serverSettings() {
    ProxyServerSettings settings =
        new ProxyServerSettings(
            listen,
            relay,
            limits.handshakeTimeout(),
            limits.idleTimeout(),
            limits.connectTimeout(),
            limits.bindAcceptTimeout(),
            limits.maxHandshakeBytes(),
            limits.maxConnections(),
            limits.maxConnectionsPerSource(),
            limits.maxConnectionsPerUser());
    settings = settings.withStreamIdleTimeout(limits.streamIdleTimeout());
    return tls.map(settings::withTls).orElse(settings);
  }
}
