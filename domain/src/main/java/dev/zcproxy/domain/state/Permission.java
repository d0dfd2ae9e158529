package dev.zcproxy.domain.state;

/** What a request needs to be allowed to do; an API key's scope grants a set of these. */
public enum Permission {
  /** {@code GET /policy/snapshot}: what every proxy needs. */
  READ_SNAPSHOT,
  /** See the password hashes in a snapshot: only proxies, which verify passwords, need them. */
  READ_PASSWORD_HASHES,
  /** Read users, groups, rules and settings. */
  READ_POLICY,
  /** Create, replace, move and delete users and rules; change the settings. */
  WRITE_POLICY,
  /** List, create and revoke API keys; read the audit log. */
  ADMINISTER
}
