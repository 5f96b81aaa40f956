//! Mutations of restrictions.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{PartialDate, RestrictionKind, RestrictionStatus, Right, Visibility};

use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::graphql::restrictions::Restriction;
use crate::ids::{GlobalId, NodeType};
use crate::service::restrictions::edits::{RestrictionDraft, StatusNote};
use crate::service::write::editing;

/// A new restriction. The record belongs to the caller's organisation and is
/// PRIVATE unless another visibility is given.
#[derive(InputObject, Clone, Debug)]
pub struct CreateRestrictionInput {
    /// Title, 1 to 300 characters.
    pub title: String,
    /// Bill or law numbers, such as "HB 1 / SB 484".
    pub reference: Option<String>,
    /// What kind of measure it is.
    pub kind: RestrictionKind,
    /// Where it stands.
    pub status: RestrictionStatus,
    /// ISO 3166-1 alpha-2 code of the country whose jurisdiction it falls under.
    pub country_code: String,
    /// ISO 3166-2 code of the subdivision, for state or provincial measures.
    pub subdivision_code: Option<String>,
    /// When it was introduced.
    pub introduced_on: Option<PartialDate>,
    /// When it was decided; not before its introduction.
    pub decided_on: Option<PartialDate>,
    /// What it does, at most 20,000 characters.
    pub summary: Option<String>,
    /// The rights it curbs.
    #[graphql(default)]
    pub rights: Vec<Right>,
    /// Who may read the record; PRIVATE unless given.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
    /// When the initial status took effect, for the status history.
    pub status_changed_on: Option<PartialDate>,
    /// A note on the initial status, for the status history.
    pub status_note: Option<String>,
}

/// Changes to a restriction. Fields left out stay as they are; a nullable
/// field given as null is cleared; lists given replace the stored list.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateRestrictionInput {
    /// The restriction's global id.
    pub id: ID,
    /// The version the change is based on; a stale version is refused with CONFLICT.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// New reference, or null to clear.
    pub reference: MaybeUndefined<String>,
    /// New kind.
    pub kind: Option<RestrictionKind>,
    /// New status; a change is added to the status history.
    pub status: Option<RestrictionStatus>,
    /// New country.
    pub country_code: Option<String>,
    /// New subdivision, or null to clear.
    pub subdivision_code: MaybeUndefined<String>,
    /// New introduction date, or null to clear.
    pub introduced_on: MaybeUndefined<PartialDate>,
    /// New decision date, or null to clear.
    pub decided_on: MaybeUndefined<PartialDate>,
    /// New summary, or null to clear.
    pub summary: MaybeUndefined<String>,
    /// New list of rights.
    pub rights: Option<Vec<Right>>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// When a new status took effect, for the status history.
    pub status_changed_on: Option<PartialDate>,
    /// A note on a new status, for the status history.
    pub status_note: Option<String>,
}

/// The result of a change to a restriction.
#[derive(SimpleObject)]
pub struct RestrictionPayload {
    /// The restriction as stored after the change.
    pub restriction: Restriction,
}

/// Changes to restrictions.
#[derive(Default)]
pub struct RestrictionMutations;

#[Object]
impl RestrictionMutations {
    /// Creates a restriction contributed by the caller's organisation. Needs an
    /// EDITOR or ADMIN key.
    async fn create_restriction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new restriction.")] input: CreateRestrictionInput,
    ) -> Result<RestrictionPayload> {
        let rc = RequestContext::of(ctx);
        let draft = RestrictionDraft {
            title: input.title,
            reference: input.reference,
            kind: input.kind,
            status: input.status,
            country_code: input.country_code,
            subdivision_code: input.subdivision_code,
            introduced_on: input.introduced_on,
            decided_on: input.decided_on,
            summary: input.summary,
            rights: input.rights,
            visibility: input.visibility,
            status_note: StatusNote { changed_on: input.status_changed_on, note: input.status_note },
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(RestrictionPayload { restriction: Restriction::from(created) })
    }

    /// Changes a restriction. Needs an EDITOR or ADMIN key of the contributing
    /// organisation, or of one it shared the record with for editing.
    async fn update_restriction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateRestrictionInput,
    ) -> Result<RestrictionPayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Restriction)?;
        let note = StatusNote { changed_on: input.status_changed_on, note: input.status_note };
        let updated = editing::update_record(
            &rc.db,
            &rc.viewer,
            id,
            input.expected_version,
            move |draft: &mut RestrictionDraft| {
                draft.status_note = note;
                if let Some(title) = input.title {
                    draft.title = title;
                }
                apply(input.reference, &mut draft.reference);
                if let Some(kind) = input.kind {
                    draft.kind = kind;
                }
                if let Some(status) = input.status {
                    draft.status = status;
                }
                if let Some(code) = input.country_code {
                    draft.country_code = code;
                }
                apply(input.subdivision_code, &mut draft.subdivision_code);
                apply(input.introduced_on, &mut draft.introduced_on);
                apply(input.decided_on, &mut draft.decided_on);
                apply(input.summary, &mut draft.summary);
                if let Some(rights) = input.rights {
                    draft.rights = rights;
                }
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
            },
        )
        .await?;
        Ok(RestrictionPayload { restriction: Restriction::from(updated) })
    }

    /// Archives a restriction: hidden from every read, kept for restoring.
    async fn archive_restriction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The restriction and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<RestrictionPayload> {
        let restriction =
            set_archived::<entity::restriction::Entity, Restriction>(ctx, &input, NodeType::Restriction, true).await?;
        Ok(RestrictionPayload { restriction })
    }

    /// Restores an archived restriction.
    async fn restore_restriction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The restriction and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<RestrictionPayload> {
        let restriction =
            set_archived::<entity::restriction::Entity, Restriction>(ctx, &input, NodeType::Restriction, false).await?;
        Ok(RestrictionPayload { restriction })
    }
}
