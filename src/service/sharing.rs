//! Sharing records with other organisations, and withdrawing shares.

use chrono::Utc;
use entity::{AuditAction, Role, ShareAccess, organisation, record_share};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Audited, Change, Class};
use crate::service::query::records::{RecordEntity, RecordModel, visible_by_id};
use crate::service::{Member, Viewer};

/// The kinds of record that can be shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shareable {
    Organisation,
    Defender,
    Restriction,
    Campaign,
    Source,
    CountryRating,
    Indicator,
}

impl Shareable {
    /// The record's table, as stored in shares and the audit log.
    pub fn table(self) -> &'static str {
        match self {
            Shareable::Organisation => "organisation",
            Shareable::Defender => "defender",
            Shareable::Restriction => "restriction",
            Shareable::Campaign => "campaign",
            Shareable::Source => "source",
            Shareable::CountryRating => "country_rating",
            Shareable::Indicator => "indicator",
        }
    }
}

fn admin(viewer: &Viewer) -> AppResult<Member> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated("Sharing records needs an API key".into())),
        Viewer::Member(member) if member.role != Role::Admin => {
            Err(AppError::Forbidden("Sharing records needs an ADMIN key of the contributing organisation".into()))
        }
        Viewer::Member(member) => Ok(*member),
    }
}

/// The version of a record the admin's organisation contributed. A record it
/// may see but did not contribute is FORBIDDEN; one it may not see is
/// NOT_FOUND, as if it did not exist.
async fn owned_version<E, C>(db: &C, viewer: &Viewer, member: &Member, id: Uuid) -> AppResult<i32>
where
    E: RecordEntity + sea_orm::IdenStatic,
    C: ConnectionTrait,
{
    let record =
        E::find_by_id_uuid(db, id).await?.ok_or_else(|| AppError::NotFound(format!("No record has the id {id}")))?;
    if record.contributed_by() == Some(member.organisation) {
        return Ok(record.version());
    }
    if visible_by_id::<E, _>(db, viewer, &[id]).await?.contains_key(&id) {
        Err(AppError::Forbidden("Only the contributing organisation may share this record".into()))
    } else {
        Err(AppError::NotFound(format!("No record has the id {id}")))
    }
}

async fn version_of<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    member: &Member,
    kind: Shareable,
    id: Uuid,
) -> AppResult<i32> {
    use entity::*;
    match kind {
        Shareable::Organisation => owned_version::<organisation::Entity, _>(db, viewer, member, id).await,
        Shareable::Defender => owned_version::<defender::Entity, _>(db, viewer, member, id).await,
        Shareable::Restriction => owned_version::<restriction::Entity, _>(db, viewer, member, id).await,
        Shareable::Campaign => owned_version::<campaign::Entity, _>(db, viewer, member, id).await,
        Shareable::Source => owned_version::<source::Entity, _>(db, viewer, member, id).await,
        Shareable::CountryRating => owned_version::<country_rating::Entity, _>(db, viewer, member, id).await,
        Shareable::Indicator => {
            // Indicators carry no sort key; they are checked directly.
            let record = indicator::Entity::find_by_id(id).one(db).await?;
            match record {
                Some(record) if record.contributed_by_id == Some(member.organisation) => Ok(record.version),
                Some(_) if !crate::service::indicators::by_id(db, viewer, &[id]).await?.is_empty() => {
                    Err(AppError::Forbidden("Only the contributing organisation may share this record".into()))
                }
                _ => Err(AppError::NotFound(format!("No record has the id {id}"))),
            }
        }
    }
}

/// Shares a record with another organisation, or changes an existing share.
pub async fn share(
    db: &DatabaseConnection,
    viewer: &Viewer,
    record: (Shareable, Uuid),
    with: Uuid,
    access: ShareAccess,
    confidential: bool,
) -> AppResult<record_share::Model> {
    let member = admin(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let version = version_of(&txn, viewer, &member, record.0, record.1).await?;
    if with == member.organisation {
        return Err(AppError::bad_input("organisationId", "a record cannot be shared with its own organisation"));
    }
    // An organisation the admin cannot see is refused exactly like one that
    // does not exist.
    if !visible_by_id::<organisation::Entity, _>(&txn, viewer, &[with]).await?.contains_key(&with) {
        return Err(AppError::bad_input("organisationId", "no organisation you can see has this id"));
    }
    let existing = record_share::Entity::find()
        .filter(record_share::Column::RecordType.eq(record.0.table()))
        .filter(record_share::Column::RecordId.eq(record.1))
        .filter(record_share::Column::OrganisationId.eq(with))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|share| (share.access, share.confidential));
    let stored = match existing {
        Some(share) => {
            let mut active: record_share::ActiveModel = share.into();
            active.access = Set(access);
            active.confidential = Set(confidential);
            active.update(&txn).await?
        }
        None => {
            record_share::ActiveModel {
                id: Set(Uuid::now_v7()),
                record_type: Set(record.0.table().to_owned()),
                record_id: Set(record.1),
                organisation_id: Set(with),
                access: Set(access),
                confidential: Set(confidential),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?
        }
    };
    let share = |(access, confidential): (ShareAccess, bool)| serde_json::json!({ "organisationId": with, "access": access, "confidential": confidential });
    let changes: Vec<Change> =
        [Change::of("sharedWith", &before.map(share), &Some(share((access, confidential))), shared_with_class())]
            .into_iter()
            .flatten()
            .collect();
    audit::append(&txn, &member, AuditAction::Share, (record.0.table(), record.1), version, &changes).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Withdraws a share. Withdrawing one that does not exist is harmless.
pub async fn unshare(
    db: &DatabaseConnection,
    viewer: &Viewer,
    record: (Shareable, Uuid),
    with: Uuid,
) -> AppResult<bool> {
    let member = admin(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let version = version_of(&txn, viewer, &member, record.0, record.1).await?;
    if !visible_by_id::<organisation::Entity, _>(&txn, viewer, &[with]).await?.contains_key(&with) {
        return Err(AppError::bad_input("organisationId", "no organisation you can see has this id"));
    }
    let removed = record_share::Entity::delete_many()
        .filter(record_share::Column::RecordType.eq(record.0.table()))
        .filter(record_share::Column::RecordId.eq(record.1))
        .filter(record_share::Column::OrganisationId.eq(with))
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if removed {
        let change = Change::values(
            "sharedWith",
            Some(serde_json::json!({ "organisationId": with })),
            None,
            shared_with_class(),
        );
        audit::append(&txn, &member, AuditAction::Unshare, (record.0.table(), record.1), version, &[change]).await?;
    }
    txn.commit().await?;
    Ok(removed)
}

/// A share in the log, `{organisationId, access, confidential}`. Who a
/// record is shared with is itself sensitive: confidential, and the
/// organisation named only to those who can see it.
fn shared_with_class() -> Class {
    Class::entries(&[("organisationId", Audited::Organisation, false)]).and_confidential()
}

/// Whether the viewer holds confidential access to each record: the
/// contributing organisation does, and organisations it shared the record
/// with confidential access. Anonymous readers never do.
pub async fn confidential_access<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    records: &[(Audited, Uuid)],
) -> AppResult<std::collections::HashMap<(Audited, Uuid), bool>> {
    use std::collections::{HashMap, HashSet};
    let mut access: HashMap<(Audited, Uuid), bool> = records.iter().map(|record| (*record, false)).collect();
    let Some(organisation) = viewer.organisation() else { return Ok(access) };
    let mut kinds: Vec<Audited> = records.iter().map(|(kind, _)| *kind).collect();
    kinds.sort_by_key(|kind| kind.table());
    kinds.dedup();
    for kind in kinds {
        let ids: Vec<Uuid> = records.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
        let owned: HashSet<Uuid> = match kind {
            Audited::Defender => contributed_by::<entity::defender::Entity, _>(db, organisation, &ids).await?,
            Audited::Restriction => contributed_by::<entity::restriction::Entity, _>(db, organisation, &ids).await?,
            Audited::Campaign => contributed_by::<entity::campaign::Entity, _>(db, organisation, &ids).await?,
            Audited::Organisation => contributed_by::<organisation::Entity, _>(db, organisation, &ids).await?,
            Audited::Source => contributed_by::<entity::source::Entity, _>(db, organisation, &ids).await?,
            Audited::CountryRating => {
                contributed_by::<entity::country_rating::Entity, _>(db, organisation, &ids).await?
            }
        };
        let shared = record_share::Entity::find()
            .filter(record_share::Column::RecordType.eq(kind.table()))
            .filter(record_share::Column::OrganisationId.eq(organisation))
            .filter(record_share::Column::Confidential.eq(true))
            .filter(record_share::Column::RecordId.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        for id in owned.into_iter().chain(shared.into_iter().map(|share| share.record_id)) {
            access.insert((kind, id), true);
        }
    }
    Ok(access)
}

/// The records among `ids` that `organisation` contributed.
async fn contributed_by<E, C>(db: &C, organisation: Uuid, ids: &[Uuid]) -> AppResult<std::collections::HashSet<Uuid>>
where
    E: RecordEntity + sea_orm::IdenStatic,
    C: ConnectionTrait,
{
    use sea_orm::sea_query::ExprTrait;
    Ok(E::find()
        .filter(E::column("id").is_in(ids.iter().copied()))
        .filter(E::column("contributed_by_id").eq(organisation))
        .all(db)
        .await?
        .into_iter()
        .map(|record| record.id())
        .collect())
}
