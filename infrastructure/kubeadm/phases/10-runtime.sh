#!/usr/bin/env bash
# runtime: containerd from the distribution, configured with the systemd cgroup driver.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin runtime

for node in "${NODES[@]}"; do
  step "$node" "containerd installed" \
    "dpkg-query -W -f='\${Status}' containerd 2>/dev/null | grep -q 'install ok installed'" \
    'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q containerd'
  ensure_file "$node" /etc/containerd/config.toml 644 "$(render_containerd_config "$ZK_PAUSE_IMAGE")" \
    'systemctl restart containerd'
  step "$node" "containerd enabled and running" \
    'systemctl is-enabled --quiet containerd && systemctl is-active --quiet containerd' \
    'systemctl enable --now containerd'
done

verify_runtime
phase_end
