//! Merging two records of the same person or organisation into one, and
//! undoing it. The absorbed record is kept as it was, marked as merged: its
//! id resolves to the survivor, and everything linked to it (case events,
//! affiliations, restriction links, campaigns, citations, external
//! identifiers) moves to the survivor. What moved is stored with the merge,
//! so that `unmerge` puts back exactly that.
//!
//! An organisation merges into a record it contributed, a record it may
//! change. Merging never widens access to what the absorbed record held: the
//! survivor takes the narrower visibility of the two, confidential fields
//! stay on the absorbed record, and the absorbed record's contributor is
//! given read access to the survivor so that it keeps sight of its work.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    AuditAction, OtherNameKind, ShareAccess, Verdict, Visibility, affiliation, api_key, campaign, campaign_defender,
    case_event, citation, defender, defender_name, defender_restriction, external_id, organisation, record_merge,
    record_share,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Change, Class};
use crate::service::duplicates::names;
use crate::service::duplicates::{self, Mergeable};
use crate::service::search;
use crate::service::write::editing::{bump, editable, editor};
use crate::service::{Member, Viewer};

/// What a merge moved and changed, for undoing it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Moved {
    events: Vec<Uuid>,
    affiliations: Vec<Uuid>,
    restriction_links: Vec<Uuid>,
    /// The restrictions of those links: an edit of the survivor's links
    /// stores them anew, under other ids. Empty for merges recorded before
    /// it was kept.
    linked_restrictions: Vec<Uuid>,
    /// Campaigns whose link to the defender moved.
    campaigns: Vec<Uuid>,
    /// Campaigns whose lead organisation moved.
    lead_campaigns: Vec<Uuid>,
    citations: Vec<Uuid>,
    external_ids: Vec<Uuid>,
    /// Other names the survivor took from the absorbed record.
    added_names: Vec<Uuid>,
    /// The survivor's visibility before the merge narrowed it.
    visibility_before: Option<Visibility>,
    /// The share given to the absorbed record's contributor.
    share_granted: Option<Uuid>,
}

fn narrowness(visibility: Visibility) -> u8 {
    match visibility {
        Visibility::Public => 0,
        Visibility::Partners => 1,
        Visibility::Private => 2,
    }
}

/// The citation type name of a kind.
fn citing_type(kind: Mergeable) -> &'static str {
    match kind {
        Mergeable::Defender => "Defender",
        Mergeable::Organisation => "Organisation",
    }
}

/// The provenance of a record that matters to a merge.
struct Side {
    id: Uuid,
    version: i32,
    contributed_by: Option<Uuid>,
    visibility: Visibility,
    /// Whether the record may be PUBLIC: a defender's consent is GIVEN (always
    /// true for organisations).
    may_be_public: bool,
}

impl Side {
    fn of_defender(r: &defender::Model) -> Side {
        Side {
            id: r.id,
            version: r.version,
            contributed_by: r.contributed_by_id,
            visibility: r.visibility,
            may_be_public: r.consent == entity::Consent::Given,
        }
    }

    fn of_organisation(r: &organisation::Model) -> Side {
        Side {
            id: r.id,
            version: r.version,
            contributed_by: r.contributed_by_id,
            visibility: r.visibility,
            may_be_public: true,
        }
    }
}

async fn side(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    kind: Mergeable,
    id: Uuid,
) -> AppResult<Side> {
    Ok(match kind {
        Mergeable::Defender => {
            let r = editable::<defender::Entity, _>(txn, viewer, actor, id).await?;
            Side::of_defender(&r)
        }
        Mergeable::Organisation => {
            let r = editable::<organisation::Entity, _>(txn, viewer, actor, id).await?;
            Side::of_organisation(&r)
        }
    })
}

/// Merges `absorbed` into `survivor`; returns the merge's id. In one
/// transaction: check both sides, move the absorbed record's links to the
/// survivor, settle who may read the survivor, mark both, and record what
/// moved so that the merge can be undone.
pub async fn merge(
    db: &DatabaseConnection,
    viewer: &Viewer,
    kind: Mergeable,
    survivor_id: Uuid,
    absorbed_id: Uuid,
) -> AppResult<Uuid> {
    let actor = editor(viewer)?;
    if survivor_id == absorbed_id {
        return Err(AppError::bad_input("absorbedId", "a record cannot be merged into itself"));
    }
    let txn = crate::db::begin_write(db).await?;
    let (survivor, absorbed) = merge_sides(&txn, viewer, &actor, kind, survivor_id, absorbed_id).await?;
    let mut moved = Moved::default();
    match kind {
        Mergeable::Defender => move_defender_links(&txn, survivor_id, absorbed_id, &mut moved).await?,
        Mergeable::Organisation => move_organisation_links(&txn, survivor_id, absorbed_id, &mut moved).await?,
    }
    moved.citations = ids_of::<citation::Entity, _>(
        &txn,
        citation::Column::Id,
        citation::Column::RecordType.eq(citing_type(kind)).and(citation::Column::RecordId.eq(absorbed_id)),
    )
    .await?;
    moved.external_ids = ids_of::<external_id::Entity, _>(
        &txn,
        external_id::Column::Id,
        external_id::Column::RecordType.eq(kind.table()).and(external_id::Column::RecordId.eq(absorbed_id)),
    )
    .await?;
    repoint_citations_and_ids(&txn, &moved, survivor_id).await?;

    // The survivor is read by no more than could read either record.
    let narrower = narrowness(absorbed.visibility) > narrowness(survivor.visibility);
    if narrower {
        moved.visibility_before = Some(survivor.visibility);
    }
    if let Some(contributor) = absorbed.contributed_by.filter(|c| *c != actor.organisation) {
        moved.share_granted = grant_read(&txn, kind, survivor_id, contributor).await?;
    }
    let new_visibility = if narrower { absorbed.visibility } else { survivor.visibility };

    duplicates::judge(&txn, viewer, kind, (survivor_id, absorbed_id), Verdict::Same, None).await?;
    set_merge_state(&txn, kind, &survivor, Some(new_visibility), None).await?;
    set_merge_state(&txn, kind, &absorbed, None, Some(Some(survivor_id))).await?;
    refile_both(&txn, kind, survivor_id, absorbed_id).await?;

    let record = kind.audited();
    let mut survivor_changes =
        vec![Change::values("merged", None, Some(serde_json::json!(absorbed_id)), Class::refers_to(record))];
    survivor_changes.extend(Change::of("visibility", &survivor.visibility, &new_visibility, Class::PLAIN));
    let absorbed_changes =
        vec![Change::values("mergedInto", None, Some(serde_json::json!(survivor_id)), Class::refers_to(record))];
    audit_both(&txn, &actor, AuditAction::Merge, kind, (&survivor, survivor_changes), (&absorbed, absorbed_changes))
        .await?;

    let id = Uuid::now_v7();
    record_merge::ActiveModel {
        id: Set(id),
        record_type: Set(kind.table().to_owned()),
        survivor_id: Set(survivor_id),
        absorbed_id: Set(absorbed_id),
        organisation_id: Set(actor.organisation),
        api_key_id: Set(actor.api_key()),
        moved: Set(serde_json::to_string(&moved).map_err(anyhow::Error::from)?),
        merged_at: Set(Utc::now()),
        undone_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Both sides of a merge, checked: the caller may change both, and
/// contributed the survivor; a partner organisation is never absorbed.
async fn merge_sides(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    kind: Mergeable,
    survivor_id: Uuid,
    absorbed_id: Uuid,
) -> AppResult<(Side, Side)> {
    // The absorbed record first: one the caller may not see is NOT_FOUND,
    // whatever it asked of the survivor.
    let absorbed = side(txn, viewer, actor, kind, absorbed_id).await?;
    let survivor = side(txn, viewer, actor, kind, survivor_id).await?;
    if survivor.contributed_by != Some(actor.organisation) {
        return Err(AppError::Forbidden(
            "Merge into a record your organisation contributed: the survivor keeps its contributor".into(),
        ));
    }
    if kind == Mergeable::Organisation {
        refuse_partner(txn, absorbed_id).await?;
    }
    Ok((survivor, absorbed))
}

/// Undoes the merge that absorbed `absorbed_id`; returns the survivor's id.
/// What the merge moved goes back, the visibility it narrowed is restored,
/// and both records are marked and audited.
pub async fn unmerge(db: &DatabaseConnection, viewer: &Viewer, kind: Mergeable, absorbed_id: Uuid) -> AppResult<Uuid> {
    let actor = editor(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let (merge, survivor) = undoable_merge(&txn, viewer, &actor, kind, absorbed_id).await?;
    let moved: Moved = serde_json::from_str(&merge.moved).map_err(anyhow::Error::from)?;
    let (s, a) = (merge.survivor_id, absorbed_id);
    match kind {
        Mergeable::Defender => return_defender_links(&txn, s, a, &moved).await?,
        Mergeable::Organisation => return_organisation_links(&txn, s, a, &moved).await?,
    }
    repoint_citations_and_ids(&txn, &moved, a).await?;
    if let Some(share) = moved.share_granted {
        record_share::Entity::delete_by_id(share).exec(&txn).await?;
    }
    // The visibility the merge narrowed comes back, except that a defender
    // whose consent was withdrawn meanwhile cannot become PUBLIC again: it
    // becomes PRIVATE, as a withdrawal from a PUBLIC record does.
    let restored = moved.visibility_before.filter(|_| narrowness(survivor.visibility) > 0).map(|before| {
        if before == Visibility::Public && !survivor.may_be_public { Visibility::Private } else { before }
    });
    set_merge_state(&txn, kind, &survivor, restored, None).await?;
    let absorbed = absorbed_side(&txn, kind, a).await?;
    set_merge_state(&txn, kind, &absorbed, None, Some(None)).await?;
    refile_both(&txn, kind, s, a).await?;

    let record = kind.audited();
    let mut survivor_changes =
        vec![Change::values("merged", Some(serde_json::json!(a)), None, Class::refers_to(record))];
    if let Some(before) = restored {
        survivor_changes.extend(Change::of("visibility", &survivor.visibility, &before, Class::PLAIN));
    }
    let absorbed_changes =
        vec![Change::values("mergedInto", Some(serde_json::json!(s)), None, Class::refers_to(record))];
    audit_both(&txn, &actor, AuditAction::Unmerge, kind, (&survivor, survivor_changes), (&absorbed, absorbed_changes))
        .await?;
    let mut undone = merge.into_active_model();
    undone.undone_at = Set(Some(Utc::now()));
    undone.update(&txn).await?;
    txn.commit().await?;
    Ok(s)
}

/// The standing merge that absorbed `absorbed_id`, and its survivor, if the
/// caller may undo it.
async fn undoable_merge(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor: &Member,
    kind: Mergeable,
    absorbed_id: Uuid,
) -> AppResult<(record_merge::Model, Side)> {
    let merge = record_merge::Entity::find()
        .filter(record_merge::Column::RecordType.eq(kind.table()))
        .filter(record_merge::Column::AbsorbedId.eq(absorbed_id))
        .filter(record_merge::Column::UndoneAt.is_null())
        .one(txn)
        .await?;
    let not_merged = || AppError::NotFound(format!("No merged {} has the id {absorbed_id}", kind.table()));
    let merge = merge.ok_or_else(not_merged)?;
    // A survivor the caller cannot see is refused exactly like a merge that
    // does not exist: the same code, the same words, and never its id.
    let survivor = match side(txn, viewer, actor, kind, merge.survivor_id).await {
        Err(AppError::NotFound(_)) => return Err(not_merged()),
        other => other?,
    };
    if survivor.contributed_by != Some(actor.organisation) && merge.organisation_id != actor.organisation {
        return Err(AppError::Forbidden(
            "Only the organisation that merged, or the survivor's contributor, may undo a merge".into(),
        ));
    }
    Ok((merge, survivor))
}

/// Points the citations and external identifiers a merge moved at `to`:
/// the survivor on merge, the absorbed record on unmerge.
async fn repoint_citations_and_ids(txn: &DatabaseTransaction, moved: &Moved, to: Uuid) -> AppResult<()> {
    citation::Entity::update_many()
        .col_expr(citation::Column::RecordId, Expr::value(to))
        .filter(citation::Column::Id.is_in(moved.citations.clone()))
        .exec(txn)
        .await?;
    external_id::Entity::update_many()
        .col_expr(external_id::Column::RecordId, Expr::value(to))
        .filter(external_id::Column::Id.is_in(moved.external_ids.clone()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Files both records' names and search documents anew.
async fn refile_both(txn: &DatabaseTransaction, kind: Mergeable, survivor: Uuid, absorbed: Uuid) -> AppResult<()> {
    duplicates::refile(txn, kind, survivor, true).await?;
    search::reindex(txn, kind.table(), survivor).await?;
    search::reindex(txn, kind.table(), absorbed).await?;
    Ok(())
}

/// Appends the merge or unmerge to both records' histories, each as its next version.
async fn audit_both(
    txn: &DatabaseTransaction,
    actor: &Member,
    action: AuditAction,
    kind: Mergeable,
    (survivor, survivor_changes): (&Side, Vec<Change>),
    (absorbed, absorbed_changes): (&Side, Vec<Change>),
) -> AppResult<()> {
    for (side, changes) in [(survivor, survivor_changes), (absorbed, absorbed_changes)] {
        audit::append(txn, actor, action, (kind.table(), side.id), side.version + 1, &changes).await?;
    }
    Ok(())
}

/// Gives a defender back what a merge moved to its survivor.
async fn return_defender_links(txn: &DatabaseTransaction, s: Uuid, a: Uuid, moved: &Moved) -> AppResult<()> {
    case_event::Entity::update_many()
        .col_expr(case_event::Column::DefenderId, Expr::value(a))
        .filter(case_event::Column::Id.is_in(moved.events.clone()))
        .filter(case_event::Column::DefenderId.eq(s))
        .exec(txn)
        .await?;
    affiliation::Entity::update_many()
        .col_expr(affiliation::Column::DefenderId, Expr::value(a))
        .filter(affiliation::Column::Id.is_in(moved.affiliations.clone()))
        .filter(affiliation::Column::DefenderId.eq(s))
        .exec(txn)
        .await?;
    // An edit of the survivor's links stores them anew, under other ids:
    // its link to a restriction that came with the merge is given back too
    // (the survivor had no link of its own to it, or none would have moved).
    defender_restriction::Entity::update_many()
        .col_expr(defender_restriction::Column::DefenderId, Expr::value(a))
        .filter(
            defender_restriction::Column::Id
                .is_in(moved.restriction_links.clone())
                .or(defender_restriction::Column::RestrictionId.is_in(moved.linked_restrictions.clone())),
        )
        .filter(defender_restriction::Column::DefenderId.eq(s))
        .exec(txn)
        .await?;
    campaign_defender::Entity::update_many()
        .col_expr(campaign_defender::Column::DefenderId, Expr::value(a))
        .filter(campaign_defender::Column::CampaignId.is_in(moved.campaigns.clone()))
        .filter(campaign_defender::Column::DefenderId.eq(s))
        .exec(txn)
        .await?;
    defender_name::Entity::delete_many()
        .filter(defender_name::Column::Id.is_in(moved.added_names.clone()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Gives an organisation back what a merge moved to its survivor.
async fn return_organisation_links(txn: &DatabaseTransaction, s: Uuid, a: Uuid, moved: &Moved) -> AppResult<()> {
    affiliation::Entity::update_many()
        .col_expr(affiliation::Column::OrganisationId, Expr::value(a))
        .filter(affiliation::Column::Id.is_in(moved.affiliations.clone()))
        .filter(affiliation::Column::OrganisationId.eq(s))
        .exec(txn)
        .await?;
    campaign::Entity::update_many()
        .col_expr(campaign::Column::LeadOrganisationId, Expr::value(a))
        .filter(campaign::Column::Id.is_in(moved.lead_campaigns.clone()))
        .filter(campaign::Column::LeadOrganisationId.eq(s))
        .exec(txn)
        .await?;
    Ok(())
}

/// The ids of rows of `E` matching `condition`.
async fn ids_of<E, C>(db: &C, id: E::Column, condition: Expr) -> AppResult<Vec<Uuid>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    Ok(E::find().select_only().column(id).filter(condition).into_tuple::<Uuid>().all(db).await?)
}

async fn move_defender_links(txn: &DatabaseTransaction, s: Uuid, a: Uuid, moved: &mut Moved) -> AppResult<()> {
    moved.events =
        ids_of::<case_event::Entity, _>(txn, case_event::Column::Id, case_event::Column::DefenderId.eq(a)).await?;
    case_event::Entity::update_many()
        .col_expr(case_event::Column::DefenderId, Expr::value(s))
        .filter(case_event::Column::Id.is_in(moved.events.clone()))
        .exec(txn)
        .await?;
    moved.affiliations =
        ids_of::<affiliation::Entity, _>(txn, affiliation::Column::Id, affiliation::Column::DefenderId.eq(a)).await?;
    affiliation::Entity::update_many()
        .col_expr(affiliation::Column::DefenderId, Expr::value(s))
        .filter(affiliation::Column::Id.is_in(moved.affiliations.clone()))
        .exec(txn)
        .await?;

    // One link per restriction: the survivor's own link wins.
    let linked: HashSet<Uuid> = defender_restriction::Entity::find()
        .filter(defender_restriction::Column::DefenderId.eq(s))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.restriction_id)
        .collect();
    let moving: Vec<defender_restriction::Model> = defender_restriction::Entity::find()
        .filter(defender_restriction::Column::DefenderId.eq(a))
        .all(txn)
        .await?
        .into_iter()
        .filter(|l| !linked.contains(&l.restriction_id))
        .collect();
    moved.restriction_links = moving.iter().map(|l| l.id).collect();
    moved.linked_restrictions = moving.iter().map(|l| l.restriction_id).collect();
    defender_restriction::Entity::update_many()
        .col_expr(defender_restriction::Column::DefenderId, Expr::value(s))
        .filter(defender_restriction::Column::Id.is_in(moved.restriction_links.clone()))
        .exec(txn)
        .await?;

    let campaigns_of = |defender: Uuid| {
        campaign_defender::Entity::find().filter(campaign_defender::Column::DefenderId.eq(defender)).all(txn)
    };
    let in_survivor: HashSet<Uuid> = campaigns_of(s).await?.into_iter().map(|c| c.campaign_id).collect();
    moved.campaigns = campaigns_of(a)
        .await?
        .into_iter()
        .map(|c| c.campaign_id)
        .filter(|campaign| !in_survivor.contains(campaign))
        .collect();
    campaign_defender::Entity::update_many()
        .col_expr(campaign_defender::Column::DefenderId, Expr::value(s))
        .filter(campaign_defender::Column::DefenderId.eq(a))
        .filter(campaign_defender::Column::CampaignId.is_in(moved.campaigns.clone()))
        .exec(txn)
        .await?;

    // The absorbed record's names become other names of the survivor,
    // unless the survivor has them already in some spelling.
    let vanished = || AppError::Internal(anyhow::anyhow!("a defender being merged vanished inside the merge"));
    let absorbed = defender::Entity::find_by_id(a).one(txn).await?.ok_or_else(vanished)?;
    let survivor = defender::Entity::find_by_id(s).one(txn).await?.ok_or_else(vanished)?;
    let others = |id: Uuid| defender_name::Entity::find().filter(defender_name::Column::DefenderId.eq(id)).all(txn);
    let mut known: HashSet<Vec<String>> = others(s).await?.iter().map(|n| names::tokens(&n.name)).collect();
    known.insert(names::tokens(&survivor.name));
    let mut incoming = vec![(absorbed.name.clone(), OtherNameKind::Alias, None)];
    incoming.extend(others(a).await?.into_iter().map(|n| (n.name, n.kind, n.language)));
    let now = Utc::now();
    for (name, kind, language) in incoming {
        if !known.insert(names::tokens(&name)) {
            continue;
        }
        let id = Uuid::now_v7();
        defender_name::ActiveModel {
            id: Set(id),
            defender_id: Set(s),
            sort_key: Set(crate::service::text::sort_key(&name)),
            name: Set(name),
            kind: Set(kind),
            language: Set(language),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        moved.added_names.push(id);
    }
    Ok(())
}

async fn move_organisation_links(txn: &DatabaseTransaction, s: Uuid, a: Uuid, moved: &mut Moved) -> AppResult<()> {
    moved.affiliations =
        ids_of::<affiliation::Entity, _>(txn, affiliation::Column::Id, affiliation::Column::OrganisationId.eq(a))
            .await?;
    affiliation::Entity::update_many()
        .col_expr(affiliation::Column::OrganisationId, Expr::value(s))
        .filter(affiliation::Column::Id.is_in(moved.affiliations.clone()))
        .exec(txn)
        .await?;
    moved.lead_campaigns =
        ids_of::<campaign::Entity, _>(txn, campaign::Column::Id, campaign::Column::LeadOrganisationId.eq(a)).await?;
    campaign::Entity::update_many()
        .col_expr(campaign::Column::LeadOrganisationId, Expr::value(s))
        .filter(campaign::Column::Id.is_in(moved.lead_campaigns.clone()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Partner organisations hold keys and contribute records: they are
/// tenants, not entries to merge away.
async fn refuse_partner(txn: &DatabaseTransaction, id: Uuid) -> AppResult<()> {
    let own_record =
        organisation::Entity::find_by_id(id).one(txn).await?.is_some_and(|o| o.contributed_by_id == Some(id));
    let keys = api_key::Entity::find().filter(api_key::Column::OrganisationId.eq(id)).one(txn).await?.is_some();
    if own_record || keys {
        return Err(AppError::bad_input(
            "absorbedId",
            "this organisation is a partner with its own access; partner organisations cannot be merged away",
        ));
    }
    Ok(())
}

/// Shares the survivor for reading with the absorbed record's contributor,
/// unless it has a share already.
async fn grant_read(txn: &DatabaseTransaction, kind: Mergeable, survivor: Uuid, with: Uuid) -> AppResult<Option<Uuid>> {
    let existing = record_share::Entity::find()
        .filter(record_share::Column::RecordType.eq(kind.table()))
        .filter(record_share::Column::RecordId.eq(survivor))
        .filter(record_share::Column::OrganisationId.eq(with))
        .one(txn)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    record_share::ActiveModel {
        id: Set(id),
        record_type: Set(kind.table().to_owned()),
        record_id: Set(survivor),
        organisation_id: Set(with),
        access: Set(ShareAccess::Read),
        confidential: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(Some(id))
}

async fn absorbed_side(txn: &DatabaseTransaction, kind: Mergeable, id: Uuid) -> AppResult<Side> {
    let gone = || AppError::Internal(anyhow::anyhow!("merged record {id} vanished"));
    Ok(match kind {
        Mergeable::Defender => {
            let r = defender::Entity::find_by_id(id).one(txn).await?.ok_or_else(gone)?;
            Side::of_defender(&r)
        }
        Mergeable::Organisation => {
            let r = organisation::Entity::find_by_id(id).one(txn).await?.ok_or_else(gone)?;
            Side::of_organisation(&r)
        }
    })
}

/// Stores the next version of a record with a new visibility and/or
/// `merged_into_id`.
async fn set_merge_state(
    txn: &DatabaseTransaction,
    kind: Mergeable,
    record: &Side,
    visibility: Option<Visibility>,
    merged_into: Option<Option<Uuid>>,
) -> AppResult<()> {
    match kind {
        Mergeable::Defender => {
            let mut active = defender::ActiveModel { id: Set(record.id), ..Default::default() };
            if let Some(visibility) = visibility {
                active.visibility = Set(visibility);
            }
            if let Some(merged_into) = merged_into {
                active.merged_into_id = Set(merged_into);
            }
            bump::<defender::Entity, _>(txn, record.id, record.version, active).await?;
        }
        Mergeable::Organisation => {
            let mut active = organisation::ActiveModel { id: Set(record.id), ..Default::default() };
            if let Some(visibility) = visibility {
                active.visibility = Set(visibility);
            }
            if let Some(merged_into) = merged_into {
                active.merged_into_id = Set(merged_into);
            }
            bump::<organisation::Entity, _>(txn, record.id, record.version, active).await?;
        }
    }
    Ok(())
}

/// The ids of the records merged into each of these (merges not undone).
pub async fn merged_ids<C: ConnectionTrait>(
    db: &C,
    kind: Mergeable,
    survivors: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut merged: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in record_merge::Entity::find()
        .filter(record_merge::Column::RecordType.eq(kind.table()))
        .filter(record_merge::Column::SurvivorId.is_in(survivors.iter().copied()))
        .filter(record_merge::Column::UndoneAt.is_null())
        .all(db)
        .await?
    {
        merged.entry(row.survivor_id).or_default().push(row.absorbed_id);
    }
    for list in merged.values_mut() {
        list.sort();
    }
    Ok(merged)
}

/// How merges bear on a survivor read as of a past moment.
#[derive(Clone, Debug, Default)]
pub struct MergesThen {
    /// The records merged into it at the moment (merged by then, not yet undone).
    pub merged: Vec<Uuid>,
    /// The case events, affiliations and citations merges after the moment
    /// brought in from the records they absorbed: not the survivor's then.
    pub brought_since: HashSet<Uuid>,
    /// The restrictions of the links merges moved to the survivor that are
    /// another record's: brought in after the moment, or given back to the
    /// absorbed record by an unmerge since.
    pub restrictions_of_others: HashSet<Uuid>,
    /// The same links, by their rows, for merges recorded without their
    /// restrictions (see `Moved::linked_restrictions`).
    pub link_rows_of_others: HashSet<Uuid>,
}

/// How merges bear on each survivor (id, moment) as of its moment, in one
/// statement for all of them.
pub async fn merges_then<C: ConnectionTrait>(
    db: &C,
    kind: Mergeable,
    keys: &[(Uuid, chrono::DateTime<Utc>)],
) -> AppResult<HashMap<(Uuid, chrono::DateTime<Utc>), MergesThen>> {
    let rows = record_merge::Entity::find()
        .filter(record_merge::Column::RecordType.eq(kind.table()))
        .filter(record_merge::Column::SurvivorId.is_in(keys.iter().map(|(id, _)| *id)))
        .all(db)
        .await?;
    let mut found = HashMap::new();
    for &(survivor, at) in keys {
        let mut then = MergesThen::default();
        let in_force_after = |row: &record_merge::Model| row.undone_at.is_none_or(|undone| undone > at);
        for row in rows.iter().filter(|row| row.survivor_id == survivor && in_force_after(row)) {
            let still_merged = row.undone_at.is_none();
            if row.merged_at <= at {
                then.merged.push(row.absorbed_id);
                if still_merged {
                    continue;
                }
            }
            let moved: Moved = serde_json::from_str(&row.moved)
                .map_err(|error| AppError::Internal(anyhow::anyhow!("a merge's record cannot be read: {error}")))?;
            if moved.linked_restrictions.is_empty() {
                then.link_rows_of_others.extend(moved.restriction_links);
            }
            then.restrictions_of_others.extend(moved.linked_restrictions);
            if row.merged_at > at {
                then.brought_since.extend(moved.events.into_iter().chain(moved.affiliations).chain(moved.citations));
            }
        }
        then.merged.sort();
        found.insert((survivor, at), then);
    }
    Ok(found)
}

/// For ids of absorbed records, the record each now lives on as (following
/// merges of merges). Ids not merged are left out.
pub async fn survivors<C: ConnectionTrait>(db: &C, kind: Mergeable, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Uuid>> {
    let mut resolved: HashMap<Uuid, Uuid> = HashMap::new();
    let mut current: HashMap<Uuid, Uuid> = ids.iter().map(|id| (*id, *id)).collect();
    // Chains are short; ten hops stop a cycle should one ever be stored.
    for _ in 0..10 {
        if current.is_empty() {
            break;
        }
        let targets: Vec<Uuid> = current.values().copied().collect();
        let next: HashMap<Uuid, Uuid> = match kind {
            Mergeable::Defender => defender::Entity::find()
                .filter(defender::Column::Id.is_in(targets))
                .filter(defender::Column::MergedIntoId.is_not_null())
                .all(db)
                .await?
                .into_iter()
                .filter_map(|r| Some((r.id, r.merged_into_id?)))
                .collect(),
            Mergeable::Organisation => organisation::Entity::find()
                .filter(organisation::Column::Id.is_in(targets))
                .filter(organisation::Column::MergedIntoId.is_not_null())
                .all(db)
                .await?
                .into_iter()
                .filter_map(|r| Some((r.id, r.merged_into_id?)))
                .collect(),
        };
        let mut still = HashMap::new();
        for (origin, at) in current {
            if let Some(target) = next.get(&at) {
                resolved.insert(origin, *target);
                still.insert(origin, *target);
            }
        }
        current = still;
    }
    Ok(resolved)
}
