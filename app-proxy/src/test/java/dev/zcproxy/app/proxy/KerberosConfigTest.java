package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code kerberos} keys: a keytab and a realm, and every way to get them wrong. */
class KerberosConfigTest {
  private static final String SOCKS = "rcmd/proxy.test@ZCPROXY.TEST";
  private static final String HTTP = "HTTP/proxy.test@ZCPROXY.TEST";

  @TempDir Path directory;

  @Test
  void aKeytabAndARealmTurnKerberosOnForEveryPrincipalInTheKeytab() throws Exception {
    writeKeytab("keys/proxy.keytab", SOCKS, HTTP);

    LoadedConfig config =
        load(
            """
            policy: { file: p.yaml }
            kerberos: { keytab: keys/proxy.keytab, realm: ZCPROXY.TEST }
            """,
            Map.of());

    LoadedConfig.Kerberos kerberos = config.kerberos().orElseThrow();
    assertThat(kerberos.acceptor().keytab()).isEqualTo(directory.resolve("keys/proxy.keytab"));
    assertThat(kerberos.acceptor().principal()).isEqualTo(KerberosAcceptor.ANY_PRINCIPAL);
    assertThat(kerberos.acceptor().servicePrincipals()).containsExactly(SOCKS, HTTP);
    assertThat(kerberos.mapping().realm()).contains("ZCPROXY.TEST");
    assertThat(kerberos.acceptor().socksProtection()).isEqualTo(GssapiProtection.NONE);
    assertThat(config.kerberosMapping()).isEqualTo(kerberos.mapping());
    assertThat(config.serverSettings().kerberos()).contains(kerberos.acceptor());
  }

  @Test
  void oneServicePrincipalCanBeChosenAndTheEnvironmentCanSetEverything() throws Exception {
    writeKeytab("proxy.keytab", SOCKS, HTTP);

    LoadedConfig config =
        load(
            "policy: { file: p.yaml }",
            Map.of(
                "ZCPROXY_KERBEROS_KEYTAB",
                directory.resolve("proxy.keytab").toString(),
                "ZCPROXY_KERBEROS_PRINCIPAL",
                HTTP,
                "ZCPROXY_KERBEROS_REALM",
                "ZCPROXY.TEST"));

    assertThat(config.kerberos().orElseThrow().acceptor().servicePrincipals())
        .containsExactly(HTTP);
  }

  @Test
  void socks5ProtectionSetsTheCeiling() throws Exception {
    writeKeytab("proxy.keytab", SOCKS);
    LoadedConfig config =
        load(
            "policy: { file: p.yaml }\nkerberos: { keytab: proxy.keytab, realm: ZCPROXY.TEST,"
                + " socks5Protection: Confidentiality }",
            Map.of());
    assertThat(config.kerberos().orElseThrow().acceptor().socksProtection())
        .isEqualTo(GssapiProtection.CONFIDENTIALITY);
    assertThat(config.serverSettings().kerberos().orElseThrow().socksProtection())
        .isEqualTo(GssapiProtection.CONFIDENTIALITY);

    assertThat(
            problems(
                "kerberos: { keytab: proxy.keytab, realm: ZCPROXY.TEST, socks5Protection: full }"))
        .containsExactly(
            "config key 'kerberos.socks5Protection': expected none, integrity or confidentiality,"
                + " got \"full\"");
  }

  @Test
  void withoutAKeytabKerberosIsOff() throws Exception {
    LoadedConfig config = load("policy: { file: p.yaml }", Map.of());

    assertThat(config.kerberos()).isEmpty();
    assertThat(config.serverSettings().kerberos()).isEqualTo(Optional.empty());
    assertThat(config.kerberosMapping().realm()).isEmpty();
  }

  @Test
  void theRealmAndTheKeytabNeedEachOther() throws Exception {
    writeKeytab("proxy.keytab", SOCKS);
    assertThat(problems("kerberos: { keytab: proxy.keytab }"))
        .containsExactly(
            "config key 'kerberos.realm': missing; kerberos.keytab needs it (or set"
                + " ZCPROXY_KERBEROS_REALM)");
    assertThat(problems("kerberos: { realm: ZCPROXY.TEST, principal: \"*\" }"))
        .containsExactly(
            "config key 'kerberos.keytab': missing; kerberos.principal needs it (or set"
                + " ZCPROXY_KERBEROS_KEYTAB)",
            "config key 'kerberos.keytab': missing; kerberos.realm needs it (or set"
                + " ZCPROXY_KERBEROS_KEYTAB)");
  }

  @Test
  void aMissingUnreadableOrForeignKeytabNamesTheKey() throws Exception {
    assertThat(problems("kerberos: { keytab: nope.keytab, realm: R.TEST }"))
        .containsExactly(
            "config key 'kerberos.keytab': no such file: " + directory.resolve("nope.keytab"));

    Files.writeString(directory.resolve("junk.keytab"), "not a keytab");
    assertThat(problems("kerberos: { keytab: junk.keytab, realm: R.TEST }"))
        .containsExactly(
            "config key 'kerberos.keytab': "
                + directory.resolve("junk.keytab")
                + " is not a keytab (version 0x0502 expected)");

    writeKeytab("empty.keytab");
    assertThat(problems("kerberos: { keytab: empty.keytab, realm: R.TEST }"))
        .containsExactly(
            "config key 'kerberos.keytab': "
                + directory.resolve("empty.keytab")
                + " holds no keys");
  }

  @Test
  void aPrincipalMustHaveItsRealmAndBeInTheKeytab() throws Exception {
    writeKeytab("proxy.keytab", SOCKS);
    assertThat(problems("kerberos: { keytab: proxy.keytab, realm: ZCPROXY.TEST, principal: HTTP }"))
        .containsExactly(
            "config key 'kerberos.principal': expected a Kerberos principal with its realm like"
                + " HTTP/proxy.example.com@EXAMPLE.COM, or *, got \"HTTP\"");
    assertThat(
            problems(
                "kerberos: { keytab: proxy.keytab, realm: ZCPROXY.TEST, principal: " + HTTP + " }"))
        .containsExactly(
            "config key 'kerberos.principal': the keytab "
                + directory.resolve("proxy.keytab")
                + " has no key for "
                + HTTP
                + "; it holds "
                + SOCKS);
  }

  @Test
  void aRealmIsOneWord() throws Exception {
    writeKeytab("proxy.keytab", SOCKS);
    assertThat(problems("kerberos: { keytab: proxy.keytab, realm: \"TWO WORDS\" }"))
        .singleElement()
        .asString()
        .startsWith("config key 'kerberos.realm': a Kerberos realm must be non-empty");
  }

  /** An MIT keytab (format 0x0502) with one AES-256 key per principal. */
  private void writeKeytab(String name, String... principals) throws IOException {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(file);
    out.writeShort(0x0502);
    for (String principal : principals) {
      ByteArrayOutputStream entry = new ByteArrayOutputStream();
      DataOutputStream e = new DataOutputStream(entry);
      String[] nameAndRealm = principal.split("@");
      String[] components = nameAndRealm[0].split("/");
      e.writeShort(components.length);
      counted(e, nameAndRealm[1]);
      for (String component : components) {
        counted(e, component);
      }
      e.writeInt(1); // KRB5_NT_PRINCIPAL
      e.writeInt(1_700_000_000);
      e.writeByte(1);
      e.writeShort(18); // aes256-cts-hmac-sha1-96
      e.writeShort(32);
      e.write(new byte[32]);
      out.writeInt(entry.size());
      out.write(entry.toByteArray());
    }
    Path file1 = directory.resolve(name);
    Files.createDirectories(file1.getParent());
    Files.write(file1, file.toByteArray());
  }

  private static void counted(DataOutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  private LoadedConfig load(String yaml, Map<String, String> environment) throws Exception {
    return LoadedConfig.load(write(yaml), environment, directory.resolve("cwd"));
  }

  private List<String> problems(String kerberosYaml) {
    return catchThrowableOfType(
            ConfigException.class,
            () -> load("policy: { file: p.yaml }\n" + kerberosYaml, Map.of()))
        .problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }
}
