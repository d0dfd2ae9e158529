package dev.zcproxy.outbound.jpa;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL the tests use: the one named by {@code ZCPROXY_TEST_DB_URL} (with {@code
 * ZCPROXY_TEST_DB_USER}, default {@code postgres}, and {@code ZCPROXY_TEST_DB_PASSWORD}) when set,
 * else a throwaway container from Testcontainers. With neither, every test that needs it fails with
 * a message saying so: a missing database is never a skipped test.
 *
 * <p>Tests never share tables: each test class works in its own schema ({@link #newSchema()}) and
 * drops it at the end, so runs in parallel, or on a database that holds other data, do not collide.
 */
public final class TestDatabase {

  static final String NO_DATABASE =
      "No PostgreSQL for the tests: set ZCPROXY_TEST_DB_URL (e.g."
          + " jdbc:postgresql://127.0.0.1:5432/test) with ZCPROXY_TEST_DB_USER and"
          + " ZCPROXY_TEST_DB_PASSWORD, or make Docker available to Testcontainers.";

  private static TestDatabase instance;

  private final String jdbcUrl;
  private final String user;
  private final Optional<String> password;

  private TestDatabase(String jdbcUrl, String user, Optional<String> password) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /** The database for this JVM, found (or started) on first use. */
  public static synchronized TestDatabase get() {
    if (instance == null) {
      instance = locate();
    }
    return instance;
  }

  private static TestDatabase locate() {
    String url = System.getenv("ZCPROXY_TEST_DB_URL");
    if (url != null && !url.isBlank()) {
      String user = System.getenv().getOrDefault("ZCPROXY_TEST_DB_USER", "postgres");
      Optional<String> password =
          Optional.ofNullable(System.getenv("ZCPROXY_TEST_DB_PASSWORD")).filter(p -> !p.isEmpty());
      return new TestDatabase(url, user, password);
    }
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException noDocker) {
      docker = false;
    }
    if (!docker) {
      throw new IllegalStateException(NO_DATABASE);
    }
    // Stopped by Testcontainers' reaper when the JVM ends.
    @SuppressWarnings("resource")
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
    container.start();
    return new TestDatabase(
        container.getJdbcUrl(), container.getUsername(), Optional.of(container.getPassword()));
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public String user() {
    return user;
  }

  public Optional<String> password() {
    return password;
  }

  /** Settings for a schema of its own, which does not exist yet (the migration creates it). */
  public DatabaseSettings newSchema() {
    return settings(jdbcUrl).withSchema(newSchemaName());
  }

  /**
   * How long a test waits for a database connection: a new one on a busy machine (PostgreSQL
   * forking a backend while the tests' JVM and the broker compete for two cores) may take seconds.
   */
  private static final Duration PATIENT = Duration.ofSeconds(10);

  /** Settings against another URL (a TCP cutter in front of the database, say). */
  public DatabaseSettings settings(String url) {
    return settings(url, PATIENT);
  }

  /** Like {@link #settings(String)}, failing after {@code connectionTimeout} without a database. */
  public DatabaseSettings settings(String url, Duration connectionTimeout) {
    return new DatabaseSettings(url, user, password, Optional.empty(), 4, connectionTimeout);
  }

  public static String newSchemaName() {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return "t_" + HexFormat.of().formatHex(random);
  }

  public void dropSchema(String schema) {
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  /** Runs statements in {@code schema} (or the default one when null), outside any store. */
  public void execute(String schema, String... statements) {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    password.ifPresent(p -> properties.setProperty("password", p));
    if (schema != null) {
      properties.setProperty("currentSchema", schema);
    }
    try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run SQL on the test database: " + e.getMessage(), e);
    }
  }

  private void execute(String statement) {
    execute(null, statement);
  }
}
