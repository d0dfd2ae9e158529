package dev.zcproxy.outbound.jpa;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.PolicySigningKeyStore;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state service's PostgreSQL store: a HikariCP pool, the Flyway migrations in {@code
 * dev/zcproxy/outbound/jpa/migration}, and Hibernate entities behind the domain's out ports. {@link
 * #start} migrates before anything else, so the entities always meet the schema they were written
 * for. The ports are all that leaves this module; entities and mappers stay inside.
 *
 * <p>When the database goes away the ports throw {@code StoreUnavailableException} within the
 * pool's connection timeout, and work again once it is back: the pool drops broken connections and
 * opens new ones by itself.
 */
public final class JpaPersistence implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JpaPersistence.class);

  static final String MIGRATIONS = "classpath:dev/zcproxy/outbound/jpa/migration";

  private final HikariDataSource dataSource;
  private final EntityManagerFactory factory;
  private final JpaUnitOfWork unitOfWork;
  private final UserRepository users;
  private final AclRepository rules;
  private final ApiKeyRepository apiKeys;
  private final PolicyChangeOutbox outbox;
  private final AuditLog audit;
  private final PolicySigningKeyStore signingKeys;

  private JpaPersistence(HikariDataSource dataSource, EntityManagerFactory factory) {
    this.dataSource = dataSource;
    this.factory = factory;
    this.unitOfWork = new JpaUnitOfWork(factory);
    this.users = new JpaUserRepositoryAdapter(unitOfWork);
    this.rules = new JpaAclRepositoryAdapter(unitOfWork);
    this.apiKeys = new JpaApiKeyRepositoryAdapter(unitOfWork);
    this.outbox = new JpaPolicyChangeOutboxAdapter(unitOfWork);
    this.audit = new JpaAuditLogAdapter(unitOfWork);
    this.signingKeys = new JdbcPolicySigningKeyStore(dataSource);
  }

  /**
   * Connects, migrates the schema and builds the entity layer.
   *
   * @param metrics receives the pool's meters ({@code hikaricp_connections_*})
   * @throws PersistenceStartException when the database is unreachable or a migration fails
   */
  public static JpaPersistence start(DatabaseSettings settings, MeterRegistry metrics)
      throws PersistenceStartException {
    Objects.requireNonNull(settings, "settings");
    HikariDataSource dataSource;
    try {
      dataSource = new HikariDataSource(poolConfig(settings, metrics));
    } catch (RuntimeException unreachable) {
      throw new PersistenceStartException(
          "cannot connect to "
              + settings.jdbcUrl()
              + " as "
              + settings.user()
              + ": "
              + rootMessage(unreachable),
          unreachable);
    }
    try {
      migrate(dataSource, settings);
      EntityManagerFactory factory =
          new HibernatePersistenceConfiguration("zcproxy-state")
              .managedClasses(
                  UserEntity.class,
                  RuleEntity.class,
                  SettingsEntity.class,
                  ApiKeyEntity.class,
                  OutboxEntity.class,
                  AuditEntity.class)
              .property("hibernate.connection.datasource", dataSource)
              .property("hibernate.hbm2ddl.auto", "none")
              .property("hibernate.jdbc.time_zone", "UTC")
              .createEntityManagerFactory();
      return new JpaPersistence(dataSource, factory);
    } catch (RuntimeException failed) {
      dataSource.close();
      throw new PersistenceStartException(
          "cannot prepare the database " + settings.jdbcUrl() + ": " + rootMessage(failed), failed);
    }
  }

  public UnitOfWork unitOfWork() {
    return unitOfWork;
  }

  public UserRepository users() {
    return users;
  }

  public AclRepository rules() {
    return rules;
  }

  public ApiKeyRepository apiKeys() {
    return apiKeys;
  }

  public PolicyChangeOutbox outbox() {
    return outbox;
  }

  public AuditLog audit() {
    return audit;
  }

  /** The state service's policy signing key; used outside any unit of work. */
  public PolicySigningKeyStore signingKeys() {
    return signingKeys;
  }

  /** Whether a connection can be had and answers now, for a readiness probe. */
  public boolean isReachable() {
    try (Connection connection = dataSource.getConnection()) {
      return connection.isValid(1);
    } catch (SQLException unreachable) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      factory.close();
    } finally {
      dataSource.close();
    }
  }

  private static HikariConfig poolConfig(DatabaseSettings settings, MeterRegistry metrics) {
    var config = new HikariConfig();
    config.setPoolName("zcproxy-state");
    config.setJdbcUrl(settings.jdbcUrl());
    config.setUsername(settings.user());
    settings.password().ifPresent(config::setPassword);
    settings.schema().ifPresent(schema -> config.addDataSourceProperty("currentSchema", schema));
    // Fail fast while the database is away: a request should get its 503 within the timeout, not
    // hang on a half-open socket.
    long timeoutSeconds = Math.max(1, settings.connectionTimeout().toSeconds());
    config.addDataSourceProperty("connectTimeout", Long.toString(timeoutSeconds));
    config.addDataSourceProperty("socketTimeout", "30");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("ApplicationName", "zcproxy-state");
    config.setMaximumPoolSize(settings.poolSize());
    config.setMinimumIdle(Math.min(2, settings.poolSize()));
    config.setConnectionTimeout(settings.connectionTimeout().toMillis());
    config.setValidationTimeout(Math.min(1000, settings.connectionTimeout().toMillis()));
    config.setAutoCommit(true);
    config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(metrics));
    return config;
  }

  private static void migrate(HikariDataSource dataSource, DatabaseSettings settings) {
    var flyway = Flyway.configure().dataSource(dataSource).locations(MIGRATIONS);
    settings.schema().ifPresent(schema -> flyway.schemas(schema).createSchemas(true));
    MigrateResult result = flyway.load().migrate();
    LOG.info(
        "database schema {} at version {} ({} migration(s) applied now)",
        result.schemaName,
        result.targetSchemaVersion == null
            ? result.initialSchemaVersion
            : result.targetSchemaVersion,
        result.migrationsExecuted);
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
