//! Statements: one value of one fact of a record, with who asserted it,
//! where from, in which language, and when it was first and last seen.
use sea_orm::entity::prelude::*;

use crate::types::StatementStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table of the record, such as `defender`.
    pub record_type: String,
    pub record_id: Uuid,
    /// The fact, such as `name`, `status` or `otherName`.
    pub property: String,
    /// The value as text: a name, a code, an enum value, an id, or JSON for
    /// an event.
    pub value: String,
    /// BCP 47 language tag of a text value, where known.
    pub language: Option<String>,
    /// The asserting organisation; none for reference data.
    pub organisation_id: Option<Uuid>,
    /// The source it cites, and where in it.
    pub source_id: Option<Uuid>,
    pub locator: Option<String>,
    pub status: StatementStatus,
    /// Whether the organisation still asserts it (or, for a proposal, whether
    /// it is still open).
    pub current: bool,
    pub first_seen: DateTimeUtc,
    pub last_seen: DateTimeUtc,
    /// For a link, the record its value names (the value holds its id as
    /// text): compared with record ids when deciding who may see it.
    pub linked_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
