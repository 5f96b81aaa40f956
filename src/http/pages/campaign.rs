//! `/campaigns/{id}`: a campaign's facts and outcome, its lead
//! organisation, the defenders and restrictions it is about, and its sources.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::view::{Connection, Linked, Place, Source, href, labelled, linked_to};
use super::{PageRequest, rendered};

/// The page's one query.
const QUERY: &str = "query CampaignPage($id: ID!) {
  campaign(id: $id) {
    title kind status startedOn endedOn summary outcome outcomeSummary
    leadOrganisation { id name }
    countries(first: 50) { nodes { code name } }
    defenders(first: 50) { totalCount nodes { id name status } }
    restrictions(first: 50) { totalCount nodes { id title status } }
    sources(first: 50) { nodes { id title url publisher publishedOn } }
  }
}";

#[derive(Deserialize)]
struct Data {
    campaign: Option<Campaign>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Campaign {
    title: String,
    #[serde(deserialize_with = "labelled")]
    kind: String,
    #[serde(deserialize_with = "labelled")]
    status: String,
    started_on: Option<String>,
    ended_on: Option<String>,
    summary: Option<String>,
    outcome: Option<super::view::Label>,
    outcome_summary: Option<String>,
    lead_organisation: Option<Organisation>,
    countries: Connection<Place>,
    defenders: Connection<Linked>,
    restrictions: Connection<Linked>,
    sources: Connection<Source>,
}

#[derive(Deserialize)]
struct Organisation {
    #[serde(rename = "id", deserialize_with = "href::organisation")]
    href: String,
    name: String,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct Page {
    campaign: Campaign,
    graphiql: String,
}

pub(super) async fn page(Path(id): Path<String>, request: PageRequest) -> Response {
    request.record(QUERY, id, render).await
}

fn render(data: Data, graphiql: String) -> Option<String> {
    let mut campaign = data.campaign?;
    for country in &mut campaign.countries.nodes {
        country.link("countries");
    }
    linked_to(&mut campaign.defenders.nodes, "defenders");
    linked_to(&mut campaign.restrictions.nodes, "restrictions");
    campaign.sources.nodes = campaign.sources.nodes.into_iter().map(Source::web_link).collect();
    rendered(&Page { campaign, graphiql })
}
