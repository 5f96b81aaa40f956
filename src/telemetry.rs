//! Structured logging with `tracing`, and (with the `otel` feature) trace
//! export to an OpenTelemetry collector.

use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::LogFormat;

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The log lines: JSON when asked, or when not on a terminal.
fn log_layer(format: LogFormat) -> BoxedLayer {
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    if json { layer.json().boxed() } else { layer.boxed() }
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber. `RUST_LOG` sets the filter (default `info`).
pub fn init(format: LogFormat) {
    tracing_subscriber::registry().with(log_layer(format)).with(filter()).init();
}

/// Flushes traces when dropped, at the end of `serve`.
pub struct TelemetryGuard {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

/// Installs logging and, when `otel_endpoint` is set (builds with the `otel`
/// feature), exports traces over OTLP/HTTP.
pub fn init_with_tracing(settings: &crate::Settings) -> anyhow::Result<TelemetryGuard> {
    #[cfg(feature = "otel")]
    if let Some(endpoint) = &settings.operations.otel_endpoint {
        use opentelemetry::trace::TracerProvider as _;
        use opentelemetry_otlp::WithExportConfig;

        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()
            .map_err(|error| anyhow::anyhow!("could not set up the OpenTelemetry exporter: {error}"))?;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(opentelemetry_sdk::Resource::builder().with_service_name("rights-graph").build())
            .build();
        let traces = tracing_opentelemetry::layer().with_tracer(provider.tracer("rights-graph"));
        tracing_subscriber::registry().with(log_layer(settings.log_format)).with(traces).with(filter()).init();
        tracing::info!(%endpoint, "exporting traces over OTLP");
        return Ok(TelemetryGuard { provider: Some(provider) });
    }
    init(settings.log_format);
    Ok(TelemetryGuard {
        #[cfg(feature = "otel")]
        provider: None,
    })
}
