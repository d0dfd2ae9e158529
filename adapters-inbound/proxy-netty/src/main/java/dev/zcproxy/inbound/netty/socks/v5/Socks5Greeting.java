package dev.zcproxy.inbound.netty.socks.v5;

import java.util.Arrays;

/** The SOCKS5 method negotiation request: {@code VER NMETHODS METHODS} (RFC 1928 §3). */
record Socks5Greeting(byte[] methods) {
  static final int NO_AUTHENTICATION = 0x00;
  static final int GSSAPI = 0x01;
  static final int USERNAME_PASSWORD = 0x02;
  static final int NO_ACCEPTABLE_METHODS = 0xFF;

  Socks5Greeting {
    methods = methods.clone();
  }

  boolean offers(int method) {
    for (byte offered : methods) {
      if ((offered & 0xFF) == method) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Socks5Greeting greeting && Arrays.equals(methods, greeting.methods);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(methods);
  }

  @Override
  public String toString() {
    return "Socks5Greeting" + Arrays.toString(methods);
  }
}
