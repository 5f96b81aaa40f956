//! A defender's case as it is edited: case events, affiliations to
//! organisations, and links to restrictions. Each list is written as a whole
//! with the defender's update; entries given with an id keep it (so global
//! ids of case events stay stable), entries without one are new, and entries
//! left out are removed (their values stay in the audit log).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use entity::{
    CaseEventKind, DefenderRestrictionRelation, PartialDate, PerpetratorType, affiliation, case_event,
    defender_restriction,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::audit::{Audited, Change, Class};
use crate::service::query::records::visible_by_id;
use crate::service::write::editing::text;
use crate::service::write::insert_rows;

/// The longest prison sentence accepted, in months (a life sentence is marked as such).
const MAX_SENTENCE_MONTHS: i32 = 1_200;

/// A case event as edited (and as the audit log keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDraft {
    pub id: Option<Uuid>,
    pub kind: CaseEventKind,
    pub occurred_on: Option<PartialDate>,
    pub description: Option<String>,
    pub perpetrator_type: Option<PerpetratorType>,
    pub sentence_months: Option<i32>,
    pub sentence_life: bool,
    pub restriction_id: Option<Uuid>,
}

/// An affiliation as edited (and as the audit log keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AffiliationDraft {
    pub id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub role: Option<String>,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
}

impl EventDraft {
    /// The event as a stored one of `defender`, written at `at`: an entry
    /// of a list the log kept as it stood, which (stored then) has its id.
    pub fn stored(self, defender: Uuid, at: chrono::DateTime<Utc>) -> Option<case_event::Model> {
        Some(case_event::Model {
            id: self.id?,
            defender_id: defender,
            kind: self.kind,
            occurred_on: self.occurred_on,
            description: self.description,
            perpetrator_type: self.perpetrator_type,
            sentence_months: self.sentence_months,
            sentence_life: self.sentence_life,
            restriction_id: self.restriction_id,
            created_at: at,
            updated_at: at,
        })
    }
}

impl AffiliationDraft {
    /// The affiliation as a stored one of `defender`, written at `at`; see
    /// [`EventDraft::stored`].
    pub fn stored(self, defender: Uuid, at: chrono::DateTime<Utc>) -> Option<affiliation::Model> {
        Some(affiliation::Model {
            id: self.id?,
            defender_id: defender,
            organisation_id: self.organisation_id,
            role: self.role,
            started_on: self.started_on,
            ended_on: self.ended_on,
            created_at: at,
            updated_at: at,
        })
    }
}

/// A link to a restriction as edited; one per restriction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkDraft {
    pub restriction_id: Uuid,
    pub relation: DefenderRestrictionRelation,
    pub note: Option<String>,
}

/// The editable parts of a defender's case. `None` lists are left as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseDraft {
    pub events: Vec<EventDraft>,
    pub affiliations: Vec<AffiliationDraft>,
    pub links: Vec<LinkDraft>,
}

fn refuse(argument: String, message: impl Into<String>) -> AppError {
    AppError::bad_input(argument, message)
}

/// The ids among `wanted` (with their positions) that the viewer cannot see.
async fn first_hidden<E, C>(db: &C, viewer: &Viewer, wanted: &[(usize, Uuid)]) -> AppResult<Option<(usize, Uuid)>>
where
    E: crate::service::query::records::RecordEntity + sea_orm::IdenStatic,
    C: ConnectionTrait,
{
    if wanted.is_empty() {
        return Ok(None);
    }
    let ids: Vec<Uuid> = wanted.iter().map(|(_, id)| *id).collect();
    let found = visible_by_id::<E, _>(db, viewer, &ids).await?;
    Ok(wanted.iter().copied().find(|(_, id)| !found.contains_key(id)))
}

impl CaseDraft {
    /// The cases of several defenders as stored, in three statements
    /// however many defenders. Defenders without entries are left out.
    pub async fn load_all<C: ConnectionTrait>(db: &C, defenders: &[Uuid]) -> AppResult<HashMap<Uuid, CaseDraft>> {
        let mut cases: HashMap<Uuid, CaseDraft> = HashMap::new();
        for e in case_event::Entity::find()
            .filter(case_event::Column::DefenderId.is_in(defenders.iter().copied()))
            .order_by_asc(case_event::Column::Id)
            .all(db)
            .await?
        {
            cases.entry(e.defender_id).or_default().events.push(EventDraft {
                id: Some(e.id),
                kind: e.kind,
                occurred_on: e.occurred_on,
                description: e.description,
                perpetrator_type: e.perpetrator_type,
                sentence_months: e.sentence_months,
                sentence_life: e.sentence_life,
                restriction_id: e.restriction_id,
            });
        }
        for a in affiliation::Entity::find()
            .filter(affiliation::Column::DefenderId.is_in(defenders.iter().copied()))
            .order_by_asc(affiliation::Column::Id)
            .all(db)
            .await?
        {
            cases.entry(a.defender_id).or_default().affiliations.push(AffiliationDraft {
                id: Some(a.id),
                organisation_id: a.organisation_id,
                role: a.role,
                started_on: a.started_on,
                ended_on: a.ended_on,
            });
        }
        for l in defender_restriction::Entity::find()
            .filter(defender_restriction::Column::DefenderId.is_in(defenders.iter().copied()))
            .order_by_asc(defender_restriction::Column::RestrictionId)
            .all(db)
            .await?
        {
            cases.entry(l.defender_id).or_default().links.push(LinkDraft {
                restriction_id: l.restriction_id,
                relation: l.relation,
                note: l.note,
            });
        }
        Ok(cases)
    }

    /// Checks every entry. Ids must name this defender's own entries; linked
    /// restrictions and organisations that are new to the case must be ones
    /// the viewer can see (those already linked are not checked again, so an
    /// editor never learns of links it cannot see).
    pub async fn validated<C: ConnectionTrait>(
        mut self,
        db: &C,
        viewer: &Viewer,
        before: &CaseDraft,
    ) -> AppResult<CaseDraft> {
        let known_events: BTreeSet<Uuid> = before.events.iter().filter_map(|e| e.id).collect();
        let mut new_restrictions = Vec::new();
        for (i, event) in self.events.iter_mut().enumerate() {
            if let Some(id) = event.id
                && !known_events.contains(&id)
            {
                return Err(refuse(format!("events[{i}].id"), "not a case event of this defender"));
            }
            event.description = text(&format!("events[{i}].description"), event.description.take(), 20_000)?;
            if let Some(months) = event.sentence_months
                && !(1..=MAX_SENTENCE_MONTHS).contains(&months)
            {
                return Err(refuse(
                    format!("events[{i}].sentence.months"),
                    format!("must be 1 to {MAX_SENTENCE_MONTHS}; mark a life sentence with life: true"),
                ));
            }
            if let Some(restriction) = event.restriction_id
                && !before.events.iter().any(|e| e.restriction_id == Some(restriction))
            {
                new_restrictions.push((i, restriction));
            }
        }
        if let Some((i, id)) = first_hidden::<entity::restriction::Entity, _>(db, viewer, &new_restrictions).await? {
            return Err(refuse(
                format!("events[{i}].restrictionId"),
                format!("no restriction you can see has the id {id}"),
            ));
        }

        let known_affiliations: BTreeSet<Uuid> = before.affiliations.iter().filter_map(|a| a.id).collect();
        let mut new_organisations = Vec::new();
        for (i, affiliation) in self.affiliations.iter_mut().enumerate() {
            if let Some(id) = affiliation.id
                && !known_affiliations.contains(&id)
            {
                return Err(refuse(format!("affiliations[{i}].id"), "not an affiliation of this defender"));
            }
            affiliation.role = text(&format!("affiliations[{i}].role"), affiliation.role.take(), 300)?;
            if let (Some(start), Some(end)) = (&affiliation.started_on, &affiliation.ended_on) {
                let n = start.as_str().len().min(end.as_str().len());
                if end.as_str()[..n] < start.as_str()[..n] {
                    return Err(refuse(
                        format!("affiliations[{i}].endedOn"),
                        format!("{end} is before the start, {start}"),
                    ));
                }
            }
            if !before.affiliations.iter().any(|a| a.organisation_id == affiliation.organisation_id) {
                new_organisations.push((i, affiliation.organisation_id));
            }
        }
        if let Some((i, id)) = first_hidden::<entity::organisation::Entity, _>(db, viewer, &new_organisations).await? {
            return Err(refuse(
                format!("affiliations[{i}].organisationId"),
                format!("no organisation you can see has the id {id}"),
            ));
        }

        let mut seen = BTreeSet::new();
        let mut new_links = Vec::new();
        for (i, link) in self.links.iter_mut().enumerate() {
            if !seen.insert(link.restriction_id) {
                return Err(refuse(
                    format!("restrictionLinks[{i}].restrictionId"),
                    "each restriction can be linked once",
                ));
            }
            link.note = text(&format!("restrictionLinks[{i}].note"), link.note.take(), 2_000)?;
            if !before.links.iter().any(|l| l.restriction_id == link.restriction_id) {
                new_links.push((i, link.restriction_id));
            }
        }
        if let Some((i, id)) = first_hidden::<entity::restriction::Entity, _>(db, viewer, &new_links).await? {
            return Err(refuse(
                format!("restrictionLinks[{i}].restrictionId"),
                format!("no restriction you can see has the id {id}"),
            ));
        }
        self.links.sort_by_key(|l| l.restriction_id);
        Ok(self)
    }

    /// The lists without entries that link to records the viewer may not see.
    pub async fn seen_by<C: ConnectionTrait>(mut self, db: &C, viewer: &Viewer) -> AppResult<CaseDraft> {
        let restrictions: Vec<Uuid> = self
            .links
            .iter()
            .map(|l| l.restriction_id)
            .chain(self.events.iter().filter_map(|e| e.restriction_id))
            .collect();
        let organisations: Vec<Uuid> = self.affiliations.iter().map(|a| a.organisation_id).collect();
        let restrictions = visible_by_id::<entity::restriction::Entity, _>(db, viewer, &restrictions).await?;
        let organisations = visible_by_id::<entity::organisation::Entity, _>(db, viewer, &organisations).await?;
        self.links.retain(|l| restrictions.contains_key(&l.restriction_id));
        self.affiliations.retain(|a| organisations.contains_key(&a.organisation_id));
        for event in &mut self.events {
            event.restriction_id = event.restriction_id.filter(|id| restrictions.contains_key(id));
        }
        Ok(self)
    }

    /// Puts back the entries `seen` left out of `stored` (links and
    /// affiliations to records the viewer cannot see, events' hidden
    /// restrictions), which the viewer's edit could not name.
    pub fn restore_unseen(&mut self, stored: &CaseDraft, seen: &CaseDraft) {
        for link in &stored.links {
            let withheld = !seen.links.iter().any(|l| l.restriction_id == link.restriction_id);
            if withheld && !self.links.iter().any(|l| l.restriction_id == link.restriction_id) {
                self.links.push(link.clone());
            }
        }
        self.links.sort_by_key(|l| l.restriction_id);
        let seen_affiliations: BTreeSet<Uuid> = seen.affiliations.iter().filter_map(|a| a.id).collect();
        let withheld: Vec<AffiliationDraft> = stored
            .affiliations
            .iter()
            .filter(|a| a.id.is_some_and(|id| !seen_affiliations.contains(&id)))
            .cloned()
            .collect();
        // In stored order (by id), new entries last, as they will be stored,
        // whether or not any were withheld: the order given changes nothing.
        self.affiliations.extend(withheld);
        self.affiliations.sort_by_key(|a| (a.id.is_none(), a.id));
        for event in &mut self.events {
            let Some(id) = event.id else { continue };
            let seen_event = seen.events.iter().find(|e| e.id == Some(id));
            let stored_event = stored.events.iter().find(|e| e.id == Some(id));
            if let (Some(seen_event), Some(stored_event)) = (seen_event, stored_event)
                && event.restriction_id.is_none()
                && seen_event.restriction_id.is_none()
            {
                event.restriction_id = stored_event.restriction_id;
            }
        }
    }

    /// The changes from `old`, one per list that changed. Linked records may
    /// be hidden from some who can read the defender: the log shows an
    /// affiliation or a link only to those who see its organisation or
    /// restriction, and an event's restriction likewise, as reads do.
    pub fn changes_from(&self, old: &CaseDraft) -> Vec<Change> {
        [
            Change::of(
                "events",
                &old.events,
                &self.events,
                Class::entries(&[("restrictionId", Audited::Restriction, false)]),
            ),
            Change::of(
                "affiliations",
                &old.affiliations,
                &self.affiliations,
                Class::entries(&[("organisationId", Audited::Organisation, true)]),
            ),
            Change::of(
                "restrictionLinks",
                &old.links,
                &self.links,
                Class::entries(&[("restrictionId", Audited::Restriction, true)]),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Stores the lists: keeps, updates, adds and removes entries. A new
    /// defender has nothing stored to compare with.
    pub async fn write<C: ConnectionTrait>(&self, db: &C, defender: Uuid, new: bool) -> AppResult<()> {
        if new {
            return CaseDraft::insert_new(db, &[(defender, self)]).await;
        }
        let now = Utc::now();
        let keep: Vec<Uuid> = self.events.iter().filter_map(|e| e.id).collect();
        let removed = case_event::Entity::delete_many()
            .filter(case_event::Column::DefenderId.eq(defender))
            .filter(case_event::Column::Id.is_not_in(keep.clone()))
            .exec(db)
            .await?;
        // Only an update that removed events has translations to end.
        if removed.rows_affected > 0 {
            crate::service::statements::writes::events_removed(db, defender, &keep).await?;
        }
        let stored: HashMap<Uuid, case_event::Model> = case_event::Entity::find()
            .filter(case_event::Column::DefenderId.eq(defender))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        for event in &self.events {
            let existing = event.id.and_then(|id| stored.get(&id));
            let mut active: case_event::ActiveModel = match existing {
                Some(existing) => existing.clone().into(),
                None => case_event::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    defender_id: Set(defender),
                    created_at: Set(now),
                    ..Default::default()
                },
            };
            active.kind = Set(event.kind);
            active.occurred_on = Set(event.occurred_on.clone());
            active.description = Set(event.description.clone());
            active.perpetrator_type = Set(event.perpetrator_type);
            active.sentence_months = Set(event.sentence_months);
            active.sentence_life = Set(event.sentence_life);
            active.restriction_id = Set(event.restriction_id);
            active.updated_at = Set(now);
            if existing.is_some() {
                active.update(db).await?;
            } else {
                active.insert(db).await?;
            }
        }

        let keep: Vec<Uuid> = self.affiliations.iter().filter_map(|a| a.id).collect();
        affiliation::Entity::delete_many()
            .filter(affiliation::Column::DefenderId.eq(defender))
            .filter(affiliation::Column::Id.is_not_in(keep))
            .exec(db)
            .await?;
        let stored: HashMap<Uuid, affiliation::Model> = affiliation::Entity::find()
            .filter(affiliation::Column::DefenderId.eq(defender))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        for entry in &self.affiliations {
            let existing = entry.id.and_then(|id| stored.get(&id));
            let mut active: affiliation::ActiveModel = match existing {
                Some(existing) => existing.clone().into(),
                None => affiliation::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    defender_id: Set(defender),
                    created_at: Set(now),
                    ..Default::default()
                },
            };
            active.organisation_id = Set(entry.organisation_id);
            active.role = Set(entry.role.clone());
            active.started_on = Set(entry.started_on.clone());
            active.ended_on = Set(entry.ended_on.clone());
            active.updated_at = Set(now);
            if existing.is_some() {
                active.update(db).await?;
            } else {
                active.insert(db).await?;
            }
        }

        defender_restriction::Entity::delete_many()
            .filter(defender_restriction::Column::DefenderId.eq(defender))
            .exec(db)
            .await?;
        self.insert_links(db, defender, now).await
    }

    /// Inserts every entry of the lists of new defenders, each case with its
    /// defender's id: a few statements for all.
    pub async fn insert_new<C: ConnectionTrait>(db: &C, cases: &[(Uuid, &CaseDraft)]) -> AppResult<()> {
        let now = Utc::now();
        let mut events = Vec::new();
        let mut affiliations = Vec::new();
        let mut links = Vec::new();
        for (defender, case) in cases {
            events.extend(case.events.iter().map(|event| case_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                defender_id: Set(*defender),
                kind: Set(event.kind),
                occurred_on: Set(event.occurred_on.clone()),
                description: Set(event.description.clone()),
                perpetrator_type: Set(event.perpetrator_type),
                sentence_months: Set(event.sentence_months),
                sentence_life: Set(event.sentence_life),
                restriction_id: Set(event.restriction_id),
                created_at: Set(now),
                updated_at: Set(now),
            }));
            affiliations.extend(case.affiliations.iter().map(|entry| affiliation::ActiveModel {
                id: Set(Uuid::now_v7()),
                defender_id: Set(*defender),
                organisation_id: Set(entry.organisation_id),
                role: Set(entry.role.clone()),
                started_on: Set(entry.started_on.clone()),
                ended_on: Set(entry.ended_on.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }));
            links.extend(case.link_rows(*defender, now));
        }
        insert_rows(db, events).await?;
        insert_rows(db, affiliations).await?;
        insert_rows(db, links).await
    }

    async fn insert_links<C: ConnectionTrait>(
        &self,
        db: &C,
        defender: Uuid,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<()> {
        insert_rows(db, self.link_rows(defender, now).collect()).await
    }

    fn link_rows(
        &self,
        defender: Uuid,
        now: chrono::DateTime<Utc>,
    ) -> impl Iterator<Item = defender_restriction::ActiveModel> + '_ {
        self.links.iter().map(move |link| defender_restriction::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(defender),
            restriction_id: Set(link.restriction_id),
            relation: Set(link.relation),
            note: Set(link.note.clone()),
            created_at: Set(now),
        })
    }
}
