package dev.zcproxy.bench;

/** Load generator for the bench scripts. */
public final class LoadGenerator {
  private LoadGenerator() {}

  public static void main(String[] args) {}
}
