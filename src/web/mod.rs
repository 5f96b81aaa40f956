//! The pages for people: the overview at `/` and GraphiQL at `/graphiql`,
//! with every script, style and map they use compiled into the binary, so
//! that they work with no connection beyond the server itself.
//! `assets/vendor/VERSIONS` records where the vendored files come from;
//! `scripts/refresh-vendor-assets.sh` refreshes them from the npm registry.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub mod maps;

/// An embedded file: its name under `/assets/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($dir:literal, $name:literal, $media_type:expr) => {
        Asset {
            name: $name,
            media_type: $media_type,
            bytes: include_bytes!(concat!("../../assets/", $dir, "/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("vendor", "graphiql.min.js", JS),
    asset!("vendor", "graphiql.min.css", CSS),
    asset!("vendor", "react.production.min.js", JS),
    asset!("vendor", "react-dom.production.min.js", JS),
    asset!("vendor", "VERSIONS", "text/plain; charset=utf-8"),
    asset!("web", "examples.js", JS),
    asset!("web", "graphiql-init.js", JS),
    asset!("web", "overview.js", JS),
    asset!("web", "overview.css", CSS),
    asset!("web", "pages.css", CSS),
    asset!("web", "icon.svg", "image/svg+xml"),
];

const OVERVIEW: &str = include_str!("../../assets/web/index.html");
const GRAPHIQL: &str = include_str!("../../assets/web/graphiql.html");

/// The page routes, merged into the server's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(overview))
        .route("/graphiql", get(graphiql))
        .route("/assets/{name}", get(asset))
        .route("/maps/world.json", get(|| async { map(maps::world_json()) }))
        .route("/maps/us-states.json", get(|| async { map(maps::us_states_json()) }))
}

/// A map's shapes: the same for every viewer, and changed only with the binary.
fn map(json: &'static str) -> Response {
    let mut response = json.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

async fn overview() -> Html<&'static str> {
    Html(OVERVIEW)
}

/// GraphiQL, also served for a plain browser visit to `/graphql`.
pub async fn graphiql() -> Html<&'static str> {
    Html(GRAPHIQL)
}

async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return (StatusCode::NOT_FOUND, "No such asset").into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.media_type));
    // Assets change only with the binary; an hour of caching spares a
    // reload of GraphiQL's 3.5 MB without keeping an old version for long.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_refer_only_to_embedded_assets() {
        for page in [OVERVIEW, GRAPHIQL] {
            assert!(!page.contains("http://") && !page.contains("https://"), "a page links outside the server");
            for reference in page.split("/assets/").skip(1) {
                let name = reference.split('"').next().unwrap_or_default();
                assert!(ASSETS.iter().any(|asset| asset.name == name), "{name} is not embedded");
            }
        }
    }
}
