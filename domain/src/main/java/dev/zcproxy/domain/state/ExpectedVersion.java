package dev.zcproxy.domain.state;

/** The version a writer believes it changes (from {@code If-Match}). */
public sealed interface ExpectedVersion {

  boolean matches(long current);

  /** {@code If-Match: *}: whatever the current version is. */
  record Any() implements ExpectedVersion {
    @Override
    public boolean matches(long current) {
      return true;
    }
  }

  record Exactly(long version) implements ExpectedVersion {
    @Override
    public boolean matches(long current) {
      return current == version;
    }
  }

  ExpectedVersion ANY = new Any();

  static ExpectedVersion exactly(long version) {
    return new Exactly(version);
  }
}
