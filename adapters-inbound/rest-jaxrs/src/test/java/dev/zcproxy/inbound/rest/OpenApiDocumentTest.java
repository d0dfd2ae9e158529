package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document and the resources describe the same API: every operation in the document
 * exists, every resource method is documented, and every one declares who may call it.
 */
class OpenApiDocumentTest {

  private static final List<Class<?>> RESOURCES =
      List.of(
          UsersResource.class,
          GroupsResource.class,
          RulesResource.class,
          PolicyResource.class,
          ApiKeysResource.class,
          AuditResource.class,
          OpenApiResource.class);

  @Test
  void theDocumentListsExactlyTheResourceMethods() throws IOException {
    assertThat(documented()).isEqualTo(implemented());
  }

  @Test
  void everyResourceMethodSaysWhoMayCallIt() {
    for (Class<?> resource : RESOURCES) {
      for (Method method : resource.getDeclaredMethods()) {
        if (httpMethod(method) != null) {
          assertThat(
                  method.isAnnotationPresent(Requires.class)
                      || method.isAnnotationPresent(Public.class))
              .as("%s.%s declares @Requires or @Public", resource.getSimpleName(), method.getName())
              .isTrue();
        }
      }
    }
  }

  @Test
  void everyOperationNamesItsProblems() throws IOException {
    JsonNode paths = document().get("paths");
    paths
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        operation -> {
                          if (!operation.getKey().equals("parameters")
                              && !path.getKey().equals("/api/openapi.json")) {
                            assertThat(operation.getValue().get("responses").has("401"))
                                .as("%s %s documents 401", operation.getKey(), path.getKey())
                                .isTrue();
                          }
                        }));
  }

  private static Set<String> implemented() {
    var operations = new TreeSet<String>();
    for (Class<?> resource : RESOURCES) {
      String base = "/api/" + resource.getAnnotation(Path.class).value();
      for (Method method : resource.getDeclaredMethods()) {
        String verb = httpMethod(method);
        if (verb != null) {
          Path sub = method.getAnnotation(Path.class);
          operations.add(verb + " " + base + (sub == null ? "" : "/" + sub.value()));
        }
      }
    }
    return operations;
  }

  private static Set<String> documented() throws IOException {
    var operations = new TreeSet<String>();
    document()
        .get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        operation -> {
                          if (!operation.getKey().equals("parameters")) {
                            operations.add(
                                operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                          }
                        }));
    return operations;
  }

  private static String httpMethod(Method method) {
    return Arrays.stream(method.getAnnotations())
        .map(annotation -> annotation.annotationType().getAnnotation(HttpMethod.class))
        .filter(Objects::nonNull)
        .map(HttpMethod::value)
        .findFirst()
        .orElse(null);
  }

  private static JsonNode document() throws IOException {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(OpenApiResource.DOCUMENT)) {
      return new ObjectMapper().readTree(in);
    }
  }
}
