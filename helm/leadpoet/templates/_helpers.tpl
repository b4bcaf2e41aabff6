{{/* Chart name, truncated to the DNS label limit. */}}
{{- define "leadpoet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name: the release name when it already contains the chart name. */}}
{{- define "leadpoet.fullname" -}}
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

{{- define "leadpoet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels shared by every object of the release. */}}
{{- define "leadpoet.labels" -}}
helm.sh/chart: {{ include "leadpoet.chart" . }}
app.kubernetes.io/name: {{ include "leadpoet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: leadpoet
{{- end -}}

{{/* Selector labels of the release (every pod carries them). */}}
{{- define "leadpoet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "leadpoet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "leadpoet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "leadpoet.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "leadpoet.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Environment of every container: plain settings from the ConfigMap, secrets by reference. */}}
{{- define "leadpoet.envFrom" -}}
- configMapRef:
    name: {{ include "leadpoet.fullname" . }}-env
{{- end -}}

{{- define "leadpoet.secretEnv" -}}
{{- $secret := required "secretEnv.existingSecret is required (secrets are never inlined)" .Values.secretEnv.existingSecret -}}
{{- range $name, $key := .Values.secretEnv.keys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- range $name, $key := .Values.secretEnv.optionalKeys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end -}}

{{/* The migration job's own secret env (the schema owner's connection, the app role's password). */}}
{{- define "leadpoet.migrationSecretEnv" -}}
{{- $secret := required "secretEnv.existingSecret is required (secrets are never inlined)" .Values.secretEnv.existingSecret -}}
{{- range $name, $key := .Values.migration.secretKeys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- end -}}

{{/* Pod-level pieces shared by all workloads. */}}
{{- define "leadpoet.podCommon" -}}
serviceAccountName: {{ include "leadpoet.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "leadpoet.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- end -}}

{{- define "leadpoet.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Checksum of the env ConfigMap: pods roll when a setting changes. */}}
{{- define "leadpoet.configChecksum" -}}
checksum/env: {{ include (print .Template.BasePath "/configmap-env.yaml") . | sha256sum }}
{{- end -}}

{{/* The plain env inlined (for hook pods that run before the ConfigMap exists). */}}
{{- define "leadpoet.inlineEnv" -}}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The index snapshot volume (the chart's PVC unless snapshot.volume.existingClaim names one). */}}
{{- define "leadpoet.snapshotVolume" -}}
- name: snapshots
  persistentVolumeClaim:
    claimName: {{ .Values.snapshot.volume.existingClaim | default (printf "%s-snapshots" (include "leadpoet.fullname" .)) }}
{{- end -}}

{{/* Its mount: call with (dict "Values" .Values "readOnly" true|false). */}}
{{- define "leadpoet.snapshotMount" -}}
- name: snapshots
  mountPath: {{ .Values.snapshot.mountPath }}
  readOnly: {{ .readOnly }}
{{- end -}}
