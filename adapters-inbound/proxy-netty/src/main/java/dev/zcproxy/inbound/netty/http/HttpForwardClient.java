package dev.zcproxy.inbound.netty.http;

/**
 * The client side of an {@link HttpForwardExchange}: an HTTP/1.1 connection (the HTTP/1.1 proxy
 * handler) or one HTTP/2 stream (an HTTP/2 forwarding stream). The exchange writes the response to
 * the client's channel as HTTP/1.1 objects and tells the client side how it went; all of it on the
 * client's event loop.
 */
public interface HttpForwardClient {

  /** The upstream connection is ready for the request body. */
  void exchangeReady();

  /** The upstream can take more of the body. */
  void requestBodyWanted();

  /**
   * The exchange ended with the whole response written.
   *
   * @param keepAlive whether an HTTP/1.1 connection may carry another request
   */
  void exchangeCompleted(boolean keepAlive);

  /** The exchange failed before the client saw a response: it gets this one. */
  void exchangeFailed(HttpRejection rejection);

  /** The exchange failed in the middle of the response: all the client can get is a close. */
  void exchangeAborted();
}
