package dev.zcproxy.inbound.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.ext.ContextResolver;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * The JAX-RS application, wired by hand: resources and providers are instances built here from the
 * use cases, with no scanning and no container-managed injection of our own classes.
 */
final class StateApiApplication extends ResourceConfig {

  /**
   * Jersey warns that a resource registered as an instance "implements no provider interface and
   * will be ignored", then serves it all the same (it checks provider contracts before it knows the
   * instance is a resource). Held here because java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger FALSE_ALARMS =
      java.util.logging.Logger.getLogger("org.glassfish.jersey.internal.inject.Providers");

  static {
    FALSE_ALARMS.setLevel(java.util.logging.Level.SEVERE);
  }

  StateApiApplication(StateApi api, int maxBodyBytes, MeterRegistry registry) {
    ObjectMapper mapper = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    Bodies bodies = new Bodies(mapper, maxBodyBytes);

    register(JacksonFeature.withoutExceptionMappers());
    register((ContextResolver<ObjectMapper>) type -> mapper);

    register(new RequestMetricsFilter(registry));
    register(new RequestGuardFilter(maxBodyBytes));
    register(new ApiKeyFilter(api.authenticate()));
    register(new ScopeFilter());
    register(new ResponseHeadersFilter());

    register(new ProblemExceptionMapper());
    register(new WebApplicationExceptionMapper());
    register(new StoreUnavailableMapper());
    register(new UnexpectedExceptionMapper());

    register(new UsersResource(api.users(), bodies));
    register(new GroupsResource(api.users()));
    register(new RulesResource(api.acl(), bodies));
    register(new PolicyResource(api.snapshots(), api.acl(), api.signingKey(), bodies));
    register(new ApiKeysResource(api.apiKeys(), bodies));
    register(new AuditResource(api.audit()));
    register(new OpenApiResource());

    property(ServerProperties.WADL_FEATURE_DISABLE, true);
    property(ServerProperties.BV_FEATURE_DISABLE, true);
    // Our problem documents are the answer; the servlet container must not replace them.
    property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
  }
}
