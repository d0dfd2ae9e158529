package dev.zcproxy.outbound.accesslog;

import dev.zcproxy.domain.access.AccessRecord;
import java.util.Locale;

/** How a line of the access log is laid out; the value of {@code accessLog.format}. */
public enum AccessLogFormat {
  /** One JSON object a line, with every field. */
  JSON {
    @Override
    public String format(AccessRecord record) {
      return JsonLine.of(record);
    }
  },
  /** Squid's native {@code access.log} layout, for the tools that read it. */
  SQUID {
    @Override
    public String format(AccessRecord record) {
      return SquidLine.of(record);
    }
  };

  /** The line for {@code record}, without the line break. */
  public abstract String format(AccessRecord record);

  /** The configuration's name for it: {@code json} or {@code squid}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException for anything but {@code json} or {@code squid}
   */
  public static AccessLogFormat ofConfigName(String name) {
    for (AccessLogFormat format : values()) {
      if (format.configName().equals(name)) {
        return format;
      }
    }
    throw new IllegalArgumentException("must be json or squid, not '" + name + "'");
  }
}
