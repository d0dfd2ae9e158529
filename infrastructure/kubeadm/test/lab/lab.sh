#!/usr/bin/env bash
# SSH lab (test code): "nodes" that are network namespaces joined to a bridge, each with its own
# sshd (Debian's openssh-server), hostname (unshare --uts), overlay over /etc and the recording
# test doubles bind-mounted over /usr/local/bin (unshare --mount), so nothing reaches the host's
# files. The client side (ssh, make) runs in a namespace of its own. Addresses are link-local
# (169.254.8.0/24) and exist only inside the lab's namespaces.
#
#   source lab.sh; lab_up DIR cp1:control-plane cp2:control-plane wk1:worker
#   lab_run make -C ... all      # runs in the client namespace
#   lab_stop_sshd wk1
#   lab_down                     # namespaces, sshd processes, temp dir; safe to call twice
set -Eeuo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DOUBLES=$(cd "$LAB_SRC/../doubles" && pwd)

# lab_up DIR NAME:ROLE...: DIR must be a fresh temp dir; it is removed by lab_down.
lab_up() {
  LAB_DIR=$1
  shift
  LAB_ID=zcp8-$$-${RANDOM}
  LAB_NETNS=("$LAB_ID-c")
  LAB_NODES=()
  local ctl=$LAB_ID-c i=10 spec name role ns dir addr
  mkdir -p "$LAB_DIR/client" "$LAB_DIR/cluster" "$LAB_DIR/nodes" "$LAB_DIR/logs"
  ssh-keygen -q -t ed25519 -N '' -C zcp8-lab-client -f "$LAB_DIR/client/id_ed25519"
  cp "$LAB_DIR/client/id_ed25519.pub" "$LAB_DIR/client/authorized_keys"
  : >"$LAB_DIR/client/known_hosts"
  : >"$LAB_DIR/inventory"
  ip netns add "$ctl"
  ip -n "$ctl" link set lo up
  ip -n "$ctl" link add br0 type bridge
  ip -n "$ctl" addr add 169.254.8.1/24 dev br0
  ip -n "$ctl" link set br0 up
  for spec in "$@"; do
    name=${spec%%:*} role=${spec#*:}
    i=$((i + 1))
    ns=$LAB_ID-$name dir=$LAB_DIR/nodes/$name addr=169.254.8.$i
    LAB_NODES+=("$name")
    LAB_NETNS+=("$ns")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ctl" link add "v-$name" type veth peer name eth0 netns "$ns"
    ip -n "$ctl" link set "v-$name" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$dir/etc-upper" "$dir/etc-work" "$dir/run" "$dir/tmp"
    : >"$dir/empty"
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/etc-upper/machine-id"
    echo >>"$dir/etc-upper/machine-id"
    : >"$dir/remote.log"
    : >"$dir/journal.jsonl"
    ssh-keygen -q -t ed25519 -N '' -C "zcp8-lab-$name" -f "$dir/ssh_host_ed25519_key"
    printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$LAB_DIR/client/known_hosts"
    cat >"$dir/sshd_config" <<CONF
ListenAddress $addr:22
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $LAB_DIR/client/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100:30:200
LogLevel ERROR
SetEnv ZCP8_NODE=$name ZCP8_NODE_DIR=$dir ZCP8_CLUSTER_DIR=$LAB_DIR/cluster
ForceCommand $LAB_SRC/session.sh
CONF
    lab_start_sshd "$name"
    printf '%s %s %s key=%s\n' "$name" "$addr" "$role" "$LAB_DIR/client/id_ed25519" >>"$LAB_DIR/inventory"
  done
  for name in "${LAB_NODES[@]}"; do lab_wait_ssh "$name"; done
}

# lab_start_sshd NAME: the node's sshd inside its namespaces, in the foreground of a background job.
lab_start_sshd() {
  local name=$1 dir=$LAB_DIR/nodes/$1
  # shellcheck disable=SC2016 # expanded by the inner bash
  ip netns exec "$LAB_ID-$name" unshare --mount --uts --propagation private -- /bin/bash -c '
    set -e
    hostname "$1"
    mount -t overlay zcp8-etc -o "lowerdir=/etc,upperdir=$2/etc-upper,workdir=$2/etc-work" /etc
    mount --bind "$3" /usr/local/bin
    mount -o remount,bind,ro /usr/local/bin
    mount --bind "$2/run" /run
    # The host root'"'"'s ~/.bashrc (sourced by bash for every SSH session) may load slow tool
    # managers; the lab nodes get an empty one.
    if [ -e /root/.bashrc ]; then mount --bind "$2/empty" /root/.bashrc; fi
    mkdir -p -m 0755 /run/sshd
    exec /usr/sbin/sshd -D -e -f "$2/sshd_config"
  ' lab-node "$name" "$dir" "$LAB_DOUBLES" >>"$dir/sshd.log" 2>&1 &
  echo $! >"$dir/sshd.job"
}

lab_wait_ssh() {
  local name=$1
  for _ in $(seq 50); do
    if lab_ssh "$name" true 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "lab: sshd on $name did not come up; its log:" >&2
  cat "$LAB_DIR/nodes/$name/sshd.log" >&2
  return 1
}

# lab_ssh NAME CMD: a plain lab session (recorded in remote.log like any other).
lab_ssh() {
  local addr
  addr=$(awk -v n="$1" '$1 == n { print $2 }' "$LAB_DIR/inventory")
  ip netns exec "$LAB_ID-c" ssh -n -F /dev/null -o BatchMode=yes -o ConnectTimeout=2 \
    -o UserKnownHostsFile="$LAB_DIR/client/known_hosts" -o StrictHostKeyChecking=yes \
    -i "$LAB_DIR/client/id_ed25519" -l root "$addr" -- "$2"
}

# lab_run CMD...: CMD in the client namespace.
lab_run() { ip netns exec "$LAB_ID-c" "$@"; }

lab_stop_sshd() {
  local pid
  pid=$(cat "$LAB_DIR/nodes/$1/sshd.job")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# lab_down: kill every process left in the lab's namespaces (by pid), delete the namespaces
# (their veths and bridge go with them) and the temp dir.
lab_down() {
  local ns pid
  [[ -n ${LAB_ID:-} ]] || return 0
  for ns in "${LAB_NETNS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in "${LAB_NETNS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]] && rm -rf "$LAB_DIR"
  LAB_ID=''
}
