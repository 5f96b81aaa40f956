//! What pages show, shaped from the GraphQL answers: labels for enum
//! values, links between pages, and only web links that are safe to follow.

use serde::Deserialize;
use serde_json::{Map, Value};

/// A page of a connection, as the queries ask for it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Connection<T> {
    #[serde(default)]
    pub total_count: u64,
    pub nodes: Vec<T>,
}

/// An enum value for people: `AT_RISK` as "At risk".
pub(super) fn label(value: &str) -> String {
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A path segment, percent-encoded (ids are base64 and may hold `/`, `+`, `=`).
pub(super) fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

pub(super) fn record_href(kind: &str, id: &str) -> String {
    format!("/{kind}/{}", segment(id))
}

/// A link to GraphiQL with the page's query and variables filled in.
pub(super) fn graphiql_link(query: &str, variables: &Map<String, Value>) -> String {
    let variables = Value::Object(variables.clone()).to_string();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("query", query)
        .append_pair("variables", &variables)
        .finish();
    format!("/graphiql?{query}")
}

/// A cited source.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Source {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<String>,
}

/// Whether a stored address may be a link: a web address, never
/// `javascript:` or `data:`.
pub(super) fn is_web_address(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

impl Source {
    /// Its link, only if it is a web address.
    pub fn web_link(mut self) -> Source {
        self.url = self.url.filter(|url| is_web_address(url));
        self
    }
}

/// An enum value read as its label.
#[derive(Deserialize)]
pub(super) struct Label(#[serde(deserialize_with = "labelled")] String);

impl std::fmt::Display for Label {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A country or subdivision: its name, and its page once linked.
#[derive(Deserialize)]
pub(super) struct Place {
    code: String,
    pub name: String,
    #[serde(skip)]
    pub href: String,
}

impl Place {
    pub fn link(&mut self, kind: &str) {
        self.href = record_href(kind, &self.code);
    }
}

/// A record listed on another's page: its name or title, status and page.
#[derive(Deserialize)]
pub(super) struct Linked {
    id: String,
    #[serde(alias = "name")]
    pub title: String,
    #[serde(deserialize_with = "labelled")]
    pub status: String,
    #[serde(skip)]
    pub href: String,
}

/// Links each listed record to its page under `/{kind}/`.
pub(super) fn linked_to(records: &mut [Linked], kind: &str) {
    for record in records {
        record.href = record_href(kind, &record.id);
    }
}

/// Reads an enum value as its label.
pub(super) fn labelled<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer).map(|value| label(&value))
}

/// Reads a record's id as the path of its page.
pub(super) mod href {
    use serde::{Deserialize, Deserializer};

    fn of<'de, D: Deserializer<'de>>(kind: &str, deserializer: D) -> Result<String, D::Error> {
        String::deserialize(deserializer).map(|id| super::record_href(kind, &id))
    }
    pub fn defender<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        of("defenders", deserializer)
    }
    pub fn restriction<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        of("restrictions", deserializer)
    }
    pub fn campaign<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        of("campaigns", deserializer)
    }
    pub fn organisation<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        of("organisations", deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_links() {
        // Ids are base64: `+`, `/` and `=` are escaped in a path.
        assert_eq!(label("AT_RISK"), "At risk");
        assert_eq!(label("ENACTED"), "Enacted");
        assert_eq!(record_href("defenders", "RGVmZW5kZXI6+/x="), "/defenders/RGVmZW5kZXI6%2B%2Fx%3D");
        let source = Source {
            id: "1".into(),
            title: "t".into(),
            url: Some("javascript:alert(1)".into()),
            publisher: None,
            published_on: None,
        };
        assert_eq!(source.web_link().url, None);
    }
}
