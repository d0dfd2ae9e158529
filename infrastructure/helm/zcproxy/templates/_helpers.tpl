{{/*
Helpers shared by the umbrella and its subcharts. Helm keeps one template namespace for a chart and
its dependencies, so the subcharts call these directly; that is also why a subchart is never
installed on its own.
*/}}

{{/* The umbrella's own name: the release name, short enough for every suffix below. */}}
{{- define "zcproxy.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The name of one component's objects: (dict "ctx" $ "component" "state") -> <release>-state */}}
{{- define "zcproxy.componentName" -}}
{{- printf "%s-%s" (include "zcproxy.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select a component's pods; app.kubernetes.io/name and component both name what it is. */}}
{{- define "zcproxy.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/part-of: zcproxy
{{- end -}}

{{- define "zcproxy.labels" -}}
{{ include "zcproxy.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
{{- end -}}

{{/* repository:tag of an image value {repository, tag}; the schemas refuse an empty or "latest" tag. */}}
{{- define "zcproxy.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{- define "zcproxy.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod security context: a fixed non-root user, the runtime's default seccomp profile. */}}
{{- define "zcproxy.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context: read-only root, no privilege escalation, every capability dropped
     and only the listed ones (the fast path's) added back. */}}
{{- define "zcproxy.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
seccompProfile:
  type: RuntimeDefault
capabilities:
  drop: [ALL]
{{- with .add }}
  add:
{{- range . }}
    - {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Egress rule: DNS to the cluster's resolvers only. */}}
{{- define "zcproxy.dnsEgressRule" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.global.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.global.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end -}}

{{/* Peers allowed to scrape metrics: the bundled Prometheus, plus global.networkPolicy.extraMetricsScrapers. */}}
{{- define "zcproxy.metricsScraperPeers" -}}
- podSelector:
    matchLabels:
      {{- include "zcproxy.selectorLabels" (dict "ctx" .ctx "component" "prometheus") | nindent 6 }}
{{- with .ctx.Values.global.networkPolicy.extraMetricsScrapers }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A peer selecting one component's pods in the release's namespace. */}}
{{- define "zcproxy.componentPeer" -}}
- podSelector:
    matchLabels:
      {{- include "zcproxy.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/*
A secret value that is generated once and kept: the live Secret's value when there is one (lookup
returns nothing under `helm template`, so a fresh value is generated there).
(dict "ctx" $ "name" "<secret>" "key" "<key>" "value" "<fresh value>")
*/}}
{{- define "zcproxy.keptSecretValue" -}}
{{- $live := lookup "v1" "Secret" .ctx.Release.Namespace .name -}}
{{- if and $live (hasKey (default dict $live.data) .key) -}}
{{- index $live.data .key | b64dec -}}
{{- else -}}
{{- .value -}}
{{- end -}}
{{- end -}}

{{/* A fresh bootstrap API key in the state service's form: zcp_<12 hex>_<64 hex>. */}}
{{- define "zcproxy.newApiKey" -}}
{{- printf "zcp_%s_%s" (randAlphaNum 32 | sha256sum | trunc 12) (randAlphaNum 64 | sha256sum) -}}
{{- end -}}

{{/* Where the broker is, as the proxy and the state service need it: a dict {scheme host port vhost
     secret usernameKey passwordKey}; secret is empty when the URL carries no credentials. */}}
{{- define "zcproxy.brokerEndpoint" -}}
{{- $g := .Values.global -}}
{{- if eq $g.broker.kind "rabbitmq" -}}
{{- dict "scheme" "amqp" "host" (include "zcproxy.componentName" (dict "ctx" . "component" "rabbitmq")) "port" 5672 "vhost" "/" "secret" (include "zcproxy.componentName" (dict "ctx" . "component" "rabbitmq")) "usernameKey" "username" "passwordKey" "password" | toJson -}}
{{- else if eq $g.broker.kind "artemis" -}}
{{- dict "scheme" "tcp" "host" (include "zcproxy.componentName" (dict "ctx" . "component" "artemis")) "port" 61616 "vhost" "" "secret" "" "usernameKey" "" "passwordKey" "" | toJson -}}
{{- else -}}
{{- $e := $g.externalBroker -}}
{{- dict "scheme" $e.scheme "host" $e.host "port" $e.port "vhost" $e.vhost "secret" (ternary "" $e.existingSecret (eq $e.scheme "tcp")) "usernameKey" $e.usernameKey "passwordKey" $e.passwordKey | toJson -}}
{{- end -}}
{{- end -}}

{{/* Env entries that put the broker URL into variable $name, credentials read from the Secret
     through Kubernetes' $(VAR) expansion so they never land in a ConfigMap.
     (dict "ctx" $ "name" "ZCPROXY_POLICY_BROKER_URL") */}}
{{- define "zcproxy.brokerUrlEnv" -}}
{{- $b := include "zcproxy.brokerEndpoint" .ctx | fromJson -}}
{{- $vhost := ternary "" (printf "/%s" (trimPrefix "/" $b.vhost)) (eq $b.scheme "tcp") -}}
{{- if $b.secret }}
- name: BROKER_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $b.secret }}
      key: {{ $b.usernameKey }}
- name: BROKER_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $b.secret }}
      key: {{ $b.passwordKey }}
- name: {{ .name }}
  value: {{ printf "%s://$(BROKER_USERNAME):$(BROKER_PASSWORD)@%s:%v%s" $b.scheme $b.host $b.port $vhost | quote }}
{{- else }}
- name: {{ .name }}
  value: {{ printf "%s://%s:%v%s" $b.scheme $b.host $b.port $vhost | quote }}
{{- end }}
{{- end -}}

{{/* Egress to the broker, for the proxy and the state service. */}}
{{- define "zcproxy.brokerEgressRule" -}}
{{- $g := .Values.global -}}
{{- if eq $g.broker.kind "external" }}
- to:
    {{- toYaml $g.externalBroker.networkPolicyPeers | nindent 4 }}
  ports:
    - protocol: TCP
      port: {{ $g.externalBroker.port }}
{{- else }}
- to:
    {{- include "zcproxy.componentPeer" (dict "ctx" . "component" $g.broker.kind) | nindent 4 }}
  ports:
    - protocol: TCP
      port: {{ ternary 5672 61616 (eq $g.broker.kind "rabbitmq") }}
{{- end }}
{{- end -}}

{{/*
zcproxy.validateValues: checks that span components (the subcharts cannot see each other's
values). Every problem is collected, then reported at once.
*/}}
{{- define "zcproxy.validateValues" -}}
{{- $problems := list -}}
{{- $v := .Values -}}
{{- $g := $v.global -}}
{{- if and $v.postgresql.enabled $g.externalDatabase.host -}}
{{- $problems = append $problems "postgresql.enabled and global.externalDatabase.host are both set: choose the bundled database or an external one" -}}
{{- end -}}
{{- if and $v.state.enabled (not $v.postgresql.enabled) (not $g.externalDatabase.host) -}}
{{- $problems = append $problems "postgresql.enabled=false needs global.externalDatabase.host" -}}
{{- end -}}
{{- if and $g.externalDatabase.host (not $g.database.existingSecret) -}}
{{- $problems = append $problems "global.externalDatabase.host needs global.database.existingSecret (the external database's password)" -}}
{{- end -}}
{{- if and $v.broker.enabled (eq $g.broker.kind "external") -}}
{{- $problems = append $problems "global.broker.kind=external needs broker.enabled=false" -}}
{{- end -}}
{{- if and (not $v.broker.enabled) (ne $g.broker.kind "external") -}}
{{- $problems = append $problems (printf "broker.enabled=false needs global.broker.kind=external (it is %s)" $g.broker.kind) -}}
{{- end -}}
{{- if eq $g.broker.kind "external" -}}
{{- if not $g.externalBroker.host -}}
{{- $problems = append $problems "global.broker.kind=external needs global.externalBroker.host" -}}
{{- end -}}
{{- if and (ne $g.externalBroker.scheme "tcp") (not $g.externalBroker.existingSecret) -}}
{{- $problems = append $problems "global.externalBroker.scheme amqp/amqps needs global.externalBroker.existingSecret (user name and password)" -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nzcproxy: invalid values:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
