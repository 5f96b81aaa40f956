//! Mutations of defenders.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{
    CaseEventKind, Consent, DefenderRestrictionRelation, DefenderStatus, OtherNameKind, PartialDate, PerpetratorType,
    Sector, Visibility,
};

use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::graphql::defenders::Defender;
use crate::ids::{GlobalId, NodeType};
use crate::service::defenders::case::{AffiliationDraft, CaseDraft, EventDraft, LinkDraft};
use crate::service::defenders::edits::{DefenderDraft, OtherNameDraft};
use crate::service::write::editing;

/// Another name of a defender.
#[derive(InputObject, Clone, Debug)]
pub struct OtherNameInput {
    /// The name as written, 1 to 300 characters.
    pub name: String,
    /// What kind of name it is; ALIAS unless given.
    #[graphql(default_with = "OtherNameKind::Alias")]
    pub kind: OtherNameKind,
    /// BCP 47 language tag of the name, such as `ar`.
    pub language: Option<String>,
}

impl From<OtherNameInput> for OtherNameDraft {
    fn from(input: OtherNameInput) -> Self {
        OtherNameDraft { name: input.name, kind: input.kind, language: input.language }
    }
}

/// A prison sentence.
#[derive(InputObject, Clone, Debug)]
pub struct SentenceInput {
    /// Length in months, 1 to 1,200; leave out for a life sentence.
    pub months: Option<i32>,
    /// Whether it is life imprisonment; false unless given.
    #[graphql(default)]
    pub life: bool,
}

/// An event in a defender's case. Give `id` to keep an existing event
/// (and change it); leave it out to add one.
#[derive(InputObject, Clone, Debug)]
pub struct CaseEventInput {
    /// The global id of an existing event of this defender.
    pub id: Option<ID>,
    /// What happened.
    pub kind: CaseEventKind,
    /// When, to the year, month or day.
    pub occurred_on: Option<PartialDate>,
    /// What happened, in words, at most 20,000 characters.
    pub description: Option<String>,
    /// Who acted against the defender.
    pub perpetrator_type: Option<PerpetratorType>,
    /// The sentence imposed, for sentences.
    pub sentence: Option<SentenceInput>,
    /// The global id of the restriction the event relied on.
    pub restriction_id: Option<ID>,
}

/// A defender's affiliation to an organisation. Give `id` to keep an existing
/// affiliation (and change it); leave it out to add one.
#[derive(InputObject, Clone, Debug)]
pub struct AffiliationInput {
    /// The global id of an existing affiliation of this defender.
    pub id: Option<ID>,
    /// The global id of the organisation.
    pub organisation_id: ID,
    /// The defender's role, such as "co-founder".
    pub role: Option<String>,
    /// When it began.
    pub started_on: Option<PartialDate>,
    /// When it ended; not before it began.
    pub ended_on: Option<PartialDate>,
}

/// How a restriction concerns a defender; one link per restriction.
#[derive(InputObject, Clone, Debug)]
pub struct RestrictionLinkInput {
    /// The global id of the restriction.
    pub restriction_id: ID,
    /// How it concerns the defender.
    pub relation: DefenderRestrictionRelation,
    /// A note on the link.
    pub note: Option<String>,
}

fn optional_id(argument: &str, id: Option<&ID>, node_type: NodeType) -> Result<Option<uuid::Uuid>> {
    Ok(id.map(|id| GlobalId::decode_uuid_of(argument, id, node_type)).transpose()?)
}

fn events(inputs: Vec<CaseEventInput>) -> Result<Vec<EventDraft>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(EventDraft {
                id: optional_id(&format!("events[{i}].id"), e.id.as_ref(), NodeType::CaseEvent)?,
                kind: e.kind,
                occurred_on: e.occurred_on,
                description: e.description,
                perpetrator_type: e.perpetrator_type,
                sentence_months: e.sentence.as_ref().and_then(|s| s.months),
                sentence_life: e.sentence.as_ref().is_some_and(|s| s.life),
                restriction_id: optional_id(
                    &format!("events[{i}].restrictionId"),
                    e.restriction_id.as_ref(),
                    NodeType::Restriction,
                )?,
            })
        })
        .collect()
}

fn affiliations(inputs: Vec<AffiliationInput>) -> Result<Vec<AffiliationDraft>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(AffiliationDraft {
                id: optional_id(&format!("affiliations[{i}].id"), a.id.as_ref(), NodeType::Affiliation)?,
                organisation_id: GlobalId::decode_uuid_of(
                    &format!("affiliations[{i}].organisationId"),
                    &a.organisation_id,
                    NodeType::Organisation,
                )?,
                role: a.role,
                started_on: a.started_on,
                ended_on: a.ended_on,
            })
        })
        .collect()
}

fn links(inputs: Vec<RestrictionLinkInput>) -> Result<Vec<LinkDraft>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(LinkDraft {
                restriction_id: GlobalId::decode_uuid_of(
                    &format!("restrictionLinks[{i}].restrictionId"),
                    &l.restriction_id,
                    NodeType::Restriction,
                )?,
                relation: l.relation,
                note: l.note,
            })
        })
        .collect()
}

/// A new defender. The record belongs to the caller's organisation and is
/// PRIVATE unless another visibility is given.
#[derive(InputObject, Clone, Debug)]
pub struct CreateDefenderInput {
    /// The name the defender is best known by, 1 to 300 characters.
    pub name: String,
    /// Other names: aliases, transliterations, names in other scripts.
    #[graphql(default)]
    pub other_names: Vec<OtherNameInput>,
    /// ISO 3166-1 alpha-2 code of the country where the defender works.
    pub country_code: String,
    /// ISO 3166-2 code of the subdivision, which must be in that country.
    pub subdivision_code: Option<String>,
    /// Occupation, at most 300 characters.
    pub occupation: Option<String>,
    /// A short account, at most 20,000 characters.
    pub summary: Option<String>,
    /// The defender's situation; UNKNOWN unless given.
    #[graphql(default_with = "DefenderStatus::Unknown")]
    pub status: DefenderStatus,
    /// Fields of work.
    #[graphql(default)]
    pub sectors: Vec<Sector>,
    /// Who may read the record; PRIVATE unless given. PUBLIC needs consent GIVEN.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
    /// Consent to publication; UNKNOWN unless given.
    #[graphql(default_with = "Consent::Unknown")]
    pub consent: Consent,
    /// Confidential: where the defender can be found.
    pub exact_location: Option<String>,
    /// Confidential: how to reach the defender.
    pub contact_details: Option<String>,
    /// Confidential: risks and precautions.
    pub safety_notes: Option<String>,
    /// The defender's case: arrests, trials, sentences, attacks.
    #[graphql(default)]
    pub events: Vec<CaseEventInput>,
    /// The organisations the defender belongs to.
    #[graphql(default)]
    pub affiliations: Vec<AffiliationInput>,
    /// The restrictions that concern the defender.
    #[graphql(default)]
    pub restriction_links: Vec<RestrictionLinkInput>,
}

/// Changes to a defender. Fields left out stay as they are; a nullable field
/// given as null is cleared; lists given replace the stored list.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateDefenderInput {
    /// The defender's global id.
    pub id: ID,
    /// The version the change is based on (the record's `version` when it was
    /// read). If someone changed the record since, the update is refused with
    /// CONFLICT and nothing is written.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New list of other names.
    pub other_names: Option<Vec<OtherNameInput>>,
    /// New country (ISO 3166-1 alpha-2).
    pub country_code: Option<String>,
    /// New subdivision (ISO 3166-2), or null to clear.
    pub subdivision_code: MaybeUndefined<String>,
    /// New occupation, or null to clear.
    pub occupation: MaybeUndefined<String>,
    /// New summary, or null to clear.
    pub summary: MaybeUndefined<String>,
    /// New status.
    pub status: Option<DefenderStatus>,
    /// New list of sectors.
    pub sectors: Option<Vec<Sector>>,
    /// New visibility. PUBLIC needs consent GIVEN.
    pub visibility: Option<Visibility>,
    /// New consent. Withdrawing consent (anything but GIVEN) from a PUBLIC
    /// record makes it PRIVATE in the same change.
    pub consent: Option<Consent>,
    /// Confidential: new exact location, or null to clear.
    pub exact_location: MaybeUndefined<String>,
    /// Confidential: new contact details, or null to clear.
    pub contact_details: MaybeUndefined<String>,
    /// Confidential: new safety notes, or null to clear.
    pub safety_notes: MaybeUndefined<String>,
    /// The case's events, as they should be: entries with an id are kept and
    /// changed, entries without one are added, events left out are removed.
    pub events: Option<Vec<CaseEventInput>>,
    /// The affiliations, as they should be (same rules as `events`).
    pub affiliations: Option<Vec<AffiliationInput>>,
    /// The restriction links, as they should be.
    pub restriction_links: Option<Vec<RestrictionLinkInput>>,
}

/// The result of a change to a defender.
#[derive(SimpleObject)]
pub struct DefenderPayload {
    /// The defender as stored after the change.
    pub defender: Defender,
}

/// Changes to defenders.
#[derive(Default)]
pub struct DefenderMutations;

#[Object]
impl DefenderMutations {
    /// Creates a defender contributed by the caller's organisation. Needs an
    /// EDITOR or ADMIN key.
    async fn create_defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new defender.")] input: CreateDefenderInput,
    ) -> Result<DefenderPayload> {
        let rc = RequestContext::of(ctx);
        let draft = DefenderDraft {
            name: input.name,
            other_names: input.other_names.into_iter().map(Into::into).collect(),
            country_code: input.country_code,
            subdivision_code: input.subdivision_code,
            occupation: input.occupation,
            summary: input.summary,
            status: input.status,
            sectors: input.sectors,
            visibility: input.visibility,
            consent: input.consent,
            exact_location: input.exact_location,
            contact_details: input.contact_details,
            safety_notes: input.safety_notes,
            case: CaseDraft {
                events: events(input.events)?,
                affiliations: affiliations(input.affiliations)?,
                links: links(input.restriction_links)?,
            },
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(DefenderPayload { defender: Defender::from(created) })
    }

    /// Changes a defender. Needs an EDITOR or ADMIN key of the contributing
    /// organisation, or of one it shared the record with for editing.
    async fn update_defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateDefenderInput,
    ) -> Result<DefenderPayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Defender)?;
        let new_events = input.events.map(events).transpose()?;
        let new_affiliations = input.affiliations.map(affiliations).transpose()?;
        let new_links = input.restriction_links.map(links).transpose()?;
        let updated =
            editing::update_record(&rc.db, &rc.viewer, id, input.expected_version, move |draft: &mut DefenderDraft| {
                if let Some(name) = input.name {
                    draft.name = name;
                }
                if let Some(names) = input.other_names {
                    draft.other_names = names.into_iter().map(Into::into).collect();
                }
                if let Some(code) = input.country_code {
                    draft.country_code = code;
                }
                apply(input.subdivision_code, &mut draft.subdivision_code);
                apply(input.occupation, &mut draft.occupation);
                apply(input.summary, &mut draft.summary);
                if let Some(status) = input.status {
                    draft.status = status;
                }
                if let Some(sectors) = input.sectors {
                    draft.sectors = sectors;
                }
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
                if let Some(consent) = input.consent {
                    draft.consent = consent;
                }
                apply(input.exact_location, &mut draft.exact_location);
                apply(input.contact_details, &mut draft.contact_details);
                apply(input.safety_notes, &mut draft.safety_notes);
                if let Some(events) = new_events {
                    draft.case.events = events;
                }
                if let Some(affiliations) = new_affiliations {
                    draft.case.affiliations = affiliations;
                }
                if let Some(links) = new_links {
                    draft.case.links = links;
                }
            })
            .await?;
        Ok(DefenderPayload { defender: Defender::from(updated) })
    }

    /// Archives a defender: hidden from every read, kept for restoring.
    /// Nothing is ever deleted through the API.
    async fn archive_defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The defender and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<DefenderPayload> {
        let defender =
            set_archived::<entity::defender::Entity, Defender>(ctx, &input, NodeType::Defender, true).await?;
        Ok(DefenderPayload { defender })
    }

    /// Restores an archived defender.
    async fn restore_defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The defender and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<DefenderPayload> {
        let defender =
            set_archived::<entity::defender::Entity, Defender>(ctx, &input, NodeType::Defender, false).await?;
        Ok(DefenderPayload { defender })
    }
}
