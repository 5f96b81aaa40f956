//! `/reconcile`: the W3C Entity Reconciliation Community Group's
//! Reconciliation Service API, version 0.2 (the version OpenRefine speaks),
//! over the records the caller may see.
//!
//! - `GET /reconcile` without parameters: the service manifest.
//! - `GET` or `POST` (form field) `queries`: a batch of reconciliation
//!   queries ([`queries`]); `extend`: a data extension query ([`extend`]).
//! - `/reconcile/suggest/{entity,type,property}`, `/reconcile/preview`,
//!   `/reconcile/extend/propose`.
//!
//! Access: anonymous callers reconcile against public records; a partner's
//! API key, as a bearer header or as the `api_key` query parameter (clients
//! such as OpenRefine keep only a URL), against what its organisation may
//! see. A key given in the URL is carried into the manifest's addresses, so
//! that a client's later calls carry it too; it is never logged (requests
//! are logged by path only). Every endpoint answers cross-origin requests
//! from any origin, as the specification requires; the API key is never a
//! cookie, so no browser sends it unasked. Each request is charged to the
//! rate limiter like a GraphQL request (one point per query of a batch) and
//! counted in the metrics under the operation `reconcile`.

mod extend;
mod preview;
mod queries;
mod suggest;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tower_http::cors::AllowOrigin;
use tower_http::limit::RequestBodyLimitLayer;

use super::graphql::{PageAnswer, authenticate, client_for, rate_limit_headers, run_in_process};
use super::{AppState, Shared, error_response};
use crate::error::{AppError, code};
use crate::service::Viewer;
use crate::service::access::rate_limits::{Charge, Client};

/// The most queries in one batch (the manifest's `batchSize`).
pub const BATCH_SIZE: usize = 25;
/// The largest request body accepted: a full batch of long queries fits.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The routes, with their own CORS (any origin, uniformly) and body limit.
pub fn routes() -> Router<AppState> {
    let cors = super::cors::allowing(AllowOrigin::any());
    Router::new()
        .route("/reconcile", get(queries::endpoint).post(queries::endpoint))
        .route("/reconcile/suggest/entity", get(suggest::entity))
        .route("/reconcile/suggest/type", get(suggest::types))
        .route("/reconcile/suggest/property", get(suggest::properties))
        .route("/reconcile/preview", get(preview::preview))
        .route("/reconcile/extend/propose", get(extend::propose))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(cors)
}

/// A reconciliation request: who asks, and its parameters (query string,
/// and for POST the form body).
pub(super) struct ReconcileRequest {
    state: AppState,
    request_id: String,
    headers: HeaderMap,
    peer: SocketAddr,
    params: HashMap<String, String>,
    started: Instant,
}

impl axum::extract::FromRequestParts<AppState> for ReconcileRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (request_id, peer) = super::request_id_and_peer(parts);
        let params = url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Ok(ReconcileRequest {
            state: state.clone(),
            request_id,
            headers: parts.headers.clone(),
            peer,
            params,
            started: Instant::now(),
        })
    }
}

/// Who is asking, and who pays.
pub(super) struct Access {
    viewer: Viewer,
    client: Client,
    /// The key given as `api_key`, to carry into the manifest's addresses.
    url_key: Option<String>,
}

impl ReconcileRequest {
    fn shared(&self) -> &Shared {
        &self.state.0
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The caller, from the bearer header or the `api_key` parameter; a
    /// key that is not valid is refused with 401, never read as anonymous,
    /// and the attempt is charged to the caller's address.
    async fn access(&self) -> Result<Access, Response> {
        let shared = self.shared();
        let url_key = self.param("api_key").map(str::trim).map(str::to_owned);
        let header = self.headers.contains_key(AUTHORIZATION);
        let viewer = if header {
            super::graphql::viewer(shared, &self.headers).await
        } else {
            match &url_key {
                Some(key) if !key.is_empty() => authenticate(shared, key).await,
                Some(_) => Err((StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, "api_key is empty.".to_owned())),
                None => Ok(Viewer::Anonymous),
            }
        };
        match viewer {
            Ok(viewer) => {
                let client = client_for(shared, &self.headers, self.peer, &viewer);
                Ok(Access { viewer, client, url_key: if header { None } else { url_key } })
            }
            Err((status, code, message)) => {
                let anonymous = client_for(shared, &self.headers, self.peer, &Viewer::Anonymous);
                let charge = if status == StatusCode::UNAUTHORIZED {
                    shared.limiter.charge(&anonymous, 1).await.ok().flatten()
                } else {
                    None
                };
                let limited = charge.is_some_and(|charge| !charge.allowed);
                let mut response = if limited {
                    error_response(
                        StatusCode::TOO_MANY_REQUESTS,
                        code::RATE_LIMITED,
                        "Too many requests with invalid API keys.",
                    )
                } else {
                    error_response(status, code, &message)
                };
                if status == StatusCode::UNAUTHORIZED {
                    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                rate_limit_headers(&mut response, charge, limited);
                Err(self.finish("rejected", &[code.to_owned()], response))
            }
        }
    }

    /// Charges `cost` points; refuses with 429 when the client has spent its budget.
    async fn charge(&self, access: &Access, cost: u64) -> Result<Option<Charge>, Response> {
        let shared = self.shared();
        let charge = match shared.limiter.charge(&access.client, cost).await {
            Ok(charge) => charge,
            Err(error) => return Err(self.failed(error)),
        };
        if let Some(charge) = charge
            && !charge.allowed
        {
            shared.metrics.rate_limited(access.client.kind());
            return Err(self.rate_limited(Some(charge)));
        }
        Ok(charge)
    }

    /// Runs a query of the GraphQL API in-process as the caller (which
    /// charges the rate limiter what it costs); its `data`, or the answer
    /// for a client that has spent its points or a query that failed.
    async fn read(
        &self,
        access: &Access,
        query: &str,
        variables: Map<String, Value>,
    ) -> Result<(Value, Option<Charge>), Response> {
        let answer = run_in_process(
            self.shared(),
            self.request_id.clone(),
            self.headers.clone(),
            self.peer,
            &access.viewer,
            query,
            variables,
        )
        .await;
        match answer {
            PageAnswer::Data(data, charge) => Ok((data, charge)),
            PageAnswer::RateLimited(charge) => Err(self.rate_limited(charge)),
            PageAnswer::Unavailable => {
                let mut response = self.refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::DATABASE_UNAVAILABLE,
                    "The database cannot be reached just now. Retry in a few seconds.",
                );
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
                Err(response)
            }
            PageAnswer::Failed => Err(self.refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL_SERVER_ERROR,
                "The server could not complete this request.",
            )),
        }
    }

    /// 429: the client has spent its points.
    fn rate_limited(&self, charge: Option<Charge>) -> Response {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            code::RATE_LIMITED,
            "Too many requests: this client has spent its points for now. Retry after the time in Retry-After.",
        );
        rate_limit_headers(&mut response, charge, true);
        self.finish("rate_limited", &[code::RATE_LIMITED.to_owned()], response)
    }

    /// A JSON answer, with the rate-limit headers, counted in the metrics.
    fn json(&self, body: &Value, charge: Option<Charge>) -> Response {
        let mut response = (
            StatusCode::OK,
            [(CONTENT_TYPE, "application/json; charset=utf-8")],
            serde_json::to_vec(body).unwrap_or_default(),
        )
            .into_response();
        rate_limit_headers(&mut response, charge, false);
        self.finish("ok", &[], response)
    }

    /// A refused request: 400 (or `status`) with the error's code and message.
    fn refuse(&self, status: StatusCode, code: &'static str, message: &str) -> Response {
        self.finish("rejected", &[code.to_owned()], error_response(status, code, message))
    }

    /// A failure of the service: what the caller may see of it.
    fn failed(&self, error: AppError) -> Response {
        let (status, code) = match &error {
            AppError::BadInput { .. } => (StatusCode::BAD_REQUEST, code::BAD_USER_INPUT),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, code::NOT_FOUND),
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, code::DATABASE_UNAVAILABLE),
            AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, code::FORBIDDEN),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL_SERVER_ERROR),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            self.shared().health.set(false);
        }
        // The conversion logs internal causes and keeps a generic message.
        let message = async_graphql::Error::from(error).message;
        let mut response = error_response(status, code, &message);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
        }
        self.finish("failed", &[code.to_owned()], response)
    }

    /// Counts the answer in the metrics. No answer may be kept by a cache:
    /// it may hold what a key may see, and its address may hold the key.
    fn finish(&self, outcome: &str, codes: &[String], mut response: Response) -> Response {
        self.shared().metrics.request(Some("reconcile"), outcome, self.started.elapsed(), codes);
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    /// This service's address as clients reach it: the configured public
    /// address, else `http://` and the request's `Host`.
    fn base_url(&self) -> String {
        if let Some(public) = &self.shared().public_url {
            return public.trim_end_matches('/').to_owned();
        }
        let host = self
            .headers
            .get(axum::http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .filter(|host| host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}

/// The service manifest.
fn manifest(request: &ReconcileRequest, access: &Access) -> Value {
    let base = request.base_url();
    // A key given in the URL is kept in every address the client will call.
    let keyed = |path: &str| match &access.url_key {
        Some(key) => {
            let separator = if path.contains('?') { '&' } else { '?' };
            let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
            format!("{path}{separator}api_key={key}")
        }
        None => path.to_owned(),
    };
    let types: Vec<Value> = crate::service::reconcile::MatchType::ALL
        .iter()
        .map(|kind| json!({ "id": kind.id(), "name": kind.plural() }))
        .collect();
    json!({
        "versions": ["0.2"],
        "name": "rights-graph: human rights defenders, restrictions, campaigns and organisations",
        "identifierSpace": format!("{base}/records/"),
        "schemaSpace": format!("{base}/reconcile/types/"),
        "documentation": format!("{base}/"),
        "serviceVersion": env!("CARGO_PKG_VERSION"),
        "defaultTypes": types,
        "batchSize": BATCH_SIZE,
        "view": { "url": format!("{base}/records/{{{{id}}}}") },
        "preview": {
            "url": format!("{base}{}", keyed("/reconcile/preview?id={{id}}")),
            "width": preview::WIDTH,
            "height": preview::HEIGHT,
        },
        "suggest": {
            "entity": { "service_url": base, "service_path": keyed("/reconcile/suggest/entity") },
            "type": { "service_url": base, "service_path": keyed("/reconcile/suggest/type") },
            "property": { "service_url": base, "service_path": keyed("/reconcile/suggest/property") },
        },
        "extend": {
            "propose_properties": { "service_url": base, "service_path": keyed("/reconcile/extend/propose") },
            "property_settings": [{
                "name": "limit",
                "label": "Values per record",
                "type": "number",
                "default": extend::DEFAULT_VALUES,
                "help_text": format!("The most values of a property given per record (at most {}).", extend::MAX_VALUES),
            }],
        },
    })
}
