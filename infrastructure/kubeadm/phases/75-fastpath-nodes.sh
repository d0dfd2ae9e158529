#!/usr/bin/env bash
# fastpath-nodes (opt-in): on nodes with fastpath_nic=... in the inventory, reserve 2 MiB
# hugepages, label the node for the fast-path NIC and, only with FASTPATH_PFRING=1, install
# PF_RING from ntop's apt repository (a third-party repository: read ntop's terms first).
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin fastpath-nodes

fast=()
for node in "${NODES[@]}"; do [[ -n ${NODE_NIC[$node]} ]] && fast+=("$node"); done
((${#fast[@]})) || log fastpath-nodes "no node has fastpath_nic=...; nothing to do"
for node in "${fast[@]}"; do
  nic=${NODE_NIC[$node]}
  check_only "$node" "fast-path NIC $nic exists" "[ -e /sys/class/net/$nic ]"
  ensure_file "$node" /etc/sysctl.d/90-zcproxy-hugepages.conf 644 \
    "$(printf '# Written by infrastructure/kubeadm (fastpath-nodes phase).\nvm.nr_hugepages = %s\n' "$ZK_FASTPATH_HUGEPAGES")" \
    'sysctl --system'
  step "$FIRST_CP" "node $node labelled for fast-path NIC $nic" \
    "[ \"\$($KUBECTL get node $node -o jsonpath='{.metadata.labels.zcproxy\\.io/fastpath-nic}')\" = $nic ]" \
    "$KUBECTL label --overwrite node $node zcproxy.io/fastpath=true zcproxy.io/fastpath-nic=$nic"
  if [[ $ZK_FASTPATH_PFRING == 1 ]]; then
    step "$node" "PF_RING from ntop's repository" \
      "dpkg-query -W -f='\${Status}' pfring 2>/dev/null | grep -q 'install ok installed'" \
      "d=\$(mktemp -d) && curl -fsSL --retry 3 $ZK_FASTPATH_PFRING_REPO_DEB -o \"\$d/apt-ntop.deb\" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \"\$d/apt-ntop.deb\" && rm -rf \"\$d\" && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pfring pfring-dkms"
  fi
done
phase_end
