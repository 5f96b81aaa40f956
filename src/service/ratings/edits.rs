//! Rating drafts: what a write of a civic-space rating checks and stores.
//! `editing` does the rest (rights, versions, the transaction, the audit).

use entity::{CivicSpaceRating, PartialDate, Visibility, country_rating};
use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Audited, Change, Class};
use crate::service::query::records::visible_by_id;
use crate::service::write::editing::{Draft, text};
use crate::service::{Viewer, codes};

/// Every editable field of a civic-space rating.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingDraft {
    pub country_code: String,
    pub rating: CivicSpaceRating,
    pub rated_on: PartialDate,
    /// The organisation that gave the rating.
    pub organisation_id: Option<Uuid>,
    /// The source that states it.
    pub source_id: Option<Uuid>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

/// The sort key: the country, then the date, so that a listing by name runs
/// through each country's history in order.
pub fn sort_key(country_code: &str, rated_on: &PartialDate) -> String {
    format!("{country_code} {}", rated_on.as_str())
}

/// Refuses a link to a record the caller cannot see, in the same words
/// whether it is hidden or does not exist.
async fn check_visible<E>(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    argument: &str,
    what: &str,
    id: Uuid,
) -> AppResult<()>
where
    E: crate::service::query::records::RecordEntity + sea_orm::IdenStatic,
{
    if visible_by_id::<E, _>(db, viewer, &[id]).await?.contains_key(&id) {
        Ok(())
    } else {
        Err(AppError::bad_input(argument, format!("no {what} you can see has the id {id}")))
    }
}

impl Draft for RatingDraft {
    type Entity = country_rating::Entity;

    fn validated(mut self) -> AppResult<Self> {
        self.country_code = codes::country_code("countryCode", &self.country_code)?;
        self.note = text("note", self.note.take(), 20_000)?;
        Ok(self)
    }

    /// Checks that the caller can see the organisation and source it links;
    /// links kept from `before` are not checked again, so that an editor
    /// with an edit share learns nothing of links it cannot see.
    async fn checked(self, db: &DatabaseTransaction, viewer: &Viewer, before: Option<&Self>) -> AppResult<Self> {
        if let Some(id) = self.organisation_id.filter(|id| before.is_none_or(|b| b.organisation_id != Some(*id))) {
            check_visible::<entity::organisation::Entity>(db, viewer, "organisationId", "organisation", id).await?;
        }
        if let Some(id) = self.source_id.filter(|id| before.is_none_or(|b| b.source_id != Some(*id))) {
            check_visible::<entity::source::Entity>(db, viewer, "sourceId", "source", id).await?;
        }
        Ok(self)
    }

    async fn seen_by(self, db: &DatabaseTransaction, viewer: &Viewer, _confidential: bool) -> AppResult<Self> {
        let mut drafts = RatingDraft::all_seen_by(db, viewer, vec![self]).await?;
        drafts.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no rating draft")))
    }

    /// Puts back the links the viewer could not see and did not replace.
    fn restore_unseen(&mut self, stored: &Self, seen: &Self) {
        if self.organisation_id.is_none() && seen.organisation_id.is_none() {
            self.organisation_id = stored.organisation_id;
        }
        if self.source_id.is_none() && seen.source_id.is_none() {
            self.source_id = stored.source_id;
        }
    }

    fn changes_from(&self, old: &RatingDraft) -> Vec<Change> {
        [
            Change::of("countryCode", &old.country_code, &self.country_code, Class::PLAIN),
            Change::of("rating", &old.rating, &self.rating, Class::PLAIN),
            Change::of("ratedOn", &old.rated_on, &self.rated_on, Class::PLAIN),
            Change::of(
                "organisationId",
                &old.organisation_id,
                &self.organisation_id,
                Class::refers_to(Audited::Organisation),
            ),
            Change::of("sourceId", &old.source_id, &self.source_id, Class::refers_to(Audited::Source)),
            Change::of("note", &old.note, &self.note, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn created_changes(&self) -> Vec<Change> {
        audit::created(
            self,
            &[
                ("organisationId", Class::refers_to(Audited::Organisation)),
                ("sourceId", Class::refers_to(Audited::Source)),
            ],
        )
    }

    fn apply_to(&self, record: &mut country_rating::ActiveModel) {
        record.country_code = Set(self.country_code.clone());
        record.rating = Set(self.rating);
        record.rated_on = Set(self.rated_on.clone());
        record.organisation_id = Set(self.organisation_id);
        record.source_id = Set(self.source_id);
        record.note = Set(self.note.clone());
        record.sort_key = Set(sort_key(&self.country_code, &self.rated_on));
        record.visibility = Set(self.visibility);
    }

    async fn load_all(_db: &DatabaseTransaction, records: &[country_rating::Model]) -> AppResult<Vec<Self>> {
        Ok(records
            .iter()
            .map(|record| RatingDraft {
                country_code: record.country_code.clone(),
                rating: record.rating,
                rated_on: record.rated_on.clone(),
                organisation_id: record.organisation_id,
                source_id: record.source_id,
                note: record.note.clone(),
                visibility: record.visibility,
            })
            .collect())
    }
}

impl RatingDraft {
    /// Drafts as the viewer knows them (`Draft::seen_by`): without links to
    /// organisations and sources it may not see, in two statements however
    /// many drafts there are.
    pub async fn all_seen_by(
        db: &DatabaseTransaction,
        viewer: &Viewer,
        mut drafts: Vec<RatingDraft>,
    ) -> AppResult<Vec<RatingDraft>> {
        let organisations: Vec<Uuid> = drafts.iter().filter_map(|d| d.organisation_id).collect();
        let organisations = visible_by_id::<entity::organisation::Entity, _>(db, viewer, &organisations).await?;
        let sources: Vec<Uuid> = drafts.iter().filter_map(|d| d.source_id).collect();
        let sources = visible_by_id::<entity::source::Entity, _>(db, viewer, &sources).await?;
        for draft in &mut drafts {
            draft.organisation_id = draft.organisation_id.filter(|id| organisations.contains_key(id));
            draft.source_id = draft.source_id.filter(|id| sources.contains_key(id));
        }
        Ok(drafts)
    }
}
