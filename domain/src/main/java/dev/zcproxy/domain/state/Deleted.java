package dev.zcproxy.domain.state;

/**
 * A deletion that went through.
 *
 * @param revision the policy revision it made
 */
public record Deleted(long revision) {}
