package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The identities the config names, read once at startup: the TLS certificate and key (or one
 * generated for the listen host, on the TLS provider the config asks for) and the Kerberos keytab.
 * They are read before anything listens, so that a missing file, a bad key or a keytab without the
 * principal stops the proxy at startup, naming its key, and not at the first client.
 *
 * @param tls empty when TLS is off
 * @param kerberos empty when Kerberos is off
 */
record ServiceIdentities(Optional<TlsIdentity> tls, Optional<KerberosAcceptor> kerberos) {

  ServiceIdentities {
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(kerberos, "kerberos");
  }

  /**
   * @throws ConfigException listing every file or provider that fails, each naming its key
   */
  static ServiceIdentities read(ProxyConfig config) throws ConfigException {
    var problems = new ArrayList<String>();
    TlsIdentity tls = config.tls().map(t -> tls(config, t, problems)).orElse(null);
    KerberosAcceptor kerberos =
        config.kerberos().map(k -> kerberos(config, k, problems)).orElse(null);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new ServiceIdentities(Optional.ofNullable(tls), Optional.ofNullable(kerberos));
  }

  /**
   * What the Netty front end takes: the config's settings with these identities, and QUIC, which
   * the front end takes only beside a TLS identity.
   */
  ProxyServerSettings serverSettings(ProxyConfig config) {
    ProxyServerSettings settings = config.serverSettings();
    ProxyServerSettings withTls =
        tls.map(identity -> settings.withTls(identity, config.tls().orElseThrow().provider()))
            .orElse(settings);
    return kerberos.map(withTls::withKerberos).orElse(withTls).withQuic(config.quic());
  }

  private static TlsIdentity tls(ProxyConfig config, ProxyConfig.Tls tls, List<String> problems) {
    try {
      tls.provider().resolve(); // probes the native library that "openssl" insists on
    } catch (IllegalArgumentException unavailable) {
      problems.add(
          config.problem(
              ConfigKey.TLS_PROVIDER, unavailable.getMessage() + "; use auto or jdk here"));
    }
    if (tls.files().isEmpty()) {
      return attempt(
          config, ConfigKey.TLS_SELF_SIGNED, problems, () -> selfSigned(config.listen()));
    }
    ProxyConfig.TlsFiles files = tls.files().orElseThrow();
    List<X509Certificate> chain =
        attempt(
            config,
            ConfigKey.TLS_CERTIFICATE,
            problems,
            () -> TlsIdentity.readCertificates(files.certificate()));
    PrivateKey key =
        attempt(
            config,
            ConfigKey.TLS_PRIVATE_KEY,
            problems,
            () -> TlsIdentity.readPrivateKey(files.privateKey()));
    if (chain == null || key == null) {
      return null;
    }
    return attempt(
        config, ConfigKey.TLS_PRIVATE_KEY, problems, () -> new TlsIdentity(key, chain, false));
  }

  /** A development certificate for the host clients connect to. */
  private static TlsIdentity selfSigned(InetSocketAddress listen) {
    String host =
        listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()
            ? "localhost"
            : listen.getHostString();
    return TlsIdentity.selfSigned(host);
  }

  private static KerberosAcceptor kerberos(
      ProxyConfig config, ProxyConfig.Kerberos kerberos, List<String> problems) {
    Path keytab = kerberos.keytab();
    String principal = kerberos.principal();
    List<String> principals =
        attempt(
            config,
            ConfigKey.KERBEROS_KEYTAB,
            problems,
            () -> KerberosAcceptor.principalsIn(keytab));
    if (principals == null) {
      return null;
    }
    if (principals.isEmpty()) {
      problems.add(config.problem(ConfigKey.KERBEROS_KEYTAB, keytab + " holds no keys"));
      return null;
    }
    if (!principal.equals(KerberosAcceptor.ANY_PRINCIPAL) && !principals.contains(principal)) {
      problems.add(
          config.problem(
              ConfigKey.KERBEROS_PRINCIPAL,
              "the keytab "
                  + keytab
                  + " has no key for "
                  + principal
                  + "; it holds "
                  + String.join(", ", principals)));
      return null;
    }
    KerberosAcceptor acceptor =
        attempt(
            config,
            ConfigKey.KERBEROS_KEYTAB,
            problems,
            () -> KerberosAcceptor.fromKeytab(keytab, principal));
    return acceptor == null ? null : acceptor.withSocksProtection(kerberos.socks5Protection());
  }

  /** The supplier's value, or null after recording its refusal as a problem with {@code key}. */
  private static <T> T attempt(
      ProxyConfig config, ConfigKey key, List<String> problems, Supplier<T> reader) {
    try {
      return reader.get();
    } catch (IllegalArgumentException refused) {
      problems.add(config.problem(key, refused.getMessage()));
      return null;
    }
  }
}
