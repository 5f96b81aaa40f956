//! Defender drafts: what a write of a defender checks and stores (names,
//! sectors, consent, confidential fields, and the case through
//! `case`), and who may see the confidential fields. `editing` does
//! the rest: rights, versions, the transaction and the audit entry.

use std::collections::HashMap;

use chrono::Utc;
use entity::{Consent, DefenderStatus, OtherNameKind, Sector, Visibility, defender, defender_name, defender_sector};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{Change, Class};
use crate::service::defenders::case::CaseDraft;
use crate::service::duplicates::Mergeable;
use crate::service::text::sort_key;
use crate::service::write::editing::{Draft, MAX_NAME, name, text};
use crate::service::write::insert_rows;
use crate::service::{Viewer, codes};

const MAX_TEXT: usize = 20_000;
const MAX_OTHER_NAMES: usize = 50;

/// Another name, as given.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OtherNameDraft {
    pub name: String,
    pub kind: OtherNameKind,
    pub language: Option<String>,
}

/// Every editable field of a defender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefenderDraft {
    pub name: String,
    pub other_names: Vec<OtherNameDraft>,
    pub country_code: String,
    pub subdivision_code: Option<String>,
    pub occupation: Option<String>,
    pub summary: Option<String>,
    pub status: DefenderStatus,
    pub sectors: Vec<Sector>,
    pub visibility: Visibility,
    pub consent: Consent,
    pub exact_location: Option<String>,
    pub contact_details: Option<String>,
    pub safety_notes: Option<String>,
    /// Case events, affiliations and restriction links.
    pub case: CaseDraft,
}

impl Draft for DefenderDraft {
    type Entity = defender::Entity;

    fn stated_facts(&self) -> Vec<crate::service::statements::Fact> {
        crate::service::statements::Stated::facts(self)
    }

    fn validated(mut self) -> AppResult<Self> {
        self.name = name("name", &self.name)?;
        if self.other_names.len() > MAX_OTHER_NAMES {
            return Err(AppError::bad_input("otherNames", format!("at most {MAX_OTHER_NAMES} other names")));
        }
        for (i, other) in self.other_names.iter_mut().enumerate() {
            other.name = name(&format!("otherNames[{i}].name"), &other.name)?;
            other.language = text(&format!("otherNames[{i}].language"), other.language.take(), 35)?;
        }
        self.country_code = codes::country_code("countryCode", &self.country_code)?;
        self.subdivision_code = self
            .subdivision_code
            .take()
            .map(|code| codes::subdivision_of("subdivisionCode", &code, &self.country_code))
            .transpose()?;
        self.occupation = text("occupation", self.occupation.take(), MAX_NAME)?;
        self.summary = text("summary", self.summary.take(), MAX_TEXT)?;
        self.exact_location = text("exactLocation", self.exact_location.take(), MAX_TEXT)?;
        self.contact_details = text("contactDetails", self.contact_details.take(), MAX_TEXT)?;
        self.safety_notes = text("safetyNotes", self.safety_notes.take(), MAX_TEXT)?;
        self.sectors.sort();
        self.sectors.dedup();
        if self.visibility == Visibility::Public && self.consent != Consent::Given {
            return Err(AppError::bad_input(
                "visibility",
                "a defender can be PUBLIC only with consent GIVEN; keep the record PARTNERS or PRIVATE",
            ));
        }
        Ok(self)
    }

    fn changes_from(&self, old: &DefenderDraft) -> Vec<Change> {
        [
            Change::of("name", &old.name, &self.name, Class::PLAIN),
            Change::of("otherNames", &old.other_names, &self.other_names, Class::PLAIN),
            Change::of("countryCode", &old.country_code, &self.country_code, Class::PLAIN),
            Change::of("subdivisionCode", &old.subdivision_code, &self.subdivision_code, Class::PLAIN),
            Change::of("occupation", &old.occupation, &self.occupation, Class::PLAIN),
            Change::of("summary", &old.summary, &self.summary, Class::PLAIN),
            Change::of("status", &old.status, &self.status, Class::PLAIN),
            Change::of("sectors", &old.sectors, &self.sectors, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
            Change::of("consent", &old.consent, &self.consent, Class::PLAIN),
            Change::of("exactLocation", &old.exact_location, &self.exact_location, Class::confidential()),
            Change::of("contactDetails", &old.contact_details, &self.contact_details, Class::confidential()),
            Change::of("safetyNotes", &old.safety_notes, &self.safety_notes, Class::confidential()),
        ]
        .into_iter()
        .flatten()
        .chain(self.case.changes_from(&old.case))
        .collect()
    }

    /// The case's events, affiliations and links, checked against what the
    /// viewer can see.
    async fn checked(mut self, db: &DatabaseTransaction, viewer: &Viewer, before: Option<&Self>) -> AppResult<Self> {
        let empty = CaseDraft::default();
        self.case = self.case.validated(db, viewer, before.map_or(&empty, |before| &before.case)).await?;
        Ok(self)
    }

    async fn seen_by(mut self, db: &DatabaseTransaction, viewer: &Viewer, confidential: bool) -> AppResult<Self> {
        self.case = self.case.seen_by(db, viewer).await?;
        if !confidential {
            (self.exact_location, self.contact_details, self.safety_notes) = (None, None, None);
        }
        Ok(self)
    }

    fn restore_unseen(&mut self, stored: &Self, seen: &Self) {
        let keep = |mine: &mut Option<String>, stored: &Option<String>, seen: &Option<String>| {
            if mine.is_none() && seen.is_none() {
                mine.clone_from(stored);
            }
        };
        keep(&mut self.exact_location, &stored.exact_location, &seen.exact_location);
        keep(&mut self.contact_details, &stored.contact_details, &seen.contact_details);
        keep(&mut self.safety_notes, &stored.safety_notes, &seen.safety_notes);
        self.case.restore_unseen(&stored.case, &seen.case);
    }

    /// Consent withdrawn from a public record takes it out of public view at once.
    fn settle(&mut self, old: &Self) {
        if old.visibility == Visibility::Public
            && self.visibility == Visibility::Public
            && self.consent != Consent::Given
        {
            self.visibility = Visibility::Private;
        }
    }

    fn created_changes(&self) -> Vec<Change> {
        self.changes_from(&nothing())
    }

    async fn load_all(db: &DatabaseTransaction, records: &[defender::Model]) -> AppResult<Vec<Self>> {
        drafts_of(db, records).await
    }

    async fn write_children(&self, db: &DatabaseTransaction, id: Uuid, old: Option<&Self>) -> AppResult<()> {
        let Some(old) = old else { return Self::write_new_children(db, &[(id, self.clone())]).await };
        write_lists(db, id, self).await?;
        if old.name != self.name || old.other_names != self.other_names {
            crate::service::duplicates::file_names(db, Mergeable::Defender, id, &self.all_names(), true).await?;
        }
        Ok(())
    }

    async fn write_new_children(db: &DatabaseTransaction, created: &[(Uuid, Self)]) -> AppResult<()> {
        let now = Utc::now();
        let names = created.iter().flat_map(|(id, draft)| name_rows(*id, draft, now)).collect();
        insert_rows(db, names).await?;
        insert_rows(db, created.iter().flat_map(|(id, draft)| sector_rows(*id, draft)).collect()).await?;
        let cases: Vec<(Uuid, &CaseDraft)> = created.iter().map(|(id, draft)| (*id, &draft.case)).collect();
        CaseDraft::insert_new(db, &cases).await?;
        let names: Vec<(Uuid, Vec<&str>)> = created.iter().map(|(id, draft)| (*id, draft.all_names())).collect();
        crate::service::duplicates::file_new_names(db, Mergeable::Defender, &names).await
    }

    fn apply_to(&self, record: &mut defender::ActiveModel) {
        record.name = Set(self.name.clone());
        record.sort_key = Set(sort_key(&self.name));
        record.country_code = Set(self.country_code.clone());
        record.subdivision_code = Set(self.subdivision_code.clone());
        record.occupation = Set(self.occupation.clone());
        record.summary = Set(self.summary.clone());
        record.status = Set(self.status);
        record.visibility = Set(self.visibility);
        record.consent = Set(self.consent);
        record.exact_location = Set(self.exact_location.clone());
        record.contact_details = Set(self.contact_details.clone());
        record.safety_notes = Set(self.safety_notes.clone());
    }
}

/// The empty draft a creation starts from, for the audit's "from" side.
pub fn nothing() -> DefenderDraft {
    DefenderDraft {
        name: String::new(),
        other_names: Vec::new(),
        country_code: String::new(),
        subdivision_code: None,
        occupation: None,
        summary: None,
        status: DefenderStatus::Unknown,
        sectors: Vec::new(),
        visibility: Visibility::Private,
        consent: Consent::Unknown,
        exact_location: None,
        contact_details: None,
        safety_notes: None,
        case: CaseDraft::default(),
    }
}

/// Replaces the lists of a stored defender.
async fn write_lists<C: ConnectionTrait>(db: &C, id: Uuid, draft: &DefenderDraft) -> AppResult<()> {
    defender_name::Entity::delete_many().filter(defender_name::Column::DefenderId.eq(id)).exec(db).await?;
    defender_sector::Entity::delete_many().filter(defender_sector::Column::DefenderId.eq(id)).exec(db).await?;
    insert_rows(db, name_rows(id, draft, Utc::now()).collect()).await?;
    insert_rows(db, sector_rows(id, draft).collect()).await?;
    draft.case.write(db, id, false).await
}

fn name_rows(
    id: Uuid,
    draft: &DefenderDraft,
    now: chrono::DateTime<Utc>,
) -> impl Iterator<Item = defender_name::ActiveModel> + '_ {
    draft.other_names.iter().map(move |other| defender_name::ActiveModel {
        id: Set(Uuid::now_v7()),
        defender_id: Set(id),
        sort_key: Set(sort_key(&other.name)),
        name: Set(other.name.clone()),
        kind: Set(other.kind),
        language: Set(other.language.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

fn sector_rows(id: Uuid, draft: &DefenderDraft) -> impl Iterator<Item = defender_sector::ActiveModel> + '_ {
    draft.sectors.iter().map(move |sector| defender_sector::ActiveModel { defender_id: Set(id), sector: Set(*sector) })
}

impl DefenderDraft {
    /// The name and every other name, as duplicate detection files them.
    fn all_names(&self) -> Vec<&str> {
        std::iter::once(self.name.as_str()).chain(self.other_names.iter().map(|other| other.name.as_str())).collect()
    }
}

/// The current draft of a stored defender.
/// The stored drafts of `records`, in their order, in a number of
/// statements fixed by the kind, however many records.
async fn drafts_of<C: ConnectionTrait>(db: &C, records: &[defender::Model]) -> AppResult<Vec<DefenderDraft>> {
    let ids: Vec<Uuid> = records.iter().map(|record| record.id).collect();
    let mut other_names: HashMap<Uuid, Vec<OtherNameDraft>> = HashMap::new();
    for n in defender_name::Entity::find()
        .filter(defender_name::Column::DefenderId.is_in(ids.iter().copied()))
        .order_by_asc(defender_name::Column::Id)
        .all(db)
        .await?
    {
        other_names.entry(n.defender_id).or_default().push(OtherNameDraft {
            name: n.name,
            kind: n.kind,
            language: n.language,
        });
    }
    let mut sectors = crate::service::defenders::sectors(db, &ids).await?;
    let mut cases = CaseDraft::load_all(db, &ids).await?;
    Ok(records
        .iter()
        .map(|record| DefenderDraft {
            name: record.name.clone(),
            other_names: other_names.remove(&record.id).unwrap_or_default(),
            country_code: record.country_code.clone(),
            subdivision_code: record.subdivision_code.clone(),
            occupation: record.occupation.clone(),
            summary: record.summary.clone(),
            status: record.status,
            sectors: {
                // In the order `validated` puts them, so that an unchanged list compares equal.
                let mut sectors = sectors.remove(&record.id).unwrap_or_default();
                sectors.sort();
                sectors
            },
            visibility: record.visibility,
            consent: record.consent,
            exact_location: record.exact_location.clone(),
            contact_details: record.contact_details.clone(),
            safety_notes: record.safety_notes.clone(),
            case: cases.remove(&record.id).unwrap_or_default(),
        })
        .collect())
}

/// Whether the viewer may see each defender's confidential fields: the
/// contributor may, and organisations it shared the record with confidential
/// access. Anonymous readers never may.
pub async fn confidential_access<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    defenders: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, bool>> {
    let records: Vec<_> = defenders.iter().map(|id| (crate::service::audit::Audited::Defender, *id)).collect();
    let access = crate::service::sharing::confidential_access(db, viewer, &records).await?;
    Ok(access.into_iter().map(|((_, id), allowed)| (id, allowed)).collect())
}
