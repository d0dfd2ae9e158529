#!/usr/bin/env bash
# init: kubeadm init on the first control-plane node with a v1beta4 config whose
# certificateKey is in the file (a 0600 temp file fed through stdin, removed afterwards), never
# on a command line, and --upload-certs. Then kube-vip goes back to admin.conf.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin init

node=$FIRST_CP
check='[ -f /etc/kubernetes/admin.conf ]'
run_init="$(with_secret_file 'kubeadm init --config "$f" --upload-certs')"
render() {
  render_init_config "$node" "${NODE_ADDR[$node]}" "$ZK_VIP" "$ZK_API_PORT" "$ZK_KUBERNETES_VERSION" \
    "$ZK_POD_CIDR" "$ZK_SERVICE_CIDR" "$ZK_DNS_DOMAIN" "$ZK_CLUSTER_NAME" "$1"
}
if dry_run; then
  plan "$node" check "$check"
  plan "$node" act "$run_init" "kubeadm InitConfiguration + ClusterConfiguration, certificateKey <redacted>"
  render '<redacted>' | sed 's/^/    | /'
elif on "$node" "$check" >/dev/null; then
  log "$node" "ok       kubeadm init already done"
else
  log "$node" "change   kubeadm init"
  ZK_CHANGED=$((ZK_CHANGED + 1))
  key=$(new_certificate_key)
  remember_secret "$key"
  render "$key" | on_stdin "$node" "$run_init" >>"${LOG_FILE:-/dev/null}" || die "$node: kubeadm init failed (its redacted output is in ${LOG_FILE:-the terminal})"
  unset key
fi

# Back to admin.conf now that it carries cluster-admin rights (a no-op below v1.29).
ensure_file "$node" /etc/kubernetes/manifests/kube-vip.yaml 600 \
  "$(render_kube_vip "$ZK_VIP" "$ZK_VIP_INTERFACE" "$ZK_API_PORT" "$ZK_KUBE_VIP_VERSION" /etc/kubernetes/admin.conf)"

verify_init
phase_end
