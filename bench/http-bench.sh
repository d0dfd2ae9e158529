#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# HTTP proxy benchmark on loopback: direct, zcproxy (relay: auto) and Squid, all driven by the same
# clients. Measures HTTP/1.1 forward requests per second with wrk (absolute-form requests to a
# local nginx origin, keep-alive) with p50/p99 latency, and single-stream HTTP CONNECT throughput
# both ways with the proxy's CPU-seconds per GB. Several rounds with the systems interleaved;
# writes the medians with ratios to bench/results/http-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/http-bench.sh [--seconds N] [--warmup N] [--rounds N] [--connections N]
                           [--body-bytes N] [--proxy-jar JAR]

Builds nothing: run `./mvnw -B -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist.
Needs root (Squid and nginx switch users), JDK 25 ($JAVA_HOME or
/usr/lib/jvm/temurin-25-jdk-amd64), curl, wrk, Squid (/usr/sbin/squid) and nginx (/usr/sbin/nginx,
the origin server):
  apt-get install -y squid wrk nginx-light curl
The script starts its own Squid and nginx on free ports with their own configs and stops them
when it exits; the packages' system services are never touched.

  --seconds N      measured seconds of each run (default 8)
  --warmup N       unmeasured seconds before each run (default 1)
  --rounds N       rounds; the tables show the median (default 3)
  --connections N  wrk's keep-alive connections, over 2 wrk threads (default 32)
  --body-bytes N   size of the origin's response body (default 1024)
  --proxy-jar J    the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

Every system gets three runs per round (requests, CONNECT upload, CONNECT download), each taking
warmup + seconds + about 1 s, plus an unmeasured pass through each proxy first (5 s of requests,
1 s of CONNECT each way): with 3 rounds of 8 s, about 5 min.
EOF
}

measured_seconds=8
warmup_seconds=1
rounds=3
connections=32
body_bytes=1024
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="http-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --warmup) warmup_seconds=${2:?--warmup needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --connections) connections=${2:?--connections needs a value}; shift 2 ;;
    --body-bytes) body_bytes=${2:?--body-bytes needs a value}; shift 2 ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$measured_seconds" "$warmup_seconds" "$rounds" "$connections" "$body_bytes"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((measured_seconds > 0 && rounds > 0 && connections >= 2 && body_bytes > 0)) \
  || die "--seconds, --rounds and --body-bytes must be positive, --connections at least 2"

java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
bench_jar="$repo/bench/target/zcproxy-bench.jar"
squid_bin=/usr/sbin/squid
nginx_bin=/usr/sbin/nginx

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -B -q -DskipTests package first"
[[ -x $squid_bin ]] || die "no $squid_bin: apt-get install -y squid"
[[ -x $nginx_bin ]] || die "no $nginx_bin (the origin server): apt-get install -y nginx-light"
command -v wrk >/dev/null || die "no wrk: apt-get install -y wrk"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
((EUID == 0)) || die "run as root: Squid and nginx switch to their unprivileged users"

bench_make_workdir
# Squid and nginx's workers drop root and must still reach their directories under $work.
chmod 711 "$work"
clock_ticks=$(getconf CLK_TCK)
read -r zc_port zc_admin squid_port origin_port \
  < <("$java_bin" -jar "$bench_jar" free-ports --count 4)

# start_origin PORT: nginx, one worker, answering every GET with 200 and a fixed body of
# --body-bytes, keep-alive without a request limit, no access log. One worker keeps it off the
# second core as much as possible; the report shows how busy it was.
start_origin() {
  local port=$1
  local dir="$work/origin"
  mkdir -p "$dir/tmp"
  chmod 777 "$dir/tmp"
  local body
  body=$(head -c "$body_bytes" /dev/zero | tr '\0' 'x')
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 5m;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "$body"; }
  }
}
EOF
  "$nginx_bin" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/check.out" 2>&1 \
    || die "nginx refused its config: $(cat "$dir/check.out")"
  "$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/nginx.out" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  local status=0
  wait_until_listening "$started_pid" "$port" || status=$?
  case $status in
    0) ;;
    1) die "nginx exited at startup: $(cat "$dir/nginx.out" "$dir/error.log" 2>/dev/null)" ;;
    *) die "nginx not listening on 127.0.0.1:$port after 30 s" ;;
  esac
}

# start_squid PORT: Squid in the foreground (-N, a child of this script, so the cleanup at exit
# stops it), with no cache, no access log, no ICMP pinger, and everything from localhost allowed,
# CONNECT to any port included. Debian defaults otherwise (one process, Via added).
start_squid() {
  local port=$1
  local dir="$work/squid"
  mkdir -p "$dir"
  chown proxy: "$dir" 2>/dev/null || chmod 777 "$dir"
  cat >"$dir/squid.conf" <<EOF
http_port 127.0.0.1:$port
pid_filename $dir/squid.pid
cache_log $dir/cache.log
coredump_dir $dir
access_log none
cache deny all
cache_mem 8 MB
pinger_enable off
shutdown_lifetime 1 seconds
http_access allow localhost
http_access deny all
EOF
  "$squid_bin" -k parse -f "$dir/squid.conf" >"$dir/check.out" 2>&1 \
    || die "squid refused its config: $(grep -E 'FATAL|ERROR' "$dir/check.out" | head -5)"
  "$squid_bin" -N -f "$dir/squid.conf" >"$dir/squid.out" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  local status=0
  wait_until_listening "$started_pid" "$port" || status=$?
  case $status in
    0) ;;
    1) die "squid exited at startup: $(tail -20 "$dir/squid.out" "$dir/cache.log" 2>/dev/null)" ;;
    *) die "squid not listening on 127.0.0.1:$port after 30 s" ;;
  esac
}

# wrk's script: the request target and Host header come from the command line (after --), so
# that one script sends origin-form to the origin and absolute-form to a proxy. done() prints
# one key=value line for field().
cat >"$work/requests.lua" <<'EOF'
init = function(args)
  wrk.path = args[1]
  wrk.headers["Host"] = args[2]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f errors=%d non_2xx=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, summary.bytes))
end
EOF

# ---- the systems under test -----------------------------------------------------------------
echo "starting the origin (nginx), zcproxy (relay auto) and Squid in $work"
start_origin "$origin_port"
origin_pid=$started_pid
# zcproxy's egress guard refuses loopback unless a rule names it: lib.sh's policy allows
# 127.0.0.1/32, every port.
start_zcproxy zcproxy auto "$zc_port" "$zc_admin" \
  || die "zcproxy exited at startup: $(tail -20 "$work/zcproxy/proxy.log")"
zc_pid=$started_pid
start_squid "$squid_port"
squid_pid=$started_pid

systems=(direct zcproxy squid)
declare -A label_of=([direct]="direct" [zcproxy]="zcproxy" [squid]="Squid")
declare -A pid_of=([direct]="" [zcproxy]=$zc_pid [squid]=$squid_pid)
declare -A proxy_of=([direct]="" [zcproxy]="127.0.0.1:$zc_port" [squid]="127.0.0.1:$squid_port")

origin="127.0.0.1:$origin_port"
for system in zcproxy squid; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --proxy "http://${proxy_of[$system]}" "http://$origin/") \
    || die "${label_of[$system]}: a forward request failed"
  [[ $code == 200 ]] || die "${label_of[$system]}: a forward request got $code, not 200"
done

kinds=(requests upload download)

# ---- one measurement ------------------------------------------------------------------------
# One table for every number: results[METRIC,SYSTEM,ROUND].
declare -A results

proxy_ticks() {
  if [[ -n $1 ]]; then tree_cpu_ticks "$1"; else echo 0; fi
}

# run_wrk SYSTEM SECONDS: prints wrk's done() line. Direct gets origin-form, a proxy absolute-form.
run_wrk() {
  local system=$1 seconds=$2 url target out
  if [[ -n ${proxy_of[$system]} ]]; then
    url="http://${proxy_of[$system]}/"
    target="http://$origin/"
  else
    url="http://$origin/"
    target="/"
  fi
  out=$(wrk --threads 2 --connections "$connections" --duration "${seconds}s" \
    --script "$work/requests.lua" "$url" -- "$target" "$origin" 2>&1) \
    || die "${label_of[$system]}: wrk failed: $out"
  grep -m1 '^requests=' <<<"$out" || die "${label_of[$system]}: no summary from wrk: $out"
}

# measure SYSTEM KIND ROUND
measure() {
  local system=$1 kind=$2 round=$3
  local pid=${pid_of[$system]} before after origin_before origin_after line
  if [[ $kind == requests ]]; then
    ((warmup_seconds > 0)) && run_wrk "$system" "$warmup_seconds" >/dev/null
    before=$(proxy_ticks "$pid")
    origin_before=$(tree_cpu_ticks "$origin_pid")
    line=$(run_wrk "$system" "$measured_seconds")
    after=$(proxy_ticks "$pid")
    origin_after=$(tree_cpu_ticks "$origin_pid")
    local requests seconds
    requests=$(field requests "$line")
    seconds=$(awk -v us="$(field duration_us "$line")" 'BEGIN { print us / 1e6 }')
    ((requests > 0)) || die "${label_of[$system]}: no request completed"
    results[rps,$system,$round]=$(awk -v n="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
    results[p50_us,$system,$round]=$(field p50_us "$line")
    results[p99_us,$system,$round]=$(field p99_us "$line")
    results[errors,$system,$round]=$(($(field errors "$line") + $(field non_2xx "$line")))
    results[origin_pct,$system,$round]=$(awk -v t=$((origin_after - origin_before)) -v hz="$clock_ticks" \
      -v s="$seconds" 'BEGIN { printf "%.0f", t / hz / s * 100 }')
    local cpu="–"
    [[ -n $pid ]] && cpu=$(awk -v t=$((after - before)) -v hz="$clock_ticks" -v n="$requests" \
      'BEGIN { printf "%.1f", (t / hz * 1000) / (n / 1000) }')
    results[cpu_ms_per_kreq,$system,$round]=$cpu
    printf '  %-9s %-8s %8s req/s  p50 %6s µs  p99 %6s µs  %6s CPU-ms/1k req  origin %3s%%  %s errors\n' \
      "$kind" "${label_of[$system]}" "${results[rps,$system,$round]}" "${results[p50_us,$system,$round]}" \
      "${results[p99_us,$system,$round]}" "$cpu" "${results[origin_pct,$system,$round]}" \
      "${results[errors,$system,$round]}"
    return 0
  fi
  local route=()
  [[ -n ${proxy_of[$system]} ]] && route=(--http-connect "${proxy_of[$system]}")
  before=$(proxy_ticks "$pid")
  line=$("$java_bin" -jar "$bench_jar" throughput --direction "$kind" "${route[@]}" \
    --seconds "$measured_seconds" --warmup "$warmup_seconds") \
    || die "${label_of[$system]}: CONNECT $kind run failed (round $round)"
  after=$(proxy_ticks "$pid")
  results[${kind}_gbit,$system,$round]=$(field gbit_per_second "$line")
  local cpu="–"
  [[ -n $pid ]] && cpu=$(cpu_seconds_per_gb $((after - before)) "$(field total_bytes "$line")")
  results[${kind}_cpu,$system,$round]=$cpu
  printf '  %-9s %-8s %8s Gbit/s  %6s CPU-s/GB\n' "$kind" "${label_of[$system]}" \
    "${results[${kind}_gbit,$system,$round]}" "$cpu"
}

# ---- the run --------------------------------------------------------------------------------
runs=$((rounds * ${#kinds[@]} * ${#systems[@]}))
echo "$runs runs of ${measured_seconds} s (+ ${warmup_seconds} s warm-up): about" \
  "$(((runs * (measured_seconds + warmup_seconds + 1) + 2 * 9) / 60 + 1)) min"

# One short unmeasured pass of each kind through each proxy first: the JIT compiles zcproxy's hot
# paths and fills its upstream pool; Squid and nginx settle their buffers. The request path has
# far more code to compile than a tunnel: a 1 s pass left zcproxy at a third of its later rate.
echo "priming each proxy"
for system in "${systems[@]:1}"; do
  run_wrk "$system" 5 >/dev/null
  for direction in upload download; do
    "$java_bin" -jar "$bench_jar" throughput --direction "$direction" \
      --http-connect "${proxy_of[$system]}" --seconds 1 --warmup 0 >/dev/null \
      || die "${label_of[$system]}: priming CONNECT $direction run failed"
  done
done

# Within a round each kind of run goes over all systems back to back, and the order of the
# systems rotates from round to round: drift of the machine spreads over all of them.
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  offset=$(((round - 1) % ${#systems[@]}))
  ordered=("${systems[@]:offset}" "${systems[@]:0:offset}")
  for kind in "${kinds[@]}"; do
    for system in "${ordered[@]}"; do
      measure "$system" "$kind" "$round"
    done
  done
done

relay_metrics=$(curl -fsS "http://127.0.0.1:$zc_admin/metrics" 2>/dev/null \
  | grep -E '^zcproxy_bytes_relayed_total\{[^}]*protocol="http"' || true)

# ---- the report -----------------------------------------------------------------------------
median_of() {
  local metric=$1 system=$2 round collected=()
  for round in $(seq "$rounds"); do
    collected+=("${results[$metric,$system,$round]:-}")
  done
  if [[ ${collected[0]} =~ ^[0-9.]+$ ]]; then median "${collected[@]}"; else echo "–"; fi
}

declare -A med
metrics=(rps p50_us p99_us cpu_ms_per_kreq origin_pct upload_gbit upload_cpu download_gbit download_cpu)
for system in "${systems[@]}"; do
  for metric in "${metrics[@]}"; do
    med[$metric,$system]=$(median_of "$metric" "$system")
  done
done

mkdir -p "$repo/bench/results"
report="$repo/bench/results/http-$(date -u +%Y-%m-%d-%H%M).md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
auto_choice=$(grep -o 'relay: auto chose [a-z]*' "$work/zcproxy/proxy.log" | head -1 || true)
{
  echo "# HTTP proxying on loopback: direct, zcproxy and Squid"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/http-bench.sh\` on $(nproc) cores ($cpu_model)," \
    "Linux $(uname -r), $("$java_bin" -version 2>&1 | head -1)," \
    "Squid $("$squid_bin" -v | awk 'NR == 1 { print $4 }'), $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')," \
    "nginx $("$nginx_bin" -v 2>&1 | awk -F/ '{ print $2 }') as the origin," \
    "zcproxy jar built $(date -u -r "$proxy_jar" '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- zcproxy: \`relay: auto\`${auto_choice:+ (its log: \`$auto_choice\`)}, an anonymous policy allowing" \
    "127.0.0.1/32. Squid: its own minimal config (\`cache deny all\`, \`http_access allow localhost\`," \
    "\`access_log none\`, no pinger), one process, Debian defaults otherwise."
  echo "- Requests: wrk, 2 threads, ${connections} keep-alive connections, GET of a ${body_bytes} B body from" \
    "nginx (one worker, \`return 200\`, no access log) for ${measured_seconds} s after an unmeasured" \
    "${warmup_seconds} s wrk run. Direct sends origin-form (\`GET /\`) to nginx, the proxies get absolute-form" \
    "(\`GET http://$origin/\`) with the same Host header. Latency is wrk's, per request."
  echo "- Origin CPU is nginx's process tree during the measured run, in % of one core: well under 100 %" \
    "in the proxy runs means the origin was not what limited them."
  echo "- CONNECT: \`dev.zcproxy.bench.LoadGenerator throughput --http-connect\`, one stream," \
    "\`CONNECT 127.0.0.1:PORT HTTP/1.1\` + Host, then bytes to its sink (upload) or from its source" \
    "(download) for ${measured_seconds} s after ${warmup_seconds} s of warm-up; direct connects straight to" \
    "the sink or source. Bytes are counted where they arrive."
  echo "- Proxy CPU: utime + stime of the proxy's process tree (/proc/PID/stat, reaped children included)" \
    "over the measured run (requests) or the whole run (CONNECT, divided by every byte of the run)."
  echo "- Median of ${rounds} rounds. Within a round each kind of run goes over all systems back to back, in an" \
    "order that rotates every round; each proxy had one unmeasured pass of each kind first" \
    "(5 s of requests, 1 s of CONNECT each way)."
  echo "- wrk, nginx, the load generator and the proxy share the $(nproc) cores, so no proxy gets near direct here:" \
    "quote the ratios, which come from this one run; absolute figures on a shared machine vary between runs."
  echo
  echo "## HTTP/1.1 forward requests"
  echo
  echo "| System | Requests/s | × direct | × Squid | p50 µs | p99 µs | p50 × Squid | p99 × Squid | Proxy CPU-ms per 1k requests | Origin CPU, % of a core | Errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    total_errors=0
    for round in $(seq "$rounds"); do
      total_errors=$((total_errors + results[errors,$system,$round]))
    done
    echo "| ${label_of[$system]} | ${med[rps,$system]} | $(ratio "${med[rps,$system]}" "${med[rps,direct]}") |" \
      "$(ratio "${med[rps,$system]}" "${med[rps,squid]}") | ${med[p50_us,$system]} | ${med[p99_us,$system]} |" \
      "$(ratio "${med[p50_us,$system]}" "${med[p50_us,squid]}") | $(ratio "${med[p99_us,$system]}" "${med[p99_us,squid]}") |" \
      "${med[cpu_ms_per_kreq,$system]} | ${med[origin_pct,$system]} | $total_errors |"
  done
  echo
  echo "Errors are wrk's connect, read, write and timeout errors plus non-2xx answers, over all rounds."
  echo
  echo "## HTTP CONNECT, one stream, Gbit/s and proxy CPU-seconds per GB"
  echo
  echo "| System | Upload | × direct | × Squid | CPU-s/GB | × Squid | Download | × direct | × Squid | CPU-s/GB | × Squid |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    row="| ${label_of[$system]} |"
    for kind in upload download; do
      value=${med[${kind}_gbit,$system]}
      cpu=${med[${kind}_cpu,$system]}
      row+=" $value | $(ratio "$value" "${med[${kind}_gbit,direct]}") | $(ratio "$value" "${med[${kind}_gbit,squid]}") |"
      row+=" $cpu | $(ratio "$cpu" "${med[${kind}_cpu,squid]}") |"
    done
    echo "$row"
  done
  echo
  echo "## Every round"
  echo
  echo "Requests/s (p50/p99 µs) for requests, Gbit/s (CPU-s/GB) for CONNECT."
  echo
  echo "| System | Run |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for system in "${systems[@]}"; do
    for kind in "${kinds[@]}"; do
      row="| ${label_of[$system]} | $kind |"
      for round in $(seq "$rounds"); do
        if [[ $kind == requests ]]; then
          row+=" ${results[rps,$system,$round]} (${results[p50_us,$system,$round]}/${results[p99_us,$system,$round]}) |"
        else
          row+=" ${results[${kind}_gbit,$system,$round]} (${results[${kind}_cpu,$system,$round]}) |"
        fi
      done
      echo "$row"
    done
  done
  if [[ -n $relay_metrics ]]; then
    echo
    echo "zcproxy's HTTP byte counters at the end of the run (forwarded requests and CONNECT tunnels):"
    echo
    echo '```'
    echo "$relay_metrics"
    echo '```'
  fi
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$repo"/}"
