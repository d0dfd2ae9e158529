package dev.zcproxy.inbound.netty.http.h3;

import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.quic.QuicException;
import java.io.IOException;

/**
 * Which failures on a request stream are the client's or the network's doing (a reset, a protocol
 * error, a connection gone), logged at DEBUG without a stack trace, and which are the proxy's own
 * (anything else), logged at WARN.
 */
final class Http3Failures {
  private Http3Failures() {}

  static boolean expected(Throwable cause) {
    return cause instanceof IOException
        || cause instanceof Http3Exception
        || cause instanceof QuicException;
  }
}
