#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Side-by-side SOCKS5 benchmark on loopback: direct, zcproxy (relay copy and auto) and Dante.
# Measures single-stream throughput and connections per second, several rounds with the systems
# interleaved, and writes the medians with ratios to bench/results/socks-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/socks-bench.sh [--seconds N] [--warmup N] [--rounds N] [--threads N] [--proxy-jar JAR]

Builds nothing: run `./mvnw -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist.
Needs root (Dante switches users), JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64),
curl and Dante 1.4 (/usr/sbin/danted; `apt-get install -y dante-server curl`).

  --seconds N   measured seconds of each run (default 8)
  --warmup N    unmeasured seconds before each run (default 1)
  --rounds N    rounds per system; the table shows the median (default 3)
  --threads N   concurrent clients in the connections-per-second runs (default 32)
  --proxy-jar J the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

Takes about rounds x 4 systems x 2 runs x (warmup + seconds + 1) seconds, plus a 15 s priming
pass: a little over 4 min by default.
EOF
}

measured_seconds=8
warmup_seconds=1
rounds=3
threads=32
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="socks-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --warmup) warmup_seconds=${2:?--warmup needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$measured_seconds" "$warmup_seconds" "$rounds" "$threads"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done

java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
bench_jar="$repo/bench/target/zcproxy-bench.jar"

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -q -DskipTests package first"
[[ -x /usr/sbin/danted ]] || die "no /usr/sbin/danted: apt-get install -y dante-server"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
((EUID == 0)) || die "run as root: Dante needs it to switch to the unprivileged user"

bench_make_workdir
clock_ticks=$(getconf CLK_TCK)
read -r zc_copy_port zc_copy_admin zc_auto_port zc_auto_admin dante_port \
  < <("$java_bin" -jar "$bench_jar" free-ports --count 5)

# ---- one measurement ------------------------------------------------------------------------
# One table for every number: results[METRIC,SYSTEM,ROUND].
declare -A results

# run_system NAME PID SOCKS_ADDRESS (PID and address empty for direct)
run_system() {
  local name=$1 pid=$2 socks=$3 round=$4
  local via=()
  [[ -n $socks ]] && via=(--socks "$socks")
  local common=(--seconds "$measured_seconds" --warmup "$warmup_seconds")

  local before after line
  before=$([[ -n $pid ]] && tree_cpu_ticks "$pid" || echo 0)
  line=$("$java_bin" -jar "$bench_jar" throughput "${via[@]}" "${common[@]}") \
    || die "$name: throughput run failed"
  after=$([[ -n $pid ]] && tree_cpu_ticks "$pid" || echo 0)
  results[gbit,$name,$round]=$(field gbit_per_second "$line")
  results[cpu_per_gb,$name,$round]=$(cpu_seconds_per_gb $((after - before)) "$(field total_bytes "$line")")

  before=$([[ -n $pid ]] && tree_cpu_ticks "$pid" || echo 0)
  line=$("$java_bin" -jar "$bench_jar" cps "${via[@]}" "${common[@]}" --threads "$threads") \
    || die "$name: connection-rate run failed"
  after=$([[ -n $pid ]] && tree_cpu_ticks "$pid" || echo 0)
  results[cps,$name,$round]=$(field cps "$line")
  results[p50_ms,$name,$round]=$(awk -v us="$(field p50_us "$line")" 'BEGIN { printf "%.2f", us / 1000 }')
  results[p99_ms,$name,$round]=$(awk -v us="$(field p99_us "$line")" 'BEGIN { printf "%.2f", us / 1000 }')
  results[errors,$name,$round]=$(field errors "$line")
  results[cpu_ms_per_kconn,$name,$round]=$(awk -v t=$((after - before)) -v hz="$clock_ticks" \
    -v n="$(field total_connections "$line")" 'BEGIN { printf "%.1f", (t / hz * 1000) / (n / 1000) }')

  printf '  %-16s %8s Gbit/s  %8s conn/s  p99 %6s ms  %s errors\n' "$name" \
    "${results[gbit,$name,$round]}" "${results[cps,$name,$round]}" "${results[p99_ms,$name,$round]}" "${results[errors,$name,$round]}"
}

# ---- the run --------------------------------------------------------------------------------
echo "starting zcproxy (relay copy, relay auto) and Dante in $work"
start_zcproxy zcproxy-copy copy "$zc_copy_port" "$zc_copy_admin" \
  || die "zcproxy-copy exited at startup: $(tail -20 "$work/zcproxy-copy/proxy.log")"
zc_copy_pid=$started_pid
start_zcproxy zcproxy-auto auto "$zc_auto_port" "$zc_auto_admin" \
  || die "zcproxy-auto exited at startup: $(tail -20 "$work/zcproxy-auto/proxy.log")"
zc_auto_pid=$started_pid
start_dante "$dante_port"
dante_pid=$started_pid

systems=(direct zcproxy-copy zcproxy-auto dante)
declare -A pid_of=([direct]="" [zcproxy-copy]=$zc_copy_pid [zcproxy-auto]=$zc_auto_pid [dante]=$dante_pid)
declare -A socks_of=([direct]="" [zcproxy-copy]="127.0.0.1:$zc_copy_port"
  [zcproxy-auto]="127.0.0.1:$zc_auto_port" [dante]="127.0.0.1:$dante_port")

# One short unmeasured pass first: the JIT compiles zcproxy's hot paths, Dante preforks workers.
echo "priming each proxy"
for system in "${systems[@]:1}"; do
  "$java_bin" -jar "$bench_jar" throughput --socks "${socks_of[$system]}" --seconds 2 --warmup 0 >/dev/null \
    || die "$system: priming throughput run failed"
  "$java_bin" -jar "$bench_jar" cps --socks "${socks_of[$system]}" --seconds 2 --warmup 0 --threads "$threads" >/dev/null \
    || die "$system: priming connection-rate run failed"
done

# Interleaving the systems within each round spreads any drift of the machine over all of them.
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  for system in "${systems[@]}"; do
    run_system "$system" "${pid_of[$system]}" "${socks_of[$system]}" "$round"
  done
done

# ---- the report -----------------------------------------------------------------------------
median_of() {
  local metric=$1 system=$2 round collected=()
  for round in $(seq "$rounds"); do
    collected+=("${results[$metric,$system,$round]}")
  done
  median "${collected[@]}"
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'
}

declare -A med_gbit med_cps
for system in "${systems[@]}"; do
  med_gbit[$system]=$(median_of gbit "$system")
  med_cps[$system]=$(median_of cps "$system")
done

mkdir -p "$repo/bench/results"
report="$repo/bench/results/socks-$(date -u +%Y-%m-%d-%H%M).md"
{
  echo "# SOCKS5 on loopback: direct, zcproxy and Dante"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, Linux $(uname -r)," \
    "$("$java_bin" -version 2>&1 | head -1), Dante 1.4.2, by \`bench/socks-bench.sh\`."
  echo "Throughput: one TCP stream for ${measured_seconds} s after ${warmup_seconds} s of warm-up."
  echo "Connections/s: ${threads} clients, each looping connect + SOCKS5 handshake (no authentication)" \
    "+ 64-byte request + 64-byte response + close, for ${measured_seconds} s after ${warmup_seconds} s of warm-up;" \
    "latency spans the whole connection."
  echo "Median of ${rounds} rounds, the systems interleaved within each round. The load generator, its far end and" \
    "the proxy all share the cores, so no proxy can get near direct here: compare the ratios, which come from one run."
  echo "Each proxy had one unmeasured 2 s pass of each kind first (JIT, Dante's worker pool)." \
    "Proxy CPU counts the proxy's process tree (Dante forks workers)."
  auto_choice=$(grep -o 'relay: auto[^"]*' "$work/zcproxy-auto/proxy.log" | head -1 || true)
  if [[ -n $auto_choice ]]; then
    echo "zcproxy-auto's log says: \`$auto_choice\`."
  fi
  echo
  echo "| System | Gbit/s | × direct | × Dante | Proxy CPU-s per GB | Connections/s | × direct | × Dante | p50 ms | p99 ms | Proxy CPU-ms per 1k conn | Errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    if [[ $system == direct ]]; then
      cpu_gb="–"
      cpu_kconn="–"
    else
      cpu_gb=$(median_of cpu_per_gb "$system")
      cpu_kconn=$(median_of cpu_ms_per_kconn "$system")
    fi
    total_errors=0
    for round in $(seq "$rounds"); do
      total_errors=$((total_errors + results[errors,$system,$round]))
    done
    echo "| $system | ${med_gbit[$system]} | $(ratio "${med_gbit[$system]}" "${med_gbit[direct]}") |" \
      "$(ratio "${med_gbit[$system]}" "${med_gbit[dante]}") | $cpu_gb |" \
      "${med_cps[$system]} | $(ratio "${med_cps[$system]}" "${med_cps[direct]}") |" \
      "$(ratio "${med_cps[$system]}" "${med_cps[dante]}") |" \
      "$(median_of p50_ms "$system") | $(median_of p99_ms "$system") | $cpu_kconn | $total_errors |"
  done
  echo
  echo "Every round (Gbit/s, connections/s):"
  echo
  echo "| System |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for system in "${systems[@]}"; do
    echo "| $system |$(for round in $(seq "$rounds"); do
      printf ' %s, %s |' "${results[gbit,$system,$round]}" "${results[cps,$system,$round]}"
    done)"
  done
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$repo"/}"
