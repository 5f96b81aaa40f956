//! Restriction drafts: what a write of a restriction checks and stores, with
//! the dated status history kept in step. `editing` does the rest.

use chrono::Utc;
use entity::{
    PartialDate, RestrictionKind, RestrictionStatus, Right, Visibility, restriction, restriction_right,
    restriction_status_change,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Change, Class};
use crate::service::codes;
use crate::service::text::sort_key;
use crate::service::write::editing::{Draft, name, text};

/// Every editable field of a restriction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictionDraft {
    pub title: String,
    pub reference: Option<String>,
    pub kind: RestrictionKind,
    pub status: RestrictionStatus,
    pub country_code: String,
    pub subdivision_code: Option<String>,
    pub introduced_on: Option<PartialDate>,
    pub decided_on: Option<PartialDate>,
    pub summary: Option<String>,
    pub rights: Vec<Right>,
    pub visibility: Visibility,
    /// When a new status took effect, and a note on it, for the status
    /// history; not a field of the record itself.
    #[serde(skip)]
    pub status_note: StatusNote,
}

/// When a status change took effect, and a note on it; both optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusNote {
    pub changed_on: Option<PartialDate>,
    pub note: Option<String>,
}

/// Whether `later` cannot be before `earlier`, comparing as far as both are known.
fn not_before(later: &PartialDate, earlier: &PartialDate) -> bool {
    let n = later.as_str().len().min(earlier.as_str().len());
    later.as_str()[..n] >= earlier.as_str()[..n]
}

impl Draft for RestrictionDraft {
    type Entity = restriction::Entity;

    fn stated_facts(&self) -> Vec<crate::service::statements::Fact> {
        crate::service::statements::Stated::facts(self)
    }

    fn validated(mut self) -> AppResult<Self> {
        self.title = name("title", &self.title)?;
        self.status_note.note = text("statusNote", self.status_note.note.take(), 2_000)?;
        self.reference = text("reference", self.reference.take(), 200)?;
        self.summary = text("summary", self.summary.take(), 20_000)?;
        self.country_code = codes::country_code("countryCode", &self.country_code)?;
        self.subdivision_code = self
            .subdivision_code
            .take()
            .map(|code| codes::subdivision_of("subdivisionCode", &code, &self.country_code))
            .transpose()?;
        if let (Some(introduced), Some(decided)) = (&self.introduced_on, &self.decided_on)
            && !not_before(decided, introduced)
        {
            return Err(AppError::bad_input(
                "decidedOn",
                format!("{decided} is before the introduction, {introduced}"),
            ));
        }
        self.rights.sort();
        self.rights.dedup();
        Ok(self)
    }

    fn changes_from(&self, old: &RestrictionDraft) -> Vec<Change> {
        [
            Change::of("title", &old.title, &self.title, Class::PLAIN),
            Change::of("reference", &old.reference, &self.reference, Class::PLAIN),
            Change::of("kind", &old.kind, &self.kind, Class::PLAIN),
            Change::of("status", &old.status, &self.status, Class::PLAIN),
            Change::of("countryCode", &old.country_code, &self.country_code, Class::PLAIN),
            Change::of("subdivisionCode", &old.subdivision_code, &self.subdivision_code, Class::PLAIN),
            Change::of("introducedOn", &old.introduced_on, &self.introduced_on, Class::PLAIN),
            Change::of("decidedOn", &old.decided_on, &self.decided_on, Class::PLAIN),
            Change::of("summary", &old.summary, &self.summary, Class::PLAIN),
            Change::of("rights", &old.rights, &self.rights, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn apply_to(&self, record: &mut restriction::ActiveModel) {
        record.title = Set(self.title.clone());
        record.sort_key = Set(sort_key(&self.title));
        record.reference = Set(self.reference.clone());
        record.kind = Set(self.kind);
        record.status = Set(self.status);
        record.country_code = Set(self.country_code.clone());
        record.subdivision_code = Set(self.subdivision_code.clone());
        record.introduced_on = Set(self.introduced_on.clone());
        record.decided_on = Set(self.decided_on.clone());
        record.summary = Set(self.summary.clone());
        record.visibility = Set(self.visibility);
    }

    fn created_changes(&self) -> Vec<Change> {
        audit::created(self, &[])
    }

    async fn load_all(db: &DatabaseTransaction, records: &[restriction::Model]) -> AppResult<Vec<Self>> {
        let ids: Vec<Uuid> = records.iter().map(|record| record.id).collect();
        let mut rights = crate::service::restrictions::rights(db, &ids).await?;
        Ok(records
            .iter()
            .map(|record| {
                let mut rights = rights.remove(&record.id).unwrap_or_default();
                // In the order `validated` puts them, so that an unchanged list compares equal.
                rights.sort();
                RestrictionDraft {
                    title: record.title.clone(),
                    reference: record.reference.clone(),
                    kind: record.kind,
                    status: record.status,
                    country_code: record.country_code.clone(),
                    subdivision_code: record.subdivision_code.clone(),
                    introduced_on: record.introduced_on.clone(),
                    decided_on: record.decided_on.clone(),
                    summary: record.summary.clone(),
                    rights,
                    visibility: record.visibility,
                    status_note: StatusNote::default(),
                }
            })
            .collect())
    }

    /// The rights, and a status history entry when the status is new.
    async fn write_children(&self, db: &DatabaseTransaction, id: Uuid, old: Option<&Self>) -> AppResult<()> {
        write_rights(db, id, &self.rights).await?;
        if old.is_none_or(|old| old.status != self.status) {
            record_status(db, id, self.status, self.status_note.clone()).await?;
        }
        Ok(())
    }
}

async fn write_rights<C: ConnectionTrait>(db: &C, id: Uuid, rights: &[Right]) -> AppResult<()> {
    restriction_right::Entity::delete_many().filter(restriction_right::Column::RestrictionId.eq(id)).exec(db).await?;
    if !rights.is_empty() {
        restriction_right::Entity::insert_many(
            rights.iter().map(|right| restriction_right::ActiveModel { restriction_id: Set(id), right: Set(*right) }),
        )
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn record_status<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    status: RestrictionStatus,
    note: StatusNote,
) -> AppResult<()> {
    let now = Utc::now();
    restriction_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        restriction_id: Set(id),
        status: Set(status),
        changed_on: Set(note.changed_on),
        note: Set(note.note),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
