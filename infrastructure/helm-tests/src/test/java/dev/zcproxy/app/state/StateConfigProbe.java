package dev.zcproxy.app.state;

import java.util.Map;

/** Lets the chart tests run the state service's own environment parser (package-private). */
public final class StateConfigProbe {

  private StateConfigProbe() {}

  /** The parsed settings as text, or an exception listing every problem, as the service would. */
  public static String parse(Map<String, String> environment) throws Exception {
    StateConfig config = StateConfig.from(environment);
    return "listen="
        + config.listen()
        + " database="
        + config.database()
        + " broker="
        + config.broker()
        + " bootstrapKey="
        + config.bootstrapKey().isPresent();
  }
}
