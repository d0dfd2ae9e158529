package dev.zcproxy.inbound.netty.socks;

/**
 * What a handshake decoder emits instead of a message it cannot accept. The handler answers with
 * {@code replyCode} (in its protocol's terms) and closes; the decoder ignores everything after it.
 *
 * @param reason for the debug log, never containing client secrets
 */
public record MalformedRequest(String reason, int replyCode) {}
