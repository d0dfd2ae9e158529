package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.ManageUsersUseCase;
import dev.zcproxy.domain.state.Permission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /api/v1/groups}, read-only: a group exists by being named in users' {@code groups}, as in
 * the policy file, so it is changed through its members.
 */
@Path("v1/groups")
@Produces(MediaType.APPLICATION_JSON)
public final class GroupsResource {

  private final ManageUsersUseCase users;

  GroupsResource(ManageUsersUseCase users) {
    this.users = users;
  }

  @GET
  @Requires(Permission.READ_POLICY)
  public Paging.PageBody<Representations.GroupBody> list(
      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
    return Paging.body(users.groups(Paging.request(limit, cursor)), Representations::group);
  }

  @GET
  @Path("{name}")
  @Requires(Permission.READ_POLICY)
  public Representations.GroupBody get(@PathParam("name") String name) {
    return users
        .group(name)
        .map(Representations::group)
        .orElseThrow(() -> Problems.notFound("no user is in that group"));
  }
}
