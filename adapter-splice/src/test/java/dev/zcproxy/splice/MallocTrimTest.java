package dev.zcproxy.splice;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MallocTrimTest {

  @Test
  void freed_native_memory_is_given_back_to_the_system() {
    assertThat(MallocTrim.available()).as("glibc on this machine").isTrue();
    // 64 MiB in blocks below glibc's mmap threshold: they live in an arena, and stay there freed.
    try (Arena arena = Arena.ofConfined()) {
      List<MemorySegment> blocks = new ArrayList<>();
      for (int i = 0; i < 2048; i++) {
        blocks.add(arena.allocate(32 * 1024).fill((byte) 1));
      }
    }

    assertThat(MallocTrim.trim()).as("memory was released").isTrue();
  }
}
