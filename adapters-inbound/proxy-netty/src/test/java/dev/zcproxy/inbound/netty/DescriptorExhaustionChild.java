package dev.zcproxy.inbound.netty;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The front end alone in a process, for {@link DescriptorExhaustionProcessTest}, which starts it
 * under a low open-file limit. It prints {@code LISTENING <port>}, then answers {@code COUNT} on
 * stdin with its exhaustion counters, and stops on {@code STOP} or at the end of stdin. Talking
 * over the pipes it was started with, it needs no descriptor to answer.
 */
public final class DescriptorExhaustionChild {

  private DescriptorExhaustionChild() {}

  public static void main(String[] args) throws Exception {
    var registry = new SimpleMeterRegistry();
    // Handshakes time out long after the test is over: the connections hold their descriptors.
    var settings =
        new ProxyServerSettings(
            new InetSocketAddress("127.0.0.1", 0),
            ProxyServerSettings.RelayMode.COPY,
            ProxyServerSettings.Timeouts.of(
                Duration.ofMinutes(5),
                Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10)),
            ProxyServerSettings.Limits.of(4096, 0, 0, 0));
    var server =
        new ProxyServer(
            settings,
            new ProxyTestKit.FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true);
    InetSocketAddress address = server.start();
    System.out.println("LISTENING " + address.getPort());
    var commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String command; (command = commands.readLine()) != null && !command.equals("STOP"); ) {
      if (command.equals("COUNT")) {
        System.out.println(
            "COUNT accept="
                + (long) count(registry, "accept")
                + " connect="
                + (long) count(registry, "connect"));
      }
    }
    server.close();
  }

  private static double count(SimpleMeterRegistry registry, String operation) {
    return registry.get("zcproxy.fd.exhaustion").tag("operation", operation).counter().count();
  }
}
