//! The response cache: answers to read queries, kept for a visibility class
//! and served again only while nothing has changed since.
//!
//! Why it cannot serve a wrong answer:
//! - **Who.** An answer is kept for a visibility class, never for a person:
//!   anonymous readers share one class; each organisation and role has its
//!   own (confidential access follows from the organisation). The class is
//!   part of the key, compared in full (no hash stands for it), so an answer
//!   never crosses from one class to another.
//! - **What.** Only queries whose every root field reads records that the
//!   change sequence covers are kept ([`CACHEABLE_ROOT_FIELDS`]); `viewer`,
//!   `rateLimit`, `changes`, `exportRecords`, `duplicateCandidates` and `match` answer
//!   from state no audit entry records (keys, budgets, cursors, judgements)
//!   and are never kept. Only answers without any error are kept.
//! - **When.** Every write to a record appends an audit entry with the next
//!   number of one gap-free sequence, in commit order (see
//!   `service::changes::feed`). A query reads certain kinds of record
//!   ([`reads`]: a country's defenders read defenders, a search reads every
//!   kind). The last sequence of each kind is read *before* a query runs and
//!   kept with its answer; a later request is served the answer only if
//!   those heads, read again from the database for that request, have not
//!   moved for any kind the query reads. So an answer is served only while no
//!   write to a record of a kind it reads has committed since the query that
//!   made it started, on any instance. A notification of a change (the
//!   change hub) also drops the answers it made stale, to free the memory,
//!   but correctness does not wait for it.
//!
//! The cost is one small statement per cacheable request (the heads, an
//! index lookup per kind).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod reads;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use axum::body::Bytes;
use entity::Role;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use self::reads::Kinds;
use crate::graphql::runtime::limits::SchemaShape;
use crate::service::Viewer;
use crate::service::changes::feed::Heads;

/// Root fields whose answers depend only on records (and their shares,
/// merges and history), all of which write audit entries. (Introspection is
/// not kept: it is cheap, asked for once per client, and refused when turned
/// off, which should cost no statement.)
pub const CACHEABLE_ROOT_FIELDS: &[&str] = &[
    "node",
    "nodes",
    "country",
    "countries",
    "subdivision",
    "defender",
    "defenders",
    "restriction",
    "restrictions",
    "campaign",
    "campaigns",
    "organisation",
    "organisations",
    "indicators",
    "countryRating",
    "countryRatings",
    "search",
    "statistics",
    "__typename",
];

/// Root fields never cached, and why: each answers from state that writes no
/// audit entry, or that belongs to one API key rather than a class.
pub const UNCACHEABLE_ROOT_FIELDS: &[&str] = &[
    // The API key itself, its organisation's keys and webhooks.
    "viewer",
    // The caller's own budget.
    "rateLimit",
    // Cursors of the change feed (answered from the sequence itself).
    "changes",
    // Export pages with their cursors; exports are read in full once.
    "exportRecords",
    // Scores over duplicate-detection keys and judgements.
    "duplicateCandidates",
    // Candidates found by the same keys, which are filed again at start
    // (after migration 000017) without an audit entry to move the heads.
    "match",
];

/// Whose answers a cached response may be served to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Every reader without an API key.
    Anonymous,
    /// The keys of one organisation with one role.
    Organisation { organisation: Uuid, role: Role },
}

impl Class {
    pub fn of(viewer: &Viewer) -> Class {
        match viewer {
            Viewer::Anonymous => Class::Anonymous,
            Viewer::Member(member) => Class::Organisation { organisation: member.organisation, role: member.role },
        }
    }
}

/// What an answer is kept under: the class, and the request exactly as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    class: Class,
    query: Arc<str>,
    operation: Option<String>,
    /// The variables as JSON text, in the order serde_json keeps them (sorted).
    variables: String,
    /// The languages the request prefers (`Accept-Language`), which choose
    /// the values of translatable fields.
    languages: String,
}

impl Key {
    fn weight(&self) -> usize {
        self.query.len()
            + self.variables.len()
            + self.languages.len()
            + self.operation.as_ref().map_or(0, String::len)
            + 64
    }
}

/// A request whose answer may be kept: its key, and the kinds of record its
/// answer reads.
pub struct Cacheable {
    pub key: Key,
    pub kinds: Kinds,
}

/// A kept answer.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The kinds of record the answer reads.
    pub kinds: Kinds,
    /// The last sequence of each kind, read before the query ran.
    pub heads: Heads,
    /// The response body, byte for byte.
    pub body: Bytes,
    /// A strong validator of the body, for HTTP caches.
    pub etag: String,
}

impl Entry {
    /// Whether no record of a kind the answer reads has changed since it
    /// was made, when the heads are `now`.
    pub fn current(&self, now: &Heads) -> bool {
        self.kinds.iter().all(|kind| self.heads.of(kind) == now.of(kind))
    }
}

/// The strong `ETag` of a response body.
pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// How often the cache answered.
#[derive(Default)]
pub struct Counts {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

/// What a request asks, as it names an answer: the query text, the
/// operation, the variables and the languages it prefers.
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub query: &'a str,
    pub operation: Option<&'a str>,
    pub variables: Option<&'a serde_json::Map<String, serde_json::Value>>,
    pub languages: &'a [String],
}

/// Answers kept for visibility classes, bounded in bytes.
pub struct ResponseCache {
    entries: moka::sync::Cache<Key, Arc<Entry>>,
    pub counts: Counts,
}

impl ResponseCache {
    /// A cache of at most `bytes` of bodies and keys; None when `bytes` is 0.
    pub fn new(bytes: u64) -> Option<ResponseCache> {
        if bytes == 0 {
            return None;
        }
        let entries = moka::sync::Cache::builder()
            .max_capacity(bytes)
            .weigher(|key: &Key, entry: &Arc<Entry>| {
                u32::try_from(key.weight() + entry.body.len() + entry.etag.len()).unwrap_or(u32::MAX)
            })
            .support_invalidation_closures()
            .build();
        Some(ResponseCache { entries, counts: Counts::default() })
    }

    /// The key of a request and the kinds it reads, if its answer may be
    /// kept: a query whose every root field is cacheable.
    pub fn key(
        &self,
        viewer: &Viewer,
        shape: &SchemaShape,
        document: &ExecutableDocument,
        asked: &Asked<'_>,
    ) -> Option<Cacheable> {
        let Asked { query, operation, variables, languages } = *asked;
        let operation_definition = cacheable(document, operation)?;
        let variables = match variables {
            Some(variables) if !variables.is_empty() => serde_json::to_string(variables).ok()?,
            _ => String::new(),
        };
        let key = Key {
            class: Class::of(viewer),
            query: Arc::from(query),
            operation: operation.map(str::to_owned),
            variables,
            languages: languages.join(","),
        };
        Some(Cacheable { key, kinds: reads::reads(shape, document, operation_definition) })
    }

    /// The answer kept under `key`, if it is current when the heads are
    /// `now`. A kept answer made stale is dropped.
    pub fn get(&self, key: &Key, now: &Heads) -> Option<Arc<Entry>> {
        let found = self.entries.get(key).filter(|entry| {
            let current = entry.current(now);
            if !current {
                self.entries.invalidate(key);
            }
            current
        });
        let count = if found.is_some() { &self.counts.hits } else { &self.counts.misses };
        count.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn insert(&self, key: Key, entry: Entry) {
        self.entries.insert(key, Arc::new(entry));
    }

    /// Drops the answers that are stale when the heads are `now`.
    pub fn drop_stale(&self, now: Heads) {
        if self.entries.invalidate_entries_if(move |_, entry| !entry.current(&now)).is_err() {
            self.entries.invalidate_all();
        }
    }

    /// Drops every answer.
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }

    /// Bytes held now (an estimate that trails inserts slightly).
    pub fn weighted_size(&self) -> u64 {
        self.entries.weighted_size()
    }
}

/// The operation `operation` names (or the document's only one), if it is a
/// query whose root fields are all cacheable.
fn cacheable<'a>(document: &'a ExecutableDocument, operation: Option<&str>) -> Option<&'a OperationDefinition> {
    let operation = match (&document.operations, operation) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().expect("one operation")
        }
        _ => return None,
    };
    let operation = &operation.node;
    (operation.ty == OperationType::Query && root_fields_cacheable(document, &operation.selection_set.node, 0))
        .then_some(operation)
}

fn root_fields_cacheable(document: &ExecutableDocument, selections: &SelectionSet, depth: usize) -> bool {
    // Fragments that spread each other in a cycle fail validation; this
    // bound only keeps the walk finite before validation has run.
    if depth > 32 {
        return false;
    }
    selections.items.iter().all(|selection| match &selection.node {
        Selection::Field(field) => CACHEABLE_ROOT_FIELDS.contains(&field.node.name.node.as_str()),
        Selection::InlineFragment(fragment) => {
            root_fields_cacheable(document, &fragment.node.selection_set.node, depth + 1)
        }
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|fragment| root_fields_cacheable(document, &fragment.node.selection_set.node, depth + 1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::audit::Audited;

    fn parsed(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    #[test]
    fn only_queries_of_record_root_fields_are_cacheable() {
        let yes = [
            "{ defenders { nodes { name } } }",
            "query A { statistics { defenders { total } } } query B { viewer { organisation { name } } }",
            "{ ...F } fragment F on Query { countries { totalCount } }",
            "{ ... on Query { search(query: \"x\") { totalCount } } __typename }",
        ];
        for query in yes {
            let operation = query.contains("query A").then_some("A");
            assert!(cacheable(&parsed(query), operation).is_some(), "{query}");
        }
        let no = [
            ("{ viewer { organisation { name } } }", None),
            ("{ defenders { totalCount } rateLimit { remaining } }", None),
            ("{ ...F } fragment F on Query { changes { nodes { kind } } }", None),
            ("{ ...Missing }", None),
            ("mutation { archiveDefender(id: \"x\") { id } }", None),
            ("query A { defenders { totalCount } } query B { countries { totalCount } }", None),
            ("query A { defenders { totalCount } }", Some("B")),
            ("subscription { changes { kind } }", None),
        ];
        for (query, operation) in no {
            assert!(cacheable(&parsed(query), operation).is_none(), "{query}");
        }
    }

    #[tokio::test]
    async fn every_root_field_of_the_schema_is_classified() {
        let schema = crate::graphql::build_schema(true);
        let response =
            schema.execute("{ __schema { queryType { fields { name } } } }").await.into_result().expect("runs");
        let response = response.data.into_json().expect("JSON");
        let fields: Vec<&str> = response["__schema"]["queryType"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|field| field["name"].as_str())
            .collect();
        assert!(fields.len() > 10, "{fields:?}");
        for field in fields {
            let cacheable = CACHEABLE_ROOT_FIELDS.contains(&field);
            let uncacheable = UNCACHEABLE_ROOT_FIELDS.contains(&field);
            assert!(
                cacheable != uncacheable,
                "root field {field} must be listed in exactly one of CACHEABLE_ROOT_FIELDS and UNCACHEABLE_ROOT_FIELDS"
            );
        }
    }

    #[test]
    fn classes_and_requests_are_kept_apart() {
        let cache = ResponseCache::new(1 << 20).expect("on");
        let shape = SchemaShape::from_sdl(&crate::graphql::sdl());
        let query = "{ defenders { totalCount } }";
        let document = parsed(query);
        let key = |viewer: &Viewer| {
            let asked = Asked { query, operation: None, variables: None, languages: &[] };
            cache.key(viewer, &shape, &document, &asked).expect("cacheable").key
        };
        let member = |organisation, role| {
            Viewer::Member(crate::service::visibility::Member { organisation, role, key: Uuid::now_v7() })
        };
        let organisation = Uuid::now_v7();
        let anonymous = key(&Viewer::Anonymous);
        let reader = key(&member(organisation, Role::Reader));
        assert_ne!(anonymous, reader);
        assert_eq!(
            reader,
            key(&member(organisation, Role::Reader)),
            "two keys of one organisation and role share a class"
        );
        assert_ne!(reader, key(&member(organisation, Role::Editor)));
        assert_ne!(reader, key(&member(Uuid::now_v7(), Role::Reader)));
        let heads = Heads::default().with(Audited::Defender, 7).with(Audited::Restriction, 3);
        let body = "{\"data\":1}";
        let entry = Entry {
            kinds: Kinds::of(Audited::Defender),
            heads,
            body: Bytes::from_static(body.as_bytes()),
            etag: etag(body.as_bytes()),
        };
        cache.insert(anonymous.clone(), entry);
        assert!(cache.get(&reader, &heads).is_none());
        assert_eq!(cache.get(&anonymous, &heads).unwrap().body, Bytes::from_static(body.as_bytes()));
        let restriction_written = heads.with(Audited::Restriction, 8);
        assert!(cache.get(&anonymous, &restriction_written).is_some(), "a change to a kind not read keeps the answer");
        let defender_written = restriction_written.with(Audited::Defender, 9);
        assert!(cache.get(&anonymous, &defender_written).is_none(), "a change to a kind read makes the answer stale");
        assert!(cache.get(&anonymous, &heads).is_none(), "and a stale answer is dropped");
        assert_eq!(cache.counts.hits.load(Ordering::Relaxed), 2);
        assert_eq!(cache.counts.misses.load(Ordering::Relaxed), 3);
    }
}
