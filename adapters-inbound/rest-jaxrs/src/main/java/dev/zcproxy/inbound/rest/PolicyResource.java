package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.ManageAclUseCase;
import dev.zcproxy.domain.port.in.ReadPolicySnapshotUseCase;
import dev.zcproxy.domain.port.in.ReadPolicyVerificationKeyUseCase;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.state.Permission;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.PolicyVerificationKey;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.InputStream;
import java.util.Set;

/**
 * {@code /api/v1/policy}: the whole policy as of one revision ({@code snapshot}, what proxies
 * load), the public key that published changes are signed with ({@code signing-key}), and the
 * policy-wide settings.
 */
@Path("v1/policy")
@Produces(MediaType.APPLICATION_JSON)
public final class PolicyResource {

  private final ReadPolicySnapshotUseCase snapshots;
  private final ManageAclUseCase acl;
  private final ReadPolicyVerificationKeyUseCase signingKey;
  private final Bodies bodies;

  PolicyResource(
      ReadPolicySnapshotUseCase snapshots,
      ManageAclUseCase acl,
      ReadPolicyVerificationKeyUseCase signingKey,
      Bodies bodies) {
    this.snapshots = snapshots;
    this.acl = acl;
    this.signingKey = signingKey;
    this.bodies = bodies;
  }

  /**
   * The policy and its revision, read in one consistent view; {@code ETag} is the revision, and
   * {@code If-None-Match} with it answers 304 when nothing changed. Password hashes are included
   * only for {@code proxy} keys.
   */
  @GET
  @Path("snapshot")
  @Requires(Permission.READ_SNAPSHOT)
  public Response snapshot(
      @HeaderParam("If-None-Match") String ifNoneMatch, @Context SecurityContext security) {
    PolicyRevision snapshot = snapshots.snapshot();
    EntityTag tag = new EntityTag(Long.toString(snapshot.revision()));
    if (Etags.noneMatchHits(ifNoneMatch, snapshot.revision())) {
      return Response.notModified(tag).build();
    }
    boolean withHashes = Caller.of(security).may(Permission.READ_PASSWORD_HASHES);
    return Response.ok(Representations.snapshot(snapshot, withHashes)).tag(tag).build();
  }

  /**
   * The Ed25519 public key every published change is signed with: a proxy loads it with the
   * snapshot and rejects broker messages that do not verify. It never changes while the service
   * runs, so it may be cached.
   */
  @GET
  @Path("signing-key")
  @Requires(Permission.READ_SNAPSHOT)
  public Response signingKey() {
    PolicyVerificationKey key = signingKey.verificationKey();
    return Response.ok(Representations.signingKey(key)).build();
  }

  @GET
  @Path("settings")
  @Requires(Permission.READ_POLICY)
  public Response settings() {
    PolicySettings settings = acl.settings();
    return Responses.ok(Representations.settings(settings), settings.version());
  }

  @PUT
  @Path("settings")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Permission.WRITE_POLICY)
  public Response updateSettings(
      @HeaderParam("If-Match") String ifMatch,
      InputStream body,
      @Context SecurityContext security) {
    var expected = Etags.requireIfMatch(ifMatch);
    RequestReader reader = bodies.readObject(body).allow(Set.of("anonymous"), Set.of("version"));
    boolean anonymous = reader.bool("anonymous", false);
    reader.throwIfInvalid();
    PolicySettings updated =
        Problems.unwrap(
            acl.updateSettings(
                new UpdateSettingsCommand(anonymous, expected), Caller.of(security).actor()));
    return Responses.ok(Representations.settings(updated), updated.version());
  }
}
