//! `AuditEntry`: a record's history of changes.

use async_graphql::{Context, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_trail};

use super::connection::connection;
use super::context::{ConfidentialAccessOf, RequestContext};
use super::organisations::Organisation;
use crate::service::audit::Change;
use crate::service::audit::{Audited, History};
use crate::service::pagination::PageArgs;

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
    /// Whether the values are withheld because they are confidential.
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

    /// The fields that changed, with their values before and after.
    /// Confidential values are shown only to those who may see the record's
    /// confidential fields, and to the organisation that made the change.
    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<FieldChange>> {
        let changes: Vec<Change> = serde_json::from_str(&self.0.changes)
            .map_err(|error| crate::error::AppError::Internal(anyhow::Error::from(error)))?;
        let needs_access = changes.iter().any(|change| change.confidential);
        // The organisation that made a change knows its values already.
        let rc = RequestContext::of(ctx);
        let author = rc.viewer.organisation().is_some() && rc.viewer.organisation() == self.0.organisation_id;
        let allowed = needs_access
            && (author || rc.loader.load_one(ConfidentialAccessOf(self.0.record_id)).await?.unwrap_or(false));
        Ok(changes
            .into_iter()
            .map(|change| {
                let redacted = change.confidential && !allowed;
                FieldChange {
                    field: change.field,
                    from: if redacted { None } else { change.from.map(Json) },
                    to: if redacted { None } else { change.to.map(Json) },
                    redacted,
                }
            })
            .collect())
    }
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
