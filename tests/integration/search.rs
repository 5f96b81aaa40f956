//! Search: folding of case, accents and punctuation, other names, prefixes,
//! references, ranking, pagination, visibility, confidential fields, and an
//! index kept up to date by writes and imports.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const SEARCH: &str = "query ($q: String!, $types: [SearchType!], $first: Int, $after: String) {
    search(query: $q, types: $types, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor matchedField score node { __typename
            ... on Defender { id name } ... on Restriction { title reference }
            ... on Campaign { title } ... on Organisation { name } } } } }";

/// The names or titles found, best first, with the field each matched.
async fn search_as(app: &TestApp, key: Option<&str>, query: &str, types: Option<Vec<&str>>) -> Vec<(String, String)> {
    let (_, body) = post_as(app, key, SEARCH, json!({ "q": query, "types": types, "first": 100 })).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    hits(&body["data"]["search"])
}

fn hits(connection: &Value) -> Vec<(String, String)> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            let name = node["name"].as_str().or(node["title"].as_str()).expect("a name or title");
            (name.to_owned(), edge["matchedField"].as_str().expect("field").to_owned())
        })
        .collect()
}

fn found(hits: &[(String, String)], name: &str) -> Option<String> {
    hits.iter().find(|(found, _)| found == name).map(|(_, field)| field.clone())
}

engine_tests!(ignores_case_accents_and_punctuation, |app: TestApp| async move {
    for query in ["maxima acuna", "MÁXIMA ACUÑA", "Máxima-Acuña"] {
        let hits = search_as(&app, None, query, None).await;
        // The exact name outranks a campaign that mentions it.
        assert_eq!(hits[0], ("Máxima Acuña".to_owned(), "NAME".to_owned()), "{query}: {hits:?}");
    }
    for query in ["al qahtani", "alqahtani", "Al-Qahtani", "qahtani"] {
        let hits = search_as(&app, None, query, Some(vec!["DEFENDER"])).await;
        assert_eq!(hits, vec![("Mohammad al-Qahtani".to_owned(), "NAME".to_owned())], "{query}");
    }
    let hits = search_as(&app, None, "toht", None).await;
    assert_eq!(found(&hits, "Ilham Tohti").as_deref(), Some("NAME"), "a prefix matches: {hits:?}");
    assert!(search_as(&app, None, "tohtix", None).await.is_empty(), "a longer word does not match");
});

engine_tests!(finds_references_titles_and_summaries, |app: TestApp| async move {
    let florida = "Florida bill restricting the right to protest";
    for query in ["HB 1", "hb1", "SB 484", "sb484"] {
        let hits = search_as(&app, None, query, Some(vec!["RESTRICTION"])).await;
        assert_eq!(hits, vec![(florida.to_owned(), "REFERENCE".to_owned())], "{query}");
    }
    let hits = search_as(&app, None, "north dakota bills", Some(vec!["RESTRICTION"])).await;
    assert_eq!(found(&hits, "Five North Dakota bills restricting the right to protest").as_deref(), Some("TITLE"));
    // Every kind comes back from one search, each with its type.
    let (_, body) = post_as(&app, None, SEARCH, json!({ "q": "protest", "first": 100 })).await;
    let types: std::collections::BTreeSet<&str> = body["data"]["search"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["__typename"].as_str().unwrap())
        .collect();
    assert!(types.contains("Restriction") && types.contains("Campaign"), "{types:?}");
});

engine_tests!(pages_through_ranked_results, |app: TestApp| async move {
    let all = {
        let (_, body) = post_as(&app, None, SEARCH, json!({ "q": "protest", "first": 100 })).await;
        body["data"]["search"].clone()
    };
    let total = all["totalCount"].as_u64().unwrap();
    assert!(total >= 5, "{all}");
    assert_eq!(all["edges"].as_array().unwrap().len() as u64, total);
    let scores: Vec<f64> = all["edges"].as_array().unwrap().iter().map(|e| e["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "best first: {scores:?}");

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (_, body) = post_as(&app, None, SEARCH, json!({ "q": "protest", "first": 2, "after": after })).await;
        let page = &body["data"]["search"];
        assert!(page["edges"].as_array().unwrap().len() <= 2);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        paged.extend(hits(page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(paged, hits(&all), "pages add up to the whole list, in order");
});

engine_tests!(refuses_bad_search_input, |app: TestApp| async move {
    for (variables, argument) in [
        (json!({ "q": "  ,.- " }), "query"),
        (json!({ "q": "x".repeat(201) }), "query"),
        (json!({ "q": "protest", "first": 101 }), "first"),
        (json!({ "q": "protest", "after": "not-a-cursor" }), "after"),
        (json!({ "q": "protest", "types": [] }), "types"),
    ] {
        let (_, body) = post_as(&app, None, SEARCH, variables.clone()).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(error["extensions"]["argument"], argument, "{variables}: {body}");
    }
});

const CREATE: &str =
    "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id version } } }";
const UPDATE: &str =
    "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { id version } } }";

engine_tests!(respects_visibility_and_keeps_confidential_fields_out, |app: TestApp| async move {
    let org = create_org(&app, "Search Watch");
    let key = create_key(&app, &org, "EDITOR");
    let other = create_key(&app, &create_org(&app, "Elsewhere"), "READER");
    let input = json!({ "input": {
        "name": "Zeynep Kandemir-Öztürk", "countryCode": "TR", "status": "DETAINED",
        "otherNames": [{ "name": "Zeynep Kandemir", "kind": "ALIAS" }],
        "visibility": "PRIVATE", "consent": "GIVEN",
        "safetyNotes": "Hides at the Karaburun safehouse", "exactLocation": "Karaburun", "contactDetails": "Signal +90 555 0100"
    } });
    let (_, body) = post_as(&app, Some(&key), CREATE, input).await;
    let id = body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();

    // Written records are searchable at once, by name and by other name.
    let mine = search_as(&app, Some(&key), "zeynep ozturk", None).await;
    assert_eq!(mine, vec![("Zeynep Kandemir-Öztürk".to_owned(), "NAME".to_owned())]);
    let by_alias = search_as(&app, Some(&key), "kandemir", None).await;
    assert_eq!(by_alias.len(), 1, "{by_alias:?}");
    // Hidden from those who may not see the record.
    assert!(search_as(&app, None, "zeynep", None).await.is_empty());
    assert!(search_as(&app, Some(&other), "zeynep", None).await.is_empty());
    let (_, body) = post_as(&app, None, SEARCH, json!({ "q": "zeynep" })).await;
    assert_eq!(body["data"]["search"]["totalCount"], 0);
    // Confidential fields are searched by no one, not even their owner.
    for secret in ["karaburun", "safehouse", "signal 555"] {
        assert!(search_as(&app, Some(&key), secret, None).await.is_empty(), "{secret} was searchable");
    }

    // An update re-indexes: the old name is gone, the new one found.
    let (_, body) = post_as(
        &app,
        Some(&key),
        UPDATE,
        json!({ "input": { "id": id, "expectedVersion": 1,
        "name": "Zeynep Arslan", "visibility": "PUBLIC" } }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(search_as(&app, None, "arslan", None).await.len(), 1, "now public and renamed");
    assert!(search_as(&app, Some(&key), "ozturk", None).await.is_empty(), "old name forgotten");
});

engine_tests!(imported_records_are_searchable, |app: TestApp| async move {
    let org = create_org(&app, "Importers");
    let key = create_key(&app, &org, "EDITOR");
    let data = concat!(
        r#"{"type":"restriction","externalId":"R-9","title":"Ley de seguridad ciudadana","reference":"LO 4/2015","kind":"LAW","status":"ENACTED","countryCode":"ES","introducedOn":"2015-03","rights":["PEACEFUL_ASSEMBLY"],"visibility":"PUBLIC"}"#,
        "\n"
    );
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created } }",
        json!({ "input": { "format": "JSON_LINES", "data": data } }),
    )
    .await;
    assert_eq!(body["data"]["importRecords"]["created"], 1, "{body}");
    let hits = search_as(&app, None, "seguridad ciudadana", None).await;
    assert_eq!(hits, vec![("Ley de seguridad ciudadana".to_owned(), "TITLE".to_owned())]);
    let hits = search_as(&app, None, "LO 4/2015", None).await;
    assert_eq!(found(&hits, "Ley de seguridad ciudadana").as_deref(), Some("REFERENCE"), "{hits:?}");
});
