//! `match`: reconciliation for the API's own users, with the scoring that
//! `/reconcile` offers to OpenRefine and other reconciliation clients.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use entity::{campaign, defender, organisation, restriction};

use crate::graphql::campaigns::Campaign;
use crate::graphql::common::context::RequestContext;
use crate::graphql::defenders::Defender;
use crate::graphql::organisations::Organisation;
use crate::graphql::restrictions::Restriction;
use crate::graphql::search::{SearchResult, SearchType};
use crate::ids::GlobalId;
use crate::service::reconcile::{self as service, MatchQuery, MatchType, Property, PropertyValue, QueryProperty};

/// Evidence a match can weigh besides the name.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchProperty {
    /// Where a defender works, an organisation is based or a restriction
    /// applies: an ISO 3166-1 code ("SA") or an English name.
    Country,
    /// A state or province: an ISO 3166-2 code ("US-FL") or its name.
    Subdivision,
    /// A defender's occupation.
    Occupation,
    /// Another name or spelling of the person or organisation.
    OtherName,
    /// An organisation a defender is affiliated with or that leads a
    /// campaign: its name, acronym or id.
    Organisation,
    /// A restriction's reference, such as a bill number ("HB 1").
    Reference,
    /// Where a restriction applies: a country or subdivision code or name.
    Jurisdiction,
}

impl From<MatchProperty> for Property {
    fn from(value: MatchProperty) -> Self {
        match value {
            MatchProperty::Country => Property::Country,
            MatchProperty::Subdivision => Property::Subdivision,
            MatchProperty::Occupation => Property::Occupation,
            MatchProperty::OtherName => Property::OtherName,
            MatchProperty::Organisation => Property::Organisation,
            MatchProperty::Reference => Property::Reference,
            MatchProperty::Jurisdiction => Property::Jurisdiction,
        }
    }
}

/// A property of the row being matched, with its values.
#[derive(InputObject)]
pub struct MatchPropertyInput {
    /// Which property.
    property: MatchProperty,
    /// Its values (at most 20): texts, codes, or ids of records of this API.
    values: Vec<String>,
}

/// One factor of a candidate's score.
#[derive(SimpleObject)]
pub struct MatchFeature {
    /// `name` (similarity of the names, 0 to 1), `id` (the query is the
    /// record's id), or a property's id, such as `country` (1 agrees, 0 says
    /// nothing, −1 contradicts; a subdivision's law half agrees with its
    /// country).
    id: String,
    /// The factor's value.
    value: f64,
}

/// A record the query may name.
#[derive(SimpleObject)]
pub struct MatchCandidate {
    /// The record.
    record: SearchResult,
    /// How well it matches, from 0 to 100: a weighted mean of the name's
    /// similarity (weight 6) and each property's agreement (see
    /// docs/reconciliation.md).
    score: f64,
    /// Whether the service is confident enough to accept this candidate
    /// without a person looking: only the best candidate can be, with a
    /// score of at least 85, names at least 0.85 alike, and the next
    /// candidate 10 or more lower.
    #[graphql(name = "match")]
    matched: bool,
    /// The factors of the score.
    features: Vec<MatchFeature>,
    /// A line to tell namesakes apart: occupation or kind, and place.
    description: String,
}

/// The `match` entry point.
#[derive(Default)]
pub struct MatchQueryRoot;

#[Object]
impl MatchQueryRoot {
    /// Matches a name from elsewhere (a court list, a leak, a spreadsheet's
    /// column) against the records the viewer may see, best first. Names
    /// are compared across case, accents, punctuation, word order, joined
    /// particles ("al-Qahtani"), common transliterations ("Mohamed",
    /// "Mohammad"), dropped middle names and a misspelt word; the properties
    /// raise or lower the score. A query that is a record's id gives that
    /// record. The same scoring serves `/reconcile`.
    #[graphql(name = "match")]
    async fn match_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The name or title to match, at most 200 characters. May be left out when an \
                          OTHER_NAME or REFERENCE property is given.")]
        query: Option<String>,
        #[graphql(desc = "Only these kinds of record; all kinds unless given.")] types: Option<Vec<SearchType>>,
        #[graphql(desc = "Evidence besides the name.", default)] properties: Vec<MatchPropertyInput>,
        #[graphql(desc = "The most candidates returned: 10 unless given, at most 50.")] limit: Option<i32>,
    ) -> Result<Vec<MatchCandidate>> {
        let types = types.unwrap_or_default().into_iter().map(match_type).collect();
        let properties = properties
            .into_iter()
            .map(|input| {
                let values = input.values.into_iter().map(|value| property_value(&value)).collect();
                QueryProperty::new("properties", Property::from(input.property).id(), values)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let query = MatchQuery::new("", query.as_deref(), types, limit.map(i64::from), properties)?;
        let rc = RequestContext::of(ctx);
        let candidates = service::reconcile(&rc.db, &rc.viewer, &query).await?;

        let ids = |kind: MatchType| candidates.iter().filter(|c| c.kind == kind).map(|c| c.id).collect::<Vec<_>>();
        let mut defenders = rc.records::<defender::Entity>(&ids(MatchType::Defender)).await?.into_iter();
        let mut restrictions = rc.records::<restriction::Entity>(&ids(MatchType::Restriction)).await?.into_iter();
        let mut campaigns = rc.records::<campaign::Entity>(&ids(MatchType::Campaign)).await?.into_iter();
        let mut organisations = rc.records::<organisation::Entity>(&ids(MatchType::Organisation)).await?.into_iter();
        let mut out = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            let record = match candidate.kind {
                MatchType::Defender => defenders.next().flatten().map(|m| SearchResult::Defender(Defender::from(m))),
                MatchType::Restriction => {
                    restrictions.next().flatten().map(|m| SearchResult::Restriction(Restriction::from(m)))
                }
                MatchType::Campaign => campaigns.next().flatten().map(|m| SearchResult::Campaign(Campaign::from(m))),
                MatchType::Organisation => {
                    organisations.next().flatten().map(|m| SearchResult::Organisation(Organisation(m)))
                }
            };
            // A record changed since it was scored may be gone from view.
            if let Some(record) = record {
                out.push(MatchCandidate {
                    record,
                    score: candidate.score,
                    matched: candidate.matched,
                    features: candidate
                        .features
                        .into_iter()
                        .map(|f| MatchFeature { id: f.id.to_owned(), value: f.value })
                        .collect(),
                    description: candidate.description,
                });
            }
        }
        Ok(out)
    }
}

fn match_type(value: SearchType) -> MatchType {
    match value {
        SearchType::Defender => MatchType::Defender,
        SearchType::Restriction => MatchType::Restriction,
        SearchType::Campaign => MatchType::Campaign,
        SearchType::Organisation => MatchType::Organisation,
    }
}

/// A value: an id of this API counts as one, any value as text too.
pub fn property_value(value: &str) -> PropertyValue {
    let id = GlobalId::decode("values", value).is_ok().then(|| value.to_owned());
    PropertyValue { id, text: Some(value.to_owned()) }
}
