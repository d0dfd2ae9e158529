package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import java.net.InetSocketAddress;

/**
 * How {@link ConnectCommand} answers an HTTP CONNECT: {@code 200 Connection established}, after
 * which the relay owns the connection, or the error status for the refusal, then close.
 */
public final class HttpConnectReplies implements CommandReplies {
  private final HttpProxyHandler handler;

  public HttpConnectReplies(HttpProxyHandler handler) {
    this.handler = handler;
  }

  @Override
  public void success(InetSocketAddress address) {
    handler.tunnelEstablished();
  }

  @Override
  public void failure(ProxyRefusal.Kind kind) {
    failure(new ProxyRefusal(kind, HttpRejection.statusFor(kind).reasonPhrase()));
  }

  @Override
  public void failure(ProxyRefusal refusal) {
    handler.tunnelRefused(refusal);
  }
}
