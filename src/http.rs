//! HTTP routes: GraphQL (and GraphiQL for browsers) at `/graphql`, liveness at
//! `/healthz`, readiness at `/readyz`, and the pages of [`crate::web`].

use async_graphql::parser::types::DocumentOperations;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header::{ALLOW, AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::error::code;
use crate::graphql::context::RequestContext;
use crate::graphql::{AppSchema, build_schema};
use crate::service::{Viewer, auth};

/// State shared by all routes.
#[derive(Clone)]
pub struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
}

impl AppState {
    pub fn new(db: DatabaseConnection) -> Self {
        AppState { schema: build_schema(), db }
    }

    /// Runs a request for whoever its `Authorization` header names.
    async fn execute(&self, headers: &HeaderMap, request: async_graphql::Request) -> Response {
        let viewer = match self.viewer(headers).await {
            Ok(viewer) => viewer,
            Err(refusal) => return refusal,
        };
        let context = RequestContext::new(self.db.clone(), viewer);
        let loader = context.loader.clone();
        GraphQLResponse::from(loader.drive(self.schema.execute(request.data(context))).await).into_response()
    }

    /// No `Authorization` header: an anonymous reader. A header that is not a
    /// valid, current API key is refused outright, never read as anonymous.
    async fn viewer(&self, headers: &HeaderMap) -> Result<Viewer, Response> {
        let Some(header) = headers.get(AUTHORIZATION) else {
            return Ok(Viewer::Anonymous);
        };
        let key = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|key| !key.is_empty());
        let Some(key) = key else {
            return Err(unauthenticated("The Authorization header must be \"Bearer <API key>\"."));
        };
        match auth::authenticate(&self.db, key).await {
            Ok(Ok(viewer)) => Ok(viewer),
            Ok(Err(refusal)) => Err(unauthenticated(refusal.message())),
            Err(error) => {
                // The conversion logs the cause and keeps only an incident id.
                let error: async_graphql::Error = error.into();
                let body = json!({ "errors": [{ "message": error.message, "extensions": error.extensions }] });
                Err((StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response())
            }
        }
    }
}

/// A 401 in the shape of a GraphQL response, so clients can read it as one.
fn unauthenticated(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(WWW_AUTHENTICATE, "Bearer")],
        Json(json!({ "errors": [{ "message": message, "extensions": { "code": code::UNAUTHENTICATED } }] })),
    )
        .into_response()
}

/// The largest request body accepted: an import of 8 MiB through GraphQL,
/// JSON-escaped, with room to spare. Larger bodies get 413 before they are read.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The routes of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post).layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::web::routes())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, request: GraphQLRequest) -> Response {
    state.execute(&headers, request.into_inner()).await
}

/// A GET with a `query` parameter runs it; a plain GET (a browser) gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return crate::web::graphiql().await.into_response();
    };
    match async_graphql::http::parse_query_string(&query) {
        Ok(request) if is_mutation(&request) => (
            StatusCode::METHOD_NOT_ALLOWED,
            [(ALLOW, "POST")],
            Json(json!({
                "errors": [{
                    "message": "Mutations must be sent with POST, not GET.",
                    "extensions": { "code": "BAD_REQUEST" },
                }]
            })),
        )
            .into_response(),
        Ok(request) => state.execute(&headers, request).await,
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "errors": [{
                    "message": format!("The query string is not a GraphQL request: {error}"),
                    "extensions": { "code": "BAD_REQUEST" },
                }]
            })),
        )
            .into_response(),
    }
}

/// Whether the operation a request would run is a mutation. Unparsable
/// queries are not: executing them reports the parse error.
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else { return false };
    let is_mutation = |operation: &async_graphql::parser::types::OperationDefinition| {
        operation.ty == async_graphql::parser::types::OperationType::Mutation
    };
    match (&document.operations, &request.operation_name) {
        (DocumentOperations::Single(operation), _) => is_mutation(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name.as_str()).is_some_and(|operation| is_mutation(&operation.node))
        }
        (DocumentOperations::Multiple(operations), None) => {
            operations.values().any(|operation| is_mutation(&operation.node))
        }
    }
}

/// Alive: the process answers.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unready", "reason": "database unreachable" })))
                .into_response()
        }
    }
}
