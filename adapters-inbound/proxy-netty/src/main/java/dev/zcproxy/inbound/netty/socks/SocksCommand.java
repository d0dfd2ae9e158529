package dev.zcproxy.inbound.netty.socks;

import dev.zcproxy.domain.access.AccessCommand;

/** The commands of SOCKS4 (CONNECT, BIND) and SOCKS5 (all three), with their shared codes. */
public enum SocksCommand {
  CONNECT(0x01),
  BIND(0x02),
  UDP_ASSOCIATE(0x03);

  private final int code;

  SocksCommand(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }

  /** The access log's name for it. */
  public AccessCommand access() {
    return switch (this) {
      case CONNECT -> AccessCommand.CONNECT;
      case BIND -> AccessCommand.BIND;
      case UDP_ASSOCIATE -> AccessCommand.UDP;
    };
  }

  /** The SOCKS5 command with this code, or null. */
  public static SocksCommand socks5(int code) {
    for (SocksCommand command : values()) {
      if (command.code == code) {
        return command;
      }
    }
    return null;
  }

  /** The SOCKS4 command with this code (no UDP in SOCKS4), or null. */
  public static SocksCommand socks4(int code) {
    return code == CONNECT.code ? CONNECT : code == BIND.code ? BIND : null;
  }
}
