{{/* Chart name. */}}
{{- define "omnia.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "omnia.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "omnia.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "omnia.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: omnia
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component. Call with (dict "ctx" . "component" "hooks"). */}}
{{- define "omnia.selectorLabels" -}}
app.kubernetes.io/name: {{ include "omnia.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The hooks Service name. */}}
{{- define "omnia.hooksName" -}}
{{- printf "%s-hooks" (include "omnia.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Base URL of the hooks as Metacontroller reaches them. */}}
{{- define "omnia.hooksUrl" -}}
{{- printf "http://%s.%s:%d" (include "omnia.hooksName" .) .Release.Namespace (int .Values.hooks.service.port) -}}
{{- end -}}

{{/* The ServiceAccount of the hooks. */}}
{{- define "omnia.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "omnia.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The hooks image. */}}
{{- define "omnia.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The image agent pods run. */}}
{{- define "omnia.agentImage" -}}
{{- $repository := default .Values.image.repository .Values.agentImage.repository -}}
{{- $tag := default (default .Chart.AppVersion .Values.image.tag) .Values.agentImage.tag -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* imagePullSecrets block. */}}
{{- define "omnia.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
{{- end -}}
