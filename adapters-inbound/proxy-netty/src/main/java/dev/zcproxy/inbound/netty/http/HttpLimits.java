package dev.zcproxy.inbound.netty.http;

/** Bounds on what one HTTP/1.1 message may hold, shared by the client and the upstream side. */
public final class HttpLimits {
  /** The longest request line (and response status line) read. */
  public static final int MAX_REQUEST_LINE = 8 * 1024;

  /** The largest piece of a body handed on at once. */
  public static final int MAX_CONTENT_PIECE = 64 * 1024;

  private HttpLimits() {}
}
