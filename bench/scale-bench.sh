#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Scale benchmark on loopback (P9): thousands of idle tunnels through zcproxy (relay copy, auto and
# splice), HAProxy 2.6 (mode tcp, option splice-auto) and Dante 1.4. What one idle tunnel costs in
# memory and fds, how fast they open, whether everything goes back when they close, what the proxy
# does at its fd limit, and zcproxy's rate and CPU cost of short connections. Writes
# bench/results/scale-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/scale-bench.sh [--tunnels N] [--hold N] [--per-process N] [--systems "A B ..."]
                            [--edge-limit N] [--edge-tunnels N] [--cps-seconds N] [--threads N]
                            [--no-edge] [--no-cps] [--proxy-jar JAR]

Builds nothing: run `./mvnw -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist.
Needs root (Dante switches users), JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64; its
jcmd too), curl, prlimit, HAProxy 2.6 and Dante 1.4:
  apt-get install -y haproxy dante-server curl util-linux

  --tunnels N       idle tunnels each system holds (default 9000)
  --hold N          seconds they are held, idle, before the last measurement (default 60)
  --per-process N   tunnels per load-generator process (default 3000): a process may have
                    20,000 fds here, and the echo server runs in a process of its own
  --systems LIST    which of zcproxy-copy zcproxy-auto zcproxy-splice haproxy dante to measure,
                    in that order (default all)
  --edge-limit N    the fd limit (prlimit --nofile) zcproxy runs under in the edge phase (4096)
  --edge-tunnels N  tunnels the edge phase asks for, past that limit (default 5000)
  --cps-seconds N   measured seconds of each connections-per-second run (default 8)
  --threads N       concurrent clients in the connections-per-second runs (default 32)
  --no-edge         skip the edge phase
  --no-cps          skip the connections-per-second runs
  --proxy-jar J     the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

Per system: a priming pass of 200 tunnels; the baseline (fds, RSS; for zcproxy also the live heap
after a full GC and native memory by NMT); N tunnels opened by several processes, each tunnel a
SOCKS5 CONNECT to an echo server and 1 KiB each way (HAProxy: plain TCP to its fixed backend, the
echo server); held --hold s; measured; a 64-byte echo on every tunnel; all closed; measured again.
A quick run: --tunnels 9000 --hold 5 takes about 4 min; the default about 9 min.
EOF
}

tunnels=9000
hold_seconds=60
# G1 gives regions back to the system concurrently, a moment after the collection that freed them:
# RSS "after GC" is read this long after it (about 1 s was enough on this machine).
gc_settle_seconds=3
per_process=3000
systems_wanted="zcproxy-copy zcproxy-auto zcproxy-splice haproxy dante"
edge_limit=4096
edge_tunnels=5000
cps_seconds=8
threads=32
run_edge=yes
run_cps=yes
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="scale-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --tunnels) tunnels=${2:?--tunnels needs a value}; shift 2 ;;
    --hold) hold_seconds=${2:?--hold needs a value}; shift 2 ;;
    --per-process) per_process=${2:?--per-process needs a value}; shift 2 ;;
    --systems) systems_wanted=${2:?--systems needs a value}; shift 2 ;;
    --edge-limit) edge_limit=${2:?--edge-limit needs a value}; shift 2 ;;
    --edge-tunnels) edge_tunnels=${2:?--edge-tunnels needs a value}; shift 2 ;;
    --cps-seconds) cps_seconds=${2:?--cps-seconds needs a value}; shift 2 ;;
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --no-edge) run_edge=no; shift ;;
    --no-cps) run_cps=no; shift ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$tunnels" "$hold_seconds" "$per_process" "$edge_limit" "$edge_tunnels" \
  "$cps_seconds" "$threads"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((per_process > 0 && per_process <= 15000)) || die "--per-process must be 1-15000"
systems=()
for system in zcproxy-copy zcproxy-auto zcproxy-splice haproxy dante; do
  [[ " $systems_wanted " == *" $system "* ]] && systems+=("$system")
done
((${#systems[@]} > 0)) || die "no known system in --systems: $systems_wanted"

java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java_bin="$java_home/bin/java"
jcmd_bin="$java_home/bin/jcmd"
bench_jar="$repo/bench/target/zcproxy-bench.jar"
haproxy_bin=/usr/sbin/haproxy

# ---- preflight ------------------------------------------------------------------------------
[[ -x $java_bin && -x $jcmd_bin ]] || die "no java or jcmd in $java_home: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -q -DskipTests package first"
[[ -x $haproxy_bin ]] || die "no $haproxy_bin: apt-get install -y haproxy"
[[ -x /usr/sbin/danted ]] || die "no /usr/sbin/danted: apt-get install -y dante-server"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
command -v prlimit >/dev/null || die "no prlimit: apt-get install -y util-linux"
((EUID == 0)) || die "run as root: Dante needs it to switch to the unprivileged user"
fd_hard_limit=$(ulimit -Hn)
[[ $fd_hard_limit == unlimited ]] || ((fd_hard_limit > per_process + 1000)) \
  || die "--per-process $per_process does not fit under this shell's fd limit $fd_hard_limit"

bench_make_workdir
clock_ticks=$(getconf CLK_TCK)
read -r echo_port < <("$java_bin" -jar "$bench_jar" free-ports --count 1)
# Native memory tracking for the breakdown; it costs a few percent of CPU and some memory of its
# own, the same for every relay.
zcproxy_java_opts=(-XX:NativeMemoryTracking=summary)
# HAProxy counts a slot per connection and asks for two fds per slot plus two per pipe, and must
# fit under the 20,000-fd limit: room for the priming pass, 512 pipes (splice-auto holds a pipe only
# while a transfer is under way, and these tunnels are idle).
haproxy_maxconn=$((tunnels + 200))
haproxy_maxpipes=512

# The echo server outlives every phase: one process, all tunnels' far ends.
"$java_bin" -jar "$bench_jar" echo-server --far-end-port "$echo_port" --max-seconds 7200 \
  >"$work/echo.log" 2>&1 &
echo_pid=$!
started_pids+=("$echo_pid")
# It says so once it listens (Java listens on a dual-stack socket: not in /proc/net/tcp).
for attempt in $(seq 150); do
  grep -q '^mode=echo-server' "$work/echo.log" 2>/dev/null && break
  kill -0 "$echo_pid" 2>/dev/null || die "echo server exited: $(cat "$work/echo.log")"
  ((attempt < 150)) || die "echo server not listening after 30 s"
  sleep 0.2
done

# One table for every number: results[METRIC,SYSTEM].
declare -A results

# ---- helpers --------------------------------------------------------------------------------
# Fresh ports for each start: thousands of tunnels use most of the ephemeral range, so a port that
# was free at the start of the run may be some connection's local port by the next system.
pick_ports() {
  read -r zc_port zc_admin haproxy_port dante_port \
    < <("$java_bin" -jar "$bench_jar" free-ports --count 4)
}

# start_system SYSTEM: starts it and sets system_pid and system_route (the load generator's
# --socks or --forward argument).
start_system() {
  local system=$1
  pick_ports
  case $system in
    zcproxy-*)
      start_zcproxy "$system" "${system#zcproxy-}" "$zc_port" "$zc_admin" \
        || die "$system exited at startup: $(tail -20 "$work/$system/proxy.log")"
      system_route=(--socks "127.0.0.1:$zc_port")
      ;;
    haproxy)
      start_haproxy haproxy "$haproxy_port" "$echo_port" splice-auto
      system_route=(--forward "127.0.0.1:$haproxy_port")
      ;;
    dante)
      start_dante "$dante_port"
      system_route=(--socks "127.0.0.1:$dante_port")
      ;;
  esac
  system_pid=$started_pid
}

stop_system() {
  kill "$system_pid" 2>/dev/null || true
  wait "$system_pid" 2>/dev/null || true
  untrack_pid "$system_pid"
  # Dante's workers leave with their mother, but give them a moment to go.
  sleep 1
}

# jcmd_to PID FILE COMMAND...: one jcmd, its output in FILE.
jcmd_to() {
  local pid=$1 file=$2
  shift 2
  "$jcmd_bin" "$pid" "$@" >"$file" 2>&1 || die "jcmd $pid $* failed: $(tail -5 "$file")"
}

# The "Total" bytes of a class histogram (the live heap: GC.class_histogram runs a full GC first).
histogram_total() {
  awk '$1 == "Total" { print $3 }' "$1"
}

# NMT committed KiB of a category ("Total" for the whole) in a VM.native_memory summary.
nmt_committed_kb() {
  local file=$1 category=$2
  if [[ $category == Total ]]; then
    sed -n 's/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p' "$file" | awk 'NR == 1'
  else
    awk -v c="$category" '
      /^-/ {
        line = $0
        sub(/^- */, "", line)
        name = line
        sub(/ *\(reserved=.*/, "", name)
        if (name == c && match(line, /committed=[0-9]+KB/)) {
          print substr(line, RSTART + 10, RLENGTH - 12)
          exit
        }
      }' "$file"
  fi
}

# The NMT categories, as the summary names them.
nmt_categories() {
  sed -n 's/^- *\([A-Za-z][A-Za-z ]*[a-z]\) *(reserved=.*/\1/p' "$1"
}

per_tunnel() {
  awk -v d="$1" -v n="$2" -v scale="${3:-1}" 'BEGIN { if (n > 0) printf "%.1f", d * scale / n; else print "–" }'
}

# wait_for_lines FILE... : until each file holds a phase=opened line, or its writer died.
wait_for_opened() {
  local file pending attempt
  for attempt in $(seq 3000); do
    pending=0
    for file in "$@"; do
      grep -q '^phase=opened.* reasons=.*$' "$file" 2>/dev/null || pending=1
    done
    ((pending == 0)) && return 0
    for file in "$@"; do
      if grep -q '^run failed\|^error' "$file" 2>/dev/null; then
        die "a load generator failed: $(cat "$file")"
      fi
    done
    [[ $attempt -lt 3000 ]] && sleep 0.2
  done
  die "tunnels not opened after 600 s"
}

# ---- the idle-tunnel measurement of one system ----------------------------------------------
measure_idle() {
  local system=$1
  local dir="$work/idle-$system"
  mkdir -p "$dir"
  echo "$system: starting"
  start_system "$system"

  # Priming: class loading, JIT, the first buffer arenas, Dante's worker pool; not per tunnel.
  touch "$dir/prime-release"
  "$java_bin" -jar "$bench_jar" hold-tunnels "${system_route[@]}" --far-end-port "$echo_port" \
    --tunnels 200 --release-file "$dir/prime-release" >"$dir/prime.out" 2>&1 \
    || die "$system: priming failed: $(cat "$dir/prime.out")"
  sleep 2

  local is_java=no
  [[ $system == zcproxy-* ]] && is_java=yes
  if [[ $is_java == yes ]]; then
    jcmd_to "$system_pid" "$dir/histogram-baseline.txt" GC.class_histogram
    jcmd_to "$system_pid" "$dir/nmt-baseline.txt" VM.native_memory summary scale=KB
    sleep "$gc_settle_seconds"
  fi
  local base_fds base_rss base_pss
  base_fds=$(tree_fds "$system_pid")
  base_rss=$(tree_rss_kb "$system_pid")
  base_pss=$(tree_pss_kb "$system_pid")

  # Open: several processes at once, each a share of the tunnels.
  local processes=$(((tunnels + per_process - 1) / per_process))
  local remaining=$tunnels share index outputs=() generator_pids=()
  local cpu_before
  cpu_before=$(tree_cpu_ticks "$system_pid")
  for index in $(seq "$processes"); do
    share=$(((remaining + processes - index) / (processes - index + 1)))
    remaining=$((remaining - share))
    outputs+=("$dir/hold-$index.out")
    "$java_bin" -jar "$bench_jar" hold-tunnels "${system_route[@]}" --far-end-port "$echo_port" \
      --tunnels "$share" --timeout-seconds 5 --release-file "$dir/release" \
      --max-seconds $((hold_seconds + 900)) \
      >"$dir/hold-$index.out" 2>&1 &
    generator_pids+=("$!")
    started_pids+=("$!")
  done
  wait_for_opened "${outputs[@]}"
  local cpu_open
  cpu_open=$(($(tree_cpu_ticks "$system_pid") - cpu_before))

  local ok=0 refused=0 broken=0 max_seconds=0 line reasons=""
  for index in $(seq "$processes"); do
    line=$(grep -m1 '^phase=opened' "$dir/hold-$index.out")
    ok=$((ok + $(field ok "$line")))
    refused=$((refused + $(field refused "$line")))
    broken=$((broken + $(field broken "$line")))
    max_seconds=$(awk -v a="$max_seconds" -v b="$(field open_seconds "$line")" 'BEGIN { print (b > a) ? b : a }')
    [[ $(field reasons "$line") == none ]] || reasons+="$(field reasons "$line") "
  done
  local open_fds open_rss
  open_fds=$(tree_fds "$system_pid")
  open_rss=$(tree_rss_kb "$system_pid")
  echo "$system: $ok of $tunnels tunnels open ($refused refused, $broken broken) in ${max_seconds} s;" \
    "holding them ${hold_seconds} s${reasons:+; why not: $reasons}"
  sleep "$hold_seconds"

  local held_fds held_rss held_pss gc_rss="" heap_delta="" nmt_delta=""
  held_fds=$(tree_fds "$system_pid")
  held_rss=$(tree_rss_kb "$system_pid")
  held_pss=$(tree_pss_kb "$system_pid")
  if [[ $is_java == yes ]]; then
    jcmd_to "$system_pid" "$dir/histogram-held.txt" GC.class_histogram
    sleep "$gc_settle_seconds"
    gc_rss=$(tree_rss_kb "$system_pid")
    jcmd_to "$system_pid" "$dir/nmt-held.txt" VM.native_memory summary scale=KB
    heap_delta=$(($(histogram_total "$dir/histogram-held.txt") - $(histogram_total "$dir/histogram-baseline.txt")))
    nmt_delta=$(($(nmt_committed_kb "$dir/nmt-held.txt" Total) - $(nmt_committed_kb "$dir/nmt-baseline.txt" Total)))
  fi

  # Release: every generator echoes 64 bytes on each tunnel once more, then closes them all.
  touch "$dir/release"
  local pid dropped=0 recheck_failed=0
  for pid in "${generator_pids[@]}"; do
    wait "$pid" || die "$system: a load generator failed: $(cat "${outputs[@]}")"
    untrack_pid "$pid"
  done
  for index in $(seq "$processes"); do
    line=$(grep -m1 '^phase=closed' "$dir/hold-$index.out")
    dropped=$((dropped + $(field dropped_while_held "$line")))
    recheck_failed=$((recheck_failed + $(field recheck_failed "$line")))
  done
  sleep 3
  local closed_fds closed_rss closed_gc_rss=""
  closed_fds=$(tree_fds "$system_pid")
  closed_rss=$(tree_rss_kb "$system_pid")
  if [[ $is_java == yes ]]; then
    jcmd_to "$system_pid" "$dir/gc-closed.txt" GC.run
    sleep "$gc_settle_seconds"
    closed_gc_rss=$(tree_rss_kb "$system_pid")
  fi

  results[ok,$system]=$ok
  results[errors,$system]=$((refused + broken + dropped + recheck_failed))
  results[error_detail,$system]="$refused refused, $broken broken, $dropped dropped while held, $recheck_failed failed the recheck${reasons:+ ($reasons)}"
  results[open_rate,$system]=$(awk -v n="$ok" -v s="$max_seconds" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "–" }')
  results[open_cpu_ms,$system]=$(awk -v t="$cpu_open" -v hz="$clock_ticks" -v n="$ok" \
    'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "–" }')
  results[base_fds,$system]=$base_fds
  results[base_rss,$system]=$base_rss
  results[fds_per_tunnel,$system]=$(per_tunnel $((held_fds - base_fds)) "$ok")
  results[open_fds_per_tunnel,$system]=$(per_tunnel $((open_fds - base_fds)) "$ok")
  results[rss_per_tunnel,$system]=$(per_tunnel $((held_rss - base_rss)) "$ok" 1.024)
  results[pss_per_tunnel,$system]=$(per_tunnel $((held_pss - base_pss)) "$ok" 1.024)
  results[open_rss_per_tunnel,$system]=$(per_tunnel $((open_rss - base_rss)) "$ok" 1.024)
  results[gc_rss_per_tunnel,$system]=$([[ -n $gc_rss ]] && per_tunnel $((gc_rss - base_rss)) "$ok" 1.024 || echo "–")
  results[heap_per_tunnel,$system]=$([[ -n $heap_delta ]] && per_tunnel "$heap_delta" "$ok" 0.001 || echo "–")
  results[nmt_per_tunnel,$system]=$([[ -n $nmt_delta ]] && per_tunnel "$nmt_delta" "$ok" 1.024 || echo "–")
  results[closed_fds,$system]=$closed_fds
  results[closed_rss,$system]=$closed_rss
  results[closed_gc_rss,$system]=${closed_gc_rss:-–}
  results[fds_back,$system]=$([[ $closed_fds -le $((base_fds + 2)) ]] && echo yes || echo no)
  local rss_after=${closed_gc_rss:-$closed_rss}
  results[rss_back,$system]=$(awk -v a="$rss_after" -v b="$base_rss" 'BEGIN { print (a <= b * 1.10) ? "yes" : "no" }')
  echo "$system: ${results[rss_per_tunnel,$system]} KB and ${results[fds_per_tunnel,$system]} fds" \
    "per idle tunnel; after closing: fds $closed_fds (baseline $base_fds), RSS $rss_after KiB (baseline $base_rss)"

  stop_system
}

# measure_cps SYSTEM: connections per second and proxy CPU per 1,000 short connections (64 B each
# way, socks-bench.sh's cps run) against the running zcproxy.
measure_cps() {
  local system=$1 before after line
  "$java_bin" -jar "$bench_jar" cps "${system_route[@]}" --seconds 2 --warmup 0 --threads "$threads" \
    >/dev/null || die "$system: priming connection-rate run failed"
  before=$(tree_cpu_ticks "$system_pid")
  line=$("$java_bin" -jar "$bench_jar" cps "${system_route[@]}" --seconds "$cps_seconds" --warmup 1 \
    --threads "$threads") || die "$system: connection-rate run failed"
  after=$(tree_cpu_ticks "$system_pid")
  results[cps,$system]=$(field cps "$line")
  results[cps_errors,$system]=$(field errors "$line")
  results[cpu_ms_per_kconn,$system]=$(awk -v t=$((after - before)) -v hz="$clock_ticks" \
    -v n="$(field total_connections "$line")" 'BEGIN { printf "%.1f", (t / hz * 1000) / (n / 1000) }')
  echo "$system: ${results[cps,$system]} connections/s, ${results[cpu_ms_per_kconn,$system]} CPU-ms per 1,000"
}

# ---- the fd edge ----------------------------------------------------------------------------
# measure_edge SYSTEM: zcproxy under prlimit --nofile=EDGE_LIMIT asked for EDGE_TUNNELS tunnels.
measure_edge() {
  local system=$1 relay=${1#zcproxy-}
  local dir="$work/edge-$system"
  mkdir -p "$dir"
  echo "$system: edge, $edge_tunnels tunnels against $edge_limit fds"
  local saved_java=$java_bin
  # start_zcproxy runs "$java_bin": run it through prlimit for this phase.
  cat >"$dir/java" <<EOF
#!/bin/sh
exec prlimit --nofile=$edge_limit:$edge_limit -- "$saved_java" "\$@"
EOF
  chmod +x "$dir/java"
  pick_ports
  java_bin="$dir/java"
  start_zcproxy "edge-$system" "$relay" "$zc_port" "$zc_admin" \
    || die "$system exited at startup under prlimit: $(tail -20 "$work/edge-$system/proxy.log")"
  java_bin=$saved_java
  system_pid=$started_pid
  touch "$dir/release"
  local line
  "$java_bin" -jar "$bench_jar" hold-tunnels --socks "127.0.0.1:$zc_port" --far-end-port "$echo_port" \
    --tunnels "$edge_tunnels" --window 512 --timeout-seconds 3 --reopen 100 \
    --release-file "$dir/release" >"$dir/edge.out" 2>&1 || die "$system: edge run failed: $(cat "$dir/edge.out")"
  line=$(grep -m1 '^phase=opened' "$dir/edge.out")
  results[edge_ok,$system]=$(field ok "$line")
  results[edge_refused,$system]=$(field refused "$line")
  results[edge_broken,$system]=$(field broken "$line")
  results[edge_reasons,$system]=$(field reasons "$line")
  line=$(grep -m1 '^phase=closed' "$dir/edge.out")
  results[edge_recheck,$system]="$(field recheck_ok "$line") ok, $(field recheck_failed "$line") failed"
  results[edge_reopen,$system]="$(field reopen_ok "$line") of 100"
  results[edge_emfile_logs,$system]=$(grep -c 'EMFILE\|Too many open files' "$work/edge-$system/proxy.log" || true)
  echo "$system: edge ${results[edge_ok,$system]} work, ${results[edge_refused,$system]} refused," \
    "${results[edge_broken,$system]} broken; held recheck ${results[edge_recheck,$system]};" \
    "after closing 100, ${results[edge_reopen,$system]} new ones work"
  stop_system
}

# ---- the run --------------------------------------------------------------------------------
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
for system in "${systems[@]}"; do
  measure_idle "$system"
done
if [[ $run_edge == yes ]]; then
  for system in "${systems[@]}"; do
    [[ $system == zcproxy-* ]] && measure_edge "$system"
  done
fi
# Last: tens of thousands of short connections leave as many ports in TIME_WAIT for a minute, which
# the idle tunnels of a following system would run short of.
if [[ $run_cps == yes ]]; then
  for system in "${systems[@]}"; do
    [[ $system == zcproxy-* ]] || continue
    start_system "$system"
    measure_cps "$system"
    stop_system
  done
fi

# ---- the report -----------------------------------------------------------------------------
# histogram_top SYSTEM: the classes that grew most between the baseline and the held histogram,
# per tunnel.
histogram_top() {
  local dir="$work/idle-$1" ok=${results[ok,$1]}
  awk -v n="$ok" '
    FNR == 1 { file++ }
    $1 ~ /^[0-9]+:$/ {
      name = $4
      if (file == 1) { bi[name] = $2; bb[name] = $3 } else { hi[name] = $2; hb[name] = $3 }
    }
    END {
      for (c in hb) {
        d = hb[c] - bb[c]
        if (d > 0) printf "%d\t%s\t%.2f\t%.0f\n", d, c, (hi[c] - bi[c]) / n, d / n
      }
    }' "$dir/histogram-baseline.txt" "$dir/histogram-held.txt" \
    | sort -rn | awk -F'\t' 'NR <= 20 { printf "| `%s` | %s | %s |\n", $2, $3, $4 }'
}

# nmt_table SYSTEM: committed native memory by category, the change per tunnel.
nmt_table() {
  local dir="$work/idle-$1" ok=${results[ok,$1]} category base held
  while IFS= read -r category; do
    base=$(nmt_committed_kb "$dir/nmt-baseline.txt" "$category")
    held=$(nmt_committed_kb "$dir/nmt-held.txt" "$category")
    [[ -n $base && -n $held ]] || continue
    [[ $category == "Java Heap" ]] || ((held - base > 1024 || base - held > 1024)) || continue
    echo "| $category | $base | $held | $(per_tunnel $((held - base)) "$ok" 1.024) |"
  done < <(nmt_categories "$dir/nmt-held.txt")
}

declare -A label_of=([zcproxy-copy]="zcproxy copy" [zcproxy-auto]="zcproxy auto"
  [zcproxy-splice]="zcproxy splice" [haproxy]="HAProxy splice-auto" [dante]="Dante")
haproxy_rss=${results[rss_per_tunnel,haproxy]:-}

mkdir -p "$repo/bench/results"
report="$repo/bench/results/scale-$(date -u +%Y-%m-%d-%H%M).md"
{
  echo "# Idle tunnels at scale, and the fd edge: zcproxy, HAProxy and Dante"
  echo
  echo "Measured $started_at on $(nproc) cores, Linux $(uname -r)," \
    "$("$java_bin" -version 2>&1 | head -1), HAProxy $("$haproxy_bin" -v | awk 'NR == 1 { print $3 }')," \
    "Dante 1.4.2, by \`bench/scale-bench.sh --tunnels $tunnels --hold $hold_seconds\`" \
    "(zcproxy jar: $(basename "$proxy_jar"), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown))."
  echo
  echo "Each system holds $tunnels tunnels opened by $(((tunnels + per_process - 1) / per_process)) load-generator" \
    "processes at once (one selector each, at most 128 handshakes in flight per process); each tunnel" \
    "is a SOCKS5 CONNECT (no authentication) to an echo server in a process of its own, then 1 KiB each way." \
    "HAProxy (\`mode tcp\`, \`option splice-auto\`, \`maxconn $haproxy_maxconn\`, \`maxpipes $haproxy_maxpipes\`) has no SOCKS: its tunnels are" \
    "plain TCP connections to its one backend, the same echo server. The tunnels are held idle ${hold_seconds} s," \
    "then measured; then a 64-byte echo on each (all must answer) and all are closed."
  echo "Per tunnel = (held − baseline) ÷ tunnels open; the baseline is taken after a 200-tunnel priming pass" \
    "(class loading, JIT, first buffer arenas, Dante's workers). RSS is VmRSS (KB = 1,000 bytes), fds are" \
    "/proc/PID/fd entries, both summed over the process tree (Dante forks workers, so its RSS counts shared" \
    "pages once per worker: an upper bound; PSS, from /proc/PID/smaps_rollup, counts them once in all). zcproxy runs with the" \
    "heap settings it sets itself at startup (MaxHeapFreeRatio 30, MinHeapFreeRatio 10, a G1 periodic collection every 60 s when quiet) and" \
    "\`-XX:NativeMemoryTracking=summary\`; its live heap is the \`GC.class_histogram\` total (which runs a full GC)," \
    "and \"RSS after GC\" is VmRSS ${gc_settle_seconds} s after that GC (G1 returns freed regions concurrently); zcproxy's" \
    "baseline RSS is read the same way. Errors = refused + broken at opening + dropped while" \
    "held + failed recheck."
  echo
  echo "## Idle tunnels"
  echo
  echo "| System | Tunnels held | Errors | RSS KB / tunnel | × HAProxy | PSS KB / tunnel | RSS after GC KB / tunnel | × HAProxy | Live heap KB / tunnel | NMT committed KB / tunnel | fds / tunnel | Opened / s | Proxy CPU-ms / 1k opened |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    echo "| ${label_of[$system]} | ${results[ok,$system]} | ${results[errors,$system]} |" \
      "${results[rss_per_tunnel,$system]} | $(ratio "${results[rss_per_tunnel,$system]}" "$haproxy_rss") |" \
      "${results[pss_per_tunnel,$system]} |" \
      "${results[gc_rss_per_tunnel,$system]} | $(ratio "${results[gc_rss_per_tunnel,$system]}" "$haproxy_rss") |" \
      "${results[heap_per_tunnel,$system]} |" \
      "${results[nmt_per_tunnel,$system]} | ${results[fds_per_tunnel,$system]} |" \
      "${results[open_rate,$system]} | ${results[open_cpu_ms,$system]} |"
  done
  echo
  echo "Right after opening (before the hold): RSS KB / tunnel and fds / tunnel:" \
    "$(for system in "${systems[@]}"; do printf '%s %s and %s; ' "${label_of[$system]}" \
      "${results[open_rss_per_tunnel,$system]}" "${results[open_fds_per_tunnel,$system]}"; done)"
  echo
  echo "Errors in detail:"
  echo
  for system in "${systems[@]}"; do
    echo "- ${label_of[$system]}: ${results[error_detail,$system]}"
  done
  echo
  echo "## After closing them all"
  echo
  echo "| System | fds baseline | fds after | Back? | RSS baseline KiB | RSS after KiB | RSS after GC KiB | Within 10%? |"
  echo "|---|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    echo "| ${label_of[$system]} | ${results[base_fds,$system]} | ${results[closed_fds,$system]} |" \
      "${results[fds_back,$system]} | ${results[base_rss,$system]} | ${results[closed_rss,$system]} |" \
      "${results[closed_gc_rss,$system]} | ${results[rss_back,$system]} |"
  done
  echo
  echo "(\"Within 10%\" compares RSS after GC for zcproxy, plain RSS for the others.)"
  if [[ $run_cps == yes ]]; then
    echo
    echo "## Short connections (zcproxy)"
    echo
    echo "$threads clients, each looping connect + SOCKS5 handshake + 64-byte request + 64-byte response + close" \
      "for ${cps_seconds} s after 1 s of warm-up and a 2 s priming run (\`zcproxy-bench.jar cps\`, as in socks-bench.sh);" \
      "proxy CPU over the whole run."
    echo
    echo "| Relay | Connections/s | Errors | Proxy CPU-ms per 1,000 | × copy |"
    echo "|---|---|---|---|---|"
    for system in "${systems[@]}"; do
      [[ $system == zcproxy-* ]] || continue
      echo "| ${system#zcproxy-} | ${results[cps,$system]} | ${results[cps_errors,$system]} |" \
        "${results[cpu_ms_per_kconn,$system]} |" \
        "$(ratio "${results[cpu_ms_per_kconn,$system]}" "${results[cpu_ms_per_kconn,zcproxy-copy]:-}") |"
    done
  fi
  if [[ $run_edge == yes ]]; then
    echo
    echo "## The fd edge (zcproxy under \`prlimit --nofile=$edge_limit\`)"
    echo
    echo "One load generator asks for $edge_tunnels tunnels (at most 512 handshakes in flight, 3 s per tunnel)." \
      "works = 1 KiB echoed; refused = a SOCKS5 failure reply, or a close or silence before any reply;" \
      "BROKEN = a success reply, then a close, silence or wrong bytes. Then a 64-byte echo on every working" \
      "tunnel (held tunnels still served?), then 100 of them closed and 100 new ones asked for after 1 s."
    echo
    echo "| Relay | Work | Refused | BROKEN | Held tunnels rechecked | New after closing 100 | EMFILE lines in the log | Why not (reason:count) |"
    echo "|---|---|---|---|---|---|---|---|"
    for system in "${systems[@]}"; do
      [[ $system == zcproxy-* ]] || continue
      echo "| ${system#zcproxy-} | ${results[edge_ok,$system]} | ${results[edge_refused,$system]} |" \
        "${results[edge_broken,$system]} | ${results[edge_recheck,$system]} | ${results[edge_reopen,$system]} |" \
        "${results[edge_emfile_logs,$system]} | ${results[edge_reasons,$system]//,/, } |"
    done
  fi
  for system in "${systems[@]}"; do
    [[ $system == zcproxy-* ]] || continue
    echo
    echo "## What one idle tunnel holds in ${label_of[$system]}'s heap"
    echo
    echo "The classes that grew most between the baseline and the held histogram (\`jcmd GC.class_histogram\`," \
      "live objects after a full GC), per tunnel held:"
    echo
    echo "| Class | Instances / tunnel | Bytes / tunnel |"
    echo "|---|---|---|"
    histogram_top "$system"
    echo
    echo "All live objects: $(awk -v n="${results[ok,$system]}" '$1 == "Total" { if (FNR == NR) { i = $2; b = $3 } else printf "%.1f objects and %.0f bytes per tunnel", ($2 - i) / n, ($3 - b) / n }' \
      "$work/idle-$system/histogram-baseline.txt" "$work/idle-$system/histogram-held.txt")."
    echo
    echo "Native memory (NMT, committed; the Java heap, and the categories that moved by more than 1 MiB):"
    echo
    echo "| Category | Baseline KB | Held KB | KB / tunnel |"
    echo "|---|---|---|---|"
    nmt_table "$system"
  done
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$repo"/}"
