package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.detect.FrontEnd;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/** SOCKS5 on the shared port: a first byte {@code 0x05}. */
public final class Socks5FrontEnd implements FrontEnd {

  /** The metrics label. */
  public static final String PROTOCOL = "socks5";

  /** Handler names of the handshake, in the order a client meets them. */
  public static final String INITIAL_DECODER = "socks5-initial-decoder";

  public static final String PASSWORD_DECODER = "socks5-password-decoder";
  public static final String GSSAPI_DECODER = "socks5-gssapi-decoder";
  public static final String REQUEST_DECODER = "socks5-request-decoder";
  public static final String HANDLER = "socks5-handler";

  /** GSS-API per-message protection: stays for the tunnel's life, unlike the handshake's. */
  public static final String GSSAPI_ENCAPSULATION = "socks5-gssapi-encapsulation";

  public static final List<String> HANDSHAKE_HANDLERS =
      List.of(INITIAL_DECODER, PASSWORD_DECODER, GSSAPI_DECODER, REQUEST_DECODER, HANDLER);

  private final ProxyContext context;

  public Socks5FrontEnd(ProxyContext context) {
    this.context = context;
  }

  @Override
  public boolean claims(int firstByte) {
    return firstByte == SocksVersions.SOCKS5;
  }

  @Override
  public void install(ChannelHandlerContext detector, ByteBuf first) {
    context.metrics().connectionAccepted(PROTOCOL);
    FrontEnd.appendAndReplay(
        detector,
        first,
        INITIAL_DECODER,
        new Socks5GreetingDecoder(),
        HANDLER,
        new Socks5Handler(context));
  }
}
