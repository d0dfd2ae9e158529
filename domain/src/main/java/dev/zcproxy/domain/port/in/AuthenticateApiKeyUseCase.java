package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.ApiKeyAuthResult;
import java.net.InetAddress;

/**
 * Checks a presented API key against the stored digests, on every request, so that revocation and
 * expiry take effect at once. Failures are throttled per source address.
 */
public interface AuthenticateApiKeyUseCase {

  ApiKeyAuthResult authenticate(String presentedKey, InetAddress source);
}
