package dev.zcproxy.outbound.jms;

import io.netty.util.internal.PlatformDependent;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Artemis broker inside the state service, so that a single-node deployment needs no broker of
 * its own: one CORE acceptor on {@code tcp://host:port}, the {@code zcproxy.policy} multicast
 * address, a persistent NIO journal (the duplicate-id cache survives a restart) and no user
 * security: a message is trusted for its Ed25519 signature, not for who could send it.
 */
public final class EmbeddedArtemisBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedArtemisBroker.class);

  private final URI listen;
  private final EmbeddedActiveMQ broker;

  private EmbeddedArtemisBroker(URI listen, EmbeddedActiveMQ broker) {
    this.listen = listen;
    this.broker = broker;
  }

  /**
   * @param listen {@code tcp://host:port} to accept clients on
   * @param dataDirectory the journal, bindings, paging and large-message directories go below it
   * @throws IllegalArgumentException when {@code listen} is not {@code tcp://host:port}
   * @throws IllegalStateException when the broker cannot start (port taken, directory unwritable)
   */
  public static EmbeddedArtemisBroker start(URI listen, Path dataDirectory) {
    ArtemisUris.requireTcp(listen);
    if (!PlatformDependent.hasUnsafe()) {
      // Artemis's NIO journal frees its direct buffers through Netty's cleaner, which on Java 25
      // works only with Unsafe: the broker would start once and then fail to reload its journal.
      throw new IllegalStateException(
          "the embedded broker needs Netty with sun.misc.Unsafe: start the JVM with"
              + " --sun-misc-unsafe-memory-access=allow (or -Dio.netty.noUnsafe=false)");
    }
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Configuration configuration = new ConfigurationImpl();
    try {
      configuration
          .setName("zcproxy-state")
          .setPersistenceEnabled(true)
          .setSecurityEnabled(false)
          .setJMXManagementEnabled(false)
          .setJournalType(JournalType.NIO)
          .setJournalDirectory(dataDirectory.resolve("journal").toString())
          .setBindingsDirectory(dataDirectory.resolve("bindings").toString())
          .setPagingDirectory(dataDirectory.resolve("paging").toString())
          .setLargeMessagesDirectory(dataDirectory.resolve("large-messages").toString())
          .setPersistIDCache(true)
          // The default stops producers when the disk is 90% full; our journal is tiny, and a
          // stopped relay would hold every policy change back.
          .setMaxDiskUsage(-1)
          .addAcceptorConfiguration(
              "zcproxy", "tcp://" + listen.getHost() + ":" + listen.getPort() + "?protocols=CORE")
          // Subscriptions are temporary queues that never dead-letter or expire anything, but
          // Artemis warns about each one that has nowhere to send such messages.
          .addAddressSetting(
              "#",
              new AddressSettings()
                  .setDeadLetterAddress(SimpleString.of("zcproxy.dead-letter"))
                  .setExpiryAddress(SimpleString.of("zcproxy.expired")))
          .addAddressConfiguration(
              new CoreAddressConfiguration()
                  .setName(ArtemisPolicyChangePublisher.TOPIC)
                  .addRoutingType(RoutingType.MULTICAST));
    } catch (Exception invalid) {
      throw new IllegalArgumentException("cannot configure a broker on " + listen, invalid);
    }
    EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(configuration);
    var started = new EmbeddedArtemisBroker(listen, broker);
    started.start();
    return started;
  }

  /** Starts the broker again after {@link #stop()}, with the journal it had. */
  public void start() {
    try {
      broker.start();
    } catch (Exception failed) {
      throw new IllegalStateException(
          "cannot start the embedded broker on " + listen + ": " + failed.getMessage(), failed);
    }
    if (!broker.getActiveMQServer().isActive()) {
      throw new IllegalStateException(
          "the embedded broker on " + listen + " did not become active");
    }
    LOG.info("embedded Artemis broker on {}", listen);
  }

  /** Stops the broker, dropping every client; {@link #start()} brings it back. */
  public void stop() {
    try {
      broker.stop();
    } catch (Exception failed) {
      LOG.warn("stopping the embedded broker on {}: {}", listen, failed.toString());
    }
  }

  /** Where clients connect: {@code tcp://host:port}. */
  public URI uri() {
    return listen;
  }

  @Override
  public void close() {
    stop();
  }
}
