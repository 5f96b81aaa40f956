//! What the mutations of every record kind share: the version input, nullable
//! input fields, and archiving.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Result};
use sea_orm::{ActiveModelTrait, EntityTrait, IdenStatic, IntoActiveModel};

use crate::graphql::common::context::RequestContext;
use crate::ids::{GlobalId, NodeType};
use crate::service::query::records::RecordEntity;
use crate::service::write::editing;

/// A record and the version a change is based on.
#[derive(InputObject, Clone, Debug)]
pub struct RecordVersionInput {
    /// The record's global id.
    pub id: ID,
    /// The version the change is based on (the record's `version` when it was
    /// read); a stale version is refused with CONFLICT.
    pub expected_version: i32,
}

/// Applies a nullable input field: left out keeps, null clears, a value sets.
pub fn apply<T>(field: MaybeUndefined<T>, target: &mut Option<T>) {
    match field {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(value) => *target = Some(value),
    }
}

/// Archives (`archive`) or restores the record `input` names, which must be
/// of `node_type`; returns it as stored after the change.
pub async fn set_archived<E, N>(
    ctx: &Context<'_>,
    input: &RecordVersionInput,
    node_type: NodeType,
    archive: bool,
) -> Result<N>
where
    E: RecordEntity + IdenStatic,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    N: From<<E as EntityTrait>::Model>,
{
    let rc = RequestContext::of(ctx);
    let id = GlobalId::decode_uuid_of("input.id", &input.id, node_type)?;
    let record = editing::set_archived::<E>(&rc.db, &rc.viewer, id, input.expected_version, archive).await?;
    Ok(N::from(record))
}
