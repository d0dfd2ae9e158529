{{- define "state.fullname" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "state") -}}
{{- end -}}

{{- define "state.labels" -}}
{{- include "zcproxy.labels" (dict "ctx" . "component" "state") -}}
{{- end -}}

{{- define "state.selectorLabels" -}}
{{- include "zcproxy.selectorLabels" (dict "ctx" . "component" "state") -}}
{{- end -}}

{{- define "state.bootstrapSecret" -}}
{{- default (printf "%s-bootstrap" (include "state.fullname" .)) .Values.bootstrapApiKey.existingSecret -}}
{{- end -}}

{{/* The database: the bundled postgresql unless global.externalDatabase.host is set. */}}
{{- define "state.dbHost" -}}
{{- default (include "zcproxy.componentName" (dict "ctx" . "component" "postgresql")) .Values.global.externalDatabase.host -}}
{{- end -}}

{{- define "state.dbPort" -}}
{{- ternary .Values.global.externalDatabase.port 5432 (ne .Values.global.externalDatabase.host "") -}}
{{- end -}}

{{- define "state.dbSecret" -}}
{{- default (include "zcproxy.componentName" (dict "ctx" . "component" "postgresql")) .Values.global.database.existingSecret -}}
{{- end -}}

{{- define "state.validateValues" -}}
{{- $problems := list -}}
{{- if and .Values.podDisruptionBudget.enabled (le (int .Values.replicas) (int .Values.podDisruptionBudget.minAvailable)) -}}
{{- $problems = append $problems (printf "state.podDisruptionBudget.minAvailable (%v) must be below state.replicas (%v), or no node could ever be drained" .Values.podDisruptionBudget.minAvailable .Values.replicas) -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy state: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
