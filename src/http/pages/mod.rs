//! Pages for people to read and link to: one per country and one per
//! record, rendered on the server from one GraphQL query each, executed in
//! process as an anonymous reader.
//!
//! Pages are public only. A partner sees its shared records and
//! confidential fields through the API with its key; a page never reads a
//! key or a cookie, so it has no session to steal, no form to forge, and an
//! answer that any HTTP cache may keep. A hidden record's page is the same
//! 404 as a record that never existed, and malformed ids give that 404 too.

mod campaign;
mod defender;
mod organisation;
mod place;
mod restriction;
mod view;

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::AppState;
use super::graphql::{PageAnswer, client_holds, mark_public, rate_limit_headers, run_for_page};
use crate::graphql::runtime::response_cache;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/countries/{code}", get(place::country))
        .route("/subdivisions/{code}", get(place::subdivision))
        .route("/defenders/{id}", get(defender::page))
        .route("/restrictions/{id}", get(restriction::page))
        .route("/campaigns/{id}", get(campaign::page))
        .route("/organisations/{id}", get(organisation::page))
        .route("/records/{id}", get(record))
}

/// `/records/{id}`: the page of any record by its global id, as the
/// reconciliation manifest's `view` address gives it. Whether the record
/// exists (and is public) is the page's to say: the redirect reads nothing.
async fn record(axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    use crate::ids::{GlobalId, NodeType};
    let folder = |node_type: NodeType| match node_type {
        NodeType::Defender => Some("defenders"),
        NodeType::Restriction => Some("restrictions"),
        NodeType::Campaign => Some("campaigns"),
        NodeType::Organisation => Some("organisations"),
        NodeType::Country => Some("countries"),
        NodeType::Subdivision => Some("subdivisions"),
        _ => None,
    };
    let target = match GlobalId::decode("id", &id) {
        Ok(GlobalId::Uuid(node_type, _)) => folder(node_type).map(|folder| format!("/{folder}/{id}")),
        Ok(GlobalId::Code(node_type, code)) => folder(node_type).map(|folder| format!("/{folder}/{code}")),
        Err(_) => None,
    };
    match target {
        Some(target) => axum::response::Redirect::to(&target).into_response(),
        None => not_found(),
    }
}

/// What a page handler needs of the request.
pub(super) struct PageRequest {
    state: AppState,
    request_id: String,
    headers: HeaderMap,
    peer: SocketAddr,
}

impl axum::extract::FromRequestParts<AppState> for PageRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (request_id, peer) = super::request_id_and_peer(parts);
        Ok(PageRequest { state: state.clone(), request_id, headers: parts.headers.clone(), peer })
    }
}

impl PageRequest {
    /// A record's page, by the id in its address.
    async fn record<D: DeserializeOwned>(
        self,
        query: &str,
        id: String,
        render: impl FnOnce(D, String) -> Option<String>,
    ) -> Response {
        let mut variables = Map::new();
        variables.insert("id".into(), Value::String(id));
        self.render(query, variables, render).await
    }

    /// Runs the page's query; `render` turns its `data` into the page, or
    /// `None` when the record is not there (for this reader).
    async fn render<D: DeserializeOwned>(
        self,
        query: &str,
        variables: Map<String, Value>,
        render: impl FnOnce(D, String) -> Option<String>,
    ) -> Response {
        let graphiql = view::graphiql_link(query, &variables);
        match run_for_page(&self.state.0, self.request_id, self.headers.clone(), self.peer, query, variables).await {
            PageAnswer::Data(data, charge) => {
                let data = serde_json::from_value(data)
                    .map_err(|error| tracing::error!(%error, "a page's data did not have the page's shape"))
                    .ok();
                let mut response = match data.and_then(|data| render(data, graphiql)) {
                    Some(html) => public_page(&self.headers, html, self.state.0.http_cache_max_age),
                    None => not_found(),
                };
                rate_limit_headers(&mut response, charge, false);
                response
            }
            PageAnswer::RateLimited(charge) => {
                let mut response = message_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests",
                    "This address has asked for too much in a short time. Wait a minute and reload the page.",
                );
                rate_limit_headers(&mut response, charge, true);
                response
            }
            PageAnswer::Unavailable => {
                let mut response = message_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "The records cannot be read just now. Reload the page in a few seconds.",
                );
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            PageAnswer::Failed => message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The page could not be made. The cause is logged; quote the time when reporting it.",
            ),
        }
    }
}

/// A page anyone may see, with `ETag` and `Cache-Control` for HTTP caches;
/// 304 when the client already holds it.
fn public_page(headers: &HeaderMap, html: String, max_age: u64) -> Response {
    let etag = response_cache::etag(html.as_bytes());
    let mut response = if client_holds(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        html_response(StatusCode::OK, html)
    };
    mark_public(&mut response, &etag, max_age);
    response.headers_mut().insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound;

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
}

/// The one answer for a record that is not there, hidden or never was.
fn not_found() -> Response {
    let mut response = html_response(StatusCode::NOT_FOUND, NotFound.render().unwrap_or_default());
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    response
}

fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    let mut response = html_response(status, Message { title, text }.render().unwrap_or_default());
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Renders a template, or logs why it could not be.
fn rendered(template: &impl Template) -> Option<String> {
    template.render().map_err(|error| tracing::error!(%error, "a page template failed")).ok()
}
