package dev.zcproxy.inbound.netty.upstream;

import java.util.Locale;

/** Helpers shared by the protocols for {@link ProxyRefusal}s. */
public final class ProxyRefusals {
  private ProxyRefusals() {}

  /** The metrics label of a refusal kind, e.g. {@code not_allowed}. */
  public static String label(ProxyRefusal.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** The refusal a failed future carries; anything else is a bug, reported as general failure. */
  public static ProxyRefusal of(Throwable cause) {
    return cause instanceof ProxyRefusal refusal
        ? refusal
        : new ProxyRefusal(ProxyRefusal.Kind.GENERAL_FAILURE, String.valueOf(cause));
  }
}
