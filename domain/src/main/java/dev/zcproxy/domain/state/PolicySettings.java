package dev.zcproxy.domain.state;

/**
 * The policy-wide settings.
 *
 * @param anonymous whether clients may skip authentication (see {@code Policy#anonymous})
 * @param version the policy revision that last changed them; 0 until the first change
 */
public record PolicySettings(boolean anonymous, long version) {

  public static final PolicySettings INITIAL = new PolicySettings(false, 0);

  public PolicySettings {
    Versions.require(version);
  }
}
