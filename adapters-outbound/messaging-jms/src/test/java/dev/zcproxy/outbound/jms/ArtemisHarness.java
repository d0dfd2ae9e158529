package dev.zcproxy.outbound.jms;

import dev.zcproxy.domain.contract.PolicyBrokerHarness;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import dev.zcproxy.outbound.wire.TestMessages;
import dev.zcproxy.outbound.wire.TestMessages.RawMessage;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/** An embedded Artemis on a free loopback port and a fresh journal, with a signer and verifier. */
final class ArtemisHarness implements PolicyBrokerHarness {

  final PolicySigningKey key = PolicySigningKey.generate();
  final Path dataDirectory;
  final EmbeddedArtemisBroker broker;
  private final ArtemisPolicyChangePublisher publisher;
  private final TestMessages messages = new TestMessages(key);
  private final List<PolicyFeed> feeds = new ArrayList<>();

  ArtemisHarness() throws IOException {
    dataDirectory = Files.createTempDirectory("zcproxy-artemis-test");
    broker =
        EmbeddedArtemisBroker.start(URI.create("tcp://127.0.0.1:" + freePort()), dataDirectory);
    publisher = ArtemisPolicyChangePublisher.connect(broker.uri(), new PolicyMessageSigner(key));
  }

  @Override
  public ArtemisPolicyChangePublisher publisher() {
    return publisher;
  }

  @Override
  public synchronized PolicyFeed newFeed() {
    PolicyFeed feed =
        ArtemisPolicyFeed.connect(broker.uri(), new PolicyMessageVerifier(key.verificationKey()));
    feeds.add(feed);
    return feed;
  }

  @Override
  public boolean dropsDuplicates() {
    return true;
  }

  @Override
  public void sendForged(OutboxEntry entry) {
    send(messages.forged(entry));
  }

  @Override
  public void sendSignedByUnknownKey(OutboxEntry entry) {
    send(messages.signedByUnknownKey(entry));
  }

  @Override
  public void sendUnsigned(OutboxEntry entry) {
    send(messages.unsigned(entry));
  }

  @Override
  public void sendMalformed() {
    send(messages.malformed(1_000_000));
  }

  @Override
  public void sendUnknownKind(long revision, long previousRevision) {
    send(messages.unknownKind(revision, previousRevision));
  }

  @Override
  public void breakConnections() {
    broker.stop();
    broker.start();
  }

  /** Puts a raw message on the topic, past the publisher. */
  void send(RawMessage raw) {
    try (var factory = new ActiveMQConnectionFactory(broker.uri().toString());
        Connection connection = factory.createConnection()) {
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer producer =
          session.createProducer(session.createTopic(ArtemisPolicyChangePublisher.TOPIC));
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      BytesMessage message = session.createBytesMessage();
      message.writeBytes(raw.body());
      if (raw.keyId() != null) {
        message.setStringProperty(PolicyMessageHeaders.KEY_ID, raw.keyId());
      }
      if (raw.signature() != null) {
        message.setStringProperty(PolicyMessageHeaders.SIGNATURE, raw.signature());
      }
      producer.send(message);
    } catch (JMSException failed) {
      throw new IllegalStateException(failed);
    }
  }

  @Override
  public synchronized void close() {
    feeds.forEach(PolicyFeed::close);
    publisher.close();
    broker.close();
    try (Stream<Path> files = Files.walk(dataDirectory)) {
      files.sorted(Comparator.reverseOrder()).forEach(ArtemisHarness::delete);
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }
}
