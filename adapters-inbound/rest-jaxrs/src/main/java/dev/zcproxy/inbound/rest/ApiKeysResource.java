package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.CreateApiKeyCommand;
import dev.zcproxy.domain.port.in.ManageApiKeysUseCase;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.CreatedApiKey;
import dev.zcproxy.domain.state.Permission;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /api/v1/api-keys}, admin only. A key is shown once, in the answer to its creation ({@code
 * key}); afterwards only its id, name, scope and dates. {@code DELETE} revokes it at once; the
 * record stays for the audit trail.
 */
@Path("v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
public final class ApiKeysResource {

  private final ManageApiKeysUseCase keys;
  private final Bodies bodies;

  ApiKeysResource(ManageApiKeysUseCase keys, Bodies bodies) {
    this.keys = keys;
    this.bodies = bodies;
  }

  @GET
  @Requires(Permission.ADMINISTER)
  public Paging.PageBody<Representations.ApiKeyBody> list(
      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
    return Paging.body(keys.apiKeys(Paging.request(limit, cursor)), Representations::apiKey);
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.ADMINISTER)
  public Response create(
      InputStream body, @Context SecurityContext security, @Context UriInfo uri) {
    RequestReader reader =
        bodies.readObject(body).allow(Set.of("name", "scope", "expiresAt"), Set.of());
    Optional<String> name = reader.parsed("name", true, ApiKey::requireName);
    Optional<ApiKeyScope> scope =
        reader.parsed(
            "scope",
            true,
            text ->
                ApiKeyScope.fromWireName(text)
                    .orElseThrow(
                        () -> new IllegalArgumentException("expected admin, read or proxy")));
    Optional<Instant> expiresAt = reader.parsed("expiresAt", false, ApiKeysResource::instant);
    reader.throwIfInvalid();
    CreatedApiKey created =
        Problems.unwrap(
            keys.create(
                new CreateApiKeyCommand(name.orElseThrow(), scope.orElseThrow(), expiresAt),
                Caller.of(security).actor()));
    return Response.created(uri.getAbsolutePathBuilder().path(created.key().id()).build())
        .entity(Representations.apiKey(created.key(), created.token().reveal()))
        .build();
  }

  @GET
  @Path("{id}")
  @Requires(Permission.ADMINISTER)
  public Representations.ApiKeyBody get(@PathParam("id") String id) {
    return keys.apiKey(keyId(id)).map(Representations::apiKey).orElseThrow(ApiKeysResource::noKey);
  }

  @DELETE
  @Path("{id}")
  @Requires(Permission.ADMINISTER)
  public Response revoke(@PathParam("id") String id, @Context SecurityContext security) {
    Problems.unwrap(keys.revoke(keyId(id), Caller.of(security).actor()));
    return Response.noContent().build();
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException invalid) {
      throw new IllegalArgumentException("expected an instant like 2030-01-31T12:00:00Z");
    }
  }

  private static String keyId(String id) {
    try {
      return ApiKeyToken.requireId(id);
    } catch (IllegalArgumentException invalid) {
      throw noKey();
    }
  }

  private static ProblemException noKey() {
    return Problems.notFound("no such API key");
  }
}
