//! Mutations of campaigns.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{CampaignKind, CampaignOutcome, CampaignStatus, PartialDate, Visibility};
use uuid::Uuid;

use crate::graphql::campaigns::Campaign;
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::ids::{GlobalId, NodeType};
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::write::editing;

fn ids(argument: &str, ids: &[ID], node_type: NodeType) -> Result<Vec<Uuid>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| Ok(GlobalId::decode_uuid_of(&format!("{argument}[{i}]"), id, node_type)?))
        .collect()
}

/// A new campaign. The record belongs to the caller's organisation and is
/// PRIVATE unless another visibility is given. Linked records must be ones
/// the caller can see.
#[derive(InputObject, Clone, Debug)]
pub struct CreateCampaignInput {
    /// Title, 1 to 300 characters.
    pub title: String,
    /// What kind of campaign it is.
    pub kind: CampaignKind,
    /// Where it stands; ACTIVE unless given.
    #[graphql(default_with = "CampaignStatus::Active")]
    pub status: CampaignStatus,
    /// The global id of the organisation that leads it.
    pub lead_organisation_id: Option<ID>,
    /// When it started.
    pub started_on: Option<PartialDate>,
    /// When it ended; not before its start.
    pub ended_on: Option<PartialDate>,
    /// What it does, at most 20,000 characters.
    pub summary: Option<String>,
    /// What it achieved.
    pub outcome: Option<CampaignOutcome>,
    /// What it achieved, in words.
    pub outcome_summary: Option<String>,
    /// Who may read the record; PRIVATE unless given.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
    /// Global ids of the defenders it works for.
    #[graphql(default)]
    pub defender_ids: Vec<ID>,
    /// Global ids of the restrictions it addresses.
    #[graphql(default)]
    pub restriction_ids: Vec<ID>,
    /// ISO codes of the countries (`US`) and subdivisions (`US-ND`) it targets.
    #[graphql(default)]
    pub areas: Vec<String>,
}

/// Changes to a campaign. Fields left out stay as they are; a nullable field
/// given as null is cleared; lists given replace the stored list.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateCampaignInput {
    /// The campaign's global id.
    pub id: ID,
    /// The version the change is based on; a stale version is refused with CONFLICT.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// New kind.
    pub kind: Option<CampaignKind>,
    /// New status.
    pub status: Option<CampaignStatus>,
    /// New lead organisation, or null to clear.
    pub lead_organisation_id: MaybeUndefined<ID>,
    /// New start date, or null to clear.
    pub started_on: MaybeUndefined<PartialDate>,
    /// New end date, or null to clear.
    pub ended_on: MaybeUndefined<PartialDate>,
    /// New summary, or null to clear.
    pub summary: MaybeUndefined<String>,
    /// New outcome, or null to clear.
    pub outcome: MaybeUndefined<CampaignOutcome>,
    /// New outcome summary, or null to clear.
    pub outcome_summary: MaybeUndefined<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New list of defenders.
    pub defender_ids: Option<Vec<ID>>,
    /// New list of restrictions.
    pub restriction_ids: Option<Vec<ID>>,
    /// New list of countries and subdivisions.
    pub areas: Option<Vec<String>>,
}

/// The result of a change to a campaign.
#[derive(SimpleObject)]
pub struct CampaignPayload {
    /// The campaign as stored after the change.
    pub campaign: Campaign,
}

/// Changes to campaigns.
#[derive(Default)]
pub struct CampaignMutations;

#[Object]
impl CampaignMutations {
    /// Creates a campaign contributed by the caller's organisation. Needs an
    /// EDITOR or ADMIN key.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new campaign.")] input: CreateCampaignInput,
    ) -> Result<CampaignPayload> {
        let rc = RequestContext::of(ctx);
        let lead = input
            .lead_organisation_id
            .as_ref()
            .map(|id| GlobalId::decode_uuid_of("leadOrganisationId", id, NodeType::Organisation))
            .transpose()?;
        let draft = CampaignDraft {
            title: input.title,
            kind: input.kind,
            status: input.status,
            lead_organisation_id: lead,
            started_on: input.started_on,
            ended_on: input.ended_on,
            summary: input.summary,
            outcome: input.outcome,
            outcome_summary: input.outcome_summary,
            visibility: input.visibility,
            defender_ids: ids("defenderIds", &input.defender_ids, NodeType::Defender)?,
            restriction_ids: ids("restrictionIds", &input.restriction_ids, NodeType::Restriction)?,
            areas: input.areas,
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(CampaignPayload { campaign: Campaign::from(created) })
    }

    /// Changes a campaign. Needs an EDITOR or ADMIN key of the contributing
    /// organisation, or of one it shared the record with for editing.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateCampaignInput,
    ) -> Result<CampaignPayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Campaign)?;
        let lead = match input.lead_organisation_id {
            MaybeUndefined::Value(lead) => {
                MaybeUndefined::Value(GlobalId::decode_uuid_of("leadOrganisationId", &lead, NodeType::Organisation)?)
            }
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let defenders = input.defender_ids.map(|list| ids("defenderIds", &list, NodeType::Defender)).transpose()?;
        let restrictions =
            input.restriction_ids.map(|list| ids("restrictionIds", &list, NodeType::Restriction)).transpose()?;
        let updated =
            editing::update_record(&rc.db, &rc.viewer, id, input.expected_version, move |draft: &mut CampaignDraft| {
                if let Some(title) = input.title {
                    draft.title = title;
                }
                if let Some(kind) = input.kind {
                    draft.kind = kind;
                }
                if let Some(status) = input.status {
                    draft.status = status;
                }
                apply(lead, &mut draft.lead_organisation_id);
                apply(input.started_on, &mut draft.started_on);
                apply(input.ended_on, &mut draft.ended_on);
                apply(input.summary, &mut draft.summary);
                apply(input.outcome, &mut draft.outcome);
                apply(input.outcome_summary, &mut draft.outcome_summary);
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
                if let Some(defenders) = defenders {
                    draft.defender_ids = defenders;
                }
                if let Some(restrictions) = restrictions {
                    draft.restriction_ids = restrictions;
                }
                if let Some(areas) = input.areas {
                    draft.areas = areas;
                }
            })
            .await?;
        Ok(CampaignPayload { campaign: Campaign::from(updated) })
    }

    /// Archives a campaign: hidden from every read, kept for restoring.
    async fn archive_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<CampaignPayload> {
        let campaign =
            set_archived::<entity::campaign::Entity, Campaign>(ctx, &input, NodeType::Campaign, true).await?;
        Ok(CampaignPayload { campaign })
    }

    /// Restores an archived campaign.
    async fn restore_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<CampaignPayload> {
        let campaign =
            set_archived::<entity::campaign::Entity, Campaign>(ctx, &input, NodeType::Campaign, false).await?;
        Ok(CampaignPayload { campaign })
    }
}
