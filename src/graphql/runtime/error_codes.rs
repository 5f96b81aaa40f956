//! Gives every error in a response a machine-readable `extensions.code`,
//! including the errors async-graphql raises itself while parsing, validating
//! and coercing arguments.

use async_graphql::{Response, ServerError};

use crate::error::code;

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some())
}

fn with_code(mut error: ServerError, value: &str) -> ServerError {
    if !has_code(&error) {
        error.extensions.get_or_insert_with(Default::default).set("code", value);
    }
    error
}

/// A document that does not parse.
pub fn parse_failed(error: ServerError) -> ServerError {
    with_code(error, code::GRAPHQL_PARSE_FAILED)
}

/// Whether the response is a request error: refused before execution
/// (validation, choice of operation), so it has no data and no error has a
/// path. Resolver errors always have one.
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Argument and variable values that do not fit their type are the client's
/// to fix; other validation failures mean the query does not fit the schema.
fn validation_code(error: &ServerError) -> &'static str {
    let message = error.message.as_str();
    if message.starts_with("Invalid value for argument")
        || message.starts_with("Variable")
        || message.contains("Failed to parse")
    {
        code::BAD_USER_INPUT
    } else {
        code::GRAPHQL_VALIDATION_FAILED
    }
}

/// Resolver errors carry codes already; what is left are values that failed
/// to coerce (bad input) or faults of the framework itself.
fn execution_code(error: &ServerError) -> &'static str {
    let message = error.message.as_str();
    if message.contains("Failed to parse")
        || message.starts_with("Invalid value")
        || message.starts_with("Expected input type")
    {
        code::BAD_USER_INPUT
    } else {
        code::INTERNAL_SERVER_ERROR
    }
}

/// Codes every error of an executed response that has no code yet.
pub fn assign(response: &mut Response) {
    let refused = is_request_error(response);
    for error in &mut response.errors {
        if !has_code(error) {
            let code = if refused { validation_code(error) } else { execution_code(error) };
            error.extensions.get_or_insert_with(Default::default).set("code", code);
        }
    }
}
