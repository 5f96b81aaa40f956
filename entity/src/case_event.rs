//! Events in a defender's case: arrests, trials, sentences, attacks.
use sea_orm::entity::prelude::*;

use crate::types::{CaseEventKind, PartialDate, PerpetratorType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub defender_id: Uuid,
    pub kind: CaseEventKind,
    pub occurred_on: Option<PartialDate>,
    pub description: Option<String>,
    /// Who acted against the defender; none for events that are not reprisals.
    pub perpetrator_type: Option<PerpetratorType>,
    /// Length of a prison sentence in months, where there is one.
    pub sentence_months: Option<i32>,
    /// Whether the sentence is life imprisonment.
    pub sentence_life: bool,
    /// The restriction the event relied on, if any.
    pub restriction_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
