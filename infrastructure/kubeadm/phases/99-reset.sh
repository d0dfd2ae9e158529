#!/usr/bin/env bash
# reset: tears the cluster down: kubeadm reset on the workers, then on the other control-plane
# nodes, the first control-plane node last; removes the kube-vip manifest and the CNI configs.
# Packages stay installed and held; containerd keeps running.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin reset

order=("${WORKERS[@]}")
for ((i = ${#CPS[@]} - 1; i >= 0; i--)); do order+=("${CPS[i]}"); done
for node in "${order[@]}"; do
  step "$node" "kubeadm reset" \
    '[ ! -e /etc/kubernetes/kubelet.conf ] && [ ! -e /etc/kubernetes/admin.conf ] && [ ! -e /etc/kubernetes/manifests/kube-vip.yaml ]' \
    'kubeadm reset --force && rm -rf /etc/cni/net.d && rm -f /etc/kubernetes/manifests/kube-vip.yaml'
done
phase_end
