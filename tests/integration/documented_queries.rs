//! Every read example of the API documentation runs, as written, on the
//! sample data for an anonymous reader, without an error. (The examples of
//! docs/changes.md and the exchange examples have tests of their own.)

use crate::common;

use common::{TestApp, post_as};
use serde_json::json;

/// The ```graphql blocks of a document that only read: queries, not
/// mutations or subscriptions.
fn read_examples(text: &'static str) -> Vec<&'static str> {
    text.split("```graphql\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .filter(|block| block.trim_start().starts_with('{') || block.trim_start().starts_with("query"))
        .collect()
}

const DOCUMENTS: [(&str, &str); 5] = [
    ("docs/api.md", include_str!("../../docs/api.md")),
    ("docs/search-and-statistics.md", include_str!("../../docs/search-and-statistics.md")),
    ("docs/operations.md", include_str!("../../docs/operations.md")),
    ("docs/reconciliation.md", include_str!("../../docs/reconciliation.md")),
    ("docs/statements.md", include_str!("../../docs/statements.md")),
];

engine_tests!(documented_read_examples_run, |app: TestApp| async move {
    let id = app.defender_id("Máxima Acuña").await;
    let (_, body) = post_as(&app, None, "{ campaigns(first: 1) { nodes { id } } }", json!({})).await;
    let campaign_id =
        body["data"]["campaigns"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let mut ran = 0;
    for (document, text) in DOCUMENTS {
        for example in read_examples(text) {
            let (status, body) = post_as(&app, None, example, json!({ "id": id, "campaignId": campaign_id })).await;
            assert_eq!(status, 200, "{document}: {example}\n{body}");
            assert!(body["errors"].is_null(), "{document}: {example}\n{body}");
            assert!(body["data"].as_object().is_some_and(|data| !data.is_empty()), "{document}: {example}\n{body}");
            ran += 1;
        }
    }
    // Eight in the API guide, four in search and statistics, one in
    // operations, one in reconciliation, seven on statements, languages and
    // past dates.
    assert_eq!(ran, 21, "every example found");
});
