//! Writes of sources, and of citations: a record citing a source.

use chrono::Utc;
use entity::{AuditAction, PartialDate, Visibility, citation, source};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::as_of::SOURCES;
use crate::service::audit::{self, Audited, Change, Class};
use crate::service::organisations::website;
use crate::service::query::records::{RecordEntity, RecordModel, visible_by_id};
use crate::service::sources::CitingRecord;
use crate::service::text::sort_key;
use crate::service::write::editing::{Draft, bump, check_version, editable, editor, name, text};

/// Every editable field of a source.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceDraft {
    pub url: Option<String>,
    pub title: String,
    pub publisher: Option<String>,
    pub published_on: Option<PartialDate>,
    pub visibility: Visibility,
}

impl Draft for SourceDraft {
    type Entity = source::Entity;

    fn validated(mut self) -> AppResult<Self> {
        self.title = name("title", &self.title)?;
        self.publisher = text("publisher", self.publisher.take(), 300)?;
        self.url = text("url", self.url.take(), 2_048)?.map(|url| website("url", &url)).transpose()?;
        Ok(self)
    }

    fn changes_from(&self, old: &SourceDraft) -> Vec<Change> {
        [
            Change::of("url", &old.url, &self.url, Class::PLAIN),
            Change::of("title", &old.title, &self.title, Class::PLAIN),
            Change::of("publisher", &old.publisher, &self.publisher, Class::PLAIN),
            Change::of("publishedOn", &old.published_on, &self.published_on, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn apply_to(&self, record: &mut source::ActiveModel) {
        record.url = Set(self.url.clone());
        record.title = Set(self.title.clone());
        record.sort_key = Set(sort_key(&self.title));
        record.publisher = Set(self.publisher.clone());
        record.published_on = Set(self.published_on.clone());
        record.visibility = Set(self.visibility);
    }

    fn created_changes(&self) -> Vec<Change> {
        audit::created(self, &[])
    }

    async fn load_all(_db: &DatabaseTransaction, records: &[source::Model]) -> AppResult<Vec<Self>> {
        Ok(records
            .iter()
            .map(|record| SourceDraft {
                url: record.url.clone(),
                title: record.title.clone(),
                publisher: record.publisher.clone(),
                published_on: record.published_on.clone(),
                visibility: record.visibility,
            })
            .collect())
    }
}

/// Adds or removes a citation on a record the caller may change, as the
/// record's next version. Returns the record's new version.
async fn change_citation<E>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    record: (CitingRecord, Uuid),
    expected_version: i32,
    source_id: Uuid,
    locator: Option<Option<String>>,
) -> AppResult<i32>
where
    E: RecordEntity + sea_orm::IdenStatic,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let actor = editor(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let current = editable::<E, _>(&txn, viewer, &actor, record.1).await?;
    check_version(current.version(), expected_version)?;
    let cited = citation::Entity::find()
        .filter(citation::Column::RecordType.eq(record.0.as_str()))
        .filter(citation::Column::RecordId.eq(record.1))
        .filter(citation::Column::SourceId.eq(source_id))
        .all(&txn)
        .await?;
    let change = match locator {
        Some(locator) => {
            if !visible_by_id::<source::Entity, _>(&txn, viewer, &[source_id]).await?.contains_key(&source_id) {
                return Err(AppError::bad_input(
                    "input.sourceId",
                    format!("no source you can see has the id {source_id}"),
                ));
            }
            let locator = text("input.locator", locator, 2_000)?;
            citation::ActiveModel {
                id: Set(Uuid::now_v7()),
                source_id: Set(source_id),
                record_type: Set(record.0.as_str().to_owned()),
                record_id: Set(record.1),
                locator: Set(locator.clone()),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            Change::values(
                SOURCES,
                None,
                Some(serde_json::json!({ "source": source_id, "locator": locator })),
                cited_class(),
            )
        }
        None => {
            // A hidden source's citation is as unknown to the caller as one
            // that does not exist.
            let hidden =
                !visible_by_id::<source::Entity, _>(&txn, viewer, &[source_id]).await?.contains_key(&source_id);
            if cited.is_empty() || hidden {
                return Err(AppError::bad_input("input.sourceId", "the record does not cite this source"));
            }
            citation::Entity::delete_many()
                .filter(citation::Column::Id.is_in(cited.iter().map(|c| c.id)))
                .exec(&txn)
                .await?;
            // The citations removed, with when each was made: what the
            // record cited at a past moment (`asOf`) depends on them.
            let removed: Vec<serde_json::Value> =
                cited.iter().map(|c| serde_json::json!({ "id": c.id, "createdAt": c.created_at })).collect();
            Change::values(
                SOURCES,
                Some(serde_json::json!({ "source": source_id, "removed": removed })),
                None,
                cited_class(),
            )
        }
    };
    let updated = bump::<E, _>(&txn, record.1, expected_version, current.into_active_model()).await?;
    audit::append(&txn, &actor, AuditAction::Update, (E::default().as_str(), record.1), updated.version(), &[change])
        .await?;
    txn.commit().await?;
    Ok(updated.version())
}

/// Makes a record cite a source (`Some(locator)`), or stop citing it (`None`).
pub async fn cite(
    db: &DatabaseConnection,
    viewer: &Viewer,
    record: (CitingRecord, Uuid),
    expected_version: i32,
    source_id: Uuid,
    locator: Option<Option<String>>,
) -> AppResult<i32> {
    use entity::*;
    match record.0 {
        CitingRecord::Organisation => {
            change_citation::<organisation::Entity>(db, viewer, record, expected_version, source_id, locator).await
        }
        CitingRecord::Defender => {
            change_citation::<defender::Entity>(db, viewer, record, expected_version, source_id, locator).await
        }
        CitingRecord::Restriction => {
            change_citation::<restriction::Entity>(db, viewer, record, expected_version, source_id, locator).await
        }
        CitingRecord::Campaign => {
            change_citation::<campaign::Entity>(db, viewer, record, expected_version, source_id, locator).await
        }
        CitingRecord::Indicator => Err(AppError::bad_input("input.recordId", "indicators name their source directly")),
    }
}

/// A citation in the log: shown to those who can see the source it names.
fn cited_class() -> Class {
    Class::entries(&[("source", Audited::Source, true)])
}
