//! The shapes of records in exchange files. JSON Lines carries them as they
//! are (the same field names as the GraphQL inputs, plus `type` and
//! `externalId`); CSV and FollowTheMoney are translated to and from them.
//!
//! A field left out of a row leaves the stored value as it is (or the
//! default, for a new record); a field given as null clears it. Links name
//! other records by the importing organisation's external identifier, or by
//! global id.

use entity::{
    CampaignKind, CampaignOutcome, CampaignStatus, CaseEventKind, CivicSpaceRating, Consent,
    DefenderRestrictionRelation, DefenderStatus, OrganisationKind, OtherNameKind, PartialDate, PerpetratorType,
    RestrictionKind, RestrictionStatus, Right, Sector, Visibility,
};
use serde::{Deserialize, Deserializer, Serialize};

/// The kinds of record exchanged, in the order files are imported: each
/// kind links only to kinds before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Organisation,
    Source,
    Restriction,
    Defender,
    Campaign,
    CountryRating,
}

impl RecordKind {
    /// The kind of record an audited kind is.
    pub fn of_audited(kind: crate::service::audit::Audited) -> RecordKind {
        use crate::service::audit::Audited;
        match kind {
            Audited::Defender => RecordKind::Defender,
            Audited::Restriction => RecordKind::Restriction,
            Audited::Campaign => RecordKind::Campaign,
            Audited::Organisation => RecordKind::Organisation,
            Audited::Source => RecordKind::Source,
            Audited::CountryRating => RecordKind::CountryRating,
        }
    }

    /// Every kind, in import order.
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Organisation,
        RecordKind::Source,
        RecordKind::Restriction,
        RecordKind::Defender,
        RecordKind::Campaign,
        RecordKind::CountryRating,
    ];

    /// The table, which is also the `type` of a JSON Lines row.
    pub fn table(self) -> &'static str {
        match self {
            RecordKind::Organisation => "organisation",
            RecordKind::Source => "source",
            RecordKind::Restriction => "restriction",
            RecordKind::Defender => "defender",
            RecordKind::Campaign => "campaign",
            RecordKind::CountryRating => "country_rating",
        }
    }

    /// The type of the kind's global ids.
    pub fn node_type(self) -> crate::ids::NodeType {
        use crate::ids::NodeType;
        match self {
            RecordKind::Organisation => NodeType::Organisation,
            RecordKind::Source => NodeType::Source,
            RecordKind::Restriction => NodeType::Restriction,
            RecordKind::Defender => NodeType::Defender,
            RecordKind::Campaign => NodeType::Campaign,
            RecordKind::CountryRating => NodeType::CountryRating,
        }
    }

    /// The CSV file name of the kind, such as `defenders.csv`.
    pub fn file_stem(self) -> &'static str {
        match self {
            RecordKind::Organisation => "organisations",
            RecordKind::Source => "sources",
            RecordKind::Restriction => "restrictions",
            RecordKind::Defender => "defenders",
            RecordKind::Campaign => "campaigns",
            RecordKind::CountryRating => "country_ratings",
        }
    }

    /// The kind named, singular or plural, in either spelling of
    /// "organisation", with or without `_`, `-` or a space between words
    /// (`country_rating`, `countryRating`, `country-ratings`).
    pub fn from_name(name: &str) -> Option<RecordKind> {
        let joined = |name: &str| name.replace(['_', '-', ' '], "");
        let name = joined(&name.trim().to_ascii_lowercase().replace("organization", "organisation"));
        let singular = name.strip_suffix('s').unwrap_or(&name);
        RecordKind::ALL.into_iter().find(|kind| joined(kind.table()) == singular)
    }
}

/// Reads a field that may be null, telling "given as null" (`Some(None)`)
/// from "left out" (`None`, through `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A text field that can be cleared.
pub type Nullable<T> = Option<Option<T>>;

/// An organisation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationRow {
    /// The importing organisation's identifier of the record.
    pub external_id: String,
    /// The record's global id, when exported from rights-graph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub acronym: Nullable<String>,
    pub kind: Option<OrganisationKind>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub country_code: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub website: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub summary: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A law, bill or practice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestrictionRow {
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub reference: Nullable<String>,
    pub kind: Option<RestrictionKind>,
    pub status: Option<RestrictionStatus>,
    pub country_code: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub introduced_on: Nullable<PartialDate>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub decided_on: Nullable<PartialDate>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub summary: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Vec<Right>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A source: a report, article or page that records rest on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceRow {
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub url: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub publisher: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub published_on: Nullable<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A civic-space rating of a country, with the rating organisation and the
/// source named by external identifier or global id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatingRow {
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub country_code: String,
    pub rating: CivicSpaceRating,
    pub rated_on: PartialDate,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub organisation_id: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub source_id: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub note: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A campaign, with the records it concerns named by external identifier
/// or global id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignRow {
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    pub kind: Option<CampaignKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CampaignStatus>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub lead_organisation_id: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub started_on: Nullable<PartialDate>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub ended_on: Nullable<PartialDate>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub summary: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub outcome: Nullable<CampaignOutcome>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub outcome_summary: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defender_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction_ids: Option<Vec<String>>,
    /// ISO 3166-1 and ISO 3166-2 codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub areas: Option<Vec<String>>,
}

/// Another name of a defender.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtherNameRow {
    pub name: String,
    #[serde(default = "alias")]
    pub kind: OtherNameKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

fn alias() -> OtherNameKind {
    OtherNameKind::Alias
}

/// A prison sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SentenceRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<i32>,
    #[serde(default)]
    pub life: bool,
}

/// An event of a defender's case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventRow {
    pub kind: CaseEventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_on: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perpetrator_type: Option<PerpetratorType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<SentenceRow>,
    /// The restriction the event relied on: external identifier or global id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction_id: Option<String>,
}

/// A defender's affiliation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AffiliationRow {
    /// External identifier or global id.
    pub organisation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<PartialDate>,
}

/// A link from a defender to a restriction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkRow {
    /// External identifier or global id.
    pub restriction_id: String,
    pub relation: DefenderRestrictionRelation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A human rights defender.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefenderRow {
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_names: Option<Vec<OtherNameRow>>,
    pub country_code: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub occupation: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub summary: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DefenderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<Vec<Sector>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub exact_location: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub contact_details: Nullable<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub safety_notes: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventRow>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliations: Option<Vec<AffiliationRow>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction_links: Option<Vec<LinkRow>>,
}

/// A FollowTheMoney `Membership`: a defender's affiliation given as an
/// entity of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct MembershipRow {
    pub defender: String,
    pub affiliation: AffiliationRow,
}

/// One value of one fact of a record, stated by the importing organisation
/// (`"type": "statement"` in JSON Lines; a row of a statements CSV file).
/// It is added as `addStatement` adds it: asserted on a record the
/// organisation may change, proposed on one it may only read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementRow {
    /// The record: its global id, or the importing organisation's external
    /// identifier of it (then `recordType` says which kind it is).
    pub record_id: String,
    /// `defender`, `restriction` or `campaign`; needed only with an
    /// external identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    pub property: String,
    pub value: String,
    /// BCP 47 tag, for a value in another language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The source it cites: global id or external identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// The asserting organisation's global id (empty for reference data),
    /// where a statements file names it in its `dataset` column; JSON Lines
    /// rows are the importer's own.
    #[serde(skip)]
    pub dataset: Option<String>,
}

/// The kinds of record that hold statements.
const STATED: &str = "defender, restriction or campaign";

impl StatementRow {
    /// The kind of the record named: from `recordType`, else from the
    /// global id. The error names the field at fault.
    pub fn record_kind(&self) -> Result<RecordKind, (String, String)> {
        let stated = |kind: RecordKind| {
            matches!(kind, RecordKind::Defender | RecordKind::Restriction | RecordKind::Campaign).then_some(kind)
        };
        if let Some(name) = &self.record_type {
            return RecordKind::from_name(name)
                .and_then(stated)
                .ok_or_else(|| ("recordType".to_owned(), format!("\"{name}\" is not {STATED}")));
        }
        let named = crate::ids::GlobalId::decode("recordId", &self.record_id)
            .ok()
            .and_then(|id| RecordKind::ALL.into_iter().find(|kind| kind.node_type() == id.node_type()));
        match named {
            Some(kind) => stated(kind).ok_or_else(|| {
                ("recordId".to_owned(), format!("statements are kept for a {STATED}, not for a {}", kind.table()))
            }),
            None => Err((
                "recordType".to_owned(),
                format!("recordId is no global id: give recordType ({STATED}) with an external identifier"),
            )),
        }
    }
}

/// One record of an exchange file.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Organisation(OrganisationRow),
    Source(SourceRow),
    Restriction(RestrictionRow),
    Defender(Box<DefenderRow>),
    Campaign(Box<CampaignRow>),
    CountryRating(RatingRow),
    Membership(MembershipRow),
    /// A statement about a record of this kind.
    Statement(RecordKind, Box<StatementRow>),
}

impl Row {
    /// The kind of record the row writes.
    pub fn kind(&self) -> RecordKind {
        match self {
            Row::Organisation(_) => RecordKind::Organisation,
            Row::Source(_) => RecordKind::Source,
            Row::Campaign(_) => RecordKind::Campaign,
            Row::Restriction(_) => RecordKind::Restriction,
            Row::CountryRating(_) => RecordKind::CountryRating,
            Row::Defender(_) | Row::Membership(_) => RecordKind::Defender,
            Row::Statement(kind, _) => *kind,
        }
    }

    /// The external identifier of the record the row writes.
    pub fn external_id(&self) -> &str {
        match self {
            Row::Organisation(row) => &row.external_id,
            Row::Source(row) => &row.external_id,
            Row::Campaign(row) => &row.external_id,
            Row::Restriction(row) => &row.external_id,
            Row::Defender(row) => &row.external_id,
            Row::CountryRating(row) => &row.external_id,
            Row::Membership(row) => &row.defender,
            Row::Statement(_, row) => &row.record_id,
        }
    }

    /// Every external identifier the row names: its record's, and those of
    /// the records it links to (a link may also be a global id, which no
    /// external identifier matches).
    pub fn references(&self) -> Vec<(RecordKind, &str)> {
        let mut references = vec![(self.kind(), self.external_id())];
        match self {
            Row::Defender(row) => {
                let events = row.events.iter().flatten().filter_map(|event| event.restriction_id.as_deref());
                references.extend(events.map(|id| (RecordKind::Restriction, id)));
                let affiliations = row.affiliations.iter().flatten();
                references.extend(affiliations.map(|entry| (RecordKind::Organisation, entry.organisation_id.as_str())));
                let links = row.restriction_links.iter().flatten();
                references.extend(links.map(|link| (RecordKind::Restriction, link.restriction_id.as_str())));
            }
            Row::Campaign(row) => {
                let lead = row.lead_organisation_id.iter().flatten();
                references.extend(lead.map(|id| (RecordKind::Organisation, id.as_str())));
                let defenders = row.defender_ids.iter().flatten();
                references.extend(defenders.map(|id| (RecordKind::Defender, id.as_str())));
                let restrictions = row.restriction_ids.iter().flatten();
                references.extend(restrictions.map(|id| (RecordKind::Restriction, id.as_str())));
            }
            Row::Membership(row) => {
                references.push((RecordKind::Organisation, row.affiliation.organisation_id.as_str()))
            }
            Row::CountryRating(row) => {
                references
                    .extend(row.organisation_id.iter().flatten().map(|id| (RecordKind::Organisation, id.as_str())));
                references.extend(row.source_id.iter().flatten().map(|id| (RecordKind::Source, id.as_str())));
            }
            Row::Statement(_, row) => {
                references.extend(row.source_id.iter().map(|id| (RecordKind::Source, id.as_str())))
            }
            Row::Organisation(_) | Row::Source(_) | Row::Restriction(_) => {}
        }
        references.into_iter().map(|(kind, id)| (kind, id.trim())).collect()
    }

    /// The row as a JSON Lines object, `type` first.
    pub fn to_json(&self) -> serde_json::Value {
        let (kind, fields) = match self {
            Row::Organisation(row) => ("organisation", serde_json::to_value(row)),
            Row::Source(row) => ("source", serde_json::to_value(row)),
            Row::Campaign(row) => ("campaign", serde_json::to_value(row)),
            Row::Restriction(row) => ("restriction", serde_json::to_value(row)),
            Row::Defender(row) => ("defender", serde_json::to_value(row)),
            Row::CountryRating(row) => ("country_rating", serde_json::to_value(row)),
            Row::Statement(_, row) => ("statement", serde_json::to_value(row)),
            Row::Membership(_) => return serde_json::Value::Null,
        };
        let mut object = serde_json::Map::new();
        object.insert("type".into(), kind.into());
        if let Ok(serde_json::Value::Object(fields)) = fields {
            object.extend(fields);
        }
        serde_json::Value::Object(object)
    }

    /// Reads a row of `kind` from a JSON object (without its `type`).
    /// The error names the field at fault.
    pub fn from_json(kind: RecordKind, value: serde_json::Value) -> Result<Row, (String, String)> {
        fn read<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, (String, String)> {
            serde_path_to_error::deserialize(value).map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "." { String::new() } else { path };
                (field, error.into_inner().to_string())
            })
        }
        Ok(match kind {
            RecordKind::Organisation => Row::Organisation(read(value)?),
            RecordKind::Source => Row::Source(read(value)?),
            RecordKind::Campaign => Row::Campaign(Box::new(read(value)?)),
            RecordKind::Restriction => Row::Restriction(read(value)?),
            RecordKind::Defender => Row::Defender(Box::new(read(value)?)),
            RecordKind::CountryRating => Row::CountryRating(read(value)?),
        })
    }
}
