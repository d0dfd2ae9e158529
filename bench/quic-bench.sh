#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# QUIC and HTTP/3 benchmark on loopback. Single-stream CONNECT throughput both ways through zcproxy
# over HTTP/3 (QUIC), HTTP/2 (h2c) and HTTP/1.1 (relay copy and auto), next to direct, with the
# proxy's CPU-seconds per GB; CONNECT-UDP (RFC 9298, QUIC DATAGRAM frames) echo rate, goodput and
# loss at several payload sizes next to SOCKS5 UDP ASSOCIATE and direct UDP, with the proxy's CPU
# per datagram. Several rounds with the systems interleaved; then one H3 CONNECT download and one
# CONNECT-UDP run again under JFR (and perf, if there is one) to show where the proxy spends its
# time. Writes the medians, ratios and profiles to bench/results/quic-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/quic-bench.sh [--seconds N] [--warmup N] [--rounds N] [--window N]
                           [--udp-sizes "N N ..."] [--no-profile] [--no-perf] [--proxy-jar JAR]

Builds nothing: run `./mvnw -B -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist.
Needs JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64; its jcmd and jfr for the profile)
and curl; perf (linux-perf) adds a native profile, and root lets perf see the kernel. zcproxy
serves QUIC on the UDP port of the same number as its TCP port: both must be free.

  --seconds N      measured seconds of each run (default 5)
  --warmup N       unmeasured seconds before each run (default 1)
  --rounds N       rounds; the tables show the median (default 3)
  --window N       UDP datagrams in flight per flow (default 64)
  --udp-sizes S    UDP payload sizes in bytes (default "64 1150 1200": 1,150 B is about the
                   largest a QUIC DATAGRAM frame of 1,200-byte packets carries; zcproxy sends
                   packets of up to 1,350 B, so 1,200 B fits)
  --no-profile     skip the JFR (and perf) runs at the end
  --no-perf        JFR only, even where perf is installed
  --proxy-jar J    the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

Per round: 5 systems x 2 directions of CONNECT and 3 systems x each UDP size, each run taking
warmup + seconds + about 1.5 s (JVM start, drain); plus a priming pass and two profiled runs.
Defaults: about 9-10 min.
EOF
}

measured_seconds=5
warmup_seconds=1
rounds=3
window=64
udp_sizes="64 1150 1200"
profile=1
use_perf=1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="quic-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --warmup) warmup_seconds=${2:?--warmup needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --window) window=${2:?--window needs a value}; shift 2 ;;
    --udp-sizes) udp_sizes=${2:?--udp-sizes needs a value}; shift 2 ;;
    --no-profile) profile=0; shift ;;
    --no-perf) use_perf=0; shift ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
read -r -a sizes <<<"$udp_sizes"
for number in "$measured_seconds" "$warmup_seconds" "$rounds" "$window" "${sizes[@]}"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((measured_seconds > 0 && rounds > 0 && window > 0 && ${#sizes[@]} > 0)) \
  || die "--seconds, --rounds and --window must be positive, --udp-sizes not empty"

jdk_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin"
java_bin="$jdk_bin/java"
bench_jar="$repo/bench/target/zcproxy-bench.jar"

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -B -q -DskipTests package first"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
if ((profile)); then
  [[ -x $jdk_bin/jcmd && -x $jdk_bin/jfr ]] || die "no jcmd or jfr in $jdk_bin (or pass --no-profile)"
  if ((use_perf)) && ! command -v perf >/dev/null; then
    use_perf=0
  fi
else
  use_perf=0
fi

load_at_start=$(load_averages)
bench_make_workdir
clock_ticks=$(getconf CLK_TCK)

# The load generator: Netty (epoll, quiche) wants native access and Unsafe. Its JVM lives for one
# run, so C1 only: C2 compiling Netty and quiche's Java side took the client as much CPU as the
# QUIC run itself, on the cores the proxy needs.
bench() {
  "$java_bin" -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -jar "$bench_jar" "$@"
}

read -r zc_port zc_admin copy_port copy_admin < <(bench free-ports --count 4)

# UdpSession logs why it dropped datagrams when a session ends, at DEBUG. Netty's native
# libraries (quiche) stay on disk under $work, so that perf can name their symbols.
cat >"$work/logback.xml" <<'EOF'
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.netty" level="WARN"/>
  <logger name="io.micrometer" level="WARN"/>
  <logger name="dev.zcproxy.inbound.netty.udp.UdpSession" level="DEBUG"/>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
EOF
mkdir -p "$work/native"
zcproxy_java_opts=(
  "-Dlogback.configurationFile=$work/logback.xml"
  "-Dio.netty.native.workdir=$work/native"
  "-Dio.netty.native.deleteLibAfterLoading=false"
)

# ---- the systems under test -----------------------------------------------------------------
echo "starting zcproxy (relay auto, TLS self-signed, QUIC) and zcproxy (relay copy) in $work"
# zcproxy's egress guard refuses loopback unless a rule names it: lib.sh's policy allows
# 127.0.0.1/32, every port, TCP and UDP.
start_zcproxy zcproxy auto "$zc_port" "$zc_admin" \
  "$(printf 'tls: { selfSigned: true }\nquic: { enabled: true }')" \
  || die "zcproxy exited at startup: $(tail -20 "$work/zcproxy/proxy.log")"
zc_pid=$started_pid
start_zcproxy zcproxy-copy copy "$copy_port" "$copy_admin" \
  || die "zcproxy-copy exited at startup: $(tail -20 "$work/zcproxy-copy/proxy.log")"
copy_pid=$started_pid

zc="127.0.0.1:$zc_port"
tcp_systems=(direct h1-copy h1-auto h2 h3)
udp_systems=(direct socks5 connect-udp)
declare -A label_of=(
  [direct]="direct"
  [h1-copy]="HTTP/1.1 CONNECT, relay copy"
  [h1-auto]="HTTP/1.1 CONNECT, relay auto"
  [h2]="HTTP/2 CONNECT (h2c)"
  [h3]="HTTP/3 CONNECT"
  [socks5]="SOCKS5 UDP ASSOCIATE"
  [connect-udp]="CONNECT-UDP (QUIC datagrams)"
)
declare -A pid_of=([direct]="" [h1-copy]=$copy_pid [h1-auto]=$zc_pid [h2]=$zc_pid [h3]=$zc_pid
  [socks5]=$zc_pid [connect-udp]=$zc_pid)
declare -A route_of=([direct]="" [h1-copy]="--http-connect 127.0.0.1:$copy_port"
  [h1-auto]="--http-connect $zc" [h2]="--h2-connect $zc" [h3]="--h3-connect $zc"
  [socks5]="--socks $zc" [connect-udp]="--connect-udp $zc")

# ---- one measurement ------------------------------------------------------------------------
# One table for every number: results[METRIC,SYSTEM,ROUND].
declare -A results

proxy_ticks() {
  if [[ -n $1 ]]; then tree_cpu_ticks "$1"; else echo 0; fi
}

# The kernel's UDP receive-buffer drops, machine-wide (/proc/net/snmp, Udp: RcvbufErrors).
udp_rcvbuf_errors() {
  awk '$1 == "Udp:" { if (!seen) { for (i = 2; i <= NF; i++) col[$i] = i; seen = 1 } else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# zcproxy's CONNECT-UDP answers that did not fit in a QUIC DATAGRAM frame (it counts every failed
# DATAGRAM write under this reason).
quic_too_large() {
  curl -fsS "http://127.0.0.1:$zc_admin/metrics" 2>/dev/null \
    | awk '/^zcproxy_quic_drops_total\{reason="too_large"\}/ { printf "%d", $2; found = 1 } END { if (!found) print 0 }'
}

# measure_tcp SYSTEM KIND ROUND
measure_tcp() {
  local system=$1 kind=$2 round=$3
  local pid=${pid_of[$system]} before after line route=()
  read -r -a route <<<"${route_of[$system]}"
  before=$(proxy_ticks "$pid")
  line=$(bench throughput --direction "$kind" ${route[@]+"${route[@]}"} \
    --seconds "$measured_seconds" --warmup "$warmup_seconds") \
    || die "${label_of[$system]}: $kind run failed (round $round)"
  after=$(proxy_ticks "$pid")
  results[${kind}_gbit,$system,$round]=$(field gbit_per_second "$line")
  local cpu="–"
  [[ -n $pid ]] && cpu=$(cpu_seconds_per_gb $((after - before)) "$(field total_bytes "$line")")
  results[${kind}_cpu,$system,$round]=$cpu
  results[${kind}_client,$system,$round]=$(awk -v s="$(field client_cpu_seconds "$line")" \
    -v b="$(field total_bytes "$line")" 'BEGIN { printf "%.3f", s / (b / 1e9) }')
  printf '  %-9s %-30s %8s Gbit/s  %6s CPU-s/GB\n' "$kind" "${label_of[$system]}" \
    "${results[${kind}_gbit,$system,$round]}" "$cpu"
}

# measure_udp SYSTEM SIZE ROUND
measure_udp() {
  local system=$1 size=$2 round=$3
  local pid=${pid_of[$system]} before after line route=() rcvbuf_before too_large_before
  read -r -a route <<<"${route_of[$system]}"
  rcvbuf_before=$(udp_rcvbuf_errors)
  too_large_before=$(quic_too_large)
  before=$(proxy_ticks "$pid")
  line=$(bench udp-rate ${route[@]+"${route[@]}"} --payload-bytes "$size" --window "$window" \
    --seconds "$measured_seconds" --warmup "$warmup_seconds") \
    || die "${label_of[$system]}: UDP $size B run failed (round $round)"
  after=$(proxy_ticks "$pid")
  local key=$system,$size,$round
  results[eps,$key]=$(field echoes_per_second "$line")
  results[mbit,$key]=$(field goodput_mbit_per_second "$line")
  results[loss,$key]=$(field loss_percent "$line")
  results[lost_out,$key]=$(field lost_out "$line")
  results[lost_back,$key]=$(field lost_back "$line")
  results[sent,$key]=$(field sent "$line")
  results[stalls,$key]=$(field stalls "$line")
  results[capsules,$key]=$(field capsule_echoes "$line")
  results[rcvbuf,$key]=$(($(udp_rcvbuf_errors) - rcvbuf_before))
  results[too_large,$key]=$(($(quic_too_large) - too_large_before))
  local cpu="–" relayed
  relayed=$(field relayed_datagrams "$line")
  if [[ -n $pid ]] && ((relayed > 0)); then
    cpu=$(awk -v t=$((after - before)) -v hz="$clock_ticks" -v n="$relayed" \
      'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
  fi
  results[cpu_us,$key]=$cpu
  results[client_us,$key]=$(awk -v s="$(field client_cpu_seconds "$line")" \
    -v n="$(field returned "$line")" 'BEGIN { if (n > 0) printf "%.2f", s * 1e6 / n; else print "–" }')
  printf '  %5s B  %-30s %8s echoes/s %8s Mbit/s  loss %6s %% (out %s, back %s)  %6s CPU-µs/datagram\n' \
    "$size" "${label_of[$system]}" "${results[eps,$key]}" "${results[mbit,$key]}" \
    "${results[loss,$key]}" "${results[lost_out,$key]}" "${results[lost_back,$key]}" "$cpu"
}

# ---- the run --------------------------------------------------------------------------------
runs=$((rounds * (2 * ${#tcp_systems[@]} + ${#sizes[@]} * ${#udp_systems[@]})))
echo "$runs runs of ${measured_seconds} s (+ ${warmup_seconds} s warm-up): about" \
  "$(((runs * (measured_seconds + warmup_seconds + 2) + 60 + 2 * profile * (measured_seconds + 20)) / 60 + 1)) min"

# One short unmeasured pass over every proxied path first: the JIT compiles zcproxy's hot paths
# (QUIC and HTTP/2 have far more code than a TCP relay) and the first QUIC connections set up
# what later ones reuse.
echo "priming each path"
for system in "${tcp_systems[@]:1}"; do
  read -r -a route <<<"${route_of[$system]}"
  for direction in upload download; do
    bench throughput --direction "$direction" "${route[@]}" --seconds 2 --warmup 0 >/dev/null \
      || die "${label_of[$system]}: priming $direction run failed"
  done
done
for system in "${udp_systems[@]:1}"; do
  read -r -a route <<<"${route_of[$system]}"
  bench udp-rate "${route[@]}" --payload-bytes "${sizes[0]}" --window "$window" --seconds 2 \
    --warmup 0 >/dev/null || die "${label_of[$system]}: priming UDP run failed"
done

# Within a round each kind of run goes over all systems back to back, and the order of the
# systems rotates from round to round: drift of the machine spreads over all of them.
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  offset=$(((round - 1) % ${#tcp_systems[@]}))
  ordered=("${tcp_systems[@]:offset}" "${tcp_systems[@]:0:offset}")
  for kind in upload download; do
    for system in "${ordered[@]}"; do
      measure_tcp "$system" "$kind" "$round"
    done
  done
  offset=$(((round - 1) % ${#udp_systems[@]}))
  ordered=("${udp_systems[@]:offset}" "${udp_systems[@]:0:offset}")
  for size in "${sizes[@]}"; do
    for system in "${ordered[@]}"; do
      measure_udp "$system" "$size" "$round"
    done
  done
done

# ---- the medians ----------------------------------------------------------------------------
# median_of METRIC KEY-WITHOUT-ROUND
median_of() {
  local metric=$1 key=$2 round collected=()
  for round in $(seq "$rounds"); do
    collected+=("${results[$metric,$key,$round]:-}")
  done
  if [[ ${collected[0]} =~ ^[0-9.]+$ ]]; then median "${collected[@]}"; else echo "–"; fi
}

# sum_of METRIC KEY-WITHOUT-ROUND
sum_of() {
  local metric=$1 key=$2 round total=0
  for round in $(seq "$rounds"); do
    total=$((total + ${results[$metric,$key,$round]:-0}))
  done
  echo "$total"
}

declare -A med
for system in "${tcp_systems[@]}"; do
  for metric in upload_gbit upload_cpu upload_client download_gbit download_cpu download_client; do
    med[$metric,$system]=$(median_of "$metric" "$system")
  done
done
for system in "${udp_systems[@]}"; do
  for size in "${sizes[@]}"; do
    for metric in eps mbit loss cpu_us client_us; do
      med[$metric,$system,$size]=$(median_of "$metric" "$system,$size")
    done
  done
done

# ---- the profiles ---------------------------------------------------------------------------
# The largest size whose CONNECT-UDP echoes came back: a flow that loses every answer shows only
# half a path (and mostly an idle proxy).
profile_size=""
for size in "${sizes[@]}"; do
  if awk -v e="${med[eps,connect-udp,$size]}" 'BEGIN { exit !(e > 0) }'; then
    profile_size=$size
  fi
done

cat >"$work/topframes.awk" <<'EOF'
# `jfr print --events jdk.CPUTimeSample` -> "count<TAB>thread<TAB>top frame", threads numbered alike
# folded together. JFR's own threads and the attach listener (jcmd) are left out.
/^jdk\.CPUTimeSample / { want = 0; thread = "" }
/eventThread = / {
  thread = $0
  sub(/.*eventThread = "/, "", thread); sub(/".*/, "", thread); gsub(/-[0-9]+$/, "-N", thread)
}
/stackTrace = \[/ { want = 1; next }
want == 1 {
  frame = $0
  sub(/^ +/, "", frame); sub(/ line: [0-9]+$/, "", frame); sub(/\(.*$/, "", frame)
  want = 0
  if (thread ~ /^(Attach Listener|JFR |Notification Thread)/ || frame == "]") next
  count[thread "\t" frame]++
}
END { for (k in count) printf "%d\t%s\n", count[k], k }
EOF

# jfr_top FILE N: markdown rows, each top frame's share of the CPU-time samples, biggest first
jfr_top() {
  local file=$1 n=$2
  "$jdk_bin/jfr" print --events jdk.CPUTimeSample "$file" | awk -f "$work/topframes.awk" \
    | sort -t$'\t' -k1,1nr | awk -F'\t' -v n="$n" '
        { c[NR] = $1; t[NR] = $2; f[NR] = $3; total += $1 }
        END {
          for (i = 1; i <= NR && i <= n; i++)
            printf "| %.1f %% | %d | %s | `%s` |\n", c[i] * 100 / total, c[i], t[i], f[i]
          printf "| 100 %% | %d | all | |\n", total
        }'
}

# jfr_layers FILE: the CPU-time samples by what their top frame is
jfr_layers() {
  "$jdk_bin/jfr" print --events jdk.CPUTimeSample "$1" | awk -f "$work/topframes.awk" \
    | awk -F'\t' '
        {
          f = $3
          if (f ~ /^io\.netty\.handler\.codec\.quic\.Quiche\./) l = "quiche and BoringSSL (native, through JNI)"
          else if (f ~ /^io\.netty\.channel\.epoll\.Native\.|^io\.netty\.channel\.unix\.(Socket|FileDescriptor)\./) l = "socket system calls (sendmmsg, recvmsg, read, write...)"
          else if (f ~ /^io\.netty\.handler\.codec\.quic\./) l = "Netty QUIC, Java side"
          else if (f ~ /^io\.netty\.handler\.codec\.http3\./) l = "Netty HTTP/3 and QPACK"
          else if (f ~ /^io\.netty\.handler\.codec\.http2\./) l = "Netty HTTP/2"
          else if (f ~ /^io\.netty\.buffer\./) l = "Netty buffers"
          else if (f ~ /^io\.netty\.util\./) l = "Netty util (recycler, leak detector, promises, timers)"
          else if (f ~ /^io\.netty\./) l = "Netty, other (pipeline, epoll loop, codecs)"
          else if (f ~ /^dev\.zcproxy\./) l = "zcproxy"
          else l = "JDK"
          c[l] += $1; total += $1
        }
        END { for (l in c) printf "%d\t%s\t%.1f\n", c[l], l, c[l] * 100 / total }' \
    | sort -t$'\t' -k1,1nr | awk -F'\t' '{ printf "| %s | %s %% |\n", $2, $3 }'
}

# perf_top FILE PID: markdown rows of the flat profile, by shared object and by symbol
perf_top() {
  local file=$1 pid=$2
  # shellcheck disable=SC2016  # awk code, not shell
  local tidy='{ for (i = 1; i <= NF; i++) { gsub(/^ +| +$/, "", $i) }
    sub(/_x86_64[0-9]+\.so/, "_x86_64.so", $2); sub(/ \(deleted\)$/, "", $2); sub(/ tid [0-9]+$/, "", $2) }'
  echo "By shared object:"
  echo
  echo "| Share | Object |"
  echo "|---|---|"
  perf report -i "$file" --stdio -t $'\t' --sort dso 2>/dev/null \
    | awk -F'\t' "$tidy"' /^ *[0-9.]+%/ && n++ < 8 { printf "| %s | %s |\n", $1, $2 }'
  echo
  echo "Top symbols ([JIT] is compiled Java, named through \`jcmd Compiler.perfmap\`):"
  echo
  echo "| Share | Object | Symbol |"
  echo "|---|---|---|"
  perf report -i "$file" --stdio -t $'\t' --sort dso,sym 2>/dev/null \
    | awk -F'\t' "$tidy"' /^ *[0-9.]+%/ && n++ < 15 { sub(/^\[[.k]\] /, "", $3); printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
  rm -f "/tmp/perf-$pid.map"
}

declare -A profiled_line
# profile_run NAME BENCH-ARGS...: the run under JFR (settings=profile) and perf, on zcproxy
profile_run() {
  local name=$1
  shift
  local perf_pid=""
  "$jdk_bin/jcmd" "$zc_pid" JFR.start name=quic-bench settings=profile \
    "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" \
    filename="$work/$name.jfr" >/dev/null || die "JFR.start failed on zcproxy"
  if ((use_perf)); then
    (sleep "$warmup_seconds" && exec perf record -q -F 999 -p "$zc_pid" -o "$work/$name.perf" \
      -- sleep "$measured_seconds") >/dev/null 2>&1 &
    perf_pid=$!
  fi
  profiled_line[$name]=$(bench "$@" --seconds "$measured_seconds" --warmup "$warmup_seconds") \
    || die "profiled run $name failed"
  "$jdk_bin/jcmd" "$zc_pid" JFR.stop name=quic-bench >/dev/null || die "JFR.stop failed"
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    # JIT-compiled Java methods get names in perf through /tmp/perf-PID.map
    "$jdk_bin/jcmd" "$zc_pid" Compiler.perfmap >/dev/null 2>&1 || true
  fi
}

profilers="JFR"
((use_perf)) && profilers="JFR and perf"
if ((profile)); then
  echo "profiling: HTTP/3 CONNECT download under $profilers"
  profile_run h3-download throughput --direction download --h3-connect "$zc"
  if [[ -n $profile_size ]]; then
    echo "profiling: CONNECT-UDP ${profile_size} B under $profilers"
    profile_run connect-udp udp-rate --connect-udp "$zc" --payload-bytes "$profile_size" \
      --window "$window"
  fi
fi

relay_metrics=$(curl -fsS "http://127.0.0.1:$zc_admin/metrics" 2>/dev/null \
  | grep -E '^zcproxy_quic_(drops|datagrams|capsules|streams|connections_total|retries)' \
  | grep -v ' 0\.0$' || true)
udp_session_drops=$(grep -o 'ended; dropped datagrams: {.*}' "$work/zcproxy/proxy.log" \
  | sed 's/ended; dropped datagrams: //' | grep -v '^{[A-Z_]*=0\(, [A-Z_]*=0\)*}$' | sort | uniq -c || true)
proxy_warnings=$(grep -E ' (WARN|ERROR) ' "$work/zcproxy/proxy.log" | grep -v 'tls.selfSigned' | head -20 || true)

# ---- the report -----------------------------------------------------------------------------
mkdir -p "$repo/bench/results"
report="$repo/bench/results/quic-$(date -u +%Y-%m-%d-%H%M).md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
auto_choice=$(grep -o 'relay: auto chose [a-z]*' "$work/zcproxy/proxy.log" | head -1 || true)
{
  echo "# QUIC and HTTP/3 on loopback: zcproxy's HTTP/3 CONNECT and CONNECT-UDP next to its TCP paths"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/quic-bench.sh\` on $(nproc) cores ($cpu_model)," \
    "Linux $(uname -r), $("$java_bin" -version 2>&1 | head -1), zcproxy jar built" \
    "$(date -u -r "$proxy_jar" '+%Y-%m-%d %H:%M UTC'). Load averages over 1/5/15 min: $load_at_start at the" \
    "start, $(load_averages) at the end."
  echo
  echo "- zcproxy under test: \`relay: auto\`${auto_choice:+ (\`$auto_choice\`)}, \`tls: { selfSigned: true }\`," \
    "\`quic: { enabled: true }\` (QUIC on UDP port $zc_port, its defaults: 16 MiB connection and 2 MiB stream" \
    "windows, packets up to 1,350 B sent with UDP GSO), an anonymous policy allowing 127.0.0.1/32. HTTP/1.1 with" \
    "\`relay: copy\` is a second zcproxy, plain."
  echo "- Client: \`dev.zcproxy.bench.LoadGenerator\`, one JVM per run, C1 only (\`-XX:TieredStopAtLevel=1\`). TCP paths: blocking sockets, 256 KiB" \
    "writes. HTTP/2: cleartext with prior knowledge (h2c), one connection, one CONNECT stream, DATA frames" \
    "of 16 KiB (the default SETTINGS_MAX_FRAME_SIZE), client windows 2 MiB per stream and 16 MiB per" \
    "connection. HTTP/3: Netty's QUIC and HTTP/3 codecs (quiche) on epoll, one connection, one CONNECT" \
    "stream, writes of 64 KiB while the stream is writable, windows like the proxy's, packets up to" \
    "1,350 B, sent with UDP GSO. Bytes are counted where they arrive, ${measured_seconds} s after" \
    "${warmup_seconds} s of warm-up."
  echo "- UDP: one flow to an echo server in the client's JVM, ${window} datagrams in flight: a new one" \
    "for each that comes back, so the rate is what the path sustains; nothing back for 100 ms writes the" \
    "window off as lost and reopens it (a stall). Echoes/s count whole round trips; goodput is their" \
    "payload, one way. Loss is counted over the whole run after 0.5 s for the last echoes: out = sent" \
    "but never at the echo server, back = echoed but never back at the client. SOCKS5: UDP ASSOCIATE" \
    "with the client's address, 10-byte headers. CONNECT-UDP: extended CONNECT (\`:protocol" \
    "connect-udp\`, \`capsule-protocol: ?1\`) after SETTINGS_H3_DATAGRAM=1, each datagram one QUIC" \
    "DATAGRAM frame (Quarter Stream ID, context ID 0, payload)."
  echo "- Proxy CPU: utime + stime of the proxy JVM (/proc/PID/stat) over the whole run, divided by every" \
    "byte the run moved (TCP) or every datagram the proxy relayed, each way counted where it arrived (UDP)."
  echo "- Median of ${rounds} rounds. Within a round each kind of run goes over all systems back to back, in an" \
    "order that rotates every round; each proxied path had one unmeasured 2 s pass first."
  echo "- The client, its far end and the proxy share the $(nproc) cores: quote the ratios, which come from" \
    "this one run; absolute figures on a shared machine vary between runs."
  echo
  echo "## CONNECT, one stream: Gbit/s and proxy CPU-seconds per GB"
  echo
  echo "| System | Upload | × direct | Proxy CPU-s/GB | Client CPU-s/GB | Download | × direct | Proxy CPU-s/GB | Client CPU-s/GB |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for system in "${tcp_systems[@]}"; do
    echo "| ${label_of[$system]} | ${med[upload_gbit,$system]} |" \
      "$(ratio "${med[upload_gbit,$system]}" "${med[upload_gbit,direct]}") | ${med[upload_cpu,$system]} |" \
      "${med[upload_client,$system]} |" \
      "${med[download_gbit,$system]} | $(ratio "${med[download_gbit,$system]}" "${med[download_gbit,direct]}") |" \
      "${med[download_cpu,$system]} | ${med[download_client,$system]} |"
  done
  echo
  echo "Client CPU is the load generator's JVM (its far end, JIT and GC included) over its whole run, per GB:" \
    "where it is well above the proxy's, the client, not the proxy, set the pace."
  echo
  echo "HTTP/3 CONNECT as a multiple of the others (throughput: above 1 is faster; CPU per GB: above 1" \
    "costs more):"
  echo
  echo "| HTTP/3 CONNECT × | Upload Gbit/s | Upload CPU-s/GB | Download Gbit/s | Download CPU-s/GB |"
  echo "|---|---|---|---|---|"
  for system in h2 h1-copy h1-auto; do
    echo "| ${label_of[$system]} | $(ratio "${med[upload_gbit,h3]}" "${med[upload_gbit,$system]}") |" \
      "$(ratio "${med[upload_cpu,h3]}" "${med[upload_cpu,$system]}") |" \
      "$(ratio "${med[download_gbit,h3]}" "${med[download_gbit,$system]}") |" \
      "$(ratio "${med[download_cpu,h3]}" "${med[download_cpu,$system]}") |"
  done
  echo
  echo "## UDP: echoes per second, goodput, loss and proxy CPU per datagram"
  echo
  echo "| Payload | System | Echoes/s | × direct | Goodput Mbit/s | Loss % | Lost out / back | Stalls | Kernel rcvbuf drops | Proxy CPU-µs per datagram | Client CPU-µs per echo |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for size in "${sizes[@]}"; do
    for system in "${udp_systems[@]}"; do
      echo "| $size B | ${label_of[$system]} | ${med[eps,$system,$size]} |" \
        "$(ratio "${med[eps,$system,$size]}" "${med[eps,direct,$size]}") | ${med[mbit,$system,$size]} |" \
        "${med[loss,$system,$size]} | $(sum_of lost_out "$system,$size") / $(sum_of lost_back "$system,$size") |" \
        "$(sum_of stalls "$system,$size") | $(sum_of rcvbuf "$system,$size") | ${med[cpu_us,$system,$size]} |" \
        "${med[client_us,$system,$size]} |"
    done
  done
  echo
  echo "Loss % is the median; lost out / back, stalls and kernel drops are summed over the ${rounds} rounds." \
    "Kernel rcvbuf drops: /proc/net/snmp \`Udp: RcvbufErrors\` during the run, machine-wide (a socket" \
    "buffer full when its reader was not scheduled)."
  echo
  echo "CONNECT-UDP as a multiple of the others:"
  echo
  echo "| Payload | CONNECT-UDP × | Echoes/s | Proxy CPU per datagram |"
  echo "|---|---|---|---|"
  for size in "${sizes[@]}"; do
    for system in socks5 direct; do
      echo "| $size B | ${label_of[$system]} | $(ratio "${med[eps,connect-udp,$size]}" "${med[eps,$system,$size]}") |" \
        "$(ratio "${med[cpu_us,connect-udp,$size]}" "${med[cpu_us,$system,$size]}") |"
    done
  done
  echo
  for size in "${sizes[@]}"; do
    too_large=$(sum_of too_large "connect-udp,$size")
    capsules=$(sum_of capsules "connect-udp,$size")
    if ((too_large > 0 || capsules > 0)); then
      echo "- CONNECT-UDP at $size B: zcproxy counted $too_large answers as \`zcproxy_quic_drops_total{reason=\"too_large\"}\`" \
        "over the ${rounds} rounds (the DATAGRAM frame write failed); $capsules answers came back in capsules."
    fi
  done
  echo
  echo "## Every round"
  echo
  echo "Gbit/s (CPU-s/GB) for CONNECT; echoes/s (loss %) for UDP."
  echo
  echo "| System | Run |$(for round in $(seq "$rounds"); do printf ' Round %s |' "$round"; done)"
  echo "|---|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for system in "${tcp_systems[@]}"; do
    for kind in upload download; do
      row="| ${label_of[$system]} | $kind |"
      for round in $(seq "$rounds"); do
        row+=" ${results[${kind}_gbit,$system,$round]} (${results[${kind}_cpu,$system,$round]}) |"
      done
      echo "$row"
    done
  done
  for size in "${sizes[@]}"; do
    for system in "${udp_systems[@]}"; do
      row="| ${label_of[$system]} | $size B |"
      for round in $(seq "$rounds"); do
        row+=" ${results[eps,$system,$size,$round]} (${results[loss,$system,$size,$round]}) |"
      done
      echo "$row"
    done
  done
  if ((profile)); then
    echo
    echo "## Where zcproxy spends its time"
    echo
    perf_with="" perf_sees=""
    if ((use_perf)); then
      perf_with=", and perf (\`perf record -F 999\` on its process for the measured seconds)"
      perf_sees=" perf sees everything, the kernel and quiche included."
    fi
    echo "Each profile is an extra run after the rounds (not in the medians), with JFR (\`jcmd JFR.start" \
      "settings=profile\`, plus JDK 25's CPU-time sampler, \`jdk.CPUTimeSample\` every 1 ms of a thread's" \
      "CPU time) on the proxy$perf_with. A CPU-time sample's top frame is where the thread was burning CPU:" \
      "Java code, or the JNI method it was inside (quiche's \`Quiche.quiche_*\`, a socket system call)." \
      "Idle threads are never sampled.$perf_sees"
    for name in h3-download connect-udp; do
      [[ -f $work/$name.jfr ]] || continue
      echo
      if [[ $name == h3-download ]]; then
        echo "### HTTP/3 CONNECT download"
      else
        echo "### CONNECT-UDP, ${profile_size} B"
        if [[ $profile_size != "${sizes[-1]}" ]]; then
          echo
          echo "(At ${sizes[-1]} B no answer came back, so the profile is of the largest size that worked.)"
        fi
      fi
      echo
      echo "The profiled run: \`$(sed 's/ relayed_datagrams.*//; s/ total_bytes=[0-9]*//' <<<"${profiled_line[$name]}")\`"
      echo
      echo "CPU-time samples by top frame:"
      echo
      echo "| Share | Samples | Thread | Top frame |"
      echo "|---|---|---|---|"
      jfr_top "$work/$name.jfr" 12
      echo
      echo "The same samples by what the top frame is:"
      echo
      echo "| Where | Share |"
      echo "|---|---|"
      jfr_layers "$work/$name.jfr"
      lost=$("$jdk_bin/jfr" summary "$work/$name.jfr" | awk '$1 == "jdk.CPUTimeSamplesLost" { print $2 }')
      if [[ -n $lost && $lost != 0 ]]; then
        echo
        echo "(JFR wrote $lost \`jdk.CPUTimeSamplesLost\` events: the sampler dropped some samples when" \
          "its queue was full.)"
      fi
      if [[ -f $work/$name.perf ]]; then
        echo
        echo "perf, the whole process:"
        echo
        perf_top "$work/$name.perf" "$zc_pid"
      fi
    done
  fi
  if [[ -n $relay_metrics ]]; then
    echo
    echo "zcproxy's QUIC counters at the end of the run (non-zero ones):"
    echo
    echo '```'
    echo "$relay_metrics"
    echo '```'
  fi
  if [[ -n $udp_session_drops ]]; then
    echo
    echo "UDP sessions that dropped datagrams (zcproxy's log at session end, sessions with the same counts folded):"
    echo
    echo '```'
    echo "$udp_session_drops"
    echo '```'
  fi
  echo
  if [[ -n $proxy_warnings ]]; then
    echo "Warnings and errors in zcproxy's log:"
    echo
    echo '```'
    echo "$proxy_warnings"
    echo '```'
  else
    echo "zcproxy's log has no warnings or errors (beyond the one about the self-signed certificate)."
  fi
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$repo"/}"
