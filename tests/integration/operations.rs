//! Operating the server: configuration from flags, environment and a TOML
//! file, validated at start and by `check-config`; retrying an unreachable
//! database at start; graceful shutdown under load.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Engine, TestApp};
use rights_graph::{Application, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Runs the binary with only the given environment; returns success, stdout, stderr.
fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rights-graph"));
    command.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn config_file(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("rights-graph-{}.toml", uuid::Uuid::now_v7()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_config_reads_the_file_and_lets_environment_and_flags_override_it() {
    let file = config_file(
        "database_url = \"postgres://app:s3cret-pass@db.internal:5432/rights\"\nmax_query_depth = 9\n\
         rate_limit_anonymous = 50\ncors_allowed_origins = [\"https://dash.example.org\"]\nintrospection = false\n",
    );
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&["check-config", "--config", path], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("The configuration is valid."), "{out}");
    assert!(out.contains("max_query_depth: 9"), "{out}");
    assert!(out.contains("rate_limit_anonymous: 50"), "{out}");
    assert!(out.contains("introspection: false"), "{out}");
    assert!(out.contains("https://dash.example.org"), "{out}");
    assert!(!out.contains("s3cret-pass"), "the password is masked: {out}");
    assert!(out.contains("Database pool: 10 connections (the engine's default)."), "{out}");
    // The environment overrides the file, and a flag the environment.
    let (ok, out, _) =
        run(&["check-config", "--config", path], &[("MAX_QUERY_DEPTH", "11"), ("DATABASE_MAX_CONNECTIONS", "7")]);
    assert!(ok && out.contains("max_query_depth: 11"), "{out}");
    assert!(out.contains("Database pool: 7 connections (as configured)."), "{out}");
    let (ok, out, _) =
        run(&["check-config", "--config", path, "--max-query-depth", "12"], &[("MAX_QUERY_DEPTH", "11")]);
    assert!(ok && out.contains("max_query_depth: 12"), "{out}");
    // SQLite's pool follows the cores: its queries run in the server's process.
    let (ok, out, _) = run(&["check-config"], &[("DATABASE_URL", "sqlite://check.db?mode=rwc")]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(ok && out.contains(&format!("Database pool: {} connections", (cores * 2).max(2))), "{out}");
    // The file may also come from CONFIG_FILE.
    let (ok, out, _) = run(&["check-config"], &[("CONFIG_FILE", path)]);
    assert!(ok && out.contains("max_query_depth: 9"), "{out}");
    std::fs::remove_file(file).ok();
}

#[test]
fn check_config_names_every_problem() {
    // (file, environment, expected message)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("max_query_depth = 0\n", &[], "max_query_depth must be between 2 and 100; got 0"),
        ("database_max_connections = 0\n", &[], "database_max_connections must be between 1 and 1000; got 0"),
        ("max_concurrent_operations = 0\n", &[], "max_concurrent_operations must be between 1 and 100000; got 0"),
        ("max_querydepth = 5\n", &[], "unknown field `max_querydepth`"),
        ("max_query_depth = \"deep\"\n", &[], "max_query_depth"),
        ("trusted_documents_only = true\n", &[], "trusted_documents_only needs trusted_documents"),
        ("cors_allowed_origins = [\"dash.example.org/path\"]\n", &[], "cors_allowed_origins"),
        ("database_url = \"mysql://x@y/z\"\n", &[], "DATABASE_URL must start with sqlite: or postgres:"),
        ("metrics_token = \"short\"\n", &[], "metrics_token must be at least 16 characters"),
        ("", &[("RATE_LIMIT_WINDOW", "0")], "rate_limit_window must be between 1 and 86400; got 0"),
        ("", &[("MAX_QUERY_NODES", "lots")], "invalid value 'lots'"),
        ("trusted_documents = \"/nonexistent/documents.json\"\n", &[], "trusted_documents: could not read"),
    ];
    for (text, env, expected) in cases {
        let file = config_file(text);
        let (ok, out, err) = run(&["check-config", "--config", file.to_str().unwrap()], env);
        assert!(!ok, "{text} {env:?} was accepted: {out}");
        assert!(err.contains(expected), "{text} {env:?}: expected \"{expected}\" in:\n{err}");
        std::fs::remove_file(file).ok();
    }
    // Several problems at once are all listed.
    let file = config_file("max_query_depth = 0\nrequest_timeout = 0\n");
    let (ok, _, err) = run(&["check-config", "--config", file.to_str().unwrap()], &[]);
    assert!(!ok && err.contains("max_query_depth") && err.contains("request_timeout"), "{err}");
    // A missing file is named.
    let (ok, _, err) = run(&["check-config", "--config", "/nonexistent/rights-graph.toml"], &[]);
    assert!(!ok && err.contains("/nonexistent/rights-graph.toml"), "{err}");
    // The server itself refuses to start on an invalid configuration.
    let (ok, _, err) = run(&["serve"], &[("MAX_QUERY_DEPTH", "0"), ("DATABASE_URL", "sqlite::memory:")]);
    assert!(!ok && err.contains("max_query_depth"), "{err}");
}

#[test]
fn an_unreachable_database_is_retried_with_backoff_then_reported() {
    let started = Instant::now();
    let (ok, _, err) = run(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://nobody:hunter2@127.0.0.1:9/none"),
            ("DATABASE_CONNECT_TIMEOUT", "5"),
            ("LOG_FORMAT", "text"),
        ],
    );
    let elapsed = started.elapsed();
    assert!(!ok);
    assert!(err.matches("database unreachable; retrying").count() >= 2, "{err}");
    assert!(err.contains("could not connect to the database"), "{err}");
    assert!(!err.contains("hunter2"), "the password never reaches the log: {err}");
    assert!(elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(20), "{elapsed:?}");
}

/// A request whose body arrives in two parts: in flight from the first byte.
async fn start_slow_request(address: std::net::SocketAddr, body: &str) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    stream
}

async fn finish_request(mut stream: tokio::net::TcpStream, body: &str) -> String {
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut reply = Vec::new();
    let mut buffer = [0; 4096];
    // Read until the JSON body is complete (the server may keep the connection open).
    while !String::from_utf8_lossy(&reply).contains("}}}") {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await.unwrap().unwrap();
        if read == 0 {
            break;
        }
        reply.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&reply).into_owned()
}

async fn served(engine: Engine, grace: u64) -> (TestApp, Application) {
    let app = TestApp::spawn(engine).await;
    let server = app
        .start_again_with(|settings: &mut Settings| {
            settings.skip_sample_data = true;
            settings.operations.shutdown_grace = grace;
        })
        .await;
    (app, server)
}

async fn graceful_shutdown_finishes_requests_in_flight(engine: Engine) {
    let (_app, server) = served(engine, 10).await;
    let address = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let body = r#"{"query":"{ defenders { totalCount } }"}"#;
    let mut in_flight = Vec::new();
    for _ in 0..20 {
        in_flight.push(start_slow_request(address, body).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // No new connections once stopping.
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "still accepting connections");
    let replies =
        async_graphql::futures_util::future::join_all(in_flight.into_iter().map(|stream| finish_request(stream, body)))
            .await;
    for reply in replies {
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains(r#"{"data":{"defenders":{"totalCount":"#), "{reply}");
    }
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("stops once idle").unwrap().unwrap();
}

async fn shutdown_stops_stuck_requests_at_the_deadline(engine: Engine) {
    let (_app, server) = served(engine, 1).await;
    let address = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    // A client that never finishes its request.
    let _stuck = start_slow_request(address, r#"{"query":"{ defenders { totalCount } }"}"#).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("stops at the deadline").unwrap().unwrap();
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_under_load_sqlite() {
    graceful_shutdown_finishes_requests_in_flight(Engine::Sqlite).await;
    shutdown_stops_stuck_requests_at_the_deadline(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_under_load_postgres() {
    graceful_shutdown_finishes_requests_in_flight(Engine::Postgres).await;
    shutdown_stops_stuck_requests_at_the_deadline(Engine::Postgres).await;
}
