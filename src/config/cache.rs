//! The response cache and what HTTP caches in front of the server are told.

use clap::Args;

use super::Problems;

/// How read responses are kept and offered to HTTP caches.
#[derive(Args, Debug, Clone)]
pub struct CacheSettings {
    /// MiB of memory the response cache may hold (response bodies and their
    /// keys). 0 turns it off: every query is executed.
    #[arg(long, env = "RESPONSE_CACHE_MIB", default_value_t = 64, global = true, help_heading = "Caching")]
    pub response_cache_mib: u64,

    /// Seconds an HTTP cache (a CDN) may serve a public response without
    /// asking again (`Cache-Control: public, max-age=N`). 0, the default,
    /// makes it revalidate every time with `If-None-Match`, which the server
    /// answers with 304 while the answer is unchanged: never stale. A value
    /// above 0 lets a CDN serve an answer up to N seconds old.
    #[arg(long, env = "HTTP_CACHE_MAX_AGE", default_value_t = 0, global = true, help_heading = "Caching")]
    pub http_cache_max_age: u64,
}

impl CacheSettings {
    pub(super) fn check(&self, problems: &mut Problems) {
        problems.in_range("response_cache_mib", self.response_cache_mib, 0, 1_048_576);
        problems.in_range("http_cache_max_age", self.http_cache_max_age, 0, 31_536_000);
    }
}
