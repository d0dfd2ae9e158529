package dev.zcproxy.outbound.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code squid} lines, as the writer puts them in a file, read by a Squid log parser that
 * others wrote: Debian's {@code calamaris} (Perl), in its {@code -f squid} mode, which rejects a
 * line unless it splits into exactly Squid's ten native fields with a {@code seconds.millis} time.
 */
class SquidLinesCalamarisTest {
  private static final Path CALAMARIS = Path.of("/usr/bin/calamaris");

  @TempDir Path dir;

  @Test
  void calamaris_parses_every_line_and_counts_its_requests_and_bytes() throws Exception {
    assertThat(CALAMARIS).as("Debian's calamaris is installed on the build machines").exists();
    Path file = dir.resolve("access.log");
    try (AsyncAccessLog log =
        AsyncAccessLog.toFile(file, AccessLogFormat.SQUID, 100, new SimpleMeterRegistry())) {
      Records.everyKind().forEach(log::log);
    }
    int lines = Files.readAllLines(file).size();
    assertThat(lines).isEqualTo(Records.everyKind().size());

    String report = calamaris(file);

    assertThat(number(report, "lines parsed:\\s+lines\\s+(\\d+)")).isEqualTo(lines);
    assertThat(number(report, "invalid lines:\\s+lines\\s+(\\d+)")).isZero();
    assertThat(number(report, "Total amount:\\s+requests\\s+(\\d+)")).isEqualTo(lines);
    long bytes = Records.everyKind().stream().mapToLong(r -> r.bytesDown()).sum();
    assertThat(number(report, "Total Bandwidth:\\s+Byte\\s+(\\d+)")).isEqualTo(bytes);
    assertThat(report).contains("TCP_TUNNEL").contains("TCP_DENIED").contains("UDP_ASSOCIATE");
  }

  @Test
  void calamaris_refuses_a_line_that_is_not_squids_so_the_check_means_something() throws Exception {
    Path file = dir.resolve("mixed.log");
    Files.writeString(
        file,
        AccessLogFormat.SQUID.format(Records.socks5Tunnel())
            + "\n"
            + AccessLogFormat.JSON.format(Records.socks5Tunnel())
            + "\n");

    String report = calamaris(file);

    assertThat(number(report, "lines parsed:\\s+lines\\s+(\\d+)")).isEqualTo(1);
    assertThat(number(report, "invalid lines:\\s+lines\\s+(\\d+)")).isEqualTo(1);
  }

  static String calamaris(Path log) throws Exception {
    Process process =
        new ProcessBuilder(CALAMARIS.toString(), "-a", "-f", "squid", "-n")
            .redirectInput(log.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }

  private static long number(String report, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(report);
    assertThat(matcher.find()).as("%s in%n%s", regex, report).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
