package dev.zcproxy.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import dev.zcproxy.domain.state.PolicyDigest;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.outbound.jpa.JpaPersistence;
import dev.zcproxy.outbound.jpa.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The state service as the live-policy tests use it: its own schema on the test database, a
 * bootstrap admin key, a {@code proxy}-scope key for proxies, and the REST calls those tests make.
 * The policy it serves can be compared with the database itself ({@link
 * #awaitDigestOfTheDatabase}).
 */
public final class LiveStateService implements AutoCloseable {

  public static final String PASSWORD = "wonderland-in-2026";
  private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]+)\"");
  private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
  private static final Pattern STATUS =
      Pattern.compile("\"revision\":(\\d+),\"digest\":\"([0-9a-f]{64})\"");

  private final String schema;
  private final String adminKey;
  private final Map<String, String> environment;
  private StateProcess process;
  private StateProcess primary;
  private final List<StateProcess> replicas = new ArrayList<>();
  private String proxyKey;

  private LiveStateService(String schema, String adminKey, Map<String, String> environment) {
    this.schema = schema;
    this.adminKey = adminKey;
    this.environment = environment;
  }

  /**
   * Starts a state service on a fresh schema, with {@code extraEnvironment} (a broker, say) on top
   * of the database settings and the bootstrap key.
   */
  public static LiveStateService start(String name, Map<String, String> extraEnvironment) {
    TestDatabase database = TestDatabase.get();
    String schema = TestDatabase.newSchemaName();
    ProxyProcess.Exited made =
        StateProcess.runExpectingExit(name + "-key", Map.of(), "new-api-key");
    assertThat(made.status()).as(made.output()).isZero();
    String adminKey = made.output().strip();
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("ZCPROXY_STATE_DB_URL", database.jdbcUrl());
    environment.put("ZCPROXY_STATE_DB_USER", database.user());
    database.password().ifPresent(p -> environment.put("ZCPROXY_STATE_DB_PASSWORD", p));
    environment.put("ZCPROXY_STATE_DB_SCHEMA", schema);
    environment.put("ZCPROXY_STATE_BOOTSTRAP_API_KEY", adminKey);
    environment.putAll(extraEnvironment);
    LiveStateService service = new LiveStateService(schema, adminKey, environment);
    service.restart(name);
    HttpResponse<String> key =
        service.process.postJson(
            "/api/v1/api-keys", adminKey, "{\"name\":\"proxy\",\"scope\":\"proxy\"}");
    assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
    service.proxyKey = group(KEY, key.body());
    return service;
  }

  /** Starts the service (again) on the same schema and settings; a running one is stopped first. */
  public void restart(String name) {
    if (primary != null) {
      primary.close();
    }
    primary = StateProcess.start(name, environment);
    process = primary;
  }

  public StateProcess process() {
    return process;
  }

  /**
   * Starts one more instance on the same schema and settings: a second replica beside {@link
   * #process()}. It is stopped with this service.
   */
  public StateProcess startReplica(String name) {
    StateProcess replica = StateProcess.start(name, environment);
    replicas.add(replica);
    return replica;
  }

  /** Sends this object's API calls ({@link #createUser} and the rest) to {@code instance}. */
  public void sendTo(StateProcess instance) {
    process = instance;
  }

  /** The database schema this service (and its replicas) keep their tables in. */
  public String schema() {
    return schema;
  }

  public String adminKey() {
    return adminKey;
  }

  /** A key with the {@code proxy} scope, for {@code policy.stateService.apiKey}. */
  public String proxyKey() {
    return proxyKey;
  }

  /** Creates an enabled user in group {@code staff} with {@link #PASSWORD}. */
  public void createUser(String name) {
    HttpResponse<String> created =
        process.postJson(
            "/api/v1/users",
            adminKey,
            "{\"name\":\"%s\",\"password\":\"%s\",\"groups\":[\"staff\"]}"
                .formatted(name, PASSWORD));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  /** Disables a user created by {@link #createUser}. */
  public void disableUser(String name) {
    HttpResponse<String> disabled =
        process.putJson(
            "/api/v1/users/" + name, adminKey, "{\"groups\":[\"staff\"],\"enabled\":false}");
    assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
  }

  /** Replaces a user's groups and enabled flag, keeping its password. */
  public void replaceUser(String name, boolean enabled, String... groups) {
    StringBuilder list = new StringBuilder();
    for (String group : groups) {
      list.append(list.isEmpty() ? "" : ",").append('"').append(group).append('"');
    }
    HttpResponse<String> replaced =
        process.putJson(
            "/api/v1/users/" + name,
            adminKey,
            "{\"groups\":[%s],\"enabled\":%s}".formatted(list, enabled));
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
  }

  public void deleteUser(String name) {
    HttpResponse<String> deleted = process.delete("/api/v1/users/" + name, adminKey);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
  }

  /** Appends a rule allowing {@code user} to 127.0.0.1 on {@code ports}; returns its id. */
  public String createRule(String user, int... ports) {
    HttpResponse<String> created = process.postJson("/api/v1/rules", adminKey, rule(user, ports));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return group(ID, created.body());
  }

  public void replaceRule(String id, String user, int... ports) {
    HttpResponse<String> replaced =
        process.putJson("/api/v1/rules/" + id, adminKey, rule(user, ports));
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
  }

  /** Moves a rule to {@code position} (1 is the first rule). */
  public void moveRule(String id, int position) {
    HttpResponse<String> moved =
        process.postJsonIfMatchAny(
            "/api/v1/rules/" + id + "/move", adminKey, "{\"position\":%d}".formatted(position));
    assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
  }

  public void deleteRule(String id) {
    HttpResponse<String> deleted = process.delete("/api/v1/rules/" + id, adminKey);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
  }

  private static String rule(String user, int... ports) {
    StringBuilder list = new StringBuilder();
    for (int port : ports) {
      list.append(list.isEmpty() ? "" : ",").append('"').append(port).append('"');
    }
    return "{\"action\":\"allow\",\"users\":[\"%s\"],\"destinations\":[\"127.0.0.1/32\"],\"ports\":[%s]}"
        .formatted(user, list);
  }

  /** The proxy reaches the database's revision, and then has exactly the database's digest. */
  public void awaitDigestOfTheDatabase(ProxyProcess proxy, Duration patience) {
    String expected = databaseRevisionAndDigest();
    await()
        .atMost(patience)
        .untilAsserted(
            () -> {
              Matcher status = STATUS.matcher(proxy.admin("/policy").body());
              assertThat(status.find()).isTrue();
              assertThat(status.group(1) + " " + status.group(2)).isEqualTo(expected);
            });
  }

  /** "revision digest", read from PostgreSQL directly, not through the service proxies use. */
  public String databaseRevisionAndDigest() {
    return withStore(
        store -> {
          PolicyRevision snapshot =
              new ReadPolicySnapshotService(
                      store.unitOfWork(), store.users(), store.rules(), store.outbox())
                  .snapshot();
          return snapshot.revision() + " " + PolicyDigest.of(snapshot);
        });
  }

  /** The head revision in the database. */
  public long databaseRevision() {
    return Long.parseLong(databaseRevisionAndDigest().split(" ")[0]);
  }

  /**
   * The service's own signing key, read from its schema: what a test needs to sign a message that
   * passes the signature check and must still be refused for its content.
   */
  public PolicySigningKey signingKey() {
    return withStore(
        store ->
            store
                .signingKeys()
                .loadOrCreate(
                    () -> {
                      throw new AssertionError("the state service made no signing key");
                    }));
  }

  private <T> T withStore(Function<JpaPersistence, T> read) {
    TestDatabase database = TestDatabase.get();
    try (JpaPersistence store =
        JpaPersistence.start(
            database.settings(database.jdbcUrl()).withSchema(schema), new SimpleMeterRegistry())) {
      return read.apply(store);
    } catch (Exception unreachable) {
      throw new AssertionError("cannot read the database", unreachable);
    }
  }

  private static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    assertThat(matcher.find()).as(text).isTrue();
    return matcher.group(1);
  }

  /** Stops the service and drops its schema. */
  @Override
  public void close() {
    try {
      replicas.forEach(StateProcess::close);
      if (primary != null) {
        primary.close();
      }
    } finally {
      TestDatabase.get().dropSchema(schema);
    }
  }
}
