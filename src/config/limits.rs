//! Query limits: what one request may ask for and how long it may take,
//! checked before anything runs.

use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::{Problems, cores};

/// Limits on each request.
#[derive(Args, Debug, Clone)]
pub struct QueryLimits {
    /// Deepest nesting of fields a query may have (introspection excepted).
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 15, global = true, help_heading = "Query limits")]
    pub max_query_depth: u32,

    /// Most records a query may ask for: the sum, over its paginated fields,
    /// of the product of the page sizes down each path (GitHub's node limit).
    #[arg(long, env = "MAX_QUERY_NODES", default_value_t = 100_000, global = true, help_heading = "Query limits")]
    pub max_query_nodes: u64,

    /// Most aliases in a query.
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30, global = true, help_heading = "Query limits")]
    pub max_query_aliases: u32,

    /// Most fields at the top of an operation.
    #[arg(long, env = "MAX_QUERY_ROOT_FIELDS", default_value_t = 20, global = true, help_heading = "Query limits")]
    pub max_query_root_fields: u32,

    /// Most directives in a query.
    #[arg(long, env = "MAX_QUERY_DIRECTIVES", default_value_t = 20, global = true, help_heading = "Query limits")]
    pub max_query_directives: u32,

    /// Longest query text, in bytes.
    #[arg(long, env = "MAX_QUERY_BYTES", default_value_t = 32_768, global = true, help_heading = "Query limits")]
    pub max_query_bytes: u64,

    /// Largest request body, in bytes (GraphQL imports travel in the body).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024, global = true, help_heading = "Query limits")]
    pub max_body_bytes: u64,

    /// Most operations in one batched request (a JSON array); 0 turns batching off.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 0, global = true, help_heading = "Query limits")]
    pub max_batch_size: u32,

    /// Most GraphQL operations executed at once [default: 8 per CPU core, at
    /// least 16]; the others wait their turn (within the request timeout).
    /// Each operation in flight holds its results in memory, so the cap
    /// bounds the server's memory under a burst without costing throughput:
    /// the CPU cores are busy long before.
    #[arg(long, env = "MAX_CONCURRENT_OPERATIONS", global = true, help_heading = "Query limits")]
    pub max_concurrent_operations: Option<u32>,

    /// Seconds a request may run before it is stopped.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value_t = 30, global = true, help_heading = "Query limits")]
    pub request_timeout: u64,

    /// Whether clients may introspect the schema (GraphiQL needs it). When
    /// off, error messages do not suggest field names either.
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = ArgAction::Set, global = true, help_heading = "Query limits")]
    pub introspection: bool,

    /// A JSON file of trusted documents: `{ "sha256:<hex>": "query ..." }`.
    /// Clients may send `documentId` instead of the query text.
    #[arg(long, env = "TRUSTED_DOCUMENTS", global = true, help_heading = "Query limits")]
    pub trusted_documents: Option<PathBuf>,

    /// Run only the trusted documents; refuse any other query text.
    #[arg(long, env = "TRUSTED_DOCUMENTS_ONLY", default_value_t = false, action = ArgAction::Set, global = true, help_heading = "Query limits")]
    pub trusted_documents_only: bool,
}

impl QueryLimits {
    /// GraphQL operations executed at once: as configured, else 8 per core
    /// and at least 16.
    pub fn concurrent_operations(&self) -> usize {
        self.max_concurrent_operations.map_or_else(|| (cores() * 8).max(16), |operations| operations as usize)
    }

    pub(super) fn check(&self, problems: &mut Problems) {
        if let Some(operations) = self.max_concurrent_operations {
            problems.in_range("max_concurrent_operations", operations.into(), 1, 100_000);
        }
        problems.in_range("max_query_depth", self.max_query_depth.into(), 2, 100);
        problems.in_range("max_query_nodes", self.max_query_nodes, 1, 10_000_000);
        problems.in_range("max_query_aliases", self.max_query_aliases.into(), 0, 1_000);
        problems.in_range("max_query_root_fields", self.max_query_root_fields.into(), 1, 1_000);
        problems.in_range("max_query_directives", self.max_query_directives.into(), 0, 1_000);
        problems.in_range("max_query_bytes", self.max_query_bytes, 256, 10 * 1024 * 1024);
        problems.in_range("max_body_bytes", self.max_body_bytes, 1_024, 1024 * 1024 * 1024);
        problems.in_range("max_batch_size", self.max_batch_size.into(), 0, 100);
        problems.in_range("request_timeout", self.request_timeout, 1, 3_600);
        if self.max_query_bytes > self.max_body_bytes {
            problems.push("max_query_bytes cannot be larger than max_body_bytes".into());
        }
        if self.trusted_documents_only && self.trusted_documents.is_none() {
            problems.push("trusted_documents_only needs trusted_documents: the file of documents to allow".into());
        }
        if let Some(path) = &self.trusted_documents
            && let Err(error) = crate::http::trusted_documents::TrustedDocuments::read(path)
        {
            problems.push(format!("trusted_documents: {error:#}"));
        }
    }
}
