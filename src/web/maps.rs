//! The boundaries the overview's map draws, as SVG paths: countries from
//! Natural Earth (world-atlas, 1:110m) in the Natural Earth projection, and
//! U.S. states (us-atlas, already in the Albers USA projection). Each shape
//! is keyed by the ISO code the API's statistics use (`PE`, `US-FL`), so
//! that the page joins figures to shapes without a table of its own.
//!
//! The paths are computed once, on first use, from the vendored TopoJSON
//! compiled into the binary; the browser receives ready paths and no
//! geographic library.

use std::sync::OnceLock;

use serde::Serialize;

const WORLD_TOPOLOGY: &str = include_str!("../../assets/vendor/countries-110m.json");
const US_TOPOLOGY: &str = include_str!("../../assets/vendor/states-albers-10m.json");

/// A shape's rings of (x, y) points.
type Rings = Vec<Vec<(f64, f64)>>;

/// The width of the world map's coordinate space; the height follows the projection.
const WORLD_WIDTH: f64 = 960.0;

/// Natural Earth data for Antarctica: left off, as choropleths of human
/// rights records usually do, to give the inhabited world the room.
const ANTARCTICA: u16 = 10;

/// A map: its coordinate space and its shapes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Map {
    pub view_box: String,
    pub shapes: Vec<Shape>,
}

/// One country or state.
#[derive(Serialize)]
pub struct Shape {
    /// ISO 3166-1 alpha-2 or ISO 3166-2 code; none for areas without one
    /// (Northern Cyprus, Somaliland, Kosovo in Natural Earth).
    pub code: Option<String>,
    /// The name in the boundary data.
    pub name: String,
    /// The SVG path.
    pub d: String,
    /// The box of its largest ring (min x, min y, max x, max y): the
    /// country itself, not its overseas parts.
    #[serde(skip)]
    pub main: (f64, f64, f64, f64),
}

/// A region of a map: the shapes near a place, and the box that frames them.
pub struct Region<'a> {
    pub view_box: String,
    pub shapes: Vec<&'a Shape>,
}

impl Map {
    /// The shape with this code.
    pub fn shape(&self, code: &str) -> Option<&Shape> {
        self.shapes.iter().find(|shape| shape.code.as_deref() == Some(code))
    }

    /// The shape with this code and the shapes around it: a frame half as
    /// large again as the shape on every side (at least a twentieth of the
    /// map's width), and every shape whose main part reaches into it.
    pub fn around(&self, code: &str) -> Option<Region<'_>> {
        let (x0, y0, x1, y1) = self.shape(code)?.main;
        let margin = ((x1 - x0).max(y1 - y0) * 0.5).max(WORLD_WIDTH / 20.0);
        let frame = (x0 - margin, y0 - margin, x1 + margin, y1 + margin);
        let shapes = self
            .shapes
            .iter()
            .filter(|shape| {
                let (a0, b0, a1, b1) = shape.main;
                a0 <= frame.2 && a1 >= frame.0 && b0 <= frame.3 && b1 >= frame.1
            })
            .collect();
        let view_box = format!("{:.0} {:.0} {:.0} {:.0}", frame.0, frame.1, frame.2 - frame.0, frame.3 - frame.1);
        Some(Region { view_box, shapes })
    }
}

/// The world map.
pub fn world_map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(world)
}

/// The U.S. states map.
pub fn us_states_map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(us_states)
}

/// The world map as JSON.
pub fn world_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_string(world_map()).unwrap_or_default())
}

/// The U.S. states map as JSON.
pub fn us_states_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_string(us_states_map()).unwrap_or_default())
}

/// The features of a named object of a TopoJSON topology.
fn features(topology: &str, object: &str) -> Vec<geojson::Feature> {
    let Some(topology) = topology.parse::<topojson::TopoJson>().ok().and_then(topojson::TopoJson::try_unwrap_topology)
    else {
        return Vec::new();
    };
    topojson::to_geojson(&topology, object).map(|collection| collection.features).unwrap_or_default()
}

fn name_of(feature: &geojson::Feature) -> String {
    feature.property("name").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned()
}

/// The polygons' rings of a feature, as (x, y) points.
fn rings(feature: &geojson::Feature) -> Vec<Vec<(f64, f64)>> {
    let point =
        |position: &Vec<f64>| (position.first().copied().unwrap_or(0.0), position.get(1).copied().unwrap_or(0.0));
    let polygon = |rings: &Vec<Vec<Vec<f64>>>| -> Vec<Vec<(f64, f64)>> {
        rings.iter().map(|ring| ring.iter().map(point).collect()).collect()
    };
    match feature.geometry.as_ref().map(|geometry| &geometry.value) {
        Some(geojson::Value::Polygon(rings)) => polygon(rings),
        Some(geojson::Value::MultiPolygon(polygons)) => polygons.iter().flat_map(polygon).collect(),
        _ => Vec::new(),
    }
}

/// The box of a shape's largest ring (by the area of its box).
fn main_box(rings: &[Vec<(f64, f64)>]) -> (f64, f64, f64, f64) {
    let boxes = rings.iter().map(|ring| {
        ring.iter().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |(a, b, c, d), (x, y)| {
            (a.min(*x), b.min(*y), c.max(*x), d.max(*y))
        })
    });
    boxes.max_by(|p, q| ((p.2 - p.0) * (p.3 - p.1)).total_cmp(&((q.2 - q.0) * (q.3 - q.1)))).unwrap_or_default()
}

/// An SVG path of rings of points already in map coordinates, to a tenth of
/// a unit, without points that round to the one before.
fn path(rings: &[Vec<(f64, f64)>]) -> String {
    let mut d = String::new();
    for ring in rings {
        let mut last: Option<(i64, i64)> = None;
        for (x, y) in ring {
            let point = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if last == Some(point) {
                continue;
            }
            d.push(if last.is_none() { 'M' } else { 'L' });
            d.push_str(&format!("{},{}", tenths(point.0), tenths(point.1)));
            last = Some(point);
        }
        if last.is_some() {
            d.push('Z');
        }
    }
    d
}

/// A number of tenths as text: `123` as `12.3`, `120` as `12`.
fn tenths(value: i64) -> String {
    let (whole, tenth) = (value / 10, (value % 10).abs());
    match (tenth, value < 0 && whole == 0) {
        (0, _) => whole.to_string(),
        (_, true) => format!("-0.{tenth}"),
        _ => format!("{whole}.{tenth}"),
    }
}

/// A ring of longitude and latitude points that may cross the antimeridian
/// (Natural Earth's Fiji and Chukotka do: a step from 179° to -179°),
/// as rings that do not: the ring is made continuous (-179° becomes 181°),
/// then cut at ±180° into the part on this side and the part that wraps
/// round to the other, each closed along the cut.
fn split_at_antimeridian(ring: Vec<(f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut continuous: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
    for (mut longitude, latitude) in ring {
        if let Some((previous, _)) = continuous.last() {
            while longitude - previous > 180.0 {
                longitude -= 360.0;
            }
            while longitude - previous < -180.0 {
                longitude += 360.0;
            }
        }
        continuous.push((longitude, latitude));
    }
    let west = continuous.iter().any(|(longitude, _)| *longitude < -180.0);
    let east = continuous.iter().any(|(longitude, _)| *longitude > 180.0);
    if !west && !east {
        return vec![continuous];
    }
    let shift = if east { -360.0 } else { 360.0 };
    let wrapped: Vec<(f64, f64)> =
        continuous.iter().map(|(longitude, latitude)| (longitude + shift, *latitude)).collect();
    [clip(&continuous, 180.0, east), clip(&wrapped, -180.0, !east)].into_iter().filter(|part| part.len() >= 3).collect()
}

/// The part of a ring on one side of the meridian `at` (west of it when
/// `keep_west`), closed along it (Sutherland and Hodgman's clipping).
fn clip(ring: &[(f64, f64)], at: f64, keep_west: bool) -> Vec<(f64, f64)> {
    let inside = |(longitude, _): (f64, f64)| if keep_west { longitude <= at } else { longitude >= at };
    let crossing = |(x1, y1): (f64, f64), (x2, y2): (f64, f64)| (at, y1 + (y2 - y1) * (at - x1) / (x2 - x1));
    let mut out = Vec::with_capacity(ring.len());
    for (i, &point) in ring.iter().enumerate() {
        let previous = ring[(i + ring.len() - 1) % ring.len()];
        match (inside(previous), inside(point)) {
            (true, true) => out.push(point),
            (true, false) => out.push(crossing(previous, point)),
            (false, true) => {
                out.push(crossing(previous, point));
                out.push(point);
            }
            (false, false) => {}
        }
    }
    out
}

/// The Natural Earth projection (Šavrič, Jenny, Patterson and Jenny, 2011),
/// as d3-geo's `geoNaturalEarth1`: longitude and latitude in degrees to
/// unscaled plane coordinates, y growing northwards.
fn natural_earth(longitude: f64, latitude: f64) -> (f64, f64) {
    let (lambda, phi) = (longitude.to_radians(), latitude.to_radians());
    let phi2 = phi * phi;
    let phi4 = phi2 * phi2;
    let x = lambda * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)));
    let y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)));
    (x, y)
}

fn world() -> Map {
    let countries: Vec<(Option<String>, String, Rings)> = features(WORLD_TOPOLOGY, "countries")
        .iter()
        .filter_map(|feature| {
            let numeric = match &feature.id {
                Some(geojson::feature::Id::String(id)) => id.parse::<u16>().ok(),
                Some(geojson::feature::Id::Number(id)) => id.as_u64().and_then(|id| u16::try_from(id).ok()),
                None => None,
            };
            if numeric == Some(ANTARCTICA) {
                return None;
            }
            let code = numeric.and_then(rust_iso3166::from_numeric).map(|country| country.alpha2.to_owned());
            let projected = rings(feature)
                .into_iter()
                .flat_map(split_at_antimeridian)
                .map(|ring| ring.into_iter().map(|(longitude, latitude)| natural_earth(longitude, latitude)).collect())
                .collect();
            Some((code, name_of(feature), projected))
        })
        .collect();
    // Fit the projected shapes to the width, north up.
    let points = || countries.iter().flat_map(|(_, _, rings)| rings.iter().flatten());
    let (min_x, max_x) = points().fold((f64::MAX, f64::MIN), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
    let (min_y, max_y) = points().fold((f64::MAX, f64::MIN), |(lo, hi), (_, y)| (lo.min(*y), hi.max(*y)));
    let scale = WORLD_WIDTH / (max_x - min_x);
    let height = ((max_y - min_y) * scale).ceil();
    let shapes = countries
        .into_iter()
        .map(|(code, name, rings)| {
            let placed: Vec<Vec<(f64, f64)>> = rings
                .into_iter()
                .map(|ring| ring.into_iter().map(|(x, y)| ((x - min_x) * scale, (max_y - y) * scale)).collect())
                .collect();
            Shape { code, name, d: path(&placed), main: main_box(&placed) }
        })
        .collect();
    Map { view_box: format!("0 0 {WORLD_WIDTH} {height}"), shapes }
}

fn us_states() -> Map {
    let us = rust_iso3166::from_alpha2("US");
    let subdivisions = us.as_ref().and_then(rust_iso3166::CountryCode::subdivisions).unwrap_or_default();
    let shapes = features(US_TOPOLOGY, "states")
        .iter()
        .map(|feature| {
            let name = name_of(feature);
            // us-atlas names states in full, as ISO 3166-2 does.
            let code = subdivisions.iter().find(|subdivision| subdivision.name == name).map(|s| s.code.to_owned());
            let rings = rings(feature);
            Shape { code, name, d: path(&rings), main: main_box(&rings) }
        })
        .collect();
    // us-atlas's Albers USA coordinates fill a 975 by 610 frame.
    Map { view_box: "0 0 975 610".into(), shapes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_with_a_code_is_drawn_once() {
        let map = world();
        let codes: Vec<&str> = map.shapes.iter().filter_map(|shape| shape.code.as_deref()).collect();
        assert!(codes.len() >= 170, "{} countries", codes.len());
        for code in ["PE", "SA", "CN", "US", "RU", "FJ"] {
            assert_eq!(codes.iter().filter(|c| **c == code).count(), 1, "{code}");
        }
        assert!(!codes.contains(&"AQ"), "Antarctica is left off");
        let peru = map.shapes.iter().find(|shape| shape.code.as_deref() == Some("PE")).unwrap();
        assert_eq!(peru.name, "Peru");
        assert!(peru.d.starts_with('M') && peru.d.ends_with('Z'), "{}", peru.d);
        // Inside the frame: 960 wide, about half as high.
        assert!(map.view_box.starts_with("0 0 960 "), "{}", map.view_box);
        let height: f64 = map.view_box.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((400.0..560.0).contains(&height), "{height}");
    }

    #[test]
    fn a_region_frames_a_country_and_its_neighbours() {
        let map = world_map();
        let region = map.around("PE").expect("Peru is on the map");
        let codes: Vec<&str> = region.shapes.iter().filter_map(|shape| shape.code.as_deref()).collect();
        for neighbour in ["PE", "EC", "CO", "BR", "BO", "CL"] {
            assert!(codes.contains(&neighbour), "{neighbour} near Peru: {codes:?}");
        }
        assert!(!codes.contains(&"CN") && !codes.contains(&"FR"), "{codes:?}");
        // France is framed by its European part, not French Guiana.
        let france = map.around("FR").unwrap();
        assert!(france.shapes.iter().any(|shape| shape.code.as_deref() == Some("DE")));
        assert!(!france.shapes.iter().any(|shape| shape.code.as_deref() == Some("BR")));
        assert!(map.around("ZZ").is_none());
    }

    #[test]
    fn states_carry_their_iso_codes() {
        let map = us_states();
        assert_eq!(map.shapes.len(), 51);
        assert!(map.shapes.iter().all(|shape| shape.code.is_some()), "every state and D.C. is matched");
        assert!(map.shapes.iter().any(|shape| shape.code.as_deref() == Some("US-FL") && shape.name == "Florida"));
    }

    #[test]
    fn rings_are_cut_at_the_antimeridian() {
        // A square from 179° east to 179° west: a degree either side.
        let parts = split_at_antimeridian(vec![(179.0, 0.0), (-179.0, 0.0), (-179.0, 1.0), (179.0, 1.0)]);
        assert_eq!(parts.len(), 2, "{parts:?}");
        for part in &parts {
            let (lo, hi) = part.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
            assert!((-180.0..=180.0).contains(&lo) && (-180.0..=180.0).contains(&hi), "{part:?}");
            assert!((hi - lo - 1.0).abs() < 1e-9, "each part is a degree wide: {part:?}");
        }
        // A ring that does not cross stays whole.
        assert_eq!(split_at_antimeridian(vec![(10.0, 0.0), (11.0, 0.0), (11.0, 1.0)]).len(), 1);
        // No point of the world map is beyond the antimeridian.
        assert!(world().shapes.iter().all(|shape| !shape.d.contains("NaN")));
    }

    #[test]
    fn paths_are_compact() {
        assert_eq!(tenths(123), "12.3");
        assert_eq!(tenths(120), "12");
        assert_eq!(tenths(-5), "-0.5");
        assert_eq!(tenths(-15), "-1.5");
        assert_eq!(path(&[vec![(0.0, 0.0), (0.01, 0.0), (1.0, 2.0)]]), "M0,0L1,2Z");
        let (x, y) = natural_earth(0.0, 0.0);
        assert_eq!((x, y), (0.0, 0.0));
        assert!(natural_earth(180.0, 0.0).0 > natural_earth(180.0, 60.0).0, "meridians curve inwards");
    }
}
