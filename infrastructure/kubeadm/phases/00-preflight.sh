#!/usr/bin/env bash
# preflight: SSH reachability, OS and kernel, swap off, kernel modules, sysctls, unique
# hostname/MAC/product_uuid, control-plane and kubelet ports free. Fixes what it may (swap,
# modules, sysctls) and fails, naming the node, on what it may not.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin preflight

for node in "${NODES[@]}"; do
  if dry_run; then plan "$node" check true; continue; fi
  retry_until "$ZK_SSH_WAIT_TIMEOUT" "SSH on node $node (${NODE_ADDR[$node]} port ${NODE_PORT[$node]}); is sshd running and the key authorised?" \
    reachable "$node"
  log "$node" "ok       reachable over SSH"
done

for node in "${NODES[@]}"; do
  check_only "$node" "supported OS (Debian 12/13, Ubuntu 22.04/24.04)" \
    '. /etc/os-release && case "$ID:$VERSION_ID" in debian:12|debian:13|ubuntu:22.04|ubuntu:24.04) ;; *) exit 1 ;; esac'
  if ! dry_run; then
    kernel=$(on_capture "$node" 'uname -r')
    version_at_least "$kernel" 5.4 || die "$node: kernel $kernel is older than 5.4"
    log "$node" "ok       kernel $kernel"
    on "$node" '[ -f /sys/fs/cgroup/cgroup.controllers ]' >/dev/null ||
      log "$node" "warning  cgroup v1: Kubernetes $(k8s_minor "$ZK_KUBERNETES_VERSION") keeps it in maintenance only; prefer cgroup v2"
  else
    plan "$node" check 'uname -r'
  fi
  step "$node" "swap off" '[ -z "$(swapon --noheadings --show)" ]' \
    "swapoff -a && sed -i.zk-bak -E 's@^([^#].*[[:space:]]swap[[:space:]].*)\$@#\\1@' /etc/fstab"
  ensure_file "$node" /etc/modules-load.d/zcproxy-k8s.conf 644 "$(render_modules_conf)"
  for mod in overlay br_netfilter; do
    step "$node" "module $mod loaded" "! modprobe --dry-run --first-time $mod 2>/dev/null" "modprobe $mod"
  done
  ensure_file "$node" /etc/sysctl.d/99-zcproxy-k8s.conf 644 "$(render_sysctl_conf)"
  step "$node" "sysctls applied" \
    '[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] && [ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ]' \
    'sysctl --system'
  if [[ ${NODE_ROLE[$node]} == control-plane ]]; then ports='6443|2379|2380|10250|10257|10259'; else ports='10250|10256'; fi
  check_only "$node" "ports $ports free (or the node is already a member)" \
    "[ -e /etc/kubernetes/kubelet.conf ] || ! ss -Hltn | awk '{print \$4}' | grep -Eq ':($ports)\$'"
done

# Identities that must differ between nodes.
if ! dry_run; then
  ids=''
  for node in "${NODES[@]}"; do
    out=$(on_capture "$node" 'echo "hostname $(hostname)"; for i in /sys/class/net/*; do [ "${i##*/}" = lo ] || echo "mac $(cat "$i/address")"; done; echo "uuid $(cat /sys/class/dmi/id/product_uuid 2>/dev/null || cat /etc/machine-id)"') ||
      die "$node: could not read hostname, MAC addresses and product_uuid"
    while read -r kind value; do ids+="$kind"$'\t'"$node"$'\t'"$value"$'\n'; done <<<"$out"
  done
  for kind in hostname mac uuid; do
    dups=$(awk -F '\t' -v k="$kind" '$1 == k { print $2 "\t" $3 }' <<<"$ids" | grep -v $'\t00:00:00:00:00:00$' | find_duplicates)
    [[ -z $dups ]] || die "$(printf '%s %s is shared by nodes %s' "$kind" "${dups%%$'\t'*}" "${dups#*$'\t'}")"
  done
  log preflight "ok       hostnames, MAC addresses and product_uuids are unique"
else
  plan "(all)" check 'hostname; cat /sys/class/net/*/address; cat /sys/class/dmi/id/product_uuid'
fi

verify_preflight
phase_end
