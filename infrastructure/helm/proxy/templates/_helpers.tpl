{{- define "proxy.fullname" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "proxy") -}}
{{- end -}}

{{- define "proxy.labels" -}}
{{- include "zcproxy.labels" (dict "ctx" . "component" "proxy") -}}
{{- end -}}

{{- define "proxy.selectorLabels" -}}
{{- include "zcproxy.selectorLabels" (dict "ctx" . "component" "proxy") -}}
{{- end -}}

{{/* The Secret and key holding the API key the proxy presents to the state service. */}}
{{- define "proxy.apiKeySecret" -}}
{{- if .Values.stateApiKey.existingSecret -}}
{{- .Values.stateApiKey.existingSecret -}}
{{- else -}}
{{- printf "%s-bootstrap" (include "zcproxy.componentName" (dict "ctx" . "component" "state")) -}}
{{- end -}}
{{- end -}}

{{- define "proxy.apiKeyKey" -}}
{{- ternary .Values.stateApiKey.key "api-key" (ne .Values.stateApiKey.existingSecret "") -}}
{{- end -}}

{{- define "proxy.attachmentName" -}}
{{- printf "%s-fastpath" (include "proxy.fullname" .) -}}
{{- end -}}

{{/* Rules the schema cannot express; every problem is collected, then reported at once. */}}
{{- define "proxy.validateValues" -}}
{{- $problems := list -}}
{{- $v := .Values -}}
{{- if and $v.service.externalTrafficPolicy (eq $v.service.type "ClusterIP") -}}
{{- $problems = append $problems "proxy.service.externalTrafficPolicy needs proxy.service.type NodePort or LoadBalancer" -}}
{{- end -}}
{{- if and $v.autoscaling.enabled (lt (int $v.autoscaling.maxReplicas) (int $v.replicas)) -}}
{{- $problems = append $problems (printf "proxy.autoscaling.maxReplicas (%v) is below proxy.replicas (%v)" $v.autoscaling.maxReplicas $v.replicas) -}}
{{- end -}}
{{- if eq (int $v.port) 9090 -}}
{{- $problems = append $problems "proxy.port 9090 is the admin port (/metrics, /healthz, /readyz): choose another" -}}
{{- end -}}
{{- if and $v.podDisruptionBudget.enabled (not $v.autoscaling.enabled) (lt (int $v.replicas) 2) -}}
{{- $problems = append $problems "proxy.podDisruptionBudget with a single replica blocks node drains: raise proxy.replicas or disable the budget" -}}
{{- end -}}
{{- if and $v.quic.enabled (not $v.tls.existingSecret) -}}
{{- $problems = append $problems "proxy.quic.enabled needs proxy.tls.existingSecret: QUIC serves that TLS certificate" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy proxy: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}

{{/* shutdown.drainTimeout (Ns or Nm, the schema says) plus 15 s for readiness to drop first. */}}
{{- define "proxy.terminationGracePeriodSeconds" -}}
{{- $d := .Values.config.drainTimeout -}}
{{- $n := regexReplaceAll "[^0-9]" $d "" | int -}}
{{- if hasSuffix "m" $d }}{{ $n = mul $n 60 }}{{ end -}}
{{- add $n 15 -}}
{{- end -}}
