//! Subscriptions under load: `BENCH_SUBSCRIBERS` WebSocket subscribers
//! (default 1,000) on one server process (the release binary, on a fresh
//! SQLite database, or PostgreSQL with `BENCH_DATABASE_URL`), while
//! `BENCH_WRITES_PER_SECOND` public defenders (default 100) are created for
//! `BENCH_SECONDS` (default 10). Reports:
//! - the latency from a change's commit (its `at`) to its delivery to each
//!   subscriber, p50 and p99;
//! - the server's memory per subscriber (resident memory with the
//!   subscribers connected, less before, divided by their number);
//! - the server's CPU per delivered event (user and system time during the
//!   writes and until the last delivery, divided by the events delivered);
//! - the throughput of `changes` pages of 100, read back from the start.
//!
//! `cargo bench --bench subscriptions`. The subscribers run in this process,
//! the server in its own, so that its CPU and memory are its alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_graphql::futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn binary() -> String {
    std::env::var("BENCH_SERVER_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rights-graph").into())
}

fn cli(database_url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(binary())
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// User and system CPU of a process, in milliseconds.
fn cpu_milliseconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let ticks: f64 = after_name.split_whitespace().skip(11).take(2).filter_map(|n| n.parse::<f64>().ok()).sum();
    // The kernel's USER_HZ, 100 on Linux.
    ticks * 10.0
}

/// Resident memory of a process now, in KiB.
fn resident_kib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let subscribers = setting("BENCH_SUBSCRIBERS", 1_000) as usize;
    let rate = setting("BENCH_WRITES_PER_SECOND", 100);
    let seconds = setting("BENCH_SECONDS", 10);
    let directory = std::env::temp_dir().join(format!("rights-graph-subscriptions-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let database_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", directory.join("bench.db").display()));
    cli(&database_url, &["migrate"]);
    let organisation = cli(&database_url, &["org", "create", "--name", "Benchmark writer", "--country", "pe"]);
    let key = cli(&database_url, &["key", "create", "--org", &organisation, "--role", "EDITOR"]);

    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let mut server = std::process::Command::new(binary())
        .args(["serve", "--database-url", &database_url, "--skip-sample-data"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--rate-limit-anonymous", "0", "--rate-limit-authenticated", "0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("rights-graph serve starts");
    let pid = server.id();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let create = |n: u64| {
        let (http, base, key) = (http.clone(), base.clone(), key.clone());
        async move {
            let body = json!({ "query": "mutation ($name: String!) { createDefender(input: { name: $name, countryCode: \"PE\", visibility: PUBLIC, consent: GIVEN }) { defender { id } } }",
                "variables": { "name": format!("Benchmark person {n}") } });
            let response: Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(&key)
                .json(&body)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("JSON");
            assert!(response["errors"].is_null(), "{response}");
        }
    };
    // Warm up: the first requests load what the server keeps.
    for n in 0..20 {
        create(n).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let memory_before = resident_kib(pid);

    let latencies: Arc<std::sync::Mutex<Vec<f64>>> = Arc::default();
    let delivered = Arc::new(AtomicU64::new(0));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscribers);
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        let (latencies, delivered, ready) = (latencies.clone(), delivered.clone(), ready_tx.clone());
        let mut request = format!("ws://127.0.0.1:{port}/graphql").into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connects");
            socket.send(Message::text(json!({ "type": "connection_init" }).to_string())).await.unwrap();
            let _ack = socket.next().await;
            let subscribe = json!({ "type": "subscribe", "id": "1",
                "payload": { "query": "subscription { changes { sequence at recordId } }" } });
            socket.send(Message::text(subscribe.to_string())).await.unwrap();
            let _ = ready.send(()).await;
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    let received = chrono::Utc::now();
                    let value: Value = serde_json::from_str(&text).unwrap_or_default();
                    if let Some(at) = value["payload"]["data"]["changes"]["at"].as_str()
                        && let Ok(at) = chrono::DateTime::parse_from_rfc3339(at)
                    {
                        let millis =
                            (received - at.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                        latencies.lock().unwrap().push(millis);
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for _ in 0..subscribers {
        ready_rx.recv().await;
    }
    // The subscriptions open after their subscribe message is read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let memory_connected = resident_kib(pid);

    let cpu_before = cpu_milliseconds(pid);
    let started = Instant::now();
    let writes = rate * seconds;
    let mut pacing = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let mut writers = Vec::new();
    for n in 0..writes {
        pacing.tick().await;
        writers.push(tokio::spawn(create(1_000 + n)));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let writing = started.elapsed();
    let expected = writes * subscribers as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let until_delivered = started.elapsed();
    let cpu = cpu_milliseconds(pid) - cpu_before;
    let events = delivered.load(Ordering::Relaxed);
    for task in tasks {
        task.abort();
    }

    // The feed read back by pages of 100.
    let pages_started = Instant::now();
    let (mut pages, mut changes, mut after) = (0u64, 0u64, Value::Null);
    loop {
        let body = json!({ "query": "query ($after: String) { changes(after: $after, first: 100) { pageInfo { endCursor hasNextPage } nodes { sequence operation recordId node { id ... on Defender { name } } } } }",
            "variables": { "after": after } });
        let response: Value =
            http.post(format!("{base}/graphql")).json(&body).send().await.unwrap().json().await.unwrap();
        let page = &response["data"]["changes"];
        pages += 1;
        changes += page["nodes"].as_array().map_or(0, Vec::len) as u64;
        after = page["pageInfo"]["endCursor"].clone();
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
    }
    let pages_time = pages_started.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&directory);

    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let engine = if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    let report = json!({
        "engine": engine,
        "subscribers": subscribers,
        "writesPerSecond": rate,
        "writes": writes,
        "writingSeconds": writing.as_secs_f64(),
        "untilLastDeliverySeconds": until_delivered.as_secs_f64(),
        "eventsExpected": expected,
        "eventsDelivered": events,
        "latencyMs": { "p50": percentile(&sorted, 0.5), "p99": percentile(&sorted, 0.99), "max": sorted.last() },
        "memoryPerSubscriberKiB": (memory_connected - memory_before) / subscribers as f64,
        "serverMemoryMiB": { "before": memory_before / 1024.0, "connected": memory_connected / 1024.0 },
        "cpuPerEventMicroseconds": cpu * 1000.0 / events.max(1) as f64,
        "changesPages": { "pages": pages, "changes": changes, "pagesPerSecond": pages as f64 / pages_time, "changesPerSecond": changes as f64 / pages_time },
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
