//! Logs and traces of the running server: a `tracing` subscriber that writes human-readable
//! or JSON lines (`davgate.logFormat`) and, when an OTLP collector is configured, exports
//! every span over OTLP/HTTP (see [`otlp`]). Request spans themselves are made in
//! `http::observe`.

pub mod otlp;

use std::io::IsTerminal as _;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::{props, values::LogFormat, ServerConfig};

/// Keeps the trace exporter alive; [`Telemetry::shutdown`] sends what is still buffered.
#[must_use = "dropping the guard without shutdown() may lose the last spans"]
pub struct Telemetry {
    exporter: Option<otlp::Exporter>,
}

impl Telemetry {
    /// Where spans go, for the start-up banner; none without export.
    pub fn traces_endpoint(&self) -> Option<&str> {
        self.exporter.as_ref().map(otlp::Exporter::endpoint)
    }

    /// Flushes buffered spans and stops the exporter (bounded by its timeout).
    pub fn shutdown(self) {
        if let Some(exporter) = self.exporter {
            exporter.shutdown();
        }
    }
}

/// Installs the process-wide subscriber: `RUST_LOG` (default `info`) filters what is
/// logged; exported spans are filtered separately (`davgate=info` and above) so that
/// turning on debug logging does not flood the collector.
pub fn init(config: &ServerConfig) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = match config.get::<props::LogFormat>() {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .boxed(),
    };
    let exporter = otlp::Exporter::from_config(config)?;
    let traces = exporter.as_ref().map(|exporter| {
        tracing_opentelemetry::layer()
            .with_tracer(exporter.tracer())
            .with_filter(EnvFilter::new("davgate=info"))
    });
    // A second init (tests run several servers in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(traces)
        .try_init();
    Ok(Telemetry { exporter })
}
