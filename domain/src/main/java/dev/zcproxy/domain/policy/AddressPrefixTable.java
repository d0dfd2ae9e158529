package dev.zcproxy.domain.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CIDR blocks of all rules for one address family: one hash table per prefix length present. A
 * lookup masks the address to each of those lengths and probes once per length, whatever the number
 * of blocks. Addresses are held as a left-aligned 128-bit number in two longs, so IPv4 (32 bits)
 * and IPv6 share the arithmetic; each family has its own table, so they never collide.
 */
final class AddressPrefixTable {

  private record Prefix(long high, long low) {
    static Prefix of(long high, long low, int length) {
      return new Prefix(keepTopBits(high, length), keepTopBits(low, length - 64));
    }
  }

  private final int[] lengths;
  private final List<Map<Prefix, int[]>> rulesByLength;

  private AddressPrefixTable(int[] lengths, List<Map<Prefix, int[]>> rulesByLength) {
    this.lengths = lengths;
    this.rulesByLength = rulesByLength;
  }

  /** Offers the scan every rule with a block that contains {@code address} (canonical bytes). */
  void offerMatches(byte[] address, FirstMatch scan) {
    long high = word(address, 0);
    long low = word(address, 8);
    for (int i = 0; i < lengths.length; i++) {
      int[] rules = rulesByLength.get(i).get(Prefix.of(high, low, lengths[i]));
      if (rules != null) {
        scan.offerByAddress(rules);
      }
    }
  }

  static final class Builder {
    private final int addressLength;
    private final Map<Integer, Map<Prefix, RuleIndexes>> blocks = new TreeMap<>();

    /**
     * @param addressLength 4 or 16: the only address length this table will hold and look up
     */
    Builder(int addressLength) {
      this.addressLength = addressLength;
    }

    void add(byte[] network, int prefixLength, int rule) {
      if (network.length != addressLength) {
        throw new IllegalArgumentException("address family mismatch");
      }
      Prefix prefix = Prefix.of(word(network, 0), word(network, 8), prefixLength);
      blocks
          .computeIfAbsent(prefixLength, length -> new HashMap<>())
          .computeIfAbsent(prefix, key -> new RuleIndexes())
          .add(rule);
    }

    AddressPrefixTable build() {
      int[] lengths = blocks.keySet().stream().mapToInt(Integer::intValue).toArray();
      List<Map<Prefix, int[]>> tables = new ArrayList<>();
      for (Map<Prefix, RuleIndexes> table : blocks.values()) {
        Map<Prefix, int[]> frozen = new HashMap<>();
        table.forEach((prefix, rules) -> frozen.put(prefix, rules.toArray()));
        tables.add(Map.copyOf(frozen));
      }
      return new AddressPrefixTable(lengths, List.copyOf(tables));
    }
  }

  /** Eight address bytes from {@code offset} as a big-endian long; missing bytes count as zero. */
  private static long word(byte[] address, int offset) {
    long value = 0;
    for (int i = offset; i < offset + 8; i++) {
      value = (value << 8) | (i < address.length ? address[i] & 0xffL : 0);
    }
    return value;
  }

  private static long keepTopBits(long value, int bits) {
    if (bits <= 0) {
      return 0;
    }
    return bits >= 64 ? value : value & (-1L << (64 - bits));
  }
}
