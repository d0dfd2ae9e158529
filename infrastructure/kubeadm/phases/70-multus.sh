#!/usr/bin/env bash
# multus: the thick-plugin Multus daemonset at the pinned release, the meta-CNI through which
# pods get the fast-path NIC as a second interface.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin multus

v=$ZK_MULTUS_VERSION
step "$FIRST_CP" "Multus thick daemonset $v" \
  "[ \"\$($KUBECTL -n kube-system get daemonset kube-multus-ds -o jsonpath='{.metadata.annotations.zcproxy\\.io/multus-version}' 2>/dev/null)\" = $v ]" \
  "$KUBECTL apply --server-side --force-conflicts -f $(multus_url "$v") && $KUBECTL -n kube-system annotate --overwrite daemonset kube-multus-ds zcproxy.io/multus-version=$v"

verify_multus
phase_end
