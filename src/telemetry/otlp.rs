//! OTLP/HTTP trace export (protobuf, the collector's port 4318; `http://` or `https://`),
//! switched on like any OpenTelemetry SDK: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (a full URL) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `davgate.otlpEndpoint` (a base URL, `/v1/traces` is
//! appended), and off with `OTEL_SDK_DISABLED=true`. The service is named by
//! `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES`, `davgate` otherwise. Incoming W3C
//! `traceparent` headers (from Istio/Envoy or an instrumented proxy) make davgate's spans
//! children of the proxy's.

use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use crate::config::{props, ServerConfig};

const TRACES_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// A running batch exporter.
pub struct Exporter {
    provider: SdkTracerProvider,
    endpoint: String,
}

/// Where traces go: the per-signal variable as given, else the base URL plus `/v1/traces`.
/// None when export is off.
pub fn traces_endpoint(
    base: Option<&str>,
    traces_var: Option<&str>,
    sdk_disabled: Option<&str>,
) -> Option<String> {
    if sdk_disabled.is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return None;
    }
    if let Some(full) = traces_var.map(str::trim).filter(|v| !v.is_empty()) {
        return Some(full.to_owned());
    }
    let base = base.map(str::trim).filter(|v| !v.is_empty())?;
    Some(format!("{}/v1/traces", base.trim_end_matches('/')))
}

impl Exporter {
    /// The exporter the configuration and the standard environment ask for, if any.
    pub fn from_config(config: &ServerConfig) -> anyhow::Result<Option<Self>> {
        let env = |name: &str| std::env::var(name).ok();
        let Some(endpoint) = traces_endpoint(
            config.get::<props::OtlpEndpoint>().as_deref(),
            env(TRACES_ENDPOINT_VAR).as_deref(),
            env("OTEL_SDK_DISABLED").as_deref(),
        ) else {
            return Ok(None);
        };
        if let Some(protocol) = env("OTEL_EXPORTER_OTLP_PROTOCOL")
            .or_else(|| env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
            .filter(|p| p.trim() != "http/protobuf")
        {
            anyhow::bail!(
                "OTLP protocol {protocol:?} is not supported: davgate exports http/protobuf \
                 (the collector's OTLP/HTTP receiver, port 4318)"
            );
        }
        crate::tls::install_provider();
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint.clone())
            .with_timeout(Duration::from_secs(10))
            .build()
            .with_context(|| format!("cannot set up OTLP export to {endpoint}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource())
            .build();
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        Ok(Some(Exporter { provider, endpoint }))
    }

    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("davgate")
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn shutdown(self) {
        if let Err(err) = self.provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT) {
            eprintln!("davgate: flushing traces to {}: {err}", self.endpoint);
        }
    }
}

/// What the spans say about the process: `OTEL_RESOURCE_ATTRIBUTES` (a chart puts the
/// pod's name and namespace there) and `OTEL_SERVICE_NAME`, read by the SDK, with
/// `davgate` as the service name when neither names one.
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let unnamed = detected
        .get(&opentelemetry::Key::new("service.name"))
        .is_none_or(|name| name.as_str().starts_with("unknown_service"));
    if unnamed {
        Resource::builder().with_service_name("davgate").build()
    } else {
        detected
    }
}

#[cfg(test)]
mod tests {
    use super::traces_endpoint;

    #[test]
    fn base_url_gets_the_traces_path() {
        assert_eq!(
            traces_endpoint(Some("http://collector:4318"), None, None).as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(
            traces_endpoint(Some("http://collector:4318/"), None, None).as_deref(),
            Some("http://collector:4318/v1/traces")
        );
    }

    #[test]
    fn per_signal_url_is_taken_as_given_and_wins() {
        assert_eq!(
            traces_endpoint(Some("http://a:4318"), Some("http://b/otlp/traces"), None).as_deref(),
            Some("http://b/otlp/traces")
        );
    }

    #[test]
    fn off_without_endpoint_or_when_disabled() {
        assert_eq!(traces_endpoint(None, None, None), None);
        assert_eq!(traces_endpoint(Some(" "), Some(""), None), None);
        assert_eq!(
            traces_endpoint(Some("http://a:4318"), None, Some("TRUE")),
            None
        );
        assert!(traces_endpoint(Some("http://a:4318"), None, Some("false")).is_some());
    }
}
