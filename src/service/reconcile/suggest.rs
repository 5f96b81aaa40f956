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
use crate::service::search::{self, SearchQuery};
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

/// Records whose names or titles start with `prefix` (every word of it as
/// a word or the start of one), best first, from `cursor` on. A prefix
/// that is the id of a visible record suggests that record first.
pub async fn entities<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    prefix: &str,
    types: &[MatchType],
    cursor: u64,
) -> AppResult<Vec<Suggestion>> {
    let types = if types.is_empty() { MatchType::ALL.to_vec() } else { types.to_vec() };
    let mut found: Vec<(MatchType, Uuid)> = Vec::new();
    if cursor == 0
        && let Ok(GlobalId::Uuid(node_type, id)) = GlobalId::decode("prefix", prefix.trim())
        && let Some(kind) = types.iter().find(|kind| kind.node_type() == node_type)
    {
        found.push((*kind, id));
    }
    let query = SearchQuery::new(prefix, Some(types.iter().map(|kind| kind.search_kind()).collect()))?;
    let hits = search::search(db, viewer, &query, cursor, PAGE).await?.hits;
    for hit in hits {
        if let Some(kind) = MatchType::ALL.into_iter().find(|kind| kind.search_kind() == hit.kind)
            && !found.contains(&(kind, hit.id))
        {
            found.push((kind, hit.id));
        }
    }
    let mut suggestions = Vec::new();
    for kind in types {
        let ids: Vec<Uuid> = found.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
        if ids.is_empty() {
            continue;
        }
        for profile in profiles(db, viewer, kind, &ids).await? {
            suggestions.push(Suggestion {
                kind,
                id: profile.id,
                name: profile.names.first().cloned().unwrap_or_default(),
                description: profile.description,
            });
        }
    }
    // In the order found (the id first, then by search rank).
    suggestions.sort_by_key(|s| found.iter().position(|f| *f == (s.kind, s.id)));
    Ok(suggestions)
}

/// Whether `text` starts with `prefix`, word by word, ignoring case and accents.
fn starts_with(text: &str, prefix: &str) -> bool {
    let (text, prefix) = (sort_key(text), sort_key(prefix));
    prefix.is_empty() || text.starts_with(&prefix) || text.split(' ').any(|word| word.starts_with(&prefix))
}

/// The types whose id or name starts with `prefix`.
pub fn types(prefix: &str) -> Vec<MatchType> {
    MatchType::ALL
        .into_iter()
        .filter(|kind| starts_with(kind.id(), prefix) || starts_with(kind.plural(), prefix))
        .collect()
}

/// The properties whose id or name starts with `prefix`.
pub fn properties(prefix: &str) -> Vec<Property> {
    Property::ALL
        .into_iter()
        .filter(|property| starts_with(property.id(), prefix) || starts_with(property.name(), prefix))
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
