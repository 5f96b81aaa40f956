//! The facts of each kind of record: which properties a record states, each
//! value as text, and how a single value is set back into a draft (when a
//! proposal is accepted, or a statement changes the record's current value).
//!
//! Confidential fields are no facts: they never become statements, so a
//! statement can never carry one to a viewer.

use entity::{
    CampaignKind, CampaignOutcome, CampaignStatus, CaseEventKind, DefenderRestrictionRelation, DefenderStatus,
    OtherNameKind, PartialDate, PerpetratorType, RestrictionKind, RestrictionStatus, Right, Sector,
};
use serde_json::json;
use std::str::FromStr;

use crate::error::{AppError, AppResult};
use crate::service::audit::Audited;
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::codes;
use crate::service::defenders::case::{AffiliationDraft, EventDraft, LinkDraft};
use crate::service::defenders::edits::{DefenderDraft, OtherNameDraft};
use crate::service::restrictions::edits::RestrictionDraft;

/// One value of one property, as a statement states it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fact {
    pub property: &'static str,
    pub value: String,
    pub language: Option<String>,
}

impl Fact {
    fn of(property: &'static str, value: impl ToString) -> Fact {
        Fact { property, value: value.to_string(), language: None }
    }
}

/// What a property's values are, in FollowTheMoney's type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropType {
    Name,
    String,
    Text,
    Country,
    Date,
    Identifier,
    Json,
    /// The id of a record of this kind: shown only to viewers who can see it.
    Entity(Audited),
}

impl PropType {
    /// FollowTheMoney's name of the type.
    pub fn ftm_name(self) -> &'static str {
        match self {
            PropType::Name => "name",
            PropType::String => "string",
            PropType::Text => "text",
            PropType::Country => "country",
            PropType::Date => "date",
            PropType::Identifier => "identifier",
            PropType::Json => "json",
            PropType::Entity(_) => "entity",
        }
    }
}

/// A property of a kind of record.
#[derive(Clone, Copy, Debug)]
pub struct Property {
    pub name: &'static str,
    pub prop_type: PropType,
    /// Whether a record holds one value (else a list).
    pub single: bool,
    /// Whether values in other languages may be stated for it.
    pub translatable: bool,
}

const fn property(name: &'static str, prop_type: PropType, single: bool, translatable: bool) -> Property {
    Property { name, prop_type, single, translatable }
}

/// A case event's description in another language: a defender's statement
/// whose value names the event (see [`EventText`]), always with a language.
pub const EVENT_DESCRIPTION: &str = "caseEventDescription";

/// The value of an [`EVENT_DESCRIPTION`] statement: which of the record's
/// case events, and its description in the statement's language. Written
/// with the event first (`{"event":"…","description":"…"}`), so that an
/// event's statements share a prefix.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventText {
    pub event: uuid::Uuid,
    pub description: String,
}

impl EventText {
    /// The value as stored.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored or given value; `None` when it is not one.
    pub fn decode(value: &str) -> Option<EventText> {
        serde_json::from_str(value).ok()
    }

    /// The event text a fact states, if it is an event's description.
    pub fn of(fact: &Fact) -> Option<EventText> {
        (fact.property == EVENT_DESCRIPTION).then(|| EventText::decode(&fact.value)).flatten()
    }

    /// The start every stored value about `event` shares.
    pub fn prefix(event: uuid::Uuid) -> String {
        format!("{{\"event\":\"{event}\",")
    }
}

/// A case event as its `caseEvent` statement states it: what happened and
/// when, without ids, so that the same event has the same value in every
/// database.
pub fn event_value(event: &EventDraft) -> serde_json::Value {
    json!({
        "kind": event.kind,
        "occurredOn": event.occurred_on.as_ref().map(|d| d.to_string()),
        "description": event.description,
        "perpetratorType": event.perpetrator_type,
        "sentenceMonths": event.sentence_months,
        "sentenceLife": event.sentence_life,
    })
}

/// The properties of defenders.
pub const DEFENDER: &[Property] = &[
    property("name", PropType::Name, true, true),
    property("otherName", PropType::Name, false, false),
    property("status", PropType::String, true, false),
    property("occupation", PropType::String, true, true),
    property("summary", PropType::Text, true, true),
    property("country", PropType::Country, true, false),
    property("subdivision", PropType::Identifier, true, false),
    property("sector", PropType::String, false, false),
    property("caseEvent", PropType::Json, false, false),
    property(EVENT_DESCRIPTION, PropType::Json, false, true),
    property("affiliation", PropType::Entity(Audited::Organisation), false, false),
    property("restriction", PropType::Entity(Audited::Restriction), false, false),
];

/// The properties of restrictions.
pub const RESTRICTION: &[Property] = &[
    property("title", PropType::Name, true, true),
    property("reference", PropType::Identifier, true, false),
    property("kind", PropType::String, true, false),
    property("status", PropType::String, true, false),
    property("country", PropType::Country, true, false),
    property("subdivision", PropType::Identifier, true, false),
    property("introducedOn", PropType::Date, true, false),
    property("decidedOn", PropType::Date, true, false),
    property("summary", PropType::Text, true, true),
    property("right", PropType::String, false, false),
];

/// The properties of campaigns.
pub const CAMPAIGN: &[Property] = &[
    property("title", PropType::Name, true, true),
    property("kind", PropType::String, true, false),
    property("status", PropType::String, true, false),
    property("leadOrganisation", PropType::Entity(Audited::Organisation), true, false),
    property("startedOn", PropType::Date, true, false),
    property("endedOn", PropType::Date, true, false),
    property("summary", PropType::Text, true, true),
    property("outcome", PropType::String, true, false),
    property("outcomeSummary", PropType::Text, true, false),
    property("defender", PropType::Entity(Audited::Defender), false, false),
    property("restriction", PropType::Entity(Audited::Restriction), false, false),
    property("area", PropType::Identifier, false, false),
];

/// The properties of a kind of record; none for kinds without statements.
pub fn properties(kind: Audited) -> &'static [Property] {
    match kind {
        Audited::Defender => DEFENDER,
        Audited::Restriction => RESTRICTION,
        Audited::Campaign => CAMPAIGN,
        _ => &[],
    }
}

/// A property of a kind, by name.
pub fn property_of(kind: Audited, name: &str) -> Option<Property> {
    properties(kind).iter().copied().find(|p| p.name == name)
}

/// A draft whose facts become statements.
pub trait Stated {
    /// The kind of record.
    const KIND: Audited;

    /// Every value of every property, as text.
    fn facts(&self) -> Vec<Fact>;

    /// Sets a single-valued property from text, as a write would.
    fn set_fact(&mut self, property: &str, value: &str) -> AppResult<()>;

    /// Adds a value to a list, as a write adding it would (a link with only
    /// the record it names); a value the list holds stays once.
    fn add_fact(&mut self, fact: &Fact) -> AppResult<()>;
}

/// The refusal to add a value to a property that is no list.
fn not_a_list(property: &str) -> AppError {
    AppError::bad_input("property", format!("{property} holds one value: state it, or propose it, as such"))
}

/// A value as given, as stored: a link's value (a UUID, or the global id of
/// a record of the kind the property links to) as the UUID, and a case
/// event as [`event_value`] writes it. Other values are left as they are.
pub fn stored_value(kind: Audited, property: &str, value: &str) -> AppResult<String> {
    let Some(found) = property_of(kind, property) else { return Ok(value.to_owned()) };
    match found.prop_type {
        PropType::Entity(linked) => {
            let value = value.trim();
            if let Ok(id) = uuid::Uuid::parse_str(value) {
                return Ok(id.to_string());
            }
            let node_type = crate::service::exchange::rows::RecordKind::of_audited(linked).node_type();
            let id = crate::ids::GlobalId::decode_uuid_of("value", value, node_type).map_err(|_| {
                AppError::bad_input("value", format!("{property} takes the id of a {}", linked.table()))
            })?;
            Ok(id.to_string())
        }
        _ if property == "caseEvent" => Ok(event_value(&event_of(value)?).to_string()),
        _ => Ok(value.to_owned()),
    }
}

/// A case event from a `caseEvent` value, as [`event_value`] writes it
/// (`kind` needed; the others may be left out).
fn event_of(value: &str) -> AppResult<EventDraft> {
    use serde_json::Value;
    let refuse = || {
        AppError::bad_input(
            "value",
            r#"caseEvent takes {"kind": "ARREST", "occurredOn": "2018-05", "description": "…", "perpetratorType": "STATE", "sentenceMonths": 120, "sentenceLife": false}: kind, and any of the others"#,
        )
    };
    const FIELDS: [&str; 6] =
        ["kind", "occurredOn", "description", "perpetratorType", "sentenceMonths", "sentenceLife"];
    let Ok(Value::Object(given)) = serde_json::from_str::<Value>(value) else { return Err(refuse()) };
    if given.keys().any(|key| !FIELDS.contains(&key.as_str())) {
        return Err(refuse());
    }
    let text = |name: &str| match given.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(refuse()),
    };
    let sentence_months = match given.get("sentenceMonths") {
        None | Some(Value::Null) => None,
        Some(months) => Some(months.as_i64().and_then(|m| i32::try_from(m).ok()).ok_or_else(refuse)?),
    };
    let sentence_life = match given.get("sentenceLife") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(life)) => *life,
        Some(_) => return Err(refuse()),
    };
    Ok(EventDraft {
        id: None,
        kind: variant::<CaseEventKind>("kind", &text("kind")?.ok_or_else(refuse)?)?,
        occurred_on: text("occurredOn")?.map(|date| parse::<PartialDate>("occurredOn", &date)).transpose()?,
        description: text("description")?.and_then(|d| optional(&d)),
        perpetrator_type: text("perpetratorType")?
            .map(|p| variant::<PerpetratorType>("perpetratorType", &p))
            .transpose()?,
        sentence_months,
        sentence_life,
        restriction_id: None,
    })
}

fn add_once<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn parse<T: FromStr>(property: &str, value: &str) -> AppResult<T> {
    value.parse().map_err(|_| AppError::bad_input("value", format!("is not a valid value of {property}: {value:?}")))
}

/// An enum value from its stored name.
fn variant<T: sea_orm::Iterable + Copy + std::fmt::Display>(property: &str, value: &str) -> AppResult<T> {
    T::iter().find(|v| v.to_string() == value).ok_or_else(|| {
        let names: Vec<String> = T::iter().map(|v| v.to_string()).collect();
        AppError::bad_input("value", format!("{property} must be one of {}", names.join(", ")))
    })
}

fn optional(value: &str) -> Option<String> {
    Some(value.to_owned()).filter(|v| !v.trim().is_empty())
}

fn single_only(property: &str) -> AppError {
    AppError::bad_input(
        "property",
        format!("{property} is a list: change it with the record's update mutation, or state another language's value"),
    )
}

impl Stated for DefenderDraft {
    const KIND: Audited = Audited::Defender;

    fn facts(&self) -> Vec<Fact> {
        let mut facts = vec![Fact::of("name", &self.name), Fact::of("status", self.status)];
        for other in &self.other_names {
            facts.push(Fact { property: "otherName", value: other.name.clone(), language: other.language.clone() });
        }
        facts.extend(self.occupation.iter().map(|v| Fact::of("occupation", v)));
        facts.extend(self.summary.iter().map(|v| Fact::of("summary", v)));
        facts.push(Fact::of("country", &self.country_code));
        facts.extend(self.subdivision_code.iter().map(|v| Fact::of("subdivision", v)));
        facts.extend(self.sectors.iter().map(|v| Fact::of("sector", v)));
        facts.extend(self.case.events.iter().map(|event| Fact::of("caseEvent", event_value(event))));
        facts.extend(self.case.affiliations.iter().map(|a| Fact::of("affiliation", a.organisation_id)));
        facts.extend(self.case.links.iter().map(|l| Fact::of("restriction", l.restriction_id)));
        facts
    }

    fn set_fact(&mut self, property: &str, value: &str) -> AppResult<()> {
        match property {
            "name" => self.name = value.to_owned(),
            "status" => self.status = variant::<DefenderStatus>(property, value)?,
            "occupation" => self.occupation = optional(value),
            "summary" => self.summary = optional(value),
            "country" => {
                self.country_code = value.to_owned();
                self.subdivision_code = None;
            }
            "subdivision" => self.subdivision_code = optional(value),
            other => return Err(single_only(other)),
        }
        Ok(())
    }

    fn add_fact(&mut self, fact: &Fact) -> AppResult<()> {
        match fact.property {
            "otherName" => {
                let held = self.other_names.iter().any(|o| o.name == fact.value && o.language == fact.language);
                if !held {
                    self.other_names.push(OtherNameDraft {
                        name: fact.value.clone(),
                        kind: OtherNameKind::Alias,
                        language: fact.language.clone(),
                    });
                }
            }
            "sector" => add_once(&mut self.sectors, variant::<Sector>("sector", &fact.value)?),
            // A case event as it states: added unless the case holds one
            // that states the same.
            "caseEvent" => {
                let event = event_of(&fact.value)?;
                let value = event_value(&event);
                if !self.case.events.iter().any(|held| event_value(held) == value) {
                    self.case.events.push(event);
                }
            }
            // A link carries only the record it names: an affiliation
            // without role or dates, a restriction that affects the defender.
            "affiliation" => {
                let organisation = parse::<uuid::Uuid>("affiliation", &fact.value)?;
                if !self.case.affiliations.iter().any(|held| held.organisation_id == organisation) {
                    self.case.affiliations.push(AffiliationDraft {
                        id: None,
                        organisation_id: organisation,
                        role: None,
                        started_on: None,
                        ended_on: None,
                    });
                }
            }
            "restriction" => {
                let restriction = parse::<uuid::Uuid>("restriction", &fact.value)?;
                if !self.case.links.iter().any(|held| held.restriction_id == restriction) {
                    self.case.links.push(LinkDraft {
                        restriction_id: restriction,
                        relation: DefenderRestrictionRelation::AffectedBy,
                        note: None,
                    });
                }
            }
            other => return Err(not_a_list(other)),
        }
        Ok(())
    }
}

impl Stated for RestrictionDraft {
    const KIND: Audited = Audited::Restriction;

    fn facts(&self) -> Vec<Fact> {
        let mut facts = vec![Fact::of("title", &self.title)];
        facts.extend(self.reference.iter().map(|v| Fact::of("reference", v)));
        facts.push(Fact::of("kind", self.kind));
        facts.push(Fact::of("status", self.status));
        facts.push(Fact::of("country", &self.country_code));
        facts.extend(self.subdivision_code.iter().map(|v| Fact::of("subdivision", v)));
        facts.extend(self.introduced_on.iter().map(|v| Fact::of("introducedOn", v)));
        facts.extend(self.decided_on.iter().map(|v| Fact::of("decidedOn", v)));
        facts.extend(self.summary.iter().map(|v| Fact::of("summary", v)));
        facts.extend(self.rights.iter().map(|v| Fact::of("right", v)));
        facts
    }

    fn set_fact(&mut self, property: &str, value: &str) -> AppResult<()> {
        match property {
            "title" => self.title = value.to_owned(),
            "reference" => self.reference = optional(value),
            "kind" => self.kind = variant::<RestrictionKind>(property, value)?,
            "status" => self.status = variant::<RestrictionStatus>(property, value)?,
            "country" => {
                self.country_code = value.to_owned();
                self.subdivision_code = None;
            }
            "subdivision" => self.subdivision_code = optional(value),
            "introducedOn" => self.introduced_on = optional(value).map(|v| parse(property, &v)).transpose()?,
            "decidedOn" => self.decided_on = optional(value).map(|v| parse(property, &v)).transpose()?,
            "summary" => self.summary = optional(value),
            other => return Err(single_only(other)),
        }
        Ok(())
    }

    fn add_fact(&mut self, fact: &Fact) -> AppResult<()> {
        match fact.property {
            "right" => add_once(&mut self.rights, variant::<Right>("right", &fact.value)?),
            other => return Err(not_a_list(other)),
        }
        Ok(())
    }
}

impl Stated for CampaignDraft {
    const KIND: Audited = Audited::Campaign;

    fn facts(&self) -> Vec<Fact> {
        let mut facts =
            vec![Fact::of("title", &self.title), Fact::of("kind", self.kind), Fact::of("status", self.status)];
        facts.extend(self.lead_organisation_id.iter().map(|v| Fact::of("leadOrganisation", v)));
        facts.extend(self.started_on.iter().map(|v| Fact::of("startedOn", v)));
        facts.extend(self.ended_on.iter().map(|v| Fact::of("endedOn", v)));
        facts.extend(self.summary.iter().map(|v| Fact::of("summary", v)));
        facts.extend(self.outcome.iter().map(|v| Fact::of("outcome", v)));
        facts.extend(self.outcome_summary.iter().map(|v| Fact::of("outcomeSummary", v)));
        facts.extend(self.defender_ids.iter().map(|v| Fact::of("defender", v)));
        facts.extend(self.restriction_ids.iter().map(|v| Fact::of("restriction", v)));
        facts.extend(self.areas.iter().map(|v| Fact::of("area", v)));
        facts
    }

    fn set_fact(&mut self, property: &str, value: &str) -> AppResult<()> {
        match property {
            "title" => self.title = value.to_owned(),
            "kind" => self.kind = variant::<CampaignKind>(property, value)?,
            "status" => self.status = variant::<CampaignStatus>(property, value)?,
            "startedOn" => self.started_on = optional(value).map(|v| parse(property, &v)).transpose()?,
            "endedOn" => self.ended_on = optional(value).map(|v| parse(property, &v)).transpose()?,
            "summary" => self.summary = optional(value),
            "outcome" => {
                self.outcome = optional(value).map(|v| variant::<CampaignOutcome>(property, &v)).transpose()?
            }
            "outcomeSummary" => self.outcome_summary = optional(value),
            // Whether the organisation may be named is checked with the
            // draft, as for an update.
            "leadOrganisation" => {
                self.lead_organisation_id = optional(value).map(|v| parse::<uuid::Uuid>(property, &v)).transpose()?
            }
            other => return Err(single_only(other)),
        }
        Ok(())
    }

    fn add_fact(&mut self, fact: &Fact) -> AppResult<()> {
        match fact.property {
            "area" => {
                let code = fact.value.trim().to_ascii_uppercase();
                let code = if code.contains('-') {
                    codes::subdivision_code("value", &code)?
                } else {
                    codes::country_code("value", &code)?
                };
                add_once(&mut self.areas, code);
            }
            "defender" => add_once(&mut self.defender_ids, parse("defender", &fact.value)?),
            "restriction" => add_once(&mut self.restriction_ids, parse("restriction", &fact.value)?),
            other => return Err(not_a_list(other)),
        }
        Ok(())
    }
}
