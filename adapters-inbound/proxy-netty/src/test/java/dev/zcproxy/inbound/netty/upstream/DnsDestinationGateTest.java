package dev.zcproxy.inbound.netty.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import dev.zcproxy.domain.service.AuthorizeResolvedDestinationService;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.server.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DnsDestinationGateTest {
  private static final Principal ALICE = new Principal.UserPrincipal("alice", Set.of());

  private final List<ConnectRequest> asked = new CopyOnWriteArrayList<>();
  private volatile Predicate<ConnectRequest> allowed = request -> true;
  private Transport transport;
  private FakeDnsServer dns;
  private DnsDestinationGate gate;
  private EventLoop loop;

  @BeforeEach
  void start() throws InterruptedException {
    transport = Transports.create(true, 1);
    loop = transport.workers().next();
    dns =
        new FakeDnsServer(
            transport,
            Map.of(
                "multi.test",
                List.of(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"))),
            Set.of("silent.test"));
    gate = gate(Duration.ofSeconds(10));
  }

  private DnsDestinationGate gate(Duration timeout) {
    AuthorizeConnectionUseCase policy =
        ProxyTestKit.policy(
            request -> {
              asked.add(request);
              return allowed.test(request);
            });
    return new DnsDestinationGate(
        transport,
        new AuthorizeResolvedDestinationService(policy),
        timeout,
        new SingletonDnsServerAddressStreamProvider(dns.address()));
  }

  @AfterEach
  void stop() {
    gate.close();
    dns.close();
    transport
        .workers()
        .shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
        .syncUninterruptibly();
  }

  private Future<AuthorizedDestination> ask(Destination destination) {
    Future<AuthorizedDestination> answer =
        gate.resolveAndAuthorize(loop, ALICE, destination, Protocol.TCP);
    assertThat(answer.awaitUninterruptibly(SocketTestKit.SAFETY_NET_MILLIS)).isTrue();
    return answer;
  }

  private static ProxyRefusal.Kind refusal(Future<?> answer) {
    assertThat(answer.isSuccess()).isFalse();
    assertThat(answer.cause()).isInstanceOf(ProxyRefusal.class);
    return ((ProxyRefusal) answer.cause()).kind();
  }

  @Test
  void an_ip_literal_is_authorized_without_dns() {
    Destination destination = Destination.ofAddress(InetAddress.ofLiteral("192.0.2.8"), 443);

    AuthorizedDestination authorized = ask(destination).getNow();

    assertThat(authorized.address()).isEqualTo(new InetSocketAddress("192.0.2.8", 443));
    assertThat(authorized.requested()).isEqualTo(destination);
    assertThat(authorized.ruleNumber()).isEqualTo(1);
    assertThat(asked)
        .containsExactly(
            new ConnectRequest(null, InetAddress.ofLiteral("192.0.2.8"), 443, Protocol.TCP));
    assertThat(dns.queries).isEmpty();
  }

  @Test
  void a_denied_literal_is_not_allowed() {
    allowed = request -> false;

    assertThat(refusal(ask(Destination.ofAddress(InetAddress.ofLiteral("192.0.2.8"), 443))))
        .isEqualTo(ProxyRefusal.Kind.NOT_ALLOWED);
  }

  @Test
  void the_first_address_the_policy_allows_is_the_one_used() {
    allowed = request -> !request.address().equals(InetAddress.ofLiteral("10.0.0.1"));

    AuthorizedDestination authorized = ask(Destination.ofHost("multi.test", 80)).getNow();

    assertThat(authorized.address()).isEqualTo(new InetSocketAddress("10.0.0.2", 80));
    assertThat(asked)
        .extracting(ConnectRequest::address)
        .containsExactly(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"));
    assertThat(asked).extracting(ConnectRequest::host).containsOnly("multi.test");
  }

  @Test
  void a_name_whose_every_address_is_denied_is_not_allowed() {
    allowed = request -> false;

    assertThat(refusal(ask(Destination.ofHost("multi.test", 80))))
        .isEqualTo(ProxyRefusal.Kind.NOT_ALLOWED);
    assertThat(asked).hasSize(2);
  }

  @Test
  void a_name_dns_does_not_know_is_host_unreachable() {
    assertThat(refusal(ask(Destination.ofHost("unknown.test", 80))))
        .isEqualTo(ProxyRefusal.Kind.HOST_UNREACHABLE);
    assertThat(asked).isEmpty();
  }

  @Test
  void a_dns_server_that_never_answers_is_a_timeout() {
    gate.close();
    gate = gate(Duration.ofMillis(300));

    assertThat(refusal(ask(Destination.ofHost("silent.test", 80))))
        .isEqualTo(ProxyRefusal.Kind.TIMEOUT);
  }

  @Test
  void localhost_is_loopback_without_dns_and_ipv6_loopback_is_the_fallback() {
    assertThat(ask(Destination.ofHost("localhost", 22)).getNow().address())
        .isEqualTo(new InetSocketAddress("127.0.0.1", 22));

    allowed = request -> !request.address().equals(InetAddress.ofLiteral("127.0.0.1"));
    assertThat(ask(Destination.ofHost("db.localhost", 22)).getNow().address())
        .isEqualTo(new InetSocketAddress("::1", 22));
    assertThat(dns.queries).isEmpty();
  }

  @Test
  void invalid_names_never_reach_dns() {
    assertThat(refusal(ask(Destination.ofHost("nonexistent.invalid", 80))))
        .isEqualTo(ProxyRefusal.Kind.HOST_UNREACHABLE);
    assertThat(dns.queries).isEmpty();
  }

  @Test
  void the_policy_is_asked_about_an_invalid_name_before_it_is_found_not_to_resolve() {
    allowed = request -> !request.host().equals("secret.invalid");

    assertThat(refusal(ask(Destination.ofHost("secret.invalid", 80))))
        .as("refused by the policy: the client does not learn whether it resolves")
        .isEqualTo(ProxyRefusal.Kind.NOT_ALLOWED);
    assertThat(refusal(ask(Destination.ofHost("other.invalid", 80))))
        .isEqualTo(ProxyRefusal.Kind.HOST_UNREACHABLE);
    assertThat(asked).extracting(ConnectRequest::host).contains("secret.invalid", "other.invalid");
    assertThat(dns.queries).isEmpty();
  }

  @Test
  void a_failing_policy_is_a_general_failure() {
    allowed =
        request -> {
          throw new IllegalStateException("policy bug (expected by this test)");
        };

    assertThat(refusal(ask(Destination.ofAddress(InetAddress.ofLiteral("192.0.2.8"), 443))))
        .isEqualTo(ProxyRefusal.Kind.GENERAL_FAILURE);
  }

  /** Answers A queries from a table, NXDOMAIN for unknown names, nothing for silent ones. */
  static final class FakeDnsServer implements AutoCloseable {
    final List<String> queries = new CopyOnWriteArrayList<>();
    private final Channel channel;

    FakeDnsServer(Transport transport, Map<String, List<InetAddress>> table, Set<String> silent)
        throws InterruptedException {
      EventLoopGroup group = transport.workers();
      channel =
          new Bootstrap()
              .group(group)
              .channel(transport.datagramChannel())
              .handler(
                  new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              new DatagramDnsQueryDecoder(),
                              new DatagramDnsResponseEncoder(),
                              new Responder(table, silent));
                    }
                  })
              .bind(new InetSocketAddress(SocketTestKit.LOOPBACK, 0))
              .sync()
              .channel();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
      channel.close().syncUninterruptibly();
    }

    private final class Responder extends SimpleChannelInboundHandler<DatagramDnsQuery> {
      private final Map<String, List<InetAddress>> table;
      private final Set<String> silent;

      Responder(Map<String, List<InetAddress>> table, Set<String> silent) {
        this.table = table;
        this.silent = silent;
      }

      @Override
      protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        String name = question.name().toLowerCase(Locale.ROOT);
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        queries.add(name);
        if (silent.contains(name)) {
          return;
        }
        List<InetAddress> addresses = table.get(name);
        DatagramDnsResponse response =
            new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
        response.setRecursionAvailable(true);
        response.addRecord(
            DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
        if (addresses == null) {
          response.setCode(DnsResponseCode.NXDOMAIN);
        } else if (question.type() == DnsRecordType.A) {
          for (InetAddress address : addresses) {
            response.addRecord(
                DnsSection.ANSWER,
                new DefaultDnsRawRecord(
                    question.name(),
                    DnsRecordType.A,
                    60,
                    Unpooled.wrappedBuffer(address.getAddress())));
          }
        }
        ctx.writeAndFlush(response);
      }
    }
  }
}
