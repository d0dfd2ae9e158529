#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Kernel zero-copy relay benchmark on loopback: direct, zcproxy (relay copy, auto and splice),
# HAProxy 2.6 in mode tcp (option splice-auto, and splice forced on) and Dante 1.4, all measured
# by the same client.
# Measures single-stream throughput both ways, throughput over parallel streams, the proxy's
# CPU-seconds per GB relayed, and 1 KiB request/response latency over one long-lived tunnel.
# Several rounds with the systems interleaved; writes the medians with ratios to
# bench/results/splice-<date>.md and a plot to bench/results/splice-<date>.png.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/splice-bench.sh [--seconds N] [--warmup N] [--rounds N] [--streams N]
                             [--message-bytes N] [--iperf3] [--no-poll-idle] [--proxy-jar JAR]

Builds nothing: run `./mvnw -B -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist. A build without
the splice relay is fine: zcproxy `relay: splice` is then skipped, and the report says so.
Needs root (Dante switches users), JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64),
curl, HAProxy 2.6 (/usr/sbin/haproxy), Dante 1.4 (/usr/sbin/danted) and gnuplot:
  apt-get install -y haproxy dante-server curl gnuplot-nox
With socat, the report also says whether each HAProxy really spliced (its pipe counters).
--iperf3 also needs iperf3 and jq (apt-get install -y iperf3 jq).

  --seconds N        measured seconds of each run (default 30)
  --warmup N         unmeasured seconds at the start of each run (default 1)
  --rounds N         rounds; the tables show the median (default 3)
  --streams N        parallel streams of the multi-stream run (default 10)
  --message-bytes N  request and response size of the latency run (default 1024)
  --iperf3           also measure direct and HAProxy with iperf3 (both directions, each round),
                     reported apart as a cross-check of the load generator
  --no-poll-idle     let idle CPUs halt, as an untuned machine does. By
                     default the run holds /dev/cpu_dma_latency at 0, so that idle CPUs poll:
                     on a VM, waking a halted vCPU costs ~40 µs, more than a relay adds to a
                     1 KiB round trip, and whether the vCPUs halt depends on whatever else runs
                     on the machine, so latency figures jump between rounds without it.
  --proxy-jar J      the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

HAProxy runs twice: with `option splice-auto`, and with `option splice-request` and
`option splice-response`, which splice from the first byte. Its splice-auto heuristics may never
engage on loopback; the forced one is the "HAProxy splice" that the ratios compare against.

Every system gets four runs per round (upload, download, parallel upload, latency), each taking
warmup + seconds + about 0.5 s, plus one 1 s warm-up pass of each kind for each proxy first.
With all 7 systems, 3 rounds and 30 s runs that is about 47 min; `--seconds 5` about 9 min
(7 min without the splice relay).
EOF
}

measured_seconds=30
warmup_seconds=1
rounds=3
streams=10
message_bytes=1024
run_iperf3=false
poll_idle=true
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="splice-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --warmup) warmup_seconds=${2:?--warmup needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --streams) streams=${2:?--streams needs a value}; shift 2 ;;
    --message-bytes) message_bytes=${2:?--message-bytes needs a value}; shift 2 ;;
    --iperf3) run_iperf3=true; shift ;;
    --no-poll-idle) poll_idle=false; shift ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$measured_seconds" "$warmup_seconds" "$rounds" "$streams" "$message_bytes"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((measured_seconds > 0 && rounds > 0 && streams > 0 && message_bytes > 0)) \
  || die "--seconds, --rounds, --streams and --message-bytes must be positive"

java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
bench_jar="$repo/bench/target/zcproxy-bench.jar"
haproxy_bin=/usr/sbin/haproxy

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -B -q -DskipTests package first"
[[ -x $haproxy_bin ]] || die "no $haproxy_bin: apt-get install -y haproxy"
[[ -x /usr/sbin/danted ]] || die "no /usr/sbin/danted: apt-get install -y dante-server"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
command -v gnuplot >/dev/null || die "no gnuplot (it draws the plot): apt-get install -y gnuplot-nox"
if [[ $run_iperf3 == true ]]; then
  command -v iperf3 >/dev/null || die "no iperf3 (for --iperf3): apt-get install -y iperf3"
  command -v jq >/dev/null || die "no jq (for --iperf3): apt-get install -y jq"
fi
((EUID == 0)) || die "run as root: Dante needs it to switch to the unprivileged user"
if [[ $poll_idle == true ]]; then
  # A PM QoS request lasts as long as the file stays open: until this script exits.
  [[ -w /dev/cpu_dma_latency ]] || die "cannot write /dev/cpu_dma_latency (or run with --no-poll-idle)"
  exec {cpu_latency_fd}>/dev/cpu_dma_latency
  printf '\0\0\0\0' >&"$cpu_latency_fd"
fi

bench_make_workdir
read -r zc_copy_port zc_copy_admin zc_splice_port zc_splice_admin haproxy_auto_port \
  haproxy_splice_port dante_port far_end_port zc_auto_port zc_auto_admin \
  < <("$java_bin" -jar "$bench_jar" free-ports --count 10)

# haproxy_pipes NAME: "PipesUsed N, PipesFree N" from HAProxy's stats socket. A pipe is only
# ever allocated to splice, so both at 0 after a run means this HAProxy never spliced.
haproxy_pipes() {
  command -v socat >/dev/null || { echo "not checked (no socat)"; return 0; }
  echo "show info" | socat - "UNIX-CONNECT:$work/$1/haproxy.sock" 2>/dev/null \
    | awk -F': ' '/^Pipes(Used|Free):/ { out = out (out ? ", " : "") $1 " " $2 } END { print out ? out : "unknown" }'
}

# ---- the systems under test -----------------------------------------------------------------
echo "starting zcproxy (relay copy, auto, splice), HAProxy (splice-auto, splice) and Dante in $work"
start_zcproxy zcproxy-copy copy "$zc_copy_port" "$zc_copy_admin" \
  || die "zcproxy (relay copy) exited at startup: $(tail -20 "$work/zcproxy-copy/proxy.log")"
zc_copy_pid=$started_pid
splice_skipped=""
if start_zcproxy zcproxy-splice splice "$zc_splice_port" "$zc_splice_admin"; then
  zc_splice_pid=$started_pid
else
  # A build without the splice relay refuses `relay: splice` as a config error and exits. Any
  # other startup failure is a broken build or machine: stop rather than report half a run.
  grep -q "config key 'relay" "$work/zcproxy-splice/proxy.log" \
    || die "zcproxy (relay splice) exited at startup: $(tail -20 "$work/zcproxy-splice/proxy.log")"
  splice_skipped=$(grep -m1 "config key 'relay" "$work/zcproxy-splice/proxy.log")
  echo "relay: splice not available in this build (zcproxy says: $splice_skipped); skipping it"
fi
# relay: auto copies until a direction streams, then splices it: measured only where splice works.
if [[ -z $splice_skipped ]]; then
  start_zcproxy zcproxy-auto auto "$zc_auto_port" "$zc_auto_admin" \
    || die "zcproxy (relay auto) exited at startup: $(tail -20 "$work/zcproxy-auto/proxy.log")"
  zc_auto_pid=$started_pid
fi
start_haproxy haproxy-auto "$haproxy_auto_port" "$far_end_port" splice-auto
haproxy_auto_pid=$started_pid
start_haproxy haproxy-splice "$haproxy_splice_port" "$far_end_port" splice-request splice-response
haproxy_splice_pid=$started_pid
start_dante "$dante_port"
dante_pid=$started_pid

systems=(direct zcproxy-copy)
[[ -z $splice_skipped ]] && systems+=(zcproxy-auto zcproxy-splice)
systems+=(haproxy-auto haproxy-splice dante)
declare -A label_of=([direct]="direct" [zcproxy-copy]="zcproxy copy" [zcproxy-auto]="zcproxy auto"
  [zcproxy-splice]="zcproxy splice"
  [haproxy-auto]="HAProxy splice-auto" [haproxy-splice]="HAProxy splice" [dante]="Dante")
declare -A pid_of=([direct]="" [zcproxy-copy]=$zc_copy_pid [haproxy-auto]=$haproxy_auto_pid
  [haproxy-splice]=$haproxy_splice_pid [dante]=$dante_pid)
# How the load generator reaches its far end through each system. HAProxy forwards to a fixed
# backend, so the far end listens on that port for its runs.
declare -A route_of=([direct]=""
  [zcproxy-copy]="--socks 127.0.0.1:$zc_copy_port"
  [haproxy-auto]="--forward 127.0.0.1:$haproxy_auto_port --far-end-port $far_end_port"
  [haproxy-splice]="--forward 127.0.0.1:$haproxy_splice_port --far-end-port $far_end_port"
  [dante]="--socks 127.0.0.1:$dante_port")
if [[ -z $splice_skipped ]]; then
  pid_of[zcproxy-splice]=$zc_splice_pid
  route_of[zcproxy-splice]="--socks 127.0.0.1:$zc_splice_port"
  pid_of[zcproxy-auto]=$zc_auto_pid
  route_of[zcproxy-auto]="--socks 127.0.0.1:$zc_auto_port"
fi

kinds=(upload download parallel latency)
declare -A kind_args=([upload]="throughput --direction upload"
  [download]="throughput --direction download"
  [parallel]="throughput --direction upload --streams $streams"
  [latency]="latency --message-bytes $message_bytes")

# ---- one measurement ------------------------------------------------------------------------
# One table for every number: results[METRIC,SYSTEM,ROUND]. Throughput metrics are named after the
# kind (upload_gbit, upload_cpu, ...); latency ones are p50_us, p99_us and round_trips.
declare -A results

proxy_ticks() {
  if [[ -n $1 ]]; then tree_cpu_ticks "$1"; else echo 0; fi
}

# measure SYSTEM KIND ROUND
measure() {
  local system=$1 kind=$2 round=$3
  local pid=${pid_of[$system]} route mode before after line
  read -ra route <<<"${route_of[$system]}"
  read -ra mode <<<"${kind_args[$kind]}"
  before=$(proxy_ticks "$pid")
  line=$("$java_bin" -jar "$bench_jar" "${mode[@]}" "${route[@]}" \
    --seconds "$measured_seconds" --warmup "$warmup_seconds") \
    || die "${label_of[$system]}: $kind run failed (round $round)"
  after=$(proxy_ticks "$pid")
  if [[ $kind == latency ]]; then
    results[p50_us,$system,$round]=$(field p50_us "$line")
    results[p99_us,$system,$round]=$(field p99_us "$line")
    results[round_trips,$system,$round]=$(field round_trips_per_second "$line")
    printf '  %-9s %-19s p50 %7s µs  p99 %7s µs  %7s round trips/s\n' "$kind" "${label_of[$system]}" \
      "${results[p50_us,$system,$round]}" "${results[p99_us,$system,$round]}" "${results[round_trips,$system,$round]}"
    return 0
  fi
  results[${kind}_gbit,$system,$round]=$(field gbit_per_second "$line")
  local cpu="–"
  [[ -n $pid ]] && cpu=$(cpu_seconds_per_gb $((after - before)) "$(field total_bytes "$line")")
  results[${kind}_cpu,$system,$round]=$cpu
  printf '  %-9s %-19s %8s Gbit/s  %6s CPU-s/GB\n' "$kind" "${label_of[$system]}" \
    "${results[${kind}_gbit,$system,$round]}" "$cpu"
}

# iperf3_measure SYSTEM DIRECTION ROUND: the cross-check, direct or through HAProxy. The iperf3
# server is the far end, on the port HAProxy forwards to; -O drops the warm-up from the rate.
iperf3_measure() {
  local system=$1 direction=$2 round=$3
  local pid=${pid_of[$system]} port=$far_end_port reverse=() server before after json status=0
  case $system in
    haproxy-auto) port=$haproxy_auto_port ;;
    haproxy-splice) port=$haproxy_splice_port ;;
  esac
  [[ $direction == download ]] && reverse=(-R)
  iperf3 -s -1 -B 127.0.0.1 -p "$far_end_port" >"$work/iperf3-server.log" 2>&1 &
  server=$!
  started_pids+=("$server")
  wait_until_listening "$server" "$far_end_port" || status=$?
  ((status == 0)) || die "iperf3 server did not start: $(cat "$work/iperf3-server.log")"
  before=$(proxy_ticks "$pid")
  json=$(iperf3 -c 127.0.0.1 -p "$port" -t "$measured_seconds" -O "$warmup_seconds" -J "${reverse[@]}") \
    || die "${label_of[$system]}: iperf3 $direction failed: $(jq -r '.error // empty' <<<"$json" 2>/dev/null)"
  after=$(proxy_ticks "$pid")
  wait "$server" 2>/dev/null || true
  untrack_pid "$server"
  results[iperf3_${direction}_gbit,$system,$round]=$(jq -r '.end.sum_received.bits_per_second / 1e9 * 1000 | round / 1000' <<<"$json")
  local cpu="–"
  [[ -n $pid ]] && cpu=$(cpu_seconds_per_gb $((after - before)) "$(jq -r '[.intervals[].sum.bytes] | add' <<<"$json")")
  results[iperf3_${direction}_cpu,$system,$round]=$cpu
  printf '  iperf3 %-9s %-19s %8s Gbit/s  %6s CPU-s/GB\n' "$direction" "${label_of[$system]}" \
    "${results[iperf3_${direction}_gbit,$system,$round]}" "$cpu"
}

# ---- the run --------------------------------------------------------------------------------
runs=$((rounds * ${#kinds[@]} * ${#systems[@]}))
echo "$runs runs of ${measured_seconds} s (+ ${warmup_seconds} s warm-up): about" \
  "$(((runs * (10 * (measured_seconds + warmup_seconds) + 4) / 10 + ${#systems[@]} * ${#kinds[@]} * 3 / 2) / 60 + 1)) min"

# One short unmeasured pass of each kind through each proxy first: the JIT compiles zcproxy's hot
# paths, Dante preforks workers, HAProxy allocates its pipes. Direct has nothing that lasts.
echo "warm-up pass"
for system in "${systems[@]:1}"; do
  read -ra route <<<"${route_of[$system]}"
  for kind in "${kinds[@]}"; do
    read -ra mode <<<"${kind_args[$kind]}"
    "$java_bin" -jar "$bench_jar" "${mode[@]}" "${route[@]}" --seconds 1 --warmup 0 >/dev/null \
      || die "${label_of[$system]}: warm-up $kind run failed"
  done
done

# Within a round, every kind is measured on all systems back to back, and the order of the
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
  if [[ $run_iperf3 == true ]]; then
    for direction in upload download; do
      for system in direct haproxy-auto haproxy-splice; do
        iperf3_measure "$system" "$direction" "$round"
      done
    done
  fi
done

# What each relay says it did: zcproxy's byte counters per relay, HAProxy's pipes.
declare -A haproxy_pipes_of=([haproxy-auto]=$(haproxy_pipes haproxy-auto)
  [haproxy-splice]=$(haproxy_pipes haproxy-splice))
declare -A relay_metrics
for system in zcproxy-copy zcproxy-auto zcproxy-splice; do
  [[ $system != zcproxy-copy && -n $splice_skipped ]] && continue
  admin=$zc_copy_admin
  [[ $system == zcproxy-splice ]] && admin=$zc_splice_admin
  [[ $system == zcproxy-auto ]] && admin=$zc_auto_admin
  relay_metrics[$system]=$(curl -fsS "http://127.0.0.1:$admin/metrics" 2>/dev/null \
    | grep -E '^zcproxy_(bytes_relayed|relay|splice|pipes?)_' || true)
done

# ---- the report -----------------------------------------------------------------------------
median_of() {
  local metric=$1 system=$2 round collected=()
  for round in $(seq "$rounds"); do
    collected+=("${results[$metric,$system,$round]:-}")
  done
  if [[ ${collected[0]} =~ ^[0-9.]+$ ]]; then median "${collected[@]}"; else echo "–"; fi
}

declare -A med
all_systems=(direct zcproxy-copy zcproxy-auto zcproxy-splice haproxy-auto haproxy-splice dante)
metrics=(upload_gbit upload_cpu download_gbit download_cpu parallel_gbit parallel_cpu p50_us p99_us round_trips)
for system in "${all_systems[@]}"; do
  for metric in "${metrics[@]}"; do
    if [[ $system =~ ^zcproxy-(splice|auto)$ && -n $splice_skipped ]]; then
      med[$metric,$system]="–"
    else
      med[$metric,$system]=$(median_of "$metric" "$system")
    fi
  done
done

# target NAME GOAL_TEXT VALUE COMPARISON LIMIT: one row of the targets table.
target() {
  local name=$1 goal=$2 value=$3 comparison=$4 limit=$5 verdict
  if [[ $value == "–" ]]; then
    verdict="not measured"
  else
    verdict=$(awk -v v="$value" -v c="$comparison" -v l="$limit" \
      'BEGIN { ok = (c == ">=") ? v >= l : v <= l; print ok ? "met" : "missed" }')
  fi
  echo "| $name | $goal | $value | $verdict |"
}

mkdir -p "$repo/bench/results"
stamp=$(date -u +%Y-%m-%d-%H%M)
report="$repo/bench/results/splice-$stamp.md"
plot="$repo/bench/results/splice-$stamp.png"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
java_version=$("$java_bin" -version 2>&1 | head -1)
splice_note=${splice_skipped:+" **zcproxy splice was not measured: relay: splice not available in this build** (zcproxy said: \`$splice_skipped\`)."}
{
  echo "# Splice relay on loopback: direct, zcproxy copy and splice, HAProxy, Dante"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/splice-bench.sh\` on $(nproc) cores ($cpu_model)," \
    "Linux $(uname -r), $java_version, HAProxy $("$haproxy_bin" -v | awk 'NR == 1 { print $3 }')," \
    "Dante $(/usr/sbin/danted -v 2>&1 | awk 'NR == 1 { sub(/^v/, "", $2); sub(/\.$/, "", $2); print $2 }'), zcproxy jar built $(date -u -r "$proxy_jar" '+%Y-%m-%d %H:%M UTC').$splice_note"
  echo
  echo "- Every system is measured by the same client, \`dev.zcproxy.bench.LoadGenerator\`, which holds its own far end" \
    "(sink, source or echo server): SOCKS5 CONNECT for zcproxy and Dante, a plain TCP connection for HAProxy" \
    "and for direct."
  echo "- HAProxy runs in \`mode tcp\`, Debian defaults otherwise, twice: *splice-auto* has \`option splice-auto\`," \
    "*splice* has \`option splice-request\` and \`option splice-response\` (splice from the first byte), and is" \
    "the one the ratios compare against. Pipes each had allocated at the end (none means it never spliced):" \
    "splice-auto ${haproxy_pipes_of[haproxy-auto]}; splice ${haproxy_pipes_of[haproxy-splice]}."
  echo "- Throughput: ${measured_seconds} s after ${warmup_seconds} s of warm-up; upload is client to far end," \
    "download far end to client, parallel is ${streams} upload streams at once. Bytes are counted where they arrive."
  echo "- Proxy CPU: utime + stime of the proxy's process tree (/proc/PID/stat, reaped children included)" \
    "over the whole run, divided by every byte of the run."
  echo "- Latency: one tunnel, kept open; ${message_bytes} B request, ${message_bytes} B echo, next request," \
    "for ${measured_seconds} s after ${warmup_seconds} s of warm-up."
  echo "- Median of ${rounds} rounds. Within a round each kind of run goes over all systems back to back, in an" \
    "order that rotates every round; every proxy had one unmeasured 1 s pass of each kind first."
  if [[ $poll_idle == true ]]; then
    echo "- Idle CPUs polled instead of halting for the whole run (/dev/cpu_dma_latency held at 0), so that waking" \
      "a halted vCPU (~40 µs on a VM) neither adds to every small round trip nor varies with the machine's other load."
  else
    echo "- Idle CPUs halted as usual (\`--no-poll-idle\`): on a VM, waking a halted vCPU adds ~40 µs to small" \
      "round trips, more or less often depending on what else runs, so latency figures vary between rounds."
  fi
  echo "- The client, its far end and the proxy share the $(nproc) cores, so no proxy gets near direct here:" \
    "quote the ratios, which come from this one run; absolute figures on a shared machine vary between runs."
  echo
  echo "## Throughput, Gbit/s"
  echo
  echo "| System | Upload | × direct | × HAProxy splice | Download | × direct | × HAProxy splice | ${streams} streams | × direct | × HAProxy splice |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for system in "${all_systems[@]}"; do
    row="| ${label_of[$system]} |"
    for kind in upload download parallel; do
      value=${med[${kind}_gbit,$system]}
      row+=" $value | $(ratio "$value" "${med[${kind}_gbit,direct]}") | $(ratio "$value" "${med[${kind}_gbit,haproxy-splice]}") |"
    done
    echo "$row"
  done
  echo
  echo "## Proxy CPU-seconds per GB relayed"
  echo
  echo "| System | Upload | × HAProxy splice | × zcproxy copy | Download | × HAProxy splice | × zcproxy copy | ${streams} streams | × HAProxy splice | × zcproxy copy |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for system in "${all_systems[@]:1}"; do
    row="| ${label_of[$system]} |"
    for kind in upload download parallel; do
      value=${med[${kind}_cpu,$system]}
      row+=" $value | $(ratio "$value" "${med[${kind}_cpu,haproxy-splice]}") | $(ratio "$value" "${med[${kind}_cpu,zcproxy-copy]}") |"
    done
    echo "$row"
  done
  echo
  echo "## ${message_bytes} B request/response over one tunnel"
  echo
  echo "| System | p50 µs | p99 µs | Round trips/s | p50 × direct | p50 × zcproxy copy | p99 × zcproxy copy |"
  echo "|---|---|---|---|---|---|---|"
  for system in "${all_systems[@]}"; do
    p50=${med[p50_us,$system]}
    p99=${med[p99_us,$system]}
    echo "| ${label_of[$system]} | $p50 | $p99 | ${med[round_trips,$system]} | $(ratio "$p50" "${med[p50_us,direct]}") |" \
      "$(ratio "$p50" "${med[p50_us,zcproxy-copy]}") | $(ratio "$p99" "${med[p99_us,zcproxy-copy]}") |"
  done
  echo
  echo "## Targets of the splice relay (issue P2)"
  echo
  echo "| Ratio, zcproxy splice | Goal | Measured | |"
  echo "|---|---|---|---|"
  s=zcproxy-splice
  target "upload ÷ direct" "≥ 0.90" "$(ratio "${med[upload_gbit,$s]}" "${med[upload_gbit,direct]}")" ">=" 0.90
  target "download ÷ direct" "≥ 0.90" "$(ratio "${med[download_gbit,$s]}" "${med[download_gbit,direct]}")" ">=" 0.90
  target "upload ÷ HAProxy splice" "≥ 1.0" "$(ratio "${med[upload_gbit,$s]}" "${med[upload_gbit,haproxy-splice]}")" ">=" 1.0
  target "download ÷ HAProxy splice" "≥ 1.0" "$(ratio "${med[download_gbit,$s]}" "${med[download_gbit,haproxy-splice]}")" ">=" 1.0
  target "CPU/GB upload ÷ copy" "≤ 0.6" "$(ratio "${med[upload_cpu,$s]}" "${med[upload_cpu,zcproxy-copy]}")" "<=" 0.6
  target "CPU/GB download ÷ copy" "≤ 0.6" "$(ratio "${med[download_cpu,$s]}" "${med[download_cpu,zcproxy-copy]}")" "<=" 0.6
  target "CPU/GB upload ÷ HAProxy splice" "≤ 1.1" "$(ratio "${med[upload_cpu,$s]}" "${med[upload_cpu,haproxy-splice]}")" "<=" 1.1
  target "CPU/GB download ÷ HAProxy splice" "≤ 1.1" "$(ratio "${med[download_cpu,$s]}" "${med[download_cpu,haproxy-splice]}")" "<=" 1.1
  target "latency p50 ÷ copy" "≤ 1.05" "$(ratio "${med[p50_us,$s]}" "${med[p50_us,zcproxy-copy]}")" "<=" 1.05
  target "latency p99 ÷ copy" "≤ 1.05" "$(ratio "${med[p99_us,$s]}" "${med[p99_us,zcproxy-copy]}")" "<=" 1.05
  echo
  echo "## Targets of relay: auto (issue P9)"
  echo
  echo "| Ratio, zcproxy auto | Goal | Measured | |"
  echo "|---|---|---|---|"
  a=zcproxy-auto
  target "CPU/GB upload ÷ splice" "≤ 1.1" "$(ratio "${med[upload_cpu,$a]}" "${med[upload_cpu,$s]}")" "<=" 1.1
  target "CPU/GB download ÷ splice" "≤ 1.1" "$(ratio "${med[download_cpu,$a]}" "${med[download_cpu,$s]}")" "<=" 1.1
  target "latency p50 ÷ copy" "≤ 1.05" "$(ratio "${med[p50_us,$a]}" "${med[p50_us,zcproxy-copy]}")" "<=" 1.05
  echo
  echo "On $(nproc) shared cores, \"≥ 0.90 of direct\" is out of reach for any relay (the client and its far end" \
    "take the CPU it would need);" \
    "the ratio to HAProxy splice from the same run is the one to watch."
  if [[ $run_iperf3 == true ]]; then
    echo
    echo "## Cross-check: $(iperf3 --version | head -1 | cut -d' ' -f1-2), one stream, -O ${warmup_seconds}, median of ${rounds} rounds"
    echo
    echo "| System | Upload Gbit/s | Upload CPU-s/GB | Download (-R) Gbit/s | Download CPU-s/GB |"
    echo "|---|---|---|---|---|"
    for system in direct haproxy-auto haproxy-splice; do
      echo "| ${label_of[$system]} | $(median_of iperf3_upload_gbit "$system") | $(median_of iperf3_upload_cpu "$system") |" \
        "$(median_of iperf3_download_gbit "$system") | $(median_of iperf3_download_cpu "$system") |"
    done
  fi
  echo
  echo "## Every round"
  echo
  echo "Gbit/s (CPU-s/GB) for throughput, p50/p99 µs for latency."
  echo
  echo "| System | Run |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for system in "${systems[@]}"; do
    for kind in "${kinds[@]}"; do
      row="| ${label_of[$system]} | $kind |"
      for round in $(seq "$rounds"); do
        if [[ $kind == latency ]]; then
          row+=" ${results[p50_us,$system,$round]} / ${results[p99_us,$system,$round]} |"
        else
          row+=" ${results[${kind}_gbit,$system,$round]} (${results[${kind}_cpu,$system,$round]}) |"
        fi
      done
      echo "$row"
    done
  done
  for system in zcproxy-copy zcproxy-auto zcproxy-splice; do
    if [[ -n ${relay_metrics[$system]:-} ]]; then
      echo
      echo "${label_of[$system]}'s own counters at the end of the run:"
      echo
      echo '```'
      echo "${relay_metrics[$system]}"
      echo '```'
    fi
  done
  echo
  echo "Plot: [\`$(basename "$plot")\`]($(basename "$plot"))."
} >"$report"

# ---- the plot -------------------------------------------------------------------------------
# Two panels, one cluster per system: throughput of the three runs, and proxy CPU per GB. The
# labels break after their first word ("\n" in a quoted gnuplot string), so that seven fit.
{
  for system in "${systems[@]}"; do
    printf '"%s" %s %s %s\n' "${label_of[$system]/ /\\n}" \
      "${med[upload_gbit,$system]}" "${med[download_gbit,$system]}" "${med[parallel_gbit,$system]}"
  done
} >"$work/throughput.dat"
{
  for system in "${systems[@]:1}"; do
    printf '"%s" %s %s %s\n' "${label_of[$system]/ /\\n}" \
      "${med[upload_cpu,$system]}" "${med[download_cpu,$system]}" "${med[parallel_cpu,$system]}"
  done
} >"$work/cpu.dat"
gnuplot <<EOF || die "gnuplot failed to draw $plot"
set terminal pngcairo size 1400,600 font "sans,10"
set output "$plot"
set multiplot layout 1,2 title "splice-bench $stamp: $(nproc) cores, Linux $(uname -r), median of $rounds rounds of ${measured_seconds} s${splice_skipped:+ (zcproxy splice not available in this build)}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key outside bottom center horizontal
set xtics nomirror
set title "Throughput (Gbit/s)"
plot "$work/throughput.dat" using 2:xtic(1) title "upload, 1 stream", \
  '' using 3 title "download, 1 stream", \
  '' using 4 title "upload, $streams streams", \
  '' using (\$0 - 0.25):2:(sprintf("%.1f", \$2)) with labels offset 0,0.7 notitle, \
  '' using (\$0):3:(sprintf("%.1f", \$3)) with labels offset 0,0.7 notitle, \
  '' using (\$0 + 0.25):4:(sprintf("%.1f", \$4)) with labels offset 0,0.7 notitle
set title "Proxy CPU-seconds per GB relayed (lower is better)"
plot "$work/cpu.dat" using 2:xtic(1) title "upload, 1 stream", \
  '' using 3 title "download, 1 stream", \
  '' using 4 title "upload, $streams streams", \
  '' using (\$0 - 0.25):2:(sprintf("%.2f", \$2)) with labels offset 0,0.7 notitle, \
  '' using (\$0):3:(sprintf("%.2f", \$3)) with labels offset 0,0.7 notitle, \
  '' using (\$0 + 0.25):4:(sprintf("%.2f", \$4)) with labels offset 0,0.7 notitle
unset multiplot
EOF

echo
cat "$report"
echo
echo "written to ${report#"$repo"/} and ${plot#"$repo"/}"
