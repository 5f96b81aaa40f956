//! What the HTTP layer hands each GraphQL request besides its context: the
//! request id, who pays for it, and, once the query is measured, its shape
//! and what it was charged.

use std::sync::{Arc, Mutex};

use async_graphql::{ServerError, ServerResult};

use crate::error::code;
use crate::graphql::runtime::limits::{QueryShape, refusal};
use crate::service::access::rate_limits::{Charge, Client, RateLimiter};

/// One GraphQL request's place in the server.
pub struct RequestState {
    /// The id of the HTTP request, as in the `x-request-id` header.
    pub request_id: String,
    client: Client,
    limiter: Arc<RateLimiter>,
    measured: Mutex<Measured>,
    operation: Mutex<Option<String>>,
}

/// What measuring the query before execution learnt about it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    pub shape: Option<QueryShape>,
    pub charge: Option<Charge>,
}

/// The name of the operation a document runs, when the client did not say:
/// the one named operation of the document, if it has exactly one.
pub fn operation_name(document: &async_graphql::parser::types::ExecutableDocument) -> Option<String> {
    match &document.operations {
        async_graphql::parser::types::DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

impl RequestState {
    pub fn new(request_id: String, client: Client, limiter: Arc<RateLimiter>) -> Self {
        RequestState {
            request_id,
            client,
            limiter,
            measured: Mutex::new(Measured::default()),
            operation: Mutex::new(None),
        }
    }

    /// Who pays for the request.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Charges the query's cost; refuses it when the budget does not cover it.
    pub async fn charge(&self, shape: QueryShape) -> ServerResult<()> {
        let charge = self.limiter.charge(&self.client, shape.cost()).await.map_err(|error| {
            let error: async_graphql::Error = error.into();
            let mut server_error = ServerError::new(error.message, None);
            server_error.extensions = error.extensions;
            server_error
        })?;
        *self.lock() = Measured { shape: Some(shape), charge };
        match charge {
            Some(charge) if !charge.allowed => {
                let wait = charge.reset_in_seconds(chrono::Utc::now());
                let message = if charge.cost > charge.limit {
                    format!(
                        "This query costs {} points, more than the whole budget of {} per window. Ask for fewer \
                         records (smaller `first`, fewer nested connections).",
                        charge.cost, charge.limit
                    )
                } else {
                    format!(
                        "Rate limit reached: this query costs {} points and {} of {} are left. The budget is whole \
                         again at {} (in {wait} s).",
                        charge.cost,
                        charge.remaining(),
                        charge.limit,
                        charge.reset_at.to_rfc3339()
                    )
                };
                let mut error = refusal(code::RATE_LIMITED, message, None);
                error.extensions.get_or_insert_with(Default::default).set("retryAfter", wait);
                Err(error)
            }
            _ => Ok(()),
        }
    }

    /// Records a charge made outside the GraphQL execution (requests that
    /// never reached it).
    pub fn record_charge(&self, charge: Option<Charge>) {
        self.lock().charge = charge;
    }

    /// Records the name of the operation the document runs.
    pub fn set_operation(&self, name: Option<String>) {
        *self.operation.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = name;
    }

    /// The name of the operation the document runs, if it has one.
    pub fn operation(&self) -> Option<String> {
        self.operation.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The query's shape and charge, once measured.
    pub fn measured(&self) -> Measured {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Measured> {
        self.measured.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
