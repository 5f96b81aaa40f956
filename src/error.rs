//! Errors as clients see them, and as operators see them.
//!
//! Every error a client receives carries a machine-readable
//! `extensions.code`. Internal causes (database errors, bugs) are logged with
//! an incident id and reach the client only as that id and a generic message:
//! no SQL, no stack traces, no record contents.

use async_graphql::ErrorExtensions;
use uuid::Uuid;

/// Machine-readable error codes, as found in `extensions.code`.
pub mod code {
    /// An argument or input value is malformed or refers to nothing.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// The request's API key is missing where required, unknown, expired or revoked.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// The requested record does not exist (or is not visible to the caller).
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The caller is known but its role or grants do not allow the action.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// The record changed since the version the caller based its change on.
    pub const CONFLICT: &str = "CONFLICT";
    /// The query text could not be parsed.
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    /// The query does not match the schema.
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// Something failed inside the service; the message carries an incident id.
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    /// The HTTP request is not a GraphQL request: bad JSON, parameters of the
    /// wrong type, a missing query, a mutation over GET.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// The request body or query text is larger than the server accepts.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The request asks for a response type the server cannot produce (`Accept`).
    pub const NOT_ACCEPTABLE: &str = "NOT_ACCEPTABLE";
    /// The request body is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    /// The request sent several operations in a JSON array, and the server
    /// does not take batches (or not that many).
    pub const BATCH_REFUSED: &str = "BATCH_REFUSED";
    /// The query breaks a limit: `extensions.limit` names it, with `max` and `actual`.
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    /// Introspection is turned off on this server.
    pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
    /// The server runs trusted documents only, and this query is not one.
    pub const TRUSTED_DOCUMENT_REQUIRED: &str = "TRUSTED_DOCUMENT_REQUIRED";
    /// No trusted document has the `documentId` the request gave.
    pub const DOCUMENT_NOT_FOUND: &str = "DOCUMENT_NOT_FOUND";
    /// The client spent its budget for this window; HTTP 429 with `Retry-After`.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The request ran longer than the server allows.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// The database cannot be reached; HTTP 503 with `Retry-After`. Retry later.
    pub const DATABASE_UNAVAILABLE: &str = "DATABASE_UNAVAILABLE";
    /// A change-feed cursor is older than the feed's retention: export the
    /// records again and follow the feed from the position the export gives.
    pub const CURSOR_EXPIRED: &str = "CURSOR_EXPIRED";
}

/// An error raised while serving a request.
///
/// It deliberately does not implement `Display`: async-graphql converts any
/// `Display` error into a client-visible message, and an internal cause must
/// never reach a client that way. The only conversion is the `From` below.
#[derive(Debug)]
pub enum AppError {
    /// The client sent a value that cannot be used. `argument` names the
    /// argument or input field, so clients can point at it.
    BadInput { argument: String, message: String },
    /// Nothing (visible) has this identifier.
    NotFound(String),
    /// The action needs an API key.
    Unauthenticated(String),
    /// The API key's role or grants do not allow the action.
    Forbidden(String),
    /// Someone else changed the record since the given version.
    Conflict(String),
    /// A change-feed cursor older than the feed's retention.
    CursorExpired(String),
    /// The database cannot be reached. Logged; the client is told to retry.
    Unavailable(sea_orm::DbErr),
    /// A failure inside the service. Logged, never shown.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl AppError {
    /// A refused argument value.
    pub fn bad_input(argument: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput { argument: argument.into(), message: message.into() }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        if is_connection_failure(&error) { AppError::Unavailable(error) } else { AppError::Internal(error.into()) }
    }
}

/// Whether a database error means the database could not be reached (as
/// opposed to a statement that failed).
pub fn is_connection_failure(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx_error = match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(RuntimeErr::SqlxError(error)) | DbErr::Exec(RuntimeErr::SqlxError(error)) => error,
        _ => return false,
    };
    matches!(
        sqlx_error.as_ref(),
        sea_orm::SqlxError::Io(_)
            | sea_orm::SqlxError::PoolTimedOut
            | sea_orm::SqlxError::PoolClosed
            | sea_orm::SqlxError::WorkerCrashed
    ) || matches!(sqlx_error.as_ref(), sea_orm::SqlxError::Database(db) if db.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")))
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        match error {
            AppError::BadInput { argument, message } => async_graphql::Error::new(format!("{argument}: {message}"))
                .extend_with(|_, ext| {
                    ext.set("code", code::BAD_USER_INPUT);
                    ext.set("argument", argument.as_str());
                }),
            AppError::NotFound(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::NOT_FOUND))
            }
            AppError::Unauthenticated(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::UNAUTHENTICATED))
            }
            AppError::Forbidden(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::FORBIDDEN))
            }
            AppError::Conflict(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::CONFLICT))
            }
            AppError::CursorExpired(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::CURSOR_EXPIRED))
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unreachable while serving a request");
                async_graphql::Error::new("The database cannot be reached just now. Retry in a few seconds.")
                    .extend_with(|_, ext| ext.set("code", code::DATABASE_UNAVAILABLE))
            }
            AppError::Internal(cause) => {
                let incident = Uuid::now_v7();
                tracing::error!(%incident, error = ?cause, "internal error while serving a request");
                async_graphql::Error::new(format!(
                    "The server could not complete this request. Quote incident {incident} when reporting it."
                ))
                .extend_with(|_, ext| {
                    ext.set("code", code::INTERNAL_SERVER_ERROR);
                    ext.set("incident", incident.to_string());
                })
            }
        }
    }
}

/// Result of a service or resolver call.
pub type AppResult<T> = Result<T, AppError>;
