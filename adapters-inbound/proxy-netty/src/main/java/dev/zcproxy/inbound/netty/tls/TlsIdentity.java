package dev.zcproxy.inbound.netty.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxy's own TLS identity for HTTPS-to-proxy: a private key and the certificate chain that
 * goes with it, leaf first. Built from PEM files ({@link #readCertificates}, {@link
 * #readPrivateKey}) or generated for development ({@link #selfSigned}). A bad file or a key that
 * does not belong to the certificate is an {@link IllegalArgumentException} whose message completes
 * "config key 'x': ".
 *
 * @param selfSigned generated at startup: clients can only connect by skipping verification
 */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain, boolean selfSigned) {

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  /** What PKCS#8 may hold for a server certificate; the JDK's names. */
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "RSASSA-PSS");

  public TlsIdentity {
    Objects.requireNonNull(key, "key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate");
    }
    requireMatchingKey(key, chain.getFirst());
    TlsFrontEnd.serverContext(key, chain); // fails here, not at the first client, if the JDK balks
  }

  /**
   * Reads a PEM certificate chain, leaf first.
   *
   * @throws IllegalArgumentException when the file is missing, unreadable or holds no certificate
   */
  public static List<X509Certificate> readCertificates(Path file) {
    byte[] content = read(file);
    try (InputStream in = new java.io.ByteArrayInputStream(content)) {
      List<X509Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no PEM certificate");
      }
      return chain;
    } catch (CertificateException | IOException bad) {
      throw new IllegalArgumentException(
          file + " is not a PEM certificate chain (" + bad.getMessage() + ")", bad);
    }
  }

  /**
   * Reads an unencrypted PKCS#8 PEM private key ({@code BEGIN PRIVATE KEY}), RSA, EC or Ed25519.
   *
   * @throws IllegalArgumentException when the file is missing or unreadable, or the key is
   *     encrypted, in another format, or not a key at all
   */
  public static PrivateKey readPrivateKey(Path file) {
    String text = new String(read(file), StandardCharsets.US_ASCII);
    Matcher block = PEM_BLOCK.matcher(text);
    while (block.find()) {
      String type = block.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, block.group(2));
        }
        case "ENCRYPTED PRIVATE KEY" ->
            throw new IllegalArgumentException(
                file
                    + " holds an encrypted private key; the proxy takes it unencrypted"
                    + " (openssl pkcs8 -topk8 -nocrypt), readable only by the proxy's user");
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
            throw new IllegalArgumentException(
                file
                    + " holds a "
                    + type
                    + " (PKCS#1/SEC1); convert it to PKCS#8 with"
                    + " openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
        default -> {} // e.g. EC PARAMETERS before the key
      }
    }
    throw new IllegalArgumentException(file + " holds no PEM private key (BEGIN PRIVATE KEY)");
  }

  /**
   * A freshly generated self-signed certificate for {@code host}, for development only: clients
   * must skip verification ({@code curl --proxy-insecure}).
   */
  @SuppressWarnings("deprecation") // Netty's replacement lives in netty-pkitesting, a test module
  public static TlsIdentity selfSigned(String host) {
    io.netty.handler.ssl.util.SelfSignedCertificate generated;
    try {
      generated = new io.netty.handler.ssl.util.SelfSignedCertificate(host);
    } catch (CertificateException failed) {
      throw new IllegalArgumentException(
          "cannot generate a self-signed certificate for " + host + ": " + failed.getMessage(),
          failed);
    }
    try {
      return new TlsIdentity(generated.key(), List.of(generated.cert()), true);
    } finally {
      generated.delete(); // its temporary PEM files; the key stays in memory only
    }
  }

  /** The leaf certificate's SHA-256 fingerprint, for the startup log. */
  public String fingerprint() {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256").digest(chain.getFirst().getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (GeneralSecurityException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The leaf's subject, for the startup log. */
  public String subject() {
    return chain.getFirst().getSubjectX500Principal().getName();
  }

  @Override
  public String toString() {
    return "TlsIdentity[" + subject() + (selfSigned ? ", self-signed" : "") + "]";
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException missing) {
      throw new IllegalArgumentException(file + ": no such file", missing);
    } catch (IOException unreadable) {
      throw new IllegalArgumentException(
          "cannot read " + file + " (" + unreadable + ")", unreadable);
    }
  }

  private static PrivateKey pkcs8(Path file, String base64) {
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException(file + ": the private key is not valid base64", notBase64);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThisOne) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        file + ": not an RSA, EC or Ed25519 PKCS#8 private key the JDK can read");
  }

  /** Signs a nonce with the key and checks it with the certificate: the pair must belong. */
  private static void requireMatchingKey(PrivateKey key, X509Certificate leaf) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null; // RSASSA-PSS needs parameters; the handshake will tell
        };
    if (algorithm == null) {
      return;
    }
    byte[] nonce = new byte[32];
    new SecureRandom().nextBytes(nonce);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(nonce);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(nonce);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException mismatch) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "the private key does not belong to the certificate ("
              + leaf.getSubjectX500Principal().getName()
              + ")");
    }
  }
}
