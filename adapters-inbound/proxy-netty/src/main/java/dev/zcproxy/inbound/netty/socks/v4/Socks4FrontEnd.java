package dev.zcproxy.inbound.netty.socks.v4;

import dev.zcproxy.inbound.netty.detect.FrontEnd;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/** SOCKS4 and 4a on the shared port: a first byte {@code 0x04}. */
public final class Socks4FrontEnd implements FrontEnd {

  /** The metrics label. */
  public static final String PROTOCOL = "socks4";

  /** Handler names of the handshake, removed once a command takes over. */
  public static final String DECODER = "socks4-request-decoder";

  public static final String HANDLER = "socks4-handler";

  public static final List<String> HANDSHAKE_HANDLERS = List.of(DECODER, HANDLER);

  private final ProxyContext context;

  public Socks4FrontEnd(ProxyContext context) {
    this.context = context;
  }

  @Override
  public boolean claims(int firstByte) {
    return firstByte == SocksVersions.SOCKS4;
  }

  @Override
  public void install(ChannelHandlerContext detector, ByteBuf first) {
    context.metrics().connectionAccepted(PROTOCOL);
    FrontEnd.appendAndReplay(
        detector, first, DECODER, new Socks4RequestDecoder(), HANDLER, new Socks4Handler(context));
  }
}
