//! What every write of a shared record does first: check that the caller may
//! write at all, that it may change this record, and that its change is based
//! on the current version; and, once checked, store the next version only if
//! no one else stored one first.

use chrono::Utc;
use entity::{Role, ShareAccess, record_share};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, QueryFilter, Value};
use std::str::FromStr;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::query::records::{RecordEntity, RecordModel, visible_by_id};
use crate::service::{Member, Viewer};

/// The longest name or title accepted.
pub const MAX_NAME: usize = 300;

/// The member behind a write, if its key may write at all.
pub fn editor(viewer: &Viewer) -> AppResult<Member> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated(
            "Changing records needs an API key: send it as \"Authorization: Bearer <key>\"".into(),
        )),
        Viewer::Member(member) if member.role == Role::Reader => Err(AppError::Forbidden(
            "This API key can only read. Changing records needs an EDITOR or ADMIN key.".into(),
        )),
        Viewer::Member(member) => Ok(*member),
    }
}

/// Loads a record the caller may change (its own, or one shared with it for
/// editing), archived or not. A record the caller may see but not change is
/// FORBIDDEN; one it may not see is NOT_FOUND, exactly like one that does not
/// exist.
pub async fn editable<E, C>(db: &C, viewer: &Viewer, actor: &Member, id: Uuid) -> AppResult<E::Model>
where
    E: RecordEntity + IdenStatic,
    C: ConnectionTrait,
{
    let not_found = || AppError::NotFound(format!("No {} has the id {id}", E::default().as_str()));
    let record = E::find_by_id_uuid(db, id).await?.ok_or_else(not_found)?;
    if let Some(survivor) = record.merged_into() {
        // An absorbed id resolves to its survivor for those who can see the
        // survivor, so telling them of the merge tells nothing new; to anyone
        // else the id is as unknown as one that never existed.
        if !visible_by_id::<E, _>(db, viewer, &[survivor]).await?.contains_key(&survivor) {
            return Err(not_found());
        }
        return Err(AppError::bad_input(
            "id",
            format!(
                "this {} was merged into another record: change that one, or undo the merge",
                E::default().as_str()
            ),
        ));
    }
    if record.contributed_by() == Some(actor.organisation) {
        return Ok(record);
    }
    // An archived record is hidden from every read: only its contributor may
    // change or restore it; to anyone else, shares or not, it is unknown.
    if record.archived() {
        return Err(not_found());
    }
    let share = record_share::Entity::find()
        .filter(record_share::Column::RecordType.eq(E::default().as_str()))
        .filter(record_share::Column::RecordId.eq(id))
        .filter(record_share::Column::OrganisationId.eq(actor.organisation))
        .one(db)
        .await?;
    if share.is_some_and(|share| share.access == ShareAccess::Edit) {
        return Ok(record);
    }
    if visible_by_id::<E, _>(db, viewer, &[id]).await?.contains_key(&id) {
        Err(AppError::Forbidden(
            "Only the contributing organisation, or one it shared the record with for editing, may change it".into(),
        ))
    } else {
        Err(not_found())
    }
}

/// Refuses a change based on another version than the stored one.
pub fn check_version(current: i32, expected: i32) -> AppResult<()> {
    if current != expected {
        return Err(AppError::Conflict(format!(
            "The record changed since version {expected}: it is now at version {current}. Fetch it again and reapply your change."
        )));
    }
    Ok(())
}

/// Stores `changed` as the version after `expected`, unless someone else
/// stored one first (then CONFLICT, and nothing is written).
pub async fn bump<E, C>(db: &C, id: Uuid, expected: i32, mut changed: E::ActiveModel) -> AppResult<E::Model>
where
    E: RecordEntity + IdenStatic,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let column = |name: &str| {
        E::Column::from_str(name).map_err(|_| AppError::Internal(anyhow::anyhow!("{name} is not a column")))
    };
    changed.set(column("version")?, Value::from(expected + 1));
    changed.set(column("updated_at")?, Value::from(Utc::now()));
    let result = E::update_many()
        .set(changed)
        .filter(E::column("id").eq(id))
        .filter(E::column("version").eq(expected))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "The record changed since version {expected}. Fetch it again and reapply your change."
        )));
    }
    E::find_by_id_uuid(db, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("record vanished inside its own transaction")))
}

/// Archives (hides from every read) or restores a record, as the next version,
/// with its audit entry, in one transaction.
pub async fn set_archived<E>(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    archive: bool,
) -> AppResult<E::Model>
where
    E: RecordEntity + IdenStatic,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    use sea_orm::IntoActiveModel;
    let actor = editor(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let record = editable::<E, _>(&txn, viewer, &actor, id).await?;
    check_version(record.version(), expected_version)?;
    if record.archived() == archive {
        let state = if archive { "archived" } else { "not archived" };
        return Err(AppError::bad_input("id", format!("the {} is {state} already", E::default().as_str())));
    }
    let mut active = record.into_active_model();
    let column =
        E::Column::from_str("archived_at").map_err(|_| AppError::Internal(anyhow::anyhow!("no archived_at column")))?;
    active.set(column, Value::from(archive.then(Utc::now)));
    let updated = bump::<E, _>(&txn, id, expected_version, active).await?;
    let change =
        crate::service::audit::Change::of("archived", &!archive, &archive, crate::service::audit::Class::PLAIN);
    let action = if archive { entity::AuditAction::Archive } else { entity::AuditAction::Restore };
    crate::service::audit::append(
        &txn,
        &actor,
        action,
        (E::default().as_str(), id),
        updated.version(),
        &change.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Refuses a control character (see [`crate::service::text::control_character`]).
fn no_controls(argument: &str, value: &str) -> AppResult<()> {
    match crate::service::text::control_character(value) {
        Some(found) => Err(AppError::bad_input(
            argument,
            format!(
                "contains the control character U+{:04X}; remove it (only tab, line feed and carriage return are \
                 accepted in text)",
                u32::from(found)
            ),
        )),
        None => Ok(()),
    }
}

/// An optional text field: trimmed, empty as none, at most `max` characters,
/// no control characters but line breaks and tabs.
pub fn text(argument: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    if let Some(value) = &value {
        no_controls(argument, value)?;
    }
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > max => {
            Err(AppError::bad_input(argument, format!("must be at most {max} characters; got {}", v.chars().count())))
        }
        other => Ok(other),
    }
}

/// A required name or title: trimmed, 1 to 300 characters, on one line and
/// without control characters.
pub fn name(argument: &str, value: &str) -> AppResult<String> {
    no_controls(argument, value)?;
    let value = value.trim();
    if value.contains(['\n', '\r', '\t']) {
        return Err(AppError::bad_input(argument, "must be on one line, without tabs"));
    }
    if value.is_empty() || value.chars().count() > MAX_NAME {
        return Err(AppError::bad_input(argument, format!("must be 1 to {MAX_NAME} characters")));
    }
    Ok(value.to_owned())
}

/// The model of a draft's entity.
pub type ModelOf<D> = <<D as Draft>::Entity as EntityTrait>::Model;
/// The active model of a draft's entity.
pub type ActiveOf<D> = <<D as Draft>::Entity as EntityTrait>::ActiveModel;

/// Every editable field of one kind of shared record, and how to check,
/// compare, store and load them. `create_record` and `update_record` do the
/// rest the same way for every kind: rights, versions, the transaction and
/// the audit entry.
pub trait Draft: Clone + Send + Sync + Sized + 'static {
    type Entity: RecordEntity + IdenStatic + Send + Sync;

    /// Checks and normalises what needs no database; refuses the first
    /// problem found, naming its field.
    fn validated(self) -> AppResult<Self>;

    /// Checks what needs the database, such as links to records the viewer
    /// must be able to see. `before` is the stored state on update.
    fn checked<'a>(
        self,
        _db: &'a sea_orm::DatabaseTransaction,
        _viewer: &'a Viewer,
        _before: Option<&'a Self>,
    ) -> impl std::future::Future<Output = AppResult<Self>> + Send + 'a {
        async move { Ok(self) }
    }

    /// The draft as the viewer knows it: without links to records hidden
    /// from it, and without confidential values unless `confidential` (the
    /// viewer holds confidential access). Edits apply to this, and a row
    /// naming a record the importer may not change is compared with it, so
    /// that no answer depends on what the viewer may not read.
    fn seen_by<'a>(
        self,
        _db: &'a sea_orm::DatabaseTransaction,
        _viewer: &'a Viewer,
        _confidential: bool,
    ) -> impl std::future::Future<Output = AppResult<Self>> + Send + 'a {
        async move { Ok(self) }
    }

    /// Puts back what `seen` withheld from `stored` and the edit left alone:
    /// links to hidden records, confidential values. An editor replaces only
    /// what it can see.
    fn restore_unseen(&mut self, _stored: &Self, _seen: &Self) {}

    /// Adjusts an edit in the light of the stored state, before validation.
    fn settle(&mut self, _old: &Self) {}

    /// The fields that differ from `old`.
    fn changes_from(&self, old: &Self) -> Vec<crate::service::audit::Change>;

    /// The changes that record this draft's creation.
    fn created_changes(&self) -> Vec<crate::service::audit::Change>;

    /// Sets the record's columns from the draft.
    fn apply_to(&self, record: &mut ActiveOf<Self>);

    /// The values of the record's facts, which writes state as the writing
    /// organisation's (see [`crate::service::statements`]); none for kinds
    /// without statements.
    fn stated_facts(&self) -> Vec<crate::service::statements::Fact> {
        Vec::new()
    }

    /// The stored state of several records, in their order, read in a
    /// number of statements fixed by the kind, however many records there
    /// are (an export page loads thousands at once).
    fn load_all<'a>(
        db: &'a sea_orm::DatabaseTransaction,
        records: &'a [ModelOf<Self>],
    ) -> impl std::future::Future<Output = AppResult<Vec<Self>>> + Send + 'a;

    /// The stored state of a record.
    fn load<'a>(
        db: &'a sea_orm::DatabaseTransaction,
        record: &'a ModelOf<Self>,
    ) -> impl std::future::Future<Output = AppResult<Self>> + Send + 'a {
        async move {
            let mut drafts = Self::load_all(db, std::slice::from_ref(record)).await?;
            drafts.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no draft loaded for a record")))
        }
    }

    /// Writes what lives in other tables (names, links, history), after the
    /// record itself. `old` is the stored state on update.
    fn write_children<'a>(
        &'a self,
        _db: &'a sea_orm::DatabaseTransaction,
        _id: Uuid,
        _old: Option<&'a Self>,
    ) -> impl std::future::Future<Output = AppResult<()>> + Send + 'a {
        async { Ok(()) }
    }

    /// Writes what lives in other tables for records just created, each
    /// with its id. Kinds whose creations are imported in bulk write them
    /// in a few statements for all; the others one record at a time.
    fn write_new_children<'a>(
        db: &'a sea_orm::DatabaseTransaction,
        created: &'a [(Uuid, Self)],
    ) -> impl std::future::Future<Output = AppResult<()>> + Send + 'a {
        async move {
            for (id, draft) in created {
                draft.write_children(db, *id, None).await?;
            }
            Ok(())
        }
    }
}

fn set_column<D: Draft>(record: &mut ActiveOf<D>, name: &str, value: Value) -> AppResult<()>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity>,
{
    let column = <D::Entity as EntityTrait>::Column::from_str(name)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("{name} is not a column")))?;
    record.set(column, value);
    Ok(())
}

/// Creates a record contributed by the caller's organisation, validated in
/// full first, in one transaction with its audit entry.
pub async fn create_record<D: Draft>(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    draft: D,
) -> AppResult<ModelOf<D>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
    ModelOf<D>: sea_orm::IntoActiveModel<ActiveOf<D>>,
{
    let actor = editor(viewer)?;
    let draft = draft.validated()?;
    let txn = crate::db::begin_write(db).await?;
    let created = create_in(&txn, viewer, &actor, draft).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates a record inside the caller's transaction: validates, checks,
/// stores it with its lists and appends its audit entry.
pub async fn create_in<D: Draft>(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    draft: D,
) -> AppResult<ModelOf<D>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
    ModelOf<D>: sea_orm::IntoActiveModel<ActiveOf<D>>,
{
    let draft = prepare_new(txn, viewer, draft).await?;
    let ids = create_all_in(txn, actor, vec![draft]).await?;
    let id = ids.first().copied().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no record created")))?;
    D::Entity::find_by_id_uuid(txn, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("record vanished inside its own transaction")))
}

/// A new record's draft, validated and checked against what the viewer may
/// see (links included): what [`create_all_in`] takes.
pub async fn prepare_new<D: Draft>(txn: &sea_orm::DatabaseTransaction, viewer: &Viewer, draft: D) -> AppResult<D> {
    draft.validated()?.checked(txn, viewer, None).await
}

/// Stores new records of one kind contributed by the caller's organisation,
/// from drafts [`prepare_new`] gave, with their lists, search documents and
/// audit entries, inside the caller's transaction; returns their ids in the
/// drafts' order. The statements are a few per table for all the records
/// (for kinds that write their lists in bulk, see
/// [`Draft::write_new_children`]), so that an import writes thousands of
/// records in the time a handful took one by one.
pub async fn create_all_in<D: Draft>(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Member,
    drafts: Vec<D>,
) -> AppResult<Vec<Uuid>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
{
    let now = Utc::now();
    let created: Vec<(Uuid, D)> = drafts.into_iter().map(|draft| (Uuid::now_v7(), draft)).collect();
    let mut records = Vec::with_capacity(created.len());
    for (id, draft) in &created {
        let mut record = <ActiveOf<D> as ActiveModelTrait>::default();
        set_column::<D>(&mut record, "id", (*id).into())?;
        set_column::<D>(&mut record, "contributed_by_id", Some(actor.organisation).into())?;
        set_column::<D>(&mut record, "version", 1i32.into())?;
        set_column::<D>(&mut record, "archived_at", Option::<chrono::DateTime<Utc>>::None.into())?;
        set_column::<D>(&mut record, "created_at", now.into())?;
        set_column::<D>(&mut record, "updated_at", now.into())?;
        draft.apply_to(&mut record);
        records.push(record);
    }
    super::insert_rows(txn, records).await?;
    D::write_new_children(txn, &created).await?;
    let table = D::Entity::default().as_str();
    let facts: Vec<(Uuid, Vec<crate::service::statements::Fact>)> =
        created.iter().map(|(id, draft)| (*id, draft.stated_facts())).collect();
    crate::service::statements::writes::created(txn, table, Some(actor.organisation), &facts).await?;
    let ids: Vec<Uuid> = created.iter().map(|(id, _)| *id).collect();
    crate::service::search::reindex_all(txn, table, &ids).await?;
    let entries: Vec<(Uuid, Vec<crate::service::audit::Change>)> =
        created.iter().map(|(id, draft)| (*id, draft.created_changes())).collect();
    crate::service::audit::append_created(txn, actor, table, &entries).await?;
    Ok(ids)
}

/// Updates a record: `edit` changes the stored state, and the result is
/// validated and stored as the next version. An edit that changes nothing
/// stores nothing.
pub async fn update_record<D: Draft>(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    edit: impl FnOnce(&mut D),
) -> AppResult<ModelOf<D>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: sea_orm::IntoActiveModel<ActiveOf<D>>,
{
    let actor = editor(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let record = editable::<D::Entity, _>(&txn, viewer, &actor, id).await?;
    check_version(record.version(), expected_version)?;
    let updated = update_in::<D>(&txn, viewer, &actor, record.clone(), edit).await?;
    txn.commit().await?;
    Ok(updated.unwrap_or(record))
}

/// Updates a record the caller may change inside the caller's transaction;
/// `None` when the edit changes nothing (then nothing is written).
pub async fn update_in<D: Draft>(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    record: ModelOf<D>,
    edit: impl FnOnce(&mut D),
) -> AppResult<Option<ModelOf<D>>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: sea_orm::IntoActiveModel<ActiveOf<D>>,
{
    update_in_as(txn, viewer, actor, record, edit, entity::AuditAction::Update).await
}

/// [`update_in`], with the audit entry's action given: accepting a proposal
/// changes the record as an update does, and is logged as ACCEPT.
pub async fn update_in_as<D: Draft>(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    record: ModelOf<D>,
    edit: impl FnOnce(&mut D),
    action: entity::AuditAction,
) -> AppResult<Option<ModelOf<D>>>
where
    ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: sea_orm::IntoActiveModel<ActiveOf<D>>,
{
    use sea_orm::IntoActiveModel;
    let (id, version) = (record.id(), record.version());
    let table = D::Entity::default().as_str();
    let old = D::load(txn, &record).await?;
    let confidential = confidential_access(txn, viewer, table, id).await?;
    // The edit applies to the record as the editor knows it; what it cannot
    // see is kept as stored, so neither its input nor the answer can touch
    // or reveal it.
    let seen = old.clone().seen_by(txn, viewer, confidential).await?;
    let mut draft = seen.clone();
    edit(&mut draft);
    draft.settle(&seen);
    if !confidential && draft.changes_from(&seen).iter().any(|change| change.class.confidential) {
        return Err(AppError::Forbidden(
            "Changing confidential fields (exactLocation, contactDetails, safetyNotes) needs confidential access to \
             the record: ask its contributing organisation"
                .into(),
        ));
    }
    let mut draft = draft.validated()?.checked(txn, viewer, Some(&seen)).await?;
    draft.restore_unseen(&old, &seen);
    let changes = draft.changes_from(&old);
    if changes.is_empty() {
        return Ok(None);
    }
    let mut active = record.into_active_model();
    draft.apply_to(&mut active);
    let updated = bump::<D::Entity, _>(txn, id, version, active).await?;
    draft.write_children(txn, id, Some(&old)).await?;
    crate::service::statements::writes::updated(
        txn,
        (table, id),
        <D::Entity as RecordEntity>::KIND,
        actor.organisation,
        &old.stated_facts(),
        &draft.stated_facts(),
    )
    .await?;
    crate::service::search::reindex(txn, table, id).await?;
    crate::service::audit::append(txn, actor, action, (table, id), updated.version(), &changes).await?;
    Ok(Some(updated))
}

/// Whether the viewer holds confidential access to the record of `table`.
pub async fn confidential_access<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    table: &str,
    id: Uuid,
) -> AppResult<bool> {
    let Some(kind) = crate::service::audit::Audited::of_table(table) else { return Ok(false) };
    Ok(crate::service::sharing::confidential_access(db, viewer, &[(kind, id)])
        .await?
        .get(&(kind, id))
        .copied()
        .unwrap_or(false))
}
