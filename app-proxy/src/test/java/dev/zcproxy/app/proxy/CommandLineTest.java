package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void readsTheConfigFileInBothSpellings() {
    assertThat(CommandLine.parse("--config", "a.yaml"))
        .isEqualTo(new CommandLine.Serve(Path.of("a.yaml")));
    assertThat(CommandLine.parse("--config=a.yaml"))
        .isEqualTo(new CommandLine.Serve(Path.of("a.yaml")));
  }

  @Test
  void helpAndVersionWinOverEverythingElse() {
    assertThat(CommandLine.parse("--config", "a.yaml", "--help")).isEqualTo(new CommandLine.Help());
    assertThat(CommandLine.parse("-h")).isEqualTo(new CommandLine.Help());
    assertThat(CommandLine.parse("--version")).isEqualTo(new CommandLine.Version());
  }

  @Test
  void hashPasswordTakesNoArguments() {
    assertThat(CommandLine.parse("hash-password")).isEqualTo(new CommandLine.HashPassword());
    assertThat(CommandLine.parse("hash-password", "secret"))
        .isEqualTo(
            new CommandLine.Invalid(
                "hash-password takes no arguments: it reads the password from stdin"));
  }

  @Test
  void refusesWhatItDoesNotKnow() {
    assertThat(CommandLine.parse()).isEqualTo(new CommandLine.Invalid("missing --config FILE"));
    assertThat(CommandLine.parse("--config"))
        .isEqualTo(new CommandLine.Invalid("--config needs a FILE"));
    assertThat(CommandLine.parse("--config="))
        .isEqualTo(new CommandLine.Invalid("--config needs a FILE"));
    assertThat(CommandLine.parse("--config", "a", "--config", "b"))
        .isEqualTo(new CommandLine.Invalid("--config given more than once"));
    assertThat(CommandLine.parse("--verbose"))
        .isEqualTo(new CommandLine.Invalid("unknown argument '--verbose'"));
  }
}
