{{/* The broker's objects are named for what runs: <release>-rabbitmq or <release>-artemis. */}}
{{- define "broker.fullname" -}}
{{- include "zcproxy.componentName" (dict "ctx" . "component" .Values.global.broker.kind) -}}
{{- end -}}

{{- define "broker.labels" -}}
{{- include "zcproxy.labels" (dict "ctx" . "component" .Values.global.broker.kind) -}}
{{- end -}}

{{- define "broker.selectorLabels" -}}
{{- include "zcproxy.selectorLabels" (dict "ctx" . "component" .Values.global.broker.kind) -}}
{{- end -}}

{{- define "broker.validateValues" -}}
{{- $problems := list -}}
{{- if not (has .Values.global.broker.kind (list "rabbitmq" "artemis")) -}}
{{- $problems = append $problems (printf "broker.enabled needs global.broker.kind rabbitmq or artemis, not %s" .Values.global.broker.kind) -}}
{{- end -}}
{{- if and .Values.rabbitmq.existingSecret (ne .Values.global.broker.kind "rabbitmq") -}}
{{- $problems = append $problems "broker.rabbitmq.existingSecret is set but global.broker.kind is not rabbitmq" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy broker: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}

{{/* A claim template or an emptyDir for the broker's data. */}}
{{- define "broker.claim" -}}
volumeClaimTemplates:
  - metadata:
      name: data
      labels:
        {{- include "broker.selectorLabels" .ctx | nindent 8 }}
    spec:
      accessModes: ["ReadWriteOnce"]
      {{- with .persistence.storageClass }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ .persistence.size }}
{{- end -}}
