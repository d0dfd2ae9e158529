package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.PolicyChurn;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.StateProcess;
import dev.zcproxy.outbound.amqp.TestRabbitMq;
import dev.zcproxy.outbound.jpa.TestDatabase;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two state services on one database, as the chart runs them (2 replicas), publishing to one
 * RabbitMQ. Both relays poll the same outbox, so a batch may go out twice; that is harmless by
 * design (at-least-once, subscribers drop revisions they hold) and the outbox's mark only touches
 * rows still unmarked. What must hold: 500 changes spread over both APIs, one replica killed
 * (SIGKILL) halfway, and the proxy still installs every revision from the broker exactly once, in
 * increasing order, without a single gap that would make it fetch a snapshot; every outbox row is
 * marked published; and the proxy ends with the database's digest.
 */
class StateReplicasIT {

  private static final Duration AWAIT = Duration.ofSeconds(120);
  private static final int CHANGES = 500;
  private static final Pattern INSTALLED =
      Pattern.compile("policy revision (\\d+) installed from (\\w+)");

  @TempDir Path workDir;

  @Test
  void twoReplicasPublishEveryRevisionOnceAndInOrderThroughTheLossOfOne() throws Exception {
    TestRabbitMq rabbit = TestRabbitMq.get();
    String vhost = "zcproxy-replicas-" + ProcessHandle.current().pid();
    URI broker = rabbit.virtualHost(vhost);
    try (LiveStateService state =
        LiveStateService.start(
            "replica-a", Map.of("ZCPROXY_STATE_BROKER_URL", broker.toString()))) {
      StateProcess replicaA = state.process();
      StateProcess replicaB = state.startReplica("replica-b");
      long startRevision = state.databaseRevision();
      // The proxy reads snapshots from replica B (the survivor); its periodic check is an hour
      // away, so every revision after the first snapshot must come through the broker.
      try (ProxyProcess proxy =
          ProxyProcess.builder(workDir.resolve("proxy"))
              .name("StateReplicasIT")
              .policySection(
                  """
                  policy:
                    stateService: { url: "http://127.0.0.1:%d", apiKey: "%s" }
                    broker: { url: "%s" }
                    cacheFile: cache/policy.json
                    resyncInterval: 1h"""
                      .formatted(replicaB.port(), state.proxyKey(), broker))
              .start()) {
        proxy.awaitLogLines("policy changes from broker", 1);
        double resyncsAtStart = proxy.metricSum("zcproxy_policy_resyncs_total");

        PolicyChurn churn = new PolicyChurn(state, "rep", 2026);
        for (int i = 0; i < CHANGES / 2; i++) {
          state.sendTo(i % 2 == 0 ? replicaA : replicaB);
          churn.mutate(1);
        }
        replicaA.kill();
        state.sendTo(replicaB);
        churn.mutate(CHANGES / 2);
        assertThat(churn.made()).isEqualTo(CHANGES);

        state.awaitDigestOfTheDatabase(proxy, AWAIT);
        long head = state.databaseRevision();
        List<Long> committed = outboxRevisionsAfter(state.schema(), startRevision);
        // A change that changes nothing (a rule moved to where it is) commits no revision.
        assertThat(committed).hasSizeGreaterThan(CHANGES * 9 / 10).last().isEqualTo(head);
        assertThat(installed(proxy, "feed"))
            .as("every committed revision installed from the broker once, in commit order")
            .isEqualTo(committed);
        assertThat(proxy.metricSum("zcproxy_policy_resyncs_total"))
            .as("no gap or reordering made the proxy fetch a snapshot")
            .isEqualTo(resyncsAtStart);
        assertThat(outboxRows(state.schema(), "published_at is null"))
            .as("outbox rows left unmarked")
            .isZero();
        proxy.assertCleanLog();
      }
    } finally {
      rabbit.deleteVirtualHost(vhost);
    }
  }

  private static List<Long> installed(ProxyProcess proxy, String origin) {
    List<Long> revisions = new ArrayList<>();
    Matcher line = INSTALLED.matcher(proxy.log());
    while (line.find()) {
      if (line.group(2).equals(origin)) {
        revisions.add(Long.parseLong(line.group(1)));
      }
    }
    return revisions;
  }

  private static long outboxRows(String schema, String condition) throws SQLException {
    List<Long> count =
        query("select count(*) from " + schema + ".policy_outbox where " + condition);
    return count.getFirst();
  }

  private static List<Long> outboxRevisionsAfter(String schema, long revision) throws SQLException {
    return query(
        "select revision from "
            + schema
            + ".policy_outbox where revision > "
            + revision
            + " order by revision");
  }

  private static List<Long> query(String sql) throws SQLException {
    TestDatabase database = TestDatabase.get();
    try (Connection connection =
            DriverManager.getConnection(
                database.jdbcUrl(), database.user(), database.password().orElse(null));
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      List<Long> values = new ArrayList<>();
      while (rows.next()) {
        values.add(rows.getLong(1));
      }
      return values;
    }
  }
}
