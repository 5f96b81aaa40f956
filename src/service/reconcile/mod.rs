//! Reconciliation: matching a name from a spreadsheet (a court list, a leak,
//! an arrest roster) and what else the row says against the records the
//! viewer may see. It serves `/reconcile` (the Reconciliation Service API
//! 0.2 that OpenRefine speaks) and the GraphQL `match` field alike.
//!
//! Candidates are found through indexes that are copies of public fields
//! only (the name keys of duplicate detection, the search documents), joined
//! to their records under the one visibility rule before anything is cut,
//! so a hidden record never takes a candidate's place. They are then scored
//! on what the viewer may see of them ([`scoring`]); confidential fields
//! are never read. Each query is scored on its own: nothing about other
//! queries or other records enters a candidate's score.

pub mod candidates;
pub mod properties;
pub mod scoring;
pub mod suggest;

use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ids::{GlobalId, NodeType};
use crate::service::Viewer;
use crate::service::search::{MAX_QUERY_CHARS, SearchKind};
pub use properties::{Property, PropertyValue, QueryProperty};

/// The kinds of record a name is reconciled against: the types of the
/// reconciliation service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchType {
    Defender,
    Organisation,
    Restriction,
    Campaign,
}

impl MatchType {
    pub const ALL: [MatchType; 4] =
        [MatchType::Defender, MatchType::Organisation, MatchType::Restriction, MatchType::Campaign];

    /// The type's id, which is also its GraphQL type name.
    pub fn id(self) -> &'static str {
        self.node_type().name()
    }

    /// The type by its id (case is ignored).
    pub fn parse(id: &str) -> Option<MatchType> {
        MatchType::ALL.into_iter().find(|kind| kind.id().eq_ignore_ascii_case(id.trim()))
    }

    pub fn node_type(self) -> NodeType {
        match self {
            MatchType::Defender => NodeType::Defender,
            MatchType::Organisation => NodeType::Organisation,
            MatchType::Restriction => NodeType::Restriction,
            MatchType::Campaign => NodeType::Campaign,
        }
    }

    pub fn search_kind(self) -> SearchKind {
        match self {
            MatchType::Defender => SearchKind::Defender,
            MatchType::Organisation => SearchKind::Organisation,
            MatchType::Restriction => SearchKind::Restriction,
            MatchType::Campaign => SearchKind::Campaign,
        }
    }

    /// What a record of this type is, for people choosing a type.
    pub fn description(self) -> &'static str {
        match self {
            MatchType::Defender => "A human rights defender: a person at risk for defending rights.",
            MatchType::Organisation => "An organisation: an NGO, association, union, media outlet or authority.",
            MatchType::Restriction => "A law, bill or practice that curbs protest, expression or association.",
            MatchType::Campaign => "A campaign for defenders or against restrictions.",
        }
    }

    /// The type's name in the plural, for people.
    pub fn plural(self) -> &'static str {
        match self {
            MatchType::Defender => "Defenders",
            MatchType::Organisation => "Organisations",
            MatchType::Restriction => "Restrictions",
            MatchType::Campaign => "Campaigns",
        }
    }
}

/// The most candidates one query returns, and the default.
pub const MAX_LIMIT: u64 = 50;
pub const DEFAULT_LIMIT: u64 = 10;

/// A validated reconciliation query.
#[derive(Clone, Debug)]
pub struct MatchQuery {
    /// The name or title to match (from `query`, else from the `otherName`
    /// or `reference` property).
    text: String,
    /// The record the text names, when it is a global id.
    by_id: Option<(MatchType, Uuid)>,
    types: Vec<MatchType>,
    limit: u64,
    properties: Vec<QueryProperty>,
}

impl MatchQuery {
    /// Checks a query. `argument` prefixes the names of the parts refused,
    /// so that a batch can say which query was wrong.
    pub fn new(
        argument: &str,
        text: Option<&str>,
        types: Vec<MatchType>,
        limit: Option<i64>,
        properties: Vec<QueryProperty>,
    ) -> AppResult<MatchQuery> {
        let named = |part: &str| if argument.is_empty() { part.to_owned() } else { format!("{argument}.{part}") };
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(limit) if (1..=MAX_LIMIT as i64).contains(&limit) => limit as u64,
            Some(limit) => {
                return Err(AppError::bad_input(
                    named("limit"),
                    format!("must be between 1 and {MAX_LIMIT}; got {limit}"),
                ));
            }
        };
        let mut unique = Vec::new();
        for kind in if types.is_empty() { MatchType::ALL.to_vec() } else { types } {
            if !unique.contains(&kind) {
                unique.push(kind);
            }
        }
        // Without a name, the other names or the reference stand for it.
        let fallback = properties
            .iter()
            .filter(|p| matches!(p.property, Property::OtherName | Property::Reference))
            .flat_map(|p| p.values.iter())
            .find_map(|value| value.text.clone());
        let text = match text.map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => text.to_owned(),
            None => fallback.ok_or_else(|| {
                AppError::bad_input(
                    named("query"),
                    "give a name or title to match (or an otherName or reference property to match on)",
                )
            })?,
        };
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(named("query"), format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        if crate::service::text::sort_key(&text).is_empty() {
            return Err(AppError::bad_input(named("query"), "must contain at least one letter or digit"));
        }
        let by_id = match GlobalId::decode("query", &text) {
            Ok(GlobalId::Uuid(node_type, id)) => {
                unique.iter().find(|kind| kind.node_type() == node_type).map(|kind| (*kind, id))
            }
            _ => None,
        };
        Ok(MatchQuery { text, by_id, types: unique, limit, properties })
    }

    /// The texts the query gives for a property.
    fn texts_of(&self, property: Property) -> impl Iterator<Item = String> + '_ {
        self.properties
            .iter()
            .filter(move |p| p.property == property)
            .flat_map(|p| p.values.iter().filter_map(|v| v.text.clone()))
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn types(&self) -> &[MatchType] {
        &self.types
    }
}

/// One factor of a candidate's score.
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    /// `name` (similarity, 0 to 1), `id` (the query is the record's id), or
    /// a property's id (agreement: 1, 0 or −1).
    pub id: &'static str,
    pub value: f64,
}

/// A record that may be the one a query names.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchCandidate {
    pub kind: MatchType,
    pub id: Uuid,
    pub name: String,
    /// A line to tell namesakes apart: occupation or kind, and place.
    pub description: String,
    /// From 0 to 100 (see [`scoring`]).
    pub score: f64,
    /// Whether the service is confident enough to match without a person.
    pub matched: bool,
    pub features: Vec<Feature>,
}

impl MatchCandidate {
    pub fn global_id(&self) -> String {
        GlobalId::encode_uuid(self.kind.node_type(), self.id).to_string()
    }
}

/// The candidates for one query, best first, each scored on what the
/// viewer may see. Statements: a fixed number per type asked for, whatever
/// the data.
pub async fn reconcile<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    query: &MatchQuery,
) -> AppResult<Vec<MatchCandidate>> {
    let mut scored = Vec::new();
    for kind in query.types.iter().copied() {
        let ids = candidates::find(db, viewer, kind, query).await?;
        let profiles = candidates::profiles(db, viewer, kind, &ids).await?;
        for profile in profiles {
            let by_id = query.by_id == Some((kind, profile.id));
            let name = if by_id {
                1.0
            } else {
                profile.names.iter().map(|name| scoring::name_similarity(&query.text, name)).fold(0.0, f64::max)
            };
            let mut features = vec![Feature { id: "name", value: (name * 1000.0).round() / 1000.0 }];
            if by_id {
                features.push(Feature { id: "id", value: 1.0 });
            }
            let mut agreements = Vec::new();
            for property in &query.properties {
                if let Some(agreement) = properties::agreement(property, kind, &profile) {
                    features.push(Feature { id: property.property.id(), value: agreement.value });
                    agreements.push(agreement);
                }
            }
            let score = scoring::score(name, &agreements);
            scored.push((
                name,
                MatchCandidate {
                    kind,
                    id: profile.id,
                    name: profile.names.first().cloned().unwrap_or_default(),
                    description: profile.description,
                    score,
                    matched: false,
                    features,
                },
            ));
        }
    }
    // Best first; equal scores by type, then id, so that the order never
    // depends on how the database returned the rows.
    scored.sort_by(|(_, a), (_, b)| b.score.total_cmp(&a.score).then(a.kind.cmp(&b.kind)).then(a.id.cmp(&b.id)));
    let next = scored.get(1).map(|(_, candidate)| candidate.score);
    if let Some((name, best)) = scored.first_mut() {
        best.matched = scoring::is_match(best.score, *name, next);
    }
    Ok(scored.into_iter().take(query.limit as usize).map(|(_, candidate)| candidate).collect())
}

/// An enum value as people read it: `AT_RISK` as "At risk".
pub fn label(value: &str) -> String {
    // Acronyms stay as they are ("NGO").
    if value.len() <= 3 {
        return value.to_owned();
    }
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
