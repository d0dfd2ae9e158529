package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeapReturnTest {

  private static Optional<VMOption> option(String name, VMOption.Origin origin, boolean writeable) {
    return Optional.of(new VMOption(name, "70", writeable, origin));
  }

  @Test
  void only_flags_at_their_default_are_planned() {
    Map<String, String> plan =
        HeapReturn.plan(
            Map.of(
                "MinHeapFreeRatio", option("MinHeapFreeRatio", VMOption.Origin.DEFAULT, true),
                "MaxHeapFreeRatio", option("MaxHeapFreeRatio", VMOption.Origin.VM_CREATION, true),
                "G1PeriodicGCInterval", Optional.empty()));

    assertThat(plan).containsExactly(Map.entry("MinHeapFreeRatio", "10"));
  }

  @Test
  void a_flag_that_cannot_be_written_is_left_alone() {
    Map<String, String> plan =
        HeapReturn.plan(
            Map.of("MaxHeapFreeRatio", option("MaxHeapFreeRatio", VMOption.Origin.DEFAULT, false)));

    assertThat(plan).isEmpty();
  }

  @Test
  void applying_sets_this_vms_flags() {
    HotSpotDiagnosticMXBean hotspot =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    boolean maxWasDefault =
        hotspot.getVMOption("MaxHeapFreeRatio").getOrigin() == VMOption.Origin.DEFAULT;

    HeapReturn.apply();

    if (maxWasDefault) {
      assertThat(hotspot.getVMOption("MaxHeapFreeRatio").getValue()).isEqualTo("30");
      assertThat(hotspot.getVMOption("MinHeapFreeRatio").getValue()).isEqualTo("10");
    }
    assertThat(hotspot.getVMOption("MaxHeapFreeRatio").getOrigin())
        .isNotEqualTo(VMOption.Origin.DEFAULT);
  }

  @Test
  void only_old_generation_collections_trim() {
    assertThat(HeapReturn.collectsTheOldGeneration("G1 Young Generation")).isFalse();
    assertThat(HeapReturn.collectsTheOldGeneration("G1 Concurrent GC")).isTrue();
    assertThat(HeapReturn.collectsTheOldGeneration("G1 Old Generation")).isTrue();
    assertThat(HeapReturn.collectsTheOldGeneration("PS Scavenge")).isFalse();
    assertThat(HeapReturn.collectsTheOldGeneration("Copy")).isFalse();
    assertThat(HeapReturn.collectsTheOldGeneration("MarkSweepCompact")).isTrue();
  }
}
