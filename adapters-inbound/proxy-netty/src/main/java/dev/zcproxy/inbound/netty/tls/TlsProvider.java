package dev.zcproxy.inbound.netty.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation terminates HTTPS-to-proxy. BoringSSL through netty-tcnative encrypts and
 * decrypts with less CPU per byte than the JDK's engine (bench/tls-bench.sh measures by how much on
 * the machine at hand); the JDK's works everywhere, with nothing native.
 */
public enum TlsProvider {
  /** OpenSSL (BoringSSL) where its native library loads, the JDK otherwise; the log says which. */
  AUTO,
  /** The JDK's own engine. */
  JDK,
  /** OpenSSL (BoringSSL) or refuse to start: for operators who sized for it. */
  OPENSSL;

  /**
   * The provider to use on this machine.
   *
   * @throws IllegalArgumentException for {@link #OPENSSL} where the native library cannot load,
   *     with the reason it gave
   */
  public SslProvider resolve() {
    return switch (this) {
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalArgumentException(
              "OpenSSL (netty-tcnative) is not available here: " + OpenSsl.unavailabilityCause());
        }
        yield SslProvider.OPENSSL;
      }
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }

  /** A name for logs and the {@code provider} label: {@code openssl} or {@code jdk}. */
  static String describe(SslProvider provider) {
    return provider == SslProvider.JDK ? "jdk" : "openssl";
  }
}
