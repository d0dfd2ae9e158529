package dev.zcproxy.outbound.jpa;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the state service's PostgreSQL is and how to use it.
 *
 * @param jdbcUrl {@code jdbc:postgresql://host:port/database...}
 * @param password empty for trust or peer authentication
 * @param schema where the tables live; created by the migration if missing. Empty: the connection's
 *     current schema (normally {@code public})
 * @param poolSize the most connections held open
 * @param connectionTimeout how long a request waits for a connection before the database counts as
 *     unreachable
 */
public record DatabaseSettings(
    String jdbcUrl,
    String user,
    Optional<String> password,
    Optional<String> schema,
    int poolSize,
    Duration connectionTimeout) {

  public static final int DEFAULT_POOL_SIZE = 10;
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(3);

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public DatabaseSettings {
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("the JDBC URL must start with jdbc:postgresql:");
    }
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(schema, "schema");
    schema.ifPresent(
        name -> {
          if (!SCHEMA.matcher(name).matches()) {
            throw new IllegalArgumentException(
                "the schema must be 1-63 of a-z 0-9 _, not starting with a digit");
          }
        });
    if (poolSize < 2 || poolSize > 100) {
      throw new IllegalArgumentException("pool size must be 2-100, got " + poolSize);
    }
    if (connectionTimeout.toMillis() < 250) {
      throw new IllegalArgumentException("connection timeout must be at least 250ms");
    }
  }

  public static DatabaseSettings of(String jdbcUrl, String user, Optional<String> password) {
    return new DatabaseSettings(
        jdbcUrl, user, password, Optional.empty(), DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT);
  }

  public DatabaseSettings withSchema(String schema) {
    return new DatabaseSettings(
        jdbcUrl, user, password, Optional.of(schema), poolSize, connectionTimeout);
  }

  public DatabaseSettings withPool(int size, Duration timeout) {
    return new DatabaseSettings(jdbcUrl, user, password, schema, size, timeout);
  }

  /** Never print the password. */
  @Override
  public String toString() {
    return "DatabaseSettings["
        + jdbcUrl
        + ", user="
        + user
        + schema.map(s -> ", schema=" + s).orElse("")
        + "]";
  }
}
