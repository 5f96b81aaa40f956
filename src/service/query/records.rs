//! What the shared records (organisations, defenders, restrictions,
//! campaigns, sources, civic-space ratings, indicators) have in common: an
//! id, a sort key, timestamps and visibility.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::PartialDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::pagination::{CursorValue, SortKey, SortSpec, ValueKind};

/// The fields a listing of shared records can be ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RecordSort {
    /// Name or title, ignoring case and accents.
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
    /// The record's main date (a restriction's introduction, a campaign's start).
    Date,
}

/// An order of shared records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RecordOrder {
    pub field: RecordSort,
    pub descending: bool,
}

/// Read access to the columns every shared record has.
pub trait RecordModel: entity::FromRow + Send + Sync {
    fn id(&self) -> Uuid;
    /// The organisation that contributed the record, if any.
    fn contributed_by(&self) -> Option<Uuid>;
    /// Who may read the record.
    fn visibility(&self) -> entity::Visibility;
    fn version(&self) -> i32;
    /// Whether the record is archived.
    fn archived(&self) -> bool;
    fn sort_key(&self) -> &str;
    fn created_at(&self) -> DateTime<Utc>;
    fn updated_at(&self) -> DateTime<Utc>;
    /// The main date, for records that have one.
    fn main_date(&self) -> Option<&PartialDate> {
        None
    }
    /// The record a merge absorbed this one into, for records that can be merged.
    fn merged_into(&self) -> Option<Uuid> {
        None
    }
}

/// A table of shared records.
pub trait RecordEntity: EntityTrait<Model: RecordModel> + crate::service::Governed {
    /// The kind of record this table holds, as the audit log names it.
    const KIND: crate::service::audit::Audited;

    /// The column of the main date, for records that have one.
    const DATE_COLUMN: Option<&'static str> = None;

    /// A column of this table, by its conventional name.
    fn column(name: &'static str) -> Expr {
        Expr::col((Self::default().into_iden(), name))
    }

    /// The record with this id, whatever its visibility. For checks that
    /// decide what to tell the caller; never return it to a client as is.
    fn find_by_id_uuid<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
    ) -> impl std::future::Future<Output = Result<Option<Self::Model>, sea_orm::DbErr>> + Send
    where
        Self: Send,
        Self::Model: Send,
    {
        use sea_orm::sea_query::ExprTrait;
        Self::find().filter(Self::column("id").eq(id)).one(db)
    }
}

/// The total order of a listing of shared records: the chosen field, then the
/// id as tie-breaker. Undated records sort first, as an empty date.
pub fn record_spec<E: RecordEntity>(order: RecordOrder) -> SortSpec<E::Model> {
    let desc = order.descending;
    let id = SortKey::id(E::column("id"), |m: &E::Model| m.id()).direction(desc);
    let first = match (order.field, E::DATE_COLUMN) {
        (RecordSort::Name, _) | (RecordSort::Date, None) => {
            SortKey::asc(E::column("sort_key"), ValueKind::Text, |m: &E::Model| {
                CursorValue::Text(m.sort_key().to_owned())
            })
        }
        (RecordSort::CreatedAt, _) => {
            SortKey::asc(E::column("created_at"), ValueKind::Time, |m: &E::Model| CursorValue::Time(m.created_at()))
        }
        (RecordSort::UpdatedAt, _) => {
            SortKey::asc(E::column("updated_at"), ValueKind::Time, |m: &E::Model| CursorValue::Time(m.updated_at()))
        }
        (RecordSort::Date, Some(date)) => SortKey::partial_date(E::column(date), |m: &E::Model| m.main_date()),
    };
    SortSpec { tag: format!("{:?}:{desc}", order.field), keys: vec![first.direction(desc), id] }
}

/// The records with these ids that the viewer may see.
pub async fn visible_by_id<E, C>(db: &C, viewer: &Viewer, ids: &[Uuid]) -> AppResult<HashMap<Uuid, E::Model>>
where
    E: RecordEntity + sea_orm::IdenStatic,
    C: ConnectionTrait,
{
    use sea_orm::sea_query::ExprTrait;
    let select = E::find().filter(viewer.can_see(E::default())).filter(E::column("id").is_in(ids.iter().copied()));
    Ok(crate::service::query::pagination::read_all(db, &select)
        .await?
        .into_iter()
        .map(|model| (model.id(), model))
        .collect())
}

/// Implements [`RecordModel`] and [`RecordEntity`] for entity modules.
macro_rules! record_entity {
    ($module:ident, $kind:ident $(, date = $date:ident)? $(, merged = $merged:ident)?) => {
        impl RecordModel for entity::$module::Model {
            fn id(&self) -> Uuid {
                self.id
            }
            fn contributed_by(&self) -> Option<Uuid> {
                self.contributed_by_id
            }
            fn visibility(&self) -> entity::Visibility {
                self.visibility
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn archived(&self) -> bool {
                self.archived_at.is_some()
            }
            fn sort_key(&self) -> &str {
                &self.sort_key
            }
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
            }
            fn updated_at(&self) -> DateTime<Utc> {
                self.updated_at
            }
            $(fn main_date(&self) -> Option<&PartialDate> {
                // Optional for most kinds; a rating always has its date.
                Option::from(&self.$date)
            })?
            $(fn merged_into(&self) -> Option<Uuid> {
                self.$merged
            })?
        }

        impl RecordEntity for entity::$module::Entity {
            const KIND: crate::service::audit::Audited = crate::service::audit::Audited::$kind;
            $(const DATE_COLUMN: Option<&'static str> = Some(stringify!($date));)?
        }
    };
}

record_entity!(organisation, Organisation, merged = merged_into_id);
record_entity!(defender, Defender, merged = merged_into_id);
record_entity!(restriction, Restriction, date = introduced_on);
record_entity!(campaign, Campaign, date = started_on);
record_entity!(source, Source, date = published_on);
record_entity!(country_rating, CountryRating, date = rated_on);
