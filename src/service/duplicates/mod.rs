//! Candidate duplicates: records of the same person or organisation entered
//! by different partners (or twice by one). Names are filed under keys that
//! survive spelling differences (see `names`); records sharing a key are
//! scored on their names, other names and other evidence. Only records the
//! viewer may see are ever compared or shown, and pairs an organisation
//! judged different are not proposed again.

pub mod merges;
pub mod names;

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{Verdict, defender, defender_name, duplicate_judgement, match_key, organisation};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, Order, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::query::records::visible_by_id;
use crate::service::write::editing;
use crate::service::{Viewer, codes};

/// The kinds of record that can be duplicates of each other, and merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mergeable {
    Defender,
    Organisation,
}

impl Mergeable {
    pub fn table(self) -> &'static str {
        match self {
            Mergeable::Defender => "defender",
            Mergeable::Organisation => "organisation",
        }
    }

    /// The same kind, as the audit log names it.
    pub fn audited(self) -> crate::service::audit::Audited {
        match self {
            Mergeable::Defender => crate::service::audit::Audited::Defender,
            Mergeable::Organisation => crate::service::audit::Audited::Organisation,
        }
    }
}

/// Files a record's names under their keys, replacing what was filed
/// (`replace` is false for a record that has nothing filed yet).
pub async fn file_names<C: ConnectionTrait>(
    db: &C,
    kind: Mergeable,
    id: Uuid,
    all_names: &[&str],
    replace: bool,
) -> AppResult<()> {
    if replace {
        match_key::Entity::delete_many()
            .filter(match_key::Column::RecordType.eq(kind.table()))
            .filter(match_key::Column::RecordId.eq(id))
            .exec(db)
            .await?;
    }
    file_new_names(db, kind, &[(id, all_names.to_vec())]).await
}

/// Files the names of records that have nothing filed yet (records just
/// created), each with all its names, in a few statements for all.
pub async fn file_new_names<C: ConnectionTrait>(
    db: &C,
    kind: Mergeable,
    records: &[(Uuid, Vec<&str>)],
) -> AppResult<()> {
    let names = records.iter().map(|(id, names)| (*id, names.iter().map(|name| (*name).to_owned()).collect()));
    file_many(db, kind, names.collect()).await
}

/// Files a record's names as stored, replacing what was filed for it.
pub async fn refile<C: ConnectionTrait>(db: &C, kind: Mergeable, id: Uuid, replace: bool) -> AppResult<()> {
    let names: Vec<String> = match kind {
        Mergeable::Defender => {
            let Some(record) = defender::Entity::find_by_id(id).one(db).await? else { return Ok(()) };
            let others = defender_name::Entity::find().filter(defender_name::Column::DefenderId.eq(id)).all(db).await?;
            std::iter::once(record.name).chain(others.into_iter().map(|other| other.name)).collect()
        }
        Mergeable::Organisation => {
            let Some(record) = organisation::Entity::find_by_id(id).one(db).await? else { return Ok(()) };
            std::iter::once(record.name).chain(record.acronym).collect()
        }
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    file_names(db, kind, id, &names, replace).await
}

/// Records whose names are filed per batch by [`file_missing`].
const FILE_BATCH: usize = 500;

/// Files the names of records written before keys existed, or loaded
/// without them (the sample data, synthetic data), in batches. Runs at
/// start; does nothing when all are filed.
pub async fn file_missing<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    // NOT EXISTS, not NOT IN: PostgreSQL cannot hash a NOT IN subquery larger
    // than its work memory and then compares every record with every key.
    let unfiled = |kind: Mergeable| {
        let table = sea_orm::sea_query::Alias::new(kind.table());
        let filed = Query::select()
            .expr(Expr::val(1))
            .from(match_key::Entity)
            .and_where(Expr::col((match_key::Entity, match_key::Column::RecordType)).eq(kind.table()))
            .and_where(Expr::col((match_key::Entity, match_key::Column::RecordId)).equals((table, "id")))
            .take();
        Expr::exists(filed).not()
    };
    let mut filed = 0;
    let defenders: Vec<Uuid> = defender::Entity::find()
        .select_only()
        .column(defender::Column::Id)
        .filter(unfiled(Mergeable::Defender))
        .into_tuple()
        .all(db)
        .await?;
    for chunk in defenders.chunks(FILE_BATCH) {
        let mut names: HashMap<Uuid, Vec<String>> = HashMap::new();
        for record in defender::Entity::find().filter(defender::Column::Id.is_in(chunk.iter().copied())).all(db).await?
        {
            names.entry(record.id).or_default().push(record.name);
        }
        for other in defender_name::Entity::find()
            .filter(defender_name::Column::DefenderId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            names.entry(other.defender_id).or_default().push(other.name);
        }
        file_many(db, Mergeable::Defender, names).await?;
        filed += chunk.len() as u64;
    }
    let organisations: Vec<Uuid> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .filter(unfiled(Mergeable::Organisation))
        .into_tuple()
        .all(db)
        .await?;
    for chunk in organisations.chunks(FILE_BATCH) {
        let names = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|record| (record.id, std::iter::once(record.name).chain(record.acronym).collect()))
            .collect();
        file_many(db, Mergeable::Organisation, names).await?;
        filed += chunk.len() as u64;
    }
    Ok(filed)
}

/// Files the keys of many records' names, in statements of a few thousand rows.
pub(crate) async fn file_many<C: ConnectionTrait>(
    db: &C,
    kind: Mergeable,
    names: HashMap<Uuid, Vec<String>>,
) -> AppResult<()> {
    let mut rows = Vec::new();
    for (id, names) in names {
        let keys: HashSet<String> = names
            .iter()
            .flat_map(|name| names::keys(name).into_iter().chain(names::word_keys(name)))
            .filter(|key| key.len() <= 200)
            .collect();
        rows.extend(keys.into_iter().map(|key| match_key::ActiveModel {
            record_type: Set(kind.table().to_owned()),
            key: Set(key),
            record_id: Set(id),
        }));
    }
    crate::service::write::insert_rows(db, rows).await
}

/// A pair of records that may describe the same person or organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub first: Uuid,
    pub second: Uuid,
    /// From 0 (surely different) to 1 (surely the same).
    pub score: f64,
    /// The evidence, strongest first.
    pub reasons: Vec<String>,
    /// The viewer's organisation's judgement of the pair, if it gave one.
    pub judgement: Option<Verdict>,
}

/// What is compared of a record.
struct Profile {
    names: Vec<String>,
    country: Option<String>,
    subdivision: Option<String>,
    occupation: Option<String>,
    website: Option<String>,
}

async fn profiles<C: ConnectionTrait>(db: &C, kind: Mergeable, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Profile>> {
    let mut profiles = HashMap::new();
    match kind {
        Mergeable::Defender => {
            let mut others: HashMap<Uuid, Vec<String>> = HashMap::new();
            for other in defender_name::Entity::find()
                .filter(defender_name::Column::DefenderId.is_in(ids.iter().copied()))
                .all(db)
                .await?
            {
                others.entry(other.defender_id).or_default().push(other.name);
            }
            for record in
                defender::Entity::find().filter(defender::Column::Id.is_in(ids.iter().copied())).all(db).await?
            {
                let mut names = vec![record.name];
                names.extend(others.remove(&record.id).unwrap_or_default());
                profiles.insert(
                    record.id,
                    Profile {
                        names,
                        country: Some(record.country_code),
                        subdivision: record.subdivision_code,
                        occupation: record.occupation,
                        website: None,
                    },
                );
            }
        }
        Mergeable::Organisation => {
            for record in
                organisation::Entity::find().filter(organisation::Column::Id.is_in(ids.iter().copied())).all(db).await?
            {
                let mut names = vec![record.name];
                names.extend(record.acronym);
                profiles.insert(
                    record.id,
                    Profile {
                        names,
                        country: record.country_code,
                        subdivision: None,
                        occupation: None,
                        website: record.website.and_then(|w| url::Url::parse(&w).ok()?.host_str().map(str::to_owned)),
                    },
                );
            }
        }
    }
    Ok(profiles)
}

/// Scores a pair on its evidence.
fn score(a: &Profile, b: &Profile) -> (f64, Vec<String>) {
    let mut best = (0.0, String::new());
    for (i, name_a) in a.names.iter().enumerate() {
        for (j, name_b) in b.names.iter().enumerate() {
            let (similarity, mut reason) = names::compare(name_a, name_b);
            if i > 0 || j > 0 {
                reason = format!("{reason}, through another name");
            }
            if similarity > best.0 {
                best = (similarity, reason);
            }
        }
    }
    let mut score = 0.7 * best.0;
    let mut reasons = vec![best.1];
    match (&a.country, &b.country) {
        (Some(x), Some(y)) if x == y => {
            score += 0.2;
            reasons.push(format!("same country ({})", codes::country_name(x)));
        }
        (Some(x), Some(y)) => {
            score -= 0.25;
            reasons.push(format!("different countries ({} / {})", codes::country_name(x), codes::country_name(y)));
        }
        _ => {}
    }
    if a.subdivision.is_some() && a.subdivision == b.subdivision {
        score += 0.05;
        reasons.push("same subdivision".into());
    }
    let fold = |text: &Option<String>| text.as_deref().map(names::tokens);
    if a.occupation.is_some() && fold(&a.occupation) == fold(&b.occupation) {
        score += 0.05;
        reasons.push("same occupation".into());
    }
    if a.website.is_some() && a.website == b.website {
        score += 0.3;
        reasons.push("same website".into());
    }
    ((score.clamp(0.0, 1.0) * 100.0).round() / 100.0, reasons)
}

/// At most this many pairs sharing a key are scored per request.
const MAX_PAIRS: u64 = 5_000;

/// Scored candidate pairs the viewer may see, best first. With `record`,
/// only the candidates of that record (which must be visible).
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: Mergeable,
    record: Option<Uuid>,
    min_score: f64,
    limit: usize,
) -> AppResult<Vec<Candidate>> {
    let Some(organisation) = viewer.organisation() else {
        return Err(AppError::Unauthenticated(
            "Duplicate candidates are for partner organisations: send an API key".into(),
        ));
    };
    if let Some(id) = record {
        visible(db, viewer, kind, &[id]).await?;
    }
    let mut query = Query::select();
    query
        .expr_as(Expr::col(("a", "record_id")), "first_id")
        .expr_as(Expr::col(("b", "record_id")), "second_id")
        .from_as(match_key::Entity, "a")
        .join_as(
            JoinType::InnerJoin,
            match_key::Entity,
            "b",
            Expr::col(("b", "record_type"))
                .equals(("a", "record_type"))
                .and(Expr::col(("b", "key")).equals(("a", "key")))
                .and(Expr::col(("a", "record_id")).lt(Expr::col(("b", "record_id")))),
        )
        .and_where(Expr::col(("a", "record_type")).eq(kind.table()))
        // Sharing one word is no reason to compare two records.
        .and_where(Expr::col(("a", "key")).not_like(format!("{}%", names::WORD_KEY_PREFIX)))
        // Visibility before the limit: hidden records must not take places
        // among the pairs scored, or visible pairs would drop out of sight.
        .and_where(Expr::col(("a", "record_id")).in_subquery(visible_subquery(viewer, kind)))
        .and_where(Expr::col(("b", "record_id")).in_subquery(visible_subquery(viewer, kind)))
        .group_by_col(("a", "record_id"))
        .group_by_col(("b", "record_id"))
        .order_by(("a", "record_id"), Order::Asc)
        .limit(MAX_PAIRS);
    if let Some(id) = record {
        query.and_where(Expr::col(("a", "record_id")).eq(id).or(Expr::col(("b", "record_id")).eq(id)));
    }
    let mut pairs = Vec::new();
    for row in db.query_all(&query).await? {
        pairs.push((row.try_get::<Uuid>("", "first_id")?, row.try_get::<Uuid>("", "second_id")?));
    }
    let ids: Vec<Uuid> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect::<HashSet<_>>().into_iter().collect();
    let seen = visible_ids(db, viewer, kind, &ids).await?;
    pairs.retain(|(a, b)| seen.contains(a) && seen.contains(b));

    let judgements = duplicate_judgement::Entity::find()
        .filter(duplicate_judgement::Column::RecordType.eq(kind.table()))
        .filter(duplicate_judgement::Column::OrganisationId.eq(organisation))
        .filter(duplicate_judgement::Column::FirstId.is_in(pairs.iter().map(|(a, _)| *a).collect::<HashSet<_>>()))
        .all(db)
        .await?;
    // Only the viewer's own organisation's verdicts count: another's
    // DIFFERENT must not take a pair out of this viewer's candidates (nor
    // tell it that someone judged the pair).
    let own: HashMap<(Uuid, Uuid), Verdict> =
        judgements.iter().map(|j| ((j.first_id, j.second_id), j.verdict)).collect();
    pairs.retain(|pair| own.get(pair) != Some(&Verdict::Different));

    let profiles = profiles(db, kind, &ids).await?;
    let mut scored: Vec<Candidate> = pairs
        .into_iter()
        .filter_map(|(first, second)| {
            let (score, reasons) = score(profiles.get(&first)?, profiles.get(&second)?);
            (score >= min_score).then(|| Candidate {
                first,
                second,
                score,
                reasons,
                judgement: own.get(&(first, second)).copied(),
            })
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.first.cmp(&b.first)).then(a.second.cmp(&b.second)));
    scored.truncate(limit);
    Ok(scored)
}

/// The ids of the records of this kind the viewer may see, as a subquery.
fn visible_subquery(viewer: &Viewer, kind: Mergeable) -> sea_orm::sea_query::SelectStatement {
    match kind {
        Mergeable::Defender => Query::select()
            .column((defender::Entity, defender::Column::Id))
            .from(defender::Entity)
            .cond_where(viewer.can_see(defender::Entity))
            .take(),
        Mergeable::Organisation => Query::select()
            .column((organisation::Entity, organisation::Column::Id))
            .from(organisation::Entity)
            .cond_where(viewer.can_see(organisation::Entity))
            .take(),
    }
}

async fn visible_ids<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: Mergeable,
    ids: &[Uuid],
) -> AppResult<HashSet<Uuid>> {
    Ok(match kind {
        Mergeable::Defender => visible_by_id::<defender::Entity, _>(db, viewer, ids).await?.into_keys().collect(),
        Mergeable::Organisation => {
            visible_by_id::<organisation::Entity, _>(db, viewer, ids).await?.into_keys().collect()
        }
    })
}

/// Refuses ids the viewer may not see, exactly as if they did not exist.
pub async fn visible<C: ConnectionTrait>(db: &C, viewer: &Viewer, kind: Mergeable, ids: &[Uuid]) -> AppResult<()> {
    let seen = visible_ids(db, viewer, kind, ids).await?;
    match ids.iter().find(|id| !seen.contains(id)) {
        Some(id) => Err(AppError::NotFound(format!("No {} has the id {id}", kind.table()))),
        None => Ok(()),
    }
}

/// Records the viewer's organisation's judgement of a pair, replacing its
/// earlier one.
pub async fn judge<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: Mergeable,
    pair: (Uuid, Uuid),
    verdict: Verdict,
    note: Option<String>,
) -> AppResult<()> {
    let actor = editing::editor(viewer)?;
    if pair.0 == pair.1 {
        return Err(AppError::bad_input("secondId", "a record is not a duplicate of itself"));
    }
    visible(db, viewer, kind, &[pair.0, pair.1]).await?;
    let note = editing::text("note", note, 2_000)?;
    let (first, second) = if pair.0 < pair.1 { pair } else { (pair.1, pair.0) };
    let now = Utc::now();
    let existing = duplicate_judgement::Entity::find()
        .filter(duplicate_judgement::Column::RecordType.eq(kind.table()))
        .filter(duplicate_judgement::Column::FirstId.eq(first))
        .filter(duplicate_judgement::Column::SecondId.eq(second))
        .filter(duplicate_judgement::Column::OrganisationId.eq(actor.organisation))
        .one(db)
        .await?;
    match existing {
        Some(existing) => {
            duplicate_judgement::Entity::update(duplicate_judgement::ActiveModel {
                id: Set(existing.id),
                verdict: Set(verdict),
                note: Set(note),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(db)
            .await?;
        }
        None => {
            duplicate_judgement::Entity::insert(duplicate_judgement::ActiveModel {
                id: Set(Uuid::now_v7()),
                record_type: Set(kind.table().to_owned()),
                first_id: Set(first),
                second_id: Set(second),
                organisation_id: Set(actor.organisation),
                verdict: Set(verdict),
                note: Set(note),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec(db)
            .await?;
        }
    }
    Ok(())
}
