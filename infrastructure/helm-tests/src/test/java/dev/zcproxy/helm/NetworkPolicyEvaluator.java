package dev.zcproxy.helm;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether Kubernetes NetworkPolicies admit a connection, as the NetworkPolicy API defines
 * it (no analysis tool runs on this machine: they are Go or PyPI programs). A connection passes
 * when the source pod's egress side and the destination pod's ingress side both admit it; a side is
 * open when no policy of its namespace selects the pod for that direction, otherwise the union of
 * the selecting policies' rules applies. Peers: podSelector, namespaceSelector (alone or together)
 * and ipBlock with except; an ipBlock also matches pod addresses, as Calico applies it. Ports:
 * number or named container port of the destination, protocol (TCP by default) and endPort.
 */
final class NetworkPolicyEvaluator {

  /** A port a destination listens on. */
  record Port(String name, int number, String protocol) {}

  /**
   * Something that sends or receives: a pod (namespace non-null) or an address outside the cluster
   * (namespace null).
   */
  record Endpoint(
      String name,
      String namespace,
      Map<String, String> labels,
      Map<String, String> namespaceLabels,
      String ip,
      List<Port> ports) {

    boolean isPod() {
      return namespace != null;
    }

    static Endpoint pod(
        String name,
        String namespace,
        Map<String, String> labels,
        Map<String, String> namespaceLabels,
        String ip,
        List<Port> ports) {
      return new Endpoint(name, namespace, labels, namespaceLabels, ip, ports);
    }

    static Endpoint external(String name, String ip, List<Port> ports) {
      return new Endpoint(name, null, Map.of(), Map.of(), ip, ports);
    }
  }

  /** A policy object as rendered, and the namespace it lives in. */
  record Policy(String namespace, Map<String, Object> object) {}

  private final List<Policy> policies;

  NetworkPolicyEvaluator(List<Policy> policies) {
    this.policies = List.copyOf(policies);
  }

  boolean allows(Endpoint from, Endpoint to, Port port) {
    return side(from, "Egress", "egress", "to", to, port)
        && side(to, "Ingress", "ingress", "from", from, port);
  }

  /** Whether at least one policy selects the pod for a direction ("Ingress" or "Egress"). */
  boolean isolated(Endpoint pod, String direction) {
    return pod.isPod()
        && policies.stream().anyMatch(p -> selects(p, pod) && types(p).contains(direction));
  }

  private boolean side(
      Endpoint subject,
      String direction,
      String rulesKey,
      String peersKey,
      Endpoint other,
      Port port) {
    if (!isolated(subject, direction)) {
      return true;
    }
    Endpoint destination = direction.equals("Egress") ? other : subject;
    for (Policy policy : policies) {
      if (!selects(policy, subject) || !types(policy).contains(direction)) {
        continue;
      }
      for (Map<String, Object> rule : RenderedChart.list(spec(policy), rulesKey)) {
        List<Map<String, Object>> peers = RenderedChart.list(rule, peersKey);
        boolean peerMatches =
            peers.isEmpty() || peers.stream().anyMatch(peer -> peerMatches(policy, peer, other));
        List<Map<String, Object>> ports = RenderedChart.list(rule, "ports");
        boolean portMatches =
            ports.isEmpty() || ports.stream().anyMatch(p -> portMatches(p, destination, port));
        if (peerMatches && portMatches) {
          return true;
        }
      }
    }
    return false;
  }

  private static Map<String, Object> spec(Policy policy) {
    return RenderedChart.map(policy.object(), "spec");
  }

  private static boolean selects(Policy policy, Endpoint pod) {
    return pod.isPod()
        && policy.namespace().equals(pod.namespace())
        && selectorMatches(RenderedChart.map(spec(policy), "podSelector"), pod.labels());
  }

  /** policyTypes, or the API's default: Ingress, plus Egress when there are egress rules. */
  @SuppressWarnings("unchecked")
  private static List<String> types(Policy policy) {
    Object types = spec(policy).get("policyTypes");
    if (types != null) {
      return (List<String>) types;
    }
    return spec(policy).containsKey("egress") ? List.of("Ingress", "Egress") : List.of("Ingress");
  }

  private static boolean peerMatches(Policy policy, Map<String, Object> peer, Endpoint other) {
    if (peer.containsKey("ipBlock")) {
      Map<String, Object> block = RenderedChart.map(peer, "ipBlock");
      if (!inCidr(other.ip(), (String) block.get("cidr"))) {
        return false;
      }
      @SuppressWarnings("unchecked")
      List<String> except = (List<String>) block.getOrDefault("except", List.of());
      return except.stream().noneMatch(cidr -> inCidr(other.ip(), cidr));
    }
    if (!other.isPod()) {
      return false;
    }
    boolean hasPods = peer.containsKey("podSelector");
    boolean hasNamespaces = peer.containsKey("namespaceSelector");
    boolean namespaceOk =
        hasNamespaces
            ? selectorMatches(RenderedChart.map(peer, "namespaceSelector"), other.namespaceLabels())
            : other.namespace().equals(policy.namespace());
    boolean podOk =
        !hasPods || selectorMatches(RenderedChart.map(peer, "podSelector"), other.labels());
    return (hasPods || hasNamespaces) && namespaceOk && podOk;
  }

  private static boolean portMatches(
      Map<String, Object> rulePort, Endpoint destination, Port port) {
    String protocol = (String) rulePort.getOrDefault("protocol", "TCP");
    if (!protocol.equals(port.protocol())) {
      return false;
    }
    Object value = rulePort.get("port");
    if (value == null) {
      return true;
    }
    if (value instanceof Integer number) {
      int end = (Integer) rulePort.getOrDefault("endPort", number);
      return port.number() >= number && port.number() <= end;
    }
    // A named port is the destination pod's container port of that name and protocol.
    return destination.isPod()
        && destination.ports().stream()
            .anyMatch(
                p ->
                    value.equals(p.name())
                        && p.protocol().equals(protocol)
                        && p.number() == port.number());
  }

  @SuppressWarnings("unchecked")
  static boolean selectorMatches(Map<String, Object> selector, Map<String, String> labels) {
    Map<String, Object> matchLabels = RenderedChart.map(selector, "matchLabels");
    for (var entry : matchLabels.entrySet()) {
      if (!Objects.equals(labels.get(entry.getKey()), String.valueOf(entry.getValue()))) {
        return false;
      }
    }
    for (Map<String, Object> expression : RenderedChart.list(selector, "matchExpressions")) {
      String key = (String) expression.get("key");
      List<String> values = (List<String>) expression.getOrDefault("values", List.of());
      boolean has = labels.containsKey(key);
      boolean ok =
          switch ((String) expression.get("operator")) {
            case "In" -> has && values.contains(labels.get(key));
            case "NotIn" -> !has || !values.contains(labels.get(key));
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            default ->
                throw new IllegalArgumentException(
                    "unknown operator " + expression.get("operator"));
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean inCidr(String ip, String cidr) {
    try {
      String[] parts = cidr.split("/");
      byte[] address = InetAddress.getByName(ip).getAddress();
      byte[] network = InetAddress.getByName(parts[0]).getAddress();
      if (address.length != network.length) {
        return false;
      }
      int bits = Integer.parseInt(parts[1]);
      int width = address.length * 8;
      if (bits == 0) {
        return true;
      }
      BigInteger mask = BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE);
      mask = mask.shiftRight(width - bits).shiftLeft(width - bits);
      return new BigInteger(1, address).and(mask).equals(new BigInteger(1, network).and(mask));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(cidr, e);
    }
  }
}
