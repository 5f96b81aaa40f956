//! Abuse limits: each one refuses with its code and names itself, before
//! any statement runs; introspection can be turned off; batches are off
//! unless allowed; trusted documents.

use crate::common;

use common::{TestApp, post_body};
use rights_graph::Settings;
use serde_json::{Value, json};

/// Runs a query that a limit must refuse; checks that nothing reached the
/// database and returns the error.
async fn refused(app: &TestApp, query: &str) -> Value {
    let before = app.statements.get();
    let (status, body) = post_body(app, &json!({ "query": query })).await;
    assert_eq!(app.statements.get(), before, "a refused query ran statements: {query}");
    assert_eq!(status, 200, "application/json answers request errors with 200: {body}");
    assert!(body.get("data").is_none(), "a refused query has no data: {body}");
    body["errors"][0].clone()
}

fn small_limits(settings: &mut Settings) {
    settings.limits.max_query_depth = 6;
    settings.limits.max_query_nodes = 1_000;
    settings.limits.max_query_aliases = 3;
    settings.limits.max_query_root_fields = 4;
    settings.limits.max_query_directives = 2;
    settings.limits.max_query_bytes = 2_000;
}

configured_tests!(each_limit_refuses_with_its_name, small_limits, |app: TestApp| async move {
    let cases = [
        (
            "maxDepth",
            "{ defenders { nodes { restrictions { nodes { country { subdivisions { nodes { name } } } } } } } }",
            6,
            8,
        ),
        (
            "maxNodes",
            "{ defenders(first: 50) { nodes { restrictions(first: 20) { nodes { title } } } } }",
            1_000,
            1_050,
        ),
        (
            "maxAliases",
            "{ a: defenders { totalCount } b: defenders { totalCount } c: countries { totalCount } d: countries { totalCount } }",
            3,
            4,
        ),
        (
            "maxRootFields",
            "{ defenders { totalCount } countries { totalCount } restrictions { totalCount } campaigns { totalCount } organisations { totalCount } }",
            4,
            5,
        ),
        (
            "maxDirectives",
            "{ defenders @include(if: true) { totalCount @skip(if: false) nodes @include(if: true) { name } } }",
            2,
            3,
        ),
    ];
    for (limit, query, max, actual) in cases {
        let error = refused(&app, query).await;
        assert_eq!(error["extensions"]["code"], "LIMIT_EXCEEDED", "{limit}: {error}");
        assert_eq!(error["extensions"]["limit"], limit, "{error}");
        assert_eq!(error["extensions"]["max"], max, "{error}");
        assert_eq!(error["extensions"]["actual"], actual, "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(limit) && message.contains(&max.to_string()), "{message}");
    }
    // Fragments are counted where they are spread, and variables are read.
    let error = refused(
        &app,
        "query { defenders(first: 40) { nodes { ...R } } } fragment R on Defender { restrictions(first: 30) { totalCount } }",
    )
    .await;
    assert_eq!(error["extensions"]["actual"], 40 + 40 * 30, "{error}");
    let before = app.statements.get();
    let (_, body) = post_body(
        &app,
        &json!({ "query": "query ($n: Int) { defenders(first: $n) { nodes { restrictions(first: $n) { totalCount } } } }", "variables": { "n": 40 } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["limit"], "maxNodes", "{body}");
    assert_eq!(app.statements.get(), before);
    // Within the limits, the same shapes run.
    let data = app.data("{ defenders(first: 10) { nodes { restrictions(first: 10) { totalCount } } } }").await;
    assert!(data["defenders"]["nodes"].as_array().is_some_and(|nodes| !nodes.is_empty()));
    // A fragment bomb (3^12 fields) is refused without being expanded.
    let mut bomb = String::from("query { defenders { nodes { ...F0 } } }");
    for level in 0..12 {
        let next = level + 1;
        bomb.push_str(&format!(" fragment F{level} on Defender {{ ...F{next} ...F{next} ...F{next} }}"));
    }
    bomb.push_str(" fragment F12 on Defender { name }");
    assert!(bomb.len() < 2_000, "within the text limit");
    let error = refused(&app, &bomb).await;
    assert_eq!(error["extensions"]["code"], "LIMIT_EXCEEDED", "{error}");
    // GraphiQL's introspection query is deeper than the depth limit; it is
    // not held to it (the schema's description is finite and in memory).
    let data = app
        .data("{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }")
        .await;
    assert!(data["__schema"]["types"].as_array().is_some_and(|types| types.len() > 50));
});

configured_tests!(long_queries_and_bodies_are_refused_unread, small_limits, |app: TestApp| async move {
    let long = format!("{{ defenders {{ totalCount }} }} # {}", "x".repeat(2_100));
    let before = app.statements.get();
    let (status, body) = post_body(&app, &json!({ "query": long })).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("maxQueryBytes"), "{body}");
    assert_eq!(app.statements.get(), before);
});

configured_tests!(
    body_limit_is_configurable,
    |settings: &mut Settings| settings.limits.max_body_bytes = 4_096,
    |app: TestApp| async move {
        let big = json!({ "query": "{ defenders { totalCount } }", "variables": { "pad": "x".repeat(5_000) } });
        let (status, _) = post_body(&app, &big).await;
        assert_eq!(status, 413);
        let (status, _) = post_body(&app, &json!({ "query": "{ defenders { totalCount } }" })).await;
        assert_eq!(status, 200);
    }
);

engine_tests!(batches_are_off_by_default, |app: TestApp| async move {
    let batch = json!([{ "query": "{ defenders { totalCount } }" }, { "query": "{ countries { totalCount } }" }]);
    let (status, body) = post_body(&app, &batch).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BATCH_REFUSED", "{body}");
});

configured_tests!(
    batches_run_when_allowed_and_capped,
    |settings: &mut Settings| settings.limits.max_batch_size = 2,
    |app: TestApp| async move {
        let batch = json!([{ "query": "{ defenders { totalCount } }" }, { "query": "{ countries { totalCount } }" }]);
        let (status, body) = post_body(&app, &batch).await;
        assert_eq!(status, 200, "{body}");
        assert!(body[0]["data"]["defenders"]["totalCount"].as_u64().unwrap() > 0, "{body}");
        assert_eq!(body[1]["data"]["countries"]["totalCount"], 249, "{body}");
        let three = json!([batch[0], batch[1], batch[0]]);
        let (status, body) = post_body(&app, &three).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BATCH_REFUSED");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("maxBatchSize"), "{body}");
    }
);

engine_tests!(fragment_chains_past_any_depth_are_refused, |app: TestApp| async move {
    // Each fragment is shallow (the parser caps one selection set's nesting),
    // but spread into one another they nest 200 deep: refused without being
    // walked to the bottom.
    let mut chain = String::from("{ ...f0 }");
    for level in 0..200 {
        chain.push_str(&format!(" fragment f{level} on Query {{ ...f{} }}", level + 1));
    }
    chain.push_str(" fragment f200 on Query { __typename }");
    let error = refused(&app, &chain).await;
    assert_eq!(error["extensions"]["code"], "LIMIT_EXCEEDED", "{error}");
    assert!(error["message"].as_str().unwrap().contains("levels deep"), "{error}");
    assert_eq!(error["extensions"]["limit"], "maxNesting", "{error}");
    assert_eq!(error["extensions"]["max"], 128, "{error}");
});

engine_tests!(introspection_is_on_by_default, |app: TestApp| async move {
    let data = app.data("{ __schema { queryType { name } } __type(name: \"Defender\") { name } }").await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
});

configured_tests!(
    introspection_can_be_turned_off_with_suggestions,
    |settings: &mut Settings| settings.limits.introspection = false,
    |app: TestApp| async move {
        for query in ["{ __schema { queryType { name } } }", "{ __type(name: \"Defender\") { name } }"] {
            let error = refused(&app, query).await;
            assert_eq!(error["extensions"]["code"], "INTROSPECTION_DISABLED", "{error}");
        }
        let error = app.error("{ defendrs { totalCount } }").await;
        assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
        assert!(!error["message"].as_str().unwrap().contains("Did you mean"), "{error}");
        // __typename is not introspection of the schema.
        let data = app.data("{ __typename defenders { totalCount } }").await;
        assert_eq!(data["__typename"], "Query");
    }
);

const DASHBOARD: &str = "query Dashboard { defenders { totalCount } }";

fn trusted_documents_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("trusted-{}.json", uuid::Uuid::now_v7()));
    let id = format!("sha256:{}", rights_graph::http::trusted_documents::hash(DASHBOARD));
    std::fs::write(&path, json!({ id: DASHBOARD }).to_string()).unwrap();
    path
}

configured_tests!(
    trusted_documents_only,
    |settings: &mut Settings| {
        settings.limits.trusted_documents = Some(trusted_documents_file());
        settings.limits.trusted_documents_only = true;
    },
    |app: TestApp| async move {
        let hash = rights_graph::http::trusted_documents::hash(DASHBOARD);
        let (status, body) = post_body(&app, &json!({ "documentId": format!("sha256:{hash}") })).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["defenders"]["totalCount"].as_u64().unwrap() > 0, "{body}");
        // Apollo's persisted-query extension names the same document.
        let apq = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
        let (status, body) = post_body(&app, &apq).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["defenders"]["totalCount"].is_u64(), "{body}");
        // The trusted text itself is allowed; any other text is not.
        let (_, body) = post_body(&app, &json!({ "query": DASHBOARD })).await;
        assert!(body.get("errors").is_none(), "{body}");
        let before = app.statements.get();
        let (status, body) = post_body(&app, &json!({ "query": "{ defenders { nodes { name } } }" })).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "TRUSTED_DOCUMENT_REQUIRED");
        assert_eq!(app.statements.get(), before);
        let (status, body) = post_body(&app, &json!({ "documentId": format!("sha256:{}", "0".repeat(64)) })).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["extensions"]["code"], "DOCUMENT_NOT_FOUND", "{body}");
        // Over GET too, as dashboards cache them.
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[("documentId", format!("sha256:{hash}"))])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
);

engine_tests!(document_ids_need_trusted_documents, |app: TestApp| async move {
    let (status, body) = post_body(&app, &json!({ "documentId": format!("sha256:{}", "a".repeat(64)) })).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "DOCUMENT_NOT_FOUND", "{body}");
});

configured_tests!(
    slow_requests_time_out_and_write_nothing,
    |settings: &mut Settings| settings.limits.request_timeout = 1,
    |app: TestApp| async move {
        let org = common::create_org(&app, "Timeout test");
        let key = common::create_key(&app, &org, "EDITOR");
        let before = app.data("{ defenders { totalCount } }").await["defenders"]["totalCount"].clone();
        // An import far too large to finish within a second.
        let mut csv = String::from("external_id,name,country_code,summary\n");
        for i in 0..20_000 {
            csv.push_str(&format!("SLOW-{i},Person {i},PE,Summary of case {i}\n"));
        }
        let (status, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created } }",
            json!({ "input": { "format": "CSV", "recordType": "DEFENDER", "data": csv, "fileName": "defenders.csv" } }),
        )
        .await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
        let after = app.data("{ defenders { totalCount } }").await["defenders"]["totalCount"].clone();
        assert_eq!(before, after, "a stopped import must leave nothing behind");
    }
);

configured_tests!(
    operations_beyond_the_cap_wait_their_turn,
    |settings: &mut Settings| settings.limits.max_concurrent_operations = Some(1),
    |app: TestApp| async move {
        let org = common::create_org(&app, "Cap test");
        let key = common::create_key(&app, &org, "EDITOR");
        let mut csv = String::from("external_id,name,country_code,summary\n");
        // Imports write in batches: this many rows take seconds.
        for i in 0..10_000 {
            csv.push_str(&format!("CAP-{i},Person {i},PE,Summary of case {i}\n"));
        }
        let started = std::time::Instant::now();
        let import = common::post_as(
            &app,
            Some(&key),
            "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created } }",
            json!({ "input": { "format": "CSV", "recordType": "DEFENDER", "data": csv, "fileName": "defenders.csv" } }),
        );
        let read = async {
            // Sent once the import is executing: with one operation at a
            // time, it can only run after the import has finished.
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let body = app.data("{ defenders(first: 1) { totalCount } }").await;
            (body, started.elapsed())
        };
        let metrics = async {
            // Read while the import executes and the read waits.
            tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
            app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap()
        };
        let ((import, import_took), (read, read_took), metrics) =
            tokio::join!(async { (import.await, started.elapsed()) }, read, metrics);
        assert_eq!(import.0, 200, "{}", import.1);
        assert_eq!(import.1["data"]["importRecords"]["created"], 10_000, "{}", import.1);
        assert!(import_took.as_millis() > 1_200, "the import must outlast the metrics' delay: {import_took:?}");
        assert!(metrics.contains("rights_graph_graphql_operations{state=\"executing\"} 1\n"), "{metrics}");
        assert!(metrics.contains("rights_graph_graphql_operations{state=\"waiting\"} 1\n"), "{metrics}");
        // The read answered no sooner than the import (which takes seconds).
        assert!(read["defenders"]["totalCount"].as_u64().is_some(), "{read}");
        assert!(read_took + std::time::Duration::from_millis(100) >= import_took, "{read_took:?} < {import_took:?}");
    }
);
