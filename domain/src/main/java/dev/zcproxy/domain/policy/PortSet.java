package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.model.PortRange;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** A rule's ports, merged into sorted disjoint ranges and searched by bisection. */
final class PortSet {

  /** A rule that names no port matches every port, 0 included (a UDP association's). */
  static final PortSet ANY = new PortSet(null, null);

  private final int[] starts;
  private final int[] ends;

  private PortSet(int[] starts, int[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  static PortSet of(List<PortRange> ranges) {
    if (ranges.isEmpty()) {
      return ANY;
    }
    List<PortRange> sorted =
        ranges.stream().sorted(Comparator.comparingInt(PortRange::from)).toList();
    int[] starts = new int[sorted.size()];
    int[] ends = new int[sorted.size()];
    int count = 0;
    for (PortRange range : sorted) {
      if (count > 0 && range.from() <= ends[count - 1] + 1) {
        ends[count - 1] = Math.max(ends[count - 1], range.to());
      } else {
        starts[count] = range.from();
        ends[count] = range.to();
        count++;
      }
    }
    return new PortSet(Arrays.copyOf(starts, count), Arrays.copyOf(ends, count));
  }

  boolean contains(int port) {
    if (starts == null) {
      return true;
    }
    int found = Arrays.binarySearch(starts, port);
    if (found >= 0) {
      return true;
    }
    int before = -found - 2; // the last range that starts below the port
    return before >= 0 && port <= ends[before];
  }
}
