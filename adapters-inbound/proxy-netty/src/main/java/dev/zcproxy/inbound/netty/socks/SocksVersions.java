package dev.zcproxy.inbound.netty.socks;

/** The version byte each SOCKS message starts with: how the detector tells the two apart, too. */
public final class SocksVersions {
  public static final int SOCKS4 = 0x04;
  public static final int SOCKS5 = 0x05;

  private SocksVersions() {}
}
