package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteUserCommand;
import dev.zcproxy.domain.port.in.ManageUsersUseCase;
import dev.zcproxy.domain.port.in.Passwords;
import dev.zcproxy.domain.port.in.ReplaceUserCommand;
import dev.zcproxy.domain.state.Permission;
import dev.zcproxy.domain.state.StoredUser;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /api/v1/users}: {@code {name, password, groups, enabled}}. The password is write-only:
 * hashed with PBKDF2 on the way in and never returned. A replace without one keeps the stored hash.
 */
@Path("v1/users")
@Produces(MediaType.APPLICATION_JSON)
public final class UsersResource {

  private static final Set<String> CREATE_FIELDS = Set.of("name", "password", "groups", "enabled");
  private static final Set<String> REPLACE_FIELDS = CREATE_FIELDS;
  private static final Set<String> READ_ONLY = Set.of("version");

  private final ManageUsersUseCase users;
  private final Bodies bodies;

  UsersResource(ManageUsersUseCase users, Bodies bodies) {
    this.users = users;
    this.bodies = bodies;
  }

  @GET
  @Requires(Permission.READ_POLICY)
  public Paging.PageBody<Representations.UserBody> list(
      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
    return Paging.body(users.users(Paging.request(limit, cursor)), Representations::user);
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response create(
      InputStream body, @Context SecurityContext security, @Context UriInfo uri) {
    RequestReader reader = bodies.readObject(body).allow(CREATE_FIELDS, Set.of());
    Optional<String> name = reader.parsed("name", true, n -> User.requireName(n, "user"));
    Optional<String> password = reader.parsed("password", true, Passwords::require);
    Set<String> groups = groups(reader);
    boolean enabled = reader.bool("enabled", true);
    reader.throwIfInvalid();
    StoredUser created =
        Problems.unwrap(
            users.create(
                new CreateUserCommand(name.orElseThrow(), password.orElseThrow(), groups, enabled),
                Caller.of(security).actor()));
    return Response.created(uri.getAbsolutePathBuilder().path(created.name()).build())
        .tag(new EntityTag(Long.toString(created.version())))
        .entity(Representations.user(created))
        .build();
  }

  @GET
  @Path("{name}")
  @Requires(Permission.READ_POLICY)
  public Response get(@PathParam("name") String name) {
    StoredUser user = users.user(userName(name)).orElseThrow(() -> noUser(name));
    return Responses.ok(Representations.user(user), user.version());
  }

  @PUT
  @Path("{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response replace(
      @PathParam("name") String name,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body,
      @Context SecurityContext security) {
    String userName = userName(name);
    var expected = Etags.requireIfMatch(ifMatch);
    RequestReader reader = bodies.readObject(body).allow(REPLACE_FIELDS, READ_ONLY);
    reader
        .text("name", false)
        .filter(given -> !given.equals(userName))
        .ifPresent(given -> reader.problem("name", "a user cannot be renamed; it is " + userName));
    Optional<String> password = reader.parsed("password", false, Passwords::require);
    Set<String> groups = groups(reader);
    boolean enabled = reader.bool("enabled", true);
    reader.throwIfInvalid();
    StoredUser replaced =
        Problems.unwrap(
            users.replace(
                new ReplaceUserCommand(userName, password, groups, enabled, expected),
                Caller.of(security).actor()));
    return Responses.ok(Representations.user(replaced), replaced.version());
  }

  @DELETE
  @Path("{name}")
  @Requires(Permission.WRITE_POLICY)
  public Response delete(
      @PathParam("name") String name,
      @HeaderParam("If-Match") String ifMatch,
      @Context SecurityContext security) {
    String userName = userName(name);
    var expected = Etags.requireIfMatch(ifMatch);
    Problems.unwrap(
        users.delete(new DeleteUserCommand(userName, expected), Caller.of(security).actor()));
    return Response.noContent().build();
  }

  private static Set<String> groups(RequestReader reader) {
    return new HashSet<>(
        reader.list("groups", false, reader.strings(group -> User.requireName(group, "group"))));
  }

  /** A name no user can have is a user that does not exist. */
  private static String userName(String name) {
    try {
      return User.requireName(name, "user");
    } catch (IllegalArgumentException invalid) {
      throw noUser(name);
    }
  }

  private static ProblemException noUser(String name) {
    return Problems.notFound("no such user");
  }
}
