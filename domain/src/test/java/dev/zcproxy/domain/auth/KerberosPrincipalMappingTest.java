package dev.zcproxy.domain.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.auth.KerberosPrincipalMapping.Mapped;
import org.junit.jupiter.api.Test;

class KerberosPrincipalMappingTest {

  private final KerberosPrincipalMapping mapping =
      KerberosPrincipalMapping.forRealm("ZCPROXY.TEST");

  @Test
  void a_principal_of_the_realm_is_the_user_of_the_same_name() {
    assertThat(mapping.map("alice@ZCPROXY.TEST")).isEqualTo(new Mapped.PolicyUser("alice"));
    assertThat(mapping.map("bob.smith@ZCPROXY.TEST")).isEqualTo(new Mapped.PolicyUser("bob.smith"));
  }

  @Test
  void another_realm_or_none_is_foreign_and_realms_are_case_sensitive() {
    assertThat(mapping.map("alice@EVIL.TEST")).isEqualTo(new Mapped.ForeignRealm("EVIL.TEST"));
    assertThat(mapping.map("alice@zcproxy.test"))
        .isEqualTo(new Mapped.ForeignRealm("zcproxy.test"));
    assertThat(mapping.map("alice")).isEqualTo(new Mapped.ForeignRealm(""));
    // an escaped @ belongs to the name, so the realm is still the one after the last real @
    assertThat(mapping.map("alice\\@ZCPROXY.TEST@EVIL.TEST"))
        .isEqualTo(new Mapped.ForeignRealm("EVIL.TEST"));
  }

  @Test
  void principals_with_an_instance_or_an_impossible_user_name_stand_for_nobody() {
    assertThat(mapping.map("alice/admin@ZCPROXY.TEST"))
        .isEqualTo(new Mapped.NoSuchUser("alice/admin"));
    assertThat(mapping.map("HTTP/localhost@ZCPROXY.TEST"))
        .isEqualTo(new Mapped.NoSuchUser("HTTP/localhost"));
    assertThat(mapping.map("ali ce@ZCPROXY.TEST")).isEqualTo(new Mapped.NoSuchUser("ali ce"));
    assertThat(mapping.map("a\\@b@ZCPROXY.TEST")).isEqualTo(new Mapped.NoSuchUser("a\\@b"));
    assertThat(mapping.map("@ZCPROXY.TEST")).isEqualTo(new Mapped.NoSuchUser(""));
  }

  @Test
  void without_kerberos_every_principal_is_foreign() {
    assertThat(KerberosPrincipalMapping.NONE.map("alice@ZCPROXY.TEST"))
        .isEqualTo(new Mapped.ForeignRealm("ZCPROXY.TEST"));
  }

  @Test
  void a_realm_must_be_a_plain_word() {
    assertThatThrownBy(() -> KerberosPrincipalMapping.forRealm(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KerberosPrincipalMapping.forRealm("A B"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KerberosPrincipalMapping.forRealm("x@Y"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
