//! Database faults: a dedicated PostgreSQL instance, started for this test,
//! is killed while clients read and write, then started again. Requests must
//! fail fast with DATABASE_UNAVAILABLE, `/readyz` must turn unready, service
//! must resume by itself, and every acknowledged write must be there after.
//!
//! SQLite is in the server's own process: it cannot go away on its own, so
//! this test is PostgreSQL's alone. It needs PostgreSQL's server programs
//! (`initdb`, `pg_ctl`, found under /usr/lib/postgresql or on PATH, or at
//! `PG_BIN_DIR`) and fails, loudly, without them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::postgres::Instance;
use entity::{OrganisationKind, Role, Visibility};
use rights_graph::service::access::api_keys;
use rights_graph::service::organisations::{self, NewOrganisation};
use rights_graph::{Application, Settings};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";

/// What the clients saw.
#[derive(Default)]
struct Tally {
    acknowledged: Vec<String>,
    unavailable: u64,
    slowest_refusal: Duration,
    other_failures: Vec<String>,
}

async fn writer(address: std::net::SocketAddr, key: String, id: usize, running: Arc<AtomicBool>) -> Tally {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut tally = Tally::default();
    let mut n = 0;
    while running.load(Ordering::Relaxed) {
        n += 1;
        let input = json!({ "input": { "name": format!("Fault writer {id} #{n}"), "countryCode": "PE" } });
        let started = Instant::now();
        let sent = client
            .post(format!("http://{address}/graphql"))
            .header("authorization", format!("Bearer {key}"))
            .json(&json!({ "query": CREATE, "variables": input }))
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                tally.other_failures.push(format!("transport: {error}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if let Some(id) = body["data"]["createDefender"]["defender"]["id"].as_str() {
            assert_eq!(status, 200);
            tally.acknowledged.push(id.to_owned());
        } else if body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE" {
            assert_eq!(status, 503, "{body}");
            tally.unavailable += 1;
            tally.slowest_refusal = tally.slowest_refusal.max(started.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        } else {
            tally.other_failures.push(format!("{status}: {body}"));
        }
    }
    tally
}

/// An anonymous read.
async fn read(address: std::net::SocketAddr) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": "{ defenders { totalCount } }" }))
        .send()
        .await
        .unwrap()
}

async fn ready(address: std::net::SocketAddr) -> bool {
    let response = reqwest::get(format!("http://{address}/readyz")).await;
    response.is_ok_and(|response| response.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stops_and_returns_while_clients_write() {
    let instance = Instance::create(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    let admin = sea_orm::Database::connect(instance.url("postgres")).await.expect("the test instance answers");
    sea_orm::ConnectionTrait::execute_unprepared(&admin, "CREATE DATABASE rights_graph").await.unwrap();
    admin.close().await.ok();

    let mut settings = Settings::for_database(instance.url("rights_graph"));
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.skip_sample_data = true;
    settings.database.database_acquire_timeout = 2;
    settings.rate_limits.rate_limit_authenticated = 0;
    let app = Application::build(&settings).await.expect("starts on the test instance");
    let address = app.local_addr().unwrap();
    let db = app.database();
    tokio::spawn(app.run_until(std::future::pending()));
    let organisation = organisations::create(
        &db,
        NewOrganisation {
            name: "Fault test".into(),
            kind: OrganisationKind::Ngo,
            country: Some("PE".into()),
            website: None,
            visibility: Visibility::Public,
        },
    )
    .await
    .map_err(|_| "organisation")
    .unwrap();
    let (_, key) =
        api_keys::create_key(&db, organisation.id, Role::Editor, None, None).await.map_err(|_| "key").unwrap();

    let running = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = (0..4).map(|id| tokio::spawn(writer(address, key.clone(), id, running.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The database goes away.
    instance.kill();
    let killed = Instant::now();
    let mut unready_after = None;
    while killed.elapsed() < Duration::from_secs(10) {
        if !ready(address).await {
            unready_after = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let unready_after = unready_after.expect("/readyz turns unready");
    // A read fails fast and says why.
    let started = Instant::now();
    let response = read(address).await;
    let refused_in = started.elapsed();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "DATABASE_UNAVAILABLE", "{body}");
    assert!(refused_in < Duration::from_millis(500), "refused in {refused_in:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;

    // It comes back.
    instance.start();
    let restarted = Instant::now();
    let mut recovered_after = None;
    while restarted.elapsed() < Duration::from_secs(30) {
        if read(address).await.status() == 200 {
            recovered_after = Some(restarted.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovered_after = recovered_after.expect("service resumes by itself");
    assert!(ready(address).await, "/readyz is ready again");
    tokio::time::sleep(Duration::from_secs(1)).await;
    running.store(false, Ordering::Relaxed);

    let mut tally = Tally::default();
    for writer in writers {
        let one = writer.await.unwrap();
        tally.acknowledged.extend(one.acknowledged);
        tally.unavailable += one.unavailable;
        tally.slowest_refusal = tally.slowest_refusal.max(one.slowest_refusal);
        tally.other_failures.extend(one.other_failures);
    }
    assert!(tally.other_failures.is_empty(), "failures other than DATABASE_UNAVAILABLE: {:?}", tally.other_failures);
    assert!(tally.unavailable > 0, "the writers saw the outage");
    assert!(tally.acknowledged.len() > 10, "the writers wrote before and after");

    // Every acknowledged write is there.
    let ids: Vec<&str> = tally.acknowledged.iter().map(String::as_str).collect();
    for chunk in ids.chunks(100) {
        let response = reqwest::Client::new()
            .post(format!("http://{address}/graphql"))
            .header("authorization", format!("Bearer {key}"))
            .json(
                &json!({ "query": "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": { "ids": chunk } }),
            )
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let found = body["data"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        for (id, node) in chunk.iter().zip(found) {
            assert_eq!(node["id"], *id, "acknowledged write {id} is missing after the restart: {body}");
        }
    }
    println!(
        "database fault test: {} writes acknowledged, {} refused while down (slowest refusal {:?}); \
         unready {:?} after the kill; a read refused in {:?}; service back {:?} after PostgreSQL restarted",
        tally.acknowledged.len(),
        tally.unavailable,
        tally.slowest_refusal,
        unready_after,
        refused_in,
        recovered_after
    );
}
