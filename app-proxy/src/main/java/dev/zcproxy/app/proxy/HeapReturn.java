package dev.zcproxy.app.proxy;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import dev.zcproxy.splice.MallocTrim;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the heap give memory back once garbage is gone. A proxy holding many idle tunnels keeps
 * little alive (about 3.4 KB a tunnel), but the handshakes that opened them made far more garbage,
 * and by default HotSpot keeps up to 70% of the heap free after a collection: the process stayed at
 * its peak size, about three times what its tunnels need. At startup the proxy lowers that to
 * {@value #MAX_FREE_PERCENT}% (and the floor to {@value #MIN_FREE_PERCENT}%), and has G1 collect an
 * otherwise quiet heap every {@value #PERIODIC_GC_MILLIS} ms, so that memory freed by a burst is
 * returned to the system even when no further allocation would trigger a collection.
 *
 * <p>All three are manageable VM flags, set through {@link HotSpotDiagnosticMXBean}. One the
 * operator gave on the command line ({@code -XX:MaxHeapFreeRatio=...}) is left as it is.
 *
 * <p>The heap is half of it: native memory freed after a burst stays in the C library's arenas. So
 * after every collection of the old generation (a full, a concurrent or a periodic one; at most
 * once per {@value #TRIM_INTERVAL_MILLIS} ms) the proxy also calls {@link MallocTrim#trim()}.
 */
final class HeapReturn {
  private static final Logger log = LoggerFactory.getLogger(HeapReturn.class);

  static final int MAX_FREE_PERCENT = 30;
  static final int MIN_FREE_PERCENT = 10;
  static final long PERIODIC_GC_MILLIS = 60_000;
  static final long TRIM_INTERVAL_MILLIS = 10_000;

  private static final AtomicLong lastTrimNanos =
      new AtomicLong(System.nanoTime() - 1_000_000_000_000L);

  private HeapReturn() {}

  /** The flags this class sets, with their values, in the order they must be set. */
  static Map<String, String> wanted() {
    Map<String, String> flags = new LinkedHashMap<>();
    // Lowered in this order: MinHeapFreeRatio may never exceed MaxHeapFreeRatio.
    flags.put("MinHeapFreeRatio", Integer.toString(MIN_FREE_PERCENT));
    flags.put("MaxHeapFreeRatio", Integer.toString(MAX_FREE_PERCENT));
    flags.put("G1PeriodicGCInterval", Long.toString(PERIODIC_GC_MILLIS));
    return flags;
  }

  /**
   * Which of {@link #wanted()} to set: those still at their default and writeable. A flag the
   * operator set, or one this VM does not have (another collector's), is left alone.
   */
  static Map<String, String> plan(Map<String, Optional<VMOption>> current) {
    Map<String, String> plan = new LinkedHashMap<>();
    wanted()
        .forEach(
            (name, value) ->
                current
                    .getOrDefault(name, Optional.empty())
                    .filter(VMOption::isWriteable)
                    .filter(option -> option.getOrigin() == VMOption.Origin.DEFAULT)
                    .ifPresent(option -> plan.put(name, value)));
    return plan;
  }

  /** Sets the planned flags on this VM and logs what it did; never fails the start. */
  static void apply() {
    HotSpotDiagnosticMXBean hotspot = hotspot();
    if (hotspot == null) {
      log.info("heap: not a HotSpot VM; its own heap sizing applies");
      return;
    }
    Map<String, Optional<VMOption>> current = new LinkedHashMap<>();
    for (String name : wanted().keySet()) {
      current.put(name, option(hotspot, name));
    }
    List<String> set = new ArrayList<>();
    plan(current)
        .forEach(
            (name, value) -> {
              try {
                hotspot.setVMOption(name, value);
                set.add(name + "=" + value);
              } catch (IllegalArgumentException | SecurityException refused) {
                log.warn("heap: cannot set {} to {}: {}", name, value, refused.getMessage());
              }
            });
    if (!set.isEmpty()) {
      log.info(
          "heap: gives memory back after a collection ({}); set -XX flags to override",
          String.join(", ", set));
    }
  }

  /** Whether a collector's notifications are of an old-generation collection (not a young one). */
  static boolean collectsTheOldGeneration(String collector) {
    return !(collector.contains("Young")
        || collector.contains("Scavenge")
        || collector.contains("Minor")
        || collector.equals("Copy"));
  }

  /** Trims the C library's arenas after each old-generation collection; logs what it did. */
  static void trimAfterCollections() {
    if (!MallocTrim.available()) {
      log.info(
          "native memory: not trimmed after collections: {}",
          MallocTrim.unavailability().orElse(""));
      return;
    }
    List<String> watched = new ArrayList<>();
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter
          && collectsTheOldGeneration(collector.getName())) {
        emitter.addNotificationListener(
            (notification, handback) -> trimRarely(),
            notification ->
                GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType()),
            null);
        watched.add(collector.getName());
      }
    }
    log.info("native memory: malloc_trim after each collection of {}", String.join(", ", watched));
  }

  private static void trimRarely() {
    long now = System.nanoTime();
    long last = lastTrimNanos.get();
    if (now - last >= TRIM_INTERVAL_MILLIS * 1_000_000 && lastTrimNanos.compareAndSet(last, now)) {
      MallocTrim.trim();
    }
  }

  private static HotSpotDiagnosticMXBean hotspot() {
    try {
      return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    } catch (IllegalArgumentException notHotSpot) {
      return null;
    }
  }

  private static Optional<VMOption> option(HotSpotDiagnosticMXBean hotspot, String name) {
    try {
      return Optional.of(hotspot.getVMOption(name));
    } catch (IllegalArgumentException noSuchFlag) {
      return Optional.empty();
    }
  }
}
