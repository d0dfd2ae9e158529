#!/usr/bin/env bash
# The whole suite on one machine, in the foreground: the state service (REST API on PostgreSQL,
# with its embedded Artemis broker) and a proxy that follows it. Ctrl-C stops both.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: scripts/local-suite.sh

Starts, on loopback:
  - the state service on $LOCAL_SUITE_STATE_PORT (default 8080), its embedded Artemis broker on
    $LOCAL_SUITE_BROKER_PORT (default 61616);
  - a proxy on $LOCAL_SUITE_PROXY_PORT (default 1080, SOCKS and HTTP), admin on
    $LOCAL_SUITE_ADMIN_PORT (default 9090), following the state service through the broker.
PostgreSQL: $ZCPROXY_STATE_DB_URL / _USER / _PASSWORD when set; otherwise the machine's
(jdbc:postgresql://127.0.0.1:5432/test as postgres), started with pg_ctlcluster if it is down.
The suite keeps its tables in the schema $LOCAL_SUITE_SCHEMA (default zcproxy_local) and its
files (keys, configs, logs) in $LOCAL_SUITE_DIR (default ./target/local-suite).
Builds the jars first when they are missing. Needs JDK 25 ($JAVA_HOME or
/usr/lib/jvm/temurin-25-jdk-amd64) and curl.
EOF
}
[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
(($# == 0)) || { usage >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java_bin="$JAVA_HOME/bin/java"
state_port=${LOCAL_SUITE_STATE_PORT:-8080}
broker_port=${LOCAL_SUITE_BROKER_PORT:-61616}
proxy_port=${LOCAL_SUITE_PROXY_PORT:-1080}
admin_port=${LOCAL_SUITE_ADMIN_PORT:-9090}
schema=${LOCAL_SUITE_SCHEMA:-zcproxy_local}
dir=${LOCAL_SUITE_DIR:-$repo/target/local-suite}
state_jar="$repo/app-state/target/zcproxy-state.jar"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
jvm_flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)

die() {
  echo "local-suite: $*" >&2
  exit 1
}

[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
command -v curl >/dev/null || die "curl is needed: apt-get install -y curl"
for port in "$state_port" "$broker_port" "$proxy_port" "$admin_port"; do
  [[ $port =~ ^[0-9]+$ ]] || die "not a port: $port"
done
[[ $schema =~ ^[a-z_][a-z0-9_]*$ ]] || die "LOCAL_SUITE_SCHEMA must be a plain lower-case name, got '$schema'"

if [[ ! -f $state_jar || ! -f $proxy_jar ]]; then
  echo "building the jars (./mvnw -B -q -DskipTests package)"
  (cd "$repo" && ./mvnw -B -q -DskipTests package) || die "the build failed"
fi

# ---- PostgreSQL -------------------------------------------------------------------------------
if [[ -z ${ZCPROXY_STATE_DB_URL:-} ]]; then
  export ZCPROXY_STATE_DB_URL=jdbc:postgresql://127.0.0.1:5432/test
  export ZCPROXY_STATE_DB_USER=${ZCPROXY_STATE_DB_USER:-postgres}
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL on 127.0.0.1:5432 is down; start it or set ZCPROXY_STATE_DB_URL"
    echo "starting the machine's PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
export ZCPROXY_STATE_DB_SCHEMA=$schema

mkdir -p "$dir"
chmod 700 "$dir"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 0' INT TERM

# wait_for URL PID NAME LOG: until URL answers 2xx, or die when PID exits or after 60 s.
wait_for() {
  local url=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || die "$name exited at startup: $(tail -20 "$log")"
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  die "$name not ready after 60 s: $(tail -20 "$log")"
}

# ---- the state service ------------------------------------------------------------------------
"$java_bin" -jar "$state_jar" new-api-key >"$dir/admin.key" || die "cannot make an API key"
chmod 600 "$dir/admin.key"
admin_key=$(<"$dir/admin.key")
ZCPROXY_STATE_LISTEN=127.0.0.1:$state_port \
  ZCPROXY_STATE_BOOTSTRAP_API_KEY_FILE="$dir/admin.key" \
  ZCPROXY_STATE_EMBEDDED_BROKER=tcp://127.0.0.1:$broker_port \
  ZCPROXY_STATE_BROKER_DATA_DIR="$dir/broker" \
  "$java_bin" "${jvm_flags[@]}" -jar "$state_jar" >"$dir/state.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$state_port/healthz" "${pids[-1]}" "the state service" "$dir/state.log"

api=http://127.0.0.1:$state_port/api/v1
proxy_key_json=$(curl -sS -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
  -X POST "$api/api-keys" -d '{"name":"local-suite-proxy","scope":"proxy"}') \
  || die "cannot reach the state service to create the proxy's API key"
proxy_key=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' <<<"$proxy_key_json")
[[ -n $proxy_key ]] || die "cannot create the proxy's API key: $proxy_key_json"
(umask 077 && printf '%s\n' "$proxy_key" >"$dir/proxy.key")

# ---- the proxy --------------------------------------------------------------------------------
cat >"$dir/zcproxy.yaml" <<EOF
listen: 127.0.0.1:$proxy_port
admin: { listen: 127.0.0.1:$admin_port }
policy:
  stateService: { url: "http://127.0.0.1:$state_port", apiKeyFile: proxy.key }
  broker: { url: "tcp://127.0.0.1:$broker_port" }
  cacheFile: policy-cache.json
  resyncInterval: 30s
EOF
# The proxy takes ZCPROXY_* variables as config keys and refuses unknown ones: the state
# service's must not reach it.
(
  while read -r name; do unset "$name"; done < <(compgen -e | grep '^ZCPROXY_' || true)
  exec "$java_bin" "${jvm_flags[@]}" -jar "$proxy_jar" --config "$dir/zcproxy.yaml"
) >"$dir/proxy.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$admin_port/readyz" "${pids[-1]}" "the proxy" "$dir/proxy.log"
for _ in $(seq 150); do
  grep -q 'policy changes from broker' "$dir/proxy.log" && break
  sleep 0.2
done

cat <<EOF
zcproxy local suite ready
  state service  http://127.0.0.1:$state_port   (admin key in $dir/admin.key; log $dir/state.log)
  broker         tcp://127.0.0.1:$broker_port (embedded Artemis)
  proxy          127.0.0.1:$proxy_port (SOCKS, HTTP)   admin http://127.0.0.1:$admin_port   (log $dir/proxy.log)

Try it (another shell):
  ADMIN=\$(cat $dir/admin.key)
  curl -H "Authorization: Bearer \$ADMIN" -H 'Content-Type: application/json' -X POST $api/users \\
    -d '{"name":"alice","password":"wonderland-in-2026","groups":["staff"]}'
  curl -H "Authorization: Bearer \$ADMIN" -H 'Content-Type: application/json' -X POST $api/rules \\
    -d '{"action":"allow","users":["alice"],"destinations":["127.0.0.1/32"],"ports":["8000"]}'
  curl --socks5-hostname 127.0.0.1:$proxy_port -U alice:wonderland-in-2026 http://127.0.0.1:8000/
Ctrl-C stops both.
EOF
wait -n "${pids[@]}" || true
die "a process ended: see $dir/state.log and $dir/proxy.log"
