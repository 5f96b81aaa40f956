//! Statements added through the API. An organisation that may change a
//! record (its contributor, or one it shared the record with for editing)
//! asserts a value: without a language it becomes the current value, as an
//! update would make it; with one, it is the value in that language. An
//! organisation that may only read the record proposes a value, which those
//! who may change the record accept (then it is applied as if they had
//! asserted it, and stays the proposer's assertion) or reject. Each step is
//! an entry in the record's audit log: UPDATE or ASSERT, PROPOSE, ACCEPT or
//! REJECT. Nothing here changes another organisation's statements.

use chrono::Utc;
use entity::{AuditAction, StatementStatus, case_event, defender, organisation, restriction, source, statement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IdenStatic, IntoActiveModel, PaginatorTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ids::{GlobalId, NodeType};
use crate::service::audit::{self, Audited, Change, Class};
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::defenders::edits::DefenderDraft;
use crate::service::query::records::{RecordEntity, RecordModel, visible_by_id};
use crate::service::restrictions::edits::RestrictionDraft;
use crate::service::statements::facts::{
    EVENT_DESCRIPTION, EventText, Fact, PropType, Property, Stated, properties, property_of, stored_value,
};
use crate::service::statements::{languages, reads, writes};
use crate::service::write::editing::{self, Draft, ModelOf, editable, update_in_as};
use crate::service::{Member, Viewer};

const MAX_TEXT: usize = 20_000;
const MAX_LOCATOR: usize = 2_000;

/// A statement to add, as given.
#[derive(Clone, Debug)]
pub struct NewStatement {
    pub record: (Audited, Uuid),
    pub property: String,
    pub value: String,
    pub language: Option<String>,
    pub source: Option<Uuid>,
    pub locator: Option<String>,
}

/// A statement to add, checked.
struct Checked {
    fact: Fact,
    /// Whether the property holds one value (else a list).
    single: bool,
    source: Option<Uuid>,
    locator: Option<String>,
}

fn check(kind: Audited, input: NewStatement) -> AppResult<Checked> {
    let Some(property) = property_of(kind, &input.property) else {
        let names: Vec<&str> = properties(kind).iter().map(|p| p.name).collect();
        return Err(AppError::bad_input(
            "property",
            format!("{kind:?} has no property {:?}; it has {}", input.property, names.join(", ")),
        ));
    };
    let Property { name, prop_type, single, translatable } = property;
    let language = input.language.map(|l| languages::tag("language", &l)).transpose()?;
    let locator = editing::text("locator", input.locator, MAX_LOCATOR)?;
    if locator.is_some() && input.source.is_none() {
        return Err(AppError::bad_input("locator", "a locator says where in a source: give sourceId as well"));
    }
    if name == EVENT_DESCRIPTION {
        // One value per event and language, like a single value in a language.
        let fact = event_description(&input.value, language)?;
        return Ok(Checked { fact, single: true, source: input.source, locator });
    }
    // A list's values carry their own language where they have one (other
    // names); whether the record holds the value decides.
    if language.is_some() && single && !translatable {
        let names: Vec<&str> = properties(kind).iter().filter(|p| p.translatable).map(|p| p.name).collect();
        return Err(AppError::bad_input(
            "language",
            format!("{name} has no values in other languages; only {} have", names.join(", ")),
        ));
    }
    let value = match prop_type {
        PropType::Name => editing::name("value", &input.value)?,
        _ => editing::text("value", Some(input.value), MAX_TEXT)?
            .ok_or_else(|| AppError::bad_input("value", "must not be empty"))?,
    };
    let value = stored_value(kind, name, &value)?;
    Ok(Checked { fact: Fact { property: name, value, language }, single, source: input.source, locator })
}

/// A case event's description in another language, checked: the language
/// is needed, and the value names the event.
fn event_description(value: &str, language: Option<String>) -> AppResult<Fact> {
    let Some(language) = language else {
        return Err(AppError::bad_input(
            "language",
            "give the language of the description; the event's own description is changed with updateDefender",
        ));
    };
    let Some(given) = EventText::decode(value) else {
        return Err(AppError::bad_input(
            "value",
            format!(r#"{EVENT_DESCRIPTION} takes {{"event": "<case event UUID>", "description": "<text>"}}"#),
        ));
    };
    let description = editing::text("value", Some(given.description), MAX_TEXT)?
        .ok_or_else(|| AppError::bad_input("value", "the description must not be empty"))?;
    let value = EventText { event: given.event, description }.encode();
    Ok(Fact { property: EVENT_DESCRIPTION, value, language: Some(language) })
}

/// Checks a statement to add, without the database: the property, value,
/// language and locator.
pub fn validate(kind: Audited, input: NewStatement) -> AppResult<()> {
    check(kind, input).map(drop)
}

/// A statement given on a case event: its `description` in another
/// language, which is its defender's [`EVENT_DESCRIPTION`] statement.
/// Returns the record, property and value to state. An event on a defender
/// the viewer may not see is not found, exactly as one that does not exist.
pub async fn on_case_event<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    event: Uuid,
    property: &str,
    description: String,
) -> AppResult<((Audited, Uuid), String, String)> {
    let not_found = || {
        AppError::NotFound(format!(
            "No CaseEvent has the id {}",
            GlobalId::encode_uuid(NodeType::CaseEvent, event).as_str()
        ))
    };
    let found = case_event::Entity::find_by_id(event).one(db).await?.ok_or_else(not_found)?;
    let defender = found.defender_id;
    if !visible_by_id::<defender::Entity, _>(db, viewer, &[defender]).await?.contains_key(&defender) {
        return Err(not_found());
    }
    if property != "description" {
        return Err(AppError::bad_input(
            "property",
            "a case event's statements are of its description in other languages: give property description",
        ));
    }
    let value = EventText { event, description }.encode();
    Ok(((Audited::Defender, defender), EVENT_DESCRIPTION.to_owned(), value))
}

/// Adds a statement: asserted if the caller may change the record, else
/// proposed. Returns it.
pub async fn add(db: &DatabaseConnection, viewer: &Viewer, input: NewStatement) -> AppResult<statement::Model> {
    let actor = editing::editor(viewer)?;
    validate(input.record.0, input.clone())?;
    let txn = crate::db::begin_write(db).await?;
    let added = add_in(&txn, viewer, &actor, input).await?;
    txn.commit().await?;
    Ok(added)
}

/// [`add`], inside a transaction the caller commits (an import's).
pub async fn add_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    input: NewStatement,
) -> AppResult<statement::Model> {
    match input.record.0 {
        Audited::Defender => add_to::<DefenderDraft>(txn, viewer, actor, input).await,
        Audited::Restriction => add_to::<RestrictionDraft>(txn, viewer, actor, input).await,
        Audited::Campaign => add_to::<CampaignDraft>(txn, viewer, actor, input).await,
        _ => Err(AppError::bad_input("recordId", "statements are kept for defenders, restrictions and campaigns")),
    }
}

async fn add_to<D>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    input: NewStatement,
) -> AppResult<statement::Model>
where
    D: Draft + Stated,
    editing::ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: IntoActiveModel<editing::ActiveOf<D>>,
{
    let id = input.record.1;
    let checked = check(D::KIND, input)?;
    let record = match editable::<D::Entity, _>(txn, viewer, actor, id).await {
        Ok(record) => Some(record),
        // Visible, but not the caller's to change: it may propose.
        Err(AppError::Forbidden(_)) => None,
        Err(other) => return Err(other),
    };
    if let Some(source) = checked.source
        && !visible_by_id::<source::Entity, _>(txn, viewer, &[source]).await?.contains_key(&source)
    {
        return Err(AppError::NotFound(format!(
            "No Source has the id {}",
            GlobalId::encode_uuid(NodeType::Source, source).as_str()
        )));
    }
    if let Some(text) = EventText::of(&checked.fact) {
        held_event(txn, id, text.event).await?;
    }
    match record {
        Some(record) if checked.single => assert_value::<D>(txn, viewer, actor, record, &checked).await,
        Some(record) => state_held::<D>(txn, viewer, actor, record, &checked).await,
        None => propose::<D>(txn, viewer, actor, id, &checked).await,
    }
}

/// A proposal, from an organisation that may only read the record: of a
/// single value, a value in a language, or a value to add to a list (a
/// link names only a record the proposer may see).
async fn propose<D>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    id: Uuid,
    checked: &Checked,
) -> AppResult<statement::Model>
where
    D: Draft + Stated,
{
    let table = D::Entity::default().as_str();
    let record = D::Entity::find_by_id_uuid(txn, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a visible record vanished")))?;
    let fact = &checked.fact;
    if let Some(PropType::Entity(linked)) = property_of(D::KIND, fact.property).map(|p| p.prop_type) {
        linked_seen(txn, viewer, linked, &fact.value).await?;
    }
    if !checked.single || fact.language.is_none() {
        // Refused now, not when someone accepts it: a value the record
        // could not take.
        let mut draft = D::load(txn, &record).await?;
        apply(&mut draft, fact, checked.single)?;
        draft.validated()?;
    }
    let now = Utc::now();
    let mut row = writes::row((table, id), fact, Some(actor.organisation), StatementStatus::Proposed, (now, now));
    row.source_id = Set(checked.source);
    row.locator = Set(checked.locator.clone());
    let proposal = row.insert(txn).await?;
    log(txn, actor, AuditAction::Propose, (table, id), record.version(), "proposal", &proposal).await?;
    Ok(proposal)
}

/// Refuses a link to a record the viewer may not see, with the one message
/// for a record that does not exist.
async fn linked_seen(txn: &DatabaseTransaction, viewer: &Viewer, linked: Audited, value: &str) -> AppResult<()> {
    let id = Uuid::parse_str(value).map_err(|_| AppError::bad_input("value", "is no id"))?;
    let seen = match linked {
        Audited::Organisation => visible_by_id::<organisation::Entity, _>(txn, viewer, &[id]).await?.contains_key(&id),
        Audited::Restriction => visible_by_id::<restriction::Entity, _>(txn, viewer, &[id]).await?.contains_key(&id),
        _ => visible_by_id::<defender::Entity, _>(txn, viewer, &[id]).await?.contains_key(&id),
    };
    if !seen {
        return Err(AppError::bad_input("value", format!("names no {} you can see", linked.table())));
    }
    Ok(())
}

/// Sets a single value, or adds a value to a list, in a draft.
fn apply<D: Stated>(draft: &mut D, fact: &Fact, single: bool) -> AppResult<()> {
    if single { draft.set_fact(fact.property, &fact.value) } else { draft.add_fact(fact) }
}

/// Refuses a description of an event the record does not hold, whether it
/// is another record's (seen or not) or none at all, with one message.
async fn held_event(txn: &DatabaseTransaction, record: Uuid, event: Uuid) -> AppResult<()> {
    let held = case_event::Entity::find()
        .filter(case_event::Column::Id.eq(event))
        .filter(case_event::Column::DefenderId.eq(record))
        .count(txn)
        .await?;
    if held == 0 {
        return Err(AppError::bad_input("value.event", "names no case event of this defender"));
    }
    Ok(())
}

/// A value of a list, stated as the caller's own: only a value the record
/// holds (as the caller sees it), and only by those who may change the
/// record. Adding a value to a list, or taking one out, is an update.
async fn state_held<D>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    record: ModelOf<D>,
    checked: &Checked,
) -> AppResult<statement::Model>
where
    D: Draft + Stated,
{
    let name = checked.fact.property;
    let table = D::Entity::default().as_str();
    let (id, version) = (record.id(), record.version());
    let confidential = editing::confidential_access(txn, viewer, table, id).await?;
    // Held as the caller sees the record: what it may not see (a hidden
    // organisation's affiliation) is not held, exactly as if it did not exist.
    let seen = D::load(txn, &record).await?.seen_by(txn, viewer, confidential).await?;
    if !seen.stated_facts().contains(&checked.fact) {
        return Err(AppError::bad_input(
            "value",
            format!(
                "{name} is a list, and the record holds no such value: add values with the record's update mutation; \
                 stating a value the list holds makes it your statement too"
            ),
        ));
    }
    let stated = own_statement(txn, (table, id), actor.organisation, &checked.fact, checked).await?;
    log(txn, actor, AuditAction::Assert, (table, id), version, "statement", &stated).await?;
    Ok(stated)
}

/// The caller's own statement of a value it may set: without a language,
/// the record's current value changes as an update would change it.
async fn assert_value<D>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    record: ModelOf<D>,
    checked: &Checked,
) -> AppResult<statement::Model>
where
    D: Draft + Stated,
    editing::ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: IntoActiveModel<editing::ActiveOf<D>>,
{
    let table = D::Entity::default().as_str();
    let (id, version) = (record.id(), record.version());
    let fact = &checked.fact;
    let changed = match &fact.language {
        None => set_current::<D>(txn, viewer, actor, record, (fact, true), AuditAction::Update).await?,
        Some(_) => {
            // A value in a language replaces the caller's own earlier value
            // in that language (of the same event, for an event's
            // description), and no one else's.
            let mut earlier = statement::Entity::update_many()
                .col_expr(statement::Column::Current, sea_orm::sea_query::Expr::value(false))
                .filter(statement::Column::RecordId.eq(id))
                .filter(statement::Column::OrganisationId.eq(actor.organisation))
                .filter(statement::Column::Property.eq(fact.property))
                .filter(statement::Column::Language.eq(fact.language.clone()))
                .filter(statement::Column::Value.ne(fact.value.clone()));
            if let Some(text) = EventText::of(fact) {
                earlier = earlier.filter(statement::Column::Value.starts_with(EventText::prefix(text.event)));
            }
            earlier.exec(txn).await?;
            false
        }
    };
    let stated = own_statement(txn, (table, id), actor.organisation, fact, checked).await?;
    if !changed {
        log(txn, actor, AuditAction::Assert, (table, id), version, "statement", &stated).await?;
    }
    Ok(stated)
}

/// Sets a single-valued fact as the record's current value (or adds a
/// value to a list), through the one update path; whether anything changed.
async fn set_current<D>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    record: ModelOf<D>,
    (fact, single): (&Fact, bool),
    action: AuditAction,
) -> AppResult<bool>
where
    D: Draft + Stated,
    editing::ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: IntoActiveModel<editing::ActiveOf<D>>,
{
    let mut failure = None;
    let updated = update_in_as::<D>(
        txn,
        viewer,
        actor,
        record,
        |draft| {
            if let Err(error) = apply(draft, fact, single) {
                failure = Some(error);
            }
        },
        action,
    )
    .await?;
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(updated.is_some())
}

/// The organisation's statement of a fact, current and seen now, with the
/// source given (a write may have just made it).
async fn own_statement(
    txn: &DatabaseTransaction,
    record: (&str, Uuid),
    organisation: Uuid,
    fact: &Fact,
    checked: &Checked,
) -> AppResult<statement::Model> {
    let now = Utc::now();
    let existing = statement::Entity::find()
        .filter(statement::Column::RecordId.eq(record.1))
        .filter(statement::Column::OrganisationId.eq(organisation))
        .filter(statement::Column::Status.eq(StatementStatus::Asserted))
        .filter(statement::Column::Property.eq(fact.property))
        .filter(statement::Column::Value.eq(fact.value.clone()))
        .filter(statement::Column::Language.eq(fact.language.clone()))
        .one(txn)
        .await?;
    let cite = |row: &mut statement::ActiveModel| {
        if checked.source.is_some() {
            row.source_id = Set(checked.source);
            row.locator = Set(checked.locator.clone());
        }
    };
    Ok(match existing {
        Some(found) => {
            let mut row = found.into_active_model();
            row.current = Set(true);
            row.last_seen = Set(now);
            cite(&mut row);
            row.update(txn).await?
        }
        None => {
            let mut row = writes::row(record, fact, Some(organisation), StatementStatus::Asserted, (now, now));
            cite(&mut row);
            row.insert(txn).await?
        }
    })
}

/// Appends the audit entry of a statement that left the record's version as
/// it was.
async fn log(
    txn: &DatabaseTransaction,
    actor: &Member,
    action: AuditAction,
    record: (&str, Uuid),
    version: i32,
    field: &str,
    statement: &statement::Model,
) -> AppResult<()> {
    let value = json!({
        "id": GlobalId::encode_uuid(NodeType::Statement, statement.id).as_str(),
        "property": statement.property,
        "value": statement.value,
        "language": statement.language,
        "source": statement.source_id,
    });
    let class = Class::entries(&[("source", Audited::Source, false)]);
    let (from, to) = match action {
        AuditAction::Reject => (Some(value), None),
        _ => (None, Some(value)),
    };
    let changes = [Change::values(field, from, to, class)];
    audit::append_about(txn, actor, action, record, version, &changes, Some(statement.id)).await
}

/// Accepts or rejects a proposal. Only those who may change the record
/// decide; to anyone who may not see the proposal it does not exist.
pub async fn decide(
    db: &DatabaseConnection,
    viewer: &Viewer,
    proposal: Uuid,
    accept: bool,
) -> AppResult<statement::Model> {
    let not_found = || {
        AppError::NotFound(format!(
            "No proposal has the id {}",
            GlobalId::encode_uuid(NodeType::Statement, proposal).as_str()
        ))
    };
    let found = statement::Entity::find_by_id(proposal).one(db).await?.ok_or_else(not_found)?;
    match Audited::of_table(&found.record_type) {
        Some(Audited::Defender) => decide_on::<DefenderDraft>(db, viewer, found, accept, not_found).await,
        Some(Audited::Restriction) => decide_on::<RestrictionDraft>(db, viewer, found, accept, not_found).await,
        Some(Audited::Campaign) => decide_on::<CampaignDraft>(db, viewer, found, accept, not_found).await,
        _ => Err(not_found()),
    }
}

async fn decide_on<D>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    found: statement::Model,
    accept: bool,
    not_found: impl Fn() -> AppError,
) -> AppResult<statement::Model>
where
    D: Draft + Stated,
    editing::ActiveOf<D>: ActiveModelTrait<Entity = D::Entity> + Send,
    ModelOf<D>: IntoActiveModel<editing::ActiveOf<D>>,
{
    let actor = editing::editor(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let id = found.record_id;
    // The proposal must be one the viewer sees: on a record it sees, from
    // an organisation and a source it sees.
    if !visible_by_id::<D::Entity, _>(&txn, viewer, &[id]).await?.contains_key(&id) {
        return Err(not_found());
    }
    let seen = reads::of_records(&txn, viewer, &[(D::KIND, id)]).await?;
    if !seen.get(&(D::KIND, id)).is_some_and(|list| list.iter().any(|s| s.id == found.id)) {
        return Err(not_found());
    }
    let record = editable::<D::Entity, _>(&txn, viewer, &actor, id).await?;
    if found.status != StatementStatus::Proposed {
        return Err(AppError::bad_input("id", "this statement is not an open proposal: it was decided already"));
    }
    let table = D::Entity::default().as_str();
    let version = record.version();
    let property = property_of(D::KIND, &found.property).ok_or_else(not_found)?;
    let fact = Fact { property: property.name, value: found.value.clone(), language: found.language.clone() };
    let mut decided = found.into_active_model();
    let action = if accept {
        // A single value, or a value added to a list, changes the record; a
        // value in a language (or an event's description) stands beside it.
        let changes_record = fact.property != EVENT_DESCRIPTION && (!property.single || fact.language.is_none());
        let changed = match changes_record {
            true => {
                let single = property.single;
                set_current::<D>(&txn, viewer, &actor, record, (&fact, single), AuditAction::Accept).await?
            }
            false => false,
        };
        decided.status = Set(StatementStatus::Asserted);
        decided.last_seen = Set(Utc::now());
        let decided = decided.update(&txn).await?;
        if !changed {
            log(&txn, &actor, AuditAction::Accept, (table, id), version, "proposal", &decided).await?;
        }
        txn.commit().await?;
        return Ok(decided);
    } else {
        AuditAction::Reject
    };
    decided.status = Set(StatementStatus::Rejected);
    decided.current = Set(false);
    let decided = decided.update(&txn).await?;
    log(&txn, &actor, action, (table, id), version, "proposal", &decided).await?;
    txn.commit().await?;
    Ok(decided)
}
