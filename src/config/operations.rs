//! Running in production: browsers allowed to call (CORS), shutdown,
//! metrics and traces.

use clap::Args;

use super::Problems;

/// What operators and browsers see of the server.
#[derive(Args, Debug, Clone)]
pub struct Operations {
    /// Origins allowed to call the API from a browser (CORS), comma-separated,
    /// such as `https://dashboard.example.org`; `*` allows any. Empty: none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', global = true, help_heading = "Operations")]
    pub cors_allowed_origins: Vec<String>,

    /// Seconds to let requests in flight finish after SIGTERM or SIGINT.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value_t = 30, global = true, help_heading = "Operations")]
    pub shutdown_grace: u64,

    /// A token `/metrics` requires as `Authorization: Bearer <token>`. Unset: open.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, global = true, help_heading = "Operations")]
    pub metrics_token: Option<String>,

    /// The address clients reach this server at, such as
    /// `https://rights.example.org`, for links that leave the server (the
    /// reconciliation manifest's record, preview and suggest addresses).
    /// Unset: taken from each request's `Host` header, over plain HTTP.
    #[arg(long, env = "PUBLIC_URL", global = true, help_heading = "Operations")]
    pub public_url: Option<String>,

    /// Send traces to this OpenTelemetry (OTLP over HTTP) collector, such as
    /// `http://localhost:4318`. Needs a build with the `otel` feature.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true, help_heading = "Operations")]
    pub otel_endpoint: Option<String>,
}

impl Operations {
    pub(super) fn check(&self, problems: &mut Problems) {
        problems.in_range("shutdown_grace", self.shutdown_grace, 0, 3_600);
        if let Err(error) = crate::http::cors::layer(&self.cors_allowed_origins) {
            problems.push(format!("cors_allowed_origins: {error}"));
        }
        if self.metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            problems.push("metrics_token must be at least 16 characters long".into());
        }
        if let Some(public) = &self.public_url {
            match url::Url::parse(public) {
                Ok(url)
                    if matches!(url.scheme(), "http" | "https")
                        && url.host_str().is_some()
                        && url.query().is_none()
                        && url.fragment().is_none() => {}
                _ => problems.push(format!(
                    "public_url must be an http or https address without query, such as https://rights.example.org; got \"{public}\""
                )),
            }
        }
        if let Some(endpoint) = &self.otel_endpoint {
            match url::Url::parse(endpoint) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => problems.push(format!("otel_endpoint must be an http or https address; got \"{endpoint}\"")),
            }
            if !cfg!(feature = "otel") {
                problems.push("otel_endpoint is set, but this build has no OpenTelemetry support: build it with `--features otel`".into());
            }
        }
    }
}
