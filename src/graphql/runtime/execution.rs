//! Runs one GraphQL request through the schema. The document is parsed once
//! (and reused while its text keeps coming, see [`DocumentCache`]),
//! measured against the limits and charged to the rate limiter before
//! anything runs; after execution every error gets a code and the response's
//! fields are put in the order the query selected them.
//!
//! This is done around `Schema::execute` rather than as schema extensions:
//! with any extension registered, async-graphql resolves every field and list
//! item through the extension chain (a registry lookup and a boxed future per
//! extension each time): 15–30 % of the server's CPU per request in the
//! benchmark's operations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError};

use crate::graphql::runtime::documents::DocumentCache;
use crate::graphql::runtime::error_codes;
use crate::graphql::runtime::limits::{self, QueryLimits, SchemaShape};
use crate::graphql::runtime::request_state::{RequestState, operation_name};
use crate::graphql::runtime::response_order::reorder_response;
use crate::graphql::runtime::{error_ids, input_text};
use crate::graphql::{AppSchema, build_schema, sdl};

/// The schema with the limits its requests are held to.
pub struct Executor {
    schema: AppSchema,
    limits: QueryLimits,
    shape: SchemaShape,
    /// One permit per operation that may execute at once.
    running: tokio::sync::Semaphore,
    capacity: usize,
    /// Operations waiting for a permit.
    waiting: AtomicUsize,
    documents: DocumentCache,
}

/// Counts an operation out of the waiting ones however its wait ends: with a
/// turn, or dropped when its request times out or its client goes away.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Executor {
    pub fn new(limits: QueryLimits, concurrent_operations: usize) -> Self {
        Executor {
            schema: build_schema(limits.introspection),
            shape: SchemaShape::from_sdl(&sdl()),
            limits,
            running: tokio::sync::Semaphore::new(concurrent_operations),
            capacity: concurrent_operations,
            waiting: AtomicUsize::new(0),
            documents: DocumentCache::default(),
        }
    }

    /// The schema's fields and their types.
    pub fn shape(&self) -> &SchemaShape {
        &self.shape
    }

    /// The document a query text parses to (see [`DocumentCache`]).
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        self.documents.parse(query)
    }

    /// Operations executing now, and operations waiting for their turn.
    pub fn operations(&self) -> (usize, usize) {
        let executing = self.capacity.saturating_sub(self.running.available_permits());
        (executing, self.waiting.load(Ordering::Relaxed))
    }

    /// Runs `request`, charging it to the client `state` names. The request
    /// must carry the per-request data the resolvers read (its
    /// `RequestContext` and `state`).
    pub async fn execute(&self, mut request: Request, state: &RequestState) -> Response {
        match self.admit(&mut request, state).await {
            Ok(document) => self.run_admitted(request, &document).await,
            Err(refused) => refused,
        }
    }

    /// Runs a request [`Self::admit`] has let through, with `document`, the
    /// document it gave.
    pub async fn run_admitted(&self, request: Request, document: &ExecutableDocument) -> Response {
        let operation = request.operation_name.clone();
        let _turn = self.turn().await;
        // Kept to check that no error names an id the request did not send.
        let sent = (request.query.clone(), request.variables.clone());
        let response = self.schema.execute(request).await;
        finish(response, document, operation.as_deref(), &sent)
    }

    /// Parses, checks, measures and charges `request` as [`Self::execute`]
    /// does, without running it: subscriptions are admitted once, when they
    /// start, and charged like a query. Gives the parsed document, which the
    /// request now carries too, or the response that refuses it.
    pub async fn admit(
        &self,
        request: &mut Request,
        state: &RequestState,
    ) -> Result<Arc<ExecutableDocument>, Response> {
        let document = match self.documents.parse(&request.query) {
            Ok(document) => document,
            Err(error) => return Err(Response::from_errors(vec![error_codes::parse_failed(error)])),
        };
        // async-graphql executes its own copy, so that it does not parse the
        // text again; ours measures the query and orders the response.
        request.set_parsed_query(ExecutableDocument::clone(&document));
        if state.operation().is_none() {
            state.set_operation(operation_name(&document));
        }
        if let Some(error) = input_text::check(&document, &request.variables) {
            return Err(Response::from_errors(vec![error]));
        }
        let shape = limits::measure(&self.shape, &document, &request.variables);
        if let Some(error) = self.limits.check(&shape) {
            return Err(Response::from_errors(vec![error]));
        }
        if let Err(error) = state.charge(shape).await {
            return Err(Response::from_errors(vec![error]));
        }
        Ok(document)
    }

    /// Runs one event of an admitted subscription: the subscription
    /// document, executed once against the event the request's data holds
    /// (its root field yields that one event), with codes and field order
    /// as for any response.
    pub async fn execute_event(&self, mut request: Request, document: &ExecutableDocument) -> Response {
        use async_graphql::futures_util::StreamExt;
        request.set_parsed_query(document.clone());
        let operation = request.operation_name.clone();
        let _turn = self.turn().await;
        let sent = (request.query.clone(), request.variables.clone());
        let response = self.schema.execute_stream(request).next().await.unwrap_or_default();
        finish(response, document, operation.as_deref(), &sent)
    }

    /// Waits for a turn to execute. The request timeout covers the wait. The
    /// semaphore is never closed, so `acquire` cannot fail.
    async fn turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting);
        self.running.acquire().await.ok()
    }
}

/// Codes every error, withholds ids the request did not send, and puts the
/// fields in the order the query selected them.
fn finish(
    mut response: Response,
    document: &ExecutableDocument,
    operation: Option<&str>,
    sent: &(String, async_graphql::Variables),
) -> Response {
    error_codes::assign(&mut response);
    if !response.errors.is_empty() {
        let variables = serde_json::to_string(&sent.1).unwrap_or_default();
        error_ids::withhold_unsent(&mut response, &[&sent.0, &variables]);
    }
    reorder_response(&mut response, document, operation);
    response
}
