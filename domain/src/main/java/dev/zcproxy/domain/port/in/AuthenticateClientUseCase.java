package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;

/** Proves who a client is. Cheap at connection rate after a user's first successful login. */
public interface AuthenticateClientUseCase {

  AuthResult authenticate(AuthenticateCommand command);

  /** Whether the current policy lets clients skip authentication. */
  boolean anonymousAllowed();
}
