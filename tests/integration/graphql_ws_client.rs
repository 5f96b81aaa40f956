//! The `graphql-ws` npm client (the reference client of the
//! graphql-transport-ws protocol) subscribing to the change feed of the real
//! server, on both engines: receiving, resuming from a cursor, and being
//! refused with a bad key. The script and its pinned packages are in
//! scripts/graphql-ws-client; `npm ci` installs them from the npm registry
//! when they are missing. Node.js and npm are required: without them the
//! test fails, saying so.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

fn client_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/graphql-ws-client"))
}

fn install_once() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        if client_dir().join("node_modules/graphql-ws").exists() {
            return;
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(client_dir())
            .output()
            .expect("The graphql-ws client test needs npm: install Node.js and npm (apt-get install nodejs npm)");
        assert!(output.status.success(), "npm ci failed: {}", String::from_utf8_lossy(&output.stderr));
    });
}

/// Runs the client script; returns what it printed.
fn client(args: &[&str]) -> tokio::task::JoinHandle<Value> {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::spawn(async move {
        let output = tokio::process::Command::new("node")
            .arg("client.mjs")
            .args(&args)
            .current_dir(client_dir())
            .output()
            .await
            .expect("The graphql-ws client test needs Node.js: install Node.js and npm (apt-get install nodejs npm)");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!(
                "the client prints JSON; it printed {} and said {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    })
}

async fn create_defender(app: &TestApp, key: &str, name: &str) -> String {
    let (_, body) = post_as(
        app,
        Some(key),
        "mutation ($name: String!) { createDefender(input: { name: $name, countryCode: \"PE\" }) { defender { id } } }",
        json!({ "name": name }),
    )
    .await;
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn cursor_now(app: &TestApp, key: &str) -> String {
    let (_, body) = post_as(app, Some(key), "{ changes(first: 0) { pageInfo { endCursor } } }", json!({})).await;
    body["data"]["changes"]["pageInfo"]["endCursor"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn subscribe_receive_and_resume(app: TestApp) {
    install_once();
    let org = create_org(&app, "Client");
    let key = create_key(&app, &org, "EDITOR");
    let url = format!("ws://{}/graphql", app.address);
    create_defender(&app, &key, "Before").await;
    let start = cursor_now(&app, &key).await;

    let running = client(&[&url, &key, &start, "2"]);
    let first = create_defender(&app, &key, "First").await;
    let second = create_defender(&app, &key, "Second").await;
    let received = running.await.unwrap();
    let events = received["events"].as_array().unwrap_or_else(|| panic!("{received}"));
    let changes: Vec<&Value> = events.iter().map(|event| &event["data"]["changes"]).collect();
    assert_eq!(changes[0]["recordId"], first.as_str());
    assert_eq!(changes[0]["operation"], "CREATED");
    assert_eq!(changes[0]["node"]["name"], "First");
    assert_eq!(changes[1]["recordId"], second.as_str());

    // A new client, resuming after the first event, gets the second first.
    let resumed = client(&[&url, &key, changes[0]["cursor"].as_str().unwrap(), "1"]).await.unwrap();
    assert_eq!(resumed["events"][0]["data"]["changes"]["recordId"], second.as_str(), "{resumed}");

    // A bad key: the server closes with 4403.
    let refused = client(&[&url, "rg_not-a-key"]).await.unwrap();
    assert_eq!(refused["closed"]["code"], 4403, "{refused}");
}

engine_tests!(subscribes_receives_resumes_and_is_refused_a_bad_key, |app: TestApp| async move {
    subscribe_receive_and_resume(app).await;
});
