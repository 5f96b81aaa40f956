//! Trusted documents: queries known in advance (a dashboard's), by the
//! SHA-256 of their text. Clients send `documentId: "sha256:<hex>"` (or
//! Apollo's `extensions.persistedQuery.sha256Hash`) instead of the text; with
//! `TRUSTED_DOCUMENTS_ONLY`, nothing else runs.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

/// The allow-list, by lowercase hexadecimal SHA-256 of each document.
#[derive(Debug, Default)]
pub struct TrustedDocuments {
    by_hash: HashMap<String, String>,
}

/// The SHA-256 of a document's text, in lowercase hexadecimal.
pub fn hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

impl TrustedDocuments {
    /// Reads a JSON object of `"sha256:<hex>"` (or bare `<hex>`) to document
    /// text, as GraphQL clients' persisted-document manifests write it. Every
    /// hash is checked against its text.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
        let entries: HashMap<String, String> = serde_json::from_str(&text).with_context(|| {
            format!("{} must be a JSON object of \"sha256:<hex>\" keys to query texts", path.display())
        })?;
        let mut by_hash = HashMap::new();
        for (id, document) in entries {
            let Some(given) = normalise(&id) else {
                bail!("\"{id}\" in {} is not a SHA-256 document id (\"sha256:\" and 64 hex digits)", path.display());
            };
            let actual = hash(&document);
            if given != actual {
                bail!("the document under \"{id}\" in {} has the SHA-256 {actual}, not {given}", path.display());
            }
            by_hash.insert(actual, document);
        }
        Ok(TrustedDocuments { by_hash })
    }

    /// The document with this id, if trusted.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.by_hash.get(&normalise(id)?).map(String::as_str)
    }

    /// Whether this exact query text is trusted.
    pub fn contains_text(&self, document: &str) -> bool {
        self.by_hash.contains_key(&hash(document))
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// `sha256:<hex>` or `<hex>` as lowercase hex; `None` if it is neither.
fn normalise(id: &str) -> Option<String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| hex.to_ascii_lowercase())
}
