package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.contract.StorePorts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link JpaPersistence} on a schema of its own for one test class: created before the first
 * test, emptied by {@link #emptyStore()}, dropped after the last.
 */
public final class JpaStoreExtension implements BeforeAllCallback, AfterAllCallback {

  private DatabaseSettings settings;
  private JpaPersistence persistence;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    settings = TestDatabase.get().newSchema();
    persistence = JpaPersistence.start(settings, new SimpleMeterRegistry());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (persistence != null) {
        persistence.close();
      }
    } finally {
      if (settings != null) {
        TestDatabase.get().dropSchema(settings.schema().orElseThrow());
      }
    }
  }

  public JpaPersistence persistence() {
    return persistence;
  }

  /** The settings of this class's schema, to start a second store on it. */
  public DatabaseSettings settings() {
    return settings;
  }

  /** Empties every table and resets the head revision and the settings, as after migration. */
  public StorePorts emptyStore() {
    TestDatabase.get()
        .execute(
            settings.schema().orElseThrow(),
            "TRUNCATE users, rules, api_keys, policy_outbox, audit_log",
            "UPDATE policy_head SET revision = 0",
            "UPDATE policy_settings SET anonymous = false, version = 0");
    return ports(persistence);
  }

  public static StorePorts ports(JpaPersistence persistence) {
    return new StorePorts(
        persistence.unitOfWork(),
        persistence.users(),
        persistence.rules(),
        persistence.apiKeys(),
        persistence.outbox(),
        persistence.audit());
  }
}
