//! `search`: one ranked, paginated list of defenders, restrictions, campaigns
//! and organisations whose names, other names, titles, references or
//! summaries match the words of a query.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, Union};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::{campaign, defender, organisation, restriction};

use crate::error::{AppError, AppResult};
use crate::graphql::campaigns::Campaign;
use crate::graphql::common::connection::PageInfo;
use crate::graphql::common::context::RequestContext;
use crate::graphql::defenders::Defender;
use crate::graphql::organisations::Organisation;
use crate::graphql::restrictions::Restriction;
use crate::service::query::pagination::MAX_PAGE_SIZE;
use crate::service::search::{self as service, DocumentField, SearchKind, SearchQuery};

/// A kind of record search can find.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchType {
    /// Human rights defenders.
    Defender,
    /// Laws, bills, orders, rulings and practices.
    Restriction,
    /// Campaigns.
    Campaign,
    /// Organisations.
    Organisation,
}

impl From<SearchType> for SearchKind {
    fn from(value: SearchType) -> Self {
        match value {
            SearchType::Defender => SearchKind::Defender,
            SearchType::Restriction => SearchKind::Restriction,
            SearchType::Campaign => SearchKind::Campaign,
            SearchType::Organisation => SearchKind::Organisation,
        }
    }
}

/// The field of a record that a search matched best.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchField {
    /// A defender's or organisation's name.
    Name,
    /// One of a defender's other names (aliases, transliterations, native names).
    OtherNames,
    /// An organisation's acronym.
    Acronym,
    /// A restriction's or campaign's title.
    Title,
    /// A restriction's reference, such as "HB 1".
    Reference,
    /// A summary (for defenders also the occupation, for campaigns also the outcome).
    Summary,
}

fn field_of(kind: SearchKind, field: DocumentField) -> SearchField {
    let named = matches!(kind, SearchKind::Defender | SearchKind::Organisation);
    match field {
        DocumentField::Title if named => SearchField::Name,
        DocumentField::Title => SearchField::Title,
        DocumentField::Aliases if kind == SearchKind::Organisation => SearchField::Acronym,
        DocumentField::Aliases => SearchField::OtherNames,
        DocumentField::Reference => SearchField::Reference,
        DocumentField::Summary => SearchField::Summary,
    }
}

/// A record found by a search.
#[derive(Union)]
pub enum SearchResult {
    Defender(Defender),
    Restriction(Restriction),
    Campaign(Campaign),
    Organisation(Organisation),
}

/// A search result in a page, with its cursor, its score and the field it matched.
#[derive(SimpleObject)]
pub struct SearchEdge {
    /// Pass as `after` to get the results after this one.
    cursor: String,
    /// The record found.
    node: SearchResult,
    /// The most important field of the record in which the query matched.
    matched_field: SearchField,
    /// Relevance: higher is better. Comparable only within one search.
    score: f64,
}

/// A page of search results, best first.
pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    has_next_page: bool,
    has_previous_page: bool,
    total: u64,
    total_is_exact: bool,
}

/// A page of search results, best first.
#[Object]
impl SearchConnection {
    /// The results of this page, with cursors.
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }

    /// The records of this page.
    async fn nodes(&self) -> Vec<&SearchResult> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// Where this page stands.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.clone()),
        }
    }

    /// How many records the viewer may see match, on all pages: exact up to
    /// 1,000; beyond, 1,000 and `totalCountIsExact` is false (a search ranks
    /// the first 1,000 matches, and pages end there: refine the query).
    async fn total_count(&self) -> u64 {
        self.total
    }

    /// Whether `totalCount` is every match the viewer may see (true), or a
    /// lower bound because more records match than a search ranks (false).
    async fn total_count_is_exact(&self) -> bool {
        self.total_is_exact
    }
}

const CURSOR_PREFIX: &str = "search:";

fn cursor(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

/// The position after which a page starts.
fn position_after(cursor: &str) -> AppResult<u64> {
    let invalid = || AppError::bad_input("after", "is not a cursor of a search result; pass an edge's cursor as is");
    let decoded = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(decoded).map_err(|_| invalid())?;
    let position: u64 = text.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse().ok()).ok_or_else(invalid)?;
    // A search is not a walk through all records: deep pages are refused
    // rather than ranked at ever greater cost.
    if position >= MAX_DEPTH {
        return Err(AppError::bad_input("after", format!("search pages end at result {MAX_DEPTH}; refine the query")));
    }
    Ok(position + 1)
}

/// The furthest result a search pages to: as far as it ranks.
const MAX_DEPTH: u64 = service::RANKED;

/// The `search` entry point.
#[derive(Default)]
pub struct SearchQueryRoot;

#[Object]
impl SearchQueryRoot {
    /// Finds defenders, restrictions, campaigns and organisations by the words
    /// of their names, other names, titles, references ("HB 1") and summaries,
    /// best matches first. Case, accents and punctuation are ignored
    /// ("maxima acuna" finds Máxima Acuña, "alqahtani" finds al-Qahtani), and
    /// each word also matches longer words it begins ("toht" finds Tohti).
    /// Only records the viewer may see are found, and confidential fields are
    /// never searched. When more than 1,000 records match, the results are
    /// the best of the first 1,000 matches found (in the order records were
    /// indexed) and of every record whose whole name or title is the query;
    /// `totalCountIsExact` is then false.
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to look for, at most 200 characters.")] query: String,
        #[graphql(desc = "Only these kinds of record; all kinds unless given.")] types: Option<Vec<SearchType>>,
        #[graphql(desc = "Returns the first n results: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the results after this cursor.")] after: Option<String>,
    ) -> Result<SearchConnection> {
        let query = SearchQuery::new(&query, types.map(|types| types.into_iter().map(SearchKind::from).collect()))?;
        let first = match first {
            None => 20,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as u64,
            Some(n) => {
                return Err(
                    AppError::bad_input("first", format!("must be between 0 and {MAX_PAGE_SIZE}; got {n}")).into()
                );
            }
        };
        let offset = after.as_deref().map(position_after).transpose()?.unwrap_or(0);
        let rc = RequestContext::of(ctx);
        // One more than asked tells whether there is a next page.
        let found = service::search(&rc.db, &rc.viewer, &query, offset, first + 1).await?;
        let mut hits = found.hits;
        let has_next_page = hits.len() as u64 > first;
        hits.truncate(first as usize);

        let ids = |kind: SearchKind| hits.iter().filter(|hit| hit.kind == kind).map(|hit| hit.id).collect::<Vec<_>>();
        let defenders = rc.records::<defender::Entity>(&ids(SearchKind::Defender)).await?;
        let restrictions = rc.records::<restriction::Entity>(&ids(SearchKind::Restriction)).await?;
        let campaigns = rc.records::<campaign::Entity>(&ids(SearchKind::Campaign)).await?;
        let organisations = rc.records::<organisation::Entity>(&ids(SearchKind::Organisation)).await?;
        let (mut defenders, mut restrictions, mut campaigns, mut organisations) =
            (defenders.into_iter(), restrictions.into_iter(), campaigns.into_iter(), organisations.into_iter());

        let mut edges = Vec::with_capacity(hits.len());
        for (position, hit) in (offset..).zip(hits) {
            // A record changed since the search ran may be gone from view: skip it.
            let node = match hit.kind {
                SearchKind::Defender => defenders.next().flatten().map(|m| SearchResult::Defender(Defender::from(m))),
                SearchKind::Restriction => {
                    restrictions.next().flatten().map(|m| SearchResult::Restriction(Restriction::from(m)))
                }
                SearchKind::Campaign => campaigns.next().flatten().map(|m| SearchResult::Campaign(Campaign::from(m))),
                SearchKind::Organisation => {
                    organisations.next().flatten().map(|m| SearchResult::Organisation(Organisation(m)))
                }
            };
            if let Some(node) = node {
                edges.push(SearchEdge {
                    cursor: cursor(position),
                    node,
                    matched_field: field_of(hit.kind, hit.field),
                    score: hit.score,
                });
            }
        }
        Ok(SearchConnection {
            edges,
            has_next_page,
            has_previous_page: offset > 0,
            total: found.total,
            total_is_exact: found.total_is_exact,
        })
    }
}
