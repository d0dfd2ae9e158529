#!/usr/bin/env bash
# Builds the proxy and state images for real with buildah (no daemon), then runs each one the way
# a kubelet would: its own root filesystem, read-only, UID 10001, tmpfs volumes, its ENTRYPOINT.
#
# No registry is reachable here, so the pinned base images are stood in for by local ones made
# from a `debootstrap --variant=minbase bookworm` root filesystem (cached under
# ~/.cache/zcproxy, ~70 s once) and, for the JDK stages, the machine's Temurin 25 copied into it.
# They are tagged with the exact names the Dockerfiles' FROM lines use, and buildah never pulls.
#
# The build stages really run Maven inside the image (./mvnw ... package), with the machine's
# ~/.m2 mounted at /root/.m2 and -o, so nothing is downloaded twice. The two Dockerfiles share
# their build stage word for word and buildah caches layers (--layers), so Maven runs once.
#
# Checks: the proxy answers /healthz and /readyz and carries a SOCKS5 request (curl
# --socks5-hostname to a loopback HTTP server), and its AOT cache is accepted (-XX:AOTMode=on);
# the state service starts against the machine's PostgreSQL and answers /healthz. Prints the
# image sizes and the proxy's start-up time with and without the AOT cache.
#
# Usage: infrastructure/docker/test-images.sh   (root; buildah, debootstrap, curl, python3, psql)
# Env: ZCPROXY_TEST_DB_URL (jdbc:postgresql://127.0.0.1:5432/test), ZCPROXY_TEST_DB_USER (postgres)
set -Eeuo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
docker_dir="$repo/infrastructure/docker"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/zcproxy"
rootfs_tar="$cache_dir/bookworm-minbase.tar"
jdk_home="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
db_url="${ZCPROXY_TEST_DB_URL:-jdbc:postgresql://127.0.0.1:5432/test}"
db_user="${ZCPROXY_TEST_DB_USER:-postgres}"
started=$SECONDS

work=$(mktemp -d /tmp/zcproxy-images.XXXXXX)
buildah_cmd=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
pids=()
schema="zcproxy_images_$$"

log() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  local status=$?
  local pid
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  "${buildah_cmd[@]}" umount --all >/dev/null 2>&1 || true
  "${buildah_cmd[@]}" rm --all >/dev/null 2>&1 || true
  "${buildah_cmd[@]}" rmi --all --force >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -U "$db_user" -d "$(db_name)" -c "drop schema if exists $schema cascade" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
  if ((status != 0)); then
    printf 'test-images.sh failed (status %d)\n' "$status" >&2
  fi
}
trap cleanup EXIT

db_name() { local path=${db_url##*/}; printf '%s' "${path%%\?*}"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The image names the Dockerfiles pin, read from their ARG defaults (both files must agree).
image_arg() {
  local name=$1 proxy state
  proxy=$(sed -n "s/^ARG $name=//p" "$docker_dir/proxy/Dockerfile")
  state=$(sed -n "s/^ARG $name=//p" "$docker_dir/state/Dockerfile")
  [[ -n $proxy && $proxy == "$state" ]] || fail "ARG $name differs: '$proxy' vs '$state'"
  [[ $proxy != *:latest && $proxy == *:* ]] || fail "ARG $name is not pinned by tag: $proxy"
  printf '%s' "$proxy"
}

make_rootfs_tar() {
  [[ -s $rootfs_tar ]] && return
  log "debootstrap --variant=minbase bookworm (cached in $rootfs_tar afterwards)"
  mkdir -p "$cache_dir"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  # What a -slim image leaves out too: package caches and lists.
  rm -rf "$work/rootfs/var/cache/apt/archives"/*.deb "$work/rootfs/var/lib/apt/lists"/*
  tar -C "$work/rootfs" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work/rootfs"
}

make_stand_in_images() {
  local base_image=$1 jdk_image=$2 ctr
  log "stand-in $base_image: the debootstrap root filesystem"
  ctr=$("${buildah_cmd[@]}" from scratch)
  "${buildah_cmd[@]}" add "$ctr" "$rootfs_tar" / >/dev/null
  "${buildah_cmd[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash --os linux --arch amd64 "$ctr"
  "${buildah_cmd[@]}" commit -q "$ctr" "$base_image" >/dev/null
  "${buildah_cmd[@]}" rm "$ctr" >/dev/null

  log "stand-in $jdk_image: that plus this machine's JDK ($jdk_home) where Temurin's images keep it"
  ctr=$("${buildah_cmd[@]}" from --pull=never "$base_image")
  # Dereferenced: a Debian-packaged JDK links lib/security/cacerts to /etc/ssl/certs/java, which
  # the image lacks; Temurin's own images carry the file itself.
  cp -rL "$jdk_home" "$work/jdk"
  "${buildah_cmd[@]}" copy "$ctr" "$work/jdk" /opt/java/openjdk >/dev/null
  rm -rf "$work/jdk"
  "${buildah_cmd[@]}" config --env JAVA_HOME=/opt/java/openjdk \
    --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  "${buildah_cmd[@]}" commit -q "$ctr" "$jdk_image" >/dev/null
  "${buildah_cmd[@]}" rm "$ctr" >/dev/null
}

build_image() {
  local app=$1 begun=$SECONDS
  log "buildah bud $app"
  "${buildah_cmd[@]}" bud --isolation chroot --pull=never --layers \
    -f "$docker_dir/$app/Dockerfile" --ignorefile "$docker_dir/$app/Dockerfile.dockerignore" \
    --build-arg MAVEN_FLAGS=-o -v "$HOME/.m2:/root/.m2" \
    -t "localhost/zcproxy-$app:test" "$repo" >"$work/build-$app.log" 2>&1 ||
    { tail -40 "$work/build-$app.log" >&2; fail "buildah bud $app"; }
  log "built zcproxy-$app in $((SECONDS - begun)) s"
}

# The root filesystem of an image, as a directory (vfs: a plain copy).
image_rootfs() {
  local ctr
  ctr=$("${buildah_cmd[@]}" from --pull=never "$1")
  "${buildah_cmd[@]}" mount "$ctr"
}

image_user() { "${buildah_cmd[@]}" inspect --type image --format '{{.OCIv1.Config.User}}' "$1"; }

# ENTRYPOINT then CMD, one word a line.
image_command() {
  "${buildah_cmd[@]}" inspect --type image \
    --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$1"
}

image_env() {
  "${buildah_cmd[@]}" inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$1"
}

# Starts a command in <rootfs> as a kubelet would with readOnlyRootFilesystem: a private mount
# namespace, the root bound read-only, tmpfs on each VOLUME, /proc /dev /sys and the host's
# /etc/hosts and resolv.conf bound in, <config dir> (or nothing: "-") on /etc/zcproxy, the image's
# USER. Sets started_pid. Usage: start_in <rootfs> <user> <config dir|-> <log> <env file> -- cmd...
start_in() {
  local root=$1 user=$2 config=$3 out=$4 env_file=$5
  shift 6
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --mount --propagation private -- bash -c '
    set -e
    root=$1 user=$2 config=$3 env_file=$4
    shift 4
    mount --bind "$root" "$root"
    for dir in proc dev sys; do mount --rbind "/$dir" "$root/$dir"; done
    # Like a container runtime: create the mount points the image lacks, in the writable copy of this container.
    for file in hosts resolv.conf; do
      touch "$root/etc/$file"
      mount --bind "/etc/$file" "$root/etc/$file"
    done
    if [ "$config" != - ]; then mount --bind "$config" "$root/etc/zcproxy"; fi
    mount -o remount,bind,ro "$root"
    for volume in /tmp /var/lib/zcproxy; do mount -t tmpfs -o mode=1777 tmpfs "$root$volume"; done
    mapfile -t environment <"$env_file"
    exec env -i "${environment[@]}" chroot --userspec="$user" "$root" "$@"
  ' start_in "$root" "$user" "$config" "$env_file" "$@" >"$out" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

await_http() {
  local url=$1 pid=$2 out=$3 tries=0
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$out" >&2
      fail "exited before $url answered"
    fi
    ((++tries <= 1200)) || { cat "$out" >&2; fail "$url did not answer within 120 s"; }
    sleep 0.1
  done
}

# SIGTERM, then the exit status in stopped_status.
stop() {
  stopped_status=0
  kill -TERM "$1"
  wait "$1" || stopped_status=$?
}

millis() { date +%s%3N; }

check_proxy() {
  local image=localhost/zcproxy-proxy:test root user config port admin origin_port origin_pid pid
  local -a command
  root=$(image_rootfs "$image")
  user=$(image_user "$image")
  [[ $user == 10001* ]] || fail "the proxy image's USER is '$user', not 10001"
  mapfile -t command < <(image_command "$image")
  image_env "$image" >"$work/proxy.env"
  [[ ${command[*]} == *--enable-native-access=ALL-UNNAMED* ]] || fail "no --enable-native-access"

  port=$(free_port)
  admin=$(free_port)
  origin_port=$(free_port)
  mkdir -p "$work/origin" "$work/proxy-config"
  printf 'hello through the image\n' >"$work/origin/hello.txt"
  python3 -m http.server --bind 127.0.0.1 --directory "$work/origin" "$origin_port" \
    >"$work/origin.log" 2>&1 &
  origin_pid=$!
  pids+=("$origin_pid")
  cat >"$work/proxy-config/zcproxy.yaml" <<EOF
listen: 127.0.0.1:$port
admin: { listen: 127.0.0.1:$admin }
policy: { file: policy.yaml }
EOF
  cat >"$work/proxy-config/policy.yaml" <<EOF
anonymous: false
users:
  - { name: alice, password: "{plain}wonderland" }
rules:
  - action: allow
    users: [alice]
    destinations: ["127.0.0.1/32"]
    ports: ["$origin_port"]
EOF
  chmod -R a+rX "$work/proxy-config" "$work/origin"

  log "run the proxy image: read-only root, UID 10001, its ENTRYPOINT, the AOT cache required (-XX:AOTMode=on)"
  local -a strict=("${command[0]}" -XX:AOTMode=on "${command[@]:1}")
  start_in "$root" "$user" "$work/proxy-config" "$work/proxy.log" "$work/proxy.env" -- "${strict[@]}"
  pid=$started_pid
  await_http "http://127.0.0.1:$admin/readyz" "$pid" "$work/proxy.log"
  [[ $(curl -sf "http://127.0.0.1:$admin/healthz") == ok ]] || fail "/healthz is not ok"
  local body
  body=$(curl -sS --max-time 20 --socks5-hostname "127.0.0.1:$port" -U alice:wonderland \
    "http://localhost:$origin_port/hello.txt") || { cat "$work/proxy.log" >&2; fail "SOCKS5 through the image"; }
  [[ $body == "hello through the image" ]] || fail "SOCKS5 fetched '$body'"
  log "proxy: /healthz ok, /readyz 200, SOCKS5 to a loopback origin ok"
  stop "$pid"
  [[ $stopped_status == 0 ]] || { cat "$work/proxy.log" >&2; fail "the proxy exited with $stopped_status on SIGTERM"; }
  if grep -qiE 'error|exception' "$work/proxy.log"; then
    cat "$work/proxy.log" >&2
    fail "errors in the proxy's log"
  fi

  log "proxy start-up to /readyz, 3 runs each: with the AOT cache (as shipped) and without (-XX:AOTMode=off)"
  local with without mode
  local -a with_times=() without_times=()
  local -a plain=("${command[0]}" -XX:AOTMode=off "${command[@]:1}")
  for _ in 1 2 3; do
    for mode in with without; do
      local begun
      begun=$(millis)
      if [[ $mode == with ]]; then
        start_in "$root" "$user" "$work/proxy-config" "$work/proxy-$mode.log" "$work/proxy.env" -- "${command[@]}"
      else
        start_in "$root" "$user" "$work/proxy-config" "$work/proxy-$mode.log" "$work/proxy.env" -- "${plain[@]}"
      fi
      pid=$started_pid
      await_http "http://127.0.0.1:$admin/readyz" "$pid" "$work/proxy-$mode.log"
      if [[ $mode == with ]]; then with_times+=($(($(millis) - begun))); else without_times+=($(($(millis) - begun))); fi
      stop "$pid"
    done
  done
  with=$(printf '%s\n' "${with_times[@]}" | sort -n | sed -n 2p)
  without=$(printf '%s\n' "${without_times[@]}" | sort -n | sed -n 2p)
  printf 'proxy start-up to /readyz (median of 3): %d ms with the AOT cache, %d ms without: %s x faster\n' \
    "$with" "$without" "$(python3 -c "print(round($without / $with, 2))")"
  kill "$origin_pid" 2>/dev/null || true
}

check_state() {
  local image=localhost/zcproxy-state:test root user port broker pid
  local -a command
  root=$(image_rootfs "$image")
  user=$(image_user "$image")
  [[ $user == 10001* ]] || fail "the state image's USER is '$user', not 10001"
  mapfile -t command < <(image_command "$image")
  [[ ${command[*]} == *--enable-native-access=ALL-UNNAMED* ]] || fail "no --enable-native-access"
  port=$(free_port)
  broker=$(free_port)
  {
    image_env "$image" | grep -v '^ZCPROXY_STATE_LISTEN='
    printf 'ZCPROXY_STATE_LISTEN=127.0.0.1:%s\n' "$port"
    printf 'ZCPROXY_STATE_EMBEDDED_BROKER=tcp://127.0.0.1:%s\n' "$broker"
    printf 'ZCPROXY_STATE_DB_URL=%s\n' "$db_url"
    printf 'ZCPROXY_STATE_DB_USER=%s\n' "$db_user"
    printf 'ZCPROXY_STATE_DB_SCHEMA=%s\n' "$schema"
  } >"$work/state.env"
  log "run the state image against PostgreSQL ($db_url, schema $schema): read-only root, UID 10001"
  start_in "$root" "$user" - "$work/state.log" "$work/state.env" -- "${command[@]}"
  pid=$started_pid
  await_http "http://127.0.0.1:$port/healthz" "$pid" "$work/state.log"
  curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^zcproxy_state_outbox_lag_revisions ' ||
    fail "the state service's /metrics has no outbox lag"
  log "state: /healthz 200 (database reachable), /metrics ok"
  stop "$pid"
  [[ $stopped_status == 0 ]] || { cat "$work/state.log" >&2; fail "the state service exited with $stopped_status on SIGTERM"; }
}

report_sizes() {
  local app
  for app in proxy state; do
    printf 'image zcproxy-%s: %s (on the %s stand-in)\n' "$app" \
      "$("${buildah_cmd[@]}" images --format '{{.Size}}' "localhost/zcproxy-$app:test")" "$base_image"
  done
  printf 'stand-in base %s: %s\n' "$base_image" "$("${buildah_cmd[@]}" images --format '{{.Size}}' "$base_image")"
}

for tool in buildah debootstrap curl python3 unshare chroot; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (.ci/run installs buildah and debootstrap)"
done
[[ -x $jdk_home/bin/java ]] || fail "no JDK 25 at $jdk_home"
base_image=$(image_arg BASE_IMAGE)
jdk_image=$(image_arg JDK_IMAGE)
make_rootfs_tar
make_stand_in_images "$base_image" "$jdk_image"
build_image proxy
build_image state
report_sizes
check_proxy
check_state
log "images built and verified in $((SECONDS - started)) s"
