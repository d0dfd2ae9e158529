package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.BootstrapKeyOutcome;
import dev.zcproxy.domain.state.CreatedApiKey;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import java.util.Optional;

/** API keys: created with a secret shown once, revoked for good. Changes are audited. */
public interface ManageApiKeysUseCase {

  /** Pages keyed by key id. */
  Page<ApiKey> apiKeys(PageRequest page);

  Optional<ApiKey> apiKey(String id);

  /** {@code Rejected} for an expiry that is not in the future. */
  Outcome<CreatedApiKey> create(CreateApiKeyCommand command, Actor actor);

  /** Takes effect at once; revoking a revoked key changes nothing. {@code NotFound}. */
  Outcome<ApiKey> revoke(String id, Actor actor);

  /**
   * Makes sure the operator's bootstrap admin key is stored (as its digest) and usable, and revokes
   * the bootstrap keys of earlier starts. A bootstrap key an operator revoked stays revoked.
   */
  BootstrapKeyOutcome installBootstrapKey(ApiKeyToken token);
}
