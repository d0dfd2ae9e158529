#!/usr/bin/env bash
# app: helm upgrade --install of the zcproxy chart (CHART_DIR) with CHART_VALUES, run on the
# first control-plane node. Chart and values travel as one base64 tar on stdin; the release is
# upgraded only when their digest differs from the one recorded on the namespace.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin app

chart=$(resolve_path "$ZK_CHART_DIR")
values=$(resolve_path "$ZK_CHART_VALUES")
if dry_run && [[ ! -f $chart/Chart.yaml || ! -f $values ]]; then
  plan "$FIRST_CP" act "helm upgrade --install $ZK_APP_RELEASE <chart> -f <values>" "chart $chart and values $values: not found yet"
  exit 0
fi
[[ -f $chart/Chart.yaml ]] || die "chart not found: $chart/Chart.yaml (CHART_DIR in $CLUSTER_ENV)"
[[ -f $values ]] || die "values file not found: $values (CHART_VALUES in $CLUSTER_ENV)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"; close_connections' EXIT
cp -R "$chart" "$stage/chart"
cp "$values" "$stage/values.yaml"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage" -cf "$stage.tar" chart values.yaml
mv "$stage.tar" "$stage/bundle.tar"
digest=$(file_digest <"$stage/bundle.tar")
ns=$ZK_APP_NAMESPACE rel=$ZK_APP_RELEASE
helm="helm --kubeconfig=/etc/kubernetes/admin.conf"
step_stdin "$FIRST_CP" "helm release $rel (chart+values sha256 ${digest:0:12})" \
  "$helm status $rel --namespace $ns >/dev/null 2>&1 && [ \"\$($KUBECTL get namespace $ns -o jsonpath='{.metadata.annotations.zcproxy\\.io/app-digest}')\" = $digest ]" \
  "d=\$(mktemp -d) && trap 'rm -rf \"\$d\"' EXIT && base64 -d | tar -xf - -C \"\$d\" && $helm upgrade --install $rel \"\$d/chart\" -f \"\$d/values.yaml\" --namespace $ns --create-namespace --wait --timeout ${ZK_WAIT_TIMEOUT}s && $KUBECTL annotate --overwrite namespace $ns zcproxy.io/app-digest=$digest" \
  "$(base64 -w0 "$stage/bundle.tar")" "base64 tar of $chart and $values, sha256 ${digest:0:12}"

verify_app
phase_end
