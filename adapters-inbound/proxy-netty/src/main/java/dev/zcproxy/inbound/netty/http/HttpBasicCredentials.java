package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.domain.auth.Credentials;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code Proxy-Authorization: Basic} (RFC 7617): base64 of {@code user-id ":" password} in UTF-8,
 * as the challenge's {@code charset="UTF-8"} asks. Anything else (another scheme, bad base64,
 * invalid UTF-8, no colon, control characters) is refused like a wrong password: with a 407 and a
 * fresh challenge.
 */
public final class HttpBasicCredentials {
  private static final String SCHEME = "Basic";

  private HttpBasicCredentials() {}

  public static Credentials.UsernamePassword parse(String authorization) throws HttpRejection {
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase(SCHEME)) {
      throw HttpRejection.authenticationRequired(
          "unsupported_scheme", "only Basic proxy authentication is supported");
    }
    String token = value.substring(space + 1).strip();
    String decoded;
    try {
      byte[] bytes = Base64.getDecoder().decode(token);
      decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (IllegalArgumentException | CharacterCodingException malformed) {
      throw malformed();
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || decoded.chars().anyMatch(Character::isISOControl)) {
      throw malformed();
    }
    return new Credentials.UsernamePassword(
        decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  private static HttpRejection malformed() {
    return HttpRejection.authenticationRequired(
        "malformed", "malformed Basic credentials in Proxy-Authorization");
  }
}
