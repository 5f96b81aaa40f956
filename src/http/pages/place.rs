//! `/countries/{code}` and `/subdivisions/{code}`: a place's figures,
//! a country's civic-space ratings and what followed campaigns there,
//! restrictions with their status history, defenders, campaigns, a timeline
//! (case events, status changes, ratings) and the sources cited.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, json};

use super::view::{Connection, Source, href, labelled};
use super::{PageRequest, rendered};

/// The records of a place the page lists. Lists stop at 50 entries (the
/// figures count them all): statements fixed by this shape, whatever the
/// place holds.
const PLACE_FIELDS: &str = "code name
    defenders(first: 50) { totalCount nodes { id name status occupation events(first: 20) { nodes { kind occurredOn } } } }
    restrictions(first: 50) { totalCount nodes { id title reference status
      history(first: 20) { nodes { status changedOn note } }
      sources(first: 10) { nodes { id title url publisher publishedOn } } } }
    campaigns(first: 50) { totalCount nodes { id title status startedOn } }";

/// What followed campaigns in a country: subdivisions have no such figures.
const OUTCOME_FIELDS: &str = "
    outcomes(filter: { countryCodes: [$code] }) { caveat campaigned { ...outcomes } comparison { ...outcomes } }";

/// The figures of each outcome group.
const OUTCOME_FRAGMENT: &str = "fragment outcomes on OutcomeGroup {
  released { count outOf medianDays } chargesDropped { count outOf medianDays }
  sentenceReduced { count outOf medianDays } restrictionsDefeated { count outOf medianDays } }";

/// A country's civic-space ratings, newest first: subdivisions have none.
const RATING_FIELDS: &str = "
    currentRating { rating ratedOn organisation { id name } }
    ratings(first: 50, orderBy: { field: RATED_ON, direction: DESC }) { totalCount nodes { rating ratedOn note
      organisation { id name } source { id title url publisher publishedOn } } }";

/// The two kinds of place with a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Country,
    Subdivision,
}

impl Kind {
    /// The page's one query: the place, and its defenders by status.
    fn query(self) -> String {
        let (name, root, filter, more, outcomes, fragment) = match self {
            Kind::Country => {
                ("CountryPage", "country", "countryCodes", RATING_FIELDS, OUTCOME_FIELDS, OUTCOME_FRAGMENT)
            }
            Kind::Subdivision => ("SubdivisionPage", "subdivision", "subdivisionCodes", "", "", ""),
        };
        format!(
            "query {name}($code: String!) {{\n  place: {root}(code: $code) {{ {PLACE_FIELDS}{more} }}\n  \
             statistics {{ defenders(filter: {{ {filter}: [$code] }}) {{ byStatus {{ key label count }} }}{outcomes}\n    \
             worldDefenders: defenders {{ byCountry {{ key count }} }}\n    \
             usRestrictions: restrictions(filter: {{ countryCodes: [\"US\"] }}) {{ bySubdivision {{ key count }} }} }}\n}}\n\
             {fragment}"
        )
    }
}

#[derive(Deserialize)]
struct Data {
    place: Option<Place>,
    statistics: Statistics,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statistics {
    defenders: DefenderStatistics,
    /// What colours the map: defenders per country, restrictions per U.S. state.
    world_defenders: CountedBy,
    us_restrictions: CountedBy,
    /// A country's; none for a subdivision.
    #[serde(default)]
    outcomes: Option<Outcomes>,
}

/// What followed campaigns, beside records without one.
#[derive(Deserialize)]
struct Outcomes {
    caveat: String,
    campaigned: OutcomeGroup,
    comparison: OutcomeGroup,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutcomeGroup {
    released: OutcomeFigure,
    charges_dropped: OutcomeFigure,
    sentence_reduced: OutcomeFigure,
    restrictions_defeated: OutcomeFigure,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutcomeFigure {
    count: u64,
    out_of: u64,
    median_days: Option<i64>,
}

impl std::fmt::Display for OutcomeFigure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.out_of, self.median_days) {
            (0, _) => formatter.write_str("none to count"),
            (_, Some(days)) => write!(formatter, "{} of {}, median {days} days", self.count, self.out_of),
            (_, None) => write!(formatter, "{} of {}", self.count, self.out_of),
        }
    }
}

impl Outcomes {
    /// The rows of the outcome table: what followed, after a campaign and without one.
    fn rows(&self) -> Vec<(&'static str, &OutcomeFigure, &OutcomeFigure)> {
        let (after, without) = (&self.campaigned, &self.comparison);
        vec![
            ("Defenders released", &after.released, &without.released),
            ("Charges dropped", &after.charges_dropped, &without.charges_dropped),
            ("Sentences reduced", &after.sentence_reduced, &without.sentence_reduced),
            (
                "Restrictions defeated, vetoed, enjoined or improved",
                &after.restrictions_defeated,
                &without.restrictions_defeated,
            ),
        ]
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefenderStatistics {
    by_status: Vec<Bucket>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CountedBy {
    #[serde(default)]
    by_country: Vec<Keyed>,
    #[serde(default)]
    by_subdivision: Vec<Keyed>,
}

#[derive(Deserialize)]
struct Keyed {
    key: String,
    count: u64,
}

#[derive(Deserialize)]
struct Bucket {
    label: String,
    count: u64,
}

#[derive(Deserialize)]
struct Place {
    code: String,
    name: String,
    defenders: Connection<Defender>,
    restrictions: Connection<Restriction>,
    campaigns: Connection<Campaign>,
    /// A country's; none for a subdivision.
    #[serde(default, rename = "currentRating")]
    current_rating: Option<Rating>,
    #[serde(default)]
    ratings: Option<Connection<Rating>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rating {
    #[serde(deserialize_with = "labelled")]
    rating: String,
    rated_on: String,
    #[serde(default)]
    note: Option<String>,
    organisation: Option<RatingOrganisation>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct RatingOrganisation {
    #[serde(rename = "id", deserialize_with = "href::organisation")]
    href: String,
    name: String,
}

#[derive(Deserialize)]
struct Defender {
    #[serde(rename = "id", deserialize_with = "href::defender")]
    href: String,
    name: String,
    #[serde(deserialize_with = "labelled")]
    status: String,
    occupation: Option<String>,
    events: Connection<CaseEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaseEvent {
    #[serde(deserialize_with = "labelled")]
    kind: String,
    occurred_on: Option<String>,
}

#[derive(Deserialize)]
struct Restriction {
    #[serde(rename = "id", deserialize_with = "href::restriction")]
    href: String,
    title: String,
    reference: Option<String>,
    #[serde(deserialize_with = "labelled")]
    status: String,
    history: Connection<StatusChange>,
    sources: Connection<Source>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusChange {
    #[serde(deserialize_with = "labelled")]
    status: String,
    changed_on: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Campaign {
    #[serde(rename = "id", deserialize_with = "href::campaign")]
    href: String,
    title: String,
    #[serde(deserialize_with = "labelled")]
    status: String,
    started_on: Option<String>,
}

/// The colours of the map's five classes of counts, light to dark (as
/// the overview's map), and of places with none.
const COUNT_COLOURS: [&str; 5] = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
const NO_DATA: &str = "#e5e7eb";

/// A map of the place: the country among its neighbours, coloured by
/// defenders per country; or the U.S. states, coloured by restrictions per
/// state. The place is outlined; the others link to their pages.
struct PlaceMap {
    view_box: String,
    label: String,
    shapes: Vec<MapShape>,
    /// Each colour and what it stands for.
    legend: Vec<(&'static str, String)>,
}

struct MapShape {
    /// The shape's page; none for the place itself, and for areas without
    /// an ISO code (Northern Cyprus, Somaliland, Kosovo in the boundaries).
    href: Option<String>,
    /// Whether it is the place itself.
    here: bool,
    /// The name and the figure, as the shape's title.
    title: String,
    fill: &'static str,
    d: &'static str,
}

/// A count and its noun: "1 defender", "2 defenders".
fn counted(count: u64, plural: &str) -> String {
    match count {
        1 => format!("1 {}", plural.strip_suffix('s').unwrap_or(plural)),
        _ => format!("{count} {plural}"),
    }
}

/// Up to five classes of counts, each an equal share of the places with
/// data: the upper bound of each, ascending.
fn classes(counts: &[u64]) -> Vec<u64> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let mut bounds: Vec<u64> = Vec::new();
    for i in 1..=5 {
        if let Some(upper) = sorted.get((sorted.len() * i).div_ceil(5).saturating_sub(1))
            && !bounds.contains(upper)
        {
            bounds.push(*upper);
        }
    }
    bounds
}

impl PlaceMap {
    /// The map of a country or subdivision (a U.S. one: the states; any
    /// other: its country and the neighbours), with the figures that colour
    /// it (defenders per country, or restrictions per U.S. state); none for
    /// a place the boundaries do not hold (small island states).
    fn of(kind: Kind, code: &str, name: &str, figures: &Statistics) -> Option<PlaceMap> {
        let country = code.split('-').next().unwrap_or(code);
        let (view_box, shapes, page, here, label, noun, counts) = if country == "US" {
            let map = crate::web::maps::us_states_map();
            let here = if kind == Kind::Country { "" } else { code };
            let label = format!("Map of restrictions per U.S. state; {name} is outlined");
            let counts = &figures.us_restrictions.by_subdivision;
            (map.view_box.clone(), map.shapes.iter().collect(), "subdivisions", here, label, "restrictions", counts)
        } else {
            let region = crate::web::maps::world_map().around(country)?;
            let label = match kind {
                Kind::Country => format!("Map of defenders per country around {name}, which is outlined"),
                Kind::Subdivision => format!("Map of defenders per country around the country of {name}, outlined"),
            };
            let counts = &figures.world_defenders.by_country;
            (region.view_box, region.shapes, "countries", country, label, "defenders", counts)
        };
        let count_of = |code: Option<&str>| counts.iter().find(|b| Some(b.key.as_str()) == code).map(|b| b.count);
        let shown: Vec<u64> = shapes.iter().filter_map(|shape| count_of(shape.code.as_deref())).collect();
        let bounds = classes(&shown);
        let colour = |count: u64| {
            let class = bounds.iter().position(|upper| count <= *upper).unwrap_or(bounds.len().saturating_sub(1));
            COUNT_COLOURS[class + COUNT_COLOURS.len() - bounds.len()]
        };
        let shapes = shapes
            .into_iter()
            .map(|shape| {
                let count = count_of(shape.code.as_deref());
                MapShape {
                    href: shape.code.as_deref().filter(|code| *code != here).map(|code| format!("/{page}/{code}")),
                    here: shape.code.as_deref() == Some(here),
                    title: format!("{}: {}", shape.name, counted(count.unwrap_or(0), noun)),
                    fill: count.map_or(NO_DATA, colour),
                    d: &shape.d,
                }
            })
            .collect();
        let mut legend: Vec<(&'static str, String)> = bounds
            .iter()
            .enumerate()
            .map(|(i, upper)| {
                let lower = if i == 0 { shown.iter().min().copied().unwrap_or(*upper) } else { bounds[i - 1] + 1 };
                let range = if lower == *upper { upper.to_string() } else { format!("{lower}–{upper}") };
                let unit = if lower == *upper && *upper == 1 { noun.trim_end_matches('s') } else { noun };
                (COUNT_COLOURS[i + COUNT_COLOURS.len() - bounds.len()], format!("{range} {unit}"))
            })
            .collect();
        legend.push((NO_DATA, format!("no {noun} recorded")));
        Some(PlaceMap { view_box, label, shapes, legend })
    }
}

/// One dated line of the timeline.
struct Entry {
    date: String,
    subject: String,
    link: String,
    what: String,
}

#[derive(Template)]
#[template(path = "place.html")]
struct Page {
    place: Place,
    /// "country" or "subdivision", for the page's wording.
    kind: &'static str,
    by_status: Vec<(String, u64)>,
    timeline: Vec<Entry>,
    sources: Vec<Source>,
    /// A subdivision's country page.
    country_href: Option<String>,
    /// The overview's map in the view that shows this place.
    map_href: &'static str,
    map: Option<PlaceMap>,
    outcomes: Option<Outcomes>,
    graphiql: String,
}

pub(super) async fn country(Path(code): Path<String>, request: PageRequest) -> Response {
    page(Kind::Country, code, request).await
}

pub(super) async fn subdivision(Path(code): Path<String>, request: PageRequest) -> Response {
    page(Kind::Subdivision, code, request).await
}

async fn page(kind: Kind, code: String, request: PageRequest) -> Response {
    let mut variables = Map::new();
    variables.insert("code".into(), json!(code.to_ascii_uppercase()));
    request.render(&kind.query(), variables, move |data: Data, graphiql| render(kind, data, graphiql)).await
}

fn render(kind: Kind, data: Data, graphiql: String) -> Option<String> {
    let place = data.place?;
    // Restriction status changes, newest first (dates sort as text).
    let mut timeline: Vec<Entry> = place
        .restrictions
        .nodes
        .iter()
        .flat_map(|restriction| {
            restriction.history.nodes.iter().filter_map(|change| {
                Some(Entry {
                    date: change.changed_on.clone()?,
                    subject: restriction.title.clone(),
                    link: restriction.href.clone(),
                    what: change.status.clone(),
                })
            })
        })
        .collect();
    // The defenders' dated case events.
    timeline.extend(place.defenders.nodes.iter().flat_map(|defender| {
        defender.events.nodes.iter().filter_map(|event| {
            Some(Entry {
                date: event.occurred_on.clone()?,
                subject: defender.name.clone(),
                link: defender.href.clone(),
                what: event.kind.clone(),
            })
        })
    }));
    // Civic-space ratings, with the page's own link.
    let ratings = place.ratings.iter().flat_map(|ratings| &ratings.nodes);
    timeline.extend(ratings.clone().map(|rating| Entry {
        date: rating.rated_on.clone(),
        subject: "Civic space".into(),
        link: "#ratings".into(),
        what: match &rating.organisation {
            Some(organisation) => format!("rated {} by {}", rating.rating, organisation.name),
            None => format!("rated {}", rating.rating),
        },
    }));
    timeline.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.subject.cmp(&b.subject)));
    let mut sources: Vec<Source> = Vec::new();
    let cited = place.restrictions.nodes.iter().flat_map(|restriction| &restriction.sources.nodes);
    for source in cited.chain(ratings.filter_map(|rating| rating.source.as_ref())) {
        if !sources.iter().any(|known| known.id == source.id) {
            sources.push(source.clone());
        }
    }
    let sources = sources.into_iter().map(Source::web_link).collect();
    let map = PlaceMap::of(kind, &place.code, &place.name, &data.statistics);
    let by_status =
        data.statistics.defenders.by_status.into_iter().map(|bucket| (bucket.label, bucket.count)).collect();
    let outcomes = data.statistics.outcomes;
    // U.S. states are drawn in the restrictions view filtered to the United States.
    let map_href = if place.code == "US" || place.code.starts_with("US-") {
        "/?map=restrictions&in=US#world-map"
    } else {
        "/#world-map"
    };
    let (kind, country_href) = match kind {
        Kind::Country => ("country", None),
        // An ISO 3166-2 code begins with its country's code.
        Kind::Subdivision => {
            ("subdivision", place.code.split_once('-').map(|(country, _)| format!("/countries/{country}")))
        }
    };
    rendered(&Page { place, kind, by_status, timeline, sources, country_href, map_href, map, outcomes, graphiql })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_in_up_to_five_classes() {
        assert_eq!(classes(&[1, 1, 1]), vec![1]);
        assert_eq!(classes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), vec![2, 4, 6, 8, 10]);
        assert_eq!(classes(&[]), Vec::<u64>::new());
        assert_eq!(counted(1, "defenders"), "1 defender");
        assert_eq!(counted(0, "restrictions"), "0 restrictions");
    }
}
