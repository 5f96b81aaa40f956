//! Writes of sources, and records citing them.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::json;

engine_tests!(sources_are_written_and_cited, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Org A"), create_org(&app, "Org B"));
    let (editor_a, editor_b) = (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"));
    let create =
        "mutation ($input: CreateSourceInput!) { createSource(input: $input) { source { id title url version } } }";
    let (_, body) =
        post_as(&app, Some(&editor_a), create, json!({ "input": { "title": "Report", "url": "not a url" } })).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "url", "{body}");
    let (_, body) = post_as(&app, Some(&editor_a), create, json!({ "input": { "title": "Annual report", "url": "https://example.org/report", "publishedOn": "2024-06", "visibility": "PARTNERS" } })).await;
    let source = body["data"]["createSource"]["source"].clone();
    assert_eq!(source["version"], 1, "{body}");
    let (_, body) = post_as(&app, Some(&editor_b), create, json!({ "input": { "title": "B's private notes" } })).await;
    let private_b = body["data"]["createSource"]["source"]["id"].clone();

    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        "mutation { createDefender(input: { name: \"Cited Person\", countryCode: \"PE\" }) { defender { id version } } }",
        json!({}),
    )
    .await;
    let defender = body["data"]["createDefender"]["defender"]["id"].clone();
    let cite = "mutation ($input: CitationInput!) { citeSource(input: $input) { recordVersion } }";
    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        cite,
        json!({ "input": { "recordId": defender, "expectedVersion": 1, "sourceId": private_b } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "input.sourceId", "a source A cannot see: {body}");
    assert!(!body.to_string().contains("private notes"));
    let (_, body) = post_as(
        &app,
        Some(&editor_b),
        cite,
        json!({ "input": { "recordId": defender, "expectedVersion": 1, "sourceId": source["id"] } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "B cannot see A's private defender: {body}");
    let (_, body) = post_as(&app, Some(&editor_a), cite, json!({ "input": { "recordId": defender, "expectedVersion": 1, "sourceId": source["id"], "locator": "p. 12" } })).await;
    assert_eq!(body["data"]["citeSource"]["recordVersion"], 2, "{body}");

    let read =
        "query ($id: ID!) { defender(id: $id) { version sources { edges { locators node { title publishedOn } } } } }";
    let (_, body) = post_as(&app, Some(&editor_a), read, json!({ "id": defender })).await;
    assert_eq!(
        body["data"]["defender"]["sources"]["edges"],
        json!([{ "locators": ["p. 12"], "node": { "title": "Annual report", "publishedOn": "2024-06" } }])
    );

    let uncite = "mutation ($input: CitationInput!) { unciteSource(input: $input) { recordVersion } }";
    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        uncite,
        json!({ "input": { "recordId": defender, "expectedVersion": 1, "sourceId": source["id"] } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        uncite,
        json!({ "input": { "recordId": defender, "expectedVersion": 2, "sourceId": source["id"] } }),
    )
    .await;
    assert_eq!(body["data"]["unciteSource"]["recordVersion"], 3, "{body}");
    let (_, body) = post_as(&app, Some(&editor_a), read, json!({ "id": defender })).await;
    assert_eq!(body["data"]["defender"]["sources"]["edges"], json!([]));

    let update = "mutation ($input: UpdateSourceInput!) { updateSource(input: $input) { source { title version } } }";
    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        update,
        json!({ "input": { "id": source["id"], "expectedVersion": 1, "title": "Annual report 2024" } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateSource"]["source"],
        json!({ "title": "Annual report 2024", "version": 2 }),
        "{body}"
    );
    let (_, body) = post_as(
        &app,
        Some(&editor_b),
        update,
        json!({ "input": { "id": source["id"], "expectedVersion": 2, "title": "Hijack" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
});
