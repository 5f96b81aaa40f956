//! `/defenders/{id}`: a defender's public facts, case timeline, the
//! restrictions and campaigns linked to them, and the sources cited.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::view::{Connection, Label, Linked, Place, Source, href, labelled, linked_to};
use super::{PageRequest, rendered};

/// The page's one query. Confidential fields are not asked for: the page
/// is anonymous, and they would be null anyway.
const QUERY: &str = "query DefenderPage($id: ID!) {
  defender(id: $id) {
    name status occupation summary sectors
    otherNames { name }
    country { code name }
    subdivision { code name }
    events(first: 100) { nodes { kind occurredOn description restriction { id title } } }
    restrictions(first: 50) { nodes { id title status } }
    campaigns(first: 50) { nodes { id title status } }
    sources(first: 50) { nodes { id title url publisher publishedOn } }
  }
}";

#[derive(Deserialize)]
struct Data {
    defender: Option<Defender>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Defender {
    name: String,
    #[serde(deserialize_with = "labelled")]
    status: String,
    occupation: Option<String>,
    summary: Option<String>,
    sectors: Vec<Label>,
    other_names: Vec<OtherName>,
    country: Place,
    subdivision: Option<Place>,
    events: Connection<Event>,
    restrictions: Connection<Linked>,
    campaigns: Connection<Linked>,
    sources: Connection<Source>,
}

#[derive(Deserialize)]
struct OtherName {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(deserialize_with = "labelled")]
    kind: String,
    occurred_on: Option<String>,
    description: Option<String>,
    restriction: Option<EventRestriction>,
}

#[derive(Deserialize)]
struct EventRestriction {
    #[serde(rename = "id", deserialize_with = "href::restriction")]
    href: String,
    title: String,
}

#[derive(Template)]
#[template(path = "defender.html")]
struct Page {
    defender: Defender,
    graphiql: String,
}

pub(super) async fn page(Path(id): Path<String>, request: PageRequest) -> Response {
    request.record(QUERY, id, render).await
}

fn render(data: Data, graphiql: String) -> Option<String> {
    let mut defender = data.defender?;
    defender.sources.nodes = defender.sources.nodes.into_iter().map(Source::web_link).collect();
    defender.country.link("countries");
    if let Some(subdivision) = &mut defender.subdivision {
        subdivision.link("subdivisions");
    }
    linked_to(&mut defender.restrictions.nodes, "restrictions");
    linked_to(&mut defender.campaigns.nodes, "campaigns");
    rendered(&Page { defender, graphiql })
}
