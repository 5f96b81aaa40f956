//! Mutations of civic-space ratings.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{CivicSpaceRating, PartialDate, Visibility};

use crate::graphql::common::context::RequestContext;
use crate::graphql::common::edits::{RecordVersionInput, apply, set_archived};
use crate::graphql::ratings::CountryRating;
use crate::ids::{GlobalId, NodeType};
use crate::service::ratings::edits::RatingDraft;
use crate::service::write::editing;

/// A new civic-space rating of a country.
#[derive(InputObject, Clone, Debug)]
pub struct CreateCountryRatingInput {
    /// The country rated (ISO 3166-1 alpha-2 code).
    pub country_code: String,
    /// The step of the scale, from OPEN to CLOSED.
    pub rating: CivicSpaceRating,
    /// The date the rating holds from.
    pub rated_on: PartialDate,
    /// The global id of the organisation that gave the rating, such as the CIVICUS Monitor.
    pub organisation_id: Option<ID>,
    /// The global id of the source that states the rating.
    pub source_id: Option<ID>,
    /// Why the rating was given or changed, at most 20,000 characters.
    pub note: Option<String>,
    /// Who may read the record; PRIVATE unless given.
    #[graphql(default_with = "Visibility::Private")]
    pub visibility: Visibility,
}

/// Changes to a civic-space rating. Fields left out stay as they are; a
/// nullable field given as null is cleared.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateCountryRatingInput {
    /// The rating's global id.
    pub id: ID,
    /// The version the change is based on; a stale version is refused with CONFLICT.
    pub expected_version: i32,
    /// New country.
    pub country_code: Option<String>,
    /// New step of the scale.
    pub rating: Option<CivicSpaceRating>,
    /// New date.
    pub rated_on: Option<PartialDate>,
    /// New rating organisation, or null to clear.
    pub organisation_id: MaybeUndefined<ID>,
    /// New source, or null to clear.
    pub source_id: MaybeUndefined<ID>,
    /// New note, or null to clear.
    pub note: MaybeUndefined<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
}

/// The result of a change to a civic-space rating.
#[derive(SimpleObject)]
pub struct CountryRatingPayload {
    /// The rating as stored after the change.
    pub country_rating: CountryRating,
}

/// A global id of `node_type` given for `argument`, null and absent kept apart.
fn link(argument: &str, id: MaybeUndefined<ID>, node_type: NodeType) -> Result<MaybeUndefined<uuid::Uuid>> {
    Ok(match id {
        MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        MaybeUndefined::Null => MaybeUndefined::Null,
        MaybeUndefined::Value(id) => MaybeUndefined::Value(GlobalId::decode_uuid_of(argument, &id, node_type)?),
    })
}

/// Changes to civic-space ratings.
#[derive(Default)]
pub struct RatingMutations;

#[Object]
impl RatingMutations {
    /// Records a civic-space rating of a country, contributed by the caller's
    /// organisation. Needs an EDITOR or ADMIN key.
    async fn create_country_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new rating.")] input: CreateCountryRatingInput,
    ) -> Result<CountryRatingPayload> {
        let rc = RequestContext::of(ctx);
        let organisation_id = input
            .organisation_id
            .map(|id| GlobalId::decode_uuid_of("input.organisationId", &id, NodeType::Organisation))
            .transpose()?;
        let source_id =
            input.source_id.map(|id| GlobalId::decode_uuid_of("input.sourceId", &id, NodeType::Source)).transpose()?;
        let draft = RatingDraft {
            country_code: input.country_code,
            rating: input.rating,
            rated_on: input.rated_on,
            organisation_id,
            source_id,
            note: input.note,
            visibility: input.visibility,
        };
        let created = editing::create_record(&rc.db, &rc.viewer, draft).await?;
        Ok(CountryRatingPayload { country_rating: CountryRating(created) })
    }

    /// Changes a civic-space rating. Needs an EDITOR or ADMIN key of the
    /// contributing organisation, or of one it shared the rating with for editing.
    async fn update_country_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateCountryRatingInput,
    ) -> Result<CountryRatingPayload> {
        let rc = RequestContext::of(ctx);
        let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::CountryRating)?;
        let organisation = link("input.organisationId", input.organisation_id, NodeType::Organisation)?;
        let source = link("input.sourceId", input.source_id, NodeType::Source)?;
        let updated =
            editing::update_record(&rc.db, &rc.viewer, id, input.expected_version, move |draft: &mut RatingDraft| {
                if let Some(country_code) = input.country_code {
                    draft.country_code = country_code;
                }
                if let Some(rating) = input.rating {
                    draft.rating = rating;
                }
                if let Some(rated_on) = input.rated_on {
                    draft.rated_on = rated_on;
                }
                apply(organisation, &mut draft.organisation_id);
                apply(source, &mut draft.source_id);
                apply(input.note, &mut draft.note);
                if let Some(visibility) = input.visibility {
                    draft.visibility = visibility;
                }
            })
            .await?;
        Ok(CountryRatingPayload { country_rating: CountryRating(updated) })
    }

    /// Archives a civic-space rating: hidden from every read, kept for restoring.
    async fn archive_country_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rating and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<CountryRatingPayload> {
        let country_rating =
            set_archived::<entity::country_rating::Entity, CountryRating>(ctx, &input, NodeType::CountryRating, true)
                .await?;
        Ok(CountryRatingPayload { country_rating })
    }

    /// Restores an archived civic-space rating.
    async fn restore_country_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rating and the version the change is based on.")] input: RecordVersionInput,
    ) -> Result<CountryRatingPayload> {
        let country_rating =
            set_archived::<entity::country_rating::Entity, CountryRating>(ctx, &input, NodeType::CountryRating, false)
                .await?;
        Ok(CountryRatingPayload { country_rating })
    }
}
