package dev.zcproxy.splice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.splice.FileDescriptorLimit.AtHardLimit;
import dev.zcproxy.splice.FileDescriptorLimit.Limits;
import dev.zcproxy.splice.FileDescriptorLimit.Raised;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * getrlimit and setrlimit on this test JVM: the soft limit is lowered first (anyone may lower it),
 * then raised back by the class under test. The kernel's own view, {@code /proc/self/limits}, is
 * the judge.
 */
class FileDescriptorLimitTest {

  private final long[] original = readLimits();

  @AfterEach
  void restore() {
    assertThat(FileDescriptorLimit.Rlimit.set(original[0], original[1])).isZero();
  }

  @Test
  void raisesTheSoftLimitToTheHardLimit() throws IOException {
    long hard = original[1];
    long lowered = Math.min(hard - 1, 4096);
    assertThat(FileDescriptorLimit.Rlimit.set(lowered, hard)).isZero();
    assertThat(kernelSoftAndHard()).containsExactly(lowered, hard);

    FileDescriptorLimit.Outcome outcome = FileDescriptorLimit.raiseSoftToHard();

    assertThat(outcome).isEqualTo(new Raised(lowered, new Limits(hard, hard)));
    assertThat(kernelSoftAndHard()).containsExactly(hard, hard);
  }

  @Test
  void atTheHardLimitAlreadyNothingChanges() throws IOException {
    FileDescriptorLimit.raiseSoftToHard();

    assertThat(FileDescriptorLimit.raiseSoftToHard())
        .isEqualTo(new AtHardLimit(new Limits(original[1], original[1])));
    assertThat(kernelSoftAndHard()).containsExactly(original[1], original[1]);
  }

  @Test
  void readsWhatTheKernelSays() throws IOException {
    assertThat(original).containsExactly(kernelSoftAndHard());
  }

  @Test
  void unlimitedIsSaidInWords() {
    assertThat(FileDescriptorLimit.describe(FileDescriptorLimit.UNLIMITED)).isEqualTo("unlimited");
    assertThat(FileDescriptorLimit.describe(20_000)).isEqualTo("20000");
  }

  @Test
  void aSoftLimitAboveTheHardLimitIsNoLimits() {
    assertThatThrownBy(() -> new Limits(2, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(-1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static long[] readLimits() {
    long[] limits = new long[2];
    assertThat(FileDescriptorLimit.Rlimit.get(limits)).isZero();
    return limits;
  }

  /** The "Max open files" line of {@code /proc/self/limits}: soft, then hard. */
  private static long[] kernelSoftAndHard() throws IOException {
    String line =
        Files.readAllLines(Path.of("/proc/self/limits")).stream()
            .filter(l -> l.startsWith("Max open files"))
            .findFirst()
            .orElseThrow();
    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
    return new long[] {parse(fields[0]), parse(fields[1])};
  }

  private static long parse(String field) {
    return field.equals("unlimited") ? FileDescriptorLimit.UNLIMITED : Long.parseLong(field);
  }
}
