package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.ReadAuditLogUseCase;
import dev.zcproxy.domain.state.Permission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.OptionalLong;

/** {@code /api/v1/audit}: who changed what through which API key, newest first. Admin only. */
@Path("v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public final class AuditResource {

  private final ReadAuditLogUseCase audit;

  AuditResource(ReadAuditLogUseCase audit) {
    this.audit = audit;
  }

  @GET
  @Requires(Permission.ADMINISTER)
  public Paging.PageBody<Representations.AuditBody> list(
      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
    long before = Paging.numericAfter(cursor, -1);
    return Paging.body(
        audit.entries(
            before < 0 ? OptionalLong.empty() : OptionalLong.of(before), Paging.limit(limit)),
        Representations::audit);
  }
}
