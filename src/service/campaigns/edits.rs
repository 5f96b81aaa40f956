//! Campaign drafts: what a write of a campaign checks and stores, with its
//! subjects (defenders, restrictions, countries and subdivisions). `editing`
//! does the rest.

use std::collections::{BTreeSet, HashMap};

use entity::{
    CampaignKind, CampaignOutcome, CampaignStatus, PartialDate, Visibility, campaign, campaign_area, campaign_defender,
    campaign_restriction,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{self, Audited, Change, Class};
use crate::service::query::records::{RecordEntity, visible_by_id};
use crate::service::text::sort_key;
use crate::service::write::editing::{Draft, name, text};
use crate::service::{Viewer, codes};

/// Every editable field of a campaign.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDraft {
    pub title: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub lead_organisation_id: Option<Uuid>,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub summary: Option<String>,
    pub outcome: Option<CampaignOutcome>,
    pub outcome_summary: Option<String>,
    pub visibility: Visibility,
    pub defender_ids: Vec<Uuid>,
    pub restriction_ids: Vec<Uuid>,
    /// ISO 3166-1 country codes and ISO 3166-2 subdivision codes it targets.
    pub areas: Vec<String>,
}

/// Refuses subjects the caller cannot see, with the same words whether they
/// are hidden or do not exist.
async fn check_visible<E, C>(db: &C, viewer: &Viewer, argument: &str, what: &str, ids: &[Uuid]) -> AppResult<()>
where
    E: RecordEntity + sea_orm::IdenStatic,
    C: ConnectionTrait,
{
    let found = visible_by_id::<E, _>(db, viewer, ids).await?;
    if let Some((i, id)) = ids.iter().enumerate().find(|(_, id)| !found.contains_key(id)) {
        return Err(AppError::bad_input(format!("{argument}[{i}]"), format!("no {what} you can see has the id {id}")));
    }
    Ok(())
}

impl Draft for CampaignDraft {
    type Entity = campaign::Entity;

    fn stated_facts(&self) -> Vec<crate::service::statements::Fact> {
        crate::service::statements::Stated::facts(self)
    }

    fn validated(mut self) -> AppResult<Self> {
        self.title = name("title", &self.title)?;
        self.summary = text("summary", self.summary.take(), 20_000)?;
        self.outcome_summary = text("outcomeSummary", self.outcome_summary.take(), 20_000)?;
        if let (Some(started), Some(ended)) = (&self.started_on, &self.ended_on) {
            let n = started.as_str().len().min(ended.as_str().len());
            if ended.as_str()[..n] < started.as_str()[..n] {
                return Err(AppError::bad_input("endedOn", format!("{ended} is before the start, {started}")));
            }
        }
        let mut areas = BTreeSet::new();
        for (i, code) in self.areas.iter().enumerate() {
            let argument = format!("areas[{i}]");
            let code = if code.contains('-') {
                codes::subdivision_code(&argument, code)?
            } else {
                codes::country_code(&argument, code)?
            };
            areas.insert(code);
        }
        // As stored: a country counts in itself only when none of its
        // subdivisions is listed, so that an unchanged list compares equal.
        let subdivided: BTreeSet<String> =
            areas.iter().filter_map(|code| code.split_once('-').map(|(country, _)| country.to_owned())).collect();
        self.areas = areas.into_iter().filter(|code| code.contains('-') || !subdivided.contains(code)).collect();
        for ids in [&mut self.defender_ids, &mut self.restriction_ids] {
            let unique: BTreeSet<Uuid> = ids.iter().copied().collect();
            *ids = unique.into_iter().collect();
        }
        Ok(self)
    }

    /// Without links to records the viewer may not see.
    fn restore_unseen(&mut self, stored: &Self, seen: &Self) {
        if self.lead_organisation_id.is_none() && seen.lead_organisation_id.is_none() {
            self.lead_organisation_id = stored.lead_organisation_id;
        }
        let restore = |mine: &mut Vec<Uuid>, stored: &[Uuid], seen: &[Uuid]| {
            let withheld: Vec<Uuid> =
                stored.iter().copied().filter(|id| !seen.contains(id) && !mine.contains(id)).collect();
            mine.extend(withheld);
            mine.sort();
        };
        restore(&mut self.defender_ids, &stored.defender_ids, &seen.defender_ids);
        restore(&mut self.restriction_ids, &stored.restriction_ids, &seen.restriction_ids);
    }

    async fn seen_by(self, db: &DatabaseTransaction, viewer: &Viewer, _confidential: bool) -> AppResult<Self> {
        let mut drafts = CampaignDraft::all_seen_by(db, viewer, vec![self]).await?;
        drafts.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no campaign draft")))
    }

    /// Checks that the caller can see every subject it links. Subjects
    /// already linked in `before` are not checked again: an editor with an
    /// edit share may keep links to records only the owner can see, and must
    /// not learn of them from an error.
    async fn checked(self, db: &DatabaseTransaction, viewer: &Viewer, before: Option<&Self>) -> AppResult<Self> {
        let added = |ids: &[Uuid], old: fn(&CampaignDraft) -> &Vec<Uuid>| -> Vec<Uuid> {
            ids.iter().copied().filter(|id| before.is_none_or(|before| !old(before).contains(id))).collect()
        };
        let new_defenders = added(&self.defender_ids, |d| &d.defender_ids);
        let new_restrictions = added(&self.restriction_ids, |d| &d.restriction_ids);
        check_visible::<entity::defender::Entity, _>(db, viewer, "defenderIds", "defender", &new_defenders).await?;
        check_visible::<entity::restriction::Entity, _>(db, viewer, "restrictionIds", "restriction", &new_restrictions)
            .await?;
        if let Some(lead) =
            self.lead_organisation_id.filter(|lead| before.is_none_or(|b| b.lead_organisation_id != Some(*lead)))
        {
            check_visible::<entity::organisation::Entity, _>(db, viewer, "leadOrganisationId", "organisation", &[lead])
                .await
                .map_err(|_| {
                    AppError::bad_input("leadOrganisationId", format!("no organisation you can see has the id {lead}"))
                })?;
        }
        Ok(self)
    }

    fn changes_from(&self, old: &CampaignDraft) -> Vec<Change> {
        [
            Change::of("title", &old.title, &self.title, Class::PLAIN),
            Change::of("kind", &old.kind, &self.kind, Class::PLAIN),
            Change::of("status", &old.status, &self.status, Class::PLAIN),
            Change::of(
                "leadOrganisationId",
                &old.lead_organisation_id,
                &self.lead_organisation_id,
                Class::refers_to(Audited::Organisation),
            ),
            Change::of("startedOn", &old.started_on, &self.started_on, Class::PLAIN),
            Change::of("endedOn", &old.ended_on, &self.ended_on, Class::PLAIN),
            Change::of("summary", &old.summary, &self.summary, Class::PLAIN),
            Change::of("outcome", &old.outcome, &self.outcome, Class::PLAIN),
            Change::of("outcomeSummary", &old.outcome_summary, &self.outcome_summary, Class::PLAIN),
            Change::of("visibility", &old.visibility, &self.visibility, Class::PLAIN),
            Change::of("defenderIds", &old.defender_ids, &self.defender_ids, Class::refers_to(Audited::Defender)),
            Change::of(
                "restrictionIds",
                &old.restriction_ids,
                &self.restriction_ids,
                Class::refers_to(Audited::Restriction),
            ),
            Change::of("areas", &old.areas, &self.areas, Class::PLAIN),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn created_changes(&self) -> Vec<Change> {
        audit::created(
            self,
            &[
                ("leadOrganisationId", Class::refers_to(Audited::Organisation)),
                ("defenderIds", Class::refers_to(Audited::Defender)),
                ("restrictionIds", Class::refers_to(Audited::Restriction)),
            ],
        )
    }

    async fn load_all(db: &DatabaseTransaction, records: &[campaign::Model]) -> AppResult<Vec<Self>> {
        drafts_of(db, records).await
    }

    async fn write_children(&self, db: &DatabaseTransaction, id: Uuid, _old: Option<&Self>) -> AppResult<()> {
        write_subjects(db, id, self).await
    }

    fn apply_to(&self, record: &mut campaign::ActiveModel) {
        record.title = Set(self.title.clone());
        record.sort_key = Set(sort_key(&self.title));
        record.kind = Set(self.kind);
        record.status = Set(self.status);
        record.lead_organisation_id = Set(self.lead_organisation_id);
        record.started_on = Set(self.started_on.clone());
        record.ended_on = Set(self.ended_on.clone());
        record.summary = Set(self.summary.clone());
        record.outcome = Set(self.outcome);
        record.outcome_summary = Set(self.outcome_summary.clone());
        record.visibility = Set(self.visibility);
    }
}

async fn write_subjects<C: ConnectionTrait>(db: &C, id: Uuid, draft: &CampaignDraft) -> AppResult<()> {
    campaign_defender::Entity::delete_many().filter(campaign_defender::Column::CampaignId.eq(id)).exec(db).await?;
    campaign_restriction::Entity::delete_many()
        .filter(campaign_restriction::Column::CampaignId.eq(id))
        .exec(db)
        .await?;
    campaign_area::Entity::delete_many().filter(campaign_area::Column::CampaignId.eq(id)).exec(db).await?;
    if !draft.defender_ids.is_empty() {
        campaign_defender::Entity::insert_many(
            draft
                .defender_ids
                .iter()
                .map(|defender| campaign_defender::ActiveModel { campaign_id: Set(id), defender_id: Set(*defender) }),
        )
        .exec(db)
        .await?;
    }
    if !draft.restriction_ids.is_empty() {
        campaign_restriction::Entity::insert_many(draft.restriction_ids.iter().map(|restriction| {
            campaign_restriction::ActiveModel { campaign_id: Set(id), restriction_id: Set(*restriction) }
        }))
        .exec(db)
        .await?;
    }
    // One row per targeted country (targeting a subdivision targets its
    // country too), and one per targeted subdivision.
    let mut rows: BTreeSet<(String, Option<String>)> = BTreeSet::new();
    for code in &draft.areas {
        match code.split_once('-') {
            Some((country, _)) => {
                rows.insert((country.to_owned(), None));
                rows.insert((country.to_owned(), Some(code.clone())));
            }
            None => {
                rows.insert((code.clone(), None));
            }
        }
    }
    if !rows.is_empty() {
        campaign_area::Entity::insert_many(rows.into_iter().map(|(country, subdivision)| campaign_area::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(id),
            country_code: Set(country),
            subdivision_code: Set(subdivision),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The stored state of a campaign.
impl CampaignDraft {
    /// Drafts as the viewer knows them (`Draft::seen_by`), in three
    /// statements however many drafts there are: one per kind of subject.
    pub async fn all_seen_by(
        db: &DatabaseTransaction,
        viewer: &Viewer,
        mut drafts: Vec<CampaignDraft>,
    ) -> AppResult<Vec<CampaignDraft>> {
        let linked = |of: fn(&CampaignDraft) -> Vec<Uuid>| drafts.iter().flat_map(of).collect::<Vec<Uuid>>();
        let defenders =
            visible_by_id::<entity::defender::Entity, _>(db, viewer, &linked(|d| d.defender_ids.clone())).await?;
        let restrictions =
            visible_by_id::<entity::restriction::Entity, _>(db, viewer, &linked(|d| d.restriction_ids.clone())).await?;
        let leads = linked(|d| d.lead_organisation_id.into_iter().collect());
        let leads = visible_by_id::<entity::organisation::Entity, _>(db, viewer, &leads).await?;
        for draft in &mut drafts {
            draft.defender_ids.retain(|id| defenders.contains_key(id));
            draft.restriction_ids.retain(|id| restrictions.contains_key(id));
            draft.lead_organisation_id = draft.lead_organisation_id.filter(|id| leads.contains_key(id));
        }
        Ok(drafts)
    }
}

/// The stored drafts of `records`, in their order: one statement per kind
/// of subject, however many records.
async fn drafts_of<C: ConnectionTrait>(db: &C, records: &[campaign::Model]) -> AppResult<Vec<CampaignDraft>> {
    let ids: Vec<Uuid> = records.iter().map(|record| record.id).collect();
    let mut defender_ids: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in campaign_defender::Entity::find()
        .filter(campaign_defender::Column::CampaignId.is_in(ids.iter().copied()))
        .order_by_asc(campaign_defender::Column::DefenderId)
        .all(db)
        .await?
    {
        defender_ids.entry(row.campaign_id).or_default().push(row.defender_id);
    }
    let mut restriction_ids: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in campaign_restriction::Entity::find()
        .filter(campaign_restriction::Column::CampaignId.is_in(ids.iter().copied()))
        .order_by_asc(campaign_restriction::Column::RestrictionId)
        .all(db)
        .await?
    {
        restriction_ids.entry(row.campaign_id).or_default().push(row.restriction_id);
    }
    let mut area_rows: HashMap<Uuid, Vec<campaign_area::Model>> = HashMap::new();
    for row in campaign_area::Entity::find()
        .filter(campaign_area::Column::CampaignId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        area_rows.entry(row.campaign_id).or_default().push(row);
    }
    Ok(records
        .iter()
        .map(|record| CampaignDraft {
            title: record.title.clone(),
            kind: record.kind,
            status: record.status,
            lead_organisation_id: record.lead_organisation_id,
            started_on: record.started_on.clone(),
            ended_on: record.ended_on.clone(),
            summary: record.summary.clone(),
            outcome: record.outcome,
            outcome_summary: record.outcome_summary.clone(),
            visibility: record.visibility,
            defender_ids: defender_ids.remove(&record.id).unwrap_or_default(),
            restriction_ids: restriction_ids.remove(&record.id).unwrap_or_default(),
            areas: areas_of(&area_rows.remove(&record.id).unwrap_or_default()),
        })
        .collect())
}

/// The codes a campaign targets. A country counts as targeted in itself only
/// if none of its subdivisions is listed.
fn areas_of(area_rows: &[campaign_area::Model]) -> Vec<String> {
    let subdivisions: BTreeSet<String> = area_rows.iter().filter_map(|row| row.subdivision_code.clone()).collect();
    let mut areas: BTreeSet<String> = subdivisions.clone();
    for row in area_rows {
        if row.subdivision_code.is_none()
            && !subdivisions.iter().any(|s| s.starts_with(&format!("{}-", row.country_code)))
        {
            areas.insert(row.country_code.clone());
        }
    }
    areas.into_iter().collect()
}
