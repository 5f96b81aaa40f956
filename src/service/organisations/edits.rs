//! Writes of organisation records: partners record the organisations their
//! work involves (NGOs, state agencies, companies) and keep their own record
//! up to date. Archive and restore are the generic ones in `editing`.

use entity::{OrganisationKind, Visibility, organisation};
use sea_orm::{ActiveValue::Set, DatabaseTransaction};

use crate::error::AppResult;
use crate::service::audit::{self, Change, Class};
use crate::service::codes;
use crate::service::organisations::website;
use crate::service::text::sort_key;
use crate::service::write::editing::{Draft, name, text};

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

impl Draft for OrganisationDraft {
    type Entity = organisation::Entity;

    fn validated(mut self) -> AppResult<Self> {
        self.name = name("name", &self.name)?;
        self.acronym = text("acronym", self.acronym.take(), 40)?;
        self.summary = text("summary", self.summary.take(), 20_000)?;
        self.country_code = self.country_code.as_deref().map(|c| codes::country_code("countryCode", c)).transpose()?;
        self.website = text("website", self.website.take(), 2_048)?.map(|w| website("website", &w)).transpose()?;
        Ok(self)
    }

    fn changes_from(&self, old: &OrganisationDraft) -> Vec<Change> {
        [
            Change::of("name", &old.name, &self.name, Class::PLAIN),
            Change::of("acronym", &old.acronym, &self.acronym, Class::PLAIN),
            Change::of("kind", &old.kind, &self.kind, Class::PLAIN),
            Change::of("countryCode", &old.country_code, &self.country_code, Class::PLAIN),
            Change::of("website", &old.website, &self.website, Class::PLAIN),
            Change::of("summary", &old.summary, &self.summary, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
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

    fn created_changes(&self) -> Vec<Change> {
        audit::created(self, &[])
    }

    /// Files the names for duplicate detection when they changed.
    async fn write_children(&self, db: &DatabaseTransaction, id: uuid::Uuid, old: Option<&Self>) -> AppResult<()> {
        if old.is_none_or(|old| old.name != self.name || old.acronym != self.acronym) {
            let mut all: Vec<&str> = vec![&self.name];
            all.extend(self.acronym.as_deref());
            crate::service::duplicates::file_names(
                db,
                crate::service::duplicates::Mergeable::Organisation,
                id,
                &all,
                old.is_some(),
            )
            .await?;
        }
        Ok(())
    }

    async fn write_new_children(db: &DatabaseTransaction, created: &[(uuid::Uuid, Self)]) -> AppResult<()> {
        let names: Vec<(uuid::Uuid, Vec<&str>)> = created
            .iter()
            .map(|(id, draft)| (*id, std::iter::once(draft.name.as_str()).chain(draft.acronym.as_deref()).collect()))
            .collect();
        crate::service::duplicates::file_new_names(db, crate::service::duplicates::Mergeable::Organisation, &names)
            .await
    }

    async fn load_all(_db: &DatabaseTransaction, records: &[organisation::Model]) -> AppResult<Vec<Self>> {
        Ok(records
            .iter()
            .map(|record| OrganisationDraft {
                name: record.name.clone(),
                acronym: record.acronym.clone(),
                kind: record.kind,
                country_code: record.country_code.clone(),
                website: record.website.clone(),
                summary: record.summary.clone(),
                visibility: record.visibility,
            })
            .collect())
    }
}
