#!/usr/bin/env bash
# join-control-plane: the other control-plane nodes join through the VIP with the uploaded
# certificates (see join_nodes in lib/common.sh for how the secrets travel).
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin join-control-plane

join_nodes control-plane "${CPS[@]:1}"
verify_joined "${CPS[@]}"
phase_end
