package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A config file as {@link ProxyApplication#start} wires it: loaded, then the identities it names
 * read, seen the way the TLS and Kerberos tests look at them.
 */
record LoadedConfig(ProxyConfig config, ServiceIdentities identities) {

  static LoadedConfig load(Path file, Map<String, String> environment, Path workingDirectory)
      throws ConfigException {
    ProxyConfig config = new ProxyConfigLoader(environment, workingDirectory).load(file);
    return new LoadedConfig(config, ServiceIdentities.read(config));
  }

  record Tls(TlsIdentity identity, TlsProvider provider, Optional<ProxyConfig.TlsFiles> files) {}

  record Kerberos(KerberosAcceptor acceptor, KerberosPrincipalMapping mapping) {}

  Optional<Tls> tls() {
    return config.tls().map(t -> new Tls(identities.tls().orElseThrow(), t.provider(), t.files()));
  }

  Optional<Kerberos> kerberos() {
    return config
        .kerberos()
        .map(k -> new Kerberos(identities.kerberos().orElseThrow(), k.mapping()));
  }

  KerberosPrincipalMapping kerberosMapping() {
    return config.kerberosMapping();
  }

  ProxyServerSettings serverSettings() {
    return identities.serverSettings(config);
  }
}
