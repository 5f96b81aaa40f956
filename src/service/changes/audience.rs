//! Who can see a record: the visibility rule of [`crate::service::visibility`]
//! applied to one record's state, kept with each change so that the feed can
//! tell, for any viewer, whether it could see the record just before and just
//! after the change.

use std::collections::HashMap;

use entity::{Consent, Visibility, record_share};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::audit::Audited;

/// Who can see a record in one of its states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// No one: the record is archived, merged into another, or does not exist.
    Nobody,
    /// Anyone, anonymous readers included.
    Public,
    /// Every partner organisation.
    Partners,
    /// Only these organisations: the contributor and those it shared the record with.
    Organisations(Vec<Uuid>),
}

impl Audience {
    /// Whether `viewer` is in the audience. The same rule as
    /// `Viewer::can_see`, for one state of one record.
    pub fn includes(&self, viewer: &Viewer) -> bool {
        match (self, viewer) {
            (Audience::Nobody, _) => false,
            (Audience::Public, _) => true,
            (_, Viewer::Anonymous) => false,
            (Audience::Partners, Viewer::Member(_)) => true,
            (Audience::Organisations(readers), Viewer::Member(member)) => readers.contains(&member.organisation),
        }
    }

    /// As stored: the audience's name and its readers, comma-separated.
    pub fn stored(&self) -> (&'static str, String) {
        match self {
            Audience::Nobody => (NOBODY, String::new()),
            Audience::Public => (PUBLIC, String::new()),
            Audience::Partners => (PARTNERS, String::new()),
            Audience::Organisations(readers) => {
                (ORGANISATIONS, readers.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","))
            }
        }
    }

    /// From its stored form; anything unreadable is `Nobody`, which shows nothing.
    pub fn from_stored(audience: &str, readers: &str) -> Audience {
        match audience {
            PUBLIC => Audience::Public,
            PARTNERS => Audience::Partners,
            ORGANISATIONS => Audience::Organisations(
                readers.split(',').filter_map(|reader| Uuid::parse_str(reader.trim()).ok()).collect(),
            ),
            _ => Audience::Nobody,
        }
    }

    /// The audience of a record as it is now, inside the writing transaction.
    pub async fn of_record<C: ConnectionTrait>(db: &C, kind: Audited, id: Uuid) -> AppResult<Audience> {
        Ok(Audience::of_records(db, kind, &[id]).await?.pop().unwrap_or(Audience::Nobody))
    }

    /// The audiences of records of one kind as they are now, in the order of
    /// `ids`, in two statements however many.
    pub async fn of_records<C: ConnectionTrait>(db: &C, kind: Audited, ids: &[Uuid]) -> AppResult<Vec<Audience>> {
        let table = Alias::new(kind.table());
        let mergeable = matches!(kind, Audited::Defender | Audited::Organisation);
        let mut select = Query::select();
        select
            .column((table.clone(), Alias::new("id")))
            .column((table.clone(), Alias::new("visibility")))
            .column((table.clone(), Alias::new("contributed_by_id")))
            .expr_as(Expr::col((table.clone(), Alias::new("archived_at"))).is_not_null(), Alias::new("archived"))
            .from(table.clone())
            .and_where(Expr::col((table.clone(), Alias::new("id"))).is_in(ids.iter().copied()));
        if mergeable {
            select
                .expr_as(Expr::col((table.clone(), Alias::new("merged_into_id"))).is_not_null(), Alias::new("merged"));
        }
        if kind == Audited::Defender {
            select.column((table.clone(), Alias::new("consent")));
        }
        let mut audiences: HashMap<Uuid, Audience> = HashMap::with_capacity(ids.len());
        let mut contributors: HashMap<Uuid, Option<Uuid>> = HashMap::new();
        for row in db.query_all(&select).await? {
            let id: Uuid = row.try_get("", "id")?;
            let archived: bool = row.try_get("", "archived")?;
            let merged: bool = if mergeable { row.try_get("", "merged")? } else { false };
            let visibility: String = row.try_get("", "visibility")?;
            let consent_given = if kind == Audited::Defender {
                row.try_get::<String>("", "consent")? == Consent::Given.as_str()
            } else {
                true
            };
            let audience = if archived || merged {
                Audience::Nobody
            } else if visibility == Visibility::Public.as_str() && consent_given {
                Audience::Public
            } else if visibility == Visibility::Partners.as_str() {
                Audience::Partners
            } else {
                contributors.insert(id, row.try_get("", "contributed_by_id")?);
                continue;
            };
            audiences.insert(id, audience);
        }
        if !contributors.is_empty() {
            let shares: Vec<(Uuid, Uuid)> = record_share::Entity::find()
                .select_only()
                .columns([record_share::Column::RecordId, record_share::Column::OrganisationId])
                .filter(record_share::Column::RecordType.eq(kind.table()))
                .filter(record_share::Column::RecordId.is_in(contributors.keys().copied()))
                .into_tuple()
                .all(db)
                .await?;
            let mut readers: HashMap<Uuid, Vec<Uuid>> =
                contributors.iter().map(|(id, contributor)| (*id, contributor.iter().copied().collect())).collect();
            for (record, organisation) in shares {
                readers.entry(record).or_default().push(organisation);
            }
            for (id, mut readers) in readers {
                readers.sort();
                readers.dedup();
                audiences.insert(id, Audience::Organisations(readers));
            }
        }
        Ok(ids.iter().map(|id| audiences.get(id).cloned().unwrap_or(Audience::Nobody)).collect())
    }
}

const NOBODY: &str = "NOBODY";
const PUBLIC: &str = "PUBLIC";
const PARTNERS: &str = "PARTNERS";
const ORGANISATIONS: &str = "ORGANISATIONS";

/// The condition on stored audiences (the columns `audience` and `readers`,
/// or `was_audience` and `was_readers`) under which `viewer` is included:
/// exactly [`Audience::includes`], so that a page's limit counts only
/// changes the viewer is shown.
pub fn includes_condition(viewer: &Viewer, audience: &str, readers: &str) -> sea_orm::sea_query::SimpleExpr {
    let audience = Expr::col(Alias::new(audience));
    match viewer {
        Viewer::Anonymous => audience.eq(PUBLIC),
        Viewer::Member(member) => audience.clone().is_in([PUBLIC, PARTNERS]).or(audience
            .eq(ORGANISATIONS)
            .and(Expr::col(Alias::new(readers)).like(format!("%{}%", member.organisation)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Member;
    use entity::Role;

    #[test]
    fn the_stored_form_reads_back_and_includes_the_same_viewers() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let member = |organisation| Viewer::Member(Member::operator(organisation, Role::Reader));
        for audience in [Audience::Nobody, Audience::Public, Audience::Partners, Audience::Organisations(vec![a])] {
            let (name, readers) = audience.stored();
            assert_eq!(Audience::from_stored(name, &readers), audience);
        }
        let only_a = Audience::Organisations(vec![a]);
        assert!(only_a.includes(&member(a)));
        assert!(!only_a.includes(&member(b)));
        assert!(!only_a.includes(&Viewer::Anonymous));
        assert!(Audience::Partners.includes(&member(b)) && !Audience::Partners.includes(&Viewer::Anonymous));
        assert!(Audience::Public.includes(&Viewer::Anonymous));
        assert!(!Audience::Nobody.includes(&member(a)));
    }
}
