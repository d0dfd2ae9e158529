#!/usr/bin/env bash
# Copies the Prometheus rule files and Grafana dashboards of infrastructure/monitoring into the
# monitoring subchart (Helm packages only what lies inside a chart). MonitoringFilesTest fails when
# the copies drift.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../monitoring"
dst="$here/monitoring/files"
rm -f "$dst"/rules/*.yaml "$dst"/dashboards/*.json
for f in "$src"/*rules*.yaml; do
  [[ -e $f ]] || continue
  grep -q '^rule_files:' "$f" && continue # a promtool test file, not rules
  cp "$f" "$dst/rules/"
done
for f in "$src"/dashboards/*.json; do
  [[ -e $f ]] && cp "$f" "$dst/dashboards/"
done
echo "rules: $(find "$dst/rules" -type f | wc -l), dashboards: $(find "$dst/dashboards" -type f | wc -l)"
