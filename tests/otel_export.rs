//! OpenTelemetry export (builds with `--features otel`): the server, pointed
//! at a collector, sends its request spans there over OTLP/HTTP. The
//! collector here is a listener of the test's own that records what arrives.
//! `.ci/run` runs it with `cargo test --features otel --test otel_export`.

#![cfg(feature = "otel")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn request_spans_reach_the_collector() {
    let collector = TcpListener::bind("127.0.0.1:0").unwrap();
    let collector_address = collector.local_addr().unwrap();
    let (arrived, arrivals) = mpsc::channel::<(String, usize)>();
    std::thread::spawn(move || {
        for stream in collector.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).ok();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).ok();
            let _ = reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            let _ = arrived.send((request_line.trim().to_owned(), body.len()));
        }
    });

    let database = std::env::temp_dir().join(format!("rights-graph-otel-{}.db", uuid::Uuid::now_v7()));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_rights-graph"))
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", database.display()))
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SKIP_SAMPLE_DATA", "true")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector_address}"))
        .env("LOG_FORMAT", "json")
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let client = reqwest::blocking::Client::new();
    let mut answered = false;
    for _ in 0..100 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().is_ok() {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answered, "the server answers");
    let response = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&serde_json::json!({ "query": "{ defenders { totalCount } }" }))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    // SIGTERM: the server stops and flushes its spans on the way out.
    Command::new("kill").arg(server.id().to_string()).status().unwrap();
    let _ = server.wait();
    let (request_line, bytes) = arrivals.recv_timeout(Duration::from_secs(20)).expect("spans arrive at the collector");
    assert!(request_line.starts_with("POST /v1/traces"), "{request_line}");
    assert!(bytes > 0, "an empty export");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
}
