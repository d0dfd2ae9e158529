package dev.zcproxy.domain.auth;

import java.util.Set;

/** Who a connection acts for, once authenticated. */
public sealed interface Principal {

  /** A stable label for logs and metrics. */
  String name();

  record Anonymous() implements Principal {
    @Override
    public String name() {
      return "anonymous";
    }
  }

  record UserPrincipal(String name, Set<String> groups) implements Principal {
    public UserPrincipal {
      groups = Set.copyOf(groups);
    }
  }

  Principal ANONYMOUS = new Anonymous();
}
