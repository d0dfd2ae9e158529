package dev.zcproxy.app.state;

import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.outbound.jpa.PersistenceStartException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -jar zcproxy-state.jar} serves the state service, configured by environment variables
 * (see {@link StateConfig}); {@code java -jar zcproxy-state.jar new-api-key} prints a fresh API key
 * for {@code ZCPROXY_STATE_BOOTSTRAP_API_KEY}. Exit status: 0 after a clean stop, 2 for bad
 * settings (one line per problem, naming the variable), 1 when the database or the port is
 * unavailable.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  static final int EXIT_BAD_SETTINGS = 2;
  static final int EXIT_UNAVAILABLE = 1;

  private final Map<String, String> environment;
  private final PrintStream out;
  private final PrintStream err;

  Main(Map<String, String> environment, PrintStream out, PrintStream err) {
    this.environment = environment;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    // The embedded Artemis broker frees its journal buffers through Netty, which can do that only
    // with sun.misc.Unsafe; Netty turns Unsafe off by default on Java 25 unless the JVM was started
    // with --sun-misc-unsafe-memory-access=allow. Without it the broker cannot reload its journal
    // after a restart. An explicit -Dio.netty.noUnsafe still wins.
    if (System.getProperty("io.netty.noUnsafe") == null) {
      System.setProperty("io.netty.noUnsafe", "false");
    }
    int status = new Main(System.getenv(), System.out, System.err).run(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs the command; for {@code serve}, returns only after SIGTERM or SIGINT. */
  int run(String... args) {
    if (args.length == 1 && args[0].equals("new-api-key")) {
      out.println(ApiKeyToken.generate(new SecureRandom()).reveal());
      return 0;
    }
    if (args.length > 0) {
      err.println("usage: java -jar zcproxy-state.jar [new-api-key]");
      return EXIT_BAD_SETTINGS;
    }
    StateConfig config;
    try {
      config = StateConfig.from(environment);
    } catch (StateConfig.Invalid invalid) {
      invalid.problems().forEach(err::println);
      return EXIT_BAD_SETTINGS;
    }
    StateApplication application;
    try {
      application = StateApplication.start(config, Clock.systemUTC());
    } catch (PersistenceStartException | IllegalStateException unavailable) {
      err.println(unavailable.getMessage());
      return EXIT_UNAVAILABLE;
    }
    log.info(
        "zcproxy state service on http://{}:{} (database {})",
        application.address().getHostString(),
        application.address().getPort(),
        config.database());
    if (config.bootstrapKey().isEmpty()) {
      log.info(
          "no bootstrap key configured ({}); stored API keys keep working",
          StateConfig.BOOTSTRAP_KEY);
    }
    // SIGTERM and SIGINT end the wait below, so the service stops in order and exits 0 (a JVM
    // stopped by the signal's default handler exits 143).
    CountDownLatch stopRequested = new CountDownLatch(1);
    for (String signal : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(signal), received -> stopRequested.countDown());
      } catch (IllegalArgumentException unavailable) {
        log.warn("cannot handle SIG{}: {}", signal, unavailable.getMessage());
      }
    }
    try {
      stopRequested.await();
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    log.info("stopping");
    application.close();
    log.info("stopped");
    return 0;
  }
}
