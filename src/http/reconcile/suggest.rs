//! `GET /reconcile/suggest/{entity,type,property}?prefix=&cursor=`:
//! auto-completion, shaped as the specification's suggest responses.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::ReconcileRequest;
use crate::error::code;
use crate::service::reconcile::suggest as service;
use crate::service::reconcile::{MatchType, Property};
use crate::service::search::MAX_QUERY_CHARS;
use crate::service::text::sort_key;

/// The checked `prefix` and `cursor`, or why they are refused.
fn prefix_and_cursor(request: &ReconcileRequest) -> Result<(String, u64), String> {
    let prefix = request.param("prefix").unwrap_or_default().to_owned();
    if prefix.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("prefix: must be at most {MAX_QUERY_CHARS} characters"));
    }
    let cursor = match request.param("cursor").filter(|cursor| !cursor.is_empty()).map(str::parse::<u64>) {
        None => 0,
        Some(Ok(cursor)) if cursor <= service::MAX_CURSOR => cursor,
        Some(_) => return Err(format!("cursor: must be a whole number from 0 to {}", service::MAX_CURSOR)),
    };
    Ok((prefix, cursor))
}

/// Records by the start of their names.
pub(super) async fn entity(request: ReconcileRequest) -> Response {
    let access = match request.access().await {
        Ok(access) => access,
        Err(response) => return response,
    };
    let (prefix, cursor) = match prefix_and_cursor(&request) {
        Ok(checked) => checked,
        Err(message) => return request.refuse(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message),
    };
    let types = match request.param("type").filter(|t| !t.is_empty()) {
        None => Vec::new(),
        Some(id) => match MatchType::parse(id) {
            Some(kind) => vec![kind],
            None => {
                let known: Vec<&str> = MatchType::ALL.iter().map(|kind| kind.id()).collect();
                let message = format!("type: not a type of this service; use one of {}", known.join(", "));
                return request.refuse(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
            }
        },
    };
    let charge = match request.charge(&access, 1).await {
        Ok(charge) => charge,
        Err(response) => return response,
    };
    // Nothing typed yet (or only punctuation): nothing to suggest.
    if sort_key(&prefix).is_empty() {
        return request.json(&json!({ "result": [] }), charge);
    }
    let shared = request.shared();
    match service::entities(&shared.db, &access.viewer, &prefix, &types, cursor).await {
        Ok(suggestions) => {
            let result: Vec<Value> = suggestions
                .iter()
                .map(|s| {
                    let id = crate::ids::GlobalId::encode_uuid(s.kind.node_type(), s.id).to_string();
                    json!({
                        "id": id,
                        "name": s.name,
                        "description": s.description,
                        "notable": [{ "id": s.kind.id(), "name": s.kind.plural() }],
                    })
                })
                .collect();
            request.json(&json!({ "result": result }), charge)
        }
        Err(error) => request.failed(error),
    }
}

/// The service's types.
pub(super) async fn types(request: ReconcileRequest) -> Response {
    list(request, |prefix| {
        service::types(prefix)
            .into_iter()
            .map(|kind| json!({ "id": kind.id(), "name": kind.plural(), "description": kind.description() }))
            .collect()
    })
    .await
}

/// The properties queries can match on.
pub(super) async fn properties(request: ReconcileRequest) -> Response {
    list(request, |prefix| {
        service::properties(prefix)
            .into_iter()
            .map(|p: Property| json!({ "id": p.id(), "name": p.name(), "description": p.description() }))
            .collect()
    })
    .await
}

/// A suggest answer from a fixed list.
async fn list(request: ReconcileRequest, items: impl FnOnce(&str) -> Vec<Value>) -> Response {
    let access = match request.access().await {
        Ok(access) => access,
        Err(response) => return response,
    };
    let (prefix, cursor) = match prefix_and_cursor(&request) {
        Ok(checked) => checked,
        Err(message) => return request.refuse(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message),
    };
    let charge = match request.charge(&access, 1).await {
        Ok(charge) => charge,
        Err(response) => return response,
    };
    let result: Vec<Value> = items(&prefix).into_iter().skip(cursor as usize).collect();
    request.json(&json!({ "result": result }), charge)
}
