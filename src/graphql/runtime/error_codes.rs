//! Gives every error in a response a machine-readable `extensions.code`,
//! including the errors async-graphql raises itself while parsing, validating
//! and coercing arguments.
//!
//! Errors of this service's own resolvers carry their code from `AppError`.
//! What is left are the framework's: a document that does not parse (typed:
//! the parser's own error), and errors of validation or argument coercion.
//! async-graphql 7 gives those no kind, only a message (`RuleError` and
//! `InputValueError` hold text alone), so they are told apart in one place,
//! [`FrameworkError::classify`], by the phase they arose in (from the
//! response's shape) and the upstream wordings in [`INPUT_WORDINGS`]. The
//! tests below produce every one of those wordings through the real schema,
//! so that new wording upstream fails a test instead of changing a code.

use async_graphql::{Response, ServerError};

use crate::error::code;

/// When, in a request's life, a framework error arose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Refused before execution: validation, or the choice of operation.
    Refused,
    /// While executing: coercing a field's arguments.
    Executing,
}

/// What one of async-graphql's own errors means to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameworkError {
    /// A value the client sent does not fit its type: the client's to fix.
    InvalidInput,
    /// The document does not fit the schema.
    InvalidDocument,
    /// A fault of the framework itself.
    Fault,
}

/// How async-graphql 7.2 words a value that does not fit its type, and where
/// it says so: `(phase, the message starts with, or contains)`.
const INPUT_WORDINGS: &[(Phase, Wording)] = &[
    // validation/rules/arguments_of_correct_type.rs: literals and variables.
    (Phase::Refused, Wording::StartsWith("Invalid value for argument")),
    // validation/rules/no_unused_variables.rs, no_undefined_variables.rs,
    // variables_in_allowed_position.rs: the request's variables.
    (Phase::Refused, Wording::StartsWith("Variable")),
    // error.rs, InputValueError::custom: a scalar's own parser refused.
    (Phase::Refused, Wording::Contains("Failed to parse")),
    (Phase::Executing, Wording::Contains("Failed to parse")),
    // error.rs, InputValueError::expected_type.
    (Phase::Executing, Wording::StartsWith("Expected input type")),
    (Phase::Executing, Wording::StartsWith("Invalid value")),
];

#[derive(Clone, Copy, Debug)]
enum Wording {
    StartsWith(&'static str),
    Contains(&'static str),
}

impl Wording {
    fn matches(self, message: &str) -> bool {
        match self {
            Wording::StartsWith(prefix) => message.starts_with(prefix),
            Wording::Contains(part) => message.contains(part),
        }
    }
}

impl FrameworkError {
    fn classify(error: &ServerError, phase: Phase) -> FrameworkError {
        let input = INPUT_WORDINGS.iter().any(|(when, wording)| *when == phase && wording.matches(&error.message));
        match (input, phase) {
            (true, _) => FrameworkError::InvalidInput,
            (false, Phase::Refused) => FrameworkError::InvalidDocument,
            (false, Phase::Executing) => FrameworkError::Fault,
        }
    }

    fn code(self) -> &'static str {
        match self {
            FrameworkError::InvalidInput => code::BAD_USER_INPUT,
            FrameworkError::InvalidDocument => code::GRAPHQL_VALIDATION_FAILED,
            FrameworkError::Fault => code::INTERNAL_SERVER_ERROR,
        }
    }
}

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

/// Codes every error of an executed response that has no code yet.
pub fn assign(response: &mut Response) {
    let phase = if is_request_error(response) { Phase::Refused } else { Phase::Executing };
    for error in &mut response.errors {
        if !has_code(error) {
            let code = FrameworkError::classify(error, phase).code();
            error.extensions.get_or_insert_with(Default::default).set("code", code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `query` on the real schema (no request state: every one of these
    /// fails before a resolver's body runs) and codes its errors.
    async fn codes(query: &str, variables: serde_json::Value) -> Vec<(String, String)> {
        let schema = crate::graphql::build_schema(true);
        let request = async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables));
        let mut response = schema.execute(request).await;
        assert!(!response.errors.is_empty(), "{query} should fail");
        assign(&mut response);
        response
            .errors
            .iter()
            .map(|error| {
                let code = error.extensions.as_ref().and_then(|ext| ext.get("code")).expect("a code");
                (code.to_string().trim_matches('"').to_owned(), error.message.clone())
            })
            .collect()
    }

    async fn assert_code(query: &str, variables: serde_json::Value, expected: &str) {
        for (code, message) in codes(query, variables).await {
            assert_eq!(code, expected, "{query}: {message}");
        }
    }

    #[tokio::test]
    async fn each_upstream_wording_of_bad_input_is_bad_user_input() {
        let none = serde_json::json!({});
        // Invalid value for argument: a literal, and a variable, of the wrong type.
        assert_code("{ country(code: 5) { name } }", none.clone(), code::BAD_USER_INPUT).await;
        assert_code(
            "query ($code: String!) { country(code: $code) { name } }",
            serde_json::json!({ "code": 5 }),
            code::BAD_USER_INPUT,
        )
        .await;
        // Variable ...: unused, undefined, in a position of another type.
        assert_code("query ($unused: Int) { countries { totalCount } }", none.clone(), code::BAD_USER_INPUT).await;
        assert_code("{ country(code: $undefined) { name } }", none.clone(), code::BAD_USER_INPUT).await;
        assert_code("query ($n: Int) { country(code: $n) { name } }", none.clone(), code::BAD_USER_INPUT).await;
        // Failed to parse, while executing: a scalar's parser refused.
        assert_code(r#"{ campaigns(filter: { startedSince: "June" }) { totalCount } }"#, none, code::BAD_USER_INPUT)
            .await;
    }

    #[tokio::test]
    async fn a_document_that_does_not_fit_the_schema_is_a_validation_failure() {
        let none = serde_json::json!({});
        assert_code("{ nothingHere }", none.clone(), code::GRAPHQL_VALIDATION_FAILED).await;
        assert_code("{ countries { nodes { nothingHere } } }", none.clone(), code::GRAPHQL_VALIDATION_FAILED).await;
        assert_code("{ countries }", none, code::GRAPHQL_VALIDATION_FAILED).await;
    }

    #[test]
    fn unknown_framework_errors_are_faults_while_executing() {
        let error = ServerError::new("something new went wrong", None);
        assert_eq!(FrameworkError::classify(&error, Phase::Executing), FrameworkError::Fault);
        assert_eq!(FrameworkError::classify(&error, Phase::Refused), FrameworkError::InvalidDocument);
    }
}
