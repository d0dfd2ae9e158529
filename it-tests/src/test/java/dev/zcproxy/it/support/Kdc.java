package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.server.SimpleKdcServer;

/**
 * An embedded KDC (Apache Kerby, TCP only on 127.0.0.1) for realm {@link #REALM}, and MIT {@code
 * kinit} (Debian's krb5-user) to get real clients their tickets. Each client's credential cache and
 * the krb5.conf that points at this KDC are files in the test's directory: hand {@link
 * #clientEnvironment(String)} to the client process.
 */
public final class Kdc implements AutoCloseable {
  public static final String REALM = "ZCPROXY.TEST";

  private final SimpleKdcServer server;
  private final Path directory;
  private final Path krb5Conf;

  private Kdc(SimpleKdcServer server, Path directory, Path krb5Conf) {
    this.server = server;
    this.directory = directory;
    this.krb5Conf = krb5Conf;
  }

  public static Kdc start(Path directory) {
    try {
      Files.createDirectories(directory);
      int port = FreePorts.tcp();
      SimpleKdcServer server = new SimpleKdcServer();
      server.setWorkDir(directory.toFile());
      server.setKdcHost("127.0.0.1");
      server.setKdcRealm(REALM);
      server.setAllowUdp(false);
      server.setKdcTcpPort(port);
      server.init();
      server.start();
      // Our own krb5.conf for MIT: TCP only, and "localhost" taken as it is written.
      Path krb5Conf =
          Files.writeString(
              directory.resolve("client-krb5.conf"),
              """
              [libdefaults]
                default_realm = %s
                udp_preference_limit = 1
                dns_lookup_kdc = false
                dns_lookup_realm = false
                dns_canonicalize_hostname = false
                rdns = false
              [realms]
                %s = {
                  kdc = 127.0.0.1:%d
                }
              [domain_realm]
                localhost = %s
              """
                  .formatted(REALM, REALM, port, REALM));
      return new Kdc(server, directory, krb5Conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the KDC's directory", e);
    } catch (KrbException e) {
      throw new IllegalStateException("cannot start the embedded KDC", e);
    }
  }

  /** Creates the principals with random keys and writes their keys into {@code keytab}. */
  public Path keytab(String name, String... principals) {
    Path keytab = directory.resolve(name);
    try {
      server.createAndExportPrincipals(keytab.toFile(), principals);
    } catch (KrbException e) {
      throw new IllegalStateException("cannot create " + List.of(principals), e);
    }
    return keytab;
  }

  /** A client's own credential cache (empty until {@link #kinit}). */
  public Path credentialCache(String client) {
    return directory.resolve(client + ".ccache");
  }

  /** KRB5_CONFIG and KRB5CCNAME for a client process acting as {@code client}. */
  public Map<String, String> clientEnvironment(String client) {
    return Map.of(
        "KRB5_CONFIG", krb5Conf.toString(), "KRB5CCNAME", "FILE:" + credentialCache(client));
  }

  /** Creates {@code client@REALM} and gets its TGT with MIT kinit from a keytab. */
  public void kinit(String client) {
    String principal = client + "@" + REALM;
    Path keytab = keytab(client + ".keytab", principal);
    ProcessBuilder kinit =
        new ProcessBuilder("kinit", "-k", "-t", keytab.toString(), principal)
            .redirectErrorStream(true);
    kinit.environment().putAll(clientEnvironment(client));
    // On failure the trace says which KDC it tried and why it gave up.
    kinit.environment().put("KRB5_TRACE", "/dev/stderr");
    try {
      Process process = kinit.start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new AssertionError("kinit " + principal + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kinit (Debian package krb5-user)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during kinit", e);
    }
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (KrbException e) {
      throw new IllegalStateException("cannot stop the KDC", e);
    }
  }
}
