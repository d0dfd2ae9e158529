package dev.zcproxy.domain.state;

/** Versions are policy revisions; 0 means "as created by the schema, never changed". */
final class Versions {

  private Versions() {}

  static long require(long version) {
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
    return version;
  }
}
