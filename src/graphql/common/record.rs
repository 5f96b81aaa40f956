//! The fields every shared record type has: its history, who may read it,
//! who contributed it, its version and its timestamps. Written once here and
//! merged into `Defender`, `Restriction`, `Campaign`, `Organisation` and
//! `Source` (`#[graphql(flatten)]`), so that the five answer alike.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::Visibility;
use uuid::Uuid;

use crate::graphql::common::connection::page_args;
use crate::graphql::common::history::{self, AuditEntryConnection};
use crate::graphql::organisations::Organisation;
use crate::service::audit::Audited;
use crate::service::query::records::{RecordEntity, RecordModel};

/// The shared fields of one record, copied out of its model.
pub struct RecordFields {
    kind: Audited,
    id: Uuid,
    visibility: Visibility,
    contributed_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl RecordFields {
    /// The shared fields of a record of table `E`.
    pub fn of<E: RecordEntity>(model: &E::Model) -> RecordFields {
        RecordFields {
            kind: E::KIND,
            id: model.id(),
            visibility: model.visibility(),
            contributed_by: model.contributed_by(),
            version: model.version(),
            created_at: model.created_at(),
            updated_at: model.updated_at(),
        }
    }
}

#[Object]
impl RecordFields {
    /// The record's audit log, oldest first: who changed it, when, and which
    /// fields changed from what to what (confidential values only for those
    /// allowed to see them).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        history::audit_log(ctx, self.kind, self.id, page_args(first, after, last, before)).await
    }

    /// Who may read the record.
    async fn visibility(&self) -> Visibility {
        self.visibility
    }

    /// The organisation that contributed the record; null for reference data,
    /// or when the viewer may not see that organisation.
    async fn contributed_by(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        history::contributor(ctx, self.contributed_by).await
    }

    /// The record's version, raised by every change. Updates must name the
    /// version they were based on.
    async fn version(&self) -> i32 {
        self.version
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the record was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}
