//! `/restrictions/{id}`: a law, bill or practice: its facts, status
//! history, the defenders and campaigns linked to it, and its sources.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::view::{Connection, Linked, Place, Source, labelled, linked_to};
use super::{PageRequest, rendered};

/// The page's one query.
const QUERY: &str = "query RestrictionPage($id: ID!) {
  restriction(id: $id) {
    title reference kind status rights introducedOn decidedOn summary
    country { code name }
    subdivision { code name }
    history(first: 100) { nodes { status changedOn note } }
    defenders(first: 50) { totalCount nodes { id name status } }
    campaigns(first: 50) { totalCount nodes { id title status } }
    sources(first: 50) { nodes { id title url publisher publishedOn } }
  }
}";

#[derive(Deserialize)]
struct Data {
    restriction: Option<Restriction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Restriction {
    title: String,
    reference: Option<String>,
    #[serde(deserialize_with = "labelled")]
    kind: String,
    #[serde(deserialize_with = "labelled")]
    status: String,
    rights: Vec<super::view::Label>,
    introduced_on: Option<String>,
    decided_on: Option<String>,
    summary: Option<String>,
    country: Place,
    subdivision: Option<Place>,
    history: Connection<StatusChange>,
    defenders: Connection<Linked>,
    campaigns: Connection<Linked>,
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

#[derive(Template)]
#[template(path = "restriction.html")]
struct Page {
    restriction: Restriction,
    graphiql: String,
}

pub(super) async fn page(Path(id): Path<String>, request: PageRequest) -> Response {
    request.record(QUERY, id, render).await
}

fn render(data: Data, graphiql: String) -> Option<String> {
    let mut restriction = data.restriction?;
    restriction.country.link("countries");
    if let Some(subdivision) = &mut restriction.subdivision {
        subdivision.link("subdivisions");
    }
    linked_to(&mut restriction.defenders.nodes, "defenders");
    linked_to(&mut restriction.campaigns.nodes, "campaigns");
    restriction.sources.nodes = restriction.sources.nodes.into_iter().map(Source::web_link).collect();
    rendered(&Page { restriction, graphiql })
}
