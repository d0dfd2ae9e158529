package dev.zcproxy.domain.model;

/**
 * The transport a client asks the proxy to carry. A rule that names no protocol matches both. SOCKS
 * BIND counts as {@link #TCP}: it is a TCP stream, merely opened from the other side.
 */
public enum Protocol {
  TCP,
  UDP
}
