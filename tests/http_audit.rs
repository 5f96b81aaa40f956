//! The `graphql-http` audit suite (the GraphQL-over-HTTP specification's
//! reference checks) run against the real server, on both engines. Every
//! MUST, SHOULD and MAY must pass. The script and its pinned packages are in
//! scripts/graphql-http-audit; `npm ci` installs them from the npm registry
//! when they are missing. Node.js and npm are required: without them the
//! test fails, saying so.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestApp;
use serde_json::Value;

fn audit_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/graphql-http-audit"))
}

fn install_once() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        if audit_dir().join("node_modules/graphql-http").exists() {
            return;
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(audit_dir())
            .output()
            .expect("The GraphQL-over-HTTP audit needs npm: install Node.js and npm (apt-get install nodejs npm)");
        assert!(output.status.success(), "npm ci failed: {}", String::from_utf8_lossy(&output.stderr));
    });
}

engine_tests!(graphql_over_http_audit_passes, |app: TestApp| async move {
    install_once();
    let url = app.url("/graphql");
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        tokio::process::Command::new("node").arg("audit.mjs").arg(&url).current_dir(audit_dir()).output(),
    )
    .await
    .expect("the audit finishes within two minutes")
    .expect("The GraphQL-over-HTTP audit needs Node.js: install Node.js and npm (apt-get install nodejs npm)");
    assert!(output.status.success(), "audit failed to run: {}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("the audit prints JSON");
    let results = report["results"].as_array().expect("results");
    assert!(results.len() >= 60, "the whole suite ran: {} audits", results.len());
    let failed: Vec<&Value> = results.iter().filter(|result| result["status"] != "ok").collect();
    assert!(failed.is_empty(), "audits not passed: {failed:#?}");
    println!(
        "graphql-http audit ({:?}): {} ok, {} warn, {} error, {} notice",
        app.engine, report["ok"], report["warn"], report["error"], report["notice"]
    );
});
