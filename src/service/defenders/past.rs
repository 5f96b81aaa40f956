//! A defender's case as it stood at a past moment (`asOf`): its case
//! events, affiliations and links to restrictions.
//!
//! A list the defender's log changed since is the list the log kept (the
//! `from` of its oldest change since); one unchanged since is the list now.
//! Merges move entries without a change to the list, so both are corrected
//! for them: entries a merge after the moment brought in from the absorbed
//! record were not the defender's then, and entries that belong to another
//! defender now (given back by an unmerge) are that record's, which the
//! viewer may not see. Either way they are left out, so that no other
//! record's entries show in this one's past. One statement per list, and
//! one for the merges (see
//! [`crate::service::duplicates::merges::merges_then`]), however long the history.

use std::collections::HashSet;

use entity::{affiliation, case_event, defender_restriction};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::as_of::Past;
use crate::service::defenders::case::{AffiliationDraft, EventDraft};
use crate::service::duplicates::merges::MergesThen;

/// A list of a defender's case entries, stored one row per entry.
trait CaseList: EntityTrait {
    const ID: Self::Column;
    const DEFENDER: Self::Column;
    fn id(entry: &Self::Model) -> Uuid;
}

impl CaseList for case_event::Entity {
    const ID: case_event::Column = case_event::Column::Id;
    const DEFENDER: case_event::Column = case_event::Column::DefenderId;
    fn id(entry: &case_event::Model) -> Uuid {
        entry.id
    }
}

impl CaseList for affiliation::Entity {
    const ID: affiliation::Column = affiliation::Column::Id;
    const DEFENDER: affiliation::Column = affiliation::Column::DefenderId;
    fn id(entry: &affiliation::Model) -> Uuid {
        entry.id
    }
}

/// The defender's entries then: `logged`, the list its log kept, or (None,
/// unchanged since) the list now; without other records' entries.
async fn own_then<E: CaseList, C: ConnectionTrait>(
    db: &C,
    defender: Uuid,
    merges: &MergesThen,
    logged: Option<Vec<E::Model>>,
) -> AppResult<Vec<E::Model>> {
    let mut entries = match logged {
        Some(then) => {
            let ids: Vec<Uuid> = then.iter().map(E::id).collect();
            let elsewhere: HashSet<Uuid> = E::find()
                .filter(E::ID.is_in(ids))
                .filter(E::DEFENDER.ne(defender))
                .all(db)
                .await?
                .iter()
                .map(E::id)
                .collect();
            then.into_iter().filter(|entry| !elsewhere.contains(&E::id(entry))).collect()
        }
        None => E::find().filter(E::DEFENDER.eq(defender)).all(db).await?,
    };
    entries.retain(|entry| !merges.brought_since.contains(&E::id(entry)));
    Ok(entries)
}

/// The defender's case events as they stood in `past` (with `merges` as of
/// then), in no order.
pub async fn events_then<C: ConnectionTrait>(
    db: &C,
    defender: Uuid,
    past: &Past,
    merges: &MergesThen,
) -> AppResult<Vec<case_event::Model>> {
    let logged = past
        .list::<EventDraft>("events")?
        .map(|then| then.into_iter().filter_map(|event| event.stored(defender, past.at)).collect());
    own_then::<case_event::Entity, _>(db, defender, merges, logged).await
}

/// The defender's affiliations as they stood in `past` (with `merges` as
/// of then), in no order, with
/// every organisation (the caller keeps those the viewer may see now).
pub async fn affiliations_then<C: ConnectionTrait>(
    db: &C,
    defender: Uuid,
    past: &Past,
    merges: &MergesThen,
) -> AppResult<Vec<affiliation::Model>> {
    let logged = past
        .list::<AffiliationDraft>("affiliations")?
        .map(|then| then.into_iter().filter_map(|affiliation| affiliation.stored(defender, past.at)).collect());
    own_then::<affiliation::Entity, _>(db, defender, merges, logged).await
}

/// The restrictions the defender was linked to in `past`: `logged` (the
/// restrictions of the links its log kept then) or, when its links did not
/// change since, those of its links now; less those linked through a link a
/// merge moved that is another record's (see [`MergesThen`]). One
/// statement.
pub async fn restrictions_then<C: ConnectionTrait>(
    db: &C,
    defender: Uuid,
    logged: Option<Vec<Uuid>>,
    merges: &MergesThen,
) -> AppResult<Vec<Uuid>> {
    let rows = defender_restriction::Entity::find()
        .filter(
            defender_restriction::Column::DefenderId
                .eq(defender)
                .or(defender_restriction::Column::Id.is_in(merges.link_rows_of_others.iter().copied())),
        )
        .all(db)
        .await?;
    let mut of_others = merges.restrictions_of_others.clone();
    of_others.extend(
        rows.iter().filter(|link| merges.link_rows_of_others.contains(&link.id)).map(|link| link.restriction_id),
    );
    let then = logged.unwrap_or_else(|| {
        rows.iter().filter(|link| link.defender_id == defender).map(|link| link.restriction_id).collect()
    });
    Ok(then.into_iter().filter(|restriction| !of_others.contains(restriction)).collect())
}
