//! Parsed documents by query text. Dashboards and integrations send the same
//! few queries over and over with different variables; parsing one was a
//! quarter of the server's work for a `node` lookup. The documents hold the
//! query's syntax only, nothing read from the database, so one cache serves
//! every client.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::ServerError;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Documents kept, the least recently used going first.
const CACHED_DOCUMENTS: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");

/// Longer query texts are parsed every time, which bounds the cache's memory
/// (a few tens of MB at most) whatever clients send.
const MAX_CACHED_QUERY_BYTES: usize = 8 * 1024;

/// Query texts and the documents they parse to.
pub struct DocumentCache {
    documents: Mutex<LruCache<Box<str>, Arc<ExecutableDocument>>>,
}

impl Default for DocumentCache {
    fn default() -> Self {
        DocumentCache { documents: Mutex::new(LruCache::new(CACHED_DOCUMENTS)) }
    }
}

impl DocumentCache {
    /// The document `query` parses to, parsed now unless it was recently.
    /// Texts that do not parse are not kept.
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(document) = self.lock().get(query) {
            return Ok(document.clone());
        }
        let document = Arc::new(parse_query(query)?);
        if query.len() <= MAX_CACHED_QUERY_BYTES {
            self.lock().put(query.into(), document.clone());
        }
        Ok(document)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<ExecutableDocument>>> {
        // Only a map of parsed documents is behind the lock; a panic elsewhere
        // cannot leave it half-changed.
        self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_text_is_parsed_once_and_errors_are_not_kept() {
        let cache = DocumentCache::default();
        let first = cache.parse("{ countries { totalCount } }").unwrap();
        let second = cache.parse("{ countries { totalCount } }").unwrap();
        assert!(Arc::ptr_eq(&first, &second), "the second request must reuse the first's document");
        assert!(cache.parse("{ countries {").is_err());
        assert_eq!(cache.lock().len(), 1, "a text that does not parse is not kept");
        let long = format!("{{ countries {{ totalCount }} }} #{}", "x".repeat(MAX_CACHED_QUERY_BYTES));
        let (a, b) = (cache.parse(&long).unwrap(), cache.parse(&long).unwrap());
        assert!(!Arc::ptr_eq(&a, &b), "a text past the size bound is parsed every time");
    }
}
