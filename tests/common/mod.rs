//! Test harness: each test gets a fresh database (a temporary SQLite file or a
//! new PostgreSQL database), a real server on port 0, and an HTTP client.
//!
//! PostgreSQL is reached through `TEST_DATABASE_URL` (an admin connection,
//! default `postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable`); tests create their
//! own databases there and drop them afterwards. When the variable is unset
//! and nothing answers on the default address, the harness starts a
//! PostgreSQL instance of its own (`postgres.rs`); when PostgreSQL cannot be
//! had at all, the tests fail, saying what to install: they never skip.

#![allow(dead_code)]

pub mod postgres;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use rights_graph::db::StatementCounter;
use rights_graph::{Application, Settings};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

/// The database engines every integration test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Declares one test per engine: `engine_tests!(name, |app| async move { ... });`
/// expands to `mod name { sqlite(), postgres() }`.
#[macro_export]
macro_rules! engine_tests {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn($crate::common::Engine::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::spawn($crate::common::Engine::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

/// Like `engine_tests!`, with the server's settings changed first:
/// `configured_tests!(name, |settings: &mut Settings| ..., |app| async move { ... });`
#[macro_export]
macro_rules! configured_tests {
    ($name:ident, $configure:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn_configured($crate::common::Engine::Sqlite, $configure).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::spawn_configured($crate::common::Engine::Postgres, $configure).await;
                ($body)(app).await;
            }
        }
    };
}

/// The local server, without TLS: on the loopback interface encryption
/// protects nothing, and sqlx's TLS layer halves the speed of large writes.
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
const DEFAULT_ADDRESS: &str = "127.0.0.1:5432";

/// The admin URL with another database in place of its own (keeping its parameters).
fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.into()
}

/// The admin connection: `TEST_DATABASE_URL`; else the local server on the
/// default address; else, when nothing answers there, a throwaway instance
/// started for this test process under `target/tmp` and stopped when the
/// process ends.
fn admin_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            return url;
        }
        if postgres::answers(DEFAULT_ADDRESS.parse().expect("address")) {
            return DEFAULT_ADMIN_URL.into();
        }
        eprintln!(
            "rights-graph tests: TEST_DATABASE_URL is unset and nothing answers on {DEFAULT_ADDRESS}; \
             starting a PostgreSQL instance of the tests' own under target/tmp"
        );
        let instance = postgres::Instance::create(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
        let url = instance.url("postgres");
        instance.stop_when_process_ends(std::process::id());
        url
    })
    .clone()
}

/// Removes the test database when the test ends, passed or failed.
enum DatabaseGuard {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        match self {
            DatabaseGuard::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            DatabaseGuard::Postgres(name) => {
                let name = name.clone();
                // Drop cannot await; a short-lived runtime on its own thread can.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    runtime.block_on(async {
                        let admin = Database::connect(admin_url()).await.ok()?;
                        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()
                    })
                })
                .join();
            }
        }
    }
}

/// A running server with its own database.
pub struct TestApp {
    pub engine: Engine,
    pub database_url: String,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    pub db: DatabaseConnection,
    _guard: DatabaseGuard,
}

impl TestApp {
    /// Starts a server with the sample data on a fresh database.
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, false).await
    }

    /// Starts a server on a fresh database, with or without the sample data.
    pub async fn spawn_with(engine: Engine, skip_sample_data: bool) -> TestApp {
        Self::spawn_configured(engine, move |settings| settings.skip_sample_data = skip_sample_data).await
    }

    /// Starts a server with the sample data on a fresh database, with
    /// settings changed by `configure`.
    pub async fn spawn_configured(engine: Engine, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let (url, guard) = match engine {
            Engine::Sqlite => {
                let path = std::env::temp_dir().join(format!("rights-graph-test-{}.db", Uuid::now_v7()));
                (format!("sqlite://{}?mode=rwc", path.display()), DatabaseGuard::Sqlite(path))
            }
            Engine::Postgres => {
                let admin_url = admin_url();
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!(
                        "PostgreSQL is required for the integration tests and could not be reached at TEST_DATABASE_URL \
                         ({error}). Start it, or point TEST_DATABASE_URL at an admin connection."
                    )
                });
                let name = format!("rights_graph_test_{}", Uuid::now_v7().simple());
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
                admin.close().await.ok();
                (database_url(&name), DatabaseGuard::Postgres(name))
            }
        };
        let mut settings = Settings::for_database(url.clone());
        settings.listen = "127.0.0.1:0".parse().expect("address");
        settings.database.database_max_connections = Some(5);
        configure(&mut settings);
        let app = Application::build(&settings).await.expect("application starts");
        let address = app.local_addr().expect("bound address");
        let statements = app.statement_counter();
        let db = app.database();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp { engine, database_url: url, address, client: reqwest::Client::new(), statements, db, _guard: guard }
    }

    /// Starts a second server on this test's database, as a restart would.
    pub async fn start_again(&self, skip_sample_data: bool) -> Application {
        self.start_again_with(|settings| settings.skip_sample_data = skip_sample_data).await
    }

    /// Starts a second server on this test's database, with settings changed by `configure`.
    pub async fn start_again_with(&self, configure: impl FnOnce(&mut Settings)) -> Application {
        let mut settings = Settings::for_database(self.database_url.clone());
        settings.listen = "127.0.0.1:0".parse().expect("address");
        configure(&mut settings);
        Application::build(&settings).await.expect("application starts again")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Posts a query with variables; returns the whole response body.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Posts a query that must succeed; returns its `data`.
    pub async fn data(&self, query: &str) -> Value {
        self.data_with(query, json!({})).await
    }

    /// Posts a query with variables that must succeed; returns its `data`.
    pub async fn data_with(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors for {query}: {body:#}");
        body["data"].clone()
    }

    /// Posts a query that must fail; returns its first error.
    pub async fn error(&self, query: &str) -> Value {
        let body = self.post(query, json!({})).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected errors for {query}: {body:#}"));
        assert!(!errors.is_empty(), "expected errors for {query}");
        errors[0].clone()
    }

    /// Runs a query and returns how many SQL statements it made.
    pub async fn statements_for(&self, query: &str) -> u64 {
        let before = self.statements.get();
        self.data(query).await;
        self.statements.get() - before
    }

    /// The global id of the sample defender with this name.
    pub async fn defender_id(&self, name: &str) -> String {
        let data = self.data("{ defenders(first: 100) { nodes { id name } } }").await;
        data["defenders"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|node| node["name"] == name)
            .unwrap_or_else(|| panic!("no defender named {name}"))["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }
}

/// The `nodes` of a connection at `path` in `data`, as names or titles.
pub fn names(connection: &Value, field: &str) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|node| node[field].as_str().expect("string field").to_owned())
        .collect()
}

/// Runs the real `rights-graph` binary against the test's database.
pub fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rights-graph"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("LOG_FORMAT", "text")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    )
}

/// Creates an organisation with the CLI; returns its global id.
pub fn create_org(app: &TestApp, name: &str) -> String {
    let (ok, id, err) = cli(app, &["org", "create", "--name", name, "--country", "pe"]);
    assert!(ok, "org create failed: {err}");
    id
}

/// Creates a key with the CLI; returns the key.
pub fn create_key(app: &TestApp, org: &str, role: &str) -> String {
    let (ok, key, err) = cli(app, &["key", "create", "--org", org, "--role", role, "--label", "tests"]);
    assert!(ok, "key create failed: {err}");
    assert!(err.contains("shown only now"), "{err}");
    key
}

/// Posts a whole GraphQL request body (operation name, document id, ...);
/// returns status and body (`null` when the body is not JSON).
pub async fn post_body(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app.client.post(app.url("/graphql")).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn post_as(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let mut request = app.client.post(app.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The UUID inside a global id.
pub fn uuid_of(global_id: &str) -> Uuid {
    use base64::Engine;
    let text = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global_id).unwrap()).unwrap();
    Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}
