//! `AuditEntry`: a record's history of changes.

use async_graphql::{Context, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_trail};

use crate::graphql::common::connection::connection;
use std::collections::{HashMap, HashSet};

use crate::graphql::common::context::{ConfidentialAccessTo, RequestContext};
use crate::graphql::organisations::Organisation;
use crate::service::audit::{self, Audited, Change, History};
use crate::service::query::pagination::PageArgs;

/// One change to a record: who made it, when, and which fields changed.
pub struct AuditEntry(audit_trail::Model);

impl From<audit_trail::Model> for AuditEntry {
    fn from(model: audit_trail::Model) -> Self {
        AuditEntry(model)
    }
}

/// A field's value before and after a change.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field, by its GraphQL name.
    field: String,
    /// The value before; null when there was none, or when it is confidential
    /// and the viewer may not see it (see `redacted`).
    from: Option<Json<serde_json::Value>>,
    /// The value after; null when there is none, or when redacted.
    to: Option<Json<serde_json::Value>>,
    /// Whether the values are withheld because they are confidential and the
    /// viewer holds no confidential access to the record. (Ids and entries of
    /// records the viewer cannot see are left out unmarked.)
    redacted: bool,
}

/// One change to a record: who made it, when, and which fields changed.
#[Object]
impl AuditEntry {
    /// What the change did.
    async fn action(&self) -> AuditAction {
        self.0.action
    }

    /// The record's version after the change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the change was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The organisation that made the change; null when made by an operator,
    /// or when the viewer may not see that organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else { return Ok(None) };
        Ok(RequestContext::of(ctx).record::<entity::organisation::Entity>(id).await?.map(Organisation))
    }

    /// The id of the API key the change was made with; shown only to the
    /// organisation that made it. Never the key itself.
    async fn api_key_id(&self, ctx: &Context<'_>) -> Option<String> {
        let viewer = &RequestContext::of(ctx).viewer;
        (viewer.organisation().is_some() && viewer.organisation() == self.0.organisation_id)
            .then(|| self.0.api_key_id.map(|id| id.to_string()))
            .flatten()
    }

    /// The fields that changed, with their values before and after, as the
    /// viewer may see them now: confidential values only with confidential
    /// access to the record, and ids of other records (and entries that
    /// belong to them, such as an affiliation's role) only where the viewer
    /// can see those records. A change that shows nothing the viewer may see
    /// is left out. Having made the change grants nothing more.
    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<FieldChange>> {
        Ok(self
            .shown(ctx)
            .await?
            .into_iter()
            .map(|change| FieldChange {
                field: change.field,
                from: change.from.map(Json),
                to: change.to.map(Json),
                redacted: change.redacted,
            })
            .collect())
    }

    /// The names of the fields in `changes`, without their values: enough
    /// to draw a timeline of a record.
    async fn changed_fields(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self.shown(ctx).await?.into_iter().map(|change| change.field).collect())
    }
}

impl AuditEntry {
    /// The entry's changes as the viewer may see them now.
    async fn shown(&self, ctx: &Context<'_>) -> Result<Vec<audit::ShownChange>> {
        let changes: Vec<Change> = serde_json::from_str(&self.0.changes)
            .map_err(|error| crate::error::AppError::Internal(anyhow::Error::from(error)))?;
        let rc = RequestContext::of(ctx);
        let kind = Audited::of_table(&self.0.record_type)
            .ok_or_else(|| crate::error::AppError::Internal(anyhow::anyhow!("audit entry of an unknown kind")))?;
        let confidential = changes.iter().any(|change| change.class.confidential)
            && rc.loader.load_one(ConfidentialAccessTo((kind, self.0.record_id))).await?.unwrap_or(false);
        let visible = visible_references(rc, changes.iter().flat_map(Change::references)).await?;
        let sees = |kind: Audited, id: uuid::Uuid| visible.contains(&(kind, id));
        let sight = audit::Sight { confidential, sees: &sees };
        Ok(audit::shown(changes, &sight))
    }
}

/// The records among `references` that the viewer can see now, loaded in
/// the request's batches (one statement per kind of record per wave).
async fn visible_references(
    rc: &RequestContext,
    references: impl Iterator<Item = (Audited, uuid::Uuid)>,
) -> Result<HashSet<(Audited, uuid::Uuid)>> {
    let mut by_kind: HashMap<Audited, Vec<uuid::Uuid>> = HashMap::new();
    for (kind, id) in references {
        by_kind.entry(kind).or_default().push(id);
    }
    let mut visible = HashSet::new();
    for (kind, ids) in by_kind {
        let found: Vec<bool> = match kind {
            Audited::Defender => {
                rc.records::<entity::defender::Entity>(&ids).await?.iter().map(Option::is_some).collect()
            }
            Audited::Restriction => {
                rc.records::<entity::restriction::Entity>(&ids).await?.iter().map(Option::is_some).collect()
            }
            Audited::Campaign => {
                rc.records::<entity::campaign::Entity>(&ids).await?.iter().map(Option::is_some).collect()
            }
            Audited::Organisation => {
                rc.records::<entity::organisation::Entity>(&ids).await?.iter().map(Option::is_some).collect()
            }
            Audited::Source => rc.records::<entity::source::Entity>(&ids).await?.iter().map(Option::is_some).collect(),
            Audited::CountryRating => {
                rc.records::<entity::country_rating::Entity>(&ids).await?.iter().map(Option::is_some).collect()
            }
        };
        visible.extend(ids.into_iter().zip(found).filter(|(_, seen)| *seen).map(|(id, _)| (kind, id)));
    }
    Ok(visible)
}

connection!(
    /// A page of a record's history.
    AuditEntryConnection,
    /// A change in a page, with its cursor.
    AuditEntryEdge,
    AuditEntry,
    audit_trail::Model
);

/// A record's audit log, for the `auditLog` field of every record type.
pub async fn audit_log(
    ctx: &Context<'_>,
    record: Audited,
    id: uuid::Uuid,
    args: PageArgs,
) -> Result<AuditEntryConnection> {
    let (page, total) = RequestContext::of(ctx).list_under::<History>(record, id, (), (), args).await?;
    Ok(AuditEntryConnection::new(page, total, None))
}

/// The organisation that contributed a record, for the `contributedBy` field
/// of every record type; none when the viewer may not see it.
pub async fn contributor(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Organisation>> {
    let Some(id) = id else { return Ok(None) };
    Ok(RequestContext::of(ctx).record::<entity::organisation::Entity>(id).await?.map(Organisation))
}
