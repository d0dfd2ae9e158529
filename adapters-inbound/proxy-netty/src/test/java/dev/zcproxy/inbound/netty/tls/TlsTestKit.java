package dev.zcproxy.inbound.netty.tls;

import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** TLS for the front end's tests: one generated identity, and clients that trust anything. */
public final class TlsTestKit {

  private TlsTestKit() {}

  /** Generated once: a self-signed certificate costs an RSA key generation. */
  private static final class Holder {
    static final TlsIdentity IDENTITY = TlsIdentity.selfSigned("localhost");
  }

  public static TlsIdentity identity() {
    return Holder.IDENTITY;
  }

  /** A JDK client context that accepts any certificate, for {@code SSLSocket}s. */
  public static SSLContext trustingClientContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A TLS client in an {@link EmbeddedChannel}: what it writes is the ciphertext for the proxy's
   * channel, what it reads back is plaintext. {@link #exchange} moves the bytes both ways.
   */
  static final class TlsClient extends EmbeddedChannel {
    private final SslHandler ssl;

    TlsClient() {
      super();
      ssl = newClientContext().newHandler(PooledByteBufAllocator.DEFAULT);
      pipeline().addLast(ssl);
    }

    private static SslContext newClientContext() {
      try {
        return SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .build();
      } catch (SSLException e) {
        throw new IllegalStateException(e);
      }
    }

    boolean handshakeDone() {
      return ssl.handshakeFuture().isSuccess();
    }

    /** Sends plaintext; call {@link #exchange} to deliver it. */
    void send(byte[] plaintext) {
      writeOutbound(PooledByteBufAllocator.DEFAULT.buffer().writeBytes(plaintext));
    }

    /**
     * Moves ciphertext both ways until neither side has anything more to say, delivering it to the
     * proxy as {@code delivery} says. The buffers it hands the proxy join {@code sent}.
     */
    void exchange(EmbeddedChannel proxy, Delivery delivery, List<ByteBuf> sent) {
      boolean moved = true;
      while (moved) {
        moved = false;
        runPendingTasks();
        byte[] toProxy = drain(this);
        if (toProxy.length > 0 && proxy.isOpen()) {
          sent.addAll(delivery.send(proxy, toProxy));
          moved = true;
        }
        proxy.runPendingTasks();
        byte[] toClient = drain(proxy);
        if (toClient.length > 0 && isOpen()) {
          writeInbound(PooledByteBufAllocator.DEFAULT.buffer().writeBytes(toClient));
          moved = true;
        }
      }
    }

    /** The plaintext the client has received so far, as hex. */
    String receivedHex() {
      return HexFormat.of().formatHex(received());
    }

    byte[] received() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Object message; (message = readInbound()) != null; ) {
        ByteBuf buffer = (ByteBuf) message;
        byte[] bytes = new byte[buffer.readableBytes()];
        buffer.readBytes(bytes);
        buffer.release();
        out.writeBytes(bytes);
      }
      return out.toByteArray();
    }

    private static byte[] drain(EmbeddedChannel channel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Object message; (message = channel.readOutbound()) != null; ) {
        ByteBuf buffer = (ByteBuf) message;
        byte[] bytes = new byte[buffer.readableBytes()];
        buffer.readBytes(bytes);
        buffer.release();
        out.writeBytes(bytes);
      }
      return out.toByteArray();
    }
  }
}
