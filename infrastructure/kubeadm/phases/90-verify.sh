#!/usr/bin/env bash
# verify: every phase's read-only check again, in order (nodes, runtime, packages, VIP, API,
# joins, Calico, CoreDNS, Multus, the chart's pods). Changes nothing.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin verify

verify_preflight
verify_runtime
verify_packages
verify_vip
verify_init
verify_joined "${NODES[@]}"
verify_cni
verify_multus
verify_app
phase_end
