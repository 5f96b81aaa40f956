//! A record shared by its contributor with another organisation.
use sea_orm::entity::prelude::*;

use crate::types::ShareAccess;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_share")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table of the shared record, such as `defender`.
    pub record_type: String,
    pub record_id: Uuid,
    pub organisation_id: Uuid,
    pub access: ShareAccess,
    /// Whether the organisation may also see the record's confidential fields.
    pub confidential: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
