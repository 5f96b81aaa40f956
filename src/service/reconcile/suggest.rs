//! Auto-completion for reconciliation clients: records by the start of
//! their names (through full-text search, so under the same visibility rule
//! and ranking), and the service's types and properties.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::candidates::profiles;
use super::{MatchType, Property};
use crate::error::AppResult;
use crate::ids::GlobalId;
use crate::service::Viewer;
use crate::service::search::{self, SearchKind, SearchQuery};
use crate::service::text::sort_key;

/// Suggestions per page.
pub const PAGE: u64 = 10;
/// The furthest a client may page (search ranks at most this many).
pub const MAX_CURSOR: u64 = search::RANKED;

/// A suggested record.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub kind: MatchType,
    pub id: Uuid,
    pub name: String,
    pub description: String,
}

/// Records whose names or titles begin with `prefix`, in the order of their
/// names; then, for prefixes of [`SEARCH_FROM`] characters or more, records
/// with a word that begins with each word of it (in other names, titles and
/// references too), by search rank among the first [`SEARCHED`] matches;
/// ten from `cursor` on. A prefix that is the id of a visible record
/// suggests that record first. The same statements whatever the prefix
/// finds: one for the names, two for the search, one or two per type for
/// the page's descriptions (four for defenders).
pub async fn entities<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    prefix: &str,
    types: &[MatchType],
    cursor: u64,
) -> AppResult<Vec<Suggestion>> {
    let types = if types.is_empty() { MatchType::ALL.to_vec() } else { types.to_vec() };
    let kinds: Vec<SearchKind> = types.iter().map(|kind| kind.search_kind()).collect();
    let kind_of = |kind: SearchKind| MatchType::ALL.into_iter().find(|t| t.search_kind() == kind);
    let query = SearchQuery::new(prefix, Some(kinds.clone()))?;
    let mut found: Vec<(MatchType, Uuid)> = Vec::new();
    if cursor == 0
        && let Ok(GlobalId::Uuid(node_type, id)) = GlobalId::decode("prefix", prefix.trim())
        && let Some(kind) = types.iter().find(|kind| kind.node_type() == node_type)
    {
        found.push((*kind, id));
    }
    let wanted = cursor + PAGE;
    let beginning = search::names_beginning(db, viewer, prefix, &kinds, 0, wanted).await?;
    // Words inside names are looked for once the prefix is long enough to
    // be worth it: a search for every word that begins with "mo" reads a
    // fifth of all documents.
    let searched = if sort_key(prefix).len() >= SEARCH_FROM {
        search::search_among(db, viewer, &query, 0, wanted, SEARCHED).await?.hits
    } else {
        Vec::new()
    };
    for (kind, id) in beginning.into_iter().chain(searched.into_iter().map(|hit| (hit.kind, hit.id))) {
        if let Some(kind) = kind_of(kind)
            && !found.contains(&(kind, id))
        {
            found.push((kind, id));
        }
    }
    // One more than a page: the record an id names may be one the viewer
    // cannot see, and is then left out like any other.
    let page: Vec<(MatchType, Uuid)> = found.into_iter().skip(cursor as usize).take(PAGE as usize + 1).collect();
    let mut suggestions = Vec::new();
    for kind in types {
        // Every type asked for is read, found or not, so that the statements
        // depend on the request alone.
        let ids: Vec<Uuid> = page.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
        for profile in profiles(db, viewer, kind, &ids).await? {
            suggestions.push(Suggestion {
                kind,
                id: profile.id,
                name: profile.names.first().cloned().unwrap_or_default(),
                description: profile.description,
            });
        }
    }
    suggestions.sort_by_key(|s| page.iter().position(|f| *f == (s.kind, s.id)));
    suggestions.truncate(PAGE as usize);
    Ok(suggestions)
}

/// The search matches ranked for a suggestion (fewer than a search's).
pub const SEARCHED: u64 = 50;
/// The shortest prefix (folded, in characters) whose words are looked for
/// inside names too.
pub const SEARCH_FROM: usize = 4;

/// Whether a word of `text` starts with `prefix`, ignoring case and accents.
fn word_starts_with(text: &str, prefix: &str) -> bool {
    let (text, prefix) = (sort_key(text), sort_key(prefix));
    prefix.is_empty() || text.split(' ').any(|word| word.starts_with(&prefix))
}

/// The types whose id or name starts with `prefix`.
pub fn types(prefix: &str) -> Vec<MatchType> {
    MatchType::ALL
        .into_iter()
        .filter(|kind| word_starts_with(kind.id(), prefix) || word_starts_with(kind.plural(), prefix))
        .collect()
}

/// The properties whose id or name starts with `prefix`.
pub fn properties(prefix: &str) -> Vec<Property> {
    Property::ALL
        .into_iter()
        .filter(|property| word_starts_with(property.id(), prefix) || word_starts_with(property.name(), prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_properties_are_suggested_by_any_word() {
        assert_eq!(types("def"), vec![MatchType::Defender]);
        assert_eq!(types(""), MatchType::ALL.to_vec());
        assert_eq!(properties("prov"), vec![Property::Subdivision]);
        assert_eq!(properties("COUN"), vec![Property::Country]);
        assert!(properties("zz").is_empty());
    }
}
