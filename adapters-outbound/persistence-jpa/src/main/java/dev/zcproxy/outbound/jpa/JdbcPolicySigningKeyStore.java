package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.PolicySigningKeyStore;
import dev.zcproxy.domain.port.out.StoreUnavailableException;
import dev.zcproxy.domain.state.PolicySigningKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The signing key in {@code policy_signing_key}, read with plain JDBC: it is read once at startup
 * and never through an entity. Insert-if-absent then read, so instances starting together agree on
 * the first key stored.
 */
final class JdbcPolicySigningKeyStore implements PolicySigningKeyStore {

  private final DataSource dataSource;

  JdbcPolicySigningKeyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public PolicySigningKey loadOrCreate(Supplier<PolicySigningKey> generate) {
    try (Connection connection = dataSource.getConnection()) {
      PolicySigningKey stored = find(connection);
      if (stored != null) {
        return stored;
      }
      PolicySigningKey fresh = generate.get();
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO policy_signing_key"
                  + " (id, key_id, algorithm, public_key, private_key, created_at)"
                  + " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
        insert.setString(1, fresh.keyId());
        insert.setString(2, PolicySigningKey.ALGORITHM);
        insert.setBytes(3, fresh.publicKey());
        insert.setBytes(4, fresh.privateKey());
        insert.setTimestamp(5, Timestamp.from(Instant.now()));
        insert.executeUpdate();
      }
      PolicySigningKey kept = find(connection);
      if (kept == null) {
        throw new IllegalStateException("policy_signing_key is empty right after an insert");
      }
      return kept;
    } catch (SQLException failed) {
      if (StoreFailures.isUnavailable(failed.getSQLState())) {
        throw new StoreUnavailableException(
            "the database cannot be reached: " + failed.getMessage(), failed);
      }
      throw new IllegalStateException(
          "cannot read or store the policy signing key: " + failed.getMessage(), failed);
    } catch (RuntimeException failed) {
      throw StoreFailures.translate(failed);
    }
  }

  private static PolicySigningKey find(Connection connection) throws SQLException {
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT key_id, public_key, private_key FROM policy_signing_key WHERE id = 1");
        ResultSet row = select.executeQuery()) {
      if (!row.next()) {
        return null;
      }
      return new PolicySigningKey(row.getString(1), row.getBytes(2), row.getBytes(3));
    }
  }
}
