//! What followed campaigns: of the defenders and restrictions campaigns
//! were about, how many saw a given outcome afterwards, and after how long;
//! and the same for comparable records no campaign was about. The figures
//! say what came after, never what caused it.
//!
//! Every record read is one the viewer may see: campaigns, defenders (and
//! so their case events) and restrictions (and so their status histories)
//! through [`Viewer::can_see`], by the listings' own selections. A campaign
//! the viewer may not see makes no record "campaigned". The statements are
//! fixed: one per kind of row read, whatever the number of records.
//!
//! The rules, as the API documentation states them:
//! - A record's *reference date* is the start of the earliest matching
//!   campaign about it; for a record of the comparison group, the date of
//!   its first custody event (arrest, detention or sentence) or, for a
//!   restriction, its introduction.
//! - Partial dates count from their first day (`2016` as 1 January 2016).
//!   An outcome counts when it is dated on or after the reference date.
//! - Released: of defenders held at the reference date (a custody event on
//!   or before it, with no release between), those with a release after.
//! - Charges dropped: of defenders charged on or before the reference date,
//!   those with charges dropped after it.
//! - Sentence reduced: of defenders sentenced on or before the reference
//!   date, those with a later sentence or appeal shorter than the sentence
//!   they had (a term after a life sentence counts).
//! - Defeated: of restrictions still pending at the reference date (no
//!   decision dated before it), those whose status history records them
//!   defeated, vetoed, enjoined or enacted with improvements after it.
//! - The comparison group: records no campaign the viewer may see is
//!   about, of the campaigned records' countries (and, for defenders, their
//!   statuses; for restrictions, their kinds), with a reference date in the
//!   period.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use entity::{
    CampaignKind, CaseEventKind, DefenderStatus, PartialDate, RestrictionKind, RestrictionStatus, campaign, case_event,
    defender, restriction, restriction_status_change,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::Bucket;
use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::campaigns::{CampaignFilter, Campaigns};
use crate::service::defenders::{DefenderFilter, Defenders};
use crate::service::query::listing::{DateRange, Listing, col, joined};
use crate::service::restrictions::{RestrictionFilter, Restrictions};

/// What the outcome figures are about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OutcomeFilter {
    /// Defenders and restrictions of these countries.
    pub country_codes: Option<Vec<String>>,
    /// Campaigns of these kinds.
    pub campaign_kinds: Option<Vec<CampaignKind>>,
    /// Reference dates in this range: campaigns started in it, and the
    /// comparison group's custody events or introductions.
    pub period: DateRange,
}

/// One outcome figure: how many of how many, after how long, and which.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figure {
    /// The records counted: those with the outcome.
    pub records: Vec<Uuid>,
    /// The records the figure is out of.
    pub out_of: u64,
    /// Days from each counted record's reference date to its outcome, in order.
    pub days: Vec<i64>,
}

impl Figure {
    fn add(&mut self, id: Uuid, days: Option<i64>) {
        self.out_of += 1;
        if let Some(days) = days {
            self.records.push(id);
            self.days.push(days);
        }
    }

    fn sorted(mut self) -> Figure {
        let mut pairs: Vec<(i64, Uuid)> = self.days.iter().copied().zip(self.records.iter().copied()).collect();
        pairs.sort();
        (self.days, self.records) = pairs.into_iter().unzip();
        self
    }

    /// The median of the days, where there are any (the lower middle of an even count).
    pub fn median_days(&self) -> Option<i64> {
        self.days.get(self.days.len().saturating_sub(1) / 2).copied()
    }

    /// The days in five ranges, every range given, shortest first.
    pub fn distribution(&self) -> Vec<Bucket> {
        const RANGES: [(&str, &str, i64); 5] = [
            ("P0M-P1M", "Under a month", 31),
            ("P1M-P3M", "One to three months", 92),
            ("P3M-P1Y", "Three months to a year", 366),
            ("P1Y-P2Y", "One to two years", 731),
            ("P2Y-", "Over two years", i64::MAX),
        ];
        let mut lower = 0;
        RANGES
            .iter()
            .map(|(key, label, upper)| {
                let count = self.days.iter().filter(|days| (lower..*upper).contains(*days)).count() as i64;
                lower = *upper;
                Bucket { key: (*key).into(), label: (*label).into(), count }
            })
            .collect()
    }
}

/// The figures of one group of records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub released: Figure,
    pub charges_dropped: Figure,
    pub sentence_reduced: Figure,
    pub restrictions_defeated: Figure,
}

/// The figures of the campaigned records and of the comparison group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub campaigned: Group,
    pub comparison: Group,
}

/// A partial date's first day, as a day number.
fn day(date: &PartialDate) -> Option<i64> {
    NaiveDate::from_ymd_opt(date.year(), date.month().unwrap_or(1), date.day().unwrap_or(1))
        .map(|date| i64::from(date.num_days_from_ce()))
}

/// A custody or court event of a defender, dated. The kinds read, and the
/// condition on the date, are those of the partial index of migration
/// 000016, which the events are read by.
#[derive(Clone, Debug)]
struct Event {
    kind: CaseEventKind,
    day: i64,
    /// A sentence's length in months; `i64::MAX` for life.
    months: Option<i64>,
}

fn custody(kind: CaseEventKind) -> bool {
    matches!(kind, CaseEventKind::Arrest | CaseEventKind::Detention | CaseEventKind::Sentence)
}

/// The defender's outcomes after `reference`: adds to the group's figures.
fn defender_outcomes(group: &mut Group, id: Uuid, reference: i64, events: &[Event]) {
    let before = || events.iter().filter(|event| event.day <= reference);
    let after = || events.iter().filter(|event| event.day >= reference);
    // Held: the last custody or release event up to the reference is custody.
    let last = before().rfind(|event| custody(event.kind) || event.kind == CaseEventKind::Release);
    if last.is_some_and(|event| custody(event.kind)) {
        let release = after().find(|event| event.kind == CaseEventKind::Release);
        group.released.add(id, release.map(|event| event.day - reference));
    }
    if before().any(|event| event.kind == CaseEventKind::Charge) {
        let dropped = after().find(|event| event.kind == CaseEventKind::ChargesDropped);
        group.charges_dropped.add(id, dropped.map(|event| event.day - reference));
    }
    let sentence = before().filter(|event| event.kind == CaseEventKind::Sentence).filter_map(|e| e.months).next_back();
    if let Some(sentence) = sentence {
        let shorter = after()
            .filter(|event| matches!(event.kind, CaseEventKind::Sentence | CaseEventKind::Appeal))
            .find(|event| event.months.is_some_and(|months| months < sentence));
        group.sentence_reduced.add(id, shorter.map(|event| event.day - reference));
    }
}

const DEFEATED: [RestrictionStatus; 4] = [
    RestrictionStatus::Defeated,
    RestrictionStatus::Vetoed,
    RestrictionStatus::Enjoined,
    RestrictionStatus::EnactedWithImprovements,
];

/// The restriction's outcome after `reference`, if it was still pending then.
fn restriction_outcome(group: &mut Group, id: Uuid, reference: i64, decisions: &[(i64, RestrictionStatus)]) {
    if decisions.iter().any(|(day, _)| *day < reference) {
        return;
    }
    let defeated = decisions.iter().find(|(day, status)| *day >= reference && DEFEATED.contains(status));
    group.restrictions_defeated.add(id, defeated.map(|(day, _)| day - reference));
}

/// The outcome figures for the viewer.
pub async fn outcomes<C: ConnectionTrait>(db: &C, viewer: &Viewer, filter: &OutcomeFilter) -> AppResult<Outcomes> {
    let defenders_in_scope = Defenders::select(
        viewer,
        &DefenderFilter { country_codes: filter.country_codes.clone(), ..DefenderFilter::default() },
    )
    .select_only()
    .column(defender::Column::Id)
    .into_query();
    let restrictions_in_scope = Restrictions::select(
        viewer,
        &RestrictionFilter { country_codes: filter.country_codes.clone(), ..RestrictionFilter::default() },
    )
    .select_only()
    .column(restriction::Column::Id)
    .into_query();
    let (defenders_ever, defender_starts) =
        campaigned(db, viewer, filter, "campaign_defender", "defender_id", defenders_in_scope).await?;
    let (restrictions_ever, restriction_starts) =
        campaigned(db, viewer, filter, "campaign_restriction", "restriction_id", restrictions_in_scope).await?;

    let mut result = Outcomes::default();
    defenders(db, viewer, filter, &defender_starts, &defenders_ever, &mut result).await?;
    restrictions(db, viewer, filter, &restriction_starts, &restrictions_ever, &mut result).await?;
    for group in [&mut result.campaigned, &mut result.comparison] {
        for figure in [
            &mut group.released,
            &mut group.charges_dropped,
            &mut group.sentence_reduced,
            &mut group.restrictions_defeated,
        ] {
            *figure = std::mem::take(figure).sorted();
        }
    }
    Ok(result)
}

/// The records of a link table (`campaign_defender`, `campaign_restriction`)
/// in scope that any campaign the viewer may see is about; and of those,
/// the day the earliest matching campaign (of the filter's kinds, started
/// in its period) began. One statement.
async fn campaigned<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &OutcomeFilter,
    table: &'static str,
    column: &'static str,
    in_scope: sea_orm::sea_query::SelectStatement,
) -> AppResult<(HashSet<Uuid>, HashMap<Uuid, i64>)> {
    let subject = Expr::col((Alias::new(table), Alias::new(column)));
    let on = Expr::col((Alias::new(table), Alias::new("campaign_id"))).equals((campaign::Entity, campaign::Column::Id));
    let rows: Vec<(Uuid, CampaignKind, Option<PartialDate>)> =
        joined(Campaigns::select(viewer, &CampaignFilter::default()), table, on)
            .filter(subject.clone().in_subquery(in_scope))
            .select_only()
            .expr(subject)
            .column(campaign::Column::Kind)
            .column(campaign::Column::StartedOn)
            .into_tuple()
            .all(db)
            .await?;
    let mut ever = HashSet::with_capacity(rows.len());
    let mut starts: HashMap<Uuid, i64> = HashMap::new();
    for (id, kind, started) in rows {
        ever.insert(id);
        let matches = filter.campaign_kinds.as_ref().is_none_or(|kinds| kinds.contains(&kind));
        let Some(day) = started.as_ref().and_then(day).filter(|day| matches && in_period(&filter.period, *day)) else {
            continue;
        };
        starts.entry(id).and_modify(|known| *known = Ord::min(*known, day)).or_insert(day);
    }
    Ok((ever, starts))
}

async fn defenders<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &OutcomeFilter,
    starts: &HashMap<Uuid, i64>,
    ever: &HashSet<Uuid>,
    result: &mut Outcomes,
) -> AppResult<()> {
    let visible = DefenderFilter { country_codes: filter.country_codes.clone(), ..DefenderFilter::default() };
    let people: Vec<(Uuid, String, DefenderStatus)> = Defenders::select(viewer, &visible)
        .select_only()
        .column(defender::Column::Id)
        .column(defender::Column::CountryCode)
        .column(defender::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let rows: Vec<(Uuid, CaseEventKind, PartialDate, Option<i32>, bool)> =
        case_event::Entity::find()
            .filter(Expr::cust(migration::outcome_events_condition()))
            .filter(col::<case_event::Entity>(case_event::Column::DefenderId).in_subquery(
                Defenders::select(viewer, &visible).select_only().column(defender::Column::Id).into_query(),
            ))
            .select_only()
            .column(case_event::Column::DefenderId)
            .column(case_event::Column::Kind)
            .column(case_event::Column::OccurredOn)
            .column(case_event::Column::SentenceMonths)
            .column(case_event::Column::SentenceLife)
            .into_tuple()
            .all(db)
            .await?;
    let mut events: HashMap<Uuid, Vec<Event>> = HashMap::new();
    for (id, kind, date, months, life) in rows {
        let Some(day) = day(&date) else { continue };
        let months = if life { Some(i64::MAX) } else { months.map(i64::from) };
        events.entry(id).or_default().push(Event { kind, day, months });
    }
    for list in events.values_mut() {
        list.sort_by_key(|event| event.day);
    }
    let campaigned: Vec<&(Uuid, String, DefenderStatus)> =
        people.iter().filter(|(id, _, _)| starts.contains_key(id)).collect();
    let countries: BTreeSet<&str> = campaigned.iter().map(|(_, country, _)| country.as_str()).collect();
    let statuses: BTreeSet<DefenderStatus> = campaigned.iter().map(|(_, _, status)| *status).collect();
    let none = Vec::new();
    for (id, _, _) in &campaigned {
        defender_outcomes(&mut result.campaigned, *id, starts[id], events.get(id).unwrap_or(&none));
    }
    for (id, country, status) in &people {
        if ever.contains(id) || !countries.contains(country.as_str()) || !statuses.contains(status) {
            continue;
        }
        let list = events.get(id).unwrap_or(&none);
        let Some(first) = list.iter().find(|event| custody(event.kind)) else { continue };
        if !in_period(&filter.period, first.day) {
            continue;
        }
        defender_outcomes(&mut result.comparison, *id, first.day, list);
    }
    Ok(())
}

async fn restrictions<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &OutcomeFilter,
    starts: &HashMap<Uuid, i64>,
    ever: &HashSet<Uuid>,
    result: &mut Outcomes,
) -> AppResult<()> {
    let visible = RestrictionFilter { country_codes: filter.country_codes.clone(), ..RestrictionFilter::default() };
    let laws: Vec<(Uuid, String, RestrictionKind, Option<PartialDate>)> = Restrictions::select(viewer, &visible)
        .select_only()
        .column(restriction::Column::Id)
        .column(restriction::Column::CountryCode)
        .column(restriction::Column::Kind)
        .column(restriction::Column::IntroducedOn)
        .into_tuple()
        .all(db)
        .await?;
    let rows: Vec<(Uuid, RestrictionStatus, PartialDate)> = restriction_status_change::Entity::find()
        .filter(restriction_status_change::Column::Status.ne(RestrictionStatus::Pending))
        .filter(restriction_status_change::Column::ChangedOn.is_not_null())
        .filter(col::<restriction_status_change::Entity>(restriction_status_change::Column::RestrictionId).in_subquery(
            Restrictions::select(viewer, &visible).select_only().column(restriction::Column::Id).into_query(),
        ))
        .select_only()
        .column(restriction_status_change::Column::RestrictionId)
        .column(restriction_status_change::Column::Status)
        .column(restriction_status_change::Column::ChangedOn)
        .into_tuple()
        .all(db)
        .await?;
    let mut decisions: HashMap<Uuid, Vec<(i64, RestrictionStatus)>> = HashMap::new();
    for (id, status, date) in rows {
        if let Some(day) = day(&date) {
            decisions.entry(id).or_default().push((day, status));
        }
    }
    for list in decisions.values_mut() {
        list.sort();
    }
    let campaigned: Vec<&(Uuid, String, RestrictionKind, Option<PartialDate>)> =
        laws.iter().filter(|(id, ..)| starts.contains_key(id)).collect();
    let countries: BTreeSet<&str> = campaigned.iter().map(|(_, country, ..)| country.as_str()).collect();
    let kinds: BTreeSet<RestrictionKind> = campaigned.iter().map(|(_, _, kind, _)| *kind).collect();
    let none = Vec::new();
    for (id, ..) in &campaigned {
        restriction_outcome(&mut result.campaigned, *id, starts[id], decisions.get(id).unwrap_or(&none));
    }
    for (id, country, kind, introduced) in &laws {
        if ever.contains(id) || !countries.contains(country.as_str()) || !kinds.contains(kind) {
            continue;
        }
        let Some(reference) = introduced.as_ref().and_then(day) else { continue };
        if !in_period(&filter.period, reference) {
            continue;
        }
        restriction_outcome(&mut result.comparison, *id, reference, decisions.get(id).unwrap_or(&none));
    }
    Ok(())
}

/// Whether a day falls in a range of partial dates (an open end admits all).
fn in_period(period: &DateRange, reference: i64) -> bool {
    let since = period.since.as_ref().and_then(day);
    // `until: 2016` runs to the last day of 2016: the first day of the next period, less one.
    let until = period.until.as_ref().and_then(|until| {
        let next = match (until.month(), until.day()) {
            (None, _) => NaiveDate::from_ymd_opt(until.year() + 1, 1, 1),
            (Some(12), None) => NaiveDate::from_ymd_opt(until.year() + 1, 1, 1),
            (Some(month), None) => NaiveDate::from_ymd_opt(until.year(), month + 1, 1),
            (Some(month), Some(day)) => {
                NaiveDate::from_ymd_opt(until.year(), month, day).and_then(|date| date.succ_opt())
            }
        };
        next.map(|date| i64::from(date.num_days_from_ce()) - 1)
    });
    since.is_none_or(|since| reference >= since) && until.is_none_or(|until| reference <= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> i64 {
        day(&text.parse().unwrap()).unwrap()
    }

    fn event(kind: CaseEventKind, on: &str, months: Option<i64>) -> Event {
        Event { kind, day: date(on), months }
    }

    #[test]
    fn a_release_after_the_start_counts_for_those_held() {
        let id = Uuid::nil();
        let mut group = Group::default();
        let events = [
            event(CaseEventKind::Arrest, "2015-01", None),
            event(CaseEventKind::Charge, "2015-02", None),
            event(CaseEventKind::Sentence, "2015-06", Some(120)),
            event(CaseEventKind::Appeal, "2016-06", Some(60)),
            event(CaseEventKind::Release, "2017-01-01", None),
        ];
        defender_outcomes(&mut group, id, date("2016-01-01"), &events);
        assert_eq!((group.released.out_of, group.released.days.clone()), (1, vec![366]));
        assert_eq!((group.charges_dropped.out_of, group.charges_dropped.records.len()), (1, 0));
        assert_eq!(group.sentence_reduced.days, vec![152]);
        // Released before the start: not held then, so not counted at all.
        let mut group = Group::default();
        defender_outcomes(&mut group, id, date("2018"), &events);
        assert_eq!(group.released.out_of, 0);
    }

    #[test]
    fn the_index_holds_every_kind_read() {
        for kind in [
            CaseEventKind::Arrest,
            CaseEventKind::Detention,
            CaseEventKind::Sentence,
            CaseEventKind::Release,
            CaseEventKind::Charge,
            CaseEventKind::ChargesDropped,
            CaseEventKind::Appeal,
        ] {
            assert!(migration::OUTCOME_EVENT_KINDS.contains(&kind.as_str()), "{kind}");
        }
    }

    #[test]
    fn medians_and_ranges() {
        let figure = Figure { records: vec![Uuid::nil(); 4], out_of: 6, days: vec![10, 40, 400, 800] };
        assert_eq!(figure.median_days(), Some(40));
        let counts: Vec<i64> = figure.distribution().iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![1, 1, 0, 1, 1]);
        assert_eq!(Figure::default().median_days(), None);
    }

    #[test]
    fn periods_include_their_last_day() {
        let period = DateRange { since: Some("2016".parse().unwrap()), until: Some("2016-02".parse().unwrap()) };
        assert!(in_period(&period, date("2016-02-29")));
        assert!(!in_period(&period, date("2016-03-01")));
        assert!(!in_period(&period, date("2015-12-31")));
    }
}
