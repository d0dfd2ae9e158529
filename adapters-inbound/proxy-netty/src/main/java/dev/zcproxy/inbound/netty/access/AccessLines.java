package dev.zcproxy.inbound.netty.access;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.port.out.AccessLog;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.server.ClientAddress;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The front end's side of the access log: builds each line's {@link AccessRecord} from what the
 * protocols know and hands it to the {@link AccessLog} port, whose writer never blocks. Nothing
 * here is kept per connection but a tunnel's {@link TunnelLine}, and only while the log is on.
 * Lines carry the principal's name, never a password or a header's value.
 */
public final class AccessLines {
  /** When the proxy keeps no access log. */
  public static final AccessLines DISABLED = new AccessLines(AccessLog.DISABLED);

  private final AccessLog log;

  public AccessLines(AccessLog log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  public boolean enabled() {
    return log.enabled();
  }

  /** Now, for the start of a request: pass it back in as {@code startNanos}. */
  public static long start() {
    return System.nanoTime();
  }

  /** The user of a line: a principal's name, or null (logged {@code -}) for nobody. */
  public static String user(Principal principal) {
    return principal == null ? null : principal.name();
  }

  /**
   * An established tunnel's line, written when the relay says it ended.
   *
   * @param client the client's connection or stream
   * @param startNanos from {@link #start()} when the client asked
   */
  public TunnelLine tunnel(
      Channel client,
      String protocol,
      AccessCommand command,
      AuthorizedDestination target,
      long startNanos) {
    if (!log.enabled()) {
      return TunnelLine.NONE;
    }
    return new PendingTunnel(
        this,
        startNanos,
        ClientAddress.of(client),
        user(target.principal()),
        protocol,
        command,
        target.requested().toString(),
        target.address(),
        target.ruleNumber());
  }

  /**
   * A request the proxy did not serve: the policy or DNS refused it, or the destination could not
   * be reached.
   *
   * @param requested the destination as asked, or null
   */
  public void refused(
      Channel client,
      String protocol,
      AccessCommand command,
      Principal principal,
      Object requested,
      ProxyRefusal refusal,
      long startNanos) {
    unserved(
        client,
        protocol,
        command,
        null,
        principal,
        requested,
        result(refusal.kind()),
        refusal.ruleNumber(),
        0,
        startNanos);
  }

  /**
   * A request turned down for a limit of the proxy's own (a user's connection cap): {@code error}.
   *
   * @param method the HTTP method of a forwarded request, or null
   * @param status the HTTP status the client got, or 0
   */
  public void overLimit(
      Channel client,
      String protocol,
      AccessCommand command,
      String method,
      Principal principal,
      Object requested,
      int status) {
    unserved(
        client,
        protocol,
        command,
        method,
        principal,
        requested,
        AccessResult.ERROR,
        0,
        status,
        System.nanoTime());
  }

  /** A BIND whose client left before its peer came: {@code closed}, nothing relayed. */
  public void abandoned(
      Channel client,
      String protocol,
      AccessCommand command,
      AuthorizedDestination target,
      long startNanos) {
    unserved(
        client,
        protocol,
        command,
        null,
        target.principal(),
        target.requested(),
        AccessResult.CLOSED,
        target.ruleNumber(),
        0,
        startNanos);
  }

  private void unserved(
      Channel client,
      String protocol,
      AccessCommand command,
      String method,
      Principal principal,
      Object requested,
      AccessResult result,
      int rule,
      int status,
      long startNanos) {
    if (!log.enabled()) {
      return;
    }
    log.log(
        new AccessRecord(
            Instant.now(),
            since(startNanos),
            ClientAddress.of(client),
            user(principal),
            protocol,
            command,
            method,
            requested == null ? null : requested.toString(),
            null,
            rule,
            result,
            status,
            null,
            0,
            0));
  }

  /**
   * A client that could not be authenticated: the name it tried is not logged (it may be a password
   * typed in the wrong field).
   *
   * @param requested the destination as asked, when the protocol said it before authenticating
   */
  public void authenticationFailed(
      Channel client, String protocol, AccessCommand command, Object requested, long startNanos) {
    authenticationFailed(client, protocol, command, null, requested, startNanos);
  }

  /**
   * The same for a forwarded HTTP request, with its method.
   *
   * @param method the request's HTTP method, or null
   */
  public void authenticationFailed(
      Channel client,
      String protocol,
      AccessCommand command,
      String method,
      Object requested,
      long startNanos) {
    if (!log.enabled()) {
      return;
    }
    log.log(
        new AccessRecord(
            Instant.now(),
            since(startNanos),
            ClientAddress.of(client),
            null,
            protocol,
            command,
            method,
            requested == null ? null : requested.toString(),
            null,
            0,
            AccessResult.AUTH_FAILED,
            0,
            null,
            0,
            0));
  }

  /** Any other line, built by its caller. */
  public void log(AccessRecord record) {
    log.log(record);
  }

  public static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** The line's result for a refusal's kind. */
  public static AccessResult result(ProxyRefusal.Kind kind) {
    return switch (kind) {
      case NOT_ALLOWED -> AccessResult.DENIED;
      case HOST_UNREACHABLE, NETWORK_UNREACHABLE -> AccessResult.UNREACHABLE;
      case CONNECTION_REFUSED -> AccessResult.REFUSED;
      case TIMEOUT -> AccessResult.TIMEOUT;
      case GENERAL_FAILURE -> AccessResult.ERROR;
    };
  }

  /** The line's result for how a served tunnel ended. */
  public static AccessResult result(TunnelEnding ending) {
    return switch (ending) {
      case FINISHED -> AccessResult.OK;
      case IDLE_TIMEOUT -> AccessResult.IDLE_TIMEOUT;
      case RESET -> AccessResult.RESET;
      case CLOSED -> AccessResult.CLOSED;
    };
  }

  /** A tunnel's facts from its start, kept until its end. */
  private static final class PendingTunnel implements TunnelLine {
    private final AccessLines lines;
    private final long startNanos;
    private final InetSocketAddress client;
    private final String user;
    private final String protocol;
    private final AccessCommand command;
    private final String requested;
    private final InetSocketAddress connected;
    private final int rule;
    private volatile boolean cut;

    PendingTunnel(
        AccessLines lines,
        long startNanos,
        InetSocketAddress client,
        String user,
        String protocol,
        AccessCommand command,
        String requested,
        InetSocketAddress connected,
        int rule) {
      this.lines = lines;
      this.startNanos = startNanos;
      this.client = client;
      this.user = user;
      this.protocol = protocol;
      this.command = command;
      this.requested = requested;
      this.connected = connected;
      this.rule = rule;
    }

    @Override
    public void cutByPolicy() {
      cut = true;
    }

    @Override
    public void ended(String relay, long bytesUp, long bytesDown, TunnelEnding ending) {
      lines.log(
          new AccessRecord(
              Instant.now(),
              since(startNanos),
              client,
              user,
              protocol,
              command,
              null,
              requested,
              connected,
              rule,
              cut ? AccessResult.CLOSED_BY_POLICY : result(ending),
              0,
              relay,
              bytesUp,
              bytesDown));
    }
  }
}
