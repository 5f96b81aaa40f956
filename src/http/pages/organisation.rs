//! `/organisations/{id}`: an organisation's public facts, its campaigns
//! and the sources cited.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::view::{Connection, Label, Linked, Place, Source, linked_to};
use super::{PageRequest, rendered};

/// The page's one query.
const QUERY: &str = "query OrganisationPage($id: ID!) {
  organisation(id: $id) {
    name acronym kind website summary
    country { code name }
    campaigns(first: 50) { totalCount nodes { id title status } }
    sources(first: 50) { nodes { id title url publisher publishedOn } }
  }
}";

#[derive(Deserialize)]
struct Data {
    organisation: Option<Organisation>,
}

#[derive(Deserialize)]
struct Organisation {
    name: String,
    acronym: Option<String>,
    kind: Label,
    website: Option<String>,
    summary: Option<String>,
    country: Option<Place>,
    campaigns: Connection<Linked>,
    sources: Connection<Source>,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct Page {
    organisation: Organisation,
    graphiql: String,
}

pub(super) async fn page(Path(id): Path<String>, request: PageRequest) -> Response {
    request.record(QUERY, id, render).await
}

fn render(data: Data, graphiql: String) -> Option<String> {
    let mut organisation = data.organisation?;
    if let Some(country) = &mut organisation.country {
        country.link("countries");
    }
    organisation.website = organisation.website.filter(|url| super::view::is_web_address(url));
    linked_to(&mut organisation.campaigns.nodes, "campaigns");
    organisation.sources.nodes = organisation.sources.nodes.into_iter().map(Source::web_link).collect();
    rendered(&Page { organisation, graphiql })
}
