package dev.zcproxy.inbound.netty.http.h1;

import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.inbound.netty.http.HttpBasicCredentials;
import dev.zcproxy.inbound.netty.http.HttpForwardHeaders;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.HttpRequestTarget;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP proxy's parsers: request targets, Basic credentials, hop-by-hop fields and Via. */
class HttpParsingTest {

  @ParameterizedTest
  @CsvSource({
    "http://example.com/a/b?c=d, example.com, 80, /a/b?c=d, example.com",
    "HTTP://Example.COM:8080, example.com, 8080, /, Example.COM:8080",
    "http://example.com?q, example.com, 80, /?q, example.com",
    "http://10.0.0.1:81/x, 10.0.0.1, 81, /x, 10.0.0.1:81",
  })
  void absolute_form(String target, String host, int port, String path, String authority)
      throws HttpRejection {
    HttpRequestTarget parsed = HttpRequestTarget.absoluteForm(target);

    InetAddress literal = dev.zcproxy.domain.model.HostNames.parseLiteral(host);
    assertThat(parsed.destination())
        .isEqualTo(
            literal != null
                ? Destination.ofAddress(literal, port)
                : Destination.ofHost(host, port));
    assertThat(parsed.pathAndQuery()).isEqualTo(path);
    assertThat(parsed.authority()).isEqualTo(authority);
  }

  @Test
  void an_ipv6_literal_in_brackets() throws HttpRejection {
    assertThat(HttpRequestTarget.absoluteForm("http://[2001:db8::1]:8080/").destination())
        .isEqualTo(Destination.ofAddress(InetAddress.ofLiteral("2001:db8::1"), 8080));
    assertThat(HttpRequestTarget.authorityForm("[::1]:443").destination())
        .isEqualTo(Destination.ofAddress(InetAddress.ofLiteral("::1"), 443));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/relative",
        "*",
        "example.com/x",
        "http://",
        "http:///path",
        "http://user:pass@example.com/",
        "http://example.com:0/",
        "http://example.com:65536/",
        "http://example.com:/",
        "http://example.com:8x/",
        "http://exa mple.com/",
        "http://-bad-.com/",
        "http://2001:db8::1/",
        "http://[1.2.3.4]/",
        "http://[2001:db8::1/",
        "http://[::1]x/",
        "http://example.com/#fragment"
      })
  void bad_absolute_forms_are_400(String target) {
    assertThatThrownBy(() -> HttpRequestTarget.absoluteForm(target))
        .isInstanceOfSatisfying(
            HttpRejection.class,
            rejection -> assertThat(rejection.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST));
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://example.com/", "ftp://example.com/"})
  void other_schemes_are_not_implemented(String target) {
    assertThatThrownBy(() -> HttpRequestTarget.absoluteForm(target))
        .isInstanceOfSatisfying(
            HttpRejection.class,
            rejection ->
                assertThat(rejection.status()).isEqualTo(HttpResponseStatus.NOT_IMPLEMENTED));
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "example.com:", "example.com:443/x", "user@host:443", ""})
  void bad_authority_forms_are_400(String target) {
    assertThatThrownBy(() -> HttpRequestTarget.authorityForm(target))
        .isInstanceOf(HttpRejection.class);
  }

  @Test
  void basic_credentials_are_utf8() throws HttpRejection {
    assertThat(HttpBasicCredentials.parse(basic("jürgen", "pä:ss wörd")))
        .isEqualTo(new Credentials.UsernamePassword("jürgen", "pä:ss wörd"));
    assertThat(HttpBasicCredentials.parse("basic   " + basic("a", "b").substring(6)))
        .isEqualTo(new Credentials.UsernamePassword("a", "b"));
  }

  @Test
  void credentials_never_reach_a_rejection_message() {
    assertThatThrownBy(() -> HttpBasicCredentials.parse("Basic " + "c2VjcmV0"))
        .isInstanceOf(HttpRejection.class)
        .message()
        .doesNotContain("secret")
        .doesNotContain("c2VjcmV0");
  }

  @Test
  void hop_by_hop_fields_and_the_ones_connection_names_go() {
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .add("Connection", "keep-alive, X-Secret")
            .add("Connection", "Upgrade")
            .add("X-Secret", "1")
            .add("Keep-Alive", "timeout=5")
            .add("Proxy-Authorization", "Basic x")
            .add("Proxy-Connection", "keep-alive")
            .add("TE", "trailers")
            .add("Trailer", "X-Sum")
            .add("Transfer-Encoding", "chunked")
            .add("Upgrade", "websocket")
            .add("Accept", "*/*");

    HttpForwardHeaders.removeHopByHop(headers);

    assertThat(headers.names()).containsExactly("Accept");
  }

  @Test
  void via_entries_are_compared_by_received_by() {
    HttpHeaders headers = new DefaultHttpHeaders().add("Via", "1.0 fred, HTTP/1.1 zcproxy-abc (c)");

    assertThat(HttpForwardHeaders.isLoop(headers, "zcproxy-abc")).isTrue();
    assertThat(HttpForwardHeaders.isLoop(headers, "ZCPROXY-ABC")).isTrue();
    assertThat(HttpForwardHeaders.isLoop(headers, "fred2")).isFalse();
    assertThat(HttpForwardHeaders.isLoop(headers, "1.0")).isFalse();
  }
}
