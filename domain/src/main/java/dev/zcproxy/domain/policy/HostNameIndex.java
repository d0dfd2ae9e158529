package dev.zcproxy.domain.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * The host-name patterns of all rules: exact names in a hash map, and {@code *.suffix} patterns in
 * a trie of labels read from the right ({@code com -> example} for {@code *.example.com}). A lookup
 * costs one probe for the exact name plus one per label.
 */
final class HostNameIndex {

  private record SuffixNode(Map<String, SuffixNode> children, int[] rules) {}

  private final Map<String, int[]> exactHosts;
  private final SuffixNode suffixes;

  private HostNameIndex(Map<String, int[]> exactHosts, SuffixNode suffixes) {
    this.exactHosts = exactHosts;
    this.suffixes = suffixes;
  }

  /** Offers the scan every rule with a name pattern that matches {@code host} (lower case). */
  void offerMatches(String host, FirstMatch scan) {
    int[] exact = exactHosts.get(host);
    if (exact != null) {
      scan.offerByName(exact);
    }
    SuffixNode node = suffixes;
    int end = host.length();
    // Stop before the leftmost label: "*.example.com" matches below example.com, not the apex.
    for (int dot = host.lastIndexOf('.', end - 1); dot > 0; dot = host.lastIndexOf('.', end - 1)) {
      node = node.children().get(host.substring(dot + 1, end));
      if (node == null) {
        return;
      }
      scan.offerByName(node.rules());
      end = dot;
    }
  }

  static final class Builder {
    private final Map<String, RuleIndexes> exactHosts = new HashMap<>();
    private final MutableNode suffixes = new MutableNode();

    private static final class MutableNode {
      final Map<String, MutableNode> children = new HashMap<>();
      final RuleIndexes rules = new RuleIndexes();

      SuffixNode freeze() {
        Map<String, SuffixNode> frozen = new HashMap<>();
        children.forEach((label, child) -> frozen.put(label, child.freeze()));
        return new SuffixNode(Map.copyOf(frozen), rules.toArray());
      }
    }

    void addExact(String host, int rule) {
      exactHosts.computeIfAbsent(host, key -> new RuleIndexes()).add(rule);
    }

    /** Adds the pattern {@code "*." + suffix}. */
    void addSuffix(String suffix, int rule) {
      MutableNode node = suffixes;
      String[] labels = suffix.split("\\.");
      for (int i = labels.length - 1; i >= 0; i--) {
        node = node.children.computeIfAbsent(labels[i], label -> new MutableNode());
      }
      node.rules.add(rule);
    }

    HostNameIndex build() {
      Map<String, int[]> exact = new HashMap<>();
      exactHosts.forEach((host, rules) -> exact.put(host, rules.toArray()));
      return new HostNameIndex(Map.copyOf(exact), suffixes.freeze());
    }
  }
}
