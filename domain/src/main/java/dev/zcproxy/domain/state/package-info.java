/**
 * The state service's vocabulary: stored users and rules with their versions, the policy changes
 * that go to the outbox, API keys and their scopes, audit events, pages, and the outcomes of the
 * management use cases. Plain data, like {@code model}; the ports in {@code port.in} and {@code
 * port.out} speak it.
 */
package dev.zcproxy.domain.state;
