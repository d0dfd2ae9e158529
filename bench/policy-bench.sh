#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Live policy benchmark on loopback (P4). Two things, in one run:
#  1. how long a policy change made through the state service's REST API takes to be in force at
#     a proxy that follows it: through the embedded Artemis broker, through RabbitMQ, and, as the
#     baseline, a proxy that only polls (no broker, policy.resyncInterval 1s);
#  2. the REST API's request rate for reads and writes with wrk, next to GET /healthz (the HTTP
#     server's floor without the database).
# Rounds with the systems interleaved; writes the results with ratios to the baselines to
# bench/results/policy-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/policy-bench.sh [--changes N] [--poll-changes N] [--rounds N] [--seconds N]
                             [--warmup N] [--connections N] [--proxy-jar JAR] [--state-jar JAR]

Builds nothing: run `./mvnw -B -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar, app-state/target/zcproxy-state.jar and
bench/target/zcproxy-bench.jar exist.
Needs JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64), curl, wrk and psql, PostgreSQL on
$ZCPROXY_STATE_DB_URL (default jdbc:postgresql://127.0.0.1:5432/test, user
$ZCPROXY_STATE_DB_USER or postgres, password $ZCPROXY_STATE_DB_PASSWORD or none) and RabbitMQ on
$ZCPROXY_BENCH_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/):
  apt-get install -y wrk curl postgresql-client
Each run keeps its tables in two fresh schemas (policy_bench_<pid>_artemis and _rabbitmq), dropped
when it exits. Two state services (one with its embedded Artemis, one publishing to RabbitMQ) and
three proxies run at once on free ports; the script stops them all when it exits.

  --changes N       measured changes per broker (default 1000)
  --poll-changes N  measured changes for the poll-only proxy (default 100: each takes about a
                    second, half the poll interval plus a random pause of up to 1 s)
  --rounds N        rounds of both parts; the changes are split over them, the wrk tables show
                    the median (default 4)
  --seconds N       measured seconds of each wrk run (default 5)
  --warmup N        unmeasured seconds of wrk before each run (default 1)
  --connections N   wrk's keep-alive connections, over 2 wrk threads (default 16)
  --proxy-jar J     the proxy (default app-proxy/target/zcproxy-proxy.jar)
  --state-jar J     the state service (default app-state/target/zcproxy-state.jar)

With the defaults about 7 min: 2 x 1000 changes through the brokers (~30 s each), 100 polled ones
(~100 s), then 5 kinds of wrk run x 4 rounds x ~7 s.
EOF
}

changes=1000
poll_changes=100
rounds=4
measured_seconds=5
warmup_seconds=1
connections=16
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="policy-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
load_at_start=$(load_averages)
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
state_jar="$repo/app-state/target/zcproxy-state.jar"
while (($# > 0)); do
  case "$1" in
    --changes) changes=${2:?--changes needs a value}; shift 2 ;;
    --poll-changes) poll_changes=${2:?--poll-changes needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --warmup) warmup_seconds=${2:?--warmup needs a value}; shift 2 ;;
    --connections) connections=${2:?--connections needs a value}; shift 2 ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    --state-jar) state_jar=${2:?--state-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$changes" "$poll_changes" "$rounds" "$measured_seconds" "$warmup_seconds" "$connections"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((changes >= rounds && poll_changes >= rounds && rounds > 0 && measured_seconds > 0 && connections >= 2)) \
  || die "--changes and --poll-changes must be at least --rounds, --rounds and --seconds positive," \
    "--connections at least 2"

java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jvm_flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
bench_jar="$repo/bench/target/zcproxy-bench.jar"
db_url=${ZCPROXY_STATE_DB_URL:-jdbc:postgresql://127.0.0.1:5432/test}
db_user=${ZCPROXY_STATE_DB_USER:-postgres}
db_password=${ZCPROXY_STATE_DB_PASSWORD:-}
amqp_url=${ZCPROXY_BENCH_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $state_jar && -f $bench_jar ]] \
  || die "jars missing: run ./mvnw -B -q -DskipTests package first"
command -v wrk >/dev/null || die "no wrk: apt-get install -y wrk"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
command -v psql >/dev/null || die "no psql (drops the run's schemas): apt-get install -y postgresql-client"
[[ $db_url =~ ^jdbc:postgresql://([^:/]+):([0-9]+)/([^?]+)$ ]] \
  || die "ZCPROXY_STATE_DB_URL must look like jdbc:postgresql://HOST:PORT/DATABASE, got $db_url"
db_host=${BASH_REMATCH[1]}
db_port=${BASH_REMATCH[2]}
db_name=${BASH_REMATCH[3]}
run_psql() {
  PGPASSWORD=$db_password psql -X -q -v ON_ERROR_STOP=1 -h "$db_host" -p "$db_port" -U "$db_user" \
    -d "$db_name" -Atc "$1" </dev/null
}
run_psql 'SELECT 1' >/dev/null || die "PostgreSQL at $db_url does not answer as $db_user"
[[ $amqp_url =~ ^amqp://([^@/]+@)?([^:/]+):([0-9]+)/ ]] \
  || die "ZCPROXY_BENCH_AMQP_URL must look like amqp://USER:PASS@HOST:PORT/, got $amqp_url"
(exec 3<>"/dev/tcp/${BASH_REMATCH[2]}/${BASH_REMATCH[3]}") 2>/dev/null \
  || die "no RabbitMQ at ${BASH_REMATCH[2]}:${BASH_REMATCH[3]}"

bench_make_workdir
schemas=("policy_bench_$$_artemis" "policy_bench_$$_rabbitmq")
# The processes first (bench_cleanup), so that nothing holds the schemas when they are dropped.
policy_cleanup() {
  bench_cleanup
  local schema
  for schema in "${schemas[@]}"; do
    run_psql "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 \
      || echo "$bench_name: could not drop schema $schema" >&2
  done
}
trap policy_cleanup EXIT

read -r artemis_api artemis_broker rabbit_api proxy_artemis proxy_rabbit proxy_poll \
  admin_artemis admin_rabbit admin_poll < <("$java_bin" -jar "$bench_jar" free-ports --count 9)

# wait_for_url URL PID NAME LOG: until URL answers 2xx; dies when PID exits or after 60 s.
wait_for_url() {
  local url=$1 pid=$2 name=$3 log=$4 attempt
  for attempt in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || die "$name exited at startup: $(tail -20 "$log")"
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    [[ $attempt -lt 300 ]] && sleep 0.2
  done
  die "$name not ready after 60 s: $(tail -20 "$log")"
}

# start_state NAME SCHEMA PORT BROKER_ENV...: a state service on 127.0.0.1:PORT with its own admin
# key ($work/NAME/admin.key); BROKER_ENV are VAR=value pairs choosing its broker. Sets started_pid.
start_state() {
  local name=$1 schema=$2 port=$3
  shift 3
  local dir="$work/$name"
  mkdir -p "$dir"
  "$java_bin" -jar "$state_jar" new-api-key >"$dir/admin.key" || die "cannot make an API key"
  env ZCPROXY_STATE_DB_URL="$db_url" ZCPROXY_STATE_DB_USER="$db_user" \
    ZCPROXY_STATE_DB_PASSWORD="$db_password" ZCPROXY_STATE_DB_SCHEMA="$schema" \
    ZCPROXY_STATE_LISTEN="127.0.0.1:$port" ZCPROXY_STATE_BOOTSTRAP_API_KEY_FILE="$dir/admin.key" "$@" \
    "$java_bin" "${jvm_flags[@]}" -jar "$state_jar" >"$dir/state.log" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  wait_for_url "http://127.0.0.1:$port/healthz" "$started_pid" "state service $name" "$dir/state.log"
}

# api NAME METHOD PATH [BODY]: one admin call to state service NAME, its body on stdout.
declare -A api_port_of
api() {
  local name=$1 method=$2 path=$3 body=${4:-}
  local args=(-fsS -X "$method" -H "Authorization: Bearer $(<"$work/$name/admin.key")"
    -H 'Content-Type: application/json')
  [[ -n $body ]] && args+=(-d "$body")
  curl "${args[@]}" "http://127.0.0.1:${api_port_of[$name]}/api/v1$path"
}

# start_follower NAME PORT ADMIN STATE BROKER_URL RESYNC: a proxy whose policy comes from state
# service STATE, through BROKER_URL (empty: polling only) and a check every RESYNC. Sets
# started_pid once /readyz answers (a policy is loaded) and, with a broker, its feed is open.
start_follower() {
  local name=$1 port=$2 admin=$3 state=$4 broker=$5 resync=$6
  local dir="$work/$name"
  mkdir -p "$dir"
  local key_json key
  key_json=$(api "$state" POST /api-keys "{\"name\":\"$name\",\"scope\":\"proxy\"}") \
    || die "cannot create an API key for $name"
  key=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' <<<"$key_json")
  [[ -n $key ]] || die "no key in the answer: $key_json"
  (umask 077 && printf '%s\n' "$key" >"$dir/proxy.key")
  {
    echo "listen: 127.0.0.1:$port"
    echo "admin: { listen: 127.0.0.1:$admin }"
    echo "policy:"
    echo "  stateService: { url: \"http://127.0.0.1:${api_port_of[$state]}\", apiKeyFile: proxy.key }"
    [[ -n $broker ]] && echo "  broker: { url: \"$broker\" }"
    echo "  cacheFile: policy-cache.json"
    echo "  resyncInterval: $resync"
    echo "shutdown: { drainTimeout: 1s }"
  } >"$dir/zcproxy.yaml"
  "$java_bin" "${jvm_flags[@]}" -jar "$proxy_jar" --config "$dir/zcproxy.yaml" >"$dir/proxy.log" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  wait_for_url "http://127.0.0.1:$admin/readyz" "$started_pid" "proxy $name" "$dir/proxy.log"
  if [[ -n $broker ]]; then
    local attempt
    for attempt in $(seq 150); do
      grep -q 'policy changes from broker' "$dir/proxy.log" && return 0
      kill -0 "$started_pid" 2>/dev/null || die "proxy $name exited: $(tail -20 "$dir/proxy.log")"
      [[ $attempt -lt 150 ]] && sleep 0.2
    done
    die "proxy $name: no broker feed after 30 s: $(tail -20 "$dir/proxy.log")"
  fi
}

# stop PID: stops one started process and forgets it.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  untrack_pid "$1"
}

# ---- the systems under test -----------------------------------------------------------------
echo "starting two state services (schemas ${schemas[*]}) and three proxies in $work"
api_port_of=([artemis]=$artemis_api [rabbitmq]=$rabbit_api)
start_state artemis "${schemas[0]}" "$artemis_api" \
  ZCPROXY_STATE_EMBEDDED_BROKER="tcp://127.0.0.1:$artemis_broker" \
  ZCPROXY_STATE_BROKER_DATA_DIR="$work/artemis/broker"
state_artemis_pid=$started_pid
start_state rabbitmq "${schemas[1]}" "$rabbit_api" ZCPROXY_STATE_BROKER_URL="$amqp_url"
state_rabbit_pid=$started_pid

modes=(artemis rabbitmq poll)
declare -A label_of=([artemis]="embedded Artemis" [rabbitmq]="RabbitMQ" [poll]="poll only, resyncInterval 1s")
declare -A state_of=([artemis]=artemis [rabbitmq]=rabbitmq [poll]=artemis)
declare -A admin_of=([artemis]=$admin_artemis [rabbitmq]=$admin_rabbit [poll]=$admin_poll)
declare -A pid_of
start_follower artemis "$proxy_artemis" "$admin_artemis" artemis "tcp://127.0.0.1:$artemis_broker" 30s
pid_of[artemis]=$started_pid
start_follower rabbitmq "$proxy_rabbit" "$admin_rabbit" rabbitmq "$amqp_url" 30s
pid_of[rabbitmq]=$started_pid
start_follower poll "$proxy_poll" "$admin_poll" artemis "" 1s
pid_of[poll]=$started_pid

# ---- part 1: REST change to enforcement -----------------------------------------------------
declare -A per_round_changes=([artemis]=$(((changes + rounds - 1) / rounds))
  [rabbitmq]=$(((changes + rounds - 1) / rounds)) [poll]=$(((poll_changes + rounds - 1) / rounds)))
# A broker delivers in milliseconds; a random pause of up to 10 ms between changes keeps them from
# arriving in lockstep with anything periodic. The poll-only proxy checks once a second: a pause of
# up to 1 s spreads the changes evenly over its poll cycle (back to back, every change would land
# just after a poll and wait a whole interval). Poll runs have no warm-up changes: they would cost
# a second each, and the poll itself is what is measured.
declare -A pause_of=([artemis]=10 [rabbitmq]=10 [poll]=1000)
declare -A warmup_changes_of=([artemis]=20 [rabbitmq]=20 [poll]=0)
declare -A results

# latency MODE ROUND: one policy-latency run; its line goes to results[line,MODE,ROUND].
latency() {
  local mode=$1 round=$2 line
  line=$("$java_bin" -jar "$bench_jar" policy-latency \
    --state-url "http://127.0.0.1:${api_port_of[${state_of[$mode]}]}" \
    --api-key-file "$work/${state_of[$mode]}/admin.key" \
    --proxy-admin "http://127.0.0.1:${admin_of[$mode]}" \
    --changes "${per_round_changes[$mode]}" --warmup-changes "${warmup_changes_of[$mode]}" \
    --max-pause-ms "${pause_of[$mode]}" --samples-file "$work/samples-$mode") \
    || die "${label_of[$mode]}: policy-latency failed in round $round"
  results[line,$mode,$round]=$line
  printf '  %-30s %5s changes  p50 %8s µs  p99 %8s µs  max %8s µs  %s polls/change\n' \
    "${label_of[$mode]}" "$(field changes "$line")" "$(field p50_us "$line")" \
    "$(field p99_us "$line")" "$(field max_us "$line")" "$(field polls_per_change "$line")"
}

echo "part 1: ${per_round_changes[artemis]} changes per broker and ${per_round_changes[poll]} polled per round, $rounds rounds"
echo "priming the poll-only proxy (3 unmeasured changes)"
"$java_bin" -jar "$bench_jar" policy-latency --state-url "http://127.0.0.1:$artemis_api" \
  --api-key-file "$work/artemis/admin.key" --proxy-admin "http://127.0.0.1:$admin_poll" \
  --changes 3 --warmup-changes 0 --max-pause-ms 1000 >/dev/null || die "priming the poll-only proxy failed"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  offset=$(((round - 1) % ${#modes[@]}))
  for mode in "${modes[@]:offset}" "${modes[@]:0:offset}"; do
    latency "$mode" "$round"
  done
done

# Where each proxy's changes came from: deltas from the broker, or whole snapshots.
declare -A counters_of
for mode in "${modes[@]}"; do
  counters_of[$mode]=$(curl -fsS "http://127.0.0.1:${admin_of[$mode]}/metrics" \
    | awk '/^zcproxy_policy_(deltas_applied|deltas_duplicate|resyncs|messages_rejected)_total/ {
        name = $1; sub(/^zcproxy_policy_/, "", name); sub(/_total.*/, "", name)
        sum[name] += $NF } END { for (n in sum) printf "%s=%d ", n, sum[n] }') || counters_of[$mode]="–"
done

# The proxies and the RabbitMQ state service are done: part 2 has the Artemis state service alone,
# so that no follower's fetches compete with wrk for the cores.
for mode in "${modes[@]}"; do stop "${pid_of[$mode]}"; done
stop "$state_rabbit_pid"

# ---- part 2: the API's request rate ---------------------------------------------------------
state_url="http://127.0.0.1:$artemis_api"
admin_key=$(<"$work/artemis/admin.key")
echo "part 2: seeding 50 users and one rule for the reads"
for n in $(seq 50); do
  api artemis POST /users "{\"name\":\"seed-$n\",\"password\":\"seed-password-$n-2026\",\"groups\":[\"staff\"]}" \
    >/dev/null || die "cannot create user seed-$n"
done
rule_json=$(api artemis POST /rules \
  '{"action":"allow","groups":["staff"],"destinations":["127.0.0.1/32"],"ports":["8000"]}') \
  || die "cannot create the rule"
rule_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$rule_json")
[[ -n $rule_id ]] || die "no rule id in: $rule_json"

# One wrk script for every kind: the method, path and body come from the command line (after --).
# POST /users gets a unique name per request (run tag, wrk thread, counter), PUT /rules a new port
# per request; every request carries the admin key. done() prints one key=value line for field().
cat >"$work/api.lua" <<EOF
local method, path, kind, tag
local counter = 0
local thread_count = 0

setup = function(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

init = function(args)
  kind, path, tag = args[1], args[2], args[3]
  wrk.headers["Authorization"] = "Bearer $admin_key"
  wrk.headers["Content-Type"] = "application/json"
  if kind == "user-post" then method = "POST" elseif kind == "rule-put" then method = "PUT"
  else method = "GET" end
  if kind == "rule-put" then wrk.headers["If-Match"] = "*" end
end

request = function()
  counter = counter + 1
  if kind == "user-post" then
    local name = string.format("wrk-%s-%d-%d", tag, thread_id, counter)
    return wrk.format(method, path, nil, string.format(
      '{"name":"%s","password":"bench-password-%s","groups":["bench"]}', name, name))
  elseif kind == "rule-put" then
    return wrk.format(method, path, nil, string.format(
      '{"action":"allow","groups":["staff"],"destinations":["127.0.0.1/32"],"ports":["%d"]}',
      10000 + counter % 50000))
  end
  return wrk.format(method, path)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f errors=%d non_2xx=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, summary.bytes))
end
EOF
chmod 600 "$work/api.lua"

kinds=(healthz users snapshot rule-put user-post)
declare -A path_of=([healthz]=/healthz [users]="/api/v1/users?limit=50" [snapshot]=/api/v1/policy/snapshot
  [rule-put]="/api/v1/rules/$rule_id" [user-post]=/api/v1/users)
declare -A kind_label=([healthz]="GET /healthz" [users]="GET /api/v1/users?limit=50"
  [snapshot]="GET /api/v1/policy/snapshot" [rule-put]="PUT /api/v1/rules/{id}" [user-post]="POST /api/v1/users")
for kind in "${kinds[@]}"; do
  [[ $kind == user-post ]] && continue
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_key" \
    "$state_url${path_of[$kind]}") || die "GET ${path_of[$kind]} failed"
  [[ $code == 200 ]] || die "GET ${path_of[$kind]} answered $code"
done

# POST /users is bound by PBKDF2 on the cores: more connections than wrk threads would only queue
# requests (past wrk's timeout on a busy machine) without adding any throughput.
# run_wrk KIND SECONDS TAG: prints wrk's done() line.
run_wrk() {
  local kind=$1 seconds=$2 tag=$3 out conns=$connections
  [[ $kind == user-post ]] && conns=2
  out=$(wrk --threads 2 --connections "$conns" --duration "${seconds}s" --timeout 10s \
    --script "$work/api.lua" "$state_url${path_of[$kind]}" -- "$kind" "${path_of[$kind]}" "$tag" 2>&1) \
    || die "${kind_label[$kind]}: wrk failed: $out"
  grep -m1 '^requests=' <<<"$out" || die "${kind_label[$kind]}: no summary from wrk: $out"
}

# measure KIND ROUND
measure() {
  local kind=$1 round=$2 line before after
  ((warmup_seconds > 0)) && run_wrk "$kind" "$warmup_seconds" "w$round" >/dev/null
  before=$(tree_cpu_ticks "$state_artemis_pid")
  line=$(run_wrk "$kind" "$measured_seconds" "r$round")
  after=$(tree_cpu_ticks "$state_artemis_pid")
  local requests seconds
  requests=$(field requests "$line")
  seconds=$(awk -v us="$(field duration_us "$line")" 'BEGIN { print us / 1e6 }')
  # A run in which nothing completed is a result too (0 requests/s), not a reason to stop.
  results[rps,$kind,$round]=$(awk -v n="$requests" -v s="$seconds" 'BEGIN { printf "%.1f", n / s }')
  if ((requests > 0)); then
    results[p50_us,$kind,$round]=$(field p50_us "$line")
    results[p99_us,$kind,$round]=$(field p99_us "$line")
  else
    results[p50_us,$kind,$round]="–"
    results[p99_us,$kind,$round]="–"
  fi
  results[errors,$kind,$round]=$(($(field errors "$line") + $(field non_2xx "$line")))
  results[cpu_pct,$kind,$round]=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" \
    'BEGIN { printf "%.0f", t / hz / s * 100 }')
  printf '  %-30s %7s req/s  p50 %7s µs  p99 %7s µs  state service %4s%% CPU  %s errors\n' \
    "${kind_label[$kind]}" "${results[rps,$kind,$round]}" "${results[p50_us,$kind,$round]}" \
    "${results[p99_us,$kind,$round]}" "${results[cpu_pct,$kind,$round]}" "${results[errors,$kind,$round]}"
}

echo "priming the API (2 s of each kind)"
for kind in "${kinds[@]}"; do run_wrk "$kind" 2 p >/dev/null; done
# The reads go first in every round, in an order that rotates, then the writes, also rotating: the
# writes add users, and the snapshot grows with them, so reads after writes would read more.
reads=(healthz users snapshot)
writes=(rule-put user-post)
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  offset=$(((round - 1) % ${#reads[@]}))
  for kind in "${reads[@]:offset}" "${reads[@]:0:offset}"; do measure "$kind" "$round"; done
  offset=$(((round - 1) % ${#writes[@]}))
  for kind in "${writes[@]:offset}" "${writes[@]:0:offset}"; do measure "$kind" "$round"; done
done
user_count=$(run_psql "SELECT count(*) FROM ${schemas[0]}.users" 2>/dev/null || echo "?")
snapshot_bytes=$(curl -fsS -H "Authorization: Bearer $admin_key" "$state_url/api/v1/policy/snapshot" | wc -c)

# ---- the report -----------------------------------------------------------------------------
# percentile P FILE: nearest rank over the µs samples in FILE, one a line.
percentile() {
  sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END {
    r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1; print v[r] }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

median_of() {
  local metric=$1 kind=$2 round collected=()
  for round in $(seq "$rounds"); do
    [[ ${results[$metric,$kind,$round]} =~ ^[0-9.]+$ ]] && collected+=("${results[$metric,$kind,$round]}")
  done
  if ((${#collected[@]} > 0)); then
    # lib.sh's median prints awk's default format: 1.32198e+06 for a p99 of 1.3 s.
    awk -v m="$(median "${collected[@]}")" -v f="$([[ $metric == rps ]] && echo %.1f || echo %.0f)" \
      'BEGIN { printf f, m }'
  else
    echo "–"
  fi
}

declare -A pooled
for mode in "${modes[@]}"; do
  file="$work/samples-$mode"
  pooled[count,$mode]=$(wc -l <"$file")
  for p in 50 90 99 100; do pooled[p$p,$mode]=$(percentile "$p" "$file"); done
  pooled[mean,$mode]=$(awk '{ s += $1 } END { printf "%.0f", s / NR }' "$file")
done
declare -A med
for kind in "${kinds[@]}"; do
  for metric in rps p50_us p99_us cpu_pct; do med[$metric,$kind]=$(median_of "$metric" "$kind"); done
done

mkdir -p "$repo/bench/results"
report="$repo/bench/results/policy-$(date -u +%Y-%m-%d-%H%M).md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
pg_version=$(run_psql 'SHOW server_version' 2>/dev/null | awk '{ print $1 }' || echo "?")
{
  echo "# Live policy: from a REST change to the proxy, and the state service's API rate"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/policy-bench.sh\` on $(nproc) cores ($cpu_model)," \
    "Linux $(uname -r), $("$java_bin" -version 2>&1 | head -1), PostgreSQL $pg_version," \
    "RabbitMQ at \`${amqp_url/\/\/*@/\/\/}\`, $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')," \
    "jars built $(date -u -r "$proxy_jar" '+%Y-%m-%d %H:%M UTC') (proxy) and" \
    "$(date -u -r "$state_jar" '+%Y-%m-%d %H:%M UTC') (state service)."
  echo
  echo "- Two state services on one PostgreSQL, each in a fresh schema: one with its embedded Artemis" \
    "broker, one publishing to RabbitMQ. Three proxies follow them: one through the embedded Artemis," \
    "one through RabbitMQ (both \`resyncInterval: 30s\`), and one on the Artemis service with no broker" \
    "and \`resyncInterval: 1s\` (the baseline: the poll alone)."
  echo "- A change: \`PUT /api/v1/rules/{id}\` with \`If-Match: *\` replacing one rule with a new port, so the" \
    "policy keeps its size. The clock starts when the API's 200 has arrived (its \`ETag\` is the revision" \
    "the change made) and stops when the proxy's \`GET /policy\` first reports that revision or a later" \
    "one, polled back to back over one keep-alive connection by \`LoadGenerator policy-latency\`. So each" \
    "figure includes the outbox relay, the broker, the proxy's signature check and install, and up to one" \
    "poll round trip (a few hundred µs). Enforcement was not confirmed with a connection attempt: \`GET" \
    "/policy\` reports the policy after it is installed, which is what a new connection is checked against."
  echo "- Each broker run makes 20 unmeasured changes first; a random pause of up to" \
    "${pause_of[artemis]} ms (brokers) or ${pause_of[poll]} ms (poll) comes before each change, so changes" \
    "fall at random phases of the poll timer. $rounds rounds, the modes interleaved in an order that" \
    "rotates every round; the percentiles pool every measured change of a mode (nearest rank)."
  echo "- The client, PostgreSQL, RabbitMQ, both state services and all three proxies share the" \
    "$(nproc) cores (load averages over 1/5/15 min: $load_at_start at the start, $(load_averages) at the" \
    "end): quote ratios from this one run; absolute figures on a shared machine vary between runs."
  echo
  echo "## 1. From a REST change to the proxy reporting it"
  echo
  echo "| Broker | Changes | p50 ms | p90 ms | p99 ms | max ms | mean ms | p50 × poll | p99 × poll | Proxy's policy counters at the end |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for mode in "${modes[@]}"; do
    echo "| ${label_of[$mode]} | ${pooled[count,$mode]} | $(ms "${pooled[p50,$mode]}") |" \
      "$(ms "${pooled[p90,$mode]}") | $(ms "${pooled[p99,$mode]}") | $(ms "${pooled[p100,$mode]}") |" \
      "$(ms "${pooled[mean,$mode]}") | $(ratio "${pooled[p50,$mode]}" "${pooled[p50,poll]}") |" \
      "$(ratio "${pooled[p99,$mode]}" "${pooled[p99,poll]}") | \`${counters_of[$mode]% }\` |"
  done
  echo
  echo "Counters: \`deltas_applied\` changes applied from the broker, \`resyncs\` snapshot checks," \
    "\`messages_rejected\` broker messages dropped (RabbitMQ's \`zcproxy.policy\` exchange is shared with" \
    "anything else on that broker, whose messages are signed with other keys)."
  echo
  echo "Every round (p50 / p99 / max in ms, changes):"
  echo
  echo "| Broker |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for mode in "${modes[@]}"; do
    row="| ${label_of[$mode]} |"
    for round in $(seq "$rounds"); do
      line=${results[line,$mode,$round]}
      row+=" $(ms "$(field p50_us "$line")") / $(ms "$(field p99_us "$line")") / $(ms "$(field max_us "$line")") ($(field changes "$line")) |"
    done
    echo "$row"
  done
  echo
  echo "## 2. The API's request rate"
  echo
  echo "wrk, 2 threads, ${connections} keep-alive connections (2 for \`POST /users\`), ${measured_seconds} s after an unmeasured" \
    "${warmup_seconds} s, every request with an admin \`Authorization: Bearer\` key, against the Artemis" \
    "state service alone (the proxies and the other service stopped). The database held 50 seeded users" \
    "and one rule at the start; \`POST /users\` adds users (unique names), so the reads of each round go" \
    "first. At the end: $user_count users, a snapshot of $snapshot_bytes bytes. \`POST /users\` hashes the" \
    "password with PBKDF2 (deliberately slow); \`PUT /rules/{id}\` (\`If-Match: *\`, a new port each time)" \
    "is the cheap write: both commit a new revision and its outbox entry, which the relay publishes to" \
    "Artemis. \`GET /healthz\` is the server's floor without the database. Median of $rounds rounds."
  echo
  echo "| Request | Requests/s | × healthz | p50 µs | p99 µs | State service CPU, % of a core | Errors |"
  echo "|---|---|---|---|---|---|---|"
  for kind in "${kinds[@]}"; do
    total_errors=0
    for round in $(seq "$rounds"); do total_errors=$((total_errors + results[errors,$kind,$round])); done
    echo "| \`${kind_label[$kind]}\` | ${med[rps,$kind]} | $(ratio "${med[rps,$kind]}" "${med[rps,healthz]}") |" \
      "${med[p50_us,$kind]} | ${med[p99_us,$kind]} | ${med[cpu_pct,$kind]} | $total_errors |"
  done
  echo
  echo "Errors are wrk's connect, read, write and timeout errors plus non-2xx answers, over all rounds."
  echo
  echo "Every round, requests/s (p50/p99 µs):"
  echo
  echo "| Request |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for kind in "${kinds[@]}"; do
    row="| \`${kind_label[$kind]}\` |"
    for round in $(seq "$rounds"); do
      row+=" ${results[rps,$kind,$round]} (${results[p50_us,$kind,$round]}/${results[p99_us,$kind,$round]}) |"
    done
    echo "$row"
  done
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$repo"/}"
