package dev.zcproxy.helm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/node/validate.mjs under node: kubernetes-models and the prometheus-operator models
 * (ajv), installed with {@code npm ci} from the committed lock file into target/node-validate.
 */
final class NodeValidator {

  static final ObjectMapper JSON = new ObjectMapper();
  private static Path installed;

  private NodeValidator() {}

  static synchronized Path install() {
    if (installed != null) {
      return installed;
    }
    Path source = Path.of(System.getProperty("zcproxy.node.src"));
    Path dir = RenderedChart.workDir().getParent().resolve("node-validate");
    try {
      Files.createDirectories(dir);
      boolean lockChanged =
          !Files.exists(dir.resolve("package-lock.json"))
              || Files.mismatch(
                      source.resolve("package-lock.json"), dir.resolve("package-lock.json"))
                  != -1;
      for (String file :
          List.of("package.json", "package-lock.json", "validate.mjs", "nad-schema.json")) {
        Files.copy(source.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      }
      if (lockChanged || !Files.isDirectory(dir.resolve("node_modules"))) {
        run(
            dir,
            List.of(
                "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    installed = dir;
    return dir;
  }

  /** One result per object, in order: {index, ok, by | error}. */
  static List<Map<String, Object>> validate(List<Map<String, Object>> objects) {
    Path dir = install();
    try {
      Path input = Files.createTempFile(dir, "objects-", ".json");
      JSON.writeValue(input.toFile(), objects);
      String out = run(dir, List.of("node", "validate.mjs", input.toString()));
      Files.delete(input);
      return JSON.readValue(out, new TypeReference<>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String run(Path dir, List<String> command) {
    try {
      Path log = Files.createTempFile(dir, "stderr-", ".log");
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      String out = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in 5 minutes");
      }
      String err = Files.readString(log);
      Files.delete(log);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " exited " + process.exitValue() + ":\n" + err);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
