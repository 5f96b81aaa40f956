//! How a row changes a draft: fields given replace the stored ones, fields
//! left out stay. Links arrive already resolved to record ids.

use std::str::FromStr;

use entity::{
    CampaignKind, CampaignStatus, CivicSpaceRating, Consent, DefenderStatus, OrganisationKind, PartialDate,
    RestrictionKind, RestrictionStatus, Visibility,
};
use uuid::Uuid;

use super::rows::{CampaignRow, DefenderRow, MembershipRow, OrganisationRow, RatingRow, RestrictionRow, SourceRow};
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::defenders::case::{AffiliationDraft, EventDraft, LinkDraft};
use crate::service::defenders::edits::{self as defender_edits, DefenderDraft, OtherNameDraft};
use crate::service::organisations::edits::OrganisationDraft;
use crate::service::ratings::edits::RatingDraft;
use crate::service::restrictions::edits::{RestrictionDraft, StatusNote};
use crate::service::sources::edits::SourceDraft;

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// The draft a new organisation starts from.
pub fn new_organisation() -> OrganisationDraft {
    OrganisationDraft {
        name: String::new(),
        acronym: None,
        kind: OrganisationKind::Other,
        country_code: None,
        website: None,
        summary: None,
        visibility: Visibility::Private,
    }
}

/// The draft a new restriction starts from.
pub fn new_restriction() -> RestrictionDraft {
    RestrictionDraft {
        title: String::new(),
        reference: None,
        kind: RestrictionKind::Bill,
        status: RestrictionStatus::Pending,
        country_code: String::new(),
        subdivision_code: None,
        introduced_on: None,
        decided_on: None,
        summary: None,
        rights: Vec::new(),
        visibility: Visibility::Private,
        status_note: StatusNote::default(),
    }
}

/// The draft a new defender starts from: private, consent unknown.
pub fn new_defender() -> DefenderDraft {
    DefenderDraft { status: DefenderStatus::Unknown, consent: Consent::Unknown, ..defender_edits::nothing() }
}

pub fn organisation(row: OrganisationRow, draft: &mut OrganisationDraft) {
    draft.name = row.name;
    set(&mut draft.acronym, row.acronym);
    set(&mut draft.kind, row.kind);
    set(&mut draft.country_code, row.country_code);
    set(&mut draft.website, row.website);
    set(&mut draft.summary, row.summary);
    set(&mut draft.visibility, row.visibility);
}

pub fn restriction(row: RestrictionRow, draft: &mut RestrictionDraft) {
    draft.title = row.title;
    set(&mut draft.reference, row.reference);
    set(&mut draft.kind, row.kind);
    set(&mut draft.status, row.status);
    draft.country_code = row.country_code;
    set(&mut draft.subdivision_code, row.subdivision_code);
    set(&mut draft.introduced_on, row.introduced_on);
    set(&mut draft.decided_on, row.decided_on);
    set(&mut draft.summary, row.summary);
    set(&mut draft.rights, row.rights);
    set(&mut draft.visibility, row.visibility);
}

/// The records a defender row links to, resolved in the row's order.
#[derive(Clone, Debug, Default)]
pub struct DefenderLinks {
    pub event_restrictions: Vec<Option<Uuid>>,
    pub organisations: Vec<Uuid>,
    pub restrictions: Vec<Uuid>,
}

/// Gives each new entry the id of an equal stored entry, so that an
/// unchanged list compares equal and keeps its ids.
fn keep_ids<T: Clone + PartialEq>(old: &[T], new: &mut [T], id: impl Fn(&mut T) -> &mut Option<Uuid>) {
    let mut unused: Vec<T> = old.to_vec();
    for entry in new.iter_mut() {
        let position = unused.iter().position(|stored| {
            let mut stored = stored.clone();
            *id(&mut stored) = None;
            stored == *entry
        });
        if let Some(position) = position {
            let mut stored = unused.remove(position);
            *id(entry) = id(&mut stored).take();
        }
    }
}

pub fn defender(row: DefenderRow, links: DefenderLinks, draft: &mut DefenderDraft) {
    draft.name = row.name;
    if let Some(other_names) = row.other_names {
        draft.other_names = other_names
            .into_iter()
            .map(|other| OtherNameDraft { name: other.name, kind: other.kind, language: other.language })
            .collect();
    }
    draft.country_code = row.country_code;
    set(&mut draft.subdivision_code, row.subdivision_code);
    set(&mut draft.occupation, row.occupation);
    set(&mut draft.summary, row.summary);
    set(&mut draft.status, row.status);
    set(&mut draft.sectors, row.sectors);
    set(&mut draft.visibility, row.visibility);
    set(&mut draft.consent, row.consent);
    set(&mut draft.exact_location, row.exact_location);
    set(&mut draft.contact_details, row.contact_details);
    set(&mut draft.safety_notes, row.safety_notes);
    if let Some(events) = row.events {
        let mut new: Vec<EventDraft> = events
            .into_iter()
            .zip(links.event_restrictions)
            .map(|(event, restriction_id)| EventDraft {
                id: None,
                kind: event.kind,
                occurred_on: event.occurred_on,
                description: event.description,
                perpetrator_type: event.perpetrator_type,
                sentence_months: event.sentence.as_ref().and_then(|s| s.months),
                sentence_life: event.sentence.as_ref().is_some_and(|s| s.life),
                restriction_id,
            })
            .collect();
        keep_ids(&draft.case.events, &mut new, |e| &mut e.id);
        draft.case.events = new;
    }
    if let Some(affiliations) = row.affiliations {
        let mut new: Vec<AffiliationDraft> = affiliations
            .into_iter()
            .zip(links.organisations)
            .map(|(affiliation, organisation_id)| AffiliationDraft {
                id: None,
                organisation_id,
                role: affiliation.role,
                started_on: affiliation.started_on,
                ended_on: affiliation.ended_on,
            })
            .collect();
        keep_ids(&draft.case.affiliations, &mut new, |a| &mut a.id);
        draft.case.affiliations = new;
    }
    if let Some(restriction_links) = row.restriction_links {
        draft.case.links = restriction_links
            .into_iter()
            .zip(links.restrictions)
            .map(|(link, restriction_id)| LinkDraft { restriction_id, relation: link.relation, note: link.note })
            .collect();
    }
}

/// Adds a membership's affiliation unless the defender has it already.
pub fn membership(row: MembershipRow, organisation_id: Uuid, draft: &mut DefenderDraft) {
    let affiliation = AffiliationDraft {
        id: None,
        organisation_id,
        role: row.affiliation.role,
        started_on: row.affiliation.started_on,
        ended_on: row.affiliation.ended_on,
    };
    let known =
        draft.case.affiliations.iter().any(|stored| AffiliationDraft { id: None, ..stored.clone() } == affiliation);
    if !known {
        draft.case.affiliations.push(affiliation);
    }
}

/// The draft a new source starts from.
pub fn new_source() -> SourceDraft {
    SourceDraft {
        url: None,
        title: String::new(),
        publisher: None,
        published_on: None,
        visibility: Visibility::Private,
    }
}

pub fn source(row: SourceRow, draft: &mut SourceDraft) {
    draft.title = row.title;
    set(&mut draft.url, row.url);
    set(&mut draft.publisher, row.publisher);
    set(&mut draft.published_on, row.published_on);
    set(&mut draft.visibility, row.visibility);
}

/// The draft a new campaign starts from: active, private.
pub fn new_campaign() -> CampaignDraft {
    CampaignDraft {
        title: String::new(),
        kind: CampaignKind::IndividualCase,
        status: CampaignStatus::Active,
        lead_organisation_id: None,
        started_on: None,
        ended_on: None,
        summary: None,
        outcome: None,
        outcome_summary: None,
        visibility: Visibility::Private,
        defender_ids: Vec::new(),
        restriction_ids: Vec::new(),
        areas: Vec::new(),
    }
}

/// The records a campaign row links to, resolved; `None` where the row
/// leaves the link as stored.
#[derive(Clone, Debug, Default)]
pub struct CampaignLinks {
    pub lead: Option<Option<Uuid>>,
    pub defenders: Option<Vec<Uuid>>,
    pub restrictions: Option<Vec<Uuid>>,
}

pub fn campaign(row: CampaignRow, links: CampaignLinks, draft: &mut CampaignDraft) {
    draft.title = row.title;
    set(&mut draft.kind, row.kind);
    set(&mut draft.status, row.status);
    set(&mut draft.lead_organisation_id, links.lead);
    set(&mut draft.started_on, row.started_on);
    set(&mut draft.ended_on, row.ended_on);
    set(&mut draft.summary, row.summary);
    set(&mut draft.outcome, row.outcome);
    set(&mut draft.outcome_summary, row.outcome_summary);
    set(&mut draft.visibility, row.visibility);
    set(&mut draft.defender_ids, links.defenders);
    set(&mut draft.restriction_ids, links.restrictions);
    set(&mut draft.areas, row.areas);
}

/// The draft a new rating starts from: private. The row gives the rest.
pub fn new_rating() -> RatingDraft {
    RatingDraft {
        country_code: String::new(),
        rating: CivicSpaceRating::Open,
        rated_on: PartialDate::from_str("1900").unwrap_or_else(|_| unreachable!("1900 is a valid date")),
        organisation_id: None,
        source_id: None,
        note: None,
        visibility: Visibility::Private,
    }
}

/// The records a rating row links to, resolved; `None` where the row leaves
/// the link as stored.
#[derive(Clone, Debug, Default)]
pub struct RatingLinks {
    pub organisation: Option<Option<Uuid>>,
    pub source: Option<Option<Uuid>>,
}

pub fn rating(row: RatingRow, links: RatingLinks, draft: &mut RatingDraft) {
    draft.country_code = row.country_code;
    draft.rating = row.rating;
    draft.rated_on = row.rated_on;
    set(&mut draft.organisation_id, links.organisation);
    set(&mut draft.source_id, links.source);
    set(&mut draft.note, row.note);
    set(&mut draft.visibility, row.visibility);
}
