package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar zcproxy-proxy.jar --config FILE}, {@code hash-password}, {@code --help}, {@code
 * --version}.
 *
 * <p>Exit status: 0 after a clean stop, 1 when the environment refuses to start the proxy (a port
 * in use), 2 for a usage or configuration error. Configuration problems are printed one per line on
 * stderr, without a stack trace.
 *
 * <p>Signals: SIGTERM and SIGINT stop the proxy gracefully (a second one exits at once), SIGHUP
 * reloads the policy (file or state service) and the TLS certificate and key files, and reopens the
 * access log file. A shutdown hook stops the proxy too if the JVM exits for another reason.
 */
public final class Main {

  static final int EXIT_OK = 0;
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** Installs a handler for a named POSIX signal ({@code TERM}, {@code HUP}...). */
  @FunctionalInterface
  interface SignalInstaller {
    /**
     * @return whether the handler is installed
     */
    boolean handle(String signal, Runnable action);
  }

  private final Map<String, String> environment;
  private final Path workingDirectory;
  private final InputStream stdin;
  private final PrintStream out;
  private final PrintStream err;
  private final Console terminal;
  private final SignalInstaller signals;
  private final Clock clock;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicInteger stopSignals = new AtomicInteger();

  /**
   * @param terminal the console when stdin is an interactive terminal, else {@code null}
   */
  Main(
      Map<String, String> environment,
      Path workingDirectory,
      InputStream stdin,
      PrintStream out,
      PrintStream err,
      Console terminal,
      SignalInstaller signals,
      Clock clock) {
    this.environment = environment;
    this.workingDirectory = workingDirectory;
    this.stdin = stdin;
    this.out = out;
    this.err = err;
    this.terminal = terminal;
    this.signals = signals;
    this.clock = clock;
  }

  public static void main(String[] args) {
    Console console = System.console();
    var main =
        new Main(
            System.getenv(),
            Path.of("").toAbsolutePath(),
            System.in,
            System.out,
            System.err,
            console != null && console.isTerminal() ? console : null,
            new OsSignals(),
            Clock.systemUTC());
    System.exit(main.run(args));
  }

  /**
   * Runs the command. For {@code --config} it returns only once the proxy has stopped (see {@link
   * #requestStop()}) or failed to start.
   *
   * @return the process exit status
   */
  int run(String... args) {
    return switch (CommandLine.parse(args)) {
      case CommandLine.Help() -> {
        out.print(CommandLine.USAGE);
        yield EXIT_OK;
      }
      case CommandLine.Version() -> {
        out.println("zcproxy " + BuildInfo.version());
        yield EXIT_OK;
      }
      case CommandLine.Invalid(String problem) -> {
        err.println("zcproxy: " + problem);
        err.print(CommandLine.USAGE);
        yield EXIT_USAGE;
      }
      case CommandLine.HashPassword() -> new HashPasswordCommand(terminal, stdin, out, err).run();
      case CommandLine.Serve(Path config) -> serve(config);
    };
  }

  /** Asks a running proxy to stop gracefully; {@link #run} then returns 0. */
  void requestStop() {
    stopRequested.countDown();
  }

  private int serve(Path configFile) {
    ProxyApplication application;
    try {
      ProxyConfig config = new ProxyConfigLoader(environment, workingDirectory).load(configFile);
      application = ProxyApplication.start(config, clock);
    } catch (ConfigException invalid) {
      invalid.problems().forEach(err::println);
      return EXIT_USAGE;
    } catch (StartupException refused) {
      err.println("zcproxy: " + refused.getMessage());
      return EXIT_FAILURE;
    } catch (RuntimeException bug) {
      LOG.error("zcproxy failed to start", bug);
      err.println("zcproxy: failed to start: " + bug);
      return EXIT_FAILURE;
    }
    Thread hook = Thread.ofPlatform().name("zcproxy-shutdown").unstarted(application::shutdown);
    Runtime.getRuntime().addShutdownHook(hook);
    signals.handle("TERM", this::onStopSignal);
    signals.handle("INT", this::onStopSignal);
    signals.handle("HUP", application::reload);
    try {
      stopRequested.await();
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    application.shutdown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyExiting) {
      // the hook is running or has run; shutdown() is idempotent
    }
    return EXIT_OK;
  }

  private void onStopSignal() {
    if (stopSignals.incrementAndGet() == 1) {
      requestStop();
    } else {
      // An impatient operator (a second Ctrl-C) gets out now, without waiting for the drain.
      LOG.warn("second stop signal: exiting without waiting for tunnels to drain");
      Runtime.getRuntime().halt(EXIT_FAILURE);
    }
  }
}
