#!/usr/bin/env bash
# Shared functions of the kubeadm phases: inventory and cluster.env parsing, version pinning,
# the SSH runner (ssh -n, BatchMode, timeouts), check-then-act steps, DRY_RUN plans, redaction
# of join secrets, retries that name what they waited for, and the renderers of every file the
# phases put on a node. Sourced by phases/*.sh and by the bats tests; defines functions only.
#
# Never enable xtrace in anything that sources this file: join tokens and certificate keys live
# in shell variables here and would be printed.
# The ZK_*, NODE_* and FIRST_CP globals set here are read by the phase scripts:
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2034,SC2016

# ---------------------------------------------------------------------------------------------
# Messages and logging
# ---------------------------------------------------------------------------------------------

# Known secret values of this process (token, certificate key). Only ever held in memory.
ZK_SECRETS=()
ZK_CHANGED=0

die() {
  printf 'error: %s\n' "$*" | redact >&2
  exit 1
}

# log NODE MESSAGE: one redacted line on stdout (and in LOG_FILE when set).
log() {
  local line
  line=$(printf '[%s] %s' "$1" "$2" | redact)
  printf '%s\n' "$line"
  if [[ -n ${LOG_FILE:-} ]]; then printf '%s %s\n' "$(date -u +%FT%TZ)" "$line" >>"$LOG_FILE"; fi
}

# remember_secret VALUE: from now on VALUE is printed as <redacted> wherever it appears.
remember_secret() {
  [[ -n $1 ]] && ZK_SECRETS+=("$1")
  return 0
}

# redact: filter stdin to stdout. Replaces every remembered secret, anything shaped like a
# bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}), the values of --token, --certificate-key,
# certificateKey:, token: and the key kubeadm prints after "Using certificate key:".
# The secrets reach awk through its environment, never through its argv.
redact() {
  local IFS=$'\n'
  ZK_REDACT_LIST="${ZK_SECRETS[*]}" LC_ALL=C awk '
    BEGIN { n = split(ENVIRON["ZK_REDACT_LIST"], s, "\n") }
    {
      line = $0
      for (i = 1; i <= n; i++) {
        if (s[i] == "") continue
        out = ""
        while ((p = index(line, s[i])) > 0) {
          out = out substr(line, 1, p - 1) "<redacted>"
          line = substr(line, p + length(s[i]))
        }
        line = out line
      }
      print line
    }' | LC_ALL=C sed -E \
    -e '/Using certificate key:[[:space:]]*$/{n;s/^[[:space:]]*[0-9a-f]{64}[[:space:]]*$/<redacted>/}' \
    -e 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted>/g' \
    -e 's/(--token|--certificate-key)([= ]+)[^ "'"'"'<]+/\1\2<redacted>/g' \
    -e 's/(^|[^A-Za-z])(certificateKey|token):[[:space:]]*"?[^"<[:space:]]+"?/\1\2: <redacted>/g'
}

# ---------------------------------------------------------------------------------------------
# Values: versions, CIDRs, addresses
# ---------------------------------------------------------------------------------------------

# is_pinned_version VALUE: a release tag vMAJOR.MINOR.PATCH; "latest", "stable", "master",
# bare minors and ranges are refused.
is_pinned_version() {
  [[ $1 =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]
}

# k8s_minor v1.33.4 -> v1.33
k8s_minor() {
  is_pinned_version "$1" || return 1
  local v=${1%.*}
  printf '%s\n' "$v"
}

# k8s_package_version v1.33.4 1.1 -> 1.33.4-1.1 (the Debian version on pkgs.k8s.io)
k8s_package_version() {
  is_pinned_version "$1" || return 1
  [[ $2 =~ ^[0-9]+(\.[0-9]+)*$ ]] || return 1
  printf '%s-%s\n' "${1#v}" "$2"
}

# k8s_repo_url v1.33.4 -> https://pkgs.k8s.io/core:/stable:/v1.33/deb/
k8s_repo_url() {
  local minor
  minor=$(k8s_minor "$1") || return 1
  printf 'https://pkgs.k8s.io/core:/stable:/%s/deb/\n' "$minor"
}

# version_at_least A B: true when dotted version A >= B (a leading "v" is ignored).
version_at_least() {
  local a=${1#v} b=${2#v} i
  local -a x y
  IFS=. read -r -a x <<<"${a%%[-+]*}"
  IFS=. read -r -a y <<<"${b%%[-+]*}"
  for i in 0 1 2; do
    local p=${x[i]:-0} q=${y[i]:-0}
    p=${p%%[!0-9]*} q=${q%%[!0-9]*}
    if ((10#${p:-0} > 10#${q:-0})); then return 0; fi
    if ((10#${p:-0} < 10#${q:-0})); then return 1; fi
  done
  return 0
}

is_ipv4() {
  local IFS=. o
  local -a parts
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  read -r -a parts <<<"$1"
  for o in "${parts[@]}"; do ((10#$o <= 255)) || return 1; done
}

is_ipv6() {
  [[ $1 =~ ^[0-9a-fA-F:]+$ && $1 == *:*:* ]]
}

is_ip() { is_ipv4 "$1" || is_ipv6 "$1"; }

is_cidr() {
  local addr=${1%/*} bits=${1##*/}
  [[ $1 == */* && $bits =~ ^[0-9]{1,3}$ ]] || return 1
  if is_ipv4 "$addr"; then ((bits <= 32)); elif is_ipv6 "$addr"; then ((bits <= 128)); else return 1; fi
}

# sq STRING: STRING quoted for a POSIX shell on the remote side.
sq() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

# ---------------------------------------------------------------------------------------------
# cluster.env: KEY=VALUE lines, parsed (never sourced)
# ---------------------------------------------------------------------------------------------

ZK_ENV_KEYS=(KUBERNETES_VERSION KUBERNETES_PACKAGE_REVISION CLUSTER_NAME POD_CIDR SERVICE_CIDR
  DNS_DOMAIN VIP VIP_INTERFACE API_PORT KUBE_VIP_VERSION CALICO_VERSION CALICO_ENCAPSULATION
  MULTUS_VERSION HELM_VERSION PAUSE_IMAGE CHART_DIR CHART_VALUES APP_RELEASE APP_NAMESPACE
  SSH_CONNECT_TIMEOUT SSH_COMMAND_TIMEOUT SSH_WAIT_TIMEOUT SSH_STRICT_HOST_KEYS SSH_KNOWN_HOSTS
  SSH_CONFIG_FILE WAIT_TIMEOUT FASTPATH_HUGEPAGES FASTPATH_PFRING FASTPATH_PFRING_REPO_DEB)

# parse_env_file FILE: prints KEY=VALUE lines (quotes removed) after checking every line.
# Blank lines and # comments are skipped; unknown keys and malformed lines are errors that name
# the file and line.
parse_env_file() {
  local file=$1 n=0 line key value k known
  [[ -r $file ]] || { printf 'error: %s: cannot read cluster env file\n' "$file" >&2; return 1; }
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
    if [[ ! $line =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
      printf 'error: %s:%d: expected KEY=VALUE, got: %s\n' "$file" "$n" "$line" >&2
      return 1
    fi
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    value=${value%%[[:space:]]#*}
    value=${value%"${value##*[![:space:]]}"}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    known=0
    for k in "${ZK_ENV_KEYS[@]}"; do [[ $k == "$key" ]] && known=1; done
    if ((!known)); then
      printf 'error: %s:%d: unknown setting %s\n' "$file" "$n" "$key" >&2
      return 1
    fi
    printf '%s=%s\n' "$key" "$value"
  done <"$file"
}

# load_env FILE: parse FILE into the ZK_* globals with defaults, then validate them.
load_env() {
  local line
  ZK_KUBERNETES_PACKAGE_REVISION=1.1 ZK_CLUSTER_NAME=zcproxy ZK_DNS_DOMAIN=cluster.local
  ZK_API_PORT=6443 ZK_CALICO_ENCAPSULATION=VXLANCrossSubnet ZK_PAUSE_IMAGE=registry.k8s.io/pause:3.10
  ZK_APP_RELEASE=zcproxy ZK_APP_NAMESPACE=zcproxy ZK_SSH_CONNECT_TIMEOUT=10
  ZK_SSH_COMMAND_TIMEOUT=900 ZK_SSH_WAIT_TIMEOUT=30 ZK_SSH_STRICT_HOST_KEYS=accept-new
  ZK_SSH_KNOWN_HOSTS='' ZK_SSH_CONFIG_FILE='' ZK_WAIT_TIMEOUT=600 ZK_FASTPATH_HUGEPAGES=1024
  ZK_FASTPATH_PFRING=0 ZK_FASTPATH_PFRING_REPO_DEB=https://packages.ntop.org/apt-stable/bookworm/all/apt-ntop-stable.deb
  ZK_CHART_DIR='' ZK_CHART_VALUES=''
  local parsed
  parsed=$(parse_env_file "$1") || return 1
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    printf -v "ZK_${line%%=*}" '%s' "${line#*=}"
  done <<<"$parsed"
  validate_env "$1"
}

# validate_env FILE: every required setting present, versions pinned, CIDRs and VIP well-formed.
validate_env() {
  local file=$1 k v
  for k in KUBERNETES_VERSION POD_CIDR SERVICE_CIDR VIP VIP_INTERFACE KUBE_VIP_VERSION \
    CALICO_VERSION MULTUS_VERSION HELM_VERSION CHART_DIR CHART_VALUES; do
    v=ZK_$k
    [[ -n ${!v:-} ]] || { printf 'error: %s: %s is required\n' "$file" "$k" >&2; return 1; }
  done
  for k in KUBERNETES_VERSION KUBE_VIP_VERSION CALICO_VERSION MULTUS_VERSION HELM_VERSION; do
    v=ZK_$k
    is_pinned_version "${!v}" ||
      { printf 'error: %s: %s=%s is not a pinned release tag (want vX.Y.Z)\n' "$file" "$k" "${!v}" >&2; return 1; }
  done
  k8s_package_version "$ZK_KUBERNETES_VERSION" "$ZK_KUBERNETES_PACKAGE_REVISION" >/dev/null ||
    { printf 'error: %s: KUBERNETES_PACKAGE_REVISION=%s is not a Debian revision\n' "$file" "$ZK_KUBERNETES_PACKAGE_REVISION" >&2; return 1; }
  for k in POD_CIDR SERVICE_CIDR; do
    v=ZK_$k
    is_cidr "${!v}" || { printf 'error: %s: %s=%s is not a CIDR\n' "$file" "$k" "${!v}" >&2; return 1; }
  done
  is_ip "$ZK_VIP" || { printf 'error: %s: VIP=%s is not an IP address\n' "$file" "$ZK_VIP" >&2; return 1; }
  [[ $ZK_VIP_INTERFACE =~ ^[A-Za-z0-9_.:-]{1,15}$ ]] ||
    { printf 'error: %s: VIP_INTERFACE=%s is not an interface name\n' "$file" "$ZK_VIP_INTERFACE" >&2; return 1; }
  [[ $ZK_CALICO_ENCAPSULATION =~ ^(IPIP|IPIPCrossSubnet|VXLAN|VXLANCrossSubnet|None)$ ]] ||
    { printf 'error: %s: CALICO_ENCAPSULATION=%s is not one of IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet, None\n' "$file" "$ZK_CALICO_ENCAPSULATION" >&2; return 1; }
  for k in API_PORT SSH_CONNECT_TIMEOUT SSH_COMMAND_TIMEOUT SSH_WAIT_TIMEOUT WAIT_TIMEOUT FASTPATH_HUGEPAGES; do
    v=ZK_$k
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { printf 'error: %s: %s=%s is not a positive number\n' "$file" "$k" "${!v}" >&2; return 1; }
  done
  [[ $ZK_SSH_STRICT_HOST_KEYS =~ ^(yes|accept-new)$ ]] ||
    { printf 'error: %s: SSH_STRICT_HOST_KEYS must be yes or accept-new\n' "$file" >&2; return 1; }
  return 0
}

# ---------------------------------------------------------------------------------------------
# Inventory: "host address role [key=value ...]" per line
# ---------------------------------------------------------------------------------------------

# parse_inventory FILE: prints one normalised line per node:
#   host<TAB>address<TAB>role<TAB>user<TAB>port<TAB>key<TAB>fastpath_nic
# Errors name the file and line: missing columns, bad role, bad address, unknown or malformed
# fields, duplicate hosts or addresses, no control-plane node.
parse_inventory() {
  local file=$1 n=0 line host addr role field k v cps=0
  local user port key nic
  local -A seen_host=() seen_addr=()
  local -a f out=()
  [[ -r $file ]] || { printf 'error: %s: cannot read inventory\n' "$file" >&2; return 1; }
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%%#*}
    read -r -a f <<<"$line"
    ((${#f[@]})) || continue
    if ((${#f[@]} < 3)); then
      printf 'error: %s:%d: want "host address role [key=value ...]", got: %s\n' "$file" "$n" "$line" >&2
      return 1
    fi
    host=${f[0]} addr=${f[1]} role=${f[2]}
    [[ $host =~ ^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$ ]] ||
      { printf 'error: %s:%d: host %s is not a lowercase DNS name (Kubernetes node names must be)\n' "$file" "$n" "$host" >&2; return 1; }
    is_ip "$addr" || { printf 'error: %s:%d: %s: address %s is not an IP address\n' "$file" "$n" "$host" "$addr" >&2; return 1; }
    [[ $role == control-plane || $role == worker ]] ||
      { printf 'error: %s:%d: %s: role %s is neither control-plane nor worker\n' "$file" "$n" "$host" "$role" >&2; return 1; }
    [[ -z ${seen_host[$host]:-} ]] || { printf 'error: %s:%d: host %s already on line %s\n' "$file" "$n" "$host" "${seen_host[$host]}" >&2; return 1; }
    [[ -z ${seen_addr[$addr]:-} ]] || { printf 'error: %s:%d: address %s already on line %s\n' "$file" "$n" "$addr" "${seen_addr[$addr]}" >&2; return 1; }
    seen_host[$host]=$n seen_addr[$addr]=$n
    user=root port=22 key='' nic=''
    for field in "${f[@]:3}"; do
      [[ $field == *=* ]] || { printf 'error: %s:%d: %s: field %s is not key=value\n' "$file" "$n" "$host" "$field" >&2; return 1; }
      k=${field%%=*} v=${field#*=}
      case $k in
        user) [[ $v =~ ^[a-z_][a-z0-9_-]*$ ]] || { printf 'error: %s:%d: %s: bad user %s\n' "$file" "$n" "$host" "$v" >&2; return 1; }; user=$v ;;
        port)
          if [[ ! $v =~ ^[1-9][0-9]{0,4}$ ]] || ((v > 65535)); then
            printf 'error: %s:%d: %s: bad port %s\n' "$file" "$n" "$host" "$v" >&2
            return 1
          fi
          port=$v
          ;;
        key) [[ -n $v && $v != *[[:space:]]* ]] || { printf 'error: %s:%d: %s: bad key path\n' "$file" "$n" "$host" >&2; return 1; }; key=$v ;;
        fastpath_nic) [[ $v =~ ^[A-Za-z0-9_.:-]{1,15}$ ]] || { printf 'error: %s:%d: %s: bad fastpath_nic %s\n' "$file" "$n" "$host" "$v" >&2; return 1; }; nic=$v ;;
        *) printf 'error: %s:%d: %s: unknown field %s (known: user, port, key, fastpath_nic)\n' "$file" "$n" "$host" "$k" >&2; return 1 ;;
      esac
    done
    [[ $role == control-plane ]] && cps=$((cps + 1))
    out+=("$host"$'\t'"$addr"$'\t'"$role"$'\t'"$user"$'\t'"$port"$'\t'"$key"$'\t'"$nic")
  done <"$file"
  ((${#out[@]})) || { printf 'error: %s: no nodes\n' "$file" >&2; return 1; }
  ((cps)) || { printf 'error: %s: no control-plane node\n' "$file" >&2; return 1; }
  printf '%s\n' "${out[@]}"
}

# load_inventory FILE: fills NODES (in file order) and NODE_ADDR/ROLE/USER/PORT/KEY/NIC maps,
# FIRST_CP (the first control-plane line: the node that runs kubeadm init), CPS and WORKERS.
load_inventory() {
  local parsed host addr role user port key nic
  parsed=$(parse_inventory "$1") || return 1
  NODES=() CPS=() WORKERS=()
  declare -gA NODE_ADDR=() NODE_ROLE=() NODE_USER=() NODE_PORT=() NODE_KEY=() NODE_NIC=()
  while IFS=$'\t' read -r host addr role user port key nic; do
    NODES+=("$host")
    NODE_ADDR[$host]=$addr NODE_ROLE[$host]=$role NODE_USER[$host]=$user
    NODE_PORT[$host]=$port NODE_KEY[$host]=$key NODE_NIC[$host]=$nic
    if [[ $role == control-plane ]]; then CPS+=("$host"); else WORKERS+=("$host"); fi
  done <<<"$parsed"
  FIRST_CP=${CPS[0]}
}

# find_duplicates: reads "node<TAB>value" lines, prints "value<TAB>nodeA nodeB" for every value
# held by more than one node.
find_duplicates() {
  awk -F '\t' '$2 != "" { seen[$2] = (seen[$2] == "" ? $1 : seen[$2] " " $1); count[$2]++ }
    END { for (v in count) if (count[v] > 1) printf "%s\t%s\n", v, seen[v] }' | sort
}

# ---------------------------------------------------------------------------------------------
# Running things on nodes
# ---------------------------------------------------------------------------------------------

dry_run() { [[ ${DRY_RUN:-0} == 1 ]]; }

# ssh_args NODE: the ssh options for NODE, one per line into the array named by $2.
ssh_args() {
  local node=$1
  local -n _out=$2
  _out=(-o BatchMode=yes -o "ConnectTimeout=$ZK_SSH_CONNECT_TIMEOUT" -o ServerAliveInterval=5
    -o ServerAliveCountMax=3 -o "StrictHostKeyChecking=$ZK_SSH_STRICT_HOST_KEYS" -o LogLevel=ERROR
    -p "${NODE_PORT[$node]}" -l "${NODE_USER[$node]}")
  # One multiplexed connection per node for the length of a phase (closed by phase_begin's trap).
  [[ -n ${ZK_CONTROL_DIR:-} ]] && _out+=(-o ControlMaster=auto -o "ControlPath=$ZK_CONTROL_DIR/%C" -o ControlPersist=120)
  [[ -n $ZK_SSH_CONFIG_FILE ]] && _out=(-F "$ZK_SSH_CONFIG_FILE" "${_out[@]}")
  [[ -n $ZK_SSH_KNOWN_HOSTS ]] && _out+=(-o "UserKnownHostsFile=$ZK_SSH_KNOWN_HOSTS")
  [[ -n ${NODE_KEY[$node]} ]] && _out+=(-i "${NODE_KEY[$node]}" -o IdentitiesOnly=yes)
  return 0
}

# as_root NODE COMMAND: COMMAND wrapped in sudo -n when the node's user is not root.
as_root() {
  if [[ ${NODE_USER[$1]} == root ]]; then printf '%s' "$2"; else printf 'sudo -n sh -c %s' "$(sq "$2")"; fi
}

# on NODE COMMAND: run COMMAND on NODE with stdin from /dev/null (ssh -n). Output passes redact.
on() {
  local node=$1 cmd=$2 rc=0
  local -a opts
  ssh_args "$node" opts
  timeout "$ZK_SSH_COMMAND_TIMEOUT" ssh -n "${opts[@]}" "${NODE_ADDR[$node]}" -- "$(as_root "$node" "$cmd")" \
    2> >(redact >&2) | redact || rc=$?
  return "$rc"
}

# on_capture NODE COMMAND: like on, but stdout is returned raw for the caller to parse (used to
# read join secrets). Never print what it returns.
on_capture() {
  local node=$1 cmd=$2
  local -a opts
  ssh_args "$node" opts
  timeout "$ZK_SSH_COMMAND_TIMEOUT" ssh -n "${opts[@]}" "${NODE_ADDR[$node]}" -- "$(as_root "$node" "$cmd")" 2> >(redact >&2)
}

# on_stdin NODE COMMAND: run COMMAND on NODE with this function's stdin (file contents, configs
# holding secrets); the secrets travel inside the SSH channel, never in an argv.
on_stdin() {
  local node=$1 cmd=$2 rc=0
  local -a opts
  ssh_args "$node" opts
  timeout "$ZK_SSH_COMMAND_TIMEOUT" ssh "${opts[@]}" "${NODE_ADDR[$node]}" -- "$(as_root "$node" "$cmd")" \
    2> >(redact >&2) | redact || rc=$?
  return "$rc"
}

# plan NODE KIND COMMAND [STDIN-DESCRIPTION]: the DRY_RUN line for one remote command.
plan() {
  local line="[$1] $2: $3"
  [[ -n ${4:-} ]] && line+="   <<stdin: $4>>"
  printf '%s\n' "$line" | redact
}

# step NODE WHAT CHECK ACT: check-then-act. CHECK (read-only) succeeds when WHAT is already
# done; otherwise ACT runs and CHECK must then succeed. DRY_RUN prints both and runs nothing.
step() {
  local node=$1 what=$2 check=$3 act=$4
  if dry_run; then
    plan "$node" check "$check"
    plan "$node" act "$act"
    return 0
  fi
  if on "$node" "$check" >/dev/null 2>>"${LOG_FILE:-/dev/null}"; then
    log "$node" "ok       $what"
    return 0
  fi
  log "$node" "change   $what"
  ZK_CHANGED=$((ZK_CHANGED + 1))
  on "$node" "$act" >>"${LOG_FILE:-/dev/null}" || die "$node: $what failed (ran: $act)"
  on "$node" "$check" >/dev/null || die "$node: $what: still not done after: $act"
}

# check_only NODE WHAT CHECK: a read-only assertion; fails naming the node and WHAT.
check_only() {
  local node=$1 what=$2 check=$3
  if dry_run; then plan "$node" check "$check"; return 0; fi
  on "$node" "$check" >/dev/null || die "$node: $what (check failed: $check)"
  log "$node" "ok       $what"
}

# file_digest: sha256 of stdin.
file_digest() { sha256sum | cut -d' ' -f1; }

# step_stdin NODE WHAT CHECK ACT CONTENT DESCRIPTION: check-then-act where ACT reads CONTENT
# on stdin. DRY_RUN shows DESCRIPTION in place of the content.
step_stdin() {
  local node=$1 what=$2 check=$3 act=$4 content=$5 desc=$6
  if dry_run; then
    plan "$node" check "$check"
    plan "$node" act "$act" "$desc"
    return 0
  fi
  if on "$node" "$check" >/dev/null 2>>"${LOG_FILE:-/dev/null}"; then
    log "$node" "ok       $what"
    return 0
  fi
  log "$node" "change   $what"
  ZK_CHANGED=$((ZK_CHANGED + 1))
  printf '%s' "$content" | on_stdin "$node" "$act" >>"${LOG_FILE:-/dev/null}" || die "$node: $what failed"
  on "$node" "$check" >/dev/null || die "$node: $what: still not done after acting"
}

# ensure_file NODE PATH MODE CONTENT [AFTER]: PATH on NODE holds exactly CONTENT with MODE;
# AFTER (a command) runs only when the file had to be written.
ensure_file() {
  local node=$1 path=$2 mode=$3 content=$4 after=${5:-} digest check act
  digest=$(printf '%s' "$content" | file_digest)
  check="printf '%s  %s\\n' $(sq "$digest") $(sq "$path") | sha256sum --check --status && [ \"\$(stat -c %a $(sq "$path"))\" = $mode ]"
  act="mkdir -p $(sq "$(dirname "$path")") && umask 077 && cat >$(sq "$path.zk-new") && chmod $mode $(sq "$path.zk-new") && mv -f $(sq "$path.zk-new") $(sq "$path")"
  [[ -n $after ]] && act+=" && $after"
  step_stdin "$node" "$path" "$check" "$act" "$content" "$path, ${#content} bytes, sha256 ${digest:0:12}"
}

# wait_for NODE WHAT COMMAND: retries the read-only COMMAND on NODE until it succeeds or
# WAIT_TIMEOUT runs out; the failure names WHAT and NODE.
wait_for() {
  local node=$1 what=$2 cmd=$3
  if dry_run; then plan "$node" wait "$cmd"; return 0; fi
  retry_until "$ZK_WAIT_TIMEOUT" "$what (on $node: $cmd)" on "$node" "$cmd" >/dev/null
  log "$node" "ok       $what"
}

# with_secret_file COMMAND-USING-"$f": remote script that stores stdin in a 0600 temp file $f,
# runs the command and removes the file whatever happens.
with_secret_file() {
  printf '%s' "umask 077; f=\$(mktemp); trap 'rm -f \"\$f\"' EXIT; cat >\"\$f\"; $1"
}

# retry_until SECONDS WHAT COMMAND...: runs COMMAND every 2 s until it succeeds; after SECONDS
# fails with "timed out after SECONDS s waiting for WHAT".
retry_until() {
  local limit=$1 what=$2 start
  shift 2
  start=$SECONDS
  until "$@"; do
    if ((SECONDS - start >= limit)); then
      die "timed out after ${limit}s waiting for $what"
    fi
    sleep 2
  done
}

# reachable NODE: one SSH round trip.
reachable() { on "$1" true >/dev/null 2>&1; }

# kubectl on the first control-plane node.
KUBECTL='kubectl --kubeconfig=/etc/kubernetes/admin.conf'

# ---------------------------------------------------------------------------------------------
# Phase scaffolding
# ---------------------------------------------------------------------------------------------

ZK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZK_REPO=$(cd "$ZK_DIR/../.." && pwd)

# resolve_path PATH: absolute PATHs stay, relative ones are taken from the repository root.
resolve_path() {
  if [[ $1 == /* ]]; then printf '%s\n' "$1"; else printf '%s/%s\n' "$ZK_REPO" "$1"; fi
}

# phase_begin NAME: load INVENTORY and CLUSTER_ENV, announce the phase.
phase_begin() {
  ZK_PHASE=$1
  [[ $- != *x* ]] || { echo "error: refusing to run with xtrace on: it would print join secrets" >&2; exit 1; }
  load_env "${CLUSTER_ENV:?set CLUSTER_ENV=FILE (see cluster.env.example)}" || exit 1
  load_inventory "${INVENTORY:?set INVENTORY=FILE (see inventory.example)}" || exit 1
  if ! dry_run; then
    ZK_CONTROL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zk-ssh.XXXXXX")
    trap close_connections EXIT
  fi
  if [[ -n ${LOG_DIR:-} ]] && ! dry_run; then
    mkdir -p "$LOG_DIR"
    LOG_FILE=$LOG_DIR/kubeadm.log
  fi
  if dry_run; then printf '== plan %s (nothing is run)\n' "$ZK_PHASE"; else log "$ZK_PHASE" "phase start"; fi
}

# close_connections: ends the phase's multiplexed SSH connections and removes their sockets.
close_connections() {
  local node
  local -a opts
  [[ -n ${ZK_CONTROL_DIR:-} && -d $ZK_CONTROL_DIR ]] || return 0
  for node in "${NODES[@]}"; do
    ssh_args "$node" opts
    ssh "${opts[@]}" -O exit "${NODE_ADDR[$node]}" >/dev/null 2>&1 || true
  done
  rm -rf "$ZK_CONTROL_DIR"
}

phase_end() {
  dry_run && return 0
  log "$ZK_PHASE" "phase done, $ZK_CHANGED change(s)"
}

# ---------------------------------------------------------------------------------------------
# Renderers (pure: arguments in, text out)
# ---------------------------------------------------------------------------------------------

# render_init_config NODE ADDR VIP PORT VERSION POD_CIDR SVC_CIDR DNS_DOMAIN CLUSTER_NAME CERT_KEY
render_init_config() {
  local node=$1 addr=$2 vip=$3 port=$4 version=$5 pod=$6 svc=$7 domain=$8 name=$9 key=${10}
  cat <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
certificateKey: "$key"
localAPIEndpoint:
  advertiseAddress: "$addr"
  bindPort: $port
nodeRegistration:
  name: "$node"
  criSocket: unix:///run/containerd/containerd.sock
  # kube-vip's static pod is already in the manifests directory.
  ignorePreflightErrors:
    - DirAvailable--etc-kubernetes-manifests
  kubeletExtraArgs:
    - name: node-ip
      value: "$addr"
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: "$name"
kubernetesVersion: "$version"
controlPlaneEndpoint: "$(endpoint "$vip" "$port")"
networking:
  podSubnet: "$pod"
  serviceSubnet: "$svc"
  dnsDomain: "$domain"
apiServer:
  certSANs:
    - "$vip"
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
EOF
}

# endpoint ADDR PORT: host:port, with brackets around an IPv6 address.
endpoint() {
  if is_ipv6 "$1"; then printf '[%s]:%s' "$1" "$2"; else printf '%s:%s' "$1" "$2"; fi
}

# render_join_config NODE ADDR ENDPOINT TOKEN CA_HASH [CERT_KEY PORT]: a worker join without
# CERT_KEY, a control-plane join with it.
render_join_config() {
  local node=$1 addr=$2 ep=$3 token=$4 hash=$5 key=${6:-} port=${7:-6443}
  cat <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: "$ep"
    token: "$token"
    caCertHashes:
      - "$hash"
nodeRegistration:
  name: "$node"
  criSocket: unix:///run/containerd/containerd.sock
  # kube-vip's static pod is already in the manifests directory.
  ignorePreflightErrors:
    - DirAvailable--etc-kubernetes-manifests
  kubeletExtraArgs:
    - name: node-ip
      value: "$addr"
EOF
  if [[ -n $key ]]; then
    cat <<EOF
controlPlane:
  certificateKey: "$key"
  localAPIEndpoint:
    advertiseAddress: "$addr"
    bindPort: $port
EOF
  fi
}

# parse_join_command: reads "kubeadm join EP --token T --discovery-token-ca-cert-hash H" and
# prints "EP<TAB>T<TAB>H"; fails on anything else.
parse_join_command() {
  local line ep='' token='' hash='' i
  local -a w
  line=$(grep -m1 'kubeadm join' || true)
  read -r -a w <<<"$line"
  for ((i = 0; i < ${#w[@]}; i++)); do
    case ${w[i]} in
      join) ep=${w[i + 1]:-} ;;
      --token) token=${w[i + 1]:-} ;;
      --discovery-token-ca-cert-hash) hash=${w[i + 1]:-} ;;
    esac
  done
  [[ $token =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ && $hash =~ ^sha256:[0-9a-f]{64}$ && -n $ep && $ep != -* ]] || return 1
  printf '%s\t%s\t%s\n' "$ep" "$token" "$hash"
}

# parse_certificate_key: the 64-hex key kubeadm prints after "Using certificate key:".
parse_certificate_key() {
  local key
  key=$(sed -n '/Using certificate key:/,$p' | grep -E -m1 '^[0-9a-f]{64}$' || true)
  [[ $key =~ ^[0-9a-f]{64}$ ]] || return 1
  printf '%s\n' "$key"
}

# new_certificate_key: 32 random bytes as 64 hex digits (what kubeadm certs certificate-key makes).
new_certificate_key() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# kube_vip_kubeconfig MINOR FIRST INITIALISED: the kubeconfig kube-vip mounts. From v1.29 on,
# admin.conf only gets its rights once init has finished, so the first node uses
# super-admin.conf until then.
kube_vip_kubeconfig() {
  local minor=$1 first=$2 done=$3
  if [[ $first == yes && $done == no ]] && version_at_least "$minor" v1.29; then
    echo /etc/kubernetes/super-admin.conf
  else
    echo /etc/kubernetes/admin.conf
  fi
}

# render_kube_vip VIP INTERFACE PORT VERSION KUBECONFIG
render_kube_vip() {
  local vip=$1 iface=$2 port=$3 version=$4 kubeconfig=$5
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: kube-vip
  namespace: kube-system
spec:
  hostNetwork: true
  hostAliases:
    - hostnames: [kubernetes]
      ip: 127.0.0.1
  containers:
    - name: kube-vip
      image: ghcr.io/kube-vip/kube-vip:$version
      imagePullPolicy: IfNotPresent
      args: [manager]
      env:
        - {name: vip_arp, value: "true"}
        - {name: port, value: "$port"}
        - {name: vip_interface, value: "$iface"}
        - {name: vip_cidr, value: "$(if is_ipv6 "$vip"; then echo 128; else echo 32; fi)"}
        - {name: cp_enable, value: "true"}
        - {name: cp_namespace, value: kube-system}
        - {name: vip_leaderelection, value: "true"}
        - {name: vip_leasename, value: plndr-cp-lock}
        - {name: vip_leaseduration, value: "5"}
        - {name: vip_renewdeadline, value: "3"}
        - {name: vip_retryperiod, value: "1"}
        - {name: address, value: "$vip"}
      securityContext:
        capabilities:
          add: [NET_ADMIN, NET_RAW]
      volumeMounts:
        - {name: kubeconfig, mountPath: /etc/kubernetes/admin.conf}
  volumes:
    - name: kubeconfig
      hostPath:
        path: $kubeconfig
EOF
}

# render_containerd_config PAUSE_IMAGE: containerd 1.x (config version 2) with the systemd
# cgroup driver kubeadm's kubelet uses.
render_containerd_config() {
  cat <<EOF
# Written by infrastructure/kubeadm (runtime phase).
version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$1"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
EOF
}

render_sysctl_conf() {
  cat <<'EOF'
# Written by infrastructure/kubeadm (preflight phase).
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
net.ipv6.conf.all.forwarding = 1
EOF
}

render_modules_conf() {
  printf '%s\n' '# Written by infrastructure/kubeadm (preflight phase).' overlay br_netfilter
}

# render_apt_source VERSION: the pkgs.k8s.io source for VERSION's minor.
render_apt_source() {
  printf 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] %s /\n' "$(k8s_repo_url "$1")"
}

# render_calico_installation POD_CIDR ENCAPSULATION: the Tigera operator's Installation.
render_calico_installation() {
  cat <<EOF
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    ipPools:
      - name: default-ipv4-ippool
        cidr: $1
        encapsulation: $2
        natOutgoing: Enabled
        nodeSelector: all()
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata:
  name: default
spec: {}
EOF
}

calico_url() { printf 'https://raw.githubusercontent.com/projectcalico/calico/%s/manifests/%s\n' "$1" "$2"; }
multus_url() { printf 'https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/%s/deployments/multus-daemonset-thick.yml\n' "$1"; }

# ---------------------------------------------------------------------------------------------
# Verifications: read-only, run after their phase and all together by `make verify`
# ---------------------------------------------------------------------------------------------

verify_preflight() {
  local node
  for node in "${NODES[@]}"; do
    check_only "$node" "swap is off" '[ -z "$(swapon --noheadings --show)" ]'
    check_only "$node" "net.ipv4.ip_forward is 1" '[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ]'
  done
}

verify_runtime() {
  local node
  for node in "${NODES[@]}"; do
    check_only "$node" "containerd is active" 'systemctl is-active --quiet containerd'
  done
}

verify_packages() {
  local node
  for node in "${NODES[@]}"; do
    check_only "$node" "kubeadm is $ZK_KUBERNETES_VERSION" "[ \"\$(kubeadm version -o short)\" = $ZK_KUBERNETES_VERSION ]"
  done
  check_only "$FIRST_CP" "helm is $ZK_HELM_VERSION" "helm version --short | grep -q '^$ZK_HELM_VERSION+'"
}

verify_vip() {
  local node
  for node in "${CPS[@]}"; do
    check_only "$node" "kube-vip manifest in place" '[ -s /etc/kubernetes/manifests/kube-vip.yaml ]'
  done
}

verify_init() {
  wait_for "$FIRST_CP" "the API server behind the VIP $(endpoint "$ZK_VIP" "$ZK_API_PORT")" "$KUBECTL get --raw=/readyz"
  check_only "$FIRST_CP" "node $FIRST_CP registered" "$KUBECTL get node $FIRST_CP -o name"
}

verify_joined() {
  local node
  for node in "$@"; do
    check_only "$FIRST_CP" "node $node registered" "$KUBECTL get node $node -o name"
  done
}

verify_cni() {
  wait_for "$FIRST_CP" "all nodes Ready" "$KUBECTL wait --for=condition=Ready nodes --all --timeout=20s"
  wait_for "$FIRST_CP" "Calico pods Ready" "$KUBECTL -n calico-system wait --for=condition=Ready pods --all --timeout=20s"
  wait_for "$FIRST_CP" "CoreDNS rolled out" "$KUBECTL -n kube-system rollout status deployment/coredns --timeout=20s"
}

verify_multus() {
  wait_for "$FIRST_CP" "Multus daemonset rolled out" "$KUBECTL -n kube-system rollout status daemonset/kube-multus-ds --timeout=20s"
}

verify_app() {
  check_only "$FIRST_CP" "helm release $ZK_APP_RELEASE deployed" \
    "helm --kubeconfig=/etc/kubernetes/admin.conf status $ZK_APP_RELEASE --namespace $ZK_APP_NAMESPACE"
  wait_for "$FIRST_CP" "the chart's pods Ready" "$KUBECTL -n $ZK_APP_NAMESPACE wait --for=condition=Ready pods --all --timeout=20s"
}

# ---------------------------------------------------------------------------------------------
# Joining
# ---------------------------------------------------------------------------------------------

# join_nodes control-plane|worker NODE...: joins the nodes not yet joined. A fresh bootstrap
# token (15 min TTL) and, for control-plane nodes, a freshly uploaded certificate key are read
# from the first node over SSH into memory, handed to each node inside a JoinConfiguration on
# stdin (0600 temp file there, removed afterwards), and revoked once the nodes are in.
join_nodes() {
  local kind=$1 node out ep token hash key='' pending=() run_join
  shift
  run_join="$(with_secret_file 'kubeadm join --config "$f"')"
  for node in "$@"; do
    if dry_run; then pending+=("$node"); continue; fi
    if on "$node" '[ -f /etc/kubernetes/kubelet.conf ]' >/dev/null; then
      log "$node" "ok       already joined"
    else
      pending+=("$node")
    fi
  done
  ((${#pending[@]})) || return 0
  if dry_run; then
    [[ $kind == control-plane ]] && plan "$FIRST_CP" act 'kubeadm init phase upload-certs --upload-certs'
    plan "$FIRST_CP" act 'kubeadm token create --print-join-command --ttl 15m'
    for node in "${pending[@]}"; do
      plan "$node" check '[ -f /etc/kubernetes/kubelet.conf ]'
      plan "$node" act "$run_join" "kubeadm JoinConfiguration, token and certificateKey <redacted>"
      render_join_config "$node" "${NODE_ADDR[$node]}" "$(endpoint "$ZK_VIP" "$ZK_API_PORT")" '<redacted>' 'sha256:<ca-cert-hash>' \
        "$([[ $kind == control-plane ]] && echo '<redacted>')" "$ZK_API_PORT" | sed 's/^/    | /'
    done
    plan "$FIRST_CP" act 'kubeadm token delete <token-id>'
    [[ $kind == control-plane ]] && plan "$FIRST_CP" act "$KUBECTL -n kube-system delete secret kubeadm-certs --ignore-not-found"
    return 0
  fi
  if [[ $kind == control-plane ]]; then
    key=$(on_capture "$FIRST_CP" 'kubeadm init phase upload-certs --upload-certs' | parse_certificate_key) ||
      die "$FIRST_CP: could not upload the control-plane certificates (kubeadm init phase upload-certs)"
    remember_secret "$key"
    ZK_CHANGED=$((ZK_CHANGED + 1))
  fi
  out=$(on_capture "$FIRST_CP" 'kubeadm token create --print-join-command --ttl 15m' | parse_join_command) ||
    die "$FIRST_CP: could not create a join token (kubeadm token create)"
  IFS=$'\t' read -r ep token hash <<<"$out"
  remember_secret "$token"
  remember_secret "${token#*.}"
  ZK_CHANGED=$((ZK_CHANGED + 1))
  for node in "${pending[@]}"; do
    log "$node" "change   kubeadm join ($kind)"
    ZK_CHANGED=$((ZK_CHANGED + 1))
    render_join_config "$node" "${NODE_ADDR[$node]}" "$ep" "$token" "$hash" "$key" "$ZK_API_PORT" |
      on_stdin "$node" "$run_join" >>"${LOG_FILE:-/dev/null}" || die "$node: kubeadm join failed (redacted output in ${LOG_FILE:-the terminal})"
  done
  # The token id (the part before the dot) names the token without revealing it.
  on "$FIRST_CP" "kubeadm token delete ${token%%.*}" >>"${LOG_FILE:-/dev/null}" || die "$FIRST_CP: could not delete the join token"
  if [[ $kind == control-plane ]]; then
    on "$FIRST_CP" "$KUBECTL -n kube-system delete secret kubeadm-certs --ignore-not-found" >>"${LOG_FILE:-/dev/null}" ||
      die "$FIRST_CP: could not delete the uploaded certificates"
  fi
  unset token key
  return 0
}
