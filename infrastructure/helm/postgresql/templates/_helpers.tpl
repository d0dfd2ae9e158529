{{- define "postgresql.fullname" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}

{{- define "postgresql.labels" -}}
{{- include "zcproxy.labels" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}

{{- define "postgresql.selectorLabels" -}}
{{- include "zcproxy.selectorLabels" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}

{{- define "postgresql.secretName" -}}
{{- default (include "postgresql.fullname" .) .Values.global.database.existingSecret -}}
{{- end -}}

{{- define "postgresql.validateValues" -}}
{{- $problems := list -}}
{{- if .Values.global.externalDatabase.host -}}
{{- $problems = append $problems "postgresql.enabled with global.externalDatabase.host set: disable one" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy postgresql: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
