package dev.zcproxy.app.proxy.config;

import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import dev.zcproxy.outbound.stateclient.StateServiceSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The proxy's validated configuration, shaped like the file. See {@link ConfigKey} for the keys,
 * their defaults and their environment variables.
 *
 * @param listen where the proxy serves clients
 * @param admin the admin HTTP server ({@code /healthz}, {@code /readyz}, {@code /metrics}), or
 *     empty when disabled
 * @param relay which relay carries established tunnels
 * @param pipes the splice relay's pipes ({@code relay.maxPipes}, {@code relay.pipeSize})
 * @param policy where the access policy comes from
 * @param tls HTTPS-to-proxy: where its identity comes from and the provider serving it, or empty
 *     when TLS is off
 * @param kerberos the proxy's keytab, service principal and accepted realm, or empty when SOCKS5
 *     GSS-API and HTTP Negotiate are off
 * @param quic HTTP/3 over QUIC on the UDP port of {@code listen}'s number, with {@code tls}'s
 *     certificate: enabled only where {@code tls} is present
 * @param accessLog whether and where finished tunnels, forwarded requests and refusals are logged
 * @param fromEnvironment the keys set by their environment variable rather than the file, so that a
 *     problem found later (a file named here that cannot be read) names the variable too
 */
public record ProxyConfig(
    InetSocketAddress listen,
    Optional<Admin> admin,
    RelayMode relay,
    Pipes pipes,
    PolicySource policy,
    Limits limits,
    Shutdown shutdown,
    Optional<Tls> tls,
    Optional<Kerberos> kerberos,
    ProxyServerSettings.Quic quic,
    AccessLogConfig accessLog,
    Set<ConfigKey> fromEnvironment) {

  public ProxyConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(pipes, "pipes");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(kerberos, "kerberos");
    Objects.requireNonNull(quic, "quic");
    Objects.requireNonNull(accessLog, "accessLog");
    if (quic.enabled() && tls.isEmpty()) {
      throw new IllegalArgumentException("quic.enabled needs tls");
    }
    fromEnvironment = Set.copyOf(fromEnvironment);
  }

  /** A problem with a key's value, naming the key and, if it set the key, the variable. */
  public String problem(ConfigKey key, String message) {
    return key.problem(fromEnvironment.contains(key), message);
  }

  /**
   * @param keytab absolute and normalized; read at startup, not here
   * @param principal the service principal to accept tickets for, or {@code *} for every one in the
   *     keytab
   * @param mapping which realm's principals stand for policy users
   * @param socks5Protection the most SOCKS5 GSS-API per-message protection granted
   */
  public record Kerberos(
      Path keytab,
      String principal,
      KerberosPrincipalMapping mapping,
      GssapiProtection socks5Protection) {
    public Kerberos {
      Objects.requireNonNull(keytab, "keytab");
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(mapping, "mapping");
      Objects.requireNonNull(socks5Protection, "socks5Protection");
    }
  }

  /** How the domain maps Kerberos principals: to nobody when Kerberos is off. */
  public KerberosPrincipalMapping kerberosMapping() {
    return kerberos.map(Kerberos::mapping).orElse(KerberosPrincipalMapping.NONE);
  }

  /**
   * The access log's keys.
   *
   * @param file where lines are appended, absolute and normalized, or empty for standard output
   */
  public record AccessLogConfig(boolean enabled, Optional<Path> file, AccessLogFormat format) {
    public static final AccessLogConfig OFF =
        new AccessLogConfig(false, Optional.empty(), AccessLogFormat.JSON);

    public AccessLogConfig {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(format, "format");
    }
  }

  public record Admin(InetSocketAddress listen) {
    public Admin {
      Objects.requireNonNull(listen, "listen");
    }
  }

  /** Where the policy comes from: exactly one of a file and the state service. */
  public sealed interface PolicySource {

    /**
     * {@code policy.file}: the embedded YAML policy, watched and reloaded.
     *
     * @param file absolute and normalized
     */
    record File(Path file) implements PolicySource {
      public File {
        Objects.requireNonNull(file, "file");
      }
    }

    /**
     * {@code policy.stateService}: snapshots from the state service, changes from the broker when
     * one is configured, otherwise a poll every {@code resyncInterval}.
     *
     * @param cacheFile where the last good snapshot is kept, absolute and normalized
     * @param resyncInterval how often the snapshot is checked (the poll, or the anti-entropy check
     *     beside the broker)
     */
    record StateService(
        StateServiceSettings service, Optional<URI> broker, Path cacheFile, Duration resyncInterval)
        implements PolicySource {
      public StateService {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(cacheFile, "cacheFile");
        Objects.requireNonNull(resyncInterval, "resyncInterval");
      }
    }
  }

  /**
   * @param provider the TLS engine; whether it works here is checked at startup
   * @param files where the identity is read from at startup and again on SIGHUP; empty for a
   *     certificate generated at startup for the listen host ({@code tls.selfSigned})
   */
  public record Tls(TlsProvider provider, Optional<TlsFiles> files) {
    public Tls {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(files, "files");
    }
  }

  /** The PEM files of a TLS identity, absolute and normalized. */
  public record TlsFiles(Path certificate, Path privateKey) {
    public TlsFiles {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Reads the identity again, for a renewed certificate.
     *
     * @throws IllegalArgumentException when a file is missing or bad, or the key and the
     *     certificate do not belong together
     */
    public TlsIdentity read() {
      return new TlsIdentity(
          TlsIdentity.readPrivateKey(privateKey), TlsIdentity.readCertificates(certificate), false);
    }
  }

  /**
   * The front end's timeouts and caps; 0 means unlimited for the connection caps.
   *
   * @param minOpenFiles the open-file limit startup insists on; 0: none
   */
  public record Limits(
      Duration handshakeTimeout,
      Duration idleTimeout,
      Duration connectTimeout,
      Duration bindAcceptTimeout,
      int maxHandshakeBytes,
      int maxConnections,
      int maxConnectionsPerSource,
      int maxConnectionsPerUser,
      Duration streamIdleTimeout,
      int maxHeaderBytes,
      int minOpenFiles) {}

  /**
   * @param drainTimeout how long established tunnels may run on after a shutdown signal
   */
  public record Shutdown(Duration drainTimeout) {
    public Shutdown {
      Objects.requireNonNull(drainTimeout, "drainTimeout");
    }
  }

  /**
   * What the Netty front end takes, but for the TLS and Kerberos identities, which are read at
   * startup and added there, and for {@link #quic}, which can only follow the TLS identity.
   */
  public ProxyServerSettings serverSettings() {
    return new ProxyServerSettings(
        listen,
        relay,
        new ProxyServerSettings.Timeouts(
            limits.handshakeTimeout(),
            limits.idleTimeout(),
            limits.connectTimeout(),
            limits.bindAcceptTimeout(),
            limits.streamIdleTimeout()),
        new ProxyServerSettings.Limits(
            limits.maxHandshakeBytes(),
            limits.maxConnections(),
            limits.maxConnectionsPerSource(),
            limits.maxConnectionsPerUser(),
            limits.maxHeaderBytes()));
  }

  /**
   * The splice relay's pipes.
   *
   * @param maxPipes the most pipes open at once; empty: a quarter of the descriptor limit
   * @param pipeSize bytes asked for per pipe
   */
  public record Pipes(Optional<Integer> maxPipes, int pipeSize) {
    public Pipes {
      Objects.requireNonNull(maxPipes, "maxPipes");
    }
  }
}
