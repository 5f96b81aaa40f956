//! `GET /reconcile/preview?id=`: a small card for a client's preview pane,
//! self-contained (no script, style sheet, font or image from anywhere),
//! showing what the caller may see of the record and never a confidential
//! field. A record the caller may not see gets the card of a record that
//! does not exist.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::ReconcileRequest;
use crate::error::code;
use crate::service::reconcile::{MatchType, label};

/// The size of the client's frame, in pixels.
pub const WIDTH: u32 = 400;
pub const HEIGHT: u32 = 220;

/// The one query; confidential fields are not asked for.
const QUERY: &str = "query ReconcilePreview($id: ID!) {
  node(id: $id) {
    __typename
    ... on Defender { name occupation defenderStatus: status summary country { name } subdivision { name } otherNames { name } }
    ... on Organisation { name acronym organisationKind: kind summary country { name } }
    ... on Restriction { name: title reference restrictionStatus: status restrictionKind: kind summary country { name } subdivision { name } }
    ... on Campaign { name: title campaignKind: kind campaignStatus: status summary leadOrganisation { name } }
  }
}";

#[derive(Template)]
#[template(path = "reconcile_preview.html")]
struct Card {
    found: bool,
    kind: String,
    name: String,
    facts: Vec<(&'static str, String)>,
    summary: Option<String>,
}

/// The longest summary shown; the card is small.
const SUMMARY_CHARS: usize = 280;

pub(super) async fn preview(request: ReconcileRequest) -> Response {
    let access = match request.access().await {
        Ok(access) => access,
        Err(response) => return response,
    };
    let Some(id) = request.param("id").map(str::to_owned) else {
        return request.refuse(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "id: is required, such as ?id=<record id>",
        );
    };
    // Read through the GraphQL API, which charges the rate limiter what
    // the query costs.
    let mut variables = Map::new();
    variables.insert("id".into(), Value::String(id));
    let (node, charge) = match request.read(&access, QUERY, variables).await {
        // Only the service's types have cards; other ids name nothing here.
        Ok((data, charge)) => (
            data.get("node")
                .cloned()
                .filter(|node| node.get("__typename").and_then(Value::as_str).and_then(MatchType::parse).is_some()),
            charge,
        ),
        Err(response) => return response,
    };
    let (status, card) = match node {
        Some(node) => (StatusCode::OK, card(&node)),
        None => (
            StatusCode::NOT_FOUND,
            Card { found: false, kind: String::new(), name: "No record".into(), facts: Vec::new(), summary: None },
        ),
    };
    let html = card.render().unwrap_or_default();
    let mut response = (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    super::super::graphql::rate_limit_headers(&mut response, charge, false);
    let outcome = if status == StatusCode::OK { "ok" } else { "not_found" };
    request.finish(outcome, &[], response)
}

fn card(node: &Value) -> Card {
    let text = |name: &str| node.get(name).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_owned);
    let nested = |name: &str| node.get(name).and_then(|v| v.get("name")).and_then(Value::as_str).map(str::to_owned);
    let kind = text("__typename").unwrap_or_default();
    let mut facts: Vec<(&'static str, Option<String>)> = Vec::new();
    match kind.as_str() {
        "Defender" => {
            let others: Vec<&str> = node
                .get("otherNames")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(|n| n.get("name")?.as_str()).collect())
                .unwrap_or_default();
            facts.push(("Status", text("defenderStatus").map(|s| label(&s))));
            facts.push(("Occupation", text("occupation")));
            facts.push(("Place", place(nested("subdivision"), nested("country"))));
            facts.push(("Also known as", (!others.is_empty()).then(|| others.join("; "))));
        }
        "Organisation" => {
            facts.push(("Acronym", text("acronym")));
            facts.push(("Kind", text("organisationKind").map(|s| label(&s))));
            facts.push(("Country", nested("country")));
        }
        "Restriction" => {
            facts.push(("Reference", text("reference")));
            facts.push(("Kind", text("restrictionKind").map(|s| label(&s))));
            facts.push(("Status", text("restrictionStatus").map(|s| label(&s))));
            facts.push(("Jurisdiction", place(nested("subdivision"), nested("country"))));
        }
        "Campaign" => {
            facts.push(("Kind", text("campaignKind").map(|s| label(&s))));
            facts.push(("Status", text("campaignStatus").map(|s| label(&s))));
            facts.push(("Led by", nested("leadOrganisation")));
        }
        _ => {}
    }
    let summary = text("summary").map(|summary| {
        if summary.chars().count() > SUMMARY_CHARS {
            let cut: String = summary.chars().take(SUMMARY_CHARS).collect();
            format!("{}…", cut.trim_end())
        } else {
            summary
        }
    });
    Card {
        found: true,
        kind,
        name: text("name").unwrap_or_default(),
        facts: facts.into_iter().filter_map(|(label, value)| Some((label, value?))).collect(),
        summary,
    }
}

fn place(subdivision: Option<String>, country: Option<String>) -> Option<String> {
    match (subdivision, country) {
        (Some(subdivision), Some(country)) => Some(format!("{subdivision}, {country}")),
        (subdivision, country) => subdivision.or(country),
    }
}
