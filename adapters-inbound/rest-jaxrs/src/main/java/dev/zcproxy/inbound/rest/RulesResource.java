package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.DeleteRuleCommand;
import dev.zcproxy.domain.port.in.ManageAclUseCase;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceRuleCommand;
import dev.zcproxy.domain.state.Permission;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
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
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code /api/v1/rules}, in order: first match wins. A rule's place changes only through {@code
 * POST /rules/{id}/move {"position": n}}; a replace keeps it. {@code id}, {@code position} and
 * {@code version} are read-only in a replace body (accepted so that what was read can be sent
 * back).
 */
@Path("v1/rules")
@Produces(MediaType.APPLICATION_JSON)
public final class RulesResource {

  private static final Set<String> CREATE_FIELDS = with(RuleInput.FIELDS, "position");
  private static final Set<String> READ_ONLY = Set.of("id", "position", "version");

  private final ManageAclUseCase acl;
  private final Bodies bodies;

  RulesResource(ManageAclUseCase acl, Bodies bodies) {
    this.acl = acl;
    this.bodies = bodies;
  }

  @GET
  @Requires(Permission.READ_POLICY)
  public Paging.PageBody<Representations.RuleBody> list(
      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
    int after = (int) Math.min(Integer.MAX_VALUE, Paging.numericAfter(cursor, 0));
    return Paging.body(acl.rules(after, Paging.limit(limit)), Representations::rule);
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response create(
      InputStream body, @Context SecurityContext security, @Context UriInfo uri) {
    RequestReader reader = bodies.readObject(body).allow(CREATE_FIELDS, Set.of());
    var rule = RuleInput.read(reader);
    OptionalInt position = reader.integer("position", false);
    if (position.isPresent() && position.getAsInt() < 1) {
      reader.problem("position", "must be 1 or more");
    }
    reader.throwIfInvalid();
    StoredRule created =
        Problems.unwrap(
            acl.create(
                new CreateRuleCommand(rule.orElseThrow(), position), Caller.of(security).actor()));
    return Response.created(uri.getAbsolutePathBuilder().path(created.id().toString()).build())
        .tag(new EntityTag(Long.toString(created.version())))
        .entity(Representations.rule(created))
        .build();
  }

  @GET
  @Path("{id}")
  @Requires(Permission.READ_POLICY)
  public Response get(@PathParam("id") String id) {
    StoredRule rule = acl.rule(ruleId(id)).orElseThrow(RulesResource::noRule);
    return Responses.ok(Representations.rule(rule), rule.version());
  }

  @PUT
  @Path("{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response replace(
      @PathParam("id") String id,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body,
      @Context SecurityContext security) {
    RuleId ruleId = ruleId(id);
    var expected = Etags.requireIfMatch(ifMatch);
    RequestReader reader = bodies.readObject(body).allow(RuleInput.FIELDS, READ_ONLY);
    var rule = RuleInput.read(reader);
    reader.throwIfInvalid();
    AclRule content = rule.orElseThrow();
    StoredRule replaced =
        Problems.unwrap(
            acl.replace(
                new ReplaceRuleCommand(ruleId, content, expected), Caller.of(security).actor()));
    return Responses.ok(Representations.rule(replaced), replaced.version());
  }

  @POST
  @Path("{id}/move")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response move(
      @PathParam("id") String id,
      @HeaderParam("If-Match") String ifMatch,
      InputStream body,
      @Context SecurityContext security) {
    RuleId ruleId = ruleId(id);
    var expected = Etags.requireIfMatch(ifMatch);
    RequestReader reader = bodies.readObject(body).allow(Set.of("position"), Set.of());
    OptionalInt position = reader.integer("position", true);
    if (position.isPresent() && position.getAsInt() < 1) {
      reader.problem("position", "must be 1 or more");
    }
    reader.throwIfInvalid();
    StoredRule moved =
        Problems.unwrap(
            acl.move(
                new MoveRuleCommand(ruleId, position.getAsInt(), expected),
                Caller.of(security).actor()));
    return Responses.ok(Representations.rule(moved), moved.version());
  }

  @DELETE
  @Path("{id}")
  @Requires(Permission.WRITE_POLICY)
  public Response delete(
      @PathParam("id") String id,
      @HeaderParam("If-Match") String ifMatch,
      @Context SecurityContext security) {
    RuleId ruleId = ruleId(id);
    var expected = Etags.requireIfMatch(ifMatch);
    Problems.unwrap(
        acl.delete(new DeleteRuleCommand(ruleId, expected), Caller.of(security).actor()));
    return Response.noContent().build();
  }

  private static RuleId ruleId(String id) {
    try {
      return RuleId.parse(id);
    } catch (IllegalArgumentException invalid) {
      throw noRule();
    }
  }

  private static ProblemException noRule() {
    return Problems.notFound("no such rule");
  }

  private static Set<String> with(Set<String> fields, String extra) {
    var all = new HashSet<>(fields);
    all.add(extra);
    return Set.copyOf(all);
  }
}
