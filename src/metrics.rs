//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.
//!
//! Labels never carry record contents, keys or addresses: operation names
//! (capped, see [`Metrics::operation_label`]), outcomes, error codes, kinds of
//! client and kinds of batch.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::DatabaseConnection;

/// Distinct operation names kept as labels; later ones count as `other`, so
/// that clients cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClientLabels {
    client: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BatchLabels {
    kind: String,
}

/// The state of a pooled connection or of an operation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    outcome: String,
}

/// The response cache's figures, read when the metrics are rendered.
pub struct CacheFigures {
    pub hits: u64,
    pub misses: u64,
    /// Bytes of bodies and keys held.
    pub bytes: u64,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily<RequestLabels>,
    errors: Family<CodeLabels, Counter>,
    rate_limited: Family<ClientLabels, Counter>,
    batch_sizes: HistogramFamily<BatchLabels>,
    pool: Family<StateLabels, Gauge>,
    operations: Family<StateLabels, Gauge>,
    statements: Counter,
    cache_lookups: Family<LookupLabels, Counter>,
    cache_bytes: Gauge,
    operation_names: Mutex<HashSet<String>>,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn batch_histogram() -> Histogram {
    // 1 to 4,096 keys.
    Histogram::new(exponential_buckets(1.0, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rights_graph");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("graphql_requests", "GraphQL requests by operation name and outcome", requests.clone());
        let latency: HistogramFamily<RequestLabels> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name and outcome",
            latency.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register("graphql_errors", "Errors returned to clients, by extensions.code", errors.clone());
        let rate_limited = Family::<ClientLabels, Counter>::default();
        registry.register(
            "rate_limited_requests",
            "Requests refused for an exhausted rate-limit budget, by kind of client",
            rate_limited.clone(),
        );
        let batch_sizes: HistogramFamily<BatchLabels> = Family::new_with_constructor(batch_histogram);
        registry.register(
            "dataloader_batch_size",
            "Keys loaded per batched statement, by kind of key",
            batch_sizes.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register("database_connections", "Database pool connections: in use and idle", pool.clone());
        let operations = Family::<StateLabels, Gauge>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations executing, and waiting for a turn under MAX_CONCURRENT_OPERATIONS",
            operations.clone(),
        );
        let statements = Counter::default();
        registry.register("database_statements", "SQL statements run", statements.clone());
        let cache_lookups = Family::<LookupLabels, Counter>::default();
        registry.register(
            "response_cache_lookups",
            "Cacheable GraphQL requests by outcome: hit (answered from the response cache) or miss (executed)",
            cache_lookups.clone(),
        );
        let cache_bytes = Gauge::default();
        registry.register(
            "response_cache_bytes",
            "Bytes of responses and keys the response cache holds",
            cache_bytes.clone(),
        );
        Metrics {
            registry,
            cache_lookups,
            cache_bytes,
            requests,
            latency,
            errors,
            rate_limited,
            batch_sizes,
            pool,
            operations,
            statements,
            operation_names: Mutex::new(HashSet::new()),
        }
    }
}

impl Metrics {
    /// The label for an operation name: the name itself if it is a plain
    /// GraphQL name and one of the first few hundred seen, else `other`.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else { return "anonymous".into() };
        let plain = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !plain {
            return "other".into();
        }
        let mut names = self.operation_names.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if names.contains(name) || (names.len() < MAX_OPERATION_NAMES && names.insert(name.to_owned())) {
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// Records a finished GraphQL request.
    pub fn request(&self, operation: Option<&str>, outcome: &str, elapsed: Duration, error_codes: &[String]) {
        let labels = RequestLabels { operation: self.operation_label(operation), outcome: outcome.to_owned() };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
        for code in error_codes {
            self.errors.get_or_create(&CodeLabels { code: code.clone() }).inc();
        }
    }

    /// Records a request refused for its rate limit.
    pub fn rate_limited(&self, client_kind: &str) {
        self.rate_limited.get_or_create(&ClientLabels { client: client_kind.to_owned() }).inc();
    }

    /// Records one batched load of `keys` keys of `kind`.
    pub fn batch(&self, kind: &str, keys: usize) {
        self.batch_sizes.get_or_create(&BatchLabels { kind: kind.to_owned() }).observe(keys as f64);
    }

    /// The metrics in the OpenMetrics text format, with the pool, statement
    /// and operation figures read now. `operations` are the operations
    /// executing and those waiting for a turn.
    pub fn render(
        &self,
        db: &DatabaseConnection,
        statements_run: u64,
        operations: (usize, usize),
        cache: Option<CacheFigures>,
    ) -> String {
        let (executing, waiting) = operations;
        let gauge = |count: usize| i64::try_from(count).unwrap_or(i64::MAX);
        self.operations.get_or_create(&StateLabels { state: "executing".into() }).set(gauge(executing));
        self.operations.get_or_create(&StateLabels { state: "waiting".into() }).set(gauge(waiting));
        let (open, idle) = crate::db::pool_use(db);
        self.pool.get_or_create(&StateLabels { state: "in_use".into() }).set(i64::from(open.saturating_sub(idle)));
        self.pool.get_or_create(&StateLabels { state: "idle".into() }).set(i64::from(idle));
        let counted = self.statements.get();
        if statements_run > counted {
            self.statements.inc_by(statements_run - counted);
        }
        if let Some(cache) = cache {
            for (outcome, total) in [("hit", cache.hits), ("miss", cache.misses)] {
                let counter = self.cache_lookups.get_or_create(&LookupLabels { outcome: outcome.into() });
                counter.inc_by(total.saturating_sub(counter.get()));
            }
            self.cache_bytes.set(i64::try_from(cache.bytes).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
