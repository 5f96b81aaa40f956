//! Writes of organisation records: partners record the organisations their
//! work involves (NGOs, state agencies, companies) and keep their own record
//! up to date. Archive and restore are the generic ones in `editing`.

use chrono::Utc;
use entity::{AuditAction, OrganisationKind, Visibility, organisation};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, IntoActiveModel, TransactionTrait};
use uuid::Uuid;

use super::audit::{self, Change};
use super::editing::{bump, check_version, editable, editor, name, text};
use super::organisations::website;
use super::text::sort_key;
use super::{Viewer, codes};
use crate::error::AppResult;

/// Every editable field of an organisation record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationDraft {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub country_code: Option<String>,
    pub website: Option<String>,
    pub summary: Option<String>,
    pub visibility: Visibility,
}

impl OrganisationDraft {
    /// Checks and normalises every field; refuses the first problem found, naming its field.
    pub fn validated(mut self) -> AppResult<Self> {
        self.name = name("name", &self.name)?;
        self.acronym = text("acronym", self.acronym.take(), 40)?;
        self.summary = text("summary", self.summary.take(), 20_000)?;
        self.country_code = self.country_code.as_deref().map(|c| codes::country_code("countryCode", c)).transpose()?;
        self.website = text("website", self.website.take(), 2_048)?.map(|w| website("website", &w)).transpose()?;
        Ok(self)
    }

    fn changes_from(&self, old: &OrganisationDraft) -> Vec<Change> {
        [
            Change::of("name", &old.name, &self.name, false),
            Change::of("acronym", &old.acronym, &self.acronym, false),
            Change::of("kind", &old.kind, &self.kind, false),
            Change::of("countryCode", &old.country_code, &self.country_code, false),
            Change::of("website", &old.website, &self.website, false),
            Change::of("summary", &old.summary, &self.summary, false),
            Change::of("visibility", &old.visibility, &self.visibility, false),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn apply_to(&self, record: &mut organisation::ActiveModel) {
        record.name = Set(self.name.clone());
        record.sort_key = Set(sort_key(&self.name));
        record.acronym = Set(self.acronym.clone());
        record.kind = Set(self.kind);
        record.country_code = Set(self.country_code.clone());
        record.website = Set(self.website.clone());
        record.summary = Set(self.summary.clone());
        record.visibility = Set(self.visibility);
    }

    fn of(record: &organisation::Model) -> Self {
        OrganisationDraft {
            name: record.name.clone(),
            acronym: record.acronym.clone(),
            kind: record.kind,
            country_code: record.country_code.clone(),
            website: record.website.clone(),
            summary: record.summary.clone(),
            visibility: record.visibility,
        }
    }
}

/// Creates an organisation record contributed by the caller's organisation.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    draft: OrganisationDraft,
) -> AppResult<organisation::Model> {
    let actor = editor(viewer)?;
    let draft = draft.validated()?;
    let txn = db.begin().await?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    let mut record = organisation::ActiveModel {
        id: Set(id),
        contributed_by_id: Set(Some(actor.organisation)),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    draft.apply_to(&mut record);
    let created = record.insert(&txn).await?;
    audit::append(&txn, &actor, AuditAction::Create, ("organisation", id), 1, &audit::created(&draft, &[])).await?;
    txn.commit().await?;
    Ok(created)
}

/// Updates an organisation record the caller's organisation contributed
/// (its own tenant record included) or may edit through a share.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    edit: impl FnOnce(&mut OrganisationDraft),
) -> AppResult<organisation::Model> {
    let actor = editor(viewer)?;
    let txn = db.begin().await?;
    let record = editable::<organisation::Entity, _>(&txn, viewer, &actor, id).await?;
    check_version(record.version, expected_version)?;
    let old = OrganisationDraft::of(&record);
    let mut draft = old.clone();
    edit(&mut draft);
    let draft = draft.validated()?;
    let changes = draft.changes_from(&old);
    if changes.is_empty() {
        return Ok(record);
    }
    let mut active = record.into_active_model();
    draft.apply_to(&mut active);
    let updated = bump::<organisation::Entity, _>(&txn, id, expected_version, active).await?;
    audit::append(&txn, &actor, AuditAction::Update, ("organisation", id), updated.version, &changes).await?;
    txn.commit().await?;
    Ok(updated)
}
