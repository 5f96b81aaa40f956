//! HTTP routes: GraphQL (and GraphiQL for browsers) at `/graphql`, liveness at
//! `/healthz`, readiness at `/readyz`.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::graphql::context::RequestContext;
use crate::graphql::{AppSchema, build_schema};
use crate::service::Viewer;

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

    async fn execute(&self, request: async_graphql::Request) -> GraphQLResponse {
        let context = RequestContext::new(self.db.clone(), Viewer::Anonymous);
        let loader = context.loader.clone();
        loader.drive(self.schema.execute(request.data(context))).await.into()
    }
}

/// The routes of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql_post(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    state.execute(request.into_inner()).await
}

/// A GET with a `query` parameter runs it; a plain GET (a browser) gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return Html(GraphiQLSource::build().endpoint("/graphql").title("rights-graph").finish()).into_response();
    };
    match async_graphql::http::parse_query_string(&query) {
        Ok(request) => state.execute(request).await.into_response(),
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
