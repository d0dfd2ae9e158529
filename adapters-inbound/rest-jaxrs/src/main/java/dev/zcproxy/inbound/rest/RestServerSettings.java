package dev.zcproxy.inbound.rest;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * @param listen where to serve; port 0 picks a free one
 * @param maxBodyBytes the largest request body taken; a larger one is refused with 413
 * @param maxThreads Jetty's worker threads (requests wait in the queue beyond that)
 */
public record RestServerSettings(InetSocketAddress listen, int maxBodyBytes, int maxThreads) {

  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_THREADS = 32;

  public RestServerSettings {
    Objects.requireNonNull(listen, "listen");
    if (maxBodyBytes < 1024 || maxBodyBytes > 16 * 1024 * 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be 1 KiB-16 MiB, got " + maxBodyBytes);
    }
    if (maxThreads < 4 || maxThreads > 1000) {
      throw new IllegalArgumentException("maxThreads must be 4-1000, got " + maxThreads);
    }
  }

  public static RestServerSettings defaults(InetSocketAddress listen) {
    return new RestServerSettings(listen, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_THREADS);
  }
}
