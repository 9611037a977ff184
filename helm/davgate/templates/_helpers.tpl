{{/*
Names and labels.
*/}}
{{- define "davgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "davgate.fullname" -}}
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

{{- define "davgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "davgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "davgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "davgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: davgate
{{- end }}

{{- define "davgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "davgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "davgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
The DAV paths a style needs, as a properties map.
*/}}
{{- define "davgate.styleProperties" -}}
{{- if eq .Values.istio.style "davHost" }}
com.openexchange.dav.prefixPath: /servlet/dav
com.openexchange.dav.proxyPrefixPath: /servlet/dav
{{- else }}
com.openexchange.dav.prefixPath: /dav
com.openexchange.dav.proxyPrefixPath: /
{{- end }}
{{- end }}

{{/*
The properties written to dav.properties, as YAML: the style's paths, then
.Values.properties over them. Entries set to null are dropped.
*/}}
{{- define "davgate.properties" -}}
{{- $merged := merge (deepCopy (.Values.properties | default dict)) (include "davgate.styleProperties" . | fromYaml) }}
{{- $kept := dict }}
{{- range $key, $value := $merged }}
{{- if not (kindIs "invalid" $value) }}
{{- $_ := set $kept $key $value }}
{{- end }}
{{- end }}
{{- toYaml $kept }}
{{- end }}

{{/*
A DAV path as davgate normalises it: a leading /, no trailing /.
*/}}
{{- define "davgate.normalisePath" -}}
{{- $path := . | toString | trimAll "/" }}
{{- if $path }}{{ printf "/%s" $path }}{{ end }}
{{- end }}

{{/* The effective com.openexchange.dav.prefixPath, normalised. */}}
{{- define "davgate.prefixPath" -}}
{{- $props := include "davgate.properties" . | fromYaml }}
{{- include "davgate.normalisePath" (get $props "com.openexchange.dav.prefixPath") }}
{{- end }}

{{/* The effective com.openexchange.dav.proxyPrefixPath, normalised. */}}
{{- define "davgate.proxyPrefixPath" -}}
{{- $props := include "davgate.properties" . | fromYaml }}
{{- include "davgate.normalisePath" (get $props "com.openexchange.dav.proxyPrefixPath") }}
{{- end }}

{{/*
One value as the properties file needs it. Whole numbers print without an exponent
(values arrive as floats: 4194304, not 4.194304e+06); backslashes and line breaks are
escaped; a leading blank is kept by escaping it.
*/}}
{{- define "davgate.propertyValue" -}}
{{- $value := . }}
{{- if and (kindIs "float64" $value) (eq $value (float64 (int64 $value))) }}
{{- $value = int64 $value }}
{{- end }}
{{- $text := toString $value | replace "\\" "\\\\" | replace "\r" "\\r" | replace "\n" "\\n" }}
{{- regexReplaceAll "^([ \t\f])" $text "\\$1" }}
{{- end }}

{{/* A property name for the properties file: separators and blanks escaped. */}}
{{- define "davgate.propertyKey" -}}
{{- regexReplaceAll "([=: \t\f#!])" (. | replace "\\" "\\\\") "\\$1" }}
{{- end }}

{{/*
A properties file from a map: sorted keys, one line each.
*/}}
{{- define "davgate.propertiesFile" -}}
{{- $map := .map -}}
# {{ .title }}
# Rendered by the davgate Helm chart from its values; edit the values, not this file.
{{- range $key := keys $map | sortAlpha }}
{{- $value := get $map $key }}
{{- if not (kindIs "invalid" $value) }}
{{ include "davgate.propertyKey" $key }}={{ include "davgate.propertyValue" $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* The contextSets files that are not null, as a map. */}}
{{- define "davgate.contextSets" -}}
{{- $kept := dict }}
{{- range $name, $content := (.Values.contextSets | default dict) }}
{{- if not (kindIs "invalid" $content) }}
{{- $_ := set $kept $name $content }}
{{- end }}
{{- end }}
{{- toYaml $kept }}
{{- end }}

{{/* The ConfigMap key of a contextSets file (keys cannot hold "/"). */}}
{{- define "davgate.contextSetKey" -}}
{{- printf "contextSets.%s" . }}
{{- end }}

{{/* Whether secret.properties is rendered. */}}
{{- define "davgate.hasSecretProperties" -}}
{{- range $key, $value := (.Values.secretProperties | default dict) }}
{{- if not (kindIs "invalid" $value) }}yes{{ end }}
{{- end }}
{{- end }}

{{/*
Checks of values that the schema cannot express; each stops the rendering with the
value to change.
*/}}
{{- define "davgate.validate" -}}
{{- $v := .Values }}
{{- if and (not $v.database.existingSecret) (or $v.autoscaling.enabled (gt (int $v.replicas) 1)) }}
{{- fail "database.existingSecret is required with more than one replica or with autoscaling: without a shared database each pod would keep its own embedded SQLite store" }}
{{- end }}
{{- if le (int $v.shutdown.terminationGracePeriodSeconds) (int $v.shutdown.delaySeconds) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%v) must be greater than shutdown.delaySeconds (%v): Kubernetes would kill davgate before it stops taking requests" $v.shutdown.terminationGracePeriodSeconds $v.shutdown.delaySeconds) }}
{{- end }}
{{- if $v.autoscaling.enabled }}
{{- if gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%v) is greater than autoscaling.maxReplicas (%v)" $v.autoscaling.minReplicas $v.autoscaling.maxReplicas) }}
{{- end }}
{{- if and (kindIs "invalid" $v.autoscaling.targetCPUUtilizationPercentage) (kindIs "invalid" $v.autoscaling.targetMemoryUtilizationPercentage) }}
{{- fail "autoscaling.enabled needs autoscaling.targetCPUUtilizationPercentage or autoscaling.targetMemoryUtilizationPercentage" }}
{{- end }}
{{- $requests := (($v.resources | default dict).requests | default dict) }}
{{- if and (not (kindIs "invalid" $v.autoscaling.targetCPUUtilizationPercentage)) (not $requests.cpu) }}
{{- fail "autoscaling.targetCPUUtilizationPercentage needs resources.requests.cpu: utilisation is measured against the request" }}
{{- end }}
{{- if and (not (kindIs "invalid" $v.autoscaling.targetMemoryUtilizationPercentage)) (not $requests.memory) }}
{{- fail "autoscaling.targetMemoryUtilizationPercentage needs resources.requests.memory: utilisation is measured against the request" }}
{{- end }}
{{- end }}
{{- if $v.istio.enabled }}
{{- if not $v.istio.hosts }}
{{- fail (printf "istio.hosts is empty: name the host(s) the %s VirtualService serves" $v.istio.style) }}
{{- end }}
{{- if not $v.istio.gateways }}
{{- fail "istio.gateways is empty: name the gateway(s), as namespace/name, the VirtualService binds to" }}
{{- end }}
{{- $prefix := include "davgate.prefixPath" . }}
{{- $proxy := include "davgate.proxyPrefixPath" . }}
{{- if and (eq $v.istio.style "prefixPath") (not $prefix) }}
{{- fail "istio.style prefixPath needs com.openexchange.dav.prefixPath below the root of the host (for example /dav); for DAV at the root of a host of its own use istio.style davHost" }}
{{- end }}
{{- if and (eq $v.istio.style "prefixPath") $proxy }}
{{- fail (printf "istio.style prefixPath passes paths unchanged, so com.openexchange.dav.proxyPrefixPath must be / (it is %s); for a proxy that rewrites paths use istio.style davHost" $proxy) }}
{{- end }}
{{- if and (eq $v.istio.style "davHost") (ne $prefix $proxy) }}
{{- fail (printf "istio.style davHost rewrites / to com.openexchange.dav.prefixPath, so com.openexchange.dav.proxyPrefixPath must equal it (they are %s and %s)" $prefix (default "/" $proxy)) }}
{{- end }}
{{- end }}
{{- end }}
