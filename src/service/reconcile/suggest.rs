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
/// a word or the start of one), from `cursor` on. Among the first
/// [`RERANKED`] results of the search, names that begin with the prefix
/// come first (a person before the campaign named after them), each group
/// in the order of search rank; further pages follow search rank. A
/// prefix that is the id of a visible record suggests that record first.
pub async fn entities<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    prefix: &str,
    types: &[MatchType],
    cursor: u64,
) -> AppResult<Vec<Suggestion>> {
    let types = if types.is_empty() { MatchType::ALL.to_vec() } else { types.to_vec() };
    let by_id = match GlobalId::decode("prefix", prefix.trim()) {
        Ok(GlobalId::Uuid(node_type, id)) if cursor == 0 => {
            types.iter().find(|kind| kind.node_type() == node_type).map(|kind| (*kind, id))
        }
        _ => None,
    };
    let query = SearchQuery::new(prefix, Some(types.iter().map(|kind| kind.search_kind()).collect()))?;
    let reranked = cursor + PAGE <= RERANKED;
    let (offset, limit) = if reranked { (0, RERANKED) } else { (cursor, PAGE) };
    let mut found: Vec<(MatchType, Uuid)> = by_id.into_iter().collect();
    for hit in search::search(db, viewer, &query, offset, limit).await?.hits {
        if let Some(kind) = MatchType::ALL.into_iter().find(|kind| kind.search_kind() == hit.kind)
            && !found.contains(&(kind, hit.id))
        {
            found.push((kind, hit.id));
        }
    }
    let mut suggestions = Vec::new();
    for kind in types {
        // Every type asked for is read, found or not, so that the statements
        // depend on the request alone.
        let ids: Vec<Uuid> = found.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
        for profile in profiles(db, viewer, kind, &ids).await? {
            suggestions.push(Suggestion {
                kind,
                id: profile.id,
                name: profile.names.first().cloned().unwrap_or_default(),
                description: profile.description,
            });
        }
    }
    let rank = |s: &Suggestion| found.iter().position(|f| *f == (s.kind, s.id)).unwrap_or(usize::MAX);
    if reranked {
        suggestions.sort_by_key(|s| (by_id != Some((s.kind, s.id)), !starts_with(&s.name, prefix), rank(s)));
        let skip = if by_id.is_some() { 0 } else { cursor as usize };
        let take = PAGE as usize + usize::from(by_id.is_some());
        Ok(suggestions.into_iter().skip(skip).take(take).collect())
    } else {
        suggestions.sort_by_key(rank);
        Ok(suggestions)
    }
}

/// The results of a suggestion's search that are ordered by whether the
/// name begins with the prefix; pages beyond follow search rank alone.
pub const RERANKED: u64 = 50;

/// Whether `text` starts with `prefix`, ignoring case and accents.
fn starts_with(text: &str, prefix: &str) -> bool {
    sort_key(text).starts_with(&sort_key(prefix))
}

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
