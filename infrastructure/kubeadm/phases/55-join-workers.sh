#!/usr/bin/env bash
# join-workers: the worker nodes join through the VIP.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin join-workers

join_nodes worker "${WORKERS[@]}"
verify_joined "${WORKERS[@]}"
phase_end
