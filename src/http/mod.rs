//! HTTP routes: GraphQL (and GraphiQL for browsers) at `/graphql`, liveness at
//! `/healthz`, readiness at `/readyz`, Prometheus metrics at `/metrics`,
//! reconciliation at `/reconcile`, and the pages of [`crate::web`].

pub mod changes;
pub mod cors;
pub mod graphql;
pub mod pages;
pub mod reconcile;
pub mod request_id;
pub mod subscriptions;
pub mod trusted_documents;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, middleware};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::config::{ChangeSettings, Settings};
use crate::db::{DatabaseHealth, StatementCounter};
use crate::error::code;
use crate::graphql::changes::FeedSettings;
use crate::graphql::runtime::execution::Executor;
use crate::graphql::runtime::limits::QueryLimits;
use crate::graphql::runtime::response_cache::ResponseCache;
use crate::metrics::Metrics;
use crate::service::access::rate_limits::RateLimiter;
use crate::service::changes::{ChangeHub, HubTiming, Retention};
use crate::service::places::CountryTable;
use request_id::RequestId;
use trusted_documents::TrustedDocuments;

/// State shared by all routes.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    executor: Executor,
    db: DatabaseConnection,
    countries: CountryTable,
    health: DatabaseHealth,
    limiter: Arc<RateLimiter>,
    metrics: Arc<Metrics>,
    statements: StatementCounter,
    trusted: Option<TrustedDocuments>,
    trusted_only: bool,
    max_query_bytes: usize,
    max_batch_size: usize,
    request_timeout: Duration,
    client_address_header: Option<axum::http::HeaderName>,
    metrics_token: Option<String>,
    feed: FeedSettings,
    changes: ChangeSettings,
    /// The pool of background work (webhook deliveries), apart from requests'.
    background: DatabaseConnection,
    /// Answers to read queries (None when turned off).
    response_cache: Option<Arc<ResponseCache>>,
    /// `max-age` of public responses, for HTTP caches in front.
    http_cache_max_age: u64,
    /// The address clients reach the server at, when configured.
    public_url: Option<String>,
}

impl AppState {
    /// `background` is the pool of the server's background work (see
    /// `db::connect_background`).
    pub fn new(
        settings: &Settings,
        db: DatabaseConnection,
        background: DatabaseConnection,
        statements: StatementCounter,
        health: DatabaseHealth,
        countries: CountryTable,
    ) -> anyhow::Result<Self> {
        let limits = QueryLimits {
            max_depth: settings.limits.max_query_depth,
            max_nodes: settings.limits.max_query_nodes,
            max_aliases: settings.limits.max_query_aliases,
            max_root_fields: settings.limits.max_query_root_fields,
            max_directives: settings.limits.max_query_directives,
            introspection: settings.limits.introspection,
        };
        let trusted = settings.limits.trusted_documents.as_deref().map(TrustedDocuments::read).transpose()?;
        let client_address_header = settings
            .rate_limits
            .client_address_header
            .as_deref()
            .map(axum::http::HeaderName::try_from)
            .transpose()
            .map_err(|_| anyhow::anyhow!("client_address_header is not a header name"))?;
        let hub = ChangeHub::start(background.clone(), HubTiming::for_backend(background.get_database_backend()));
        let response_cache =
            ResponseCache::new(settings.cache.response_cache_mib.saturating_mul(1 << 20)).map(Arc::new);
        if let Some(cache) = response_cache.clone() {
            // Frees what a change made stale as soon as this instance hears
            // of it; answers are checked against the heads anyway.
            let mut head = hub.head();
            let db = db.clone();
            tokio::spawn(async move {
                while head.changed().await.is_ok() {
                    match crate::service::changes::feed::heads(&db).await {
                        Ok(heads) => cache.drop_stale(heads),
                        Err(_) => cache.clear(),
                    }
                }
            });
        }
        Ok(AppState(Arc::new(Shared {
            executor: Executor::new(limits, settings.limits.concurrent_operations()),
            limiter: Arc::new(RateLimiter::new(settings, db.clone())),
            db: db.clone(),
            countries,
            health,
            metrics: Arc::new(Metrics::default()),
            statements,
            trusted,
            trusted_only: settings.limits.trusted_documents_only,
            max_query_bytes: settings.limits.max_query_bytes as usize,
            max_batch_size: settings.limits.max_batch_size as usize,
            request_timeout: Duration::from_secs(settings.limits.request_timeout),
            client_address_header,
            metrics_token: settings.operations.metrics_token.clone(),
            feed: FeedSettings {
                retention: Retention(chrono::Duration::days(settings.changes.change_retention_days as i64)),
                hub,
                webhooks_on_private_addresses: settings.changes.webhook_allow_private_addresses,
            },
            changes: settings.changes.clone(),
            background,
            response_cache,
            http_cache_max_age: settings.cache.http_cache_max_age,
            public_url: settings.operations.public_url.clone(),
        })))
    }

    /// The rate limiter, for the clean-up task.
    pub fn limiter(&self) -> Arc<RateLimiter> {
        self.0.limiter.clone()
    }
}

/// The routes of the server, with request ids, logging, CORS and the body limit.
pub fn router(state: AppState, settings: &Settings) -> anyhow::Result<Router> {
    let body_limit = usize::try_from(settings.limits.max_body_bytes).unwrap_or(usize::MAX);
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let id = request.extensions().get::<RequestId>().map(|id| id.0.as_str()).unwrap_or_default();
            // The path only: a GET query string carries variables, which may
            // hold confidential values.
            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    let mut router = Router::new()
        // tower-http's limit refuses by the announced length, before reading;
        // axum's own (2 MB) would refuse GraphQL imports.
        .route("/graphql", get(graphql::get).post(graphql::post).layer(RequestBodyLimitLayer::new(body_limit)))
        .layer(DefaultBodyLimit::disable())
        .route("/changes.jsonl", get(changes::jsonl))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::web::routes())
        .merge(pages::routes());
    if let Some(cors) =
        cors::layer(&settings.operations.cors_allowed_origins).map_err(|error| anyhow::anyhow!(error))?
    {
        router = router.layer(cors);
    }
    // Reconciliation answers every origin (its specification requires it),
    // with its own CORS layer: it is merged after the configured one, which
    // would otherwise add its headers a second time.
    let router = router
        .merge(reconcile::routes())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(trace)
        .layer(middleware::from_fn(request_id::assign));
    Ok(router.with_state(state))
}

/// A request's id and its peer's address. Served without connection info
/// (in tests of the router alone), the client counts as local.
fn request_id_and_peer(parts: &axum::http::request::Parts) -> (String, std::net::SocketAddr) {
    let request_id = parts.extensions.get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)), |info| info.0);
    (request_id, peer)
}

/// A panic in a handler: logged by the panic hook, answered without details.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let incident = uuid::Uuid::now_v7();
    tracing::error!(%incident, "a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        code::INTERNAL_SERVER_ERROR,
        &format!("The server could not complete this request. Quote incident {incident} when reporting it."),
    )
}

/// A response with one error and no data, as GraphQL clients read them.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

/// Alive: the process answers.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers now.
async fn readyz(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), state.0.db.ping()).await;
    let up = matches!(ping, Ok(Ok(())));
    state.0.health.set(up);
    if up {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unready", "reason": "database unreachable" })))
            .into_response()
    }
}

/// Prometheus metrics; behind a bearer token when one is set.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.0.metrics_token {
        let given =
            headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let matches = given.is_some_and(|given| {
            use sha2::{Digest, Sha256};
            // Compared as digests: equal length, no early exit on the secret's bytes.
            Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
        });
        if !matches {
            return error_response(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                "/metrics needs the metrics token.",
            );
        }
    }
    let cache = state.0.response_cache.as_ref().map(|cache| crate::metrics::CacheFigures {
        hits: cache.counts.hits.load(std::sync::atomic::Ordering::Relaxed),
        misses: cache.counts.misses.load(std::sync::atomic::Ordering::Relaxed),
        bytes: cache.weighted_size(),
    });
    let text = state.0.metrics.render(&state.0.db, state.0.statements.get(), state.0.executor.operations(), cache);
    ([(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}
