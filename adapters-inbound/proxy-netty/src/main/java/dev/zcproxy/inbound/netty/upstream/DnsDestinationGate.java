package dev.zcproxy.inbound.netty.upstream;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.policy.AddressChoice;
import dev.zcproxy.domain.policy.ResolvedDestination;
import dev.zcproxy.domain.port.in.AuthorizeResolvedDestinationUseCase;
import dev.zcproxy.inbound.netty.server.Transport;
import io.netty.channel.EventLoop;
import io.netty.resolver.dns.DefaultAuthoritativeDnsServerCache;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves names with Netty's asynchronous DNS resolver (the hosts file first, then the servers in
 * resolv.conf) and hands every resolved address to the domain, which chooses the one the proxy will
 * connect to ({@link AuthorizeResolvedDestinationUseCase}), and only that one: a later DNS answer
 * can never redirect an authorized connection (no DNS rebinding).
 *
 * <p>IP literals skip DNS. Two special-use names from RFC 6761 never leave the process: {@code
 * localhost} (and {@code *.localhost}) is the loopback address, and {@code *.invalid} does not
 * exist: it goes to the domain with no address, which still puts the name to the policy, so that a
 * client the policy refuses gets the refusal, as for any other name.
 *
 * <p>A {@link DnsNameResolver} belongs to one event loop, so there is one per loop, created on
 * first use; they share their caches. A whole lookup, retries included, is bounded by the connect
 * timeout.
 */
public final class DnsDestinationGate implements DestinationGate, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsDestinationGate.class);

  private static final List<InetAddress> LOOPBACK =
      List.of(
          InetAddress.ofLiteral("127.0.0.1"), // IPv4 first, as the resolver orders answers
          InetAddress.ofLiteral("::1"));

  private final AuthorizeResolvedDestinationUseCase authorization;
  private final Duration timeout;
  private final DnsNameResolverBuilder template;
  private final ConcurrentMap<EventLoop, DnsNameResolver> resolvers = new ConcurrentHashMap<>();

  public DnsDestinationGate(
      Transport transport, AuthorizeResolvedDestinationUseCase authorization, Duration timeout) {
    this(transport, authorization, timeout, null);
  }

  /**
   * @param nameServers where to send queries; null for the system's (resolv.conf)
   */
  public DnsDestinationGate(
      Transport transport,
      AuthorizeResolvedDestinationUseCase authorization,
      Duration timeout,
      DnsServerAddressStreamProvider nameServers) {
    this.authorization = authorization;
    this.timeout = timeout;
    this.template =
        new DnsNameResolverBuilder()
            .datagramChannelType(transport.datagramChannel())
            .socketChannelType(transport.socketChannel()) // TCP retry for truncated answers
            .queryTimeoutMillis(timeout.toMillis())
            .resolveCache(new DefaultDnsCache())
            .cnameCache(new DefaultDnsCnameCache())
            .authoritativeDnsServerCache(new DefaultAuthoritativeDnsServerCache());
    if (nameServers != null) {
      template.nameServerProvider(nameServers);
    }
  }

  @Override
  public Future<AuthorizedDestination> resolveAndAuthorize(
      EventLoop loop, Principal principal, Destination destination, Protocol protocol) {
    Promise<AuthorizedDestination> promise = loop.newPromise();
    if (destination.literal() != null) {
      authorize(promise, principal, destination, List.of(destination.literal()), protocol);
      return promise;
    }
    String host = destination.host();
    if (isLocalhost(host)) {
      authorize(promise, principal, destination, LOOPBACK, protocol);
    } else if (isInvalid(host)) {
      authorize(promise, principal, destination, List.of(), protocol);
    } else {
      resolve(loop, promise, principal, destination, protocol);
    }
    return promise;
  }

  private void resolve(
      EventLoop loop,
      Promise<AuthorizedDestination> promise,
      Principal principal,
      Destination destination,
      Protocol protocol) {
    String host = destination.host();
    Future<List<InetAddress>> lookup = resolverFor(loop).resolveAll(host);
    ScheduledFuture<?> deadline =
        loop.schedule(
            () -> {
              if (promise.tryFailure(
                  new ProxyRefusal(
                      ProxyRefusal.Kind.TIMEOUT, "DNS lookup of " + host + " timed out"))) {
                lookup.cancel(false);
              }
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    lookup.addListener(
        (Future<List<InetAddress>> done) -> {
          deadline.cancel(false);
          if (promise.isDone()) {
            return;
          }
          if (done.isSuccess()) {
            authorize(promise, principal, destination, done.getNow(), protocol);
          } else if (DnsNameResolver.isTimeoutError(done.cause())) {
            promise.tryFailure(
                new ProxyRefusal(
                    ProxyRefusal.Kind.TIMEOUT, "DNS lookup of " + host + " timed out"));
          } else {
            promise.tryFailure(
                new ProxyRefusal(
                    ProxyRefusal.Kind.HOST_UNREACHABLE, "DNS has no address for " + host));
          }
        });
  }

  /**
   * @param addresses every address the destination resolved to, in the resolver's order; none for
   *     an invalid name, which does not exist
   */
  private void authorize(
      Promise<AuthorizedDestination> promise,
      Principal principal,
      Destination destination,
      List<InetAddress> addresses,
      Protocol protocol) {
    if (addresses.isEmpty() && (destination.host() == null || !isInvalid(destination.host()))) {
      promise.tryFailure(
          new ProxyRefusal(ProxyRefusal.Kind.HOST_UNREACHABLE, "no address for " + destination));
      return;
    }
    AddressChoice choice;
    try {
      choice =
          authorization.authorize(
              principal,
              new ResolvedDestination(destination.host(), addresses, destination.port(), protocol));
    } catch (RuntimeException bug) {
      log.error("authorizing {} for {} failed", destination, principal.name(), bug);
      promise.tryFailure(
          new ProxyRefusal(ProxyRefusal.Kind.GENERAL_FAILURE, "authorization failed"));
      return;
    }
    switch (choice) {
      case AddressChoice.Allowed allowed ->
          promise.trySuccess(
              new AuthorizedDestination(
                  principal,
                  destination,
                  new InetSocketAddress(allowed.address(), destination.port()),
                  allowed.ruleNumber()));
      case AddressChoice.Refused refused ->
          promise.tryFailure(
              new ProxyRefusal(
                  ProxyRefusal.Kind.NOT_ALLOWED,
                  destination
                      + " not allowed for "
                      + principal.name()
                      + ": "
                      + refused.denial().detail(),
                  refused.denial().ruleNumber()));
      case AddressChoice.NoAddress none ->
          promise.tryFailure(
              new ProxyRefusal(
                  ProxyRefusal.Kind.HOST_UNREACHABLE,
                  destination.host() + " is a reserved invalid name"));
    }
  }

  private DnsNameResolver resolverFor(EventLoop loop) {
    return resolvers.computeIfAbsent(loop, l -> template.copy().eventLoop(l).build());
  }

  /** RFC 6761 §6.3: localhost names are the loopback address and never go to DNS. */
  static boolean isLocalhost(String host) {
    return host.equals("localhost") || host.endsWith(".localhost");
  }

  /** RFC 6761 §6.4: names under {@code .invalid} never exist, so don't ask. */
  static boolean isInvalid(String host) {
    return host.equals("invalid") || host.endsWith(".invalid");
  }

  @Override
  public void close() {
    resolvers.values().forEach(DnsNameResolver::close);
    resolvers.clear();
  }
}
