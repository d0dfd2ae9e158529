package dev.zcproxy.app.proxy.config;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.zcproxy.app.proxy.config.ConfigValues.AnyDuration;
import dev.zcproxy.app.proxy.config.ConfigValues.ApiKey;
import dev.zcproxy.app.proxy.config.ConfigValues.Connections;
import dev.zcproxy.app.proxy.config.ConfigValues.FilePath;
import dev.zcproxy.app.proxy.config.ConfigValues.Flag;
import dev.zcproxy.app.proxy.config.ConfigValues.HandshakeBytes;
import dev.zcproxy.app.proxy.config.ConfigValues.HeaderBytes;
import dev.zcproxy.app.proxy.config.ConfigValues.HostPortValue;
import dev.zcproxy.app.proxy.config.ConfigValues.LogFormat;
import dev.zcproxy.app.proxy.config.ConfigValues.LogPath;
import dev.zcproxy.app.proxy.config.ConfigValues.OpenFiles;
import dev.zcproxy.app.proxy.config.ConfigValues.PipeSize;
import dev.zcproxy.app.proxy.config.ConfigValues.Pipes;
import dev.zcproxy.app.proxy.config.ConfigValues.PositiveDuration;
import dev.zcproxy.app.proxy.config.ConfigValues.Principal;
import dev.zcproxy.app.proxy.config.ConfigValues.Protection;
import dev.zcproxy.app.proxy.config.ConfigValues.Provider;
import dev.zcproxy.app.proxy.config.ConfigValues.QuicStreams;
import dev.zcproxy.app.proxy.config.ConfigValues.Realm;
import dev.zcproxy.app.proxy.config.ConfigValues.RelayChoice;
import dev.zcproxy.app.proxy.config.ConfigValues.Url;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The config file as Jackson binds it, one record per section, before the checks that span keys. A
 * value is null when it is unset, and also when it is bad: {@link ConfigValues.Binding} tells
 * which. An absent or null section is an empty one.
 */
record ConfigDocument(
    @JsonDeserialize(using = HostPortValue.class) InetSocketAddress listen,
    Admin admin,
    Relay relay,
    Policy policy,
    Limits limits,
    Tls tls,
    Kerberos kerberos,
    Quic quic,
    AccessLog accessLog,
    Shutdown shutdown) {

  ConfigDocument {
    admin = admin == null ? new Admin(null) : admin;
    relay = relay == null ? new Relay(null, null, null) : relay;
    policy = policy == null ? new Policy(null, null, null, null, null) : policy;
    limits =
        limits == null
            ? new Limits(null, null, null, null, null, null, null, null, null, null, null)
            : limits;
    tls = tls == null ? new Tls(null, null, null, null) : tls;
    kerberos = kerberos == null ? new Kerberos(null, null, null, null) : kerberos;
    quic = quic == null ? new Quic(null, null, null, null, null) : quic;
    accessLog = accessLog == null ? new AccessLog(null, null, null) : accessLog;
    shutdown = shutdown == null ? new Shutdown(null) : shutdown;
  }

  static ConfigDocument empty() {
    return new ConfigDocument(null, null, null, null, null, null, null, null, null, null);
  }

  record Admin(@JsonDeserialize(using = HostPortValue.class) InetSocketAddress listen) {}

  record Relay(
      @JsonDeserialize(using = RelayChoice.class) RelayMode mode,
      @JsonDeserialize(using = Pipes.class) Integer maxPipes,
      @JsonDeserialize(using = PipeSize.class) Integer pipeSize) {}

  record Policy(
      @JsonDeserialize(using = FilePath.class) Path file,
      StateService stateService,
      Broker broker,
      @JsonDeserialize(using = FilePath.class) Path cacheFile,
      @JsonDeserialize(using = PositiveDuration.class) Duration resyncInterval) {

    Policy {
      stateService =
          stateService == null ? new StateService(null, null, null, null, null) : stateService;
      broker = broker == null ? new Broker(null) : broker;
    }
  }

  record StateService(
      @JsonDeserialize(using = Url.class) URI url,
      @JsonDeserialize(using = ApiKey.class) String apiKey,
      @JsonDeserialize(using = FilePath.class) Path apiKeyFile,
      @JsonDeserialize(using = PositiveDuration.class) Duration connectTimeout,
      @JsonDeserialize(using = PositiveDuration.class) Duration requestTimeout) {}

  record Broker(@JsonDeserialize(using = Url.class) URI url) {}

  record Limits(
      @JsonDeserialize(using = PositiveDuration.class) Duration handshakeTimeout,
      @JsonDeserialize(using = PositiveDuration.class) Duration idleTimeout,
      @JsonDeserialize(using = PositiveDuration.class) Duration streamIdleTimeout,
      @JsonDeserialize(using = PositiveDuration.class) Duration connectTimeout,
      @JsonDeserialize(using = PositiveDuration.class) Duration bindAcceptTimeout,
      @JsonDeserialize(using = HandshakeBytes.class) Integer maxHandshakeBytes,
      @JsonDeserialize(using = HeaderBytes.class) Integer maxHeaderBytes,
      @JsonDeserialize(using = Connections.class) Integer maxConnections,
      @JsonDeserialize(using = Connections.class) Integer maxConnectionsPerSource,
      @JsonDeserialize(using = Connections.class) Integer maxConnectionsPerUser,
      @JsonDeserialize(using = OpenFiles.class) Integer minOpenFiles) {}

  record Tls(
      @JsonDeserialize(using = FilePath.class) Path certificate,
      @JsonDeserialize(using = FilePath.class) Path privateKey,
      @JsonDeserialize(using = Flag.class) Boolean selfSigned,
      @JsonDeserialize(using = Provider.class) TlsProvider provider) {}

  record Kerberos(
      @JsonDeserialize(using = FilePath.class) Path keytab,
      @JsonDeserialize(using = Principal.class) String principal,
      @JsonDeserialize(using = Realm.class) KerberosPrincipalMapping realm,
      @JsonDeserialize(using = Protection.class) GssapiProtection socks5Protection) {}

  record Quic(
      @JsonDeserialize(using = Flag.class) Boolean enabled,
      @JsonDeserialize(using = Connections.class) Integer maxConnections,
      @JsonDeserialize(using = Connections.class) Integer maxConnectionsPerSource,
      @JsonDeserialize(using = PositiveDuration.class) Duration idleTimeout,
      @JsonDeserialize(using = QuicStreams.class) Integer maxStreamsPerConnection) {}

  record AccessLog(
      @JsonDeserialize(using = Flag.class) Boolean enabled,
      @JsonDeserialize(using = LogPath.class) Path path,
      @JsonDeserialize(using = LogFormat.class) AccessLogFormat format) {}

  record Shutdown(@JsonDeserialize(using = AnyDuration.class) Duration drainTimeout) {}
}
