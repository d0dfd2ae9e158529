#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# HTTPS-to-proxy benchmark on loopback: what tls.provider (jdk or openssl) costs. curl downloads
# a large file from a local nginx through an HTTP CONNECT tunnel inside TLS to zcproxy, once per
# provider, next to the same download through plain HTTP CONNECT to zcproxy (no TLS to the proxy)
# and straight from nginx. Reports throughput and the proxy's CPU-seconds per GB, and full TLS
# handshakes per second with `openssl s_time -new`, as medians over interleaved rounds with ratios,
# in bench/results/tls-<date>.md.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/tls-bench.sh [--seconds N] [--rounds N] [--streams N] [--proxy-jar JAR]

Builds nothing: run `./mvnw -B -q -DskipTests package` first, so that
app-proxy/target/zcproxy-proxy.jar and bench/target/zcproxy-bench.jar exist.
Needs root (nginx switches users), JDK 25 ($JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64),
curl, openssl and nginx (/usr/sbin/nginx, the origin):
  apt-get install -y nginx-light curl openssl

  --seconds N      measured seconds of each download and handshake run (default 8)
  --rounds N       rounds; the tables show the median (default 3)
  --streams N      parallel downloads per run (default 1)
  --proxy-jar J    the zcproxy jar to measure (default app-proxy/target/zcproxy-proxy.jar)

Each round runs a download through every system and a handshake run against each TLS proxy:
with 3 rounds of 8 s, about 2 min.
EOF
}

measured_seconds=8
rounds=3
streams=1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name="tls-bench"
# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
proxy_jar="$repo/app-proxy/target/zcproxy-proxy.jar"
while (($# > 0)); do
  case "$1" in
    --seconds) measured_seconds=${2:?--seconds needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --streams) streams=${2:?--streams needs a value}; shift 2 ;;
    --proxy-jar) proxy_jar=${2:?--proxy-jar needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for number in "$measured_seconds" "$rounds" "$streams"; do
  [[ $number =~ ^[0-9]+$ ]] || die "not a number: $number"
done
((measured_seconds > 0 && rounds > 0 && streams > 0)) || die "--seconds, --rounds and --streams must be positive"

java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
bench_jar="$repo/bench/target/zcproxy-bench.jar"
nginx_bin=/usr/sbin/nginx

[[ -x $java_bin ]] || die "no java at $java_bin: set JAVA_HOME to a JDK 25"
[[ -f $proxy_jar && -f $bench_jar ]] || die "jars missing: run ./mvnw -B -q -DskipTests package first"
[[ -x $nginx_bin ]] || die "no $nginx_bin (the origin server): apt-get install -y nginx-light"
command -v curl >/dev/null || die "no curl: apt-get install -y curl"
command -v openssl >/dev/null || die "no openssl: apt-get install -y openssl"
((EUID == 0)) || die "run as root: nginx switches to its unprivileged user"

bench_make_workdir
chmod 711 "$work"
read -r plain_port plain_admin jdk_port jdk_admin ossl_port ossl_admin origin_port \
  < <("$java_bin" -jar "$bench_jar" free-ports --count 7)

# The origin: one nginx worker serving a sparse 64 GiB file (zeros from the page cache: the
# ciphers cost the same on zeros as on anything else), sendfile on.
start_origin() {
  local port=$1 dir="$work/origin"
  mkdir -p "$dir/www" "$dir/tmp"
  chmod 755 "$dir" "$dir/www"
  chmod 777 "$dir/tmp"
  truncate -s 64G "$dir/www/big"
  chmod 644 "$dir/www/big"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
  }
}
EOF
  "$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/nginx.out" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
  wait_until_listening "$started_pid" "$port" || die "nginx did not start: $(cat "$dir/nginx.out" "$dir/error.log" 2>/dev/null)"
}

echo "starting the origin (nginx) and three zcproxy instances in $work"
start_origin "$origin_port"
start_zcproxy plain copy "$plain_port" "$plain_admin" || die "zcproxy (plain) exited at startup"
plain_pid=$started_pid
start_zcproxy jdk copy "$jdk_port" "$jdk_admin" "tls: { selfSigned: true, provider: jdk }" \
  || die "zcproxy (jdk) exited at startup: $(tail -5 "$work/jdk/proxy.log")"
jdk_pid=$started_pid
start_zcproxy openssl copy "$ossl_port" "$ossl_admin" "tls: { selfSigned: true, provider: openssl }" \
  || die "zcproxy (openssl) exited at startup: $(tail -5 "$work/openssl/proxy.log")"
ossl_pid=$started_pid

systems=(direct plain jdk openssl)
declare -A label_of=([direct]="direct (no proxy)" [plain]="zcproxy, plain CONNECT" \
  [jdk]="zcproxy, TLS (jdk)" [openssl]="zcproxy, TLS (openssl)")
declare -A pid_of=([direct]="" [plain]=$plain_pid [jdk]=$jdk_pid [openssl]=$ossl_pid)
declare -A proxy_of=([direct]="" [plain]="http://127.0.0.1:$plain_port" \
  [jdk]="https://127.0.0.1:$jdk_port" [openssl]="https://127.0.0.1:$ossl_port")
declare -A port_of=([jdk]=$jdk_port [openssl]=$ossl_port)
url="http://127.0.0.1:$origin_port/big"
for system in jdk openssl; do
  grep -q "TLS on ($system)" "$work/$system/proxy.log" || die "zcproxy ($system) does not log TLS on ($system)"
done

declare -A results

# download SYSTEM ROUND: --streams parallel curls for --seconds each (curl's --max-time ends them,
# exit 28); bytes and time from curl's own counters.
download() {
  local system=$1 round=$2 i before after route=() pids=() total=0 seconds=0 line
  [[ -n ${proxy_of[$system]} ]] && route=(--proxy "${proxy_of[$system]}" --proxy-insecure -p)
  before=$( [[ -n ${pid_of[$system]} ]] && tree_cpu_ticks "${pid_of[$system]}" || echo 0)
  for i in $(seq "$streams"); do
    curl -sS -o /dev/null --max-time "$measured_seconds" -w '%{size_download} %{time_total}\n' \
      "${route[@]}" "$url" >"$work/curl.$i" 2>"$work/curl.$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || true # 28: the time limit, which is the point
  done
  after=$( [[ -n ${pid_of[$system]} ]] && tree_cpu_ticks "${pid_of[$system]}" || echo 0)
  for i in $(seq "$streams"); do
    read -r line <"$work/curl.$i" || die "${label_of[$system]}: curl printed nothing: $(cat "$work/curl.$i.err")"
    total=$((total + ${line%% *}))
    seconds=$(awk -v a="$seconds" -v b="${line##* }" 'BEGIN { print (b > a) ? b : a }')
  done
  ((total > 0)) || die "${label_of[$system]}: nothing downloaded: $(cat "$work/curl.1.err")"
  results[gbit,$system,$round]=$(awk -v b="$total" -v s="$seconds" 'BEGIN { printf "%.2f", b * 8 / s / 1e9 }')
  local cpu="–"
  [[ -n ${pid_of[$system]} ]] && cpu=$(cpu_seconds_per_gb $((after - before)) "$total")
  results[cpu,$system,$round]=$cpu
  printf '  download  %-24s %6s Gbit/s  %6s CPU-s/GB\n' "${label_of[$system]}" "${results[gbit,$system,$round]}" "$cpu"
}

# handshakes SYSTEM ROUND: full handshakes (no resumption) per second from openssl s_time.
handshakes() {
  local system=$1 round=$2 out rate
  out=$(openssl s_time -connect "127.0.0.1:${port_of[$system]}" -new -time "$measured_seconds" 2>&1) \
    || die "${label_of[$system]}: openssl s_time failed: $out"
  # s_time's summary line: "N connections in T real seconds, B bytes read per connection"
  rate=$(awk '/connections in [0-9]+ real seconds/ { printf "%.0f", $1 / $4 }' <<<"$out" | tail -1)
  [[ -n $rate ]] || die "${label_of[$system]}: no rate from openssl s_time: $out"
  results[hs,$system,$round]=$rate
  printf '  handshake %-24s %6s /s\n' "${label_of[$system]}" "$rate"
}

echo "priming each proxy (2 s download each)"
saved=$measured_seconds
measured_seconds=2
for system in plain jdk openssl; do download "$system" 0 >/dev/null; done
measured_seconds=$saved

for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  offset=$(((round - 1) % ${#systems[@]}))
  ordered=("${systems[@]:offset}" "${systems[@]:0:offset}")
  for system in "${ordered[@]}"; do download "$system" "$round"; done
  if ((round % 2)); then hs_order=(jdk openssl); else hs_order=(openssl jdk); fi
  for system in "${hs_order[@]}"; do handshakes "$system" "$round"; done
done

median_of() {
  local metric=$1 system=$2 round collected=()
  for round in $(seq "$rounds"); do collected+=("${results[$metric,$system,$round]:-}"); done
  if [[ ${collected[0]} =~ ^[0-9.]+$ ]]; then median "${collected[@]}"; else echo "–"; fi
}
declare -A med
for system in "${systems[@]}"; do
  for metric in gbit cpu hs; do med[$metric,$system]=$(median_of "$metric" "$system"); done
done

mkdir -p "$repo/bench/results"
report="$repo/bench/results/tls-$(date -u +%Y-%m-%d-%H%M).md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "# HTTPS-to-proxy on loopback: tls.provider jdk and openssl"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/tls-bench.sh\` on $(nproc) cores ($cpu_model)," \
    "Linux $(uname -r), $("$java_bin" -version 2>&1 | head -1), $(curl -V | head -1 | cut -d' ' -f1-2)" \
    "($(curl -V | head -1 | grep -o 'OpenSSL/[0-9.]*')), nginx $("$nginx_bin" -v 2>&1 | awk -F/ '{ print $2 }') as the origin," \
    "zcproxy jar built $(date -u -r "$proxy_jar" '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- Download: ${streams} curl process(es) fetching a large file from nginx (sendfile, one worker) for" \
    "${measured_seconds} s, through \`curl --proxy https://... --proxy-insecure -p\` (an HTTP CONNECT tunnel" \
    "inside TLS; zcproxy \`tls: { selfSigned: true, provider: jdk|openssl }\`, RSA 2048), through" \
    "\`--proxy http://... -p\` to a zcproxy without TLS, and straight from nginx. TLS tunnels always take" \
    "the copy relay; the plain one is set to \`relay: copy\` too, so the difference is TLS alone."
  echo "- Proxy CPU: utime + stime of the proxy's process tree over the run, per GB downloaded."
  echo "- Handshakes: \`openssl s_time -new\` (one connection at a time, a full handshake each, no request)," \
    "connections per wall-clock second."
  echo "- Median of ${rounds} rounds, the order of the systems rotating every round. curl, nginx and the" \
    "proxy share the $(nproc) cores: quote the ratios."
  echo
  echo "| System | Download Gbit/s | × direct | × plain CONNECT | CPU-s/GB | × plain CONNECT | Handshakes/s |"
  echo "|---|---|---|---|---|---|---|"
  for system in "${systems[@]}"; do
    echo "| ${label_of[$system]} | ${med[gbit,$system]} | $(ratio "${med[gbit,$system]}" "${med[gbit,direct]}") |" \
      "$(ratio "${med[gbit,$system]}" "${med[gbit,plain]}") | ${med[cpu,$system]} |" \
      "$(ratio "${med[cpu,$system]}" "${med[cpu,plain]}") | ${med[hs,$system]} |"
  done
  echo
  echo "openssl ÷ jdk: download $(ratio "${med[gbit,openssl]}" "${med[gbit,jdk]}")×," \
    "CPU-s/GB $(ratio "${med[cpu,openssl]}" "${med[cpu,jdk]}")×," \
    "handshakes/s $(ratio "${med[hs,openssl]}" "${med[hs,jdk]}")×."
  echo
  echo "## Every round"
  echo
  echo "| System | $(for r in $(seq "$rounds"); do printf 'Round %s | ' "$r"; done)"
  echo "|---|$(for _ in $(seq "$rounds"); do printf -- '---|'; done)"
  for system in "${systems[@]}"; do
    row="| ${label_of[$system]} |"
    for round in $(seq "$rounds"); do
      row+=" ${results[gbit,$system,$round]} Gbit/s (${results[cpu,$system,$round]})${results[hs,$system,$round]:+, ${results[hs,$system,$round]} hs/s} |"
    done
    echo "$row"
  done
} >"$report"
echo "wrote $report"
cat "$report"
