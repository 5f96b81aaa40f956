//! Finding the records a query may name, and reading what is compared of
//! them.
//!
//! People and organisations are found by their name keys (those of
//! duplicate detection: the outlines of each pair of words, and of each
//! word), so that transliterations, reordered names, dropped middle names
//! and a misspelt word still meet the record. Restrictions and campaigns
//! are found by full-text search of their titles and references. Either way
//! the records are joined under the viewer's rule before they are counted
//! and cut, and at most [`CANDIDATES`] per type are scored.

use std::collections::HashMap;

use entity::{affiliation, campaign, defender, match_key, organisation, restriction};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, UnionType};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, QueryFilter};
use uuid::Uuid;

use super::{MatchQuery, MatchType, Property};
use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::codes::country_name;
use crate::service::defenders::{Affiliations, other_names};
use crate::service::duplicates::names;
use crate::service::query::listing::Listing;
use crate::service::query::records::visible_by_id;
use crate::service::search::{self, SearchQuery};

/// The most candidates of one type scored per query.
pub const CANDIDATES: u64 = 100;

/// What is compared of a candidate: only fields every viewer who may see
/// the record may read.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub id: Uuid,
    /// The name or title first, then other names (an acronym, the parts
    /// of a reference).
    pub names: Vec<String>,
    pub country: Option<String>,
    pub subdivision: Option<String>,
    pub occupation: Option<String>,
    pub reference: Option<String>,
    /// Affiliated (or leading) organisations the viewer may see, each with
    /// its name and acronym.
    pub organisations: Vec<(Uuid, Vec<String>)>,
    pub description: String,
}

/// The ids of the records of `kind` the query may name, visible to the viewer.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: MatchType,
    query: &MatchQuery,
) -> AppResult<Vec<Uuid>> {
    let mut ids = match kind {
        MatchType::Defender | MatchType::Organisation => by_name_keys(db, viewer, kind, query).await?,
        MatchType::Restriction | MatchType::Campaign => by_search(db, viewer, kind, query).await?,
    };
    // The record the query names by id; its profile is read, like every
    // other candidate's, only if the viewer may see it.
    if let Some((id_kind, id)) = query.by_id
        && id_kind == kind
        && !ids.contains(&id)
    {
        ids.push(id);
    }
    Ok(ids)
}

/// Records sharing a word of the query counted, at most, per word: a word
/// as common as a given name would bring thousands of records that share
/// nothing else, and the ones that share more also share a pair.
pub const PER_WORD: u64 = 50;

/// Records sharing name keys with the query (and its other names), those
/// sharing most first: each pair of words counts four, each word one. Every
/// record sharing a pair is counted; of those sharing one word, the first
/// [`PER_WORD`] the viewer may see, by id. One statement: a union of one
/// part for the pairs and one per word, each under the viewer's rule
/// before its limit, so that a hidden record takes no place.
async fn by_name_keys<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: MatchType,
    query: &MatchQuery,
) -> AppResult<Vec<Uuid>> {
    let mut texts = vec![query.text.clone()];
    texts.extend(query.texts_of(Property::OtherName));
    let mut pairs: Vec<String> = texts.iter().flat_map(|text| names::keys(text)).collect();
    pairs.sort();
    pairs.dedup();
    let mut words: Vec<String> = texts.iter().flat_map(|text| names::word_keys(text)).collect();
    words.sort();
    words.dedup();
    let (table, id, rule) = match kind {
        MatchType::Defender => (
            Alias::new("defender"),
            Expr::col((defender::Entity, defender::Column::Id)),
            viewer.can_see(defender::Entity),
        ),
        _ => (
            Alias::new("organisation"),
            Expr::col((organisation::Entity, organisation::Column::Id)),
            viewer.can_see(organisation::Entity),
        ),
    };
    let record_id = Expr::col((match_key::Entity, match_key::Column::RecordId));
    // One part: the visible records filed under `keys`, each weighing `weight`.
    let part = |number: usize, keys: Vec<String>, weight: i32, limit: Option<u64>| {
        let mut inner = Query::select();
        inner
            .expr_as(record_id.clone(), Alias::new("record_id"))
            .expr_as(Expr::val(weight), Alias::new("weight"))
            .from(match_key::Entity)
            .inner_join(table.clone(), id.clone().eq(record_id.clone()))
            .cond_where(rule.clone())
            .and_where(Expr::col((match_key::Entity, match_key::Column::RecordType)).eq(kind_table(kind)))
            .and_where(Expr::col((match_key::Entity, match_key::Column::Key)).is_in(keys));
        if let Some(limit) = limit {
            inner.order_by((match_key::Entity, match_key::Column::RecordId), Order::Asc).limit(limit);
        }
        // Wrapped, so that a part's limit is its own in SQLite's unions too.
        Query::select()
            .column(Alias::new("record_id"))
            .column(Alias::new("weight"))
            .from_subquery(inner, Alias::new(format!("part{number}")))
            .take()
    };
    let mut union = part(0, pairs, 4, None);
    for (number, word) in words.into_iter().enumerate() {
        union.union(UnionType::All, part(number + 1, vec![word], 1, Some(PER_WORD)));
    }
    let parts = Alias::new("parts");
    let mut select = Query::select();
    select
        .column((parts.clone(), Alias::new("record_id")))
        .from_subquery(union, parts.clone())
        .group_by_col((parts.clone(), Alias::new("record_id")))
        .order_by_expr(Func::sum(Expr::col((parts.clone(), Alias::new("weight")))).into(), Order::Desc)
        .order_by((parts, Alias::new("record_id")), Order::Asc)
        .limit(CANDIDATES);
    let rows = db.query_all(&select).await?;
    Ok(rows.iter().map(|row| row.try_get_by_index::<Uuid>(0)).collect::<Result<_, _>>()?)
}

fn kind_table(kind: MatchType) -> &'static str {
    kind.search_kind().table()
}

/// Records whose title or reference holds every word of the query (or of
/// a reference the query gives), best first.
async fn by_search<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: MatchType,
    query: &MatchQuery,
) -> AppResult<Vec<Uuid>> {
    let mut texts = vec![query.text.clone()];
    if kind == MatchType::Restriction {
        texts.extend(query.texts_of(Property::Reference).take(2));
    }
    texts.dedup();
    let mut ids = Vec::new();
    for text in texts {
        // A text search cannot use (only punctuation, say) finds nothing.
        let Ok(search) = SearchQuery::new(&text, Some(vec![kind.search_kind()])) else { continue };
        for hit in search::search(db, viewer, &search, 0, CANDIDATES).await?.hits {
            if !ids.contains(&hit.id) {
                ids.push(hit.id);
            }
        }
    }
    Ok(ids)
}

/// What is compared of each record, for those the viewer may see, in the
/// order of `ids`.
pub async fn profiles<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: MatchType,
    ids: &[Uuid],
) -> AppResult<Vec<Profile>> {
    let mut profiles: HashMap<Uuid, Profile> = match kind {
        MatchType::Defender => defenders(db, viewer, ids).await?,
        MatchType::Organisation => visible_by_id::<organisation::Entity, _>(db, viewer, ids)
            .await?
            .into_values()
            .map(|record| {
                let kind = super::label(&record.kind.to_value());
                let place = record.country_code.as_deref().map(country_name);
                let description = [Some(kind), place].into_iter().flatten().collect::<Vec<_>>().join(", ");
                (
                    record.id,
                    Profile {
                        id: record.id,
                        names: std::iter::once(record.name).chain(record.acronym).collect(),
                        country: record.country_code,
                        description,
                        ..Profile::default()
                    },
                )
            })
            .collect(),
        MatchType::Restriction => visible_by_id::<restriction::Entity, _>(db, viewer, ids)
            .await?
            .into_values()
            .map(|record| {
                let place = match &record.subdivision_code {
                    Some(code) => rust_iso3166::iso3166_2::from_code(code).map_or_else(
                        || code.clone(),
                        |s| format!("{}, {}", s.name, country_name(&record.country_code)),
                    ),
                    None => country_name(&record.country_code),
                };
                let status = super::label(&record.status.to_value());
                let description = [record.reference.clone(), Some(place), Some(status)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                (
                    record.id,
                    Profile {
                        id: record.id,
                        // A bill is named by its number as often as by its title.
                        names: std::iter::once(record.title)
                            .chain(
                                record
                                    .reference
                                    .iter()
                                    .flat_map(|reference| reference.split(['/', ',', ';', '|']))
                                    .map(|part| part.trim().to_owned())
                                    .filter(|part| !part.is_empty()),
                            )
                            .collect(),
                        country: Some(record.country_code),
                        subdivision: record.subdivision_code,
                        reference: record.reference,
                        description,
                        ..Profile::default()
                    },
                )
            })
            .collect(),
        MatchType::Campaign => campaigns(db, viewer, ids).await?,
    };
    Ok(ids.iter().filter_map(|id| profiles.remove(id)).collect())
}

async fn defenders<C: ConnectionTrait>(db: &C, viewer: &Viewer, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Profile>> {
    let records = visible_by_id::<defender::Entity, _>(db, viewer, ids).await?;
    let seen: Vec<Uuid> = records.keys().copied().collect();
    let mut others = other_names(db, &seen).await?;
    // Affiliations where the viewer may see both sides.
    let affiliations = Affiliations::select(viewer, &())
        .filter(affiliation::Column::DefenderId.is_in(seen.iter().copied()))
        .all(db)
        .await?;
    let organisation_ids: Vec<Uuid> = affiliations.iter().map(|a| a.organisation_id).collect();
    let organisations = visible_by_id::<organisation::Entity, _>(db, viewer, &organisation_ids).await?;
    let mut affiliated: HashMap<Uuid, Vec<(Uuid, Vec<String>)>> = HashMap::new();
    for link in affiliations {
        if let Some(org) = organisations.get(&link.organisation_id) {
            let names = std::iter::once(org.name.clone()).chain(org.acronym.clone()).collect();
            affiliated.entry(link.defender_id).or_default().push((org.id, names));
        }
    }
    Ok(records
        .into_values()
        .map(|record| {
            let mut names = vec![record.name];
            names.extend(others.remove(&record.id).unwrap_or_default().into_iter().map(|other| other.name));
            let description = [record.occupation.clone(), Some(country_name(&record.country_code))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            (
                record.id,
                Profile {
                    id: record.id,
                    names,
                    country: Some(record.country_code),
                    subdivision: record.subdivision_code,
                    occupation: record.occupation,
                    organisations: affiliated.remove(&record.id).unwrap_or_default(),
                    description,
                    ..Profile::default()
                },
            )
        })
        .collect())
}

async fn campaigns<C: ConnectionTrait>(db: &C, viewer: &Viewer, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Profile>> {
    let records = visible_by_id::<campaign::Entity, _>(db, viewer, ids).await?;
    let leads: Vec<Uuid> = records.values().filter_map(|record| record.lead_organisation_id).collect();
    let organisations = visible_by_id::<organisation::Entity, _>(db, viewer, &leads).await?;
    Ok(records
        .into_values()
        .map(|record| {
            let lead = record.lead_organisation_id.and_then(|id| organisations.get(&id));
            let kind = super::label(&record.kind.to_value());
            let description = match lead {
                Some(org) => format!("{kind} campaign led by {}", org.name),
                None => format!("{kind} campaign"),
            };
            (
                record.id,
                Profile {
                    id: record.id,
                    names: vec![record.title],
                    organisations: lead
                        .map(|org| {
                            vec![(org.id, std::iter::once(org.name.clone()).chain(org.acronym.clone()).collect())]
                        })
                        .unwrap_or_default(),
                    description,
                    ..Profile::default()
                },
            )
        })
        .collect())
}
