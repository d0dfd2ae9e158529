package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the TLS certificate and key files again when asked (SIGHUP), so a renewed certificate takes
 * effect without a restart: new connections get it, established ones keep theirs. A file that is
 * missing or bad, or a key that does not match the certificate, leaves the current identity in
 * force and is logged; it never turns TLS off.
 *
 * <p>Metrics: {@code zcproxy_tls_reloads_total{result="ok|failed"}} and {@code
 * zcproxy_tls_certificate_expiry_timestamp_seconds}, the leaf's notAfter as a Unix time, for an
 * alert such as {@code zcproxy_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400}.
 */
final class TlsReloader {

  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

  private final ProxyConfig.Tls tls;
  private final ProxyServer server;
  private final Counter succeeded;
  private final Counter failed;
  private volatile TlsIdentity current;

  /**
   * @param identity the identity in force, as read (or generated) at startup
   */
  TlsReloader(
      ProxyConfig.Tls tls, TlsIdentity identity, ProxyServer server, MeterRegistry registry) {
    this.tls = tls;
    this.server = server;
    this.current = identity;
    this.succeeded = reloads(registry, "ok");
    this.failed = reloads(registry, "failed");
    Gauge.builder(
            "zcproxy_tls_certificate_expiry_timestamp_seconds",
            this,
            reloader -> reloader.current.chain().getFirst().getNotAfter().getTime() / 1000.0)
        .description("When the TLS certificate in force expires (its notAfter), as a Unix time")
        .register(registry);
  }

  /**
   * Reads the files again and serves what they hold from the next connection on.
   *
   * @return whether a new identity is now in force
   */
  boolean reload() {
    if (tls.files().isEmpty()) {
      LOG.info(
          "{}: the generated certificate is kept for the process's life; nothing to reload",
          ConfigKey.TLS_SELF_SIGNED.path());
      return false;
    }
    ProxyConfig.TlsFiles files = tls.files().orElseThrow();
    TlsIdentity next;
    try {
      next = files.read();
      server.reloadTls(next);
    } catch (IllegalArgumentException | IllegalStateException refused) {
      failed.increment();
      LOG.error(
          "TLS reload failed, keeping certificate {} (SHA-256 {}): {} / {}: {}",
          current.subject(),
          current.fingerprint(),
          files.certificate(),
          files.privateKey(),
          refused.getMessage());
      return false;
    }
    current = next;
    succeeded.increment();
    return true;
  }

  private static Counter reloads(MeterRegistry registry, String result) {
    return Counter.builder("zcproxy_tls_reloads")
        .description("Reloads of the TLS certificate and key files (SIGHUP), by result")
        .tag("result", result)
        .register(registry);
  }
}
