package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls} keys: both files or a generated certificate, and every way to get them wrong. */
class TlsConfigTest {

  /** Two unrelated identities: generating a key costs, so once per class. */
  private static TlsIdentity identity;

  private static TlsIdentity stranger;

  @TempDir Path directory;

  @BeforeAll
  static void generate() {
    identity = TlsIdentity.selfSigned("proxy.test");
    stranger = TlsIdentity.selfSigned("stranger.test");
  }

  @Test
  void aCertificateAndKeyAreReadRelativeToTheConfigFile() throws Exception {
    writePair("certs/proxy.crt", "certs/proxy.key", identity);

    LoadedConfig config =
        load(
            """
            policy: { file: p.yaml }
            tls:
              certificate: certs/proxy.crt
              privateKey: certs/proxy.key
            """,
            Map.of());

    TlsIdentity tls = config.tls().orElseThrow().identity();
    assertThat(tls.chain()).isEqualTo(identity.chain());
    assertThat(tls.key()).isEqualTo(identity.key());
    assertThat(tls.selfSigned()).isFalse();
    assertThat(config.serverSettings().tls().identity()).contains(tls);
  }

  @Test
  void theEnvironmentCanSetTheFiles() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);

    LoadedConfig config =
        load(
            "policy: { file: p.yaml }",
            Map.of(
                "ZCPROXY_TLS_CERTIFICATE", directory.resolve("proxy.crt").toString(),
                "ZCPROXY_TLS_PRIVATE_KEY", directory.resolve("proxy.key").toString()));

    assertThat(config.tls().orElseThrow().identity().chain()).isEqualTo(identity.chain());
  }

  @Test
  void selfSignedGeneratesACertificateForTheListenHost() throws Exception {
    LoadedConfig config =
        load(
            "listen: 127.0.0.5:1080\npolicy: { file: p.yaml }\ntls: { selfSigned: true }",
            Map.of());

    TlsIdentity tls = config.tls().orElseThrow().identity();
    assertThat(tls.selfSigned()).isTrue();
    assertThat(tls.subject()).isEqualTo("CN=127.0.0.5");
  }

  @Test
  void theEnvironmentCanAskForASelfSignedCertificate() throws Exception {
    LoadedConfig config =
        load("policy: { file: p.yaml }", Map.of("ZCPROXY_TLS_SELF_SIGNED", "true"));

    assertThat(config.tls().orElseThrow().identity().selfSigned()).isTrue();
  }

  @Test
  void theProviderIsAutoUnlessSet() throws Exception {
    assertThat(load("policy: { file: p.yaml }\ntls: { selfSigned: true }", Map.of()).tls())
        .get()
        .extracting(LoadedConfig.Tls::provider)
        .isEqualTo(TlsProvider.AUTO);
    LoadedConfig jdk =
        load("policy: { file: p.yaml }\ntls: { selfSigned: true, provider: jdk }", Map.of());
    assertThat(jdk.tls().orElseThrow().provider()).isEqualTo(TlsProvider.JDK);
    assertThat(jdk.serverSettings().tls().provider()).isEqualTo(TlsProvider.JDK);
    LoadedConfig openssl =
        load(
            "policy: { file: p.yaml }\ntls: { selfSigned: true }",
            Map.of("ZCPROXY_TLS_PROVIDER", "openssl"));
    assertThat(openssl.tls().orElseThrow().provider()).isEqualTo(TlsProvider.OPENSSL);
  }

  @Test
  void anUnknownProviderIsNamed() throws Exception {
    assertThat(problems("tls: { selfSigned: true, provider: gnutls }"))
        .containsExactly(
            "config key 'tls.provider': expected auto, openssl or jdk, got \"gnutls\"");
  }

  @Test
  void aProviderWithoutTlsIsRefused() throws Exception {
    assertThat(problems("tls: { provider: openssl }"))
        .containsExactly(
            "config key 'tls.provider': TLS is off: set tls.certificate and tls.privateKey, or"
                + " tls.selfSigned");
  }

  @Test
  void theFilesAreKeptToBeReadAgain() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    LoadedConfig config =
        load(
            "policy: { file: p.yaml }\ntls: { certificate: proxy.crt, privateKey: proxy.key }",
            Map.of());
    ProxyConfig.TlsFiles files = config.tls().orElseThrow().files().orElseThrow();
    assertThat(files.certificate()).isEqualTo(directory.resolve("proxy.crt"));

    writePair("proxy.crt", "proxy.key", stranger);

    assertThat(files.read().chain()).isEqualTo(stranger.chain());
    assertThat(load("policy: { file: p.yaml }\ntls: { selfSigned: true }", Map.of()).tls())
        .get()
        .extracting(LoadedConfig.Tls::files)
        .isEqualTo(java.util.Optional.empty());
  }

  @Test
  void selfSignedFalseLeavesTlsOff() throws Exception {
    assertThat(load("policy: { file: p.yaml }\ntls: { selfSigned: false }", Map.of()).tls())
        .isEmpty();
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);

    assertThat(problems("tls: { certificate: proxy.crt }"))
        .containsExactly(
            "config key 'tls.privateKey': missing; tls.certificate needs it (or set"
                + " ZCPROXY_TLS_PRIVATE_KEY)");
  }

  @Test
  void aKeyWithoutItsCertificateIsRefused() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);

    assertThat(problems("tls: { privateKey: proxy.key }"))
        .containsExactly(
            "config key 'tls.certificate': missing; tls.privateKey needs it (or set"
                + " ZCPROXY_TLS_CERTIFICATE)");
  }

  @Test
  void selfSignedTogetherWithFilesIsRefused() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);

    assertThat(problems("tls: { selfSigned: true, certificate: proxy.crt, privateKey: proxy.key }"))
        .containsExactly(
            "config key 'tls.selfSigned': must not be true together with tls.certificate and"
                + " tls.privateKey; use either your own certificate or a generated one");
  }

  @Test
  void aMissingFileIsNamed() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);

    assertThat(problems("tls: { certificate: nope.crt, privateKey: proxy.key }"))
        .containsExactly(
            "config key 'tls.certificate': " + directory.resolve("nope.crt") + ": no such file");
  }

  @Test
  void aFileThatIsNoCertificateIsNamed() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    Files.writeString(directory.resolve("junk.crt"), "hello\n");

    assertThat(problems("tls: { certificate: junk.crt, privateKey: proxy.key }"))
        .singleElement()
        .asString()
        .startsWith("config key 'tls.certificate': " + directory.resolve("junk.crt"));
  }

  @Test
  void anUnreadableKeyIsNamed() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    Files.writeString(directory.resolve("proxy.key"), "not a key\n");

    assertThat(problems("tls: { certificate: proxy.crt, privateKey: proxy.key }"))
        .containsExactly(
            "config key 'tls.privateKey': "
                + directory.resolve("proxy.key")
                + " holds no PEM private key (BEGIN PRIVATE KEY)");
  }

  @Test
  void aCorruptKeyIsNamed() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    Files.writeString(
        directory.resolve("proxy.key"),
        pem("PRIVATE KEY", "definitely not DER".getBytes(StandardCharsets.US_ASCII)));

    assertThat(problems("tls: { certificate: proxy.crt, privateKey: proxy.key }"))
        .containsExactly(
            "config key 'tls.privateKey': "
                + directory.resolve("proxy.key")
                + ": not an RSA, EC or Ed25519 PKCS#8 private key the JDK can read");
  }

  @Test
  void aPkcs1KeyGetsAHintHowToConvertIt() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    Files.writeString(directory.resolve("proxy.key"), pem("RSA PRIVATE KEY", new byte[] {1, 2}));

    assertThat(problems("tls: { certificate: proxy.crt, privateKey: proxy.key }"))
        .singleElement()
        .asString()
        .startsWith("config key 'tls.privateKey': ")
        .contains("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void anEncryptedKeyIsRefused() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    Files.writeString(
        directory.resolve("proxy.key"), pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2}));

    assertThat(problems("tls: { certificate: proxy.crt, privateKey: proxy.key }"))
        .singleElement()
        .asString()
        .startsWith("config key 'tls.privateKey': ")
        .contains("encrypted private key");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() throws Exception {
    writePair("proxy.crt", "proxy.key", identity);
    writePair("other.crt", "other.key", stranger);

    assertThat(problems("tls: { certificate: proxy.crt, privateKey: other.key }"))
        .containsExactly(
            "config key 'tls.privateKey': the private key does not belong to the certificate"
                + " (CN=proxy.test)");
  }

  @Test
  void aBadSelfSignedValueNamesTheKeyAndTheVariable() throws Exception {
    assertThat(problems("tls: { selfSigned: maybe }"))
        .containsExactly("config key 'tls.selfSigned': expected true or false, got \"maybe\"");
    assertThat(problems("policy: { file: p.yaml }", Map.of("ZCPROXY_TLS_SELF_SIGNED", "yes")))
        .containsExactly(
            "config key 'tls.selfSigned' (from ZCPROXY_TLS_SELF_SIGNED): expected true or false,"
                + " got \"yes\"");
  }

  private void writePair(String certificate, String key, TlsIdentity pair) throws Exception {
    Path certificateFile = directory.resolve(certificate);
    Files.createDirectories(certificateFile.getParent());
    Files.writeString(certificateFile, pem("CERTIFICATE", pair.chain().getFirst().getEncoded()));
    Files.writeString(directory.resolve(key), pem("PRIVATE KEY", pair.key().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private LoadedConfig load(String yaml, Map<String, String> environment) throws Exception {
    return LoadedConfig.load(write(yaml), environment, directory.resolve("cwd"));
  }

  private List<String> problems(String tlsYaml) {
    return problems("policy: { file: p.yaml }\n" + tlsYaml, Map.of());
  }

  private List<String> problems(String yaml, Map<String, String> environment) {
    return catchThrowableOfType(ConfigException.class, () -> load(yaml, environment)).problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }
}
