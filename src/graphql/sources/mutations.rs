//! Mutations of sources and citations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{PartialDate, Visibility};

use crate::error::AppError;
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::graphql::sources::Source;
use crate::ids::{GlobalId, NodeType};
use crate::service::sources::CitingRecord;
use crate::service::sources::edits::{self as source_edits, SourceDraft};
use crate::service::write::editing;

/// A new source: a report, article or page that records rest on.
#[derive(InputObject, Clone, Debug)]
pub struct CreateSourceInput {
    /// Where to read it: an http or https address.
    pub url: Option<String>,
    /// Title, 1 to 300 characters.
    pub title: String,
    /// Who published it.
    pub publisher: Option<String>,
    /// When it was published.
    pub published_on: Option<PartialDate>,
    /// Who may read the record; PRIVATE unless given.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
}

/// Changes to a source. Fields left out stay as they are; a nullable field
/// given as null is cleared.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateSourceInput {
    /// The source's global id.
    pub id: ID,
    /// The version the change is based on; a stale version is refused with CONFLICT.
    pub expected_version: i32,
    /// New address, or null to clear.
    pub url: MaybeUndefined<String>,
    /// New title.
    pub title: Option<String>,
    /// New publisher, or null to clear.
    pub publisher: MaybeUndefined<String>,
    /// New publication date, or null to clear.
    pub published_on: MaybeUndefined<PartialDate>,
    /// New visibility.
    pub visibility: Option<Visibility>,
}

/// A record to cite a source, or to stop citing it.
#[derive(InputObject, Clone, Debug)]
pub struct CitationInput {
    /// The global id of the citing record: an organisation, defender, restriction or campaign.
    pub record_id: ID,
    /// The citing record's version the change is based on; the change raises it.
    pub expected_version: i32,
    /// The global id of the source.
    pub source_id: ID,
    /// Where in the source the record's facts stand: a quotation, page or section.
    pub locator: Option<String>,
}

/// The result of a change to a source.
#[derive(SimpleObject)]
pub struct SourcePayload {
    /// The source as stored after the change.
    pub source: Source,
}

/// The result of a change to a record's citations.
#[derive(SimpleObject)]
pub struct CitationPayload {
    /// The citing record's version after the change.
    pub record_version: i32,
}

fn citing(record_id: &ID) -> Result<(CitingRecord, uuid::Uuid)> {
    let refuse = || {
        AppError::bad_input(
            "input.recordId",
            "only organisations, defenders, restrictions and campaigns cite sources here",
        )
    };
    match GlobalId::decode("input.recordId", record_id)? {
        GlobalId::Uuid(NodeType::Organisation, id) => Ok((CitingRecord::Organisation, id)),
        GlobalId::Uuid(NodeType::Defender, id) => Ok((CitingRecord::Defender, id)),
        GlobalId::Uuid(NodeType::Restriction, id) => Ok((CitingRecord::Restriction, id)),
        GlobalId::Uuid(NodeType::Campaign, id) => Ok((CitingRecord::Campaign, id)),
        _ => Err(refuse().into()),
    }
}

/// Changes to sources and citations.
#[derive(Default)]
pub struct SourceMutations;

#[Object]
impl SourceMutations {
    /// Creates a source contributed by the caller's organisation. Needs an EDITOR or ADMIN key.
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new source.")] input: CreateSourceInput,
    ) -> Result<SourcePayload> {
        let rc = RequestContext::of(ctx);
        let draft = SourceDraft {
            url: input.url,
            title: input.title,
            publisher: input.publisher,
            published_on: input.published_on,
            visibility: input.visibility,
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(SourcePayload { source: Source(created) })
    }

    /// Changes a source. Needs an EDITOR or ADMIN key of the contributing
    /// organisation, or of one it shared the source with for editing.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateSourceInput,
    ) -> Result<SourcePayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Source)?;
        let updated =
            editing::update_record(&rc.db, &rc.viewer, id, input.expected_version, move |draft: &mut SourceDraft| {
                apply(input.url, &mut draft.url);
                if let Some(title) = input.title {
                    draft.title = title;
                }
                apply(input.publisher, &mut draft.publisher);
                apply(input.published_on, &mut draft.published_on);
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
            })
            .await?;
        Ok(SourcePayload { source: Source(updated) })
    }

    /// Archives a source: hidden from every read, kept for restoring.
    async fn archive_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<SourcePayload> {
        let source = set_archived::<entity::source::Entity, Source>(ctx, &input, NodeType::Source, true).await?;
        Ok(SourcePayload { source })
    }

    /// Restores an archived source.
    async fn restore_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<SourcePayload> {
        let source = set_archived::<entity::source::Entity, Source>(ctx, &input, NodeType::Source, false).await?;
        Ok(SourcePayload { source })
    }

    /// Makes a record cite a source it may see. Needs an EDITOR or ADMIN key
    /// with the right to change the record.
    async fn cite_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record, the source, and where in it the facts stand.")] input: CitationInput,
    ) -> Result<CitationPayload> {
        let rc = RequestContext::of(ctx);
        let record = citing(&input.record_id)?;
        let source = GlobalId::decode_uuid_of("input.sourceId", &input.source_id, NodeType::Source)?;
        let version =
            source_edits::cite(&rc.db, &rc.viewer, record, input.expected_version, source, Some(input.locator)).await?;
        Ok(CitationPayload { record_version: version })
    }

    /// Makes a record stop citing a source.
    async fn uncite_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record and the source; `locator` is ignored.")] input: CitationInput,
    ) -> Result<CitationPayload> {
        let rc = RequestContext::of(ctx);
        let record = citing(&input.record_id)?;
        let source = GlobalId::decode_uuid_of("input.sourceId", &input.source_id, NodeType::Source)?;
        let version = source_edits::cite(&rc.db, &rc.viewer, record, input.expected_version, source, None).await?;
        Ok(CitationPayload { record_version: version })
    }
}
