package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.helm.NetworkPolicyEvaluator.Endpoint;
import dev.zcproxy.helm.NetworkPolicyEvaluator.Policy;
import dev.zcproxy.helm.NetworkPolicyEvaluator.Port;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The evaluator on a table of cases, each a policy, a connection, and the API's answer. */
class NetworkPolicyEvaluatorTest {

  static final Port HTTP = new Port("http", 8080, "TCP");
  static final Port DNS_UDP = new Port("dns", 53, "UDP");
  static final Endpoint WEB =
      Endpoint.pod(
          "web",
          "shop",
          Map.of("app", "web", "tier", "front"),
          ns("shop"),
          "10.244.1.2",
          List.of(HTTP));
  static final Endpoint API =
      Endpoint.pod(
          "api",
          "shop",
          Map.of("app", "api", "tier", "back"),
          ns("shop"),
          "10.244.1.3",
          List.of(HTTP, DNS_UDP));
  static final Endpoint OTHER_NS_API =
      Endpoint.pod(
          "api2",
          "ops",
          Map.of("app", "api"),
          Map.of("kubernetes.io/metadata.name", "ops", "team", "ops"),
          "10.244.2.3",
          List.of(HTTP));
  static final Endpoint OUTSIDE = Endpoint.external("outside", "203.0.113.9", List.of(HTTP));
  static final Endpoint METADATA = Endpoint.external("metadata", "169.254.169.254", List.of(HTTP));
  static final Endpoint V6 = Endpoint.external("v6", "2001:db8::7", List.of(HTTP));

  static Map<String, String> ns(String name) {
    return Map.of("kubernetes.io/metadata.name", name);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, policy YAML (namespace shop), from, to, port, expected
        Arguments.of("no policy: open", "", WEB, API, HTTP, true),
        Arguments.of(
            "default deny ingress",
            """
            podSelector: {}
            policyTypes: [Ingress]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "default deny egress blocks the sender only",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "egress deny of another pod does not matter",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Egress]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "policyTypes default: ingress only without egress rules",
            """
            podSelector: {matchLabels: {app: web}}""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "policyTypes default: egress too with egress rules",
            """
            podSelector: {matchLabels: {app: web}}
            egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "matchLabels admits",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "matchLabels in another namespace does not admit",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Ingress]
            ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]""",
            OTHER_NS_API,
            WEB,
            HTTP,
            false),
        Arguments.of(
            "matchExpressions In",
            """
            podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}
            policyTypes: [Ingress]
            ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [front, edge]}]}}]}]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "matchExpressions NotIn",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}}]}]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "matchExpressions Exists and DoesNotExist",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: Exists}, {key: canary, operator: DoesNotExist}]}}]}]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "namespaceSelector alone admits every pod there",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Ingress]
            ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]""",
            OTHER_NS_API,
            WEB,
            HTTP,
            true),
        Arguments.of(
            "namespaceSelector and podSelector in one peer: both must hold",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Ingress]
            ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {app: db}}}]}]""",
            OTHER_NS_API,
            WEB,
            HTTP,
            false),
        Arguments.of(
            "the same selectors as two peers: either holds",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Ingress]
            ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}, {podSelector: {matchLabels: {app: db}}}]}]""",
            OTHER_NS_API,
            WEB,
            HTTP,
            true),
        Arguments.of(
            "a port rule on another port refuses",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{ports: [{port: 9090}]}]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "a named port resolves on the destination",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{ports: [{port: http}]}]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "protocol must match",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{ports: [{port: 53, protocol: TCP}]}]""",
            WEB,
            API,
            DNS_UDP,
            false),
        Arguments.of(
            "endPort range",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{ports: [{port: 8000, endPort: 8999}]}]""",
            WEB,
            API,
            HTTP,
            true),
        Arguments.of(
            "ipBlock admits an outside address",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]""",
            WEB,
            OUTSIDE,
            HTTP,
            true),
        Arguments.of(
            "ipBlock except refuses the metadata address",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]""",
            WEB,
            METADATA,
            HTTP,
            false),
        Arguments.of(
            "ipBlock except of the pod network refuses pods",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}}]}]""",
            WEB,
            API,
            HTTP,
            false),
        Arguments.of(
            "an IPv4 block does not admit IPv6",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]""",
            WEB,
            V6,
            HTTP,
            false),
        Arguments.of(
            "::/0 admits IPv6",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{ipBlock: {cidr: "::/0", except: ["fd00::/8"]}}]}]""",
            WEB,
            V6,
            HTTP,
            true),
        Arguments.of(
            "a pod selector never matches an outside address",
            """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{podSelector: {}}]}]""",
            WEB,
            OUTSIDE,
            HTTP,
            false),
        Arguments.of(
            "an empty from admits everyone",
            """
            podSelector: {matchLabels: {app: api}}
            policyTypes: [Ingress]
            ingress: [{}]""",
            OUTSIDE,
            API,
            HTTP,
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides_like_the_network_policy_api(
      String name, String spec, Endpoint from, Endpoint to, Port port, boolean expected) {
    List<Policy> policies =
        spec.isEmpty()
            ? List.of()
            : List.of(
                new Policy(
                    "shop",
                    Map.of("kind", "NetworkPolicy", "spec", RenderedChart.parse(spec).getFirst())));
    assertThat(new NetworkPolicyEvaluator(policies).allows(from, to, port)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void policies_add_up(
      String name, String spec, Endpoint from, Endpoint to, Port port, boolean expected) {
    // A second policy that admits everything both ways never takes an admission away.
    var open =
        new Policy(
            "shop",
            Map.of(
                "kind",
                "NetworkPolicy",
                "spec",
                RenderedChart.parse(
                        """
                        podSelector: {}
                        policyTypes: [Ingress, Egress]
                        ingress: [{}]
                        egress: [{}]""")
                    .getFirst()));
    List<Policy> policies =
        spec.isEmpty()
            ? List.of(open)
            : List.of(
                new Policy(
                    "shop",
                    Map.of("kind", "NetworkPolicy", "spec", RenderedChart.parse(spec).getFirst())),
                open);
    assertThat(new NetworkPolicyEvaluator(policies).allows(from, to, port))
        .as("an allow-all policy in the namespace opens every case")
        .isTrue();
  }
}
