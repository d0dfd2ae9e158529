package dev.zcproxy.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a child process's stdout and stderr line by line: in memory for the assertions, and in a
 * file under {@code target/} for whoever debugs a failure. Each stream is drained by its own
 * virtual thread, so the child never blocks on a full pipe.
 */
final class ProcessOutput {

  private final List<String> combined = new ArrayList<>();
  private final StringBuilder stderr = new StringBuilder();
  private final Writer file;
  private final List<Thread> pumps = new ArrayList<>();

  ProcessOutput(Path logFile) {
    try {
      Files.createDirectories(logFile.getParent());
      this.file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + logFile, e);
    }
  }

  void drain(Process process) {
    pumps.add(pump(process.getInputStream(), false));
    pumps.add(pump(process.getErrorStream(), true));
  }

  private Thread pump(InputStream stream, boolean isStderr) {
    return Thread.ofVirtual()
        .name(isStderr ? "stderr-pump" : "stdout-pump")
        .start(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                  append(line, isStderr);
                }
              } catch (IOException e) {
                // The pipe closes when the process dies; whatever was read is already kept.
                append("[it-tests] output pump stopped: " + e.getMessage(), isStderr);
              }
            });
  }

  private synchronized void append(String line, boolean isStderr) {
    combined.add(line);
    if (isStderr) {
      stderr.append(line).append('\n');
    }
    try {
      file.write(line);
      file.write('\n');
      file.flush();
    } catch (IOException e) {
      // The in-memory copy is the one the assertions use; a full disk must not fail the test.
    }
  }

  /** Waits until both streams reached end of file (the process has exited). */
  void awaitEndOfStreams(Duration timeout) throws InterruptedException {
    for (Thread pump : pumps) {
      if (!pump.join(timeout)) {
        throw new IllegalStateException("the output of the proxy did not end within " + timeout);
      }
    }
    synchronized (this) {
      try {
        file.close();
      } catch (IOException e) {
        // See append: the file is only a debugging aid.
      }
    }
  }

  synchronized List<String> lines() {
    return List.copyOf(combined);
  }

  synchronized String all() {
    return String.join("\n", combined);
  }

  synchronized String stderr() {
    return stderr.toString();
  }
}
