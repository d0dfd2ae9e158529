package dev.zcproxy.inbound.netty.auth.kerberos;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.server.SimpleKdcServer;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.Oid;

/**
 * One embedded KDC (Apache Kerby, TCP only) per test JVM, in realm {@link
 * ProxyTestKit#KERBEROS_REALM}: the proxy's services {@code rcmd/localhost} and {@code
 * HTTP/localhost} in {@link #serviceKeytab()}, clients {@code alice} (a policy user) and {@code
 * carol} (unknown to the policy) in their own keytabs. JGSS reads the krb5.conf Kerby writes, so
 * {@code java.security.krb5.conf} is set before anything touches Kerberos.
 */
public final class KerberosTestKit {
  static final String REALM = ProxyTestKit.KERBEROS_REALM;
  static final String SOCKS_SERVICE = "rcmd/localhost@" + REALM;
  static final String HTTP_SERVICE = "HTTP/localhost@" + REALM;

  private static KerberosTestKit instance;

  private final Path directory;
  private final SimpleKdcServer kdc;

  private KerberosTestKit(Path directory, SimpleKdcServer kdc) {
    this.directory = directory;
    this.kdc = kdc;
  }

  public static synchronized KerberosTestKit kdc() {
    if (instance == null) {
      try {
        Path directory = Files.createTempDirectory("zcproxy-kdc");
        SimpleKdcServer kdc = new SimpleKdcServer();
        kdc.setWorkDir(directory.toFile());
        kdc.setKdcHost("localhost");
        kdc.setKdcRealm(REALM);
        kdc.setAllowUdp(false);
        kdc.setKdcTcpPort(freePort());
        kdc.init();
        kdc.start();
        System.setProperty("java.security.krb5.conf", directory.resolve("krb5.conf").toString());
        kdc.createAndExportPrincipals(
            directory.resolve("service.keytab").toFile(), SOCKS_SERVICE, HTTP_SERVICE);
        for (String client : new String[] {"alice", "carol"}) {
          kdc.createAndExportPrincipals(
              directory.resolve(client + ".keytab").toFile(), client + "@" + REALM);
        }
        instance = new KerberosTestKit(directory, kdc);
        Runtime.getRuntime().addShutdownHook(new Thread(instance::stop));
      } catch (IOException | KrbException failed) {
        throw new IllegalStateException("cannot start the embedded KDC", failed);
      }
    }
    return instance;
  }

  Path serviceKeytab() {
    return directory.resolve("service.keytab");
  }

  Path directory() {
    return directory;
  }

  public KerberosAcceptor acceptor() {
    return KerberosAcceptor.fromKeytab(serviceKeytab(), KerberosAcceptor.ANY_PRINCIPAL);
  }

  /** A client logged in from its keytab, holding a TGT. */
  Subject login(String client) {
    Path keytab = directory.resolve(client + ".keytab");
    Configuration configuration =
        new Configuration() {
          @Override
          public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            return new AppConfigurationEntry[] {
              new AppConfigurationEntry(
                  "com.sun.security.auth.module.Krb5LoginModule",
                  AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                  Map.of(
                      "useKeyTab", "true",
                      "keyTab", keytab.toString(),
                      "principal", client + "@" + REALM,
                      "storeKey", "false",
                      "doNotPrompt", "true",
                      "isInitiator", "true",
                      "refreshKrb5Config", "true"))
            };
          }
        };
    try {
      LoginContext login = new LoginContext("client", new Subject(), null, configuration);
      login.login();
      return login.getSubject();
    } catch (LoginException failed) {
      throw new IllegalStateException("cannot log in " + client, failed);
    }
  }

  /**
   * An initiator context for {@code service@localhost} (host-based), with mutual authentication.
   *
   * @param mechanism {@link KerberosAcceptor#KERBEROS_V5} or {@link KerberosAcceptor#SPNEGO}
   */
  static Initiator initiator(Subject client, String service, Oid mechanism) {
    return Subject.callAs(
        client,
        () -> {
          GSSManager manager = GSSManager.getInstance();
          GSSName target = manager.createName(service + "@localhost", GSSName.NT_HOSTBASED_SERVICE);
          GSSContext context =
              manager.createContext(target, mechanism, null, GSSContext.DEFAULT_LIFETIME);
          context.requestMutualAuth(true);
          context.requestConf(true);
          context.requestInteg(true);
          return new Initiator(client, context);
        });
  }

  /** The client side of a GSS-API exchange, run inside the client's Subject. */
  record Initiator(Subject client, GSSContext context) {
    byte[] step(byte[] token) {
      return Subject.callAs(client, () -> context.initSecContext(token, 0, token.length));
    }

    byte[] wrap(byte[] message) throws GSSException {
      return context.wrap(message, 0, message.length, new org.ietf.jgss.MessageProp(0, false));
    }

    byte[] unwrap(byte[] token) throws GSSException {
      return context.unwrap(token, 0, token.length, new org.ietf.jgss.MessageProp(0, false));
    }
  }

  private void stop() {
    try {
      kdc.stop();
    } catch (KrbException ignored) {
      // the JVM is going away
    }
  }

  private static int freePort() {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }
}
