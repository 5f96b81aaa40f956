//! Gives every error in a response a machine-readable `extensions.code`,
//! including the errors async-graphql raises itself while parsing, validating
//! and coercing arguments.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::code;

/// The extension factory to register on the schema.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some())
}

fn with_code(mut error: ServerError, value: &str) -> ServerError {
    if !has_code(&error) {
        error.extensions.get_or_insert_with(Default::default).set("code", value);
    }
    error
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

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| with_code(error, code::GRAPHQL_PARSE_FAILED))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = validation_code(&error);
                    with_code(error, code)
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // Resolver errors carry codes already; what is left are values that
        // failed to coerce (bad input) or faults of the framework itself.
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|error| {
                let code = if error.message.contains("Failed to parse")
                    || error.message.starts_with("Invalid value")
                    || error.message.starts_with("Expected input type")
                {
                    code::BAD_USER_INPUT
                } else {
                    code::INTERNAL_SERVER_ERROR
                };
                with_code(error, code)
            })
            .collect();
        response
    }
}
