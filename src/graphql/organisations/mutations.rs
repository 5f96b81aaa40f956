//! Mutations of organisation records.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{OrganisationKind, Visibility};

use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::graphql::organisations::Organisation;
use crate::ids::{GlobalId, NodeType};
use crate::service::organisations::edits::OrganisationDraft;
use crate::service::write::editing;

/// A new organisation record, such as an NGO, a state agency or a company
/// the caller's work involves. PRIVATE unless another visibility is given.
#[derive(InputObject, Clone, Debug)]
pub struct CreateOrganisationInput {
    /// Name, 1 to 300 characters.
    pub name: String,
    /// Acronym, such as "ACPRA".
    pub acronym: Option<String>,
    /// What kind of organisation it is.
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-2 code of the country it is based in.
    pub country_code: Option<String>,
    /// Its website, an http or https address.
    pub website: Option<String>,
    /// What it does, at most 20,000 characters.
    pub summary: Option<String>,
    /// Who may read the record; PRIVATE unless given.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
}

/// Changes to an organisation record. Fields left out stay as they are; a
/// nullable field given as null is cleared.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateOrganisationInput {
    /// The organisation's global id.
    pub id: ID,
    /// The version the change is based on; a stale version is refused with CONFLICT.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New acronym, or null to clear.
    pub acronym: MaybeUndefined<String>,
    /// New kind.
    pub kind: Option<OrganisationKind>,
    /// New country, or null to clear.
    pub country_code: MaybeUndefined<String>,
    /// New website, or null to clear.
    pub website: MaybeUndefined<String>,
    /// New summary, or null to clear.
    pub summary: MaybeUndefined<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
}

/// The result of a change to an organisation record.
#[derive(SimpleObject)]
pub struct OrganisationPayload {
    /// The organisation as stored after the change.
    pub organisation: Organisation,
}

/// Changes to organisation records.
#[derive(Default)]
pub struct OrganisationMutations;

#[Object]
impl OrganisationMutations {
    /// Creates an organisation record contributed by the caller's
    /// organisation. Needs an EDITOR or ADMIN key. (Partner organisations
    /// themselves are created by operators: `rights-graph org create`.)
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation.")] input: CreateOrganisationInput,
    ) -> Result<OrganisationPayload> {
        let rc = RequestContext::of(ctx);
        let draft = OrganisationDraft {
            name: input.name,
            acronym: input.acronym,
            kind: input.kind,
            country_code: input.country_code,
            website: input.website,
            summary: input.summary,
            visibility: input.visibility,
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(OrganisationPayload { organisation: Organisation(created) })
    }

    /// Changes an organisation record the caller's organisation contributed
    /// (its own record included), or one shared with it for editing. Needs an
    /// EDITOR or ADMIN key.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateOrganisationInput,
    ) -> Result<OrganisationPayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Organisation)?;
        let updated = editing::update_record(
            &rc.db,
            &rc.viewer,
            id,
            input.expected_version,
            move |draft: &mut OrganisationDraft| {
                if let Some(name) = input.name {
                    draft.name = name;
                }
                apply(input.acronym, &mut draft.acronym);
                if let Some(kind) = input.kind {
                    draft.kind = kind;
                }
                apply(input.country_code, &mut draft.country_code);
                apply(input.website, &mut draft.website);
                apply(input.summary, &mut draft.summary);
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
            },
        )
        .await?;
        Ok(OrganisationPayload { organisation: Organisation(updated) })
    }

    /// Archives an organisation record: hidden from every read, kept for restoring.
    async fn archive_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<OrganisationPayload> {
        let organisation =
            set_archived::<entity::organisation::Entity, Organisation>(ctx, &input, NodeType::Organisation, true)
                .await?;
        Ok(OrganisationPayload { organisation })
    }

    /// Restores an archived organisation record.
    async fn restore_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<OrganisationPayload> {
        let organisation =
            set_archived::<entity::organisation::Entity, Organisation>(ctx, &input, NodeType::Organisation, false)
                .await?;
        Ok(OrganisationPayload { organisation })
    }
}
