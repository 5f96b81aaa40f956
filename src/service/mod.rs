//! The service layer: reads and writes of the linked data model, with the
//! visibility rules applied. The GraphQL layer calls these functions and never
//! builds SQL itself.

pub mod campaigns;
pub mod codes;
pub mod defenders;
pub mod indicators;
pub mod listing;
pub mod organisations;
pub mod pagination;
pub mod places;
pub mod records;
pub mod reference_data;
pub mod restrictions;
pub mod sample_data;
pub mod sources;
pub mod text;

use entity::Visibility;
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden};
use sea_orm::{Condition, EntityTrait, IdenStatic};

/// Who is reading. Every read is filtered through the viewer so that a record
/// the viewer may not see behaves exactly like one that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// A reader without credentials: sees public, unarchived records only.
    Anonymous,
}

impl Viewer {
    /// The condition under which a shared record of entity `E` (a table with
    /// the provenance columns) is visible to this viewer.
    pub fn can_see<E>(&self, entity: E) -> Condition
    where
        E: EntityTrait + IdenStatic + IntoIden + Copy,
    {
        match self {
            Viewer::Anonymous => Condition::all()
                .add(Expr::col((entity, "visibility")).eq(Visibility::Public.as_str()))
                .add(Expr::col((entity, "archived_at")).is_null()),
        }
    }
}
