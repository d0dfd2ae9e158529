package dev.zcproxy.outbound.amqp;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * The RabbitMQ the tests use: the one at {@code ZCPROXY_TEST_AMQP_URL} when set (it must be the
 * node the local {@code rabbitmqctl} manages, as on CI), else a throwaway container from
 * Testcontainers. With neither, every test that needs it fails saying so: a missing broker is never
 * a skipped test. Tests never share an exchange, so runs in parallel do not collide.
 */
public final class TestRabbitMq {

  static final String NO_BROKER =
      "No RabbitMQ for the tests: set ZCPROXY_TEST_AMQP_URL (e.g."
          + " amqp://guest:guest@127.0.0.1:5672/) to a broker that the local rabbitmqctl"
          + " manages, or make Docker available to Testcontainers.";

  private static TestRabbitMq instance;

  private final URI uri;
  private final RabbitMQContainer container;

  private TestRabbitMq(URI uri, RabbitMQContainer container) {
    this.uri = uri;
    this.container = container;
  }

  public static synchronized TestRabbitMq get() {
    if (instance == null) {
      instance = locate();
    }
    return instance;
  }

  private static TestRabbitMq locate() {
    String url = System.getenv("ZCPROXY_TEST_AMQP_URL");
    if (url != null && !url.isBlank()) {
      return new TestRabbitMq(URI.create(url), null);
    }
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException noDocker) {
      docker = false;
    }
    if (!docker) {
      throw new IllegalStateException(NO_BROKER);
    }
    // Stopped by Testcontainers' reaper when the JVM ends.
    @SuppressWarnings("resource")
    RabbitMQContainer container = new RabbitMQContainer("rabbitmq:3.13-alpine");
    container.start();
    return new TestRabbitMq(URI.create(container.getAmqpUrl()), container);
  }

  public URI uri() {
    return uri;
  }

  /**
   * Closes, from the broker's side, every client connection whose name contains {@code fragment}
   * ({@code rabbitmqctl close_connection}), as an operator or a broker going down would; returns
   * how many it closed.
   */
  public int closeConnections(String fragment) throws IOException, InterruptedException {
    return closeConnections(null, fragment);
  }

  /**
   * Like {@link #closeConnections(String)}, but only connections to virtual host {@code vhost}, so
   * that a test touches no one else's clients on a shared broker.
   */
  public int closeConnections(String vhost, String fragment)
      throws IOException, InterruptedException {
    String listing =
        rabbitmqctl(
            "-q", "list_connections", "--no-table-headers", "pid", "vhost", "client_properties");
    List<String> pids = new ArrayList<>();
    for (String line : listing.split("\n")) {
      String[] columns = line.split("\t", 3);
      if (columns.length == 3
          && columns[2].contains(fragment)
          && (vhost == null || columns[1].strip().equals(vhost))) {
        pids.add(columns[0].strip());
      }
    }
    for (String pid : pids) {
      rabbitmqctl("close_connection", pid, "zcproxy test: connection closed by the broker");
    }
    return pids.size();
  }

  /**
   * Creates virtual host {@code name} for this broker's user and returns the broker's URI with it;
   * {@link #deleteVirtualHost} removes it with everything in it.
   */
  public URI virtualHost(String name) throws IOException, InterruptedException {
    rabbitmqctl("add_vhost", name);
    String user = uri.getUserInfo() == null ? "guest" : uri.getUserInfo().split(":", 2)[0];
    rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*");
    return uri.resolve("/" + name);
  }

  public void deleteVirtualHost(String name) throws IOException, InterruptedException {
    rabbitmqctl("delete_vhost", name);
  }

  private String rabbitmqctl(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("rabbitmqctl"));
    command.addAll(List.of(arguments));
    if (container != null) {
      var result = container.execInContainer(command.toArray(String[]::new));
      if (result.getExitCode() != 0) {
        throw new IOException(command + " failed: " + result.getStderr());
      }
      return result.getStdout();
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(command + " did not finish within 60 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException(command + " exited with " + process.exitValue() + ": " + output);
    }
    return output;
  }
}
