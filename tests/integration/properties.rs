//! Property tests over the inputs the server parses itself: global ids,
//! partial dates, import rows (JSON Lines, CSV, FollowTheMoney), search
//! text, query documents for the limits; then the same kinds of input sent
//! to the real server as ids, cursors, dates, filters and import files. None
//! may panic, and the server must answer every one with a client error, never
//! an internal one.

use crate::common;

use std::str::FromStr;

use common::{Engine, TestApp};
use entity::PartialDate;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rights_graph::ids::{GlobalId, NodeType};
use rights_graph::service::exchange::rows::{RecordKind, Row};
use rights_graph::service::exchange::{csv_rows, ftm};
use serde_json::{Value, json};

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("name".to_owned()),
                    Just("external_id".to_owned()),
                    Just("country_code".to_owned()),
                    Just("schema".to_owned()),
                    Just("properties".to_owned()),
                    Just("id".to_owned()),
                    Just("other_names".to_owned()),
                    Just("events".to_owned()),
                    Just("introduced_on".to_owned()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn record_kind() -> impl Strategy<Value = RecordKind> {
    prop::sample::select(RecordKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn global_ids_decode_without_panic(text in ".{0,80}", bytes in prop::collection::vec(any::<u8>(), 0..60)) {
        let _ = GlobalId::decode("id", &text);
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let _ = GlobalId::decode("id", &encoded);
    }

    #[test]
    fn global_ids_round_trip(high in any::<u128>()) {
        let uuid = uuid::Uuid::from_u128(high);
        let id = GlobalId::encode_uuid(NodeType::Defender, uuid);
        prop_assert_eq!(GlobalId::decode_uuid_of("id", &id, NodeType::Defender).ok(), Some(uuid));
        prop_assert!(GlobalId::decode_uuid_of("id", &id, NodeType::Campaign).is_err());
    }

    #[test]
    fn partial_dates_parse_or_refuse(text in prop_oneof![".{0,16}", "[0-9]{1,5}(-[0-9]{1,3}(-[0-9]{1,3})?)?"]) {
        if let Ok(date) = PartialDate::from_str(&text) {
            // What parses prints back as itself, and parses again the same.
            prop_assert_eq!(PartialDate::from_str(&date.to_string()).ok(), Some(date.clone()));
            let _ = date.year();
        }
    }

    #[test]
    fn json_rows_parse_or_refuse(kind in record_kind(), value in json_value()) {
        let _ = Row::from_json(kind, value);
    }

    #[test]
    fn csv_rows_parse_or_refuse(
        kind in record_kind(),
        extra in prop::collection::vec("[a-z_]{1,12}", 0..3),
        cells in prop::collection::vec(".{0,30}", 0..24),
    ) {
        let mut header: Vec<String> = csv_rows::header(kind).into_iter().map(str::to_owned).collect();
        header.extend(extra);
        let header = csv::StringRecord::from(header);
        if let Ok(layout) = csv_rows::Layout::new(kind, &header) {
            let _ = layout.external_id(&csv::StringRecord::from(cells.clone()));
            let _ = layout.row(&csv::StringRecord::from(cells));
        }
    }

    #[test]
    fn followthemoney_entities_parse_or_refuse(value in json_value()) {
        let _ = ftm::parse(value);
    }

    #[test]
    fn query_documents_measure_without_panic(text in r"[{}()a-z:@$ ,.0-9!\[\]]{0,200}") {
        if let Ok(document) = async_graphql::parser::parse_query(&text) {
            let schema = rights_graph::graphql::runtime::limits::SchemaShape::from_sdl(&rights_graph::graphql::sdl());
            let _ = rights_graph::graphql::runtime::limits::measure(&schema, &document, &Default::default());
        }
    }

    #[test]
    fn search_text_folds_without_panic(text in ".{0,100}") {
        let _ = rights_graph::service::text::sort_key(&text);
        let _ = rights_graph::service::search::SearchQuery::new(&text, None);
    }
}

/// Draws `count` values from `strategy`, reproducibly.
fn samples<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count).map(|_| strategy.new_tree(&mut runner).expect("a value").current()).collect()
}

/// Sends a query; the answer must be a GraphQL answer with no internal error.
async fn answers_without_internal_error(app: &TestApp, key: Option<&str>, query: &str, variables: Value) {
    let (status, body) = common::post_as(app, key, query, variables.clone()).await;
    assert!(status < 500, "{status} for {query} with {variables}: {body}");
    for error in body["errors"].as_array().into_iter().flatten() {
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        assert!(!code.is_empty(), "an error without a code: {error}");
        assert_ne!(code, "INTERNAL_SERVER_ERROR", "for {query} with {variables}: {body}");
    }
}

async fn server_refuses_bad_input_cleanly(engine: Engine) {
    let app = TestApp::spawn_configured(engine, |settings| settings.rate_limits.rate_limit_anonymous = 0).await;
    let org = common::create_org(&app, "Property tests");
    let key = common::create_key(&app, &org, "EDITOR");
    let text = prop_oneof![".{0,60}", "[A-Za-z0-9_-]{0,60}", "[0-9]{4}-[0-9]{2}-[0-9]{2}"];
    for value in samples(text, 48) {
        let cases = [
            ("query ($v: ID!) { node(id: $v) { id } }", json!({ "v": value })),
            ("query ($v: ID!) { defender(id: $v) { name } }", json!({ "v": value })),
            ("query ($v: String) { defenders(after: $v) { totalCount } }", json!({ "v": value })),
            ("query ($v: String) { restrictions(before: $v, last: 2) { totalCount } }", json!({ "v": value })),
            (
                "query ($v: PartialDate) { restrictions(filter: { introducedSince: $v }) { totalCount } }",
                json!({ "v": value }),
            ),
            ("query ($v: String!) { defenders(filter: { countryCodes: [$v] }) { totalCount } }", json!({ "v": value })),
            ("query ($v: String!) { search(query: $v) { totalCount } }", json!({ "v": value })),
            ("query ($v: String!) { country(code: $v) { name } }", json!({ "v": value })),
        ];
        for (query, variables) in cases {
            answers_without_internal_error(&app, None, query, variables).await;
        }
    }
    let import = "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created rejected } }";
    for value in samples(prop::collection::vec(json_value(), 1..4), 24) {
        let lines: Vec<String> = value.iter().map(Value::to_string).collect();
        let input = json!({ "input": { "format": "JSONL", "data": lines.join("\n"), "fileName": "rows.jsonl", "dryRun": true } });
        answers_without_internal_error(&app, Some(&key), import, input).await;
    }
    let csv = prop::collection::vec(prop::collection::vec(".{0,20}", 1..6), 1..5);
    for rows in samples(csv, 24) {
        let mut data = String::from("external_id,name,country_code,status\n");
        for row in rows {
            data.push_str(
                &row.iter().map(|cell| format!("\"{}\"", cell.replace('"', "\"\""))).collect::<Vec<_>>().join(","),
            );
            data.push('\n');
        }
        let input = json!({ "input": { "format": "CSV", "recordType": "DEFENDER", "data": data, "fileName": "defenders.csv", "dryRun": true } });
        answers_without_internal_error(&app, Some(&key), import, input).await;
    }
    // Random bodies are refused as requests, never crash the server.
    for body in samples(json_value(), 48) {
        let response = app.client.post(app.url("/graphql")).json(&body).send().await.unwrap();
        assert!(response.status().as_u16() < 500, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_refuses_bad_input_cleanly_sqlite() {
    server_refuses_bad_input_cleanly(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_refuses_bad_input_cleanly_postgres() {
    server_refuses_bad_input_cleanly(Engine::Postgres).await;
}
