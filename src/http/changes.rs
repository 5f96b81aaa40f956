//! `GET /changes.jsonl?after=CURSOR&types=defender,campaign&limit=1000`: the
//! change feed as an OpenSanctions-style delta (see
//! [`crate::service::changes::delta`]), for the viewer the `Authorization`
//! header names (anonymous without one: public records only).
//!
//! Where to resume is in the `Changes-Cursor` header (the `after` of the
//! next request), and, while more changes follow, in a `Link` header with
//! `rel="next"`. Charged to the rate limit like a query: one point, and one
//! per hundred changes asked for.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LINK};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{AppState, error_response};
use crate::error::{AppError, code};
use crate::service::Viewer;
use crate::service::access::rate_limits::Client;
use crate::service::audit::Audited;
use crate::service::changes::{FeedRequest, Position, delta};

/// The changes one response holds when `limit` is not given, and at most.
const DEFAULT_LIMIT: u64 = 1_000;
const MAX_LIMIT: u64 = 10_000;

/// The request's parameters, checked; or what is wrong with them.
fn parameters(query: Option<&str>) -> Result<FeedRequest, String> {
    let mut request = FeedRequest { after: None, kinds: Vec::new(), first: DEFAULT_LIMIT };
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "after" if value.is_empty() || value == "start" => {}
            "after" => {
                request.after = Some(Position::from_cursor(&value, "after").map_err(|_| {
                    format!(
                        "after: \"{value}\" is not a change-feed cursor: pass the Changes-Cursor of an earlier response"
                    )
                })?)
            }
            "types" => {
                for name in value.split(',').map(str::trim).filter(|name| !name.is_empty()) {
                    let kind = Audited::of_table(&name.to_ascii_lowercase()).ok_or_else(|| {
                        format!(
                            "types: \"{name}\" is not a record type: use defender, restriction, campaign, \
                             organisation or source, comma-separated"
                        )
                    })?;
                    if !request.kinds.contains(&kind) {
                        request.kinds.push(kind);
                    }
                }
            }
            "limit" => {
                request.first = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                    .ok_or_else(|| format!("limit: must be a number from 1 to {MAX_LIMIT}; got \"{value}\""))?
            }
            other => {
                return Err(format!("unknown parameter \"{other}\": /changes.jsonl takes after, types and limit"));
            }
        }
    }
    Ok(request)
}

/// `GET /changes.jsonl`
pub async fn jsonl(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let shared = &state.0;
    let request = match parameters(query.as_deref()) {
        Ok(request) => request,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, code::BAD_REQUEST, &message),
    };
    let viewer = match super::graphql::viewer(shared, &headers).await {
        Ok(viewer) => viewer,
        Err((status, code, message)) => return error_response(status, code, &message),
    };
    let client = match &viewer {
        Viewer::Member(member) => Client::Key(member.key),
        Viewer::Anonymous => Client::Address(peer.ip()),
    };
    let cost = 1 + request.first.div_ceil(100);
    let charge = match shared.limiter.charge(&client, cost).await {
        Ok(charge) => charge,
        Err(error) => return failure(error),
    };
    if let Some(charge) = charge.filter(|charge| !charge.allowed) {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            code::RATE_LIMITED,
            &format!("This client spent its budget of {} points for this window: retry later.", charge.limit),
        );
        super::graphql::rate_limit_headers(&mut response, Some(charge), true);
        return response;
    }
    let page = match delta::read(&shared.db, &viewer, &request, &shared.feed.retention).await {
        Ok(page) => page,
        Err(error) => return failure(error),
    };
    let mut response = (StatusCode::OK, page.lines).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson; charset=utf-8"));
    if let Some(end) = page.end.or(request.after) {
        let cursor = end.cursor();
        if let Ok(value) = HeaderValue::from_str(&cursor) {
            headers.insert(HeaderName::from_static("changes-cursor"), value);
        }
        if page.has_next
            && let Ok(value) = HeaderValue::from_str(&format!("</changes.jsonl?after={cursor}>; rel=\"next\""))
        {
            headers.insert(LINK, value);
        }
    }
    super::graphql::rate_limit_headers(&mut response, charge, false);
    response
}

/// A failure of the service, as a status and a JSON error.
fn failure(error: AppError) -> Response {
    let status = match &error {
        AppError::CursorExpired(_) => StatusCode::GONE,
        AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let error: async_graphql::Error = error.into();
    let code = error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .map_or(code::INTERNAL_SERVER_ERROR.to_owned(), |code| code.to_string().trim_matches('"').to_owned());
    error_response(status, &code, &error.message)
}
