# shellcheck shell=bash disable=SC2154  # java_bin and proxy_jar come from the sourcing script
# Helpers shared by the bench scripts; sourced, never run. The sourcing script sets, before it
# calls anything here:
#   bench_name   prefix of error messages (socks-bench, splice-bench)
#   java_bin     a JDK 25 java
#   proxy_jar    the zcproxy jar to measure
# and calls bench_make_workdir once. Processes started here are stopped when the script exits.

die() {
  echo "${bench_name:-bench}: $*" >&2
  exit 1
}

# Creates $work, a temporary directory for configs and logs, removed at exit together with every
# process recorded in started_pids.
bench_make_workdir() {
  work=$(mktemp -d -t "$bench_name.XXXXXX")
  started_pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}

# untrack_pid PID: once a started process has ended and been reaped, its pid may be reused by
# some other process, which the cleanup at exit must then leave alone.
untrack_pid() {
  local gone=$1 pid kept=()
  for pid in "${started_pids[@]}"; do
    [[ $pid == "$gone" ]] || kept+=("$pid")
  done
  started_pids=("${kept[@]}")
}

# wait_until_listening PID PORT: 0 once something listens on 127.0.0.1:PORT, 1 as soon as PID
# exits, 2 after 30 s. Reads /proc/net/tcp (local address 0100007F:PORT in hex, state 0A =
# LISTEN), so probing opens no connection: HAProxy would forward one to its backend.
wait_until_listening() {
  local pid=$1 port=$2 attempt
  local wanted
  wanted=$(printf '0100007F:%04X' "$port")
  for attempt in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || return 1
    if awk -v a="$wanted" '$2 == a && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp; then
      return 0
    fi
    [[ $attempt -lt 150 ]] && sleep 0.2
  done
  return 2
}

# start_zcproxy NAME RELAY PORT ADMIN_PORT [EXTRA_YAML]: starts zcproxy on 127.0.0.1:PORT with an
# anonymous allow-loopback policy (plus EXTRA_YAML, top-level keys such as a tls section, appended
# to its config) and sets started_pid once /readyz answers. Returns 1 if the proxy exits at
# startup (it refused the config, e.g. a relay this build lacks): its output is in
# $work/NAME/proxy.log. Dies if it is still not ready after 30 s. JVM options in the array
# zcproxy_java_opts, if the sourcing script sets it, go before -jar (a logging config, say).
start_zcproxy() {
  local name=$1 relay=$2 port=$3 admin=$4 extra=${5:-}
  local dir="$work/$name"
  mkdir -p "$dir" || die "cannot create $dir"
  cat >"$dir/policy.yaml" <<EOF
anonymous: true
rules:
  - action: allow
    destinations: ["127.0.0.1/32"]
EOF
  cat >"$dir/zcproxy.yaml" <<EOF
listen: 127.0.0.1:$port
admin: { listen: 127.0.0.1:$admin }
relay: $relay
policy: { file: policy.yaml }
shutdown: { drainTimeout: 2s }
$extra
EOF
  "$java_bin" ${zcproxy_java_opts[@]+"${zcproxy_java_opts[@]}"} \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -jar "$proxy_jar" --config "$dir/zcproxy.yaml" >"$dir/proxy.log" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  local attempt
  for attempt in $(seq 150); do
    if ! kill -0 "$started_pid" 2>/dev/null; then
      wait "$started_pid" 2>/dev/null || true
      untrack_pid "$started_pid"
      return 1
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$admin/readyz" 2>/dev/null; then
      return 0
    fi
    [[ $attempt -lt 150 ]] && sleep 0.2
  done
  die "zcproxy ($name) not ready after 30 s: $(tail -20 "$dir/proxy.log")"
}

# start_haproxy NAME PORT BACKEND_PORT OPTION...: HAProxy in mode tcp with the given splice
# options, forwarding 127.0.0.1:PORT to 127.0.0.1:BACKEND_PORT, in the foreground (-db) as a
# child of this script. Sets started_pid once it listens. Debian's defaults otherwise: one thread
# per core, 16 KiB buffers, 64 KiB pipes. Its stats socket is $work/NAME/haproxy.sock. Uses
# $haproxy_bin (default /usr/sbin/haproxy) and allows $haproxy_maxconn connections (default 4096;
# HAProxy asks for about twice that many fds, plus two per pipe: $haproxy_maxpipes, if set, caps
# the pipes, otherwise a quarter of maxconn).
start_haproxy() {
  local name=$1 port=$2 backend_port=$3
  shift 3
  local dir="$work/$name" option options=""
  for option in "$@"; do
    options+="  option $option"$'\n'
  done
  mkdir -p "$dir"
  # Long client/server timeouts: the iperf3 control connection idles for a whole run.
  cat >"$dir/haproxy.cfg" <<EOF
global
  maxconn ${haproxy_maxconn:-4096}
${haproxy_maxpipes:+  maxpipes $haproxy_maxpipes
}  stats socket $dir/haproxy.sock mode 600 level user

defaults
  mode tcp
${options}  timeout connect 5s
  timeout client 5m
  timeout server 5m

frontend bench
  bind 127.0.0.1:$port
  default_backend far_end

backend far_end
  server far_end 127.0.0.1:$backend_port
EOF
  "${haproxy_bin:-/usr/sbin/haproxy}" -c -q -f "$dir/haproxy.cfg" >"$dir/check.out" 2>&1 \
    || die "haproxy ($name) refused its config: $(cat "$dir/check.out")"
  "${haproxy_bin:-/usr/sbin/haproxy}" -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  local status=0
  wait_until_listening "$started_pid" "$port" || status=$?
  case $status in
    0) ;;
    1) die "haproxy ($name) exited at startup: $(tail -20 "$dir/haproxy.log")" ;;
    *) die "haproxy ($name) not listening on 127.0.0.1:$port after 30 s" ;;
  esac
}

# start_dante PORT: Dante 1.4 on 127.0.0.1:PORT, no authentication, CONNECT to loopback only.
# Sets started_pid to the mother process's pid once it logs that it is running.
start_dante() {
  local port=$1
  local dir="$work/dante"
  mkdir -p "$dir"
  cat >"$dir/danted.conf" <<EOF
logoutput: $dir/danted.log
internal: 127.0.0.1 port = $port
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
}
socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
  command: connect
}
EOF
  /usr/sbin/danted -f "$dir/danted.conf" -p "$dir/danted.pid" >"$dir/danted.out" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  local attempt
  for attempt in $(seq 150); do
    kill -0 "$started_pid" 2>/dev/null \
      || die "danted exited at startup: $(cat "$dir/danted.out" "$dir/danted.log" 2>/dev/null)"
    if grep -q 'running' "$dir/danted.log" 2>/dev/null; then
      return 0
    fi
    [[ $attempt -lt 150 ]] && sleep 0.2
  done
  die "danted not ready after 30 s"
}

# CPU time (clock ticks) of a process and all its descendants, including reaped children:
# utime + stime + cutime + cstime, fields 14-17 of /proc/PID/stat. Dante forks workers, so the
# whole tree counts. Field 2 (the command name) may hold spaces: parse after the last ") ".
tree_cpu_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    {
      pid = $1
      rest = $0
      sub(/^.*\) /, "", rest)
      split(rest, f, " ")
      parent[pid] = f[2]
      ticks[pid] = f[12] + f[13] + f[14] + f[15]
    }
    END {
      total = 0
      for (p in ticks) {
        q = p
        for (depth = 0; depth < 64 && q != root && q > 1; depth++) q = parent[q]
        if (q == root) total += ticks[p]
      }
      print total
    }'
}

# The pids of a process and all its descendants, one a line (Dante forks workers).
tree_pids() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
    {
      pid = $1
      rest = $0
      sub(/^.*\) /, "", rest)
      split(rest, f, " ")
      parent[pid] = f[2]
    }
    END {
      for (p in parent) {
        q = p
        for (depth = 0; depth < 64 && q != root && q > 1; depth++) q = parent[q]
        if (q == root) print p
      }
    }'
}

# Open file descriptors of a process tree: sockets, pipes, epoll, jars.
tree_fds() {
  local pid total=0 count
  for pid in $(tree_pids "$1"); do
    count=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || count=0
    total=$((total + count))
  done
  echo "$total"
}

# Resident memory of a process tree in KiB, the sum of each process's VmRSS. Pages that forked
# workers share are counted once per process, so for Dante this is an upper bound.
tree_rss_kb() {
  local pid total=0 rss
  for pid in $(tree_pids "$1"); do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || rss=0
    total=$((total + ${rss:-0}))
  done
  echo "$total"
}

# Proportional set size of a process tree in KiB, the sum of each process's Pss: a page shared by
# k processes counts 1/k in each, so forked workers' shared pages count once in all.
tree_pss_kb() {
  local pid total=0 pss
  for pid in $(tree_pids "$1"); do
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || pss=0
    total=$((total + ${pss:-0}))
  done
  echo "$total"
}

# The load averages over 1, 5 and 15 minutes, as /proc/loadavg gives them: what else ran.
load_averages() {
  cut -d' ' -f1-3 /proc/loadavg
}

# cpu_seconds_per_gb TICKS BYTES
cpu_seconds_per_gb() {
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v b="$2" 'BEGIN { printf "%.3f", (t / hz) / (b / 1e9) }'
}

# Prints the value of key in a "k=v k=v" line.
field() {
  local key=$1 line=$2 pair
  for pair in $line; do
    if [[ $pair == "$key="* ]]; then
      echo "${pair#*=}"
      return 0
    fi
  done
  die "no $key in: $line"
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with two decimals, or "–" when B is missing or zero.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "–"
  }'
}
