package dev.zcproxy.inbound.netty.quic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTokensTest {
  private static final byte[] KEY = new byte[32];
  private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final QuicMetrics metrics = new QuicMetrics(new SimpleMeterRegistry());
  private final ByteBuf dcid = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  private final ByteBuf token = Unpooled.buffer();

  @AfterEach
  void release() {
    dcid.release();
    token.release();
  }

  private static RetryTokens at(Instant instant) {
    return new RetryTokens(
        KEY, Clock.fixed(instant, ZoneOffset.UTC), new QuicMetrics(new SimpleMeterRegistry()));
  }

  private ByteBuf issue() {
    RetryTokens tokens = new RetryTokens(KEY, Clock.fixed(NOW, ZoneOffset.UTC), metrics);
    assertThat(tokens.writeToken(token, dcid, CLIENT)).isTrue();
    assertThat(token.readableBytes()).isLessThanOrEqualTo(tokens.maxTokenLength());
    return token;
  }

  @Test
  void a_token_is_valid_from_the_same_address_and_port_within_its_lifetime() {
    issue();
    int offset = at(NOW.plus(RetryTokens.LIFETIME)).validateToken(token, CLIENT);
    assertThat(offset).isPositive();
    assertThat(token.slice(offset, token.readableBytes() - offset)).isEqualTo(dcid);
    assertThat(metrics.droppedCount(QuicMetrics.Drop.INVALID_TOKEN)).isZero();
  }

  @Test
  void another_address_or_port_is_refused() {
    issue();
    assertThat(at(NOW).validateToken(token, new InetSocketAddress("192.0.2.8", 40000)))
        .isEqualTo(-1);
    assertThat(at(NOW).validateToken(token, new InetSocketAddress("192.0.2.7", 40001)))
        .isEqualTo(-1);
  }

  @Test
  void an_expired_token_or_one_from_the_future_is_refused() {
    issue();
    assertThat(at(NOW.plus(RetryTokens.LIFETIME).plusSeconds(1)).validateToken(token, CLIENT))
        .isEqualTo(-1);
    assertThat(at(NOW.minusSeconds(1)).validateToken(token, CLIENT)).isEqualTo(-1);
  }

  @Test
  void a_tampered_truncated_or_foreign_token_is_refused_and_counted() {
    issue();
    RetryTokens tokens = new RetryTokens(KEY, Clock.fixed(NOW, ZoneOffset.UTC), metrics);
    for (int i = 0; i < token.readableBytes(); i++) {
      ByteBuf tampered = token.copy();
      tampered.setByte(i, tampered.getByte(i) ^ 0x01);
      assertThat(tokens.validateToken(tampered, CLIENT)).as("byte %d flipped", i).isEqualTo(-1);
      tampered.release();
    }
    assertThat(tokens.validateToken(token.slice(0, 20), CLIENT)).isEqualTo(-1);
    byte[] otherKey = new byte[32];
    otherKey[0] = 1;
    assertThat(
            new RetryTokens(otherKey, Clock.fixed(NOW, ZoneOffset.UTC), metrics)
                .validateToken(token, CLIENT))
        .isEqualTo(-1);
    assertThat(metrics.droppedCount(QuicMetrics.Drop.INVALID_TOKEN))
        .isEqualTo(token.readableBytes() + 2);
    assertThat(metrics.droppedCount(QuicMetrics.Drop.INVALID_TOKEN)).isPositive();
  }
}
