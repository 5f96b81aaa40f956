//! Exports what a viewer may see, as rows the importer accepts back. Links
//! to records the viewer may not see are left out, and confidential fields
//! are written only for those who may read them. Records are read page by
//! page, in id order, so an export of any size runs in constant memory.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::ExprTrait;
use sea_orm::{DatabaseTransaction, IdenStatic, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::external_ids;
use super::rows::{
    AffiliationRow, CampaignRow, DefenderRow, EventRow, LinkRow, OrganisationRow, OtherNameRow, RatingRow, RecordKind,
    RestrictionRow, Row, SentenceRow, SourceRow,
};
use crate::error::AppResult;
use crate::ids::{GlobalId, NodeType};
use crate::service::Viewer;
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::defenders::edits::{DefenderDraft, confidential_access};
use crate::service::organisations::edits::OrganisationDraft;
use crate::service::query::records::{RecordEntity, RecordModel, visible_by_id};
use crate::service::ratings::edits::RatingDraft;
use crate::service::restrictions::edits::RestrictionDraft;
use crate::service::sources::edits::SourceDraft;
use crate::service::write::editing::Draft;

/// A page of exported rows and the id to continue after, if there may be more.
pub struct Page {
    pub rows: Vec<Row>,
    pub next: Option<Uuid>,
}

/// Which records of a kind to export.
#[derive(Clone, Copy, Debug)]
pub enum Selection<'a> {
    /// A page in id order: at most `limit` records after `after`.
    Page { after: Option<Uuid>, limit: u64 },
    /// These records (those the viewer may see), in id order.
    Ids(&'a [Uuid]),
}

/// The visible records of `E` a selection names, in id order.
async fn records<E>(db: &DatabaseTransaction, viewer: &Viewer, selection: Selection<'_>) -> AppResult<Vec<E::Model>>
where
    E: RecordEntity + IdenStatic,
{
    let mut query = E::find().filter(viewer.can_see(E::default()));
    match selection {
        Selection::Page { after, limit } => {
            if let Some(after) = after {
                query = query.filter(E::column("id").gt(after));
            }
            query = query.limit(limit);
        }
        Selection::Ids(ids) => query = query.filter(E::column("id").is_in(ids.iter().copied())),
    }
    Ok(query.order_by_asc(E::column("id")).all(db).await?)
}

/// How the viewer's export names records: by the viewer's external
/// identifier where it has one, else by global id.
pub struct Names {
    external: HashMap<Uuid, String>,
    node_type: NodeType,
}

impl Names {
    pub async fn of(db: &DatabaseTransaction, viewer: &Viewer, kind: RecordKind, ids: &[Uuid]) -> AppResult<Names> {
        let node_type = kind.node_type();
        let external = match viewer.organisation() {
            Some(organisation) => external_ids::of_records(db, organisation, kind.table(), ids).await?,
            None => HashMap::new(),
        };
        Ok(Names { external, node_type })
    }

    pub fn name(&self, id: Uuid) -> String {
        self.external.get(&id).cloned().unwrap_or_else(|| self.global(id))
    }

    fn global(&self, id: Uuid) -> String {
        GlobalId::encode_uuid(self.node_type, id).0
    }
}

/// One page of a kind's export. The statements it makes are fixed by the
/// kind, not by the size of the page: every record's children are read
/// for the whole page at once (`Draft::load_all`).
pub async fn page(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    kind: RecordKind,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Page> {
    let (rows, ids) = rows(db, viewer, kind, Selection::Page { after, limit }).await?;
    let full = ids.len() as u64 == limit;
    Ok(Page { rows, next: if full { ids.last().copied() } else { None } })
}

/// The rows of the records of a kind a selection names, with their ids, in
/// id order; in statements fixed by the kind.
pub async fn rows(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    kind: RecordKind,
    selection: Selection<'_>,
) -> AppResult<(Vec<Row>, Vec<Uuid>)> {
    Ok(match kind {
        RecordKind::Organisation => page_of::<OrganisationDraft>(db, viewer, kind, selection, organisation_row).await?,
        RecordKind::Source => page_of::<SourceDraft>(db, viewer, kind, selection, source_row).await?,
        RecordKind::Restriction => page_of::<RestrictionDraft>(db, viewer, kind, selection, restriction_row).await?,
        RecordKind::Campaign => {
            let (ids, drafts) = drafts::<CampaignDraft>(db, viewer, selection).await?;
            // Links to what the viewer may not see are left out.
            let drafts = CampaignDraft::all_seen_by(db, viewer, drafts).await?;
            (campaign_rows(db, viewer, &ids, drafts).await?, ids)
        }
        RecordKind::Defender => {
            let (ids, drafts) = drafts::<DefenderDraft>(db, viewer, selection).await?;
            (defender_rows(db, viewer, &ids, drafts).await?, ids)
        }
        RecordKind::CountryRating => {
            let (ids, drafts) = drafts::<RatingDraft>(db, viewer, selection).await?;
            // Links to what the viewer may not see are left out.
            let drafts = RatingDraft::all_seen_by(db, viewer, drafts).await?;
            (rating_rows(db, viewer, &ids, drafts).await?, ids)
        }
    })
}

/// The ids and stored drafts of the visible records of a kind a selection names.
async fn drafts<D: Draft>(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    selection: Selection<'_>,
) -> AppResult<(Vec<Uuid>, Vec<D>)>
where
    D::Entity: RecordEntity + IdenStatic,
{
    let found = records::<D::Entity>(db, viewer, selection).await?;
    let ids = found.iter().map(|record| record.id()).collect();
    Ok((ids, D::load_all(db, &found).await?))
}

/// A page of a kind whose rows name no other records.
async fn page_of<D: Draft>(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    kind: RecordKind,
    selection: Selection<'_>,
    row: fn(&Names, Uuid, D) -> Row,
) -> AppResult<(Vec<Row>, Vec<Uuid>)>
where
    D::Entity: RecordEntity + IdenStatic,
{
    let (ids, drafts) = drafts::<D>(db, viewer, selection).await?;
    let names = Names::of(db, viewer, kind, &ids).await?;
    let rows = ids.iter().zip(drafts).map(|(id, draft)| row(&names, *id, draft)).collect();
    Ok((rows, ids))
}

fn organisation_row(names: &Names, id: Uuid, draft: OrganisationDraft) -> Row {
    Row::Organisation(OrganisationRow {
        external_id: names.name(id),
        id: Some(names.global(id)),
        name: draft.name,
        acronym: Some(draft.acronym),
        kind: Some(draft.kind),
        country_code: Some(draft.country_code),
        website: Some(draft.website),
        summary: Some(draft.summary),
        visibility: Some(draft.visibility),
    })
}

fn source_row(names: &Names, id: Uuid, draft: SourceDraft) -> Row {
    Row::Source(SourceRow {
        external_id: names.name(id),
        id: Some(names.global(id)),
        title: draft.title,
        url: Some(draft.url),
        publisher: Some(draft.publisher),
        published_on: Some(draft.published_on),
        visibility: Some(draft.visibility),
    })
}

fn restriction_row(names: &Names, id: Uuid, draft: RestrictionDraft) -> Row {
    Row::Restriction(RestrictionRow {
        external_id: names.name(id),
        id: Some(names.global(id)),
        title: draft.title,
        reference: Some(draft.reference),
        kind: Some(draft.kind),
        status: Some(draft.status),
        country_code: draft.country_code,
        subdivision_code: Some(draft.subdivision_code),
        introduced_on: Some(draft.introduced_on),
        decided_on: Some(draft.decided_on),
        summary: Some(draft.summary),
        rights: Some(draft.rights),
        visibility: Some(draft.visibility),
    })
}

/// Campaign rows, naming their subjects and lead as the viewer names them.
async fn campaign_rows(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    ids: &[Uuid],
    drafts: Vec<CampaignDraft>,
) -> AppResult<Vec<Row>> {
    let linked = |of: fn(&CampaignDraft) -> Vec<Uuid>| drafts.iter().flat_map(of).collect::<Vec<_>>();
    let names = Names::of(db, viewer, RecordKind::Campaign, ids).await?;
    let defenders = Names::of(db, viewer, RecordKind::Defender, &linked(|d| d.defender_ids.clone())).await?;
    let restrictions = Names::of(db, viewer, RecordKind::Restriction, &linked(|d| d.restriction_ids.clone())).await?;
    let leads =
        Names::of(db, viewer, RecordKind::Organisation, &linked(|d| d.lead_organisation_id.into_iter().collect()))
            .await?;
    Ok(ids
        .iter()
        .zip(drafts)
        .map(|(id, draft)| {
            Row::Campaign(Box::new(CampaignRow {
                external_id: names.name(*id),
                id: Some(names.global(*id)),
                title: draft.title,
                kind: Some(draft.kind),
                status: Some(draft.status),
                lead_organisation_id: Some(draft.lead_organisation_id.map(|lead| leads.name(lead))),
                started_on: Some(draft.started_on),
                ended_on: Some(draft.ended_on),
                summary: Some(draft.summary),
                outcome: Some(draft.outcome),
                outcome_summary: Some(draft.outcome_summary),
                visibility: Some(draft.visibility),
                defender_ids: Some(draft.defender_ids.iter().map(|d| defenders.name(*d)).collect()),
                restriction_ids: Some(draft.restriction_ids.iter().map(|r| restrictions.name(*r)).collect()),
                areas: Some(draft.areas),
            }))
        })
        .collect())
}

/// Rating rows, naming the rating organisation and source as the viewer
/// names them.
async fn rating_rows(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    ids: &[Uuid],
    drafts: Vec<RatingDraft>,
) -> AppResult<Vec<Row>> {
    let names = Names::of(db, viewer, RecordKind::CountryRating, ids).await?;
    let organisations: Vec<Uuid> = drafts.iter().filter_map(|d| d.organisation_id).collect();
    let organisations = Names::of(db, viewer, RecordKind::Organisation, &organisations).await?;
    let sources: Vec<Uuid> = drafts.iter().filter_map(|d| d.source_id).collect();
    let sources = Names::of(db, viewer, RecordKind::Source, &sources).await?;
    Ok(ids
        .iter()
        .zip(drafts)
        .map(|(id, draft)| {
            Row::CountryRating(RatingRow {
                external_id: names.name(*id),
                id: Some(names.global(*id)),
                country_code: draft.country_code,
                rating: draft.rating,
                rated_on: draft.rated_on,
                organisation_id: Some(draft.organisation_id.map(|o| organisations.name(o))),
                source_id: Some(draft.source_id.map(|s| sources.name(s))),
                note: Some(draft.note),
                visibility: Some(draft.visibility),
            })
        })
        .collect())
}

/// Defender rows, with links only to what the viewer may see and
/// confidential fields only where the viewer may read them.
async fn defender_rows(
    db: &DatabaseTransaction,
    viewer: &Viewer,
    ids: &[Uuid],
    drafts: Vec<DefenderDraft>,
) -> AppResult<Vec<Row>> {
    let confidential = confidential_access(db, viewer, ids).await?;
    let restriction_ids: Vec<Uuid> = drafts
        .iter()
        .flat_map(|d| {
            d.case.links.iter().map(|l| l.restriction_id).chain(d.case.events.iter().filter_map(|e| e.restriction_id))
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let organisation_ids: Vec<Uuid> = drafts
        .iter()
        .flat_map(|d| d.case.affiliations.iter().map(|a| a.organisation_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let visible_restrictions = visible_by_id::<entity::restriction::Entity, _>(db, viewer, &restriction_ids).await?;
    let visible_organisations = visible_by_id::<entity::organisation::Entity, _>(db, viewer, &organisation_ids).await?;
    let restriction_names = Names::of(db, viewer, RecordKind::Restriction, &restriction_ids).await?;
    let organisation_names = Names::of(db, viewer, RecordKind::Organisation, &organisation_ids).await?;
    let names = Names::of(db, viewer, RecordKind::Defender, ids).await?;
    let visible_restriction = |id: &Uuid| visible_restrictions.contains_key(id);
    Ok(ids
        .iter()
        .zip(drafts)
        .map(|(id, draft)| {
            let secret = |value: Option<String>| confidential.get(id).copied().unwrap_or(false).then_some(value);
            Row::Defender(Box::new(DefenderRow {
                external_id: names.name(*id),
                id: Some(names.global(*id)),
                name: draft.name,
                other_names: Some(
                    draft
                        .other_names
                        .into_iter()
                        .map(|o| OtherNameRow { name: o.name, kind: o.kind, language: o.language })
                        .collect(),
                ),
                country_code: draft.country_code,
                subdivision_code: Some(draft.subdivision_code),
                occupation: Some(draft.occupation),
                summary: Some(draft.summary),
                status: Some(draft.status),
                sectors: Some(draft.sectors),
                visibility: Some(draft.visibility),
                consent: Some(draft.consent),
                exact_location: secret(draft.exact_location),
                contact_details: secret(draft.contact_details),
                safety_notes: secret(draft.safety_notes),
                events: Some(
                    draft
                        .case
                        .events
                        .into_iter()
                        .map(|e| EventRow {
                            kind: e.kind,
                            occurred_on: e.occurred_on,
                            description: e.description,
                            perpetrator_type: e.perpetrator_type,
                            sentence: (e.sentence_months.is_some() || e.sentence_life)
                                .then_some(SentenceRow { months: e.sentence_months, life: e.sentence_life }),
                            restriction_id: e
                                .restriction_id
                                .filter(visible_restriction)
                                .map(|r| restriction_names.name(r)),
                        })
                        .collect(),
                ),
                affiliations: Some(
                    draft
                        .case
                        .affiliations
                        .into_iter()
                        .filter(|a| visible_organisations.contains_key(&a.organisation_id))
                        .map(|a| AffiliationRow {
                            organisation_id: organisation_names.name(a.organisation_id),
                            role: a.role,
                            started_on: a.started_on,
                            ended_on: a.ended_on,
                        })
                        .collect(),
                ),
                restriction_links: Some(
                    draft
                        .case
                        .links
                        .into_iter()
                        .filter(|l| visible_restriction(&l.restriction_id))
                        .map(|l| LinkRow {
                            restriction_id: restriction_names.name(l.restriction_id),
                            relation: l.relation,
                            note: l.note,
                        })
                        .collect(),
                ),
            }))
        })
        .collect())
}
