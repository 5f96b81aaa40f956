//! The `--config` file: TOML keyed by the flags' names with underscores.
//! A value in the file counts only where neither a flag nor the
//! environment gave one.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::{LogFormat, RateLimitStore, Settings};

/// Settings as a TOML file gives them; every key optional, unknown keys refused.
macro_rules! file_settings {
    (required { $($field:ident => $($path:ident).+ : $ty:ty),* $(,)? } optional { $($optional:ident => $($opath:ident).+ : $oty:ty),* $(,)? }) => {
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(deny_unknown_fields)]
        pub(super) struct FileSettings {
            $($field: Option<$ty>,)*
            $($optional: Option<$oty>,)*
        }

        impl FileSettings {
            /// Sets each value the file gives that neither a flag nor the environment set.
            pub(super) fn apply(self, settings: &mut Settings, matches: &ArgMatches) {
                let unset = |id: &str| matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue));
                $(if let Some(value) = self.$field && unset(stringify!($field)) { settings.$($path).+ = value; })*
                $(if let Some(value) = self.$optional && unset(stringify!($optional)) { settings.$($opath).+ = Some(value); })*
            }
        }
    };
}

file_settings! {
    required {
        database_url => database.database_url: String,
        database_connect_timeout => database.database_connect_timeout: u64,
        database_acquire_timeout => database.database_acquire_timeout: u64,
        listen => listen: SocketAddr,
        skip_sample_data => skip_sample_data: bool,
        log_format => log_format: LogFormat,
        max_query_depth => limits.max_query_depth: u32,
        max_query_nodes => limits.max_query_nodes: u64,
        max_query_aliases => limits.max_query_aliases: u32,
        max_query_root_fields => limits.max_query_root_fields: u32,
        max_query_directives => limits.max_query_directives: u32,
        max_query_bytes => limits.max_query_bytes: u64,
        max_body_bytes => limits.max_body_bytes: u64,
        max_batch_size => limits.max_batch_size: u32,
        request_timeout => limits.request_timeout: u64,
        introspection => limits.introspection: bool,
        trusted_documents_only => limits.trusted_documents_only: bool,
        rate_limit_anonymous => rate_limits.rate_limit_anonymous: u64,
        rate_limit_authenticated => rate_limits.rate_limit_authenticated: u64,
        rate_limit_window => rate_limits.rate_limit_window: u64,
        rate_limit_store => rate_limits.rate_limit_store: RateLimitStore,
        cors_allowed_origins => operations.cors_allowed_origins: Vec<String>,
        shutdown_grace => operations.shutdown_grace: u64,
        change_retention_days => changes.change_retention_days: u64,
        max_subscriptions_per_connection => changes.max_subscriptions_per_connection: u64,
        max_connections_per_key => changes.max_connections_per_key: u64,
        connection_init_timeout => changes.connection_init_timeout: u64,
        slow_consumer_timeout => changes.slow_consumer_timeout: u64,
        webhook_timeout => changes.webhook_timeout: u64,
        webhook_retry_base_ms => changes.webhook_retry_base_ms: u64,
        webhook_max_failures => changes.webhook_max_failures: u64,
        webhook_allow_private_addresses => changes.webhook_allow_private_addresses: bool,
        response_cache_mib => cache.response_cache_mib: u64,
        http_cache_max_age => cache.http_cache_max_age: u64,
    }
    optional {
        database_max_connections => database.database_max_connections: u32,
        max_concurrent_operations => limits.max_concurrent_operations: u32,
        trusted_documents => limits.trusted_documents: PathBuf,
        client_address_header => rate_limits.client_address_header: String,
        metrics_token => operations.metrics_token: String,
        otel_endpoint => operations.otel_endpoint: String,
        public_url => operations.public_url: String,
    }
}
