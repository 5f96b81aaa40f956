//! The properties a reconciliation query may give besides the name, and
//! how each agrees with a candidate.

use super::MatchType;
use super::candidates::Profile;
use super::scoring::{Agreement, name_similarity};
use crate::error::{AppError, AppResult};
use crate::ids::{GlobalId, NodeType};
use crate::service::duplicates::names;
use crate::service::text::sort_key;
use rust_iso3166::iso3166_2;

/// A property a query can match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    Country,
    Subdivision,
    Occupation,
    OtherName,
    Organisation,
    Reference,
    Jurisdiction,
}

impl Property {
    pub const ALL: [Property; 7] = [
        Property::Country,
        Property::Subdivision,
        Property::Occupation,
        Property::OtherName,
        Property::Organisation,
        Property::Reference,
        Property::Jurisdiction,
    ];

    /// The property's id (`pid`).
    pub fn id(self) -> &'static str {
        match self {
            Property::Country => "country",
            Property::Subdivision => "subdivision",
            Property::Occupation => "occupation",
            Property::OtherName => "otherName",
            Property::Organisation => "organisation",
            Property::Reference => "reference",
            Property::Jurisdiction => "jurisdiction",
        }
    }

    /// The property by its id (case is ignored).
    pub fn parse(id: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|property| property.id().eq_ignore_ascii_case(id.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Property::Country => "Country",
            Property::Subdivision => "State or province",
            Property::Occupation => "Occupation",
            Property::OtherName => "Other name",
            Property::Organisation => "Organisation",
            Property::Reference => "Reference",
            Property::Jurisdiction => "Jurisdiction",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Property::Country => {
                "Where the defender works, the organisation is based or the restriction applies: an ISO 3166-1 code (SA) or an English name (Saudi Arabia)."
            }
            Property::Subdivision => "A state or province: an ISO 3166-2 code (US-FL) or its name (Florida).",
            Property::Occupation => "A defender's occupation, such as journalist or lawyer.",
            Property::OtherName => "Another name or spelling of the person or organisation.",
            Property::Organisation => {
                "An organisation the defender is affiliated with, or that leads the campaign: its name, acronym or id."
            }
            Property::Reference => "A restriction's reference, such as a bill number (HB 1).",
            Property::Jurisdiction => {
                "Where a restriction applies: a country or subdivision, as an ISO 3166 code or a name (US-FL, Florida)."
            }
        }
    }

    /// How much the property weighs against the name (which weighs 6).
    fn weight(self) -> f64 {
        match self {
            Property::Country | Property::Organisation | Property::Jurisdiction => 2.0,
            Property::Subdivision | Property::Occupation | Property::OtherName => 1.0,
            Property::Reference => 4.0,
        }
    }

    /// Whether records of `kind` have this property.
    pub fn applies_to(self, kind: MatchType) -> bool {
        use MatchType::*;
        match self {
            Property::Country => matches!(kind, Defender | Organisation | Restriction),
            Property::Subdivision => matches!(kind, Defender | Restriction),
            Property::Occupation => kind == Defender,
            Property::OtherName => matches!(kind, Defender | Organisation),
            Property::Organisation => matches!(kind, Defender | Campaign),
            Property::Reference | Property::Jurisdiction => kind == Restriction,
        }
    }

    /// The properties of records of `kind`.
    pub fn of(kind: Option<MatchType>) -> Vec<Property> {
        Property::ALL.into_iter().filter(|property| kind.is_none_or(|kind| property.applies_to(kind))).collect()
    }
}

/// One value of a property: a text, or a record (its id, and its name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyValue {
    pub id: Option<String>,
    pub text: Option<String>,
}

/// A property and the values the query gives for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryProperty {
    pub property: Property,
    pub values: Vec<PropertyValue>,
}

/// The longest value accepted, in characters, and the most values per property.
const MAX_VALUE_CHARS: usize = 200;
const MAX_VALUES: usize = 20;

impl QueryProperty {
    /// Checks a property of a query.
    pub fn new(argument: &str, pid: &str, values: Vec<PropertyValue>) -> AppResult<QueryProperty> {
        let property = Property::parse(pid).ok_or_else(|| {
            let known: Vec<&str> = Property::ALL.iter().map(|p| p.id()).collect();
            AppError::bad_input(
                format!("{argument}.pid"),
                format!("\"{}\" is not a property of this service; use one of {}", truncate(pid), known.join(", ")),
            )
        })?;
        if values.len() > MAX_VALUES {
            return Err(AppError::bad_input(format!("{argument}.v"), format!("give at most {MAX_VALUES} values")));
        }
        for value in &values {
            for text in value.id.iter().chain(&value.text) {
                if text.chars().count() > MAX_VALUE_CHARS {
                    return Err(AppError::bad_input(
                        format!("{argument}.v"),
                        format!("values must be at most {MAX_VALUE_CHARS} characters"),
                    ));
                }
            }
        }
        Ok(QueryProperty { property, values })
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

/// What the property says of the candidate, when it applies to its kind.
pub fn agreement(property: &QueryProperty, kind: MatchType, profile: &Profile) -> Option<Agreement> {
    if !property.property.applies_to(kind) || property.values.is_empty() {
        return None;
    }
    let values = &property.values;
    let value = match property.property {
        // A place the record does not state, or a value that names no
        // place this service knows, is no evidence either way.
        Property::Country => place_agreement(values, profile.country.as_deref(), country_matches, is_country)?,
        Property::Subdivision => {
            place_agreement(values, profile.subdivision.as_deref(), subdivision_matches, is_subdivision)?
        }
        Property::Jurisdiction => jurisdiction(values, profile)?,
        Property::Occupation => {
            let known = profile.occupation.as_deref().map(words).unwrap_or_default();
            let agrees = values.iter().filter_map(|v| v.text.as_deref()).any(|text| {
                let asked = words(text);
                let shared = asked.iter().filter(|word| known.contains(word)).count();
                shared > 0 && 2 * shared >= asked.len().min(known.len())
            });
            if agrees { 1.0 } else { 0.0 }
        }
        Property::OtherName => {
            let agrees = values
                .iter()
                .filter_map(|v| v.text.as_deref())
                .any(|text| profile.names.iter().any(|name| name_similarity(text, name) >= super::scoring::MATCH_NAME));
            if agrees { 1.0 } else { 0.0 }
        }
        Property::Organisation => {
            let agrees = values.iter().any(|value| {
                let by_id = value.id.as_deref().and_then(|id| GlobalId::decode("v", id).ok()).is_some_and(|id| {
                    matches!(id, GlobalId::Uuid(NodeType::Organisation, uuid) if profile.organisations.iter().any(|(known, _)| *known == uuid))
                });
                by_id
                    || value.text.as_deref().is_some_and(|text| {
                        profile
                            .organisations
                            .iter()
                            .flat_map(|(_, names)| names)
                            .any(|name| names::compare(text, name).0 >= 0.9)
                    })
            });
            if agrees { 1.0 } else { 0.0 }
        }
        Property::Reference => {
            let known: Vec<String> = profile.reference.as_deref().map(reference_parts).unwrap_or_default();
            let asked: Vec<String> =
                values.iter().filter_map(|v| v.text.as_deref()).flat_map(reference_parts).collect();
            if known.is_empty() || asked.is_empty() {
                return None;
            } else if asked.iter().any(|part| known.contains(part)) {
                1.0
            } else {
                -1.0
            }
        }
    };
    Some(Agreement { weight: property.property.weight(), value })
}

/// The value's text and id, whichever is given.
fn texts(value: &PropertyValue) -> impl Iterator<Item = &str> {
    value.id.iter().chain(&value.text).map(String::as_str)
}

/// A place property: 1 when a value names the candidate's place, −1 when
/// a value names another place, 0 when the record states no place or no
/// value is a place this service knows.
fn place_agreement(
    values: &[PropertyValue],
    known: Option<&str>,
    matches: fn(&str, &str) -> bool,
    is_place: fn(&str) -> bool,
) -> Option<f64> {
    let known = known?;
    if values.iter().flat_map(texts).any(|text| matches(text, known)) {
        Some(1.0)
    } else if values.iter().flat_map(texts).any(is_place) {
        Some(-1.0)
    } else {
        None
    }
}

/// A restriction's jurisdiction: its subdivision, or its country when it
/// applies nationally. The country of a subdivision's law half agrees.
fn jurisdiction(values: &[PropertyValue], profile: &Profile) -> Option<f64> {
    let all = || values.iter().flat_map(texts);
    match (&profile.subdivision, &profile.country) {
        (Some(subdivision), _) if all().any(|text| subdivision_matches(text, subdivision)) => Some(1.0),
        (None, Some(country)) if all().any(|text| country_matches(text, country)) => Some(1.0),
        (Some(_), Some(country)) if all().any(|text| country_matches(text, country)) => Some(0.5),
        _ if all().any(|text| is_country(text) || is_subdivision(text)) => Some(-1.0),
        _ => None,
    }
}

/// A country code, from an ISO code, a name, or a Country id.
fn country_code_of(text: &str) -> Option<String> {
    if let Ok(GlobalId::Code(NodeType::Country, code)) = GlobalId::decode("v", text) {
        return Some(code);
    }
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    let coded = match trimmed.len() {
        2 => rust_iso3166::from_alpha2(&upper),
        3 => rust_iso3166::from_alpha3(&upper),
        _ => None,
    };
    if let Some(country) = coded {
        return Some(country.alpha2.to_owned());
    }
    let key = sort_key(trimmed);
    if let Some((_, code)) = COMMON_NAMES.iter().find(|(name, _)| *name == key) {
        return Some((*code).to_owned());
    }
    // ISO's names, also without what follows a comma or a parenthesis
    // ("Bolivia (Plurinational State of)").
    rust_iso3166::ALL
        .iter()
        .find(|country| {
            let short = country.name.split([',', '(']).next().unwrap_or_default();
            sort_key(country.name) == key || sort_key(short) == key
        })
        .map(|country| country.alpha2.to_owned())
}

/// English names in common use that ISO 3166 writes otherwise, folded.
const COMMON_NAMES: &[(&str, &str)] = &[
    ("turkey", "TR"),
    ("russia", "RU"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("vietnam", "VN"),
    ("south korea", "KR"),
    ("north korea", "KP"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("britain", "GB"),
    ("great britain", "GB"),
    ("united states", "US"),
    ("us", "US"),
    ("laos", "LA"),
    ("czech republic", "CZ"),
    ("ivory coast", "CI"),
    ("democratic republic of the congo", "CD"),
    ("dr congo", "CD"),
    ("drc", "CD"),
    ("republic of the congo", "CG"),
    ("palestine", "PS"),
    ("taiwan", "TW"),
    ("swaziland", "SZ"),
    ("burma", "MM"),
    ("the netherlands", "NL"),
    ("the gambia", "GM"),
];

fn country_matches(text: &str, code: &str) -> bool {
    country_code_of(text).is_some_and(|found| found == code)
}

fn is_country(text: &str) -> bool {
    country_code_of(text).is_some()
}

fn subdivision_matches(text: &str, code: &str) -> bool {
    if let Ok(GlobalId::Code(NodeType::Subdivision, found)) = GlobalId::decode("v", text) {
        return found == code;
    }
    let trimmed = text.trim();
    trimmed.eq_ignore_ascii_case(code)
        || iso3166_2::from_code(code).is_some_and(|subdivision| sort_key(subdivision.name) == sort_key(trimmed))
}

fn is_subdivision(text: &str) -> bool {
    iso3166_2::from_code(&text.trim().to_ascii_uppercase()).is_some()
        || matches!(GlobalId::decode("v", text), Ok(GlobalId::Code(NodeType::Subdivision, _)))
}

fn words(text: &str) -> Vec<String> {
    sort_key(text).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// The parts of a reference ("HB 1 / SB 484"), folded with spaces
/// dropped ("hb1", "sb484").
fn reference_parts(reference: &str) -> Vec<String> {
    reference
        .split(['/', ',', ';', '|'])
        .map(|part| sort_key(part).replace(' ', ""))
        .filter(|part| !part.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Vec<PropertyValue> {
        vec![PropertyValue { id: None, text: Some(value.to_owned()) }]
    }

    #[test]
    fn places_agree_by_code_or_name() {
        let country =
            |value: &str, known: Option<&str>| place_agreement(&text(value), known, country_matches, is_country);
        assert_eq!(country("sa", Some("SA")), Some(1.0));
        assert_eq!(country("Saudi Arabia", Some("SA")), Some(1.0));
        assert_eq!(country("SAU", Some("SA")), Some(1.0));
        assert_eq!(country("Turkey", Some("TR")), Some(1.0));
        assert_eq!(country("Bolivia", Some("BO")), Some(1.0));
        assert_eq!(country("UK", Some("GB")), Some(1.0));
        assert_eq!(country("Peru", Some("SA")), Some(-1.0));
        assert_eq!(country("Atlantis", Some("SA")), None);
        assert_eq!(country("Peru", None), None);
        let subdivision =
            |value: &str, known: &str| place_agreement(&text(value), Some(known), subdivision_matches, is_subdivision);
        assert_eq!(subdivision("Florida", "US-FL"), Some(1.0));
        assert_eq!(subdivision("US-ND", "US-FL"), Some(-1.0));
    }

    #[test]
    fn references_agree_by_any_part() {
        assert_eq!(reference_parts("HB 1 / SB 484"), vec!["hb1", "sb484"]);
        assert!(reference_parts("HB1").iter().all(|part| reference_parts("HB 1 / SB 484").contains(part)));
    }
}
