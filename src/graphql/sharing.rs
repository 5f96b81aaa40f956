//! `shareRecord` and `unshareRecord`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::ShareAccess;

use crate::error::AppError;
use crate::graphql::common::context::RequestContext;
use crate::ids::{GlobalId, NodeType};
use crate::service::sharing::{self, Shareable};

/// A record to share with an organisation.
#[derive(InputObject)]
pub struct ShareRecordInput {
    /// The global id of a record the caller's organisation contributed.
    pub record_id: ID,
    /// The global id of the organisation to share it with.
    pub organisation_id: ID,
    /// What the organisation may do with it; READ unless given.
    #[graphql(default_with = "ShareAccess::Read")]
    pub access: ShareAccess,
    /// Whether it may also see the record's confidential fields; false unless given.
    #[graphql(default)]
    pub confidential: bool,
}

/// A share to withdraw.
#[derive(InputObject)]
pub struct UnshareRecordInput {
    /// The global id of the shared record.
    pub record_id: ID,
    /// The global id of the organisation it is shared with.
    pub organisation_id: ID,
}

/// A record's share with an organisation, as stored.
#[derive(SimpleObject)]
pub struct SharePayload {
    /// The shared record's global id.
    pub record_id: ID,
    /// The organisation's global id.
    pub organisation_id: ID,
    /// What the organisation may do with the record.
    pub access: ShareAccess,
    /// Whether it may see the record's confidential fields.
    pub confidential: bool,
}

/// The result of withdrawing a share.
#[derive(SimpleObject)]
pub struct UnsharePayload {
    /// Whether there was a share to withdraw.
    pub removed: bool,
}

fn shareable(record_id: &ID) -> Result<(Shareable, uuid::Uuid)> {
    let refuse = || {
        AppError::bad_input(
            "input.recordId",
            "only organisations, defenders, restrictions, campaigns, sources, civic-space ratings and indicators can \
             be shared",
        )
    };
    match GlobalId::decode("input.recordId", record_id)? {
        GlobalId::Uuid(node_type, id) => {
            let kind = match node_type {
                NodeType::Organisation => Shareable::Organisation,
                NodeType::Defender => Shareable::Defender,
                NodeType::Restriction => Shareable::Restriction,
                NodeType::Campaign => Shareable::Campaign,
                NodeType::Source => Shareable::Source,
                NodeType::CountryRating => Shareable::CountryRating,
                NodeType::Indicator => Shareable::Indicator,
                _ => return Err(refuse().into()),
            };
            Ok((kind, id))
        }
        GlobalId::Code(..) => Err(refuse().into()),
    }
}

/// Sharing of records between organisations.
#[derive(Default)]
pub struct SharingMutations;

#[Object]
impl SharingMutations {
    /// Shares a record the caller's organisation contributed with another
    /// organisation, for reading or editing, with or without its confidential
    /// fields; or changes an existing share. Needs an ADMIN key.
    async fn share_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The share.")] input: ShareRecordInput,
    ) -> Result<SharePayload> {
        let rc = RequestContext::of(ctx);
        let record = shareable(&input.record_id)?;
        let with = GlobalId::decode_uuid_of("input.organisationId", &input.organisation_id, NodeType::Organisation)?;
        let share = sharing::share(&rc.db, &rc.viewer, record, with, input.access, input.confidential).await?;
        Ok(SharePayload {
            record_id: input.record_id,
            organisation_id: input.organisation_id,
            access: share.access,
            confidential: share.confidential,
        })
    }

    /// Withdraws a share at once. Needs an ADMIN key of the contributing organisation.
    async fn unshare_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The share to withdraw.")] input: UnshareRecordInput,
    ) -> Result<UnsharePayload> {
        let rc = RequestContext::of(ctx);
        let record = shareable(&input.record_id)?;
        let with = GlobalId::decode_uuid_of("input.organisationId", &input.organisation_id, NodeType::Organisation)?;
        let removed = sharing::unshare(&rc.db, &rc.viewer, record, with).await?;
        Ok(UnsharePayload { removed })
    }
}
