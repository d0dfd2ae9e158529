{{- define "monitoring.fullname" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "monitoring") -}}
{{- end -}}

{{- define "monitoring.prometheusName" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "prometheus") -}}
{{- end -}}

{{- define "monitoring.grafanaName" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "grafana") -}}
{{- end -}}

{{/* The rule files: files/rules/*rules*.yaml, without promtool test files (they hold rule_files:). */}}
{{- define "monitoring.ruleFiles" -}}
{{- $files := dict -}}
{{- range $path, $_ := .Files.Glob "files/rules/*rules*.yaml" -}}
{{- $text := $.Files.Get $path -}}
{{- if not (contains "rule_files:" $text) -}}
{{- $_ := set $files (base $path) $text -}}
{{- end -}}
{{- end -}}
{{- toJson $files -}}
{{- end -}}

{{/* Targets: job name -> (headless Service, port). Job names match the rules' and dashboards' job labels. */}}
{{- define "monitoring.targets" -}}
{{- $t := list (dict "job" "zcproxy-proxy" "service" (printf "%s-metrics" (include "zcproxy.componentName" (dict "ctx" . "component" "proxy"))) "port" 9090) -}}
{{- $t = append $t (dict "job" "zcproxy-state" "service" (printf "%s-metrics" (include "zcproxy.componentName" (dict "ctx" . "component" "state"))) "port" 8080) -}}
{{- if eq .Values.global.broker.kind "rabbitmq" -}}
{{- $t = append $t (dict "job" "zcproxy-rabbitmq" "service" (printf "%s-headless" (include "zcproxy.componentName" (dict "ctx" . "component" "rabbitmq"))) "port" 15692) -}}
{{- end -}}
{{- toJson $t -}}
{{- end -}}

{{- define "monitoring.validateValues" -}}
{{- $problems := list -}}
{{- $v := .Values -}}
{{- if and $v.grafana.enabled (not $v.prometheus.enabled) (not $v.grafana.datasourceUrl) -}}
{{- $problems = append $problems "monitoring.grafana without the bundled Prometheus needs monitoring.grafana.datasourceUrl" -}}
{{- end -}}
{{- if and $v.grafana.datasourceUrl (not $v.grafana.datasourceNetworkPolicyPeers) $v.global.networkPolicy.enabled -}}
{{- $problems = append $problems "monitoring.grafana.datasourceUrl needs monitoring.grafana.datasourceNetworkPolicyPeers (where Grafana may connect)" -}}
{{- end -}}
{{- if and $v.prometheus.enabled $v.serviceMonitor.enabled -}}
{{- $problems = append $problems "monitoring.serviceMonitor.enabled with monitoring.prometheus.enabled would scrape twice: the bundled Prometheus has its own scrape config" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy monitoring: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
