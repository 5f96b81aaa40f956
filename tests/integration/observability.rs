//! Request ids in headers and errors, Prometheus metrics, CORS.

use crate::common;

use common::TestApp;
use rights_graph::Settings;
use serde_json::{Value, json};

engine_tests!(every_response_has_a_request_id_and_errors_carry_it, |app: TestApp| async move {
    let response = app.client.post(app.url("/graphql")).json(&json!({ "query": "{ nope }" })).send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str(), "{body}");
    // Each request its own id.
    let other = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
    // A proxy's plain id is kept; anything else is replaced.
    let kept = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "lb-7f3a.42")
        .json(&json!({ "query": "{ defenders(first: 1000) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a.42");
    let body: Value = kept.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "lb-7f3a.42", "{body}");
    let replaced =
        app.client.get(app.url("/healthz")).header("x-request-id", "<script>alert(1)</script>").send().await.unwrap();
    assert!(uuid::Uuid::parse_str(replaced.headers()["x-request-id"].to_str().unwrap()).is_ok());
    // Refusals before execution carry it too.
    let refused =
        app.client.post(app.url("/graphql")).header("content-type", "application/json").body("{").send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let id = refused.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str());
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
});

/// The value of the metric line that starts with `prefix`.
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no metric {prefix} in\n{text}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

engine_tests!(metrics_count_requests_errors_batches_and_the_pool, |app: TestApp| async move {
    for _ in 0..3 {
        app.data("query DefenderList { defenders(first: 5) { nodes { name country { name } restrictions { totalCount } } } }")
            .await;
    }
    app.error("{ defenders(first: 1000) { totalCount } }").await;
    app.error("{ nope }").await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert_eq!(metric(&text, r#"rights_graph_graphql_requests_total{operation="DefenderList",outcome="ok"}"#), 3.0);
    assert_eq!(
        metric(&text, r#"rights_graph_graphql_request_duration_seconds_count{operation="DefenderList",outcome="ok"}"#),
        3.0
    );
    assert!(metric(&text, r#"rights_graph_graphql_errors_total{code="BAD_USER_INPUT"}"#) >= 1.0);
    assert!(metric(&text, r#"rights_graph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}"#) >= 1.0);
    assert!(metric(&text, r#"rights_graph_database_connections{state="idle"}"#) >= 0.0);
    assert!(metric(&text, r#"rights_graph_database_connections{state="in_use"}"#) >= 0.0);
    assert!(metric(&text, "rights_graph_database_statements_total") > 0.0);
    // Each country was loaded in a batch, once per request.
    let batches: f64 = text
        .lines()
        .filter(|line| line.starts_with("rights_graph_dataloader_batch_size_count{"))
        .map(|line| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(batches >= 3.0, "{text}");
    assert!(text.ends_with("# EOF\n"));
});

configured_tests!(
    metrics_can_need_a_token,
    |settings: &mut Settings| settings.operations.metrics_token = Some("metrics-token-0123456789".into()),
    |app: TestApp| async move {
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let response = app
            .client
            .get(app.url("/metrics"))
            .header("authorization", "Bearer metrics-token-0123456789")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
);

configured_tests!(
    operation_names_in_metrics_are_bounded,
    |settings: &mut Settings| settings.rate_limits.rate_limit_anonymous = 0,
    |app: TestApp| async move {
        for i in 0..210 {
            app.data(&format!("query Op{i} {{ __typename }}")).await;
        }
        app.data("query Op209 { __typename }").await;
        let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let names = text.lines().filter(|line| line.starts_with("rights_graph_graphql_requests_total{")).count();
        assert!(names <= 201, "{names} label sets");
        assert_eq!(metric(&text, r#"rights_graph_graphql_requests_total{operation="other",outcome="ok"}"#), 11.0);
    }
);

configured_tests!(
    cors_allows_configured_origins_only,
    |settings: &mut Settings| settings.operations.cors_allowed_origins = vec!["https://dashboard.example.org".into()],
    |app: TestApp| async move {
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", "https://dashboard.example.org")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        assert_eq!(preflight.headers()["access-control-allow-origin"], "https://dashboard.example.org");
        let allowed = app
            .client
            .post(app.url("/graphql"))
            .header("origin", "https://dashboard.example.org")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], "https://dashboard.example.org");
        let exposed = allowed.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
        assert!(exposed.contains("ratelimit-remaining") && exposed.contains("x-request-id"), "{exposed}");
        let other = app
            .client
            .post(app.url("/graphql"))
            .header("origin", "https://evil.example")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());
    }
);

engine_tests!(no_cors_by_default, |app: TestApp| async move {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://dashboard.example.org")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
});

/// The server binary on the test's database, logging JSON to a file.
struct LoggingServer {
    child: std::process::Child,
    port: u16,
    log: std::path::PathBuf,
}

impl LoggingServer {
    fn start(app: &TestApp) -> LoggingServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("rights-graph-log-{}.jsonl", uuid::Uuid::now_v7()));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_rights-graph"))
            .env("DATABASE_URL", &app.database_url)
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "debug")
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the server starts");
        LoggingServer { child, port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Stops the server and returns its log lines, each parsed.
    fn stop(mut self) -> Vec<Value> {
        std::process::Command::new("kill").arg(self.child.id().to_string()).status().unwrap();
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.log).unwrap();
        let _ = std::fs::remove_file(&self.log);
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("a log line is not JSON: {line}")))
            .collect()
    }
}

engine_tests!(logs_are_json_with_request_ids_and_no_secrets, |app: TestApp| async move {
    let org = common::create_org(&app, "Logging");
    let key = common::create_key(&app, &org, "EDITOR");
    let server = LoggingServer::start(&app);
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(server.url("/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let create = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
    let input = json!({ "input": {
        "name": "Logged Person", "countryCode": "PE",
        "safetyNotes": "SECRET-SAFETY-NOTE", "contactDetails": "SECRET-CONTACT", "exactLocation": "SECRET-LOCATION"
    } });
    let response = client
        .post(server.url("/graphql"))
        .header("authorization", format!("Bearer {key}"))
        .json(&json!({ "query": create, "variables": input }))
        .send()
        .await
        .unwrap();
    let write_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["createDefender"]["defender"]["id"].is_string(), "{body}");
    let response = client
        .get(server.url("/graphql"))
        .query(&[
            ("query", "query Lookup($name: String!) { search(query: $name) { totalCount } }"),
            ("variables", r#"{"name":"SECRET-VARIABLE"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let read_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    // Reconciliation clients give the key in the URL: it is not logged either.
    for path in [
        format!("/reconcile?api_key={key}"),
        format!("/reconcile?api_key={key}&queries=%7B%22q0%22%3A%7B%22query%22%3A%22Logged%20Person%22%7D%7D"),
        format!("/reconcile/suggest/entity?prefix=logged&api_key={key}"),
        format!("/reconcile/preview?id=x&api_key={key}"),
        "/reconcile?api_key=rg_SECRET-INVALID-KEY".to_owned(),
    ] {
        let response = client.get(server.url(&path)).send().await.unwrap();
        assert!([200, 401, 404].contains(&response.status().as_u16()), "{path}");
    }
    let lines = server.stop();
    let text = lines.iter().map(Value::to_string).collect::<String>();
    for secret in [
        key.as_str(),
        "SECRET-SAFETY-NOTE",
        "SECRET-CONTACT",
        "SECRET-LOCATION",
        "SECRET-VARIABLE",
        "SECRET-INVALID-KEY",
    ] {
        assert!(!text.contains(secret), "the log holds {secret}");
    }
    for (id, operation) in [(write_id, ""), (read_id, "Lookup")] {
        let request_lines: Vec<&Value> =
            lines.iter().filter(|line| line["span"]["request_id"] == id.as_str()).collect();
        let summary = request_lines
            .iter()
            .find(|line| line["fields"]["message"] == "graphql request")
            .unwrap_or_else(|| panic!("no summary line for {id}: {request_lines:?}"));
        assert_eq!(summary["fields"]["operation"], operation);
        assert_eq!(summary["fields"]["status"], 200);
        assert_eq!(summary["span"]["path"], "/graphql", "the path only, never the query string");
    }
});
