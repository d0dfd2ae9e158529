package dev.zcproxy.domain.state;

/** What installing the bootstrap admin key at startup did. */
public enum BootstrapKeyOutcome {
  /** The key was new: stored, and earlier bootstrap keys revoked. */
  INSTALLED,
  /** The same key was already stored and usable. */
  UNCHANGED,
  /** The same key is stored but an operator revoked it: it stays revoked. */
  REVOKED,
  /** Another stored key has the same id: generate a new bootstrap key. */
  ID_TAKEN
}
