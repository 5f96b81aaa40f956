//! Cross-origin requests from dashboards on other sites.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer for the allowed origins: `None` when there are none (the
/// browser's same-origin rule applies), any origin for `*`.
pub fn layer(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    let origins: Vec<&str> = origins.iter().map(|origin| origin.trim()).filter(|origin| !origin.is_empty()).collect();
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins == ["*"] {
        AllowOrigin::any()
    } else {
        let mut values = Vec::new();
        for origin in origins {
            let parsed = url::Url::parse(origin).map_err(|_| format!("\"{origin}\" is not an origin"))?;
            let is_origin = matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some()
                && parsed.path() == "/"
                && !origin.ends_with('/')
                && parsed.query().is_none();
            if !is_origin {
                return Err(format!(
                    "\"{origin}\" is not an origin: give scheme, host and port only, such as https://dashboard.example.org"
                ));
            }
            values.push(HeaderValue::from_str(origin).map_err(|_| format!("\"{origin}\" is not an origin"))?);
        }
        AllowOrigin::list(values)
    };
    Ok(Some(allowing(allow)))
}

/// CORS for GET and POST from `origins`, with the headers clients send and
/// read (the key, request ids, rate limits).
pub fn allowing(origins: AllowOrigin) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
            HeaderName::from_static("ratelimit-policy"),
            RETRY_AFTER,
        ])
        .max_age(std::time::Duration::from_secs(3_600))
}
