package dev.zcproxy.it.support;

import java.nio.file.Path;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.MessageProp;
import org.ietf.jgss.Oid;

/**
 * The client side of a Kerberos GSS-API exchange, with the TGT MIT kinit left in a credential
 * cache: Java's JGSS, for the SOCKS5 GSS-API tests that curl 7.88 cannot run (see {@code
 * KerberosCurlIT}). Needs {@code java.security.krb5.conf} set to the KDC's client krb5.conf.
 */
public final class GssapiInitiator {
  private final Subject client;
  private final GSSContext context;

  private GssapiInitiator(Subject client, GSSContext context) {
    this.client = client;
    this.context = context;
  }

  /** A context for {@code service@localhost}, with mutual authentication. */
  public static GssapiInitiator fromCredentialCache(Path cache, String service) {
    Configuration configuration =
        new Configuration() {
          @Override
          public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            return new AppConfigurationEntry[] {
              new AppConfigurationEntry(
                  "com.sun.security.auth.module.Krb5LoginModule",
                  AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                  Map.of(
                      "useTicketCache", "true",
                      "ticketCache", cache.toString(),
                      "doNotPrompt", "true",
                      "refreshKrb5Config", "true"))
            };
          }
        };
    try {
      LoginContext login = new LoginContext("client", new Subject(), null, configuration);
      login.login();
      Subject subject = login.getSubject();
      GSSContext context =
          Subject.callAs(
              subject,
              () -> {
                GSSManager manager = GSSManager.getInstance();
                GSSName target =
                    manager.createName(service + "@localhost", GSSName.NT_HOSTBASED_SERVICE);
                GSSContext created =
                    manager.createContext(
                        target, new Oid("1.2.840.113554.1.2.2"), null, GSSContext.DEFAULT_LIFETIME);
                created.requestMutualAuth(true);
                return created;
              });
      return new GssapiInitiator(subject, context);
    } catch (LoginException e) {
      throw new IllegalStateException("no usable ticket in " + cache, e);
    }
  }

  public byte[] step(byte[] token) {
    return Subject.callAs(client, () -> context.initSecContext(token, 0, token.length));
  }

  public boolean established() {
    return context.isEstablished();
  }

  public byte[] wrap(byte[] message) throws GSSException {
    return wrap(message, false);
  }

  public byte[] wrap(byte[] message, boolean confidential) throws GSSException {
    return context.wrap(message, 0, message.length, new MessageProp(0, confidential));
  }

  public byte[] unwrap(byte[] token) throws GSSException {
    return context.unwrap(token, 0, token.length, new MessageProp(0, false));
  }
}
