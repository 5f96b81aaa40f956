//! API keys of partner organisations. Only a hash of each key is stored.
use sea_orm::entity::prelude::*;

use crate::types::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub role: Role,
    /// What the key is for, as its creator described it.
    pub label: Option<String>,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    /// SHA-256 of the key, hex.
    pub key_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
