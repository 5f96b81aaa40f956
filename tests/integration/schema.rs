//! The checked-in SDL matches the code, and the API documents itself fully.

use crate::common;

use common::{Engine, TestApp};
use serde_json::Value;

#[test]
fn schema_graphql_is_up_to_date() {
    let current = rights_graph::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == checked_in,
        "schema.graphql is out of date. Regenerate it with:\n\n    cargo run --quiet -- schema > schema.graphql\n"
    );
}

const INTROSPECTION: &str = r#"{ __schema { types {
  name kind description
  fields { name description args { name description } }
  inputFields { name description }
  enumValues { name description }
} } }"#;

/// Every type, field, argument, input field and enum value of the API has a
/// description (introspection over HTTP, as GraphiQL sees it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_field_argument_and_enum_value_is_described() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let data = app.data(INTROSPECTION).await;
    let described = |value: &Value| value["description"].as_str().is_some_and(|d| !d.trim().is_empty());
    let mut missing = Vec::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        // Built-in scalars and introspection types belong to GraphQL itself.
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(t) {
            missing.push(name.to_owned());
        }
        for field in t["fields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!("{name}.{}({})", field["name"], arg["name"]));
                }
            }
        }
        for field in t["inputFields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
        }
        for value in t["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}.{}", value["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}
