#!/usr/bin/env bash
# vip: kube-vip as a static pod on every control-plane node, announcing the VIP that is the
# controlPlaneEndpoint. Kubernetes >= 1.29: until kubeadm init has finished on the first node,
# only super-admin.conf has the rights kube-vip needs there; the init phase switches it back.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin vip

minor=$(k8s_minor "$ZK_KUBERNETES_VERSION")
initialised=no
if ! dry_run && on "$FIRST_CP" '[ -f /etc/kubernetes/admin.conf ]' >/dev/null; then initialised=yes; fi
for node in "${CPS[@]}"; do
  first=no
  [[ $node == "$FIRST_CP" ]] && first=yes
  kubeconfig=$(kube_vip_kubeconfig "$minor" "$first" "$initialised")
  ensure_file "$node" /etc/kubernetes/manifests/kube-vip.yaml 600 \
    "$(render_kube_vip "$ZK_VIP" "$ZK_VIP_INTERFACE" "$ZK_API_PORT" "$ZK_KUBE_VIP_VERSION" "$kubeconfig")"
done

verify_vip
phase_end
