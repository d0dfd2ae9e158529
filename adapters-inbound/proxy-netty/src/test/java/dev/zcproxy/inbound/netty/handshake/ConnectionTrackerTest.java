package dev.zcproxy.inbound.netty.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConnectionTrackerTest {

  private static EmbeddedChannel from(String address) {
    InetSocketAddress remote = new InetSocketAddress(address, 40000);
    return new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return remote;
      }
    };
  }

  @Test
  void the_overall_limit_refuses_until_a_connection_closes() {
    ConnectionTracker tracker = new ConnectionTracker(2, 0, 0);
    EmbeddedChannel first = from("192.0.2.1");
    EmbeddedChannel second = from("192.0.2.2");
    EmbeddedChannel third = from("192.0.2.3");

    assertThat(tracker.admit(first)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    assertThat(tracker.admit(second)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    assertThat(tracker.admit(third)).isEqualTo(ConnectionTracker.Admission.OVER_CONNECTION_LIMIT);
    first.close();
    assertThat(tracker.admit(third)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    assertThat(tracker.connections()).isEqualTo(2);
    second.close();
    third.close();
    assertThat(tracker.connections()).isZero();
  }

  @Test
  void the_per_source_limit_counts_each_address_apart() {
    ConnectionTracker tracker = new ConnectionTracker(0, 1, 0);
    EmbeddedChannel first = from("192.0.2.1");
    EmbeddedChannel sameSource = from("192.0.2.1");
    EmbeddedChannel otherSource = from("192.0.2.2");

    assertThat(tracker.admit(first)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    assertThat(tracker.admit(sameSource)).isEqualTo(ConnectionTracker.Admission.OVER_SOURCE_LIMIT);
    assertThat(tracker.admit(otherSource)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    first.close();
    EmbeddedChannel again = from("192.0.2.1");
    assertThat(tracker.admit(again)).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    for (EmbeddedChannel channel : new EmbeddedChannel[] {sameSource, otherSource, again}) {
      channel.close();
    }
  }

  @Test
  void the_per_user_limit_applies_to_authenticated_users_only() {
    ConnectionTracker tracker = new ConnectionTracker(0, 0, 1);
    Principal alice = new Principal.UserPrincipal("alice", Set.of());
    EmbeddedChannel first = from("192.0.2.1");
    EmbeddedChannel second = from("192.0.2.2");

    assertThat(tracker.admitUser(first, alice)).isTrue();
    assertThat(tracker.admitUser(second, alice)).isFalse();
    assertThat(tracker.admitUser(second, new Principal.UserPrincipal("bob", Set.of()))).isTrue();
    assertThat(tracker.admitUser(from("192.0.2.3"), Principal.ANONYMOUS)).isTrue();
    assertThat(tracker.admitUser(from("192.0.2.4"), Principal.ANONYMOUS)).isTrue();
    first.close();
    assertThat(tracker.admitUser(from("192.0.2.5"), alice)).isTrue();
  }

  @Test
  void zero_means_unlimited() {
    ConnectionTracker tracker = new ConnectionTracker(0, 0, 0);
    for (int i = 0; i < 100; i++) {
      assertThat(tracker.admit(from("192.0.2.1"))).isEqualTo(ConnectionTracker.Admission.ADMITTED);
    }
  }
}
