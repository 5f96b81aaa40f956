//! Structured logging with `tracing`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` sets the filter (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
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
/// feature), exports traces over OTLP.
pub fn init_with_tracing(settings: &crate::Settings) -> anyhow::Result<TelemetryGuard> {
    #[cfg(feature = "otel")]
    if let Some(endpoint) = &settings.otel_endpoint {
        return otel::init(settings.log_format, endpoint);
    }
    init(settings.log_format);
    Ok(TelemetryGuard {
        #[cfg(feature = "otel")]
        provider: None,
    })
}
