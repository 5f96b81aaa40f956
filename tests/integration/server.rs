//! The HTTP surface: health and readiness, GraphiQL, GET queries, error codes
//! for malformed requests, and what errors must not reveal.

use crate::common;

use common::{TestApp, post_body};
use serde_json::{Value, json};

engine_tests!(health_and_readiness, |app: TestApp| async move {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
});

engine_tests!(graphiql_for_browsers_and_queries_over_get, |app: TestApp| async move {
    let page = app.client.get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("graphiql"), "GraphiQL page expected");

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            ("query", r#"query ($code: String!) { country(code: $code) { name } }"#),
            ("variables", r#"{"code":"PE"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "data": { "country": { "name": "Peru" } } }));
});

engine_tests!(malformed_requests_get_codes, |app: TestApp| async move {
    let error = app.error("{ countries { ").await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{error}");
    let error = app.error("{ countries { nodes { favouriteColour } } }").await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    let error = app.error(r#"{ country(code: 42) { name } }"#).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    let body =
        app.post("query ($first: Int) { countries(first: $first) { totalCount } }", json!({ "first": "ten" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    // Choosing an operation the document does not have.
    let (_, body) =
        post_body(&app, &json!({ "query": "query A { countries { totalCount } }", "operationName": "B" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(body.get("data").is_none(), "{body}");

    // Not GraphQL at all.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
});

engine_tests!(every_error_has_a_code_and_hides_internals, |app: TestApp| async move {
    let queries = [
        "{ countries { ",
        "{ nope }",
        r#"{ node(id: "x") { id } }"#,
        r#"{ defender(id: "RGVmZW5kZXI6MDE5MGFhYWEtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw") { id } }"#,
        r#"{ countries(after: "bad") { totalCount } }"#,
        "{ countries(first: 1000) { totalCount } }",
    ];
    for query in queries {
        let body = app.post(query, json!({})).await;
        for error in body["errors"].as_array().unwrap() {
            assert!(error["extensions"]["code"].is_string(), "{query}: {error}");
            let text = error.to_string().to_lowercase();
            for secret in ["select ", "sqlx", "sea_orm", "panicked", "stack backtrace", "rights_graph::"] {
                assert!(!text.contains(secret), "{query} leaked {secret}: {error}");
            }
        }
    }
});

engine_tests!(response_fields_come_in_query_order, |app: TestApp| async move {
    // Fields selected out of alphabetical order, with aliases and fragments,
    // several of them resolved concurrently from the database.
    let query = r#"{ zeta: country(code: "US") { restrictions { totalCount } name defenders { nodes { subdivision { name } name } }
        ...Codes } alpha: countries(first: 1) { totalCount pageInfo { hasNextPage } } }
        fragment Codes on Country { numeric code ... on Country { alpha3 } }"#;
    for _ in 0..5 {
        let body = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let position = |needle: &str| body.find(needle).unwrap_or_else(|| panic!("{needle} missing from {body}"));
        let order = [
            "\"zeta\"",
            "\"restrictions\"",
            "\"name\":\"United States",
            "\"defenders\"",
            "\"subdivision\"",
            "\"numeric\"",
            "\"code\"",
            "\"alpha3\"",
            "\"alpha\"",
            "\"totalCount\":249",
            "\"pageInfo\"",
        ];
        let positions: Vec<usize> = order.iter().map(|needle| position(needle)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "fields out of order: {body}");
    }
});
