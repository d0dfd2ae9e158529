package dev.zcproxy.domain.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.model.PortRange;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PortSetPropertyTest {

  @Property
  void contains_a_port_exactly_when_one_range_does(
      @ForAll("ranges") List<PortRange> ranges, @ForAll("ports") int port) {
    boolean expected = ranges.isEmpty() || ranges.stream().anyMatch(range -> range.contains(port));

    assertThat(PortSet.of(ranges).contains(port)).isEqualTo(expected);
  }

  @Property
  void contains_every_edge_of_every_range(@ForAll("ranges") List<PortRange> ranges) {
    PortSet ports = PortSet.of(ranges);
    for (PortRange range : ranges) {
      assertThat(ports.contains(range.from())).isTrue();
      assertThat(ports.contains(range.to())).isTrue();
    }
  }

  @Provide
  Arbitrary<Integer> ports() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, 230), Arbitraries.integers().between(0, 65535));
  }

  /** Small, clustered ranges, so that overlaps, adjacency and near misses are common. */
  @Provide
  Arbitrary<List<PortRange>> ranges() {
    Arbitrary<PortRange> range =
        Arbitraries.integers()
            .between(1, 200)
            .flatMap(
                from ->
                    Arbitraries.integers()
                        .between(0, 20)
                        .map(width -> new PortRange(from, Math.min(65535, from + width))));
    Arbitrary<PortRange> anyRange =
        Arbitraries.integers()
            .between(1, 65535)
            .flatMap(
                from ->
                    Arbitraries.integers().between(from, 65535).map(to -> new PortRange(from, to)));
    return Arbitraries.oneOf(range, range, anyRange).list().ofMaxSize(6);
  }
}
