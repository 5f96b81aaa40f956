//! What a server does with its database when it starts.

use crate::common;

use common::{Engine, TestApp};
use serde_json::json;

const COUNTS: &str =
    "{ countries { totalCount } defenders { totalCount } organisations { totalCount } campaigns { totalCount } }";

engine_tests!(sample_data_loads_once, |app: TestApp| async move {
    let before = app.data(COUNTS).await;
    assert_eq!(before["defenders"]["totalCount"], 4);
    // A restart migrates (nothing to do) and loads nothing twice.
    let again = app.start_again(false).await;
    let address = again.local_addr().unwrap();
    tokio::spawn(again.run_until(std::future::pending()));
    let body: serde_json::Value = app
        .client
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": COUNTS }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"], before);
});

async fn skipping_sample_data(engine: Engine) {
    let app = TestApp::spawn_with(engine, true).await;
    let data = app.data(COUNTS).await;
    assert_eq!(data["countries"]["totalCount"], 249, "reference lists always load");
    assert_eq!(data["defenders"]["totalCount"], 0);
    assert_eq!(data["organisations"]["totalCount"], 0);
    assert_eq!(data["campaigns"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_data_can_be_skipped_sqlite() {
    skipping_sample_data(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_data_can_be_skipped_postgres() {
    skipping_sample_data(Engine::Postgres).await;
}

#[tokio::test]
async fn unsupported_database_urls_are_refused_without_echoing_them() {
    let settings = rights_graph::Settings::for_database("mysql://admin:hunter2@db.example/rights");
    let error = rights_graph::Application::build(&settings).await.err().expect("refused");
    let message = format!("{error:#}");
    assert!(message.contains("sqlite: or postgres:"), "{message}");
    assert!(!message.contains("hunter2"), "the password must not be echoed: {message}");
}
