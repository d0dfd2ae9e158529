package dev.zcproxy.inbound.netty.auth.kerberos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.Subject;
import javax.security.auth.kerberos.KerberosPrincipal;
import javax.security.auth.kerberos.KeyTab;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.Oid;

/**
 * The proxy's Kerberos service identity: the acceptor credential of Java's JGSS, built from a
 * keytab. It accepts the Kerberos mechanism (SOCKS5 GSS-API, RFC 1961) and SPNEGO (HTTP {@code
 * Negotiate}, RFC 4559), for one service principal of the keytab or, with {@code "*"}, for every
 * principal in it (curl asks for {@code rcmd/<host>} over SOCKS and {@code HTTP/<host>} over HTTP).
 *
 * <p>Accepting a ticket needs no KDC: the ticket is decrypted with the keytab's key. The keytab is
 * read again when it changes, so keys can be rotated without a restart. Each client connection gets
 * its own {@link KerberosExchange}.
 */
public final class KerberosAcceptor {

  /** Every principal in the keytab. */
  public static final String ANY_PRINCIPAL = "*";

  static final Oid KERBEROS_V5 = oid("1.2.840.113554.1.2.2");
  static final Oid SPNEGO = oid("1.3.6.1.5.5.2");
  private static final Oid KERBEROS_PRINCIPAL_NAME = oid("1.2.840.113554.1.2.2.1");

  private final Path keytab;
  private final String principal;
  private final List<String> servicePrincipals;
  private final GSSManager manager;
  private final GSSCredential credential;
  private final GssapiProtection socksProtection;

  private KerberosAcceptor(
      Path keytab,
      String principal,
      List<String> servicePrincipals,
      GSSManager manager,
      GSSCredential credential,
      GssapiProtection socksProtection) {
    this.keytab = keytab;
    this.principal = principal;
    this.servicePrincipals = servicePrincipals;
    this.manager = manager;
    this.credential = credential;
    this.socksProtection = Objects.requireNonNull(socksProtection, "socksProtection");
  }

  /**
   * The same acceptor, granting SOCKS5 clients per-message protection up to {@code ceiling} (RFC
   * 1961 §4-5). The default, {@link GssapiProtection#NONE}, is what curl can use.
   */
  public KerberosAcceptor withSocksProtection(GssapiProtection ceiling) {
    return new KerberosAcceptor(keytab, principal, servicePrincipals, manager, credential, ceiling);
  }

  /** The highest per-message protection granted to SOCKS5 clients. */
  public GssapiProtection socksProtection() {
    return socksProtection;
  }

  /**
   * Reads the keytab and creates the acceptor credential, so that a bad file fails at startup.
   *
   * @param principal a principal of the keytab with its realm, e.g. {@code HTTP/proxy.example.com@
   *     EXAMPLE.COM}, or {@link #ANY_PRINCIPAL}
   * @throws IllegalArgumentException when the file is missing, unreadable, not a keytab, empty, or
   *     lacks the principal; the message completes "config key 'kerberos.keytab': "
   */
  public static KerberosAcceptor fromKeytab(Path keytab, String principal) {
    Objects.requireNonNull(keytab, "keytab");
    Objects.requireNonNull(principal, "principal");
    List<String> principals = principalsIn(keytab);
    if (principals.isEmpty()) {
      throw new IllegalArgumentException(keytab + " holds no keys");
    }
    boolean any = ANY_PRINCIPAL.equals(principal);
    if (!any && !principals.contains(principal)) {
      throw new IllegalArgumentException(
          keytab + " has no key for " + principal + "; it holds " + String.join(", ", principals));
    }
    Subject subject = new Subject();
    if (any) {
      subject.getPrivateCredentials().add(KeyTab.getUnboundInstance(keytab.toFile()));
    } else {
      KerberosPrincipal service = new KerberosPrincipal(principal);
      subject.getPrincipals().add(service);
      subject.getPrivateCredentials().add(KeyTab.getInstance(service, keytab.toFile()));
    }
    GSSManager manager = GSSManager.getInstance();
    try {
      GSSName name = any ? null : manager.createName(principal, KERBEROS_PRINCIPAL_NAME);
      GSSCredential credential =
          Subject.callAs(
              subject,
              () ->
                  manager.createCredential(
                      name,
                      GSSCredential.INDEFINITE_LIFETIME,
                      new Oid[] {KERBEROS_V5, SPNEGO},
                      GSSCredential.ACCEPT_ONLY));
      return new KerberosAcceptor(
          keytab,
          principal,
          any ? principals : List.of(principal),
          manager,
          credential,
          GssapiProtection.NONE);
    } catch (GSSException | java.util.concurrent.CompletionException failed) {
      Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
      throw new IllegalArgumentException(
          "cannot accept Kerberos tickets with " + keytab + ": " + cause.getMessage(), failed);
    }
  }

  /** A fresh security context for one client. */
  public KerberosExchange newExchange() {
    try {
      return new KerberosExchange(manager.createContext(credential));
    } catch (GSSException unexpected) {
      throw new IllegalStateException("cannot create a GSS-API acceptor context", unexpected);
    }
  }

  /** The keytab file. */
  public Path keytab() {
    return keytab;
  }

  /** The configured principal, or {@link #ANY_PRINCIPAL}. */
  public String principal() {
    return principal;
  }

  /** The service principals tickets are accepted for, as read at startup. */
  public List<String> servicePrincipals() {
    return servicePrincipals;
  }

  /**
   * The principals of an MIT keytab file (format 0x0502, as {@code ktutil} and Active Directory's
   * {@code ktpass} write it), each once, in file order.
   */
  public static List<String> principalsIn(Path keytab) {
    byte[] content;
    try {
      content = Files.readAllBytes(keytab);
    } catch (NoSuchFileException missing) {
      throw new IllegalArgumentException("no such file: " + keytab);
    } catch (AccessDeniedException denied) {
      throw new IllegalArgumentException("cannot read " + keytab + ": permission denied");
    } catch (IOException unreadable) {
      throw new IllegalArgumentException("cannot read " + keytab + ": " + unreadable, unreadable);
    }
    ByteBuffer in = ByteBuffer.wrap(content);
    if (in.remaining() < 2 || in.get() != 0x05 || in.get() != 0x02) {
      throw new IllegalArgumentException(keytab + " is not a keytab (version 0x0502 expected)");
    }
    Set<String> principals = new LinkedHashSet<>();
    try {
      while (in.remaining() >= 4) {
        int size = in.getInt();
        if (size < 0) {
          in.position(in.position() - size); // a hole left by a deleted entry
          continue;
        }
        ByteBuffer entry = in.slice(in.position(), size);
        in.position(in.position() + size);
        int components = Short.toUnsignedInt(entry.getShort());
        String realm = counted(entry);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < components; i++) {
          names.add(counted(entry));
        }
        principals.add(String.join("/", names) + "@" + realm);
      }
    } catch (RuntimeException truncated) {
      throw new IllegalArgumentException(keytab + " is not a keytab (truncated entry)");
    }
    return List.copyOf(principals);
  }

  private static String counted(ByteBuffer entry) {
    byte[] bytes = new byte[Short.toUnsignedInt(entry.getShort())];
    entry.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Oid oid(String dotted) {
    try {
      return new Oid(dotted);
    } catch (GSSException impossible) {
      throw new ExceptionInInitializerError(impossible);
    }
  }

  @Override
  public String toString() {
    return "KerberosAcceptor[" + keytab + ", " + String.join(", ", servicePrincipals) + "]";
  }
}
