package dev.zcproxy.inbound.netty.socks.v4;

import dev.zcproxy.domain.model.HostNames;
import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import dev.zcproxy.inbound.netty.socks.SocksCommand;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes a SOCKS4 request, {@code VN CD DSTPORT DSTIP USERID NUL}, and the SOCKS4a extension: a
 * DSTIP of 0.0.0.x (x != 0) means a host name follows, {@code DOMAIN NUL}. Both NUL-terminated
 * fields are capped at 255 bytes, and a field that passes the cap without a NUL is refused at once
 * rather than at the handshake timeout. Every refusal is 0x5B, the only failure code SOCKS4 has
 * that does not concern identd.
 */
final class Socks4RequestDecoder extends ByteToMessageDecoder {
  static final int MAX_FIELD_LENGTH = 255;
  private static final int HEADER_LENGTH = 8;

  enum State {
    READ_HEADER,
    READ_USER_ID,
    READ_DOMAIN,
    DONE,
    FAILED
  }

  private State state = State.READ_HEADER;
  private SocksCommand command;
  private int port;
  private byte[] address;
  private String userId;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_HEADER -> {
        if (in.readableBytes() < HEADER_LENGTH) {
          return;
        }
        int version = in.readUnsignedByte();
        int code = in.readUnsignedByte();
        port = in.readUnsignedShort();
        address = new byte[4];
        in.readBytes(address);
        command = SocksCommand.socks4(code);
        if (version != SocksVersions.SOCKS4) {
          fail(in, out, "version " + version);
        } else if (command == null) {
          fail(in, out, "command 0x" + Integer.toHexString(code));
        } else {
          state = State.READ_USER_ID;
          readUserId(in, out);
        }
      }
      case READ_USER_ID -> readUserId(in, out);
      case READ_DOMAIN -> readDomain(in, out);
      case DONE -> {}
      case FAILED -> in.skipBytes(in.readableBytes());
    }
  }

  private void readUserId(ByteBuf in, List<Object> out) {
    String field = readField(in, out, "user id");
    if (field == null) {
      return;
    }
    userId = field;
    if (isSocks4a(address)) {
      state = State.READ_DOMAIN;
      readDomain(in, out);
    } else {
      emit(out, Destination.ofAddress(ipv4(address), port));
    }
  }

  private void readDomain(ByteBuf in, List<Object> out) {
    String name = readField(in, out, "domain");
    if (name == null) {
      return;
    }
    if (name.isEmpty()) {
      fail(in, out, "empty domain");
      return;
    }
    InetAddress literal = HostNames.parseLiteral(name);
    if (literal != null) {
      emit(out, Destination.ofAddress(literal, port));
      return;
    }
    try {
      emit(out, Destination.ofHost(HostNames.requireHostName(name), port));
    } catch (IllegalArgumentException invalid) {
      fail(in, out, "invalid domain");
    }
  }

  /** A NUL-terminated field, or null when incomplete or refused (then {@code out} says so). */
  private String readField(ByteBuf in, List<Object> out, String what) {
    int searched = Math.min(in.readableBytes(), MAX_FIELD_LENGTH + 1);
    int length = in.bytesBefore(searched, (byte) 0);
    if (length < 0) {
      if (in.readableBytes() > MAX_FIELD_LENGTH) {
        fail(in, out, what + " longer than " + MAX_FIELD_LENGTH + " bytes");
      }
      return null;
    }
    String field = in.readCharSequence(length, StandardCharsets.US_ASCII).toString();
    in.skipBytes(1); // the NUL
    return field;
  }

  private void emit(List<Object> out, Destination destination) {
    state = State.DONE;
    out.add(new Socks4Request(command, destination, userId));
  }

  private void fail(ByteBuf in, List<Object> out, String reason) {
    in.skipBytes(in.readableBytes());
    state = State.FAILED;
    out.add(new MalformedRequest(reason, Socks4Replies.REJECTED));
  }

  /** SOCKS4a: 0.0.0.x with x != 0 is not an address but a marker that a name follows. */
  private static boolean isSocks4a(byte[] ip) {
    return ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0;
  }

  private static InetAddress ipv4(byte[] ip) {
    try {
      return InetAddress.getByAddress(ip);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
