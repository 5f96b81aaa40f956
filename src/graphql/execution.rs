//! Runs one GraphQL request through the schema. The document is parsed once,
//! measured against the limits and charged to the rate limiter before
//! anything runs; after execution every error gets a code and the response's
//! fields are put in the order the query selected them.
//!
//! This is done around `Schema::execute` rather than as schema extensions:
//! with any extension registered, async-graphql resolves every field and list
//! item through the extension chain (a registry lookup and a boxed future per
//! extension each time): 15–30 % of the server's CPU per request in the
//! benchmark's operations.

use async_graphql::{Request, Response};

use super::error_codes;
use super::limits::{self, QueryLimits, SchemaShape};
use super::request_state::{RequestState, operation_name};
use super::response_order::reorder_response;
use super::{AppSchema, build_schema, sdl};

/// The schema with the limits its requests are held to.
pub struct Executor {
    schema: AppSchema,
    limits: QueryLimits,
    shape: SchemaShape,
    /// One permit per operation that may execute at once.
    running: tokio::sync::Semaphore,
}

impl Executor {
    pub fn new(limits: QueryLimits, concurrent_operations: usize) -> Self {
        Executor {
            schema: build_schema(limits.introspection),
            shape: SchemaShape::from_sdl(&sdl()),
            limits,
            running: tokio::sync::Semaphore::new(concurrent_operations),
        }
    }

    /// Runs `request`, charging it to the client `state` names. The request
    /// must carry the per-request data the resolvers read (its
    /// `RequestContext` and `state`).
    pub async fn execute(&self, mut request: Request, state: &RequestState) -> Response {
        let document = match request.parsed_query() {
            // Kept for putting the response in order; the request keeps the
            // parsed copy, so the text is parsed only once.
            Ok(document) => document.clone(),
            Err(error) => return Response::from_errors(vec![error_codes::parse_failed(error)]),
        };
        if state.operation().is_none() {
            state.set_operation(operation_name(&document));
        }
        let shape = limits::measure(&self.shape, &document, &request.variables);
        if let Some(error) = self.limits.check(&shape) {
            return Response::from_errors(vec![error]);
        }
        if let Err(error) = state.charge(shape).await {
            return Response::from_errors(vec![error]);
        }
        let operation = request.operation_name.clone();
        // Waits for a turn once measured and charged, holding only the parsed
        // document; the request timeout covers the wait. The semaphore is
        // never closed, so `acquire` cannot fail.
        let _turn = self.running.acquire().await.ok();
        let mut response = self.schema.execute(request).await;
        error_codes::assign(&mut response);
        reorder_response(&mut response, &document, operation.as_deref());
        response
    }
}
