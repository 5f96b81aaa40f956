//! Counts for dashboards, computed by the database (GROUP BY) over exactly
//! the records a listing with the same filter would return to the viewer.
//! Charts without a filter read the standing counts instead ([`tally`]).

pub mod outcomes;
mod tally;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::{
    CaseEventKind, RestrictionKind, Right, campaign, case_event, defender, defender_sector, restriction,
    restriction_right,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::campaigns::{CampaignFilter, Campaigns};
use crate::service::defenders::{CaseEventCriteria, DefenderFilter, Defenders};
use crate::service::places;
use crate::service::query::listing::{self, Listing, col, joined};
use crate::service::restrictions::{RestrictionFilter, Restrictions};
use crate::service::visibility::Governed;

/// A group and how many records fall in it. The key is a code (country,
/// subdivision, enum value) or a period (`2015`, `2015-03`); the label is
/// its name for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// How defenders can be grouped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DefenderDimension {
    Country,
    Subdivision,
    Status,
    Sector,
    /// The years of their case events (matching the criteria); a defender
    /// counts once in each year with such an event.
    CaseEventYear(CaseEventCriteria),
}

/// How restrictions can be grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RestrictionDimension {
    Country,
    Subdivision,
    /// The subdivision for subnational restrictions, else the country.
    Jurisdiction,
    Status,
    Kind,
    Right,
    YearIntroduced,
}

/// How campaigns can be grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CampaignDimension {
    Status,
    Kind,
    Outcome,
}

/// The width of a period in a time series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interval {
    Year,
    Month,
}

impl Interval {
    /// Characters of a partial date that name the period.
    fn width(self) -> u32 {
        match self {
            Interval::Year => 4,
            Interval::Month => 7,
        }
    }
}

/// What a key stands for, to label it.
#[derive(Clone, Copy)]
enum KeyKind {
    Country,
    Subdivision,
    /// A subdivision or country code.
    Place,
    Enum,
    Period,
}

// Functions are built from parts, not custom SQL with placeholders: the
// engines number placeholders differently, and a grouped expression must be
// the same text in SELECT and GROUP BY (so its constants are literals).

fn count_distinct(column: Expr) -> Expr {
    Func::count_distinct(column).into()
}

/// The first `width` characters of a text.
fn prefix(column: Expr, width: u32) -> Expr {
    Func::cust("SUBSTR").arg(column).arg(Expr::cust("1")).arg(Expr::cust(width.to_string())).into()
}

/// The first `width` characters of a partial date, for dates known at least that precisely.
fn period_of(column: Expr, width: u32) -> (Expr, Expr) {
    let precise = Expr::from(Func::cust("LENGTH").arg(column.clone())).gte(Expr::cust(width.to_string()));
    (prefix(column, width), precise)
}

/// What a bucket counts.
enum Counted {
    /// Selected rows, where the selection yields one row per record (no
    /// join that repeats records): `COUNT(*)`, which needs no sort.
    Records,
    /// Distinct values of an expression, where a join repeats records.
    Distinct(Expr),
}
use Counted::{Distinct, Records};

/// Counts per value of `key` among the selected rows.
async fn grouped<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    select: Select<E>,
    key: Expr,
    counted: Counted,
) -> AppResult<Vec<(String, i64)>> {
    let count = match counted {
        Records => Expr::cust("COUNT(*)"),
        Distinct(column) => count_distinct(column),
    };
    let rows: Vec<(Option<String>, i64)> = select
        .select_only()
        .expr_as(key.clone(), "key")
        .expr_as(count, "count")
        .filter(key.clone().is_not_null())
        .group_by(key)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(key, count)| key.map(|key| (key, count))).collect())
}

/// Counts per value of `key` among the selected records: from the standing
/// counts (dimension `tallied` there) when the chart has no filter, else
/// grouped by the database.
async fn counted<E: Governed, C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    select: Select<E>,
    key: Expr,
    unfiltered: bool,
    tallied: &str,
    counted: Counted,
) -> AppResult<Vec<(String, i64)>> {
    if unfiltered {
        tally::counts(db, viewer, select, tallied, key).await
    } else {
        grouped(db, select, key, counted).await
    }
}

/// How many records of the listing `L` match the filter: from the standing
/// counts when there is no filter.
pub async fn total<L, C>(db: &C, viewer: &Viewer, filter: &L::Filter) -> AppResult<u64>
where
    L: Listing<Entity: Governed>,
    C: ConnectionTrait,
{
    if *filter != L::Filter::default() {
        return listing::count::<L, C>(db, viewer, filter).await;
    }
    let counts = tally::counts(db, viewer, L::select(viewer, filter), tally::TOTAL, Expr::cust("''")).await?;
    Ok(counts.first().map_or(0, |(_, count)| u64::try_from(*count).unwrap_or(0)))
}

/// Orders buckets for a chart of categories (largest first) or of periods
/// (in time order), and names their keys.
async fn buckets<C: ConnectionTrait>(db: &C, rows: Vec<(String, i64)>, kind: KeyKind) -> AppResult<Vec<Bucket>> {
    let codes: Vec<String> = rows.iter().map(|(key, _)| key.clone()).collect();
    let mut names: HashMap<String, String> = HashMap::new();
    if matches!(kind, KeyKind::Country | KeyKind::Place) {
        let countries = places::countries_by_code(db, &codes).await?;
        names.extend(countries.into_iter().map(|(code, country)| (code, country.name)));
    }
    if matches!(kind, KeyKind::Subdivision | KeyKind::Place) {
        let subdivisions = places::subdivisions_by_code(db, &codes).await?;
        names.extend(subdivisions.into_iter().map(|(code, subdivision)| (code, subdivision.name)));
    }
    let mut buckets: Vec<Bucket> = rows
        .into_iter()
        .map(|(key, count)| {
            let label = match kind {
                KeyKind::Enum => enum_label(&key),
                KeyKind::Period => key.clone(),
                _ => names.get(&key).cloned().unwrap_or_else(|| key.clone()),
            };
            Bucket { key, label, count }
        })
        .collect();
    match kind {
        KeyKind::Period => buckets.sort_by(|a, b| a.key.cmp(&b.key)),
        _ => buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key))),
    }
    Ok(buckets)
}

/// "DIED_IN_DETENTION" as "Died in detention".
pub fn enum_label(value: &str) -> String {
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => lower,
    }
}

/// Defenders matching the filter, grouped.
pub async fn defenders_by<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &DefenderFilter,
    dimension: &DefenderDimension,
) -> AppResult<Vec<Bucket>> {
    let select = Defenders::select(viewer, filter);
    let column = |column: defender::Column| col::<defender::Entity>(column);
    let id = column(defender::Column::Id);
    let unfiltered = *filter == DefenderFilter::default();
    let (key, tallied, kind) = match dimension {
        DefenderDimension::Country => (column(defender::Column::CountryCode), "country", KeyKind::Country),
        DefenderDimension::Subdivision => {
            (column(defender::Column::SubdivisionCode), "subdivision", KeyKind::Subdivision)
        }
        DefenderDimension::Status => (column(defender::Column::Status), "status", KeyKind::Enum),
        DefenderDimension::Sector => {
            let select = joined(
                select,
                "defender_sector",
                col::<defender_sector::Entity>(defender_sector::Column::DefenderId)
                    .equals((defender::Entity, defender::Column::Id)),
            );
            let sector = col::<defender_sector::Entity>(defender_sector::Column::Sector);
            return buckets(db, grouped(db, select, sector, Distinct(id)).await?, KeyKind::Enum).await;
        }
        DefenderDimension::CaseEventYear(criteria) => {
            let (select, year) = with_case_events(select, criteria, Interval::Year);
            return buckets(db, grouped(db, select, year, Distinct(id)).await?, KeyKind::Period).await;
        }
    };
    let rows = counted(db, viewer, select, key, unfiltered, tallied, Records).await?;
    buckets(db, rows, kind).await
}

/// Joins the defenders to their case events matching `criteria` that are
/// dated at least to the interval, and returns the period expression.
fn with_case_events(
    select: Select<defender::Entity>,
    criteria: &CaseEventCriteria,
    interval: Interval,
) -> (Select<defender::Entity>, Expr) {
    let mut select = joined(
        select,
        "case_event",
        col::<case_event::Entity>(case_event::Column::DefenderId).equals((defender::Entity, defender::Column::Id)),
    );
    for condition in criteria.conditions() {
        select = select.filter(condition);
    }
    let (period, precise) = period_of(col::<case_event::Entity>(case_event::Column::OccurredOn), interval.width());
    (select.filter(precise), period)
}

/// Case events of the defenders matching the filter, per period, with the
/// periods between the first and the last filled in with zero.
pub async fn case_events_over_time<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &DefenderFilter,
    criteria: &CaseEventCriteria,
    interval: Interval,
) -> AppResult<Vec<Bucket>> {
    let (select, period) = with_case_events(Defenders::select(viewer, filter), criteria, interval);
    let rows = grouped(db, select, period, Distinct(col::<case_event::Entity>(case_event::Column::Id))).await?;
    series(rows, interval)
}

/// Restrictions matching the filter, grouped.
pub async fn restrictions_by<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RestrictionFilter,
    dimension: RestrictionDimension,
) -> AppResult<Vec<Bucket>> {
    let select = Restrictions::select(viewer, filter);
    let column = |column: restriction::Column| col::<restriction::Entity>(column);
    let id = column(restriction::Column::Id);
    let unfiltered = *filter == RestrictionFilter::default();
    let (select, key, tallied, kind) = match dimension {
        RestrictionDimension::Country => {
            (select, column(restriction::Column::CountryCode), "country", KeyKind::Country)
        }
        RestrictionDimension::Subdivision => {
            (select, column(restriction::Column::SubdivisionCode), "subdivision", KeyKind::Subdivision)
        }
        RestrictionDimension::Jurisdiction => {
            let place = Func::coalesce([
                column(restriction::Column::SubdivisionCode),
                column(restriction::Column::CountryCode),
            ])
            .into();
            (select, place, "jurisdiction", KeyKind::Place)
        }
        RestrictionDimension::Status => (select, column(restriction::Column::Status), "status", KeyKind::Enum),
        RestrictionDimension::Kind => (select, column(restriction::Column::Kind), "kind", KeyKind::Enum),
        RestrictionDimension::Right => {
            let select = joined(
                select,
                "restriction_right",
                col::<restriction_right::Entity>(restriction_right::Column::RestrictionId)
                    .equals((restriction::Entity, restriction::Column::Id)),
            );
            let right = col::<restriction_right::Entity>(restriction_right::Column::Right);
            return buckets(db, grouped(db, select, right, Distinct(id)).await?, KeyKind::Enum).await;
        }
        RestrictionDimension::YearIntroduced => {
            let (year, precise) = period_of(column(restriction::Column::IntroducedOn), 4);
            (select.filter(precise), year, "year_introduced", KeyKind::Period)
        }
    };
    let rows = counted(db, viewer, select, key, unfiltered, tallied, Records).await?;
    buckets(db, rows, kind).await
}

/// Introductions of restrictions matching the filter, per period, gaps filled with zero.
pub async fn restrictions_over_time<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RestrictionFilter,
    interval: Interval,
) -> AppResult<Vec<Bucket>> {
    let (period, precise) = period_of(col::<restriction::Entity>(restriction::Column::IntroducedOn), interval.width());
    let select = Restrictions::select(viewer, filter).filter(precise);
    let rows = grouped(db, select, period, Records).await?;
    series(rows, interval)
}

/// Campaigns matching the filter, grouped.
pub async fn campaigns_by<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &CampaignFilter,
    dimension: CampaignDimension,
) -> AppResult<Vec<Bucket>> {
    let (column, tallied) = match dimension {
        CampaignDimension::Status => (campaign::Column::Status, "status"),
        CampaignDimension::Kind => (campaign::Column::Kind, "kind"),
        CampaignDimension::Outcome => (campaign::Column::Outcome, "outcome"),
    };
    let select = Campaigns::select(viewer, filter);
    let unfiltered = *filter == CampaignFilter::default();
    let rows = counted(db, viewer, select, col::<campaign::Entity>(column), unfiltered, tallied, Records).await?;
    buckets(db, rows, KeyKind::Enum).await
}

/// The most periods a time series returns. A series longer than this is
/// refused with BAD_USER_INPUT rather than built: with dates from
/// [`entity::MIN_YEAR`] to [`entity::MAX_YEAR`] a yearly series always fits,
/// a monthly one over more than 83 years does not.
pub const MAX_SERIES_PERIODS: usize = 1_000;

/// Periods in time order from the first to the last, with empty ones as zero.
/// Periods are counted as numbers (months since year 0), never compared as
/// text: `"10000" < "9999"` as text, which once made a series of a far-future
/// date run forever.
fn series(rows: Vec<(String, i64)>, interval: Interval) -> AppResult<Vec<Bucket>> {
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    for (key, count) in rows {
        // Keys are prefixes of stored partial dates; one that does not parse
        // (written before dates were checked) is left out rather than guessed.
        if let Some(index) = period_index(&key, interval) {
            *counts.entry(index).or_default() += count;
        }
    }
    let (Some(&first), Some(&last)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Ok(Vec::new());
    };
    let periods = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
    if periods > MAX_SERIES_PERIODS {
        let advice = match interval {
            Interval::Year => "narrow the dates with the filter",
            Interval::Month => "narrow the dates with the filter, or ask for interval: YEAR",
        };
        return Err(AppError::bad_input(
            "interval",
            format!(
                "the series would have {periods} periods, more than the {MAX_SERIES_PERIODS} a series may have: {advice}"
            ),
        ));
    }
    Ok((first..=last)
        .map(|index| {
            let key = period_key(index, interval);
            Bucket { label: key.clone(), count: counts.get(&index).copied().unwrap_or(0), key }
        })
        .collect())
}

/// A period as a number: the year, or months since year 0.
fn period_index(key: &str, interval: Interval) -> Option<i64> {
    let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse::<i64>().ok()).flatten();
    let year = digits(key.get(0..4)?)?;
    match interval {
        Interval::Year if key.len() == 4 => Some(year),
        Interval::Month if key.len() == 7 && key.as_bytes()[4] == b'-' => {
            let month = digits(key.get(5..7)?)?;
            (1..=12).contains(&month).then_some(year * 12 + month - 1)
        }
        _ => None,
    }
}

/// The key of a numbered period: `2015` or `2015-03`.
fn period_key(index: i64, interval: Interval) -> String {
    match interval {
        Interval::Year => format!("{index:04}"),
        Interval::Month => format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
    }
}

/// A figure an indicator publishes that the records can also count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiveMeasure {
    /// Defenders killed or who died in detention (case events of those kinds).
    DefendersKilled,
    /// Countries with defenders imprisoned or sentenced.
    CountriesImprisoning,
    /// Countries with restrictions of expression or the press introduced.
    CountriesRestrictingExpression,
    /// U.S. states with bills that curb peaceful assembly.
    UsStatesWithProtestBills,
}

impl LiveMeasure {
    /// The measure behind an indicator key, where the records have one.
    pub fn of_key(key: &str) -> Option<LiveMeasure> {
        match key {
            "defenders_killed_or_died_in_detention" => Some(LiveMeasure::DefendersKilled),
            "countries_imprisoning_people_for_exercising_rights" => Some(LiveMeasure::CountriesImprisoning),
            "countries_restricting_expression_and_press" => Some(LiveMeasure::CountriesRestrictingExpression),
            "us_states_with_bills_restricting_protest" => Some(LiveMeasure::UsStatesWithProtestBills),
            _ => None,
        }
    }

    /// What the live count counts, for people.
    pub fn description(self) -> &'static str {
        match self {
            LiveMeasure::DefendersKilled => "defenders with a KILLING or DEATH_IN_DETENTION case event",
            LiveMeasure::CountriesImprisoning => "countries of defenders with a SENTENCE or DETENTION case event",
            LiveMeasure::CountriesRestrictingExpression => {
                "countries with a restriction of EXPRESSION or PRESS_FREEDOM introduced"
            }
            LiveMeasure::UsStatesWithProtestBills => "U.S. states with a BILL curbing PEACEFUL_ASSEMBLY",
        }
    }
}

/// An indicator's measure, year and country: what its live count counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LiveKey {
    pub measure: LiveMeasure,
    pub year: Option<i32>,
    pub country: Option<String>,
}

/// Rows of a measure: (year, country, counted item).
type MeasureRows = Vec<(Option<String>, String, String)>;

/// The live counts for many indicators: one grouped statement per measure
/// asked for, whatever the number of indicators.
pub async fn live_counts<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    keys: &[LiveKey],
) -> AppResult<HashMap<LiveKey, i64>> {
    let mut rows_of: HashMap<LiveMeasure, MeasureRows> = HashMap::new();
    for key in keys {
        if let std::collections::hash_map::Entry::Vacant(entry) = rows_of.entry(key.measure) {
            entry.insert(measure_rows(db, viewer, key.measure).await?);
        }
    }
    let mut counts = HashMap::new();
    for key in keys {
        let Some(rows) = rows_of.get(&key.measure) else { continue };
        let year = key.year.map(|year| format!("{year:04}"));
        let items: BTreeSet<&str> = rows
            .iter()
            .filter(|(row_year, _, _)| year.is_none() || row_year.as_ref() == year.as_ref())
            .filter(|(_, country, _)| key.country.as_ref().is_none_or(|c| c == country))
            .map(|(_, _, item)| item.as_str())
            .collect();
        counts.insert(key.clone(), i64::try_from(items.len()).unwrap_or(i64::MAX));
    }
    Ok(counts)
}

/// The distinct (year, country, item) triples of a measure. Items are
/// defender ids, or country or subdivision codes: what the figure counts, so
/// there are as many rows as counted items and years, not as records behind them.
async fn measure_rows<C: ConnectionTrait>(db: &C, viewer: &Viewer, measure: LiveMeasure) -> AppResult<MeasureRows> {
    let year_of = |column: Expr| prefix(column, 4);
    match measure {
        LiveMeasure::DefendersKilled | LiveMeasure::CountriesImprisoning => {
            let kinds = if measure == LiveMeasure::DefendersKilled {
                vec![CaseEventKind::Killing, CaseEventKind::DeathInDetention]
            } else {
                vec![CaseEventKind::Sentence, CaseEventKind::Detention]
            };
            let criteria = CaseEventCriteria { kinds: Some(kinds), dates: Default::default() };
            let select = joined(
                Defenders::select(viewer, &DefenderFilter::default()),
                "case_event",
                col::<case_event::Entity>(case_event::Column::DefenderId)
                    .equals((defender::Entity, defender::Column::Id)),
            );
            let select = criteria.conditions().into_iter().fold(select, |select, c| select.filter(c));
            let rows: Vec<(Option<String>, String, uuid::Uuid)> = select
                .select_only()
                .expr_as(year_of(col::<case_event::Entity>(case_event::Column::OccurredOn)), "year")
                .expr_as(col::<defender::Entity>(defender::Column::CountryCode), "country")
                .expr_as(col::<defender::Entity>(defender::Column::Id), "item")
                .distinct()
                .into_tuple()
                .all(db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(year, country, id)| {
                    let item = if measure == LiveMeasure::DefendersKilled { id.to_string() } else { country.clone() };
                    (year, country, item)
                })
                .collect())
        }
        LiveMeasure::CountriesRestrictingExpression | LiveMeasure::UsStatesWithProtestBills => {
            let us_states = measure == LiveMeasure::UsStatesWithProtestBills;
            let filter = if us_states {
                RestrictionFilter {
                    country_codes: Some(vec!["US".into()]),
                    kinds: Some(vec![RestrictionKind::Bill]),
                    rights: Some(vec![Right::PeacefulAssembly]),
                    ..Default::default()
                }
            } else {
                RestrictionFilter { rights: Some(vec![Right::Expression, Right::PressFreedom]), ..Default::default() }
            };
            let country = col::<restriction::Entity>(restriction::Column::CountryCode);
            let item = if us_states {
                col::<restriction::Entity>(restriction::Column::SubdivisionCode)
            } else {
                country.clone()
            };
            Ok(Restrictions::select(viewer, &filter)
                .filter(item.clone().is_not_null())
                .select_only()
                .expr_as(year_of(col::<restriction::Entity>(restriction::Column::IntroducedOn)), "year")
                .expr_as(country, "country")
                .expr_as(item, "item")
                .distinct()
                .into_tuple()
                .all(db)
                .await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_gaps_of_a_series() {
        let rows = vec![("2014".to_owned(), 2), ("2016".to_owned(), 1)];
        let keys: Vec<(String, i64)> =
            series(rows, Interval::Year).unwrap().into_iter().map(|b| (b.key, b.count)).collect();
        assert_eq!(keys, vec![("2014".into(), 2), ("2015".into(), 0), ("2016".into(), 1)]);
        let rows = vec![("2015-11".to_owned(), 1), ("2016-02".to_owned(), 3)];
        let keys: Vec<String> = series(rows, Interval::Month).unwrap().into_iter().map(|b| b.key).collect();
        assert_eq!(keys, vec!["2015-11", "2015-12", "2016-01", "2016-02"]);
    }

    #[test]
    fn far_dates_end_a_series_or_refuse_it() {
        // As text "10000" sorts before "9999": counted as numbers, the series
        // of a date stored as 9999 ends there.
        let keys: Vec<String> = series(vec![("9998".into(), 1), ("9999".into(), 1)], Interval::Year)
            .unwrap()
            .into_iter()
            .map(|b| b.key)
            .collect();
        assert_eq!(keys, vec!["9998", "9999"]);
        let long = vec![("2000-01".to_owned(), 1), ("2100-12".to_owned(), 1)];
        let Err(AppError::BadInput { argument, message }) = series(long, Interval::Month) else {
            panic!("a series of 1212 months is refused")
        };
        assert_eq!(argument, "interval");
        assert!(message.contains("1212 periods") && message.contains("interval: YEAR"), "{message}");
        let long = vec![("1000".to_owned(), 1), ("9999".to_owned(), 1)];
        assert!(series(long, Interval::Year).is_err());
        // Keys that are not periods are left out.
        assert!(series(vec![("20x5".into(), 1)], Interval::Year).unwrap().is_empty());
    }

    #[test]
    fn labels_enum_values() {
        assert_eq!(enum_label("DIED_IN_DETENTION"), "Died in detention");
        assert_eq!(enum_label("BILL"), "Bill");
    }
}
