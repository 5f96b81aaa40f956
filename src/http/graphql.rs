//! GraphQL over HTTP, as the GraphQL-over-HTTP specification describes it.
//!
//! - POST with an `application/json` body; GET with the parameters in the
//!   query string, for queries only (a mutation over GET gets 405).
//! - The response is `application/graphql-response+json` when the client
//!   accepts it, else `application/json`; 406 when it accepts neither.
//! - A request that is not GraphQL (bad JSON, parameters of the wrong type)
//!   gets 400. A document that does not parse or validate gets 400 as
//!   `application/graphql-response+json` and 200 as `application/json`, and
//!   no `data` either way.
//! - Rate limits give 429 with `Retry-After`; an unreachable database or a
//!   request past its time 503.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql_axum::GraphQLProtocol;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::header::{
    ACCEPT, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER, VARY, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::request_id::RequestId;
use super::{AppState, Shared};
use crate::error::code;
use crate::graphql::common::context::RequestContext;
use crate::graphql::runtime::execution::Executor;
use crate::graphql::runtime::request_state::RequestState;
use crate::graphql::runtime::response_cache::{self, Entry, ResponseCache};
use crate::service::Viewer;
use crate::service::access::api_keys;
use crate::service::access::rate_limits::{Charge, Client};
use crate::service::changes::feed::Heads;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The response media type the client accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Media::Json => JSON,
        }
    }

    /// From the `Accept` header: the first acceptable entry wins; none
    /// (or no header) means `application/json`.
    fn negotiate(headers: &HeaderMap) -> Option<Media> {
        let Some(accept) = headers.get(ACCEPT) else { return Some(Media::Json) };
        let accept = accept.to_str().ok()?;
        if accept.trim().is_empty() {
            return Some(Media::Json);
        }
        accept.split(',').find_map(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|param| param.replace(' ', "") == "q=0");
            match media.as_str() {
                _ if refused => None,
                "application/graphql-response+json" => Some(Media::GraphqlResponseJson),
                "application/json" | "application/*" | "*/*" => Some(Media::Json),
                _ => None,
            }
        })
    }
}

/// A request refused before GraphQL execution: status, code and message.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { status, code, message: message.into() }
}

fn bad_request(message: impl Into<String>) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
}

/// The parameters of one GraphQL request.
#[derive(Debug, Default)]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    extensions: Option<Map<String, Value>>,
    document_id: Option<String>,
}

impl Params {
    fn from_json(value: Value) -> Result<Params, Refusal> {
        let Value::Object(mut object) = value else {
            return Err(bad_request("The request body must be a JSON object with a \"query\"."));
        };
        let text = |object: &mut Map<String, Value>, name: &str| match object.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(bad_request(format!("\"{name}\" must be a string."))),
        };
        let map = |object: &mut Map<String, Value>, name: &str| match object.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(_) => Err(bad_request(format!("\"{name}\" must be an object (a map of names to values)."))),
        };
        Ok(Params {
            query: text(&mut object, "query")?,
            operation_name: text(&mut object, "operationName")?,
            variables: map(&mut object, "variables")?,
            extensions: map(&mut object, "extensions")?,
            document_id: text(&mut object, "documentId")?,
        })
    }

    /// From a GET query string; `variables` and `extensions` are JSON text.
    fn from_query_string(query: &str) -> Result<Params, Refusal> {
        let mut params = Params::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let json = |value: &str| -> Result<Option<Map<String, Value>>, Refusal> {
                match serde_json::from_str::<Value>(value) {
                    Ok(Value::Object(map)) => Ok(Some(map)),
                    Ok(Value::Null) => Ok(None),
                    _ => Err(bad_request(format!("\"{name}\" must be a JSON object, URL-encoded."))),
                }
            };
            match name.as_ref() {
                "query" => params.query = Some(value.into_owned()),
                "operationName" => params.operation_name = Some(value.into_owned()).filter(|name| !name.is_empty()),
                "variables" => params.variables = json(&value)?,
                "extensions" => params.extensions = json(&value)?,
                "documentId" => params.document_id = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(params)
    }

    /// The id of a trusted document, from `documentId` or Apollo's
    /// `extensions.persistedQuery.sha256Hash`.
    fn document_id(&self) -> Option<String> {
        self.document_id.clone().or_else(|| {
            let hash = self.extensions.as_ref()?.get("persistedQuery")?.get("sha256Hash")?.as_str()?;
            Some(format!("sha256:{hash}"))
        })
    }
}

/// Everything about the HTTP request that GraphQL execution needs.
struct Call {
    media: Media,
    request_id: String,
    headers: HeaderMap,
    peer: SocketAddr,
    started: Instant,
}

/// `POST /graphql`
pub async fn post(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = Media::negotiate(&headers) else { return not_acceptable() };
    let call = Call { media, request_id, headers, peer, started: Instant::now() };
    let is_json = call
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            let mut parts = value.split(';').map(|part| part.trim().to_ascii_lowercase());
            let media = parts.next().unwrap_or_default();
            let utf8 = parts.all(|param| !param.starts_with("charset=") || param == "charset=utf-8");
            media == "application/json" && utf8
        })
        .unwrap_or(false);
    if !is_json {
        let refusal = refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::UNSUPPORTED_MEDIA_TYPE,
            "Send the request as JSON, with Content-Type: application/json.",
        );
        return refused(&state.0, &call, refusal);
    }
    if body.is_empty() {
        return refused(&state.0, &call, bad_request("The request has no body: send a JSON object with a \"query\"."));
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return refused(&state.0, &call, bad_request(format!("The request body is not JSON: {error}."))),
    };
    match value {
        Value::Array(items) => {
            if state.0.max_batch_size == 0 {
                let message =
                    "Batched requests (a JSON array) are turned off on this server: send one operation per request.";
                return refused(&state.0, &call, refuse(StatusCode::BAD_REQUEST, code::BATCH_REFUSED, message));
            }
            if items.is_empty() || items.len() > state.0.max_batch_size {
                let message = format!(
                    "A batch holds 1 to {} operations; this one has {}. Limit: maxBatchSize.",
                    state.0.max_batch_size,
                    items.len()
                );
                return refused(&state.0, &call, refuse(StatusCode::BAD_REQUEST, code::BATCH_REFUSED, message));
            }
            let mut batch = Vec::with_capacity(items.len());
            for item in items {
                match Params::from_json(item) {
                    Ok(params) => batch.push(params),
                    Err(refusal) => return refused(&state.0, &call, refusal),
                }
            }
            run_batch(&state.0, &call, batch).await
        }
        value => match Params::from_json(value) {
            Ok(params) => run(&state.0, &call, params, false).await,
            Err(refusal) => refused(&state.0, &call, refusal),
        },
    }
}

/// `GET /graphql`: a query in the query string, or GraphiQL for a browser.
pub async fn get(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    websocket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
) -> Response {
    if let Ok(websocket) = websocket {
        let Ok(protocol) = protocol else {
            return super::error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "Name a GraphQL WebSocket sub-protocol in Sec-WebSocket-Protocol: graphql-transport-ws (current) or \
                 graphql-ws (legacy).",
            );
        };
        return super::subscriptions::upgrade(state, websocket, protocol, &headers, peer);
    }
    let wants_html =
        headers.get(ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    let query = query.filter(|query| !query.is_empty());
    if query.is_none() && wants_html {
        return crate::web::graphiql().await.into_response();
    }
    let Some(media) = Media::negotiate(&headers) else { return not_acceptable() };
    let call = Call { media, request_id, headers, peer, started: Instant::now() };
    let params = match Params::from_query_string(query.as_deref().unwrap_or_default()) {
        Ok(params) => params,
        Err(refusal) => return refused(&state.0, &call, refusal),
    };
    run(&state.0, &call, params, true).await
}

fn not_acceptable() -> Response {
    let mut response = super::error_response(
        StatusCode::NOT_ACCEPTABLE,
        code::NOT_ACCEPTABLE,
        "Accept application/graphql-response+json or application/json.",
    );
    response
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/graphql-response+json, application/json"));
    response
}

/// Adds the request id to every error of a response body.
fn tag_errors(body: &mut Value, request_id: &str) {
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(error) = error.as_object_mut() {
                let extensions = error.entry("extensions").or_insert_with(|| json!({}));
                if let Some(extensions) = extensions.as_object_mut() {
                    extensions.insert("requestId".into(), Value::String(request_id.to_owned()));
                }
            }
        }
    }
}

/// A request refused before execution: counted, logged, answered.
fn refused(shared: &Shared, call: &Call, refusal: Refusal) -> Response {
    let mut body = json!({ "errors": [{ "message": refusal.message, "extensions": { "code": refusal.code } }] });
    tag_errors(&mut body, &call.request_id);
    shared.metrics.request(None, "rejected", call.started.elapsed(), &[refusal.code.to_owned()]);
    tracing::info!(status = refusal.status.as_u16(), code = refusal.code, "request refused");
    json_response(refusal.status, call.media, &body)
}

fn json_response(status: StatusCode, media: Media, body: &Value) -> Response {
    bytes_response(status, media, serde_json::to_vec(body).unwrap_or_default())
}

fn bytes_response(status: StatusCode, media: Media, body: impl Into<Bytes>) -> Response {
    let body: Bytes = body.into();
    (status, [(CONTENT_TYPE, media.content_type())], body).into_response()
}

/// Who pays for the request: the API key, else the client's address (from
/// the trusted proxy's header when one is configured).
fn client_of(shared: &Shared, call: &Call, viewer: &Viewer) -> Client {
    client_for(shared, &call.headers, call.peer, viewer)
}

/// Who pays for a request, from its headers and peer.
pub(super) fn client_for(shared: &Shared, headers: &HeaderMap, peer: SocketAddr, viewer: &Viewer) -> Client {
    if let Viewer::Member(member) = viewer {
        return Client::Key(member.key);
    }
    let forwarded = shared.client_address_header.as_ref().and_then(|header| {
        let value = headers.get(header)?.to_str().ok()?;
        value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    });
    Client::Address(forwarded.unwrap_or(peer.ip()))
}

/// No `Authorization` header: an anonymous reader. A header that is not a
/// valid, current API key is refused outright, never read as anonymous.
pub(super) async fn viewer(shared: &Shared, headers: &HeaderMap) -> Result<Viewer, (StatusCode, &'static str, String)> {
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
        return Err((
            StatusCode::UNAUTHORIZED,
            code::UNAUTHENTICATED,
            "The Authorization header must be \"Bearer <API key>\".".into(),
        ));
    };
    authenticate(shared, key).await
}

/// The viewer an API key stands for; a key that is not valid and current
/// is refused.
pub(super) async fn authenticate(shared: &Shared, key: &str) -> Result<Viewer, (StatusCode, &'static str, String)> {
    match api_keys::authenticate(&shared.db, key).await {
        Ok(Ok(viewer)) => Ok(viewer),
        Ok(Err(refusal)) => Err((StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, refusal.message().to_owned())),
        Err(error) => {
            // The conversion logs the cause and keeps only a generic message.
            let unavailable = matches!(error, crate::error::AppError::Unavailable(_));
            let error: async_graphql::Error = error.into();
            if unavailable {
                shared.health.set(false);
                Err((StatusCode::SERVICE_UNAVAILABLE, code::DATABASE_UNAVAILABLE, error.message))
            } else {
                Err((StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL_SERVER_ERROR, error.message))
            }
        }
    }
}

/// Whether the operation a request would run is a mutation. Unparsable
/// queries are not: executing them reports the parse error.
fn is_mutation(executor: &Executor, query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = executor.parse(query) else { return false };
    let is_mutation =
        |operation: &async_graphql::parser::types::OperationDefinition| operation.ty == OperationType::Mutation;
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => is_mutation(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).is_some_and(|operation| is_mutation(&operation.node))
        }
        (DocumentOperations::Multiple(operations), None) => {
            operations.values().any(|operation| is_mutation(&operation.node))
        }
    }
}

/// The query text to run: given, or looked up by document id; checked
/// against the trusted documents and the length limit.
fn query_text(shared: &Shared, params: &mut Params) -> Result<String, Refusal> {
    if let Some(id) = params.document_id() {
        let Some(trusted) = &shared.trusted else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                code::DOCUMENT_NOT_FOUND,
                "This server has no trusted documents: send the query text in \"query\".",
            ));
        };
        let Some(document) = trusted.get(&id) else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                code::DOCUMENT_NOT_FOUND,
                format!("No trusted document has the id \"{id}\"."),
            ));
        };
        if params.query.as_deref().is_some_and(|query| query != document) {
            return Err(bad_request("\"query\" and \"documentId\" name different documents: send one of them."));
        }
        return Ok(document.to_owned());
    }
    let Some(query) = params.query.take() else {
        return Err(bad_request("The request has no \"query\": send the GraphQL document to run."));
    };
    if query.len() > shared.max_query_bytes {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::LIMIT_EXCEEDED,
            format!(
                "The query text is {} bytes long, more than {}. Limit: maxQueryBytes.",
                query.len(),
                shared.max_query_bytes
            ),
        ));
    }
    if shared.trusted_only && !shared.trusted.as_ref().is_some_and(|trusted| trusted.contains_text(&query)) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            code::TRUSTED_DOCUMENT_REQUIRED,
            "This server runs trusted documents only, and this query is not one of them: send a \"documentId\" \
             from the allow-list.",
        ));
    }
    Ok(query)
}

/// One operation, run: its JSON body and what happened.
struct Outcome {
    /// The response body, serialized.
    body: Bytes,
    codes: Vec<String>,
    /// A request error: no data, the document never ran.
    request_error: bool,
    charge: Option<Charge>,
    cost_refused: bool,
    /// The operation's name, given or read off the document.
    operation: Option<String>,
    /// The body's validator, when the response cache keeps or gave it.
    etag: Option<String>,
}

/// How a request met the response cache.
enum Cached {
    /// Answered from it.
    Hit(Arc<Entry>),
    /// Executed; its answer is kept under the key, with the kinds it reads
    /// and their heads read before it ran, if it has no error.
    Miss(Arc<ResponseCache>, response_cache::Cacheable, Heads),
    /// Not cacheable, or the cache is off.
    No,
}

async fn execute(shared: &Shared, call: &Call, viewer: &Viewer, params: Params, query: String) -> Outcome {
    let client = client_of(shared, call, viewer);
    let state = Arc::new(RequestState::new(call.request_id.clone(), client.clone(), shared.limiter.clone()));
    let metrics = shared.metrics.clone();
    let languages = preferred_languages(&call.headers);
    let context = RequestContext::observed(
        shared.db.clone(),
        viewer.clone(),
        shared.countries.clone(),
        Arc::new(move |kind: &str, keys: usize| metrics.batch(kind, keys)),
    )
    .preferring(languages.clone());
    let loader = context.loader.clone();
    state.set_operation(params.operation_name.clone());
    let mut request =
        async_graphql::Request::new(query.clone()).data(context).data(state.clone()).data(shared.feed.clone());
    if let Some(name) = params.operation_name.clone() {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.clone() {
        request = request.variables(async_graphql::Variables::from_json(Value::Object(variables)));
    }
    let run = loader.drive(async {
        // Admitted first (limits checked, cost charged) as any request, so
        // that an answer from the cache costs what executing it would.
        let document = match shared.executor.admit(&mut request, &state).await {
            Ok(document) => document,
            Err(refused) => return (refused, Cached::No),
        };
        let cached = look_up(shared, viewer, &document, &query, &params, &languages).await;
        if let Cached::Hit(entry) = cached {
            return (async_graphql::Response::default(), Cached::Hit(entry));
        }
        (shared.executor.run_admitted(request, &document).await, cached)
    });
    let (mut response, cached) = match tokio::time::timeout(shared.request_timeout, run).await {
        Ok(ran) => ran,
        Err(_) => {
            let message = format!(
                "The request ran longer than {} s and was stopped. Ask for less (smaller pages, fewer fields).",
                shared.request_timeout.as_secs()
            );
            let timeout = crate::graphql::runtime::limits::refusal(code::TIMEOUT, message, None);
            (async_graphql::Response::from_errors(vec![timeout]), Cached::No)
        }
    };
    let mut measured = state.measured();
    if let Cached::Hit(entry) = cached {
        return Outcome {
            body: entry.body.clone(),
            codes: Vec::new(),
            request_error: false,
            charge: measured.charge,
            cost_refused: false,
            operation: state.operation(),
            etag: Some(entry.etag.clone()),
        };
    }
    if measured.shape.is_none() {
        // Never measured (it did not parse, or was refused first): it costs one point.
        if let Ok(charge) = shared.limiter.charge(&client, 1).await {
            state.record_charge(charge);
            measured.charge = charge;
        }
    }
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|error| {
            error.extensions.as_ref()?.get("code").map(|code| code.to_string().trim_matches('"').to_owned())
        })
        .collect();
    let request_error = crate::graphql::runtime::error_codes::is_request_error(&response);
    for error in &mut response.errors {
        error.extensions.get_or_insert_with(Default::default).set("requestId", call.request_id.as_str());
    }
    // Serialized as it is, so that fields keep the order the query asked for;
    // a request error has no `data` entry at all.
    let body = if request_error {
        serde_json::to_vec(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    }
    .unwrap_or_default();
    let body = Bytes::from(body);
    let cost_refused = codes.iter().any(|code| code == code::RATE_LIMITED);
    if cost_refused {
        shared.metrics.rate_limited(client.kind());
    }
    let mut etag = None;
    if let Cached::Miss(cache, cacheable, heads) = cached
        && codes.is_empty()
    {
        let tag = response_cache::etag(&body);
        let entry = Entry { kinds: cacheable.kinds, heads, body: body.clone(), etag: tag.clone() };
        cache.insert(cacheable.key, entry);
        etag = Some(tag);
    }
    Outcome { body, codes, request_error, charge: measured.charge, cost_refused, operation: state.operation(), etag }
}

/// Looks the admitted request up in the response cache.
async fn look_up(
    shared: &Shared,
    viewer: &Viewer,
    document: &ExecutableDocument,
    query: &str,
    params: &Params,
    languages: &[String],
) -> Cached {
    let Some(cache) = shared.response_cache.clone() else { return Cached::No };
    let asked = response_cache::Asked {
        query,
        operation: params.operation_name.as_deref(),
        variables: params.variables.as_ref(),
        languages,
    };
    let Some(cacheable) = cache.key(viewer, shared.executor.shape(), document, &asked) else {
        return Cached::No;
    };
    // Unreadable, the heads leave the request to run as if uncached.
    let Ok(heads) = crate::service::changes::feed::heads(&shared.db).await else { return Cached::No };
    match cache.get(&cacheable.key, &heads) {
        Some(entry) => Cached::Hit(entry),
        None => Cached::Miss(cache, cacheable, heads),
    }
}

/// The languages the request prefers, best first, from `Accept-Language`
/// (see [`crate::service::statements::languages`]).
fn preferred_languages(headers: &HeaderMap) -> Vec<String> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map(crate::service::statements::languages::accepted)
        .unwrap_or_default()
}

/// Runs one operation and answers it.
async fn run(shared: &Shared, call: &Call, mut params: Params, over_get: bool) -> Response {
    let trusted_document = params.document_id().is_some();
    let query = match query_text(shared, &mut params) {
        Ok(query) => query,
        Err(refusal) => return refused(shared, call, refusal),
    };
    if over_get && is_mutation(&shared.executor, &query, params.operation_name.as_deref()) {
        let mut response = refused(
            shared,
            call,
            refuse(StatusCode::METHOD_NOT_ALLOWED, code::BAD_REQUEST, "Mutations must be sent with POST, not GET."),
        );
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if !shared.health.is_up() {
        return unavailable(shared, call);
    }
    let viewer = match viewer(shared, &call.headers).await {
        Ok(viewer) => viewer,
        Err((status, code, message)) => return refused_viewer(shared, call, status, code, message).await,
    };
    // Public: an HTTP cache in front may keep the answer (GET, or a trusted
    // document, which a CDN can key on; never with an API key).
    let public = viewer == Viewer::Anonymous && (over_get || trusted_document);
    let outcome = execute(shared, call, &viewer, params, query).await;
    let operation = outcome.operation.clone();
    if outcome.codes.iter().any(|code| code == code::DATABASE_UNAVAILABLE) {
        shared.health.set(false);
    }
    let status = if outcome.cost_refused {
        StatusCode::TOO_MANY_REQUESTS
    } else if outcome.codes.iter().any(|code| code == code::DATABASE_UNAVAILABLE || code == code::TIMEOUT) {
        StatusCode::SERVICE_UNAVAILABLE
    } else if outcome.request_error && call.media == Media::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let result = match status {
        StatusCode::OK if outcome.codes.is_empty() => "ok",
        StatusCode::OK if !outcome.request_error => "field_errors",
        status if status.is_server_error() => "failed",
        _ => "rejected",
    };
    shared.metrics.request(operation.as_deref(), result, call.started.elapsed(), &outcome.codes);
    tracing::info!(
        operation = operation.as_deref().unwrap_or(""),
        outcome = result,
        status = status.as_u16(),
        duration_ms = call.started.elapsed().as_millis() as u64,
        cost = outcome.charge.map(|charge| charge.cost),
        client = if matches!(viewer, Viewer::Member(_)) { "authenticated" } else { "anonymous" },
        "graphql request"
    );
    let answered = status == StatusCode::OK && outcome.codes.is_empty();
    let mut response = match (public && answered, outcome.etag) {
        (true, Some(etag)) => public_response(shared, call, outcome.body, &etag),
        (true, None) => {
            let etag = response_cache::etag(&outcome.body);
            public_response(shared, call, outcome.body, &etag)
        }
        (false, _) => {
            let mut response = bytes_response(status, call.media, outcome.body);
            let kept = if matches!(viewer, Viewer::Member(_)) { "private, no-store" } else { "no-store" };
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(kept));
            response
        }
    };
    rate_limit_headers(&mut response, outcome.charge, status == StatusCode::TOO_MANY_REQUESTS);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// What the query of a page gave.
pub(super) enum PageAnswer {
    /// The query's `data`, with what the rate limiter charged.
    Data(Value, Option<Charge>),
    /// The client has spent its points.
    RateLimited(Option<Charge>),
    /// The database is away, or the query ran out of time.
    Unavailable,
    /// Anything else: logged, never shown.
    Failed,
}

/// Runs a page's query in-process as an anonymous reader: a page shows
/// what the public API shows, and costs what it costs.
pub(super) async fn run_for_page(
    shared: &Shared,
    request_id: String,
    headers: HeaderMap,
    peer: SocketAddr,
    query: &str,
    variables: Map<String, Value>,
) -> PageAnswer {
    run_in_process(shared, request_id, headers, peer, &Viewer::Anonymous, query, variables).await
}

/// Runs a query in-process for `viewer`, through the same admission,
/// limits, rate limits and response cache as `POST /graphql`. A record
/// that is not there (hidden, or never was) and a malformed id give data
/// with the record null, as they do to pages.
pub(super) async fn run_in_process(
    shared: &Shared,
    request_id: String,
    headers: HeaderMap,
    peer: SocketAddr,
    viewer: &Viewer,
    query: &str,
    variables: Map<String, Value>,
) -> PageAnswer {
    if !shared.health.is_up() {
        return PageAnswer::Unavailable;
    }
    let call = Call { media: Media::Json, request_id, headers, peer, started: Instant::now() };
    let params = Params { variables: Some(variables), ..Params::default() };
    let outcome = execute(shared, &call, viewer, params, query.to_owned()).await;
    let result = if outcome.codes.is_empty() { "ok" } else { "failed" };
    shared.metrics.request(outcome.operation.as_deref(), result, call.started.elapsed(), &outcome.codes);
    if outcome.cost_refused {
        return PageAnswer::RateLimited(outcome.charge);
    }
    if outcome.codes.iter().any(|code| code == code::DATABASE_UNAVAILABLE || code == code::TIMEOUT) {
        if outcome.codes.iter().any(|code| code == code::DATABASE_UNAVAILABLE) {
            shared.health.set(false);
        }
        return PageAnswer::Unavailable;
    }
    let body: Value = serde_json::from_slice(&outcome.body).unwrap_or_default();
    // A record that is not there (hidden or never was) and a malformed id
    // leave the page's record null, with an error that a page does not
    // show: it answers 404 for all of them alike.
    let missing = outcome.codes.iter().all(|code| code == code::NOT_FOUND || code == code::BAD_USER_INPUT);
    match body.get("data") {
        Some(data) if missing => PageAnswer::Data(data.clone(), outcome.charge),
        _ => {
            tracing::error!(codes = ?outcome.codes, "an in-process query failed");
            PageAnswer::Failed
        }
    }
}

/// A public answer, with what an HTTP cache needs: `ETag`, `Cache-Control`
/// and `Vary`; 304 without a body when the client's `If-None-Match` names it.
fn public_response(shared: &Shared, call: &Call, body: Bytes, etag: &str) -> Response {
    let mut response = if client_holds(&call.headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes_response(StatusCode::OK, call.media, body)
    };
    mark_public(&mut response, etag, shared.http_cache_max_age);
    response.headers_mut().insert(VARY, HeaderValue::from_static("Accept, Accept-Language, Authorization"));
    response
}

/// Whether the client's `If-None-Match` names this version.
pub(super) fn client_holds(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        })
}

/// `ETag`, and `Cache-Control` for HTTP caches in front: `max-age`, or
/// revalidation on every use when it is 0.
pub(super) fn mark_public(response: &mut Response, etag: &str, max_age: u64) {
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, etag);
    }
    let control = match max_age {
        0 => "public, no-cache".to_owned(),
        seconds => format!("public, max-age={seconds}"),
    };
    if let Ok(control) = HeaderValue::from_str(&control) {
        headers.insert(CACHE_CONTROL, control);
    }
}

/// Runs a batch, one operation after another, each charged on its own.
async fn run_batch(shared: &Shared, call: &Call, batch: Vec<Params>) -> Response {
    if !shared.health.is_up() {
        return unavailable(shared, call);
    }
    let viewer = match viewer(shared, &call.headers).await {
        Ok(viewer) => viewer,
        Err((status, code, message)) => return refused_viewer(shared, call, status, code, message).await,
    };
    let mut bodies = Vec::with_capacity(batch.len());
    let mut last_charge = None;
    for mut params in batch {
        let body = match query_text(shared, &mut params) {
            Ok(query) => {
                let outcome = execute(shared, call, &viewer, params, query).await;
                last_charge = outcome.charge.or(last_charge);
                let result = if outcome.codes.is_empty() { "ok" } else { "field_errors" };
                shared.metrics.request(outcome.operation.as_deref(), result, call.started.elapsed(), &outcome.codes);
                outcome.body
            }
            Err(refusal) => {
                let mut body =
                    json!({ "errors": [{ "message": refusal.message, "extensions": { "code": refusal.code } }] });
                tag_errors(&mut body, &call.request_id);
                Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
            }
        };
        bodies.push(body);
    }
    let mut response =
        bytes_response(StatusCode::OK, call.media, [b"[".as_slice(), &bodies.join(&b","[..]), b"]"].concat());
    rate_limit_headers(&mut response, last_charge, false);
    response
}

fn unavailable(shared: &Shared, call: &Call) -> Response {
    let refusal = refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        code::DATABASE_UNAVAILABLE,
        "The database cannot be reached just now. Retry in a few seconds.",
    );
    let mut response = refused(shared, call, refusal);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// An API key that is not valid: 401. The attempt is charged to the
/// client's address, so that guessing keys spends the anonymous budget.
async fn refused_viewer(
    shared: &Shared,
    call: &Call,
    status: StatusCode,
    code: &'static str,
    message: String,
) -> Response {
    let charge = if status == StatusCode::UNAUTHORIZED {
        shared.limiter.charge(&client_of(shared, call, &Viewer::Anonymous), 1).await.ok().flatten()
    } else {
        None
    };
    let limited = charge.is_some_and(|charge| !charge.allowed);
    let (status, code, message) = if limited {
        (StatusCode::TOO_MANY_REQUESTS, code::RATE_LIMITED, "Too many requests with invalid API keys.".to_owned())
    } else {
        (status, code, message)
    };
    let mut response = refused(shared, call, refuse(status, code, message));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
    }
    rate_limit_headers(&mut response, charge, limited);
    response
}

/// `RateLimit-Limit`, `-Remaining`, `-Reset` (seconds) and `-Policy`, as the
/// IETF draft names them; `Retry-After` when refused.
pub(super) fn rate_limit_headers(response: &mut Response, charge: Option<Charge>, refused: bool) {
    let Some(charge) = charge else { return };
    let reset = charge.reset_in_seconds(Utc::now());
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("ratelimit-limit", charge.limit.to_string());
    set("ratelimit-remaining", charge.remaining().to_string());
    set("ratelimit-reset", reset.to_string());
    set("ratelimit-policy", format!("{};w={}", charge.limit, charge.window_seconds));
    if refused {
        headers.insert(RETRY_AFTER, HeaderValue::from(reset));
    }
}
