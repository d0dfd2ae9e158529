#!/usr/bin/env bash
# cni: Calico through the Tigera operator (pinned release), an Installation whose IPPool is the
# pod CIDR kubeadm was given, then every node Ready, Calico's pods Ready and CoreDNS rolled out.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin cni

v=$ZK_CALICO_VERSION
step "$FIRST_CP" "Tigera operator for Calico $v" \
  "[ \"\$($KUBECTL get namespace tigera-operator -o jsonpath='{.metadata.annotations.zcproxy\\.io/calico-version}' 2>/dev/null)\" = $v ]" \
  "$KUBECTL apply --server-side --force-conflicts -f $(calico_url "$v" operator-crds.yaml) && $KUBECTL apply --server-side --force-conflicts -f $(calico_url "$v" tigera-operator.yaml) && $KUBECTL annotate --overwrite namespace tigera-operator zcproxy.io/calico-version=$v"
wait_for "$FIRST_CP" "the Tigera operator rolled out" "$KUBECTL -n tigera-operator rollout status deployment/tigera-operator --timeout=20s"

installation=$(render_calico_installation "$ZK_POD_CIDR" "$ZK_CALICO_ENCAPSULATION")
digest=$(printf '%s' "$installation" | file_digest)
step_stdin "$FIRST_CP" "Calico Installation, IPPool $ZK_POD_CIDR" \
  "[ \"\$($KUBECTL get installation default -o jsonpath='{.spec.calicoNetwork.ipPools[0].cidr}' 2>/dev/null)\" = $ZK_POD_CIDR ] && [ \"\$($KUBECTL get installation default -o jsonpath='{.metadata.annotations.zcproxy\\.io/digest}')\" = $digest ]" \
  "$KUBECTL apply -f - && $KUBECTL annotate --overwrite installation default zcproxy.io/digest=$digest" \
  "$installation" "Installation + APIServer, sha256 ${digest:0:12}"

verify_cni
phase_end
