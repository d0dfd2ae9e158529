package dev.zcproxy.app.proxy.config;

import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.KerberosAcceptor;
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
 * @param kerberos the proxy's Kerberos service identity and accepted realm, or empty when SOCKS5
 *     GSS-API and HTTP Negotiate are off
 */
public record ProxyConfig(
    InetSocketAddress listen,
    Optional<Admin> admin,
    RelayMode relay,
    PolicySource policy,
    Limits limits,
    Shutdown shutdown,
    Optional<TlsIdentity> tls,
    Optional<Kerberos> kerberos) {

  public ProxyConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(kerberos, "kerberos");
  }

  /** The same configuration without Kerberos. */
  public ProxyConfig(
      InetSocketAddress listen,
      Optional<Admin> admin,
      RelayMode relay,
      PolicySource policy,
      Limits limits,
      Shutdown shutdown,
      Optional<TlsIdentity> tls) {
    this(listen, admin, relay, policy, limits, shutdown, tls, Optional.empty());
  }

  /**
   * @param acceptor accepts tickets for the keytab's service principals
   * @param mapping which realm's principals stand for policy users
   */
  public record Kerberos(KerberosAcceptor acceptor, KerberosPrincipalMapping mapping) {
    public Kerberos {
      Objects.requireNonNull(acceptor, "acceptor");
      Objects.requireNonNull(mapping, "mapping");
    }
  }

  /** How the domain maps Kerberos principals: to nobody when Kerberos is off. */
  public KerberosPrincipalMapping kerberosMapping() {
    return kerberos.map(Kerberos::mapping).orElse(KerberosPrincipalMapping.NONE);
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
      int maxConnectionsPerUser) {}

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
    settings = tls.map(settings::withTls).orElse(settings);
    return kerberos.map(k -> k.acceptor()).map(settings::withKerberos).orElse(settings);
  }
}
