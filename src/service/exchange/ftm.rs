//! FollowTheMoney entities, the JSON format of OpenSanctions and Aleph: one
//! entity per line, `{"id", "schema", "properties": {name: [values]}}`.
//!
//! `Person` is a defender, `Organization`, `Company`, `PublicBody` and
//! `LegalEntity` are organisations, and `Membership` is a defender's
//! affiliation. Other schemata (sanctions, addresses, identifications, ...)
//! have no counterpart here and are skipped, and counted as such. Confidential
//! fields never leave in this format: it is meant for tools whose users are
//! not bound by the partners' agreements.

use serde_json::{Map, Value, json};

use super::rows::{AffiliationRow, DefenderRow, MembershipRow, OrganisationRow, OtherNameRow, Row};
use entity::{OrganisationKind, OtherNameKind};

/// What an entity becomes: a row, or nothing (a schema without counterpart).
pub type Parsed = Result<Option<Row>, (String, String)>;

fn values<'a>(properties: &'a Map<String, Value>, name: &str) -> Vec<&'a str> {
    match properties.get(name) {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(str::trim).filter(|v| !v.is_empty()).collect()
        }
        Some(Value::String(text)) => vec![text.trim()],
        _ => Vec::new(),
    }
}

fn first(properties: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().flat_map(|name| values(properties, name)).next().map(str::to_owned)
}

fn problem(field: &str, reason: impl Into<String>) -> (String, String) {
    (field.to_owned(), reason.into())
}

/// Reads one entity.
pub fn parse(entity: Value) -> Parsed {
    let Value::Object(entity) = entity else { return Err(problem("", "an entity must be a JSON object")) };
    let id = entity.get("id").and_then(Value::as_str).map(str::trim).unwrap_or_default().to_owned();
    if id.is_empty() {
        return Err(problem("id", "every entity needs an id"));
    }
    let schema = entity.get("schema").and_then(Value::as_str).unwrap_or_default();
    let empty = Map::new();
    let properties = match entity.get("properties") {
        Some(Value::Object(properties)) => properties,
        None => &empty,
        Some(_) => return Err(problem("properties", "must be an object of property lists")),
    };
    let names = values(properties, "name");
    let country =
        || first(properties, &["country", "nationality", "jurisdiction", "mainCountry"]).map(|c| c.to_uppercase());
    Ok(Some(match schema {
        "Person" => {
            let Some((name, rest)) = names.split_first() else {
                return Err(problem("properties.name", "a Person needs a name"));
            };
            let Some(country_code) = country() else {
                return Err(problem("properties.country", "a Person needs a country to become a defender"));
            };
            fn other(kind: OtherNameKind, list: Vec<&str>) -> Vec<OtherNameRow> {
                list.into_iter().map(|name| OtherNameRow { name: name.to_owned(), kind, language: None }).collect()
            }
            let other_names = [
                other(OtherNameKind::Alias, rest.to_vec()),
                other(OtherNameKind::Alias, values(properties, "alias")),
                other(OtherNameKind::Nickname, values(properties, "weakAlias")),
                other(OtherNameKind::FormerName, values(properties, "previousName")),
            ]
            .concat();
            Row::Defender(Box::new(DefenderRow {
                external_id: id,
                name: (*name).to_owned(),
                other_names: Some(other_names),
                country_code,
                occupation: Some(first(properties, &["position"])),
                summary: Some(first(properties, &["summary", "description", "notes"])),
                ..DefenderRow::default()
            }))
        }
        "Organization" | "Company" | "PublicBody" | "LegalEntity" => {
            let Some(name) = names.first() else {
                return Err(problem("properties.name", format!("an {schema} needs a name")));
            };
            let kind = match schema {
                "Company" => OrganisationKind::Company,
                "PublicBody" => OrganisationKind::StateAgency,
                _ => OrganisationKind::Other,
            };
            Row::Organisation(OrganisationRow {
                external_id: id,
                name: (*name).to_owned(),
                acronym: first(properties, &["alias"]).filter(|alias| alias.chars().count() <= 40).map(Some),
                kind: Some(kind),
                country_code: Some(country()),
                website: Some(first(properties, &["website"])),
                summary: Some(first(properties, &["summary", "description", "notes"])),
                ..OrganisationRow::default()
            })
        }
        "Membership" => {
            let member = first(properties, &["member"])
                .ok_or_else(|| problem("properties.member", "a Membership needs a member"))?;
            let organisation = first(properties, &["organization"])
                .ok_or_else(|| problem("properties.organization", "a Membership needs an organization"))?;
            let date = |field: &str| -> Result<Option<entity::PartialDate>, (String, String)> {
                first(properties, &[field])
                    .map(|text| {
                        text.parse().map_err(|e: entity::PartialDateError| problem(&format!("properties.{field}"), e.0))
                    })
                    .transpose()
            };
            Row::Membership(MembershipRow {
                defender: member,
                affiliation: AffiliationRow {
                    organisation_id: organisation,
                    role: first(properties, &["role"]),
                    started_on: date("startDate")?,
                    ended_on: date("endDate")?,
                },
            })
        }
        "" => return Err(problem("schema", "every entity needs a schema")),
        _ => return Ok(None),
    }))
}

fn entity(id: &str, schema: &str, properties: Map<String, Value>) -> Value {
    json!({ "id": id, "schema": schema, "properties": properties })
}

fn put(properties: &mut Map<String, Value>, name: &str, values: impl IntoIterator<Item = String>) {
    let values: Vec<Value> = values.into_iter().filter(|v| !v.is_empty()).map(Value::String).collect();
    if !values.is_empty() {
        properties.insert(name.to_owned(), Value::Array(values));
    }
}

/// The entities of a record: one, plus a `Membership` per affiliation of a
/// defender. Restrictions, sources and campaigns have no counterpart here
/// and give none.
pub fn entities(row: &Row) -> Vec<Value> {
    let flat = |value: &Option<Option<String>>| value.clone().flatten();
    match row {
        Row::Defender(defender) => {
            let mut properties = Map::new();
            put(&mut properties, "name", [defender.name.clone()]);
            let others = defender.other_names.clone().unwrap_or_default();
            let of_kind = |kinds: &[OtherNameKind]| {
                others
                    .iter()
                    .filter(|other| kinds.contains(&other.kind))
                    .map(|other| other.name.clone())
                    .collect::<Vec<_>>()
            };
            put(
                &mut properties,
                "alias",
                of_kind(&[OtherNameKind::Alias, OtherNameKind::Transliteration, OtherNameKind::NativeName]),
            );
            put(&mut properties, "weakAlias", of_kind(&[OtherNameKind::Nickname]));
            put(&mut properties, "previousName", of_kind(&[OtherNameKind::FormerName]));
            put(&mut properties, "country", [defender.country_code.to_lowercase()]);
            put(&mut properties, "position", flat(&defender.occupation));
            put(&mut properties, "summary", flat(&defender.summary));
            let mut all = vec![entity(&defender.external_id, "Person", properties)];
            for (i, affiliation) in defender.affiliations.iter().flatten().enumerate() {
                let mut properties = Map::new();
                put(&mut properties, "member", [defender.external_id.clone()]);
                put(&mut properties, "organization", [affiliation.organisation_id.clone()]);
                put(&mut properties, "role", affiliation.role.clone());
                put(&mut properties, "startDate", affiliation.started_on.as_ref().map(|d| d.to_string()));
                put(&mut properties, "endDate", affiliation.ended_on.as_ref().map(|d| d.to_string()));
                all.push(entity(&format!("{}.membership.{}", defender.external_id, i + 1), "Membership", properties));
            }
            all
        }
        Row::Organisation(organisation) => {
            let schema = match organisation.kind {
                Some(OrganisationKind::Company) => "Company",
                Some(OrganisationKind::StateAgency | OrganisationKind::Legislature) => "PublicBody",
                _ => "Organization",
            };
            let mut properties = Map::new();
            put(&mut properties, "name", [organisation.name.clone()]);
            put(&mut properties, "alias", flat(&organisation.acronym));
            put(&mut properties, "country", flat(&organisation.country_code).map(|c| c.to_lowercase()));
            put(&mut properties, "website", flat(&organisation.website));
            put(&mut properties, "summary", flat(&organisation.summary));
            vec![entity(&organisation.external_id, schema, properties)]
        }
        Row::Restriction(_)
        | Row::Source(_)
        | Row::Campaign(_)
        | Row::CountryRating(_)
        | Row::Membership(_)
        | Row::Statement(..) => Vec::new(),
    }
}
