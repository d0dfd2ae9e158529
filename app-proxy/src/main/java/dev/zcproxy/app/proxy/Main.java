package dev.zcproxy.app.proxy;

/** Entry point of the proxy; wiring comes with the config loader. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {}
}
