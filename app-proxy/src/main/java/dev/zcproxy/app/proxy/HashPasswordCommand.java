package dev.zcproxy.app.proxy;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code hash-password}: prints the {@code $pbkdf2-sha256$...} hash of a password for a policy
 * file. The password never appears on the command line (where {@code ps} and shell history would
 * see it): it is typed without echo, twice, at a terminal, or read as the first line of stdin.
 */
final class HashPasswordCommand {

  private final Console terminal;
  private final InputStream stdin;
  private final PrintStream out;
  private final PrintStream err;

  /**
   * @param terminal the console when stdin is an interactive terminal, else {@code null}
   */
  HashPasswordCommand(Console terminal, InputStream stdin, PrintStream out, PrintStream err) {
    this.terminal = terminal;
    this.stdin = stdin;
    this.out = out;
    this.err = err;
  }

  int run() {
    char[] password = terminal != null ? fromTerminal() : fromStdin();
    if (password == null) {
      return Main.EXIT_USAGE;
    }
    try {
      if (password.length == 0) {
        err.println("hash-password: the password is empty");
        return Main.EXIT_USAGE;
      }
      out.println(new Pbkdf2PasswordHasher().hash(new String(password)));
      return Main.EXIT_OK;
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  private char[] fromTerminal() {
    char[] first = terminal.readPassword("Password: ");
    char[] second = first == null ? null : terminal.readPassword("Repeat it: ");
    if (first == null || second == null) {
      err.println("hash-password: no password read");
      return null;
    }
    boolean same = Arrays.equals(first, second);
    Arrays.fill(second, '\0');
    if (!same) {
      Arrays.fill(first, '\0');
      err.println("hash-password: the passwords differ");
      return null;
    }
    return first;
  }

  private char[] fromStdin() {
    try {
      var reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
      String line = reader.readLine();
      if (line == null) {
        err.println("hash-password: no password on stdin");
        return null;
      }
      return line.toCharArray();
    } catch (IOException unreadable) {
      err.println("hash-password: cannot read stdin: " + unreadable.getMessage());
      return null;
    }
  }
}
