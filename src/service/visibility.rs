//! The one visibility rule: who may see which shared record. Every read,
//! count, search, export and check of an id goes through `Viewer::can_see`,
//! so that a record the viewer may not see behaves exactly like one that
//! does not exist.

use entity::{
    Consent, Role, Visibility, campaign, country_rating, defender, indicator, organisation, record_share, restriction,
    source,
};
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, IdenStatic};
use uuid::Uuid;

use crate::service::duplicates::Mergeable;

/// A table whose rows the visibility rule governs: it has the provenance
/// columns (`id`, `visibility`, `contributed_by_id`, `archived_at`), and
/// states what sets it apart in the rule. Both constants have no default,
/// so a new kind of record cannot reach `can_see` without deciding them.
pub trait Governed: EntityTrait + IdenStatic + IntoIden + Copy {
    /// The kind a merge can absorb rows of (`merged_into_id`), if any.
    const MERGEABLE: Option<Mergeable>;
    /// Whether a PUBLIC row is public only while its consent (`consent`)
    /// is GIVEN.
    const PUBLIC_NEEDS_CONSENT: bool;
}

impl Governed for organisation::Entity {
    const MERGEABLE: Option<Mergeable> = Some(Mergeable::Organisation);
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

impl Governed for defender::Entity {
    const MERGEABLE: Option<Mergeable> = Some(Mergeable::Defender);
    // Withdrawing consent takes a defender out of public view at once.
    const PUBLIC_NEEDS_CONSENT: bool = true;
}

impl Governed for restriction::Entity {
    const MERGEABLE: Option<Mergeable> = None;
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

impl Governed for campaign::Entity {
    const MERGEABLE: Option<Mergeable> = None;
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

impl Governed for source::Entity {
    const MERGEABLE: Option<Mergeable> = None;
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

impl Governed for country_rating::Entity {
    const MERGEABLE: Option<Mergeable> = None;
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

impl Governed for indicator::Entity {
    const MERGEABLE: Option<Mergeable> = None;
    const PUBLIC_NEEDS_CONSENT: bool = false;
}

/// Who is reading. Every read is filtered through the viewer so that a record
/// the viewer may not see behaves exactly like one that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// A reader without credentials: sees public, unarchived records only.
    Anonymous,
    /// A request made with an organisation's API key.
    Member(Member),
}

/// An authenticated viewer: the organisation an API key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub organisation: Uuid,
    pub role: Role,
    /// The key the request was made with.
    pub key: Uuid,
}

impl Member {
    /// An operator acting for an organisation from the command line, with no API key.
    pub fn operator(organisation: Uuid, role: Role) -> Member {
        Member { organisation, role, key: Uuid::nil() }
    }

    /// The API key behind the request, if it came with one.
    pub fn api_key(&self) -> Option<Uuid> {
        (!self.key.is_nil()).then_some(self.key)
    }
}

impl Viewer {
    /// The condition under which a shared record of entity `E` (a table with
    /// the provenance columns) is visible to this viewer: public records to
    /// anyone; to a partner organisation also records for partners, its own
    /// records and records shared with it. Archived records are visible to no
    /// one through reads.
    pub fn can_see<E>(&self, entity: E) -> Condition
    where
        E: Governed,
    {
        self.sees(entity, false)
    }

    /// The same rule for a record absorbed by a merge, as if the merge were
    /// undone: whether the viewer could see it on its own. The history of an
    /// absorbed record lives on under its survivor; only those who could see
    /// the absorbed record may read it there.
    pub fn could_see_absorbed<E>(&self, entity: E) -> Condition
    where
        E: Governed,
    {
        self.sees(entity, true)
    }

    /// The same rule for rows of `E` read under another name: `table` is an
    /// alias of `E`'s table in the query, such as the second copy of a table
    /// joined to itself.
    pub fn can_see_as<E>(&self, table: impl IntoIden) -> Condition
    where
        E: Governed,
    {
        self.sees_in::<E>(table.into_iden(), false)
    }

    fn sees<E>(&self, entity: E, absorbed: bool) -> Condition
    where
        E: Governed,
    {
        self.sees_in::<E>(entity.into_iden(), absorbed)
    }

    fn sees_in<E>(&self, table: sea_orm::sea_query::DynIden, absorbed: bool) -> Condition
    where
        E: Governed,
    {
        let mut unarchived = Expr::col((table.clone(), "archived_at")).is_null();
        if E::MERGEABLE.is_some() && !absorbed {
            // A record absorbed by a merge lives on as the record it was merged into.
            unarchived = unarchived.and(Expr::col((table.clone(), "merged_into_id")).is_null());
        }
        let audience = self.audience_sees::<E>(table.clone());
        match self.shared_in::<E>(table) {
            None => Condition::all().add(unarchived).add(audience),
            Some(shared) => Condition::all().add(unarchived).add(Condition::any().add(audience).add(shared)),
        }
    }

    /// The part of the rule that a record's audience decides: its
    /// `visibility`, `consent` and `contributed_by_id`, read from `table`,
    /// which is `E`'s table or one with the same columns (the standing counts
    /// of migration 000014). A record the viewer sees is either live and
    /// seen by its audience, or live and shared with the viewer's
    /// organisation ([`Viewer::shared_with`]).
    pub fn audience_sees<E: Governed>(&self, table: impl IntoIden) -> Condition {
        let table = table.into_iden();
        // The public condition is written with constants, not bound values,
        // so that both planners can prove it implies the predicate of the
        // partial indexes over public records (migrations 000006 and 000007).
        let constant = |value: &str| Expr::cust(format!("'{value}'"));
        let column = |name: &'static str| Expr::col((table.clone(), name));
        let mut public = column("visibility").eq(constant(Visibility::Public.as_str()));
        if E::PUBLIC_NEEDS_CONSENT {
            public = public.and(column("consent").eq(constant(Consent::Given.as_str())));
        }
        match self {
            Viewer::Anonymous => Condition::all().add(public),
            // `IS NOT NULL` keeps the condition true or false, never NULL,
            // so that its negation is exact too.
            Viewer::Member(member) => {
                Condition::any().add(public).add(column("visibility").eq(Visibility::Partners.as_str())).add(
                    column("contributed_by_id").is_not_null().and(column("contributed_by_id").eq(member.organisation)),
                )
            }
        }
    }

    /// The records of `entity` shared with the viewer's organisation; none
    /// for an anonymous viewer.
    pub fn shared_with<E: Governed>(&self, entity: E) -> Option<Condition> {
        self.shared_in::<E>(entity.into_iden())
    }

    fn shared_in<E: Governed>(&self, table: sea_orm::sea_query::DynIden) -> Option<Condition> {
        let Viewer::Member(member) = self else { return None };
        Some(
            Condition::all().add(
                Expr::col((table, "id")).in_subquery(
                    Query::select()
                        .column(record_share::Column::RecordId)
                        .from(record_share::Entity)
                        .and_where(record_share::Column::OrganisationId.eq(member.organisation))
                        .and_where(record_share::Column::RecordType.eq(E::default().table_name()))
                        .take(),
                ),
            ),
        )
    }

    /// The organisation the viewer acts for, if any.
    pub fn organisation(&self) -> Option<Uuid> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Member(member) => Some(member.organisation),
        }
    }
}
