package dev.zcproxy.inbound.netty.quic;

import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Address validation with Retry (RFC 9000 §8.1.2): an Initial packet without a token gets a Retry
 * carrying a token, and only an Initial that brings a valid token back makes the server keep any
 * state for the connection. A spoofed source never sees the Retry, so it can never start a
 * handshake, and the proxy never amplifies toward it.
 *
 * <p>The tokens are stateless: {@code version (1) | issued-at seconds (8) | tag (16) | original
 * destination connection ID}. The tag is HMAC-SHA256, truncated to 128 bits, over the client's
 * address and port, the issue time and the original connection ID, under a key drawn at random when
 * the proxy starts. A token is valid from the same address and port only, for {@link #LIFETIME}.
 * Tokens do not survive a restart, nor move between replicas; a client whose token is refused
 * starts over with a new Initial and gets a new Retry.
 */
public final class RetryTokens implements QuicTokenHandler {

  /** Long enough for a client's next Initial across a slow path, short enough to limit replay. */
  public static final Duration LIFETIME = Duration.ofSeconds(10);

  private static final byte VERSION = 1;
  private static final int TAG_BYTES = 16;
  private static final int HEADER_BYTES = 1 + Long.BYTES + TAG_BYTES;
  private static final int MAX_CONNECTION_ID_BYTES = 20;

  private final SecretKeySpec key;
  private final Clock clock;
  private final QuicMetrics metrics;
  private final FastThreadLocal<Mac> macs =
      new FastThreadLocal<>() {
        @Override
        protected Mac initialValue() throws GeneralSecurityException {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(key);
          return mac;
        }
      };

  /**
   * @param metrics counts the Retries sent and the tokens refused
   */
  RetryTokens(byte[] key, Clock clock, QuicMetrics metrics) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Tokens under a fresh random key. */
  static RetryTokens withRandomKey(QuicMetrics metrics) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new RetryTokens(key, Clock.systemUTC(), metrics);
  }

  @Override
  public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
    long issuedAt = clock.instant().getEpochSecond();
    out.writeByte(VERSION).writeLong(issuedAt);
    out.writeBytes(tag(address, issuedAt, dcid, dcid.readerIndex(), dcid.readableBytes()));
    out.writeBytes(dcid, dcid.readerIndex(), dcid.readableBytes());
    metrics.retrySent();
    return true;
  }

  /**
   * @return where the original destination connection ID starts in {@code token}, or -1 when the
   *     token is malformed, expired, from the future, or was issued to another address or port
   */
  @Override
  public int validateToken(ByteBuf token, InetSocketAddress address) {
    int start = token.readerIndex();
    int length = token.readableBytes();
    if (length < HEADER_BYTES || length > maxTokenLength() || token.getByte(start) != VERSION) {
      return refused();
    }
    long issuedAt = token.getLong(start + 1);
    long now = clock.instant().getEpochSecond();
    // a token from the future is forged or from a clock that jumped back: refused either way
    if (issuedAt > now || now - issuedAt > LIFETIME.toSeconds()) {
      return refused();
    }
    byte[] expected = tag(address, issuedAt, token, start + HEADER_BYTES, length - HEADER_BYTES);
    byte[] presented = new byte[TAG_BYTES];
    token.getBytes(start + 1 + Long.BYTES, presented);
    if (!MessageDigest.isEqual(expected, presented)) {
      return refused();
    }
    return HEADER_BYTES;
  }

  private int refused() {
    metrics.dropped(QuicMetrics.Drop.INVALID_TOKEN);
    return -1;
  }

  @Override
  public int maxTokenLength() {
    return HEADER_BYTES + MAX_CONNECTION_ID_BYTES;
  }

  private byte[] tag(
      InetSocketAddress address, long issuedAt, ByteBuf cid, int cidIndex, int cidLength) {
    Mac mac = macs.get();
    mac.update(address.getAddress().getAddress());
    int port = address.getPort();
    mac.update((byte) (port >>> 8));
    mac.update((byte) port);
    for (int shift = 56; shift >= 0; shift -= 8) {
      mac.update((byte) (issuedAt >>> shift));
    }
    mac.update(cid.nioBuffer(cidIndex, cidLength));
    byte[] full = mac.doFinal();
    byte[] tag = new byte[TAG_BYTES];
    System.arraycopy(full, 0, tag, 0, TAG_BYTES);
    return tag;
  }
}
