//! Duplicate candidates, judgements on them, and reversible merges of
//! defenders and organisations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::Verdict;
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::node::Node;
use crate::graphql::defenders::Defender;
use crate::graphql::organisations::Organisation;
use crate::ids::{GlobalId, NodeType};
use crate::service::duplicates::merges;
use crate::service::duplicates::{self, Mergeable};

/// A kind of record that can have duplicates and be merged.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeableType {
    /// Defenders.
    Defender,
    /// Organisations.
    Organisation,
}

impl MergeableType {
    fn kind(self) -> Mergeable {
        match self {
            MergeableType::Defender => Mergeable::Defender,
            MergeableType::Organisation => Mergeable::Organisation,
        }
    }

    fn node_type(self) -> NodeType {
        match self {
            MergeableType::Defender => NodeType::Defender,
            MergeableType::Organisation => NodeType::Organisation,
        }
    }

    fn decode(self, argument: &str, id: &ID) -> Result<Uuid, AppError> {
        GlobalId::decode_uuid_of(argument, id, self.node_type())
    }
}

/// Two records that may describe the same person or organisation.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    /// One record of the pair.
    pub first: Node,
    /// The other record.
    pub second: Node,
    /// How likely the two are the same, from 0 to 1.
    pub score: f64,
    /// The evidence behind the score, strongest first.
    pub reasons: Vec<String>,
    /// Your organisation's judgement of the pair, if it gave one (pairs any
    /// organisation judged DIFFERENT are not proposed).
    pub judgement: Option<Verdict>,
}

/// A judgement on a pair of records.
#[derive(InputObject)]
pub struct JudgeDuplicateInput {
    /// What kind of records they are.
    pub record_type: MergeableType,
    /// The global id of one record.
    pub first_id: ID,
    /// The global id of the other.
    pub second_id: ID,
    /// Whether they describe the same person or organisation.
    pub verdict: Verdict,
    /// Why, at most 2,000 characters.
    pub note: Option<String>,
}

/// The judgement as recorded.
#[derive(SimpleObject)]
pub struct JudgeDuplicatePayload {
    /// The verdict recorded for your organisation.
    pub verdict: Verdict,
}

/// Two records to merge into one.
#[derive(InputObject)]
pub struct MergeInput {
    /// The global id of the record that remains: one your organisation contributed.
    pub survivor_id: ID,
    /// The global id of the record merged into it: one you may change. Its id
    /// keeps resolving to the survivor.
    pub absorbed_id: ID,
}

/// A merge to undo.
#[derive(InputObject)]
pub struct UnmergeInput {
    /// The global id of the record that was absorbed.
    pub absorbed_id: ID,
}

/// The result of merging two defenders.
#[derive(SimpleObject)]
pub struct MergeDefendersPayload {
    /// The surviving defender, with the absorbed one's links and names.
    pub defender: Option<Defender>,
}

/// The result of merging two organisations.
#[derive(SimpleObject)]
pub struct MergeOrganisationsPayload {
    /// The surviving organisation.
    pub organisation: Option<Organisation>,
}

/// The result of undoing a defender merge.
#[derive(SimpleObject)]
pub struct UnmergeDefenderPayload {
    /// The absorbed defender, restored with what it had.
    pub defender: Option<Defender>,
    /// The survivor, as it is without the absorbed defender.
    pub survivor: Option<Defender>,
}

/// The result of undoing an organisation merge.
#[derive(SimpleObject)]
pub struct UnmergeOrganisationPayload {
    /// The absorbed organisation, restored.
    pub organisation: Option<Organisation>,
    /// The survivor.
    pub survivor: Option<Organisation>,
}

/// Duplicate candidates.
#[derive(Default)]
pub struct DuplicatesQuery;

#[Object]
impl DuplicatesQuery {
    /// Pairs of records that may describe the same person or organisation,
    /// best first: names are compared without case, accents or punctuation,
    /// in any word order, across transliterations ("al-Qahtani",
    /// "Alqahtani") and other names, with the country and other evidence.
    /// Only records the viewer may see are compared. Needs an API key.
    async fn duplicate_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What kind of records to compare.")] record_type: MergeableType,
        #[graphql(desc = "Only the candidates of this record.")] record_id: Option<ID>,
        #[graphql(desc = "The lowest score returned, 0 to 1; 0.5 unless given.", default = 0.5)] min_score: f64,
        #[graphql(desc = "How many pairs, 1 to 100; 20 unless given.", default = 20)] first: i32,
    ) -> Result<Vec<DuplicateCandidate>> {
        let rc = RequestContext::of(ctx);
        if !(1..=100).contains(&first) {
            return Err(AppError::bad_input("first", format!("must be 1 to 100; got {first}")).into());
        }
        if !(0.0..=1.0).contains(&min_score) {
            return Err(AppError::bad_input("minScore", format!("must be 0 to 1; got {min_score}")).into());
        }
        let record = record_id.map(|id| record_type.decode("recordId", &id)).transpose()?;
        let found =
            duplicates::candidates(&rc.db, &rc.viewer, record_type.kind(), record, min_score, first as usize).await?;
        let ids: Vec<Uuid> = found.iter().flat_map(|c| [c.first, c.second]).collect();
        let nodes: Vec<Option<Node>> = match record_type {
            MergeableType::Defender => rc
                .records::<entity::defender::Entity>(&ids)
                .await?
                .into_iter()
                .map(|m| m.map(|m| Node::Defender(Defender::from(m))))
                .collect(),
            MergeableType::Organisation => rc
                .records::<entity::organisation::Entity>(&ids)
                .await?
                .into_iter()
                .map(|m| m.map(|m| Node::Organisation(Organisation(m))))
                .collect(),
        };
        let mut nodes = nodes.into_iter();
        Ok(found
            .into_iter()
            .filter_map(|candidate| {
                // Always take both, so that a missing one cannot shift the pairs.
                let (first, second) = (nodes.next().flatten(), nodes.next().flatten());
                Some(DuplicateCandidate {
                    first: first?,
                    second: second?,
                    score: candidate.score,
                    reasons: candidate.reasons,
                    judgement: candidate.judgement,
                })
            })
            .collect())
    }
}

/// Judgements and merges.
#[derive(Default)]
pub struct MergeMutations;

#[Object]
impl MergeMutations {
    /// Records your organisation's judgement of a candidate pair: SAME,
    /// DIFFERENT (the pair is not proposed again) or UNSURE. Needs an EDITOR
    /// or ADMIN key; both records must be visible to you.
    async fn judge_duplicate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pair and the verdict.")] input: JudgeDuplicateInput,
    ) -> Result<JudgeDuplicatePayload> {
        let rc = RequestContext::of(ctx);
        let kind = input.record_type;
        let pair = (kind.decode("input.firstId", &input.first_id)?, kind.decode("input.secondId", &input.second_id)?);
        let db = &rc.db;
        duplicates::judge(db, &rc.viewer, kind.kind(), pair, input.verdict, input.note).await?;
        Ok(JudgeDuplicatePayload { verdict: input.verdict })
    }

    /// Merges a defender into one your organisation contributed. The absorbed
    /// defender's case events, affiliations, restriction links, campaigns,
    /// citations and external identifiers move to the survivor, its names
    /// become other names, and its id resolves to the survivor (listed in
    /// `mergedIds`). The survivor takes the narrower visibility of the two;
    /// confidential fields stay with the absorbed record. Undo with
    /// `unmergeDefender`. Needs an EDITOR or ADMIN key.
    async fn merge_defenders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survivor and the record merged into it.")] input: MergeInput,
    ) -> Result<MergeDefendersPayload> {
        let rc = RequestContext::of(ctx);
        let kind = MergeableType::Defender;
        let survivor = kind.decode("input.survivorId", &input.survivor_id)?;
        let absorbed = kind.decode("input.absorbedId", &input.absorbed_id)?;
        merges::merge(&rc.db, &rc.viewer, kind.kind(), survivor, absorbed).await?;
        Ok(MergeDefendersPayload {
            defender: rc.record::<entity::defender::Entity>(survivor).await?.map(Defender::from),
        })
    }

    /// Merges an organisation into one your organisation contributed:
    /// affiliations, campaigns it leads, citations and external identifiers
    /// move to the survivor. Partner organisations (with their own keys)
    /// cannot be absorbed. Undo with `unmergeOrganisation`.
    async fn merge_organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survivor and the record merged into it.")] input: MergeInput,
    ) -> Result<MergeOrganisationsPayload> {
        let rc = RequestContext::of(ctx);
        let kind = MergeableType::Organisation;
        let survivor = kind.decode("input.survivorId", &input.survivor_id)?;
        let absorbed = kind.decode("input.absorbedId", &input.absorbed_id)?;
        merges::merge(&rc.db, &rc.viewer, kind.kind(), survivor, absorbed).await?;
        Ok(MergeOrganisationsPayload {
            organisation: rc.record::<entity::organisation::Entity>(survivor).await?.map(Organisation),
        })
    }

    /// Undoes a defender merge: exactly what the merge moved goes back, the
    /// names it added are removed, and the absorbed defender is a record of
    /// its own again. The organisation that merged, or the survivor's
    /// contributor, may undo it.
    async fn unmerge_defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absorbed defender.")] input: UnmergeInput,
    ) -> Result<UnmergeDefenderPayload> {
        let rc = RequestContext::of(ctx);
        let absorbed = MergeableType::Defender.decode("input.absorbedId", &input.absorbed_id)?;
        let survivor = merges::unmerge(&rc.db, &rc.viewer, Mergeable::Defender, absorbed).await?;
        let found = rc.records::<entity::defender::Entity>(&[absorbed, survivor]).await?;
        let mut found = found.into_iter().map(|m| m.map(Defender::from));
        Ok(UnmergeDefenderPayload { defender: found.next().flatten(), survivor: found.next().flatten() })
    }

    /// Undoes an organisation merge.
    async fn unmerge_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absorbed organisation.")] input: UnmergeInput,
    ) -> Result<UnmergeOrganisationPayload> {
        let rc = RequestContext::of(ctx);
        let absorbed = MergeableType::Organisation.decode("input.absorbedId", &input.absorbed_id)?;
        let survivor = merges::unmerge(&rc.db, &rc.viewer, Mergeable::Organisation, absorbed).await?;
        let found = rc.records::<entity::organisation::Entity>(&[absorbed, survivor]).await?;
        let mut found = found.into_iter().map(|m| m.map(Organisation));
        Ok(UnmergeOrganisationPayload { organisation: found.next().flatten(), survivor: found.next().flatten() })
    }
}

/// The global ids of the records merged into a record, for `mergedIds`.
pub async fn merged_ids(ctx: &Context<'_>, kind: MergeableType, id: Uuid) -> Result<Vec<ID>> {
    let rc = RequestContext::of(ctx);
    let ids = match kind {
        MergeableType::Defender => rc.loader.load_one(crate::graphql::common::context::MergedDefendersOf(id)).await?,
        MergeableType::Organisation => {
            rc.loader.load_one(crate::graphql::common::context::MergedOrganisationsOf(id)).await?
        }
    };
    Ok(ids.unwrap_or_default().into_iter().map(|id| GlobalId::encode_uuid(kind.node_type(), id)).collect())
}
