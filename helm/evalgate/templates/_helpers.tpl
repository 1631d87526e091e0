{{/* The chart's name. */}}
{{- define "evalgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's objects' name: the release name, with the chart's name added unless it already has it. */}}
{{- define "evalgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "evalgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "evalgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "evalgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "evalgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "evalgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "evalgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "evalgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The grace period Kubernetes gives a stopping pod: preStop, then (after SIGTERM) the drain, the drain's stop grace (2 s,
Admission.STOP_GRACE: requests it ended send their last bytes), scoring's flush, the store's flush, and a margin.
*/}}
{{- define "evalgate.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown }}
{{- add $s.preStopSeconds $s.drainTimeoutSeconds 2 $s.flushTimeoutSeconds $s.flushTimeoutSeconds $s.marginSeconds }}
{{- end }}

{{/* The PostgreSQL URL evalgate connects to, empty for the journal. */}}
{{- define "evalgate.databaseUrl" -}}
{{- if eq .Values.database.mode "external" }}
{{- required "database.url is required with database.mode external (postgresql://host:5432/evalgate)" .Values.database.url }}
{{- else if eq .Values.database.mode "statefulset" }}
{{- printf "postgresql://%s-postgresql:5432/%s" (include "evalgate.fullname" .) .Values.postgresql.database }}
{{- end }}
{{- end }}

{{/* The gateway container's security context, as the sandbox mode needs it (values.yaml: sandbox). */}}
{{- define "evalgate.containerSecurityContext" -}}
{{- if eq .Values.sandbox.mode "privileged" }}
# the code sandbox's privileged mode (docs/sandbox.md): root with exactly the three capabilities the launcher needs,
# unconfined seccomp and AppArmor (they deny its unshare, mount and pivot_root); the remount of the cgroup file system
# needs CAP_SYS_ADMIN too; Kubernetes refuses allowPrivilegeEscalation: false together with CAP_SYS_ADMIN
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
privileged: false
allowPrivilegeEscalation: true
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
  add: ["SYS_ADMIN", "SETUID", "SETGID"]
seccompProfile:
  type: Unconfined
appArmorProfile:
  type: Unconfined
{{- else if eq .Values.sandbox.mode "unprivileged" }}
# the code sandbox's unprivileged mode: a user namespace per sample, which the runtime's default seccomp profile denies
runAsUser: 10001
runAsGroup: 0
runAsNonRoot: true
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: Unconfined
appArmorProfile:
  type: Unconfined
{{- else }}
runAsUser: 10001
runAsGroup: 0
runAsNonRoot: true
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
{{- end }}

{{/* A restricted container's security context (PostgreSQL, the engine build's helpers). */}}
{{- define "evalgate.restrictedSecurityContext" -}}
runAsNonRoot: true
privileged: false
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The gateway pods' selector; other components (PostgreSQL, the engine build) have their own component label. */}}
{{- define "evalgate.gatewaySelectorLabels" -}}
{{ include "evalgate.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* The data volume's claim name, empty for an emptyDir. */}}
{{- define "evalgate.dataClaimName" -}}
{{- if .Values.persistence.enabled }}
{{- default (printf "%s-data" (include "evalgate.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- end }}

{{/* The gateway's resources, with nvidia.com/gpu added to requests and limits when gpu.count is set. */}}
{{- define "evalgate.gpuResources" -}}
{{- $res := deepCopy .Values.resources }}
{{- if gt (int .Values.gpu.count) 0 }}
{{- $_ := set $res "limits" (merge (dict "nvidia.com/gpu" (int .Values.gpu.count)) (default dict $res.limits)) }}
{{- $_ := set $res "requests" (merge (dict "nvidia.com/gpu" (int .Values.gpu.count)) (default dict $res.requests)) }}
{{- end }}
{{- toYaml $res }}
{{- end }}

{{/* Checks the values fit together; fails the render with what to change. */}}
{{- define "evalgate.validate" -}}
{{- $shared := ne .Values.database.mode "journal" }}
{{- if and (not $shared) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "more than one gateway (replicaCount > 1 or autoscaling.enabled) needs PostgreSQL: set database.mode to external or statefulset (the journal belongs to one gateway)" }}
{{- end }}
{{- if and .Values.persistence.enabled (eq .Values.persistence.accessMode "ReadWriteOnce") (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "persistence.enabled with a ReadWriteOnce claim holds one gateway: set persistence.enabled=false (with PostgreSQL the data dir only holds the spill journal)" }}
{{- end }}
{{- if and (eq .Values.engine.kind "trtllm") (eq (int .Values.gpu.count) 0) }}
{{- fail "engine.kind trtllm needs GPUs: set gpu.count" }}
{{- end }}
{{- if and .Values.engineBuild.enabled (not .Values.engineVolume.claimName) }}
{{- fail "engineBuild.enabled writes the engine into engineVolume.claimName: set it" }}
{{- end }}
{{- if and .Values.engineVolume.claimName .Values.engineVolume.image }}
{{- fail "engineVolume: set claimName or image, not both" }}
{{- end }}
{{- end }}
