package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import dev.zcproxy.splice.FileDescriptorLimit;
import dev.zcproxy.splice.FileDescriptorLimit.AtHardLimit;
import dev.zcproxy.splice.FileDescriptorLimit.Limits;
import dev.zcproxy.splice.FileDescriptorLimit.NotRaised;
import dev.zcproxy.splice.FileDescriptorLimit.Raised;
import dev.zcproxy.splice.FileDescriptorLimit.Unavailable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFileCapacityTest {

  @TempDir Path directory;

  @Test
  void theStartupLineSaysTheLimitWhereItCameFromAndTheTunnelsItLeavesRoomFor() {
    var raised =
        new OpenFileCapacity(new Raised(1024, new Limits(20_000, 20_000)), OptionalLong.empty());

    assertThat(raised.describe(OptionalLong.of(86)))
        .isEqualTo(
            "file descriptors: limit 20,000 (raised from 1,024, the hard limit), 86 open: about"
                + " 9,907 idle tunnels at 2 descriptors each, 100 kept for the process");
    assertThat(raised.worrying()).isFalse();
  }

  @Test
  void aLimitAlreadyAtTheHardLimitIsSaidSo() {
    var at = new OpenFileCapacity(new AtHardLimit(new Limits(4096, 4096)), OptionalLong.empty());

    assertThat(at.describe(OptionalLong.of(96)))
        .isEqualTo(
            "file descriptors: limit 4,096 (the hard limit), 96 open: about 1,950 idle tunnels at"
                + " 2 descriptors each, 100 kept for the process");
  }

  @Test
  void aRefusedRaiseIsAWarningWithTheReason() {
    var refused =
        new OpenFileCapacity(
            new NotRaised(new Limits(1024, 4096), "setrlimit(...) failed: EPERM"),
            OptionalLong.empty());

    assertThat(refused.worrying()).isTrue();
    assertThat(refused.describe(OptionalLong.of(1000)))
        .startsWith(
            "file descriptors: limit 1,024 (not raised to the hard limit 4,096: setrlimit(...)"
                + " failed: EPERM), 1,000 open: about 0 idle tunnels");
  }

  @Test
  void withoutFfmTheJvmsViewOfTheLimitStands() {
    var elsewhere =
        new OpenFileCapacity(
            new Unavailable("raising RLIMIT_NOFILE needs Linux, and this is Mac OS X"),
            OptionalLong.of(10_240));

    assertThat(elsewhere.worrying()).isTrue();
    assertThat(elsewhere.limit()).hasValue(10_240);
    assertThat(elsewhere.describe(OptionalLong.of(40)))
        .startsWith(
            "file descriptors: limit 10,240 (raising RLIMIT_NOFILE needs Linux, and this is Mac OS"
                + " X), 40 open: about 5,050 idle tunnels");
    assertThat(
            new OpenFileCapacity(new Unavailable("no FFM"), OptionalLong.empty())
                .describe(OptionalLong.empty()))
        .isEqualTo("file descriptors: limit unknown (no FFM)");
  }

  @Test
  void anUnlimitedLimitCountsNoTunnels() {
    long unlimited = FileDescriptorLimit.UNLIMITED;
    var at =
        new OpenFileCapacity(new AtHardLimit(new Limits(unlimited, unlimited)), OptionalLong.of(1));

    assertThat(at.describe(OptionalLong.of(50)))
        .isEqualTo("file descriptors: limit unlimited (the hard limit), 50 open");
  }

  @Test
  void noMinimumNoShortfall() throws Exception {
    var low = new OpenFileCapacity(new AtHardLimit(new Limits(256, 256)), OptionalLong.empty());

    assertThat(low.shortfall(config(""))).isNull();
  }

  @Test
  void aMinimumTheHardLimitMeetsPasses() throws Exception {
    var raised =
        new OpenFileCapacity(new Raised(1024, new Limits(4096, 4096)), OptionalLong.empty());

    assertThat(raised.shortfall(config("limits: { minOpenFiles: 4096 }"))).isNull();
  }

  @Test
  void aMinimumAboveTheHardLimitNamesTheKeyTheHardLimitAndHowToRaiseIt() throws Exception {
    var raised =
        new OpenFileCapacity(new Raised(1024, new Limits(20_000, 20_000)), OptionalLong.empty());

    assertThat(raised.shortfall(config("limits: { minOpenFiles: 200000 }")))
        .startsWith(
            "config key 'limits.minOpenFiles': needs an open-file limit of at least 200,000, but"
                + " the hard limit of this process is 20,000.")
        .contains("LimitNOFILE=", "--ulimit nofile=", "Kubernetes node");
  }

  @Test
  void aMinimumFromTheEnvironmentNamesTheVariable() throws Exception {
    var at = new OpenFileCapacity(new AtHardLimit(new Limits(4096, 4096)), OptionalLong.empty());

    ProxyConfig config =
        new ProxyConfigLoader(Map.of("ZCPROXY_LIMITS_MIN_OPEN_FILES", "8192"), directory)
            .load(file(""));

    assertThat(at.shortfall(config))
        .startsWith(
            "config key 'limits.minOpenFiles' (from ZCPROXY_LIMITS_MIN_OPEN_FILES): needs an"
                + " open-file limit of at least 8,192, but the hard limit of this process is"
                + " 4,096.");
  }

  @Test
  void aLimitThatCannotBeReadFailsAMinimum() throws Exception {
    var unknown = new OpenFileCapacity(new Unavailable("no FFM here"), OptionalLong.empty());

    assertThat(unknown.shortfall(config("limits: { minOpenFiles: 10 }")))
        .contains("the limit cannot be read (no FFM here)");
  }

  @Test
  void aRefusedRaiseSaysBothLimits() throws Exception {
    var refused =
        new OpenFileCapacity(
            new NotRaised(new Limits(1024, 4096), "setrlimit failed: EPERM"), OptionalLong.empty());

    assertThat(refused.shortfall(config("limits: { minOpenFiles: 2048 }")))
        .contains(
            "but the limit is 1,024 and could not be raised to the hard limit 4,096"
                + " (setrlimit failed: EPERM)");
  }

  private ProxyConfig config(String limits) throws Exception {
    return new ProxyConfigLoader(Map.of(), directory).load(file(limits));
  }

  private Path file(String extra) throws Exception {
    return Files.writeString(
        directory.resolve("zcproxy.yaml"), "policy: { file: policy.yaml }\n" + extra + "\n");
  }
}
