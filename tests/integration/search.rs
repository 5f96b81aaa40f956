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

// More matches than a search ranks: the count says it is a lower bound, the
// pages end at the bound, an exact name is found wherever it stands in the
// index, and records hidden from the viewer take no candidate's place.
engine_tests!(a_broad_search_is_bounded_and_says_so, |app: TestApp| async move {
    use rights_graph::seed::synthetic::{Options, seed};
    const BOUNDED: &str = "query ($q: String!, $first: Int, $after: String) {
        search(query: $q, first: $first, after: $after) {
            totalCount totalCountIsExact pageInfo { hasNextPage endCursor }
            edges { cursor matchedField node { ... on Defender { id name } ... on Restriction { id }
                ... on Campaign { id } ... on Organisation { id } } } } }";
    // Hidden from the anonymous reader, and first in the index's order.
    let org = create_org(&app, "Bound Owner");
    let key = create_key(&app, &org, "EDITOR");
    for n in 0..30 {
        let input = json!({ "input": { "name": format!("Hidden Synthetic {n}"), "countryCode": "PE",
                                       "summary": "synthetic", "visibility": "PRIVATE" } });
        let (status, body) = post_as(&app, Some(&key), CREATE, input).await;
        assert_eq!(status, 200, "{body}");
    }
    seed(&app.db, Options { defenders: 1_200, seed: 3, allow_real_data: true }).await.expect("seeded");
    // A record whose whole name is the query, indexed after all the others.
    let input =
        json!({ "input": { "name": "Synthetic", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" } });
    let (_, body) = post_as(&app, Some(&key), CREATE, input).await;
    let exact =
        body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();

    let ask = |key: Option<String>, variables: Value| {
        let app = &app;
        async move {
            let (status, body) = post_as(app, key.as_deref(), BOUNDED, variables).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let body = ask(None, json!({ "q": "synthetic", "first": 100 })).await;
    let search = &body["data"]["search"];
    assert_eq!(search["totalCount"], 1000, "{}", search["totalCount"]);
    assert_eq!(search["totalCountIsExact"], false);
    assert_eq!(search["edges"][0]["node"]["id"], exact, "the exact name ranks first: {}", search["edges"][0]);
    assert_eq!(search["edges"][0]["matchedField"], "NAME");

    // Paging through every ranked result: no record twice, none hidden, and
    // the last page ends the search.
    let mut seen = std::collections::BTreeSet::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let body = ask(None, json!({ "q": "synthetic", "first": 100, "after": after })).await;
        assert!(body["errors"].is_null(), "{body}");
        let search = &body["data"]["search"];
        for edge in search["edges"].as_array().unwrap() {
            let name = edge["node"]["name"].as_str().unwrap_or_default();
            assert!(!name.starts_with("Hidden"), "a hidden record was found: {edge}");
            assert!(seen.insert(edge["node"]["id"].to_string()), "found twice: {edge}");
        }
        pages += 1;
        after = search["pageInfo"]["endCursor"].clone();
        if search["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert!(pages < 20, "more pages than the bound allows");
    }
    // The first 1,000 visible matches, and the exact name beyond them.
    assert_eq!(seen.len(), 1001, "{pages} pages");
    let last = ask(None, json!({ "q": "synthetic", "first": 1, "after": after })).await;
    assert_eq!(last["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{last}");
    assert!(last["errors"][0]["message"].as_str().unwrap().contains("1000"), "{last}");

    // The owner sees its hidden records among the candidates: still a bound.
    let body = ask(Some(key.clone()), json!({ "q": "synthetic", "first": 40 })).await;
    assert_eq!(body["data"]["search"]["totalCount"], 1000);
    // A narrow query is counted exactly.
    let body = ask(Some(key), json!({ "q": "hidden synthetic", "first": 1 })).await;
    assert_eq!(body["data"]["search"]["totalCount"], 30);
    assert_eq!(body["data"]["search"]["totalCountIsExact"], true);
});
