//! The service benchmark: `cargo bench --bench service`.
//!
//! For each engine and dataset size, generates the synthetic dataset into a
//! fresh database, starts the server binary on it (`rights-graph serve`, in
//! a process of its own so that its peak memory is measured alone), and
//! drives a fixed set of GraphQL operations over HTTP at each concurrency
//! for a fixed time. For each run: requests per second, latency
//! p50/p95/p99, SQL statements per request, and the direct-database floor:
//! the statements of recorded requests, replayed straight to the database
//! through the same driver, at the same concurrency. (A second server, in
//! this process, records the statements; it takes no load.) Both servers
//! run without the response cache; then operations 1 and 5b are driven again
//! against a server with it (`BENCH_CACHED_OPERATIONS`).
//!
//! Settings (environment): `BENCH_ENGINES` (`sqlite,postgres`), `BENCH_SIZES`
//! (`10000,100000`), `BENCH_LARGE_SIZES` (`1000000`: run on PostgreSQL only,
//! at concurrency 16 only; empty for none), `BENCH_CONCURRENCY` (`1,16,64`), `BENCH_SECONDS` (5),
//! `TEST_DATABASE_URL` (PostgreSQL admin connection), `BENCH_OPERATIONS`
//! (numbers such as `1,2,5a`; all when unset), `BENCH_DATABASE_URL` (run on
//! a database seeded before, instead of fresh ones; it is kept),
//! `BENCH_PEERS` and `BENCH_PEER_SIZE` (on PostgreSQL at 100,000 defenders
//! the run also drives PostGraphile 5 over the same database with
//! `scripts/peer-benchmark.py`, which needs python3, wrk and npm; `0` leaves
//! the peers out, `1` runs them on a `BENCH_DATABASE_URL` database too). A full run
//! writes `benchmarks/results.json`, `benchmarks/plans-*.md`,
//! `benchmarks/peers.*` and `BENCHMARKS.md`, with the machine and commit; a partial one writes them
//! under `target/benchmarks/`.

// The in-process server builds the schema, whose merged Query root's
// resolver future is laid out deeper than the default limit in optimised
// builds (as in src/main.rs).
#![recursion_limit = "256"]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rights_graph::ids::{GlobalId, NodeType};
use rights_graph::seed::synthetic;
use rights_graph::{Application, Settings};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::{Value, json};

// The server's allocator (see `src/main.rs`), for the recording server in this process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "shared/operations.rs"]
mod operations;

use operations::{Operation, operations};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    Sqlite,
    Postgres,
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The local server, without TLS: on the loopback interface encryption
/// protects nothing, and sqlx's TLS layer halves the speed of large writes.
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

/// The admin URL with another database in place of its own (keeping its parameters).
fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.into()
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into())
}

/// A fresh database; returns its URL and how to drop it.
async fn fresh_database(engine: Engine, size: u64) -> (String, Box<dyn FnOnce() + Send>) {
    match engine {
        Engine::Sqlite => {
            let path = std::env::temp_dir().join(format!("rights-graph-bench-{size}-{}.db", uuid::Uuid::now_v7()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (
                url,
                Box::new(move || {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }),
            )
        }
        Engine::Postgres => {
            let name = format!("rights_graph_bench_{size}_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(admin_url()).await.expect("PostgreSQL reachable at TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create database");
            let drop_name = name.clone();
            (
                database_url(&name),
                Box::new(move || {
                    let _ = std::process::Command::new("psql")
                        .arg(admin_url())
                        .arg("-qc")
                        .arg(format!("DROP DATABASE IF EXISTS \"{drop_name}\" WITH (FORCE)"))
                        .status();
                }),
            )
        }
    }
}

/// Latency figures of one run, in milliseconds.
struct Figures {
    requests: u64,
    errors: u64,
    per_second: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

fn figures(mut latencies: Vec<Duration>, errors: u64, elapsed: Duration) -> Figures {
    latencies.sort();
    let at = |q: f64| {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1_000.0
    };
    Figures {
        requests: latencies.len() as u64,
        errors,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    }
}

/// Runs `request(i)` from `concurrency` workers for `seconds`, `i` counting
/// the requests of all workers; a request answers whether it succeeded.
async fn load<F, Fut>(concurrency: usize, seconds: u64, request: F) -> Figures
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (counter, request) = (counter.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                if request(i).await { latencies.push(sent.elapsed()) } else { errors += 1 }
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for worker in workers {
        let (more, failed) = worker.await.expect("worker");
        latencies.extend(more);
        errors += failed;
    }
    figures(latencies, errors, started.elapsed())
}

/// Drives `operation` at `concurrency` for `seconds` over HTTP.
async fn drive(url: &str, operation: &Operation, ids: Arc<Vec<String>>, concurrency: usize, seconds: u64) -> Figures {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let (url, query, variables) = (Arc::new(url.to_owned()), operation.query, operation.variables);
    load(concurrency, seconds, move |i| {
        let (client, url) = (client.clone(), url.clone());
        let body = json!({ "query": query, "variables": variables(i, &ids) });
        async move {
            match client.post(url.as_str()).json(&body).send().await {
                // A response has errors when it has an `errors` key: in JSON
                // text that is the only place `"errors":` can stand (a quote
                // inside a string is escaped). Scanning for it costs the
                // machine the server shares far less than parsing the body.
                Ok(response) if response.status() == 200 => response
                    .bytes()
                    .await
                    .is_ok_and(|body| !body.is_empty() && memchr::memmem::find(&body, b"\"errors\":").is_none()),
                _ => false,
            }
        }
    })
    .await
}

/// Replays recorded requests' statements straight to the database, at
/// `concurrency`: the i-th replay runs the statements of the request made
/// with the i-th variables (modulo how many were recorded), so the floor
/// queries what the service queries.
async fn floor(
    db: &DatabaseConnection,
    requests: Arc<Vec<Vec<sea_orm::Statement>>>,
    concurrency: usize,
    seconds: u64,
) -> Figures {
    let db = db.clone();
    load(concurrency, seconds, move |i| {
        let (db, requests) = (db.clone(), requests.clone());
        async move {
            let mut ok = true;
            for statement in &requests[i as usize % requests.len()] {
                ok &= db.query_all_raw(statement.clone()).await.is_ok();
            }
            ok
        }
    })
    .await
}

/// How many variable sets are recorded for the floor: a multiple of every
/// cycle in `operations()` (six countries, four searches).
const RECORDED_REQUESTS: u64 = 24;

/// Records the statements of the first [`RECORDED_REQUESTS`] requests of
/// `operation`, one request at a time.
async fn record(
    client: &reqwest::Client,
    graphql: &str,
    counter: &rights_graph::db::StatementCounter,
    operation: &Operation,
    ids: &[String],
) -> Vec<Vec<sea_orm::Statement>> {
    let mut requests = Vec::new();
    for i in 0..RECORDED_REQUESTS {
        let body = json!({ "query": operation.query, "variables": (operation.variables)(i, ids) });
        counter.start_recording();
        let answer: Value = client.post(graphql).json(&body).send().await.expect("sent").json().await.expect("JSON");
        requests.push(counter.stop_recording());
        assert!(answer.get("errors").is_none(), "{}: {answer}", operation.name);
    }
    requests
}

/// The database's plan for each statement of one request, and how many of
/// the plans read a whole table (PostgreSQL `Seq Scan`, SQLite `SCAN` without
/// an index). Tables of reference data (countries, subdivisions) are small
/// by nature and not counted.
async fn plans(db: &DatabaseConnection, statements: &[sea_orm::Statement]) -> (String, u64) {
    let backend = db.get_database_backend();
    let prefix = match backend {
        sea_orm::DatabaseBackend::Sqlite => "EXPLAIN QUERY PLAN ",
        // Every benchmark statement is a read: running it shows the real cost.
        _ => "EXPLAIN (ANALYZE, BUFFERS) ",
    };
    // Only real tables count: SQLite also "scans" its subqueries and co-routines.
    let tables_sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
        _ => "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
    };
    let tables: Vec<String> = db
        .query_all_raw(sea_orm::Statement::from_string(backend, tables_sql))
        .await
        .map(|rows| rows.iter().filter_map(|row| row.try_get_by_index(0).ok()).collect())
        .unwrap_or_default();
    let (mut out, mut full_scans) = (String::new(), 0);
    for statement in statements {
        out.push_str(&format!("\n{}\n", statement.sql));
        let explain = sea_orm::Statement {
            sql: format!("{prefix}{}", statement.sql),
            values: statement.values.clone(),
            db_backend: statement.db_backend,
        };
        let rows = match db.query_all_raw(explain).await {
            Ok(rows) => rows,
            Err(error) => {
                out.push_str(&format!("  (no plan: {error})\n"));
                continue;
            }
        };
        for row in rows {
            let line: String = match backend {
                sea_orm::DatabaseBackend::Sqlite => row.try_get_by_index(3).unwrap_or_default(),
                _ => row.try_get_by_index(0).unwrap_or_default(),
            };
            if reads_whole_table(&line, &tables) {
                full_scans += 1;
                out.push_str("  FULL SCAN >");
            }
            out.push_str(&format!("  {line}\n"));
        }
    }
    (out, full_scans)
}

fn reads_whole_table(plan_line: &str, tables: &[String]) -> bool {
    const SMALL: &[&str] = &["country", "subdivision", "json_each"];
    let line = plan_line.trim_start_matches([' ', '-', '>', '|', '`']);
    let table = if let Some(rest) = line.strip_prefix("Seq Scan on ") {
        rest
    } else if let Some(rest) = line.strip_prefix("SCAN ") {
        if rest.contains("USING INDEX") || rest.contains("USING COVERING INDEX") || rest.contains("VIRTUAL TABLE") {
            return false;
        }
        rest
    } else {
        return false;
    };
    let name = table.split_whitespace().next().unwrap_or_default().trim_matches('"');
    tables.iter().any(|table| table == name) && !SMALL.contains(&name)
}

/// The server under load: the release binary in a process of its own, so
/// that its memory is its own (not the load generator's or the seeding's).
struct ServerProcess {
    child: std::process::Child,
    graphql: String,
}

impl ServerProcess {
    /// Starts `rights-graph serve` on a database prepared before, with the
    /// settings of the in-process server and a response cache of
    /// `cache_mib` (0: none), and waits until it is ready.
    async fn start(database_url: &str, cache_mib: u64) -> ServerProcess {
        // A free port: bind to port 0, note the port, let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let mut command = std::process::Command::new(binary());
        if let Some(pool) = pool_size() {
            command.args(["--database-max-connections", &pool.to_string()]);
        }
        let child = command
            .args(["serve", "--database-url", database_url, "--skip-sample-data"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit-anonymous", "0", "--rate-limit-authenticated", "0"])
            .args(["--response-cache-mib", &cache_mib.to_string()])
            // Warnings only, as a production server logging at `info` pays
            // for a line per request that this machine's two cores also run.
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("rights-graph serve starts");
        let server = ServerProcess { child, graphql: format!("http://127.0.0.1:{port}/graphql") };
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if client.get(&ready).send().await.is_ok_and(|response| response.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("rights-graph serve was not ready within a minute");
    }

    /// CPU time the process has used so far (user and system), in
    /// milliseconds: per request, a figure that depends far less on what
    /// else the machine runs than throughput does.
    fn cpu_milliseconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name, which is in parentheses: utime and
        // stime are the 12th and 13th, in clock ticks.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
        let ticks: f64 = after_name.split_whitespace().skip(11).take(2).filter_map(|n| n.parse::<f64>().ok()).sum();
        ticks * 1000.0 / clock_ticks_per_second()
    }

    /// The process's peak resident memory so far, in MiB.
    fn peak_memory_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary under test: this build's, or another (`BENCH_SERVER_BINARY`,
/// say of the last commit) to compare two versions on one machine and one
/// database.
fn binary() -> String {
    std::env::var("BENCH_SERVER_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rights-graph").into())
}

/// Exports everything the synthetic organisation may see (every record of
/// the dataset) as JSON Lines with `rights-graph export`, in a process of its
/// own: its time, its peak memory (sampled every 10 ms; the peak only grows)
/// and how many records it wrote.
fn export_figures(database_url: &str, owner: Option<uuid::Uuid>) -> Value {
    let mut command = std::process::Command::new(binary());
    command.args(["export", "--database-url", database_url, "--format", "jsonl", "--log-format", "text"]);
    if let Some(owner) = owner {
        command.args(["--org", &owner.to_string()]);
    }
    let started = Instant::now();
    let mut child = command
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rights-graph export starts");
    let mut stdout = child.stdout.take().expect("standard output");
    let counting = std::thread::spawn(move || {
        let mut lines = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        while let Ok(read) = std::io::Read::read(&mut stdout, &mut buffer) {
            if read == 0 {
                break;
            }
            lines += buffer[..read].iter().filter(|byte| **byte == b'\n').count() as u64;
        }
        lines
    });
    let mut peak_kib = 0.0f64;
    loop {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if child.try_wait().expect("export process").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let seconds = started.elapsed().as_secs_f64();
    let records = counting.join().expect("lines counted");
    json!({ "seconds": round(seconds), "peak_memory_mib": round(peak_kib / 1024.0), "records": records })
}

/// Database connections of both servers (`BENCH_POOL`; by default the
/// server's own default for the engine).
fn pool_size() -> Option<u32> {
    std::env::var("BENCH_POOL").ok().and_then(|n| n.parse().ok())
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| command_output("getconf", &["CLK_TCK"]).parse().unwrap_or(100.0))
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Where a run's data lives: a fresh database the run seeds and drops, or
/// one seeded before (`BENCH_DATABASE_URL`), kept as it is.
enum Dataset {
    Fresh(Engine, u64),
    Existing(String),
}

async fn bench(dataset: Dataset, concurrencies: &[usize], seconds: u64) -> Value {
    let (url, drop_database): (String, Box<dyn FnOnce() + Send>) = match &dataset {
        Dataset::Fresh(engine, size) => fresh_database(*engine, *size).await,
        Dataset::Existing(url) => (url.clone(), Box::new(|| ())),
    };
    let mut settings = Settings::for_database(url.clone());
    settings.listen = "127.0.0.1:0".parse().expect("address");
    settings.skip_sample_data = true;
    settings.database.database_max_connections = pool_size();
    settings.rate_limits.rate_limit_anonymous = 0;
    settings.rate_limits.rate_limit_authenticated = 0;
    // Every figure but the response cache's own is of execution.
    settings.cache.response_cache_mib = 0;
    settings.log_format = rights_graph::config::LogFormat::Text;
    let (db, _) = rights_graph::db::connect(&settings).await.expect("database");
    rights_graph::app::prepare_database(&db, &settings).await.expect("migrated");
    let engine = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => Engine::Sqlite,
        _ => Engine::Postgres,
    };
    let seeded = Instant::now();
    let existing = matches!(dataset, Dataset::Existing(_));
    let (size, rows) = match dataset {
        Dataset::Fresh(_, size) => {
            let options = synthetic::Options { defenders: size, seed: 1, allow_real_data: false };
            (size, synthetic::seed(&db, options).await.expect("seeded").rows)
        }
        Dataset::Existing(_) => (entity::defender::Entity::find().count(&db).await.expect("defenders counted"), 0),
    };
    let seed_seconds = seeded.elapsed().as_secs_f64();
    eprintln!("{engine:?} {size}: seeded {rows} rows in {seed_seconds:.1} s");
    let owner = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Name.eq(synthetic::ORGANISATION))
        .one(&db)
        .await
        .expect("the synthetic organisation looked up")
        .map(|organisation| organisation.id);
    let export = export_figures(&url, owner);
    eprintln!("{engine:?} {size}: export {export}");
    let ids: Vec<String> = entity::defender::Entity::find()
        .select_only()
        .column(entity::defender::Column::Id)
        .filter_public()
        .limit(2_000)
        .into_tuple::<uuid::Uuid>()
        .all(&db)
        .await
        .expect("ids")
        .into_iter()
        .map(|id| GlobalId::encode_uuid(NodeType::Defender, id).0)
        .collect();
    let ids = Arc::new(ids);
    db.close().await.ok();

    // The in-process server records each operation's statements (for their
    // count, the plans and the floor); the one in its own process is loaded.
    let app = Application::build(&settings).await.expect("server starts");
    let address = app.local_addr().expect("address");
    let counter = app.statement_counter();
    let server_db = app.database();
    tokio::spawn(app.run_until(std::future::pending()));
    let graphql = format!("http://{address}/graphql");
    let client = reqwest::Client::new();
    let server = ServerProcess::start(&url, 0).await;

    let mut runs = Vec::new();
    let mut plan_text = format!("# Query plans: {engine:?}, {size} defenders\n");
    let mut full_scans_total = 0;
    let selected = env_list("BENCH_OPERATIONS", "");
    for operation in operations() {
        let number = operation.name.split_whitespace().next().unwrap_or_default();
        if !selected.is_empty() && !selected.iter().any(|wanted| wanted == number) {
            continue;
        }
        let recorded = Arc::new(record(&client, &graphql, &counter, &operation, &ids).await);
        let statements = &recorded[0];
        let (plan, full_scans) = plans(&server_db, statements).await;
        full_scans_total += full_scans;
        plan_text.push_str(&format!("\n## {}\n{plan}", operation.name));
        for &concurrency in concurrencies {
            let cpu_before = server.cpu_milliseconds();
            let service = drive(&server.graphql, &operation, ids.clone(), concurrency, seconds).await;
            let cpu_per_request = (server.cpu_milliseconds() - cpu_before) / (service.requests.max(1) as f64);
            let direct = floor(&server_db, recorded.clone(), concurrency, seconds).await;
            eprintln!(
                "{engine:?} {size} c{concurrency} {}: {:.0} req/s p50 {:.1} p95 {:.1} p99 {:.1} ms; server CPU {:.2} ms/req; {} statements; floor {:.0}/s; ratio {:.2}",
                operation.name,
                service.per_second,
                service.p50,
                service.p95,
                service.p99,
                cpu_per_request,
                statements.len(),
                direct.per_second,
                service.per_second / direct.per_second.max(f64::MIN_POSITIVE)
            );
            runs.push(json!({
                "operation": operation.name,
                "concurrency": concurrency,
                "requests": service.requests,
                "errors": service.errors,
                "requests_per_second": round(service.per_second),
                "p50_ms": round(service.p50),
                "p95_ms": round(service.p95),
                "p99_ms": round(service.p99),
                "server_cpu_ms_per_request": (cpu_per_request * 100.0).round() / 100.0,
                "statements_per_request": statements.len(),
                "direct_requests_per_second": round(direct.per_second),
                "direct_p99_ms": round(direct.p99),
                // Two decimals: the target is a ratio of 0.5, which one decimal would blur.
                "ratio_to_direct": (service.per_second / direct.per_second.max(f64::MIN_POSITIVE) * 100.0).round() / 100.0,
                "full_table_scans": full_scans,
            }));
        }
    }
    let peak_memory_mib = server.peak_memory_mib();
    drop(server);
    let cached = cached_runs(&url, &runs, ids.clone(), seconds).await;
    let peers = peers_wanted(engine, size, existing) && run_peers(&url, seconds);
    let result = json!({
        "engine": format!("{engine:?}").to_lowercase(),
        "defenders": size,
        "seed_rows": rows,
        "seed_seconds": round(seed_seconds),
        "peak_memory_mib": round(peak_memory_mib),
        "pool_size": settings.database.pool_size(),
        "export": export,
        "full_table_scans": full_scans_total,
        "runs": runs,
        "cached": cached,
        "peers": peers,
    });
    let engine_name = format!("{engine:?}").to_lowercase();
    std::fs::write(output_directory().join(format!("plans-{engine_name}-{size}.md")), plan_text)
        .expect("plans written");
    server_db.close().await.ok();
    drop_database();
    result
}

/// The size at which PostGraphile 5 is driven over the same database
/// (`BENCH_PEER_SIZE`, 100,000 defenders unless set).
fn peer_size() -> u64 {
    std::env::var("BENCH_PEER_SIZE").ok().and_then(|size| size.parse().ok()).unwrap_or(100_000)
}

/// Whether this run also drives the peer: on PostgreSQL at the peer size,
/// unless `BENCH_PEERS=0`; on a database seeded before, only with
/// `BENCH_PEERS=1`.
fn peers_wanted(engine: Engine, size: u64, existing: bool) -> bool {
    let setting = std::env::var("BENCH_PEERS").unwrap_or_default();
    engine == Engine::Postgres && setting != "0" && if existing { setting == "1" } else { size == peer_size() }
}

/// Runs `scripts/peer-benchmark.py` over this run's database, with the same
/// server binary and seconds per run; its tables land beside this run's
/// (`peers.md`, `peers.json`). A peer that cannot be run fails the whole
/// benchmark rather than leaving its figures out unnoticed.
fn run_peers(url: &str, seconds: u64) -> bool {
    let mut url = url::Url::parse(url).expect("database URL");
    // Over loopback, as the peer connects: no TLS for either system.
    let others: Vec<(String, String)> =
        url.query_pairs().filter(|(key, _)| key != "sslmode").map(|(k, v)| (k.into(), v.into())).collect();
    url.query_pairs_mut().clear().extend_pairs(others).append_pair("sslmode", "disable");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/peer-benchmark.py");
    eprintln!("peers: {} over the same database", script.display());
    let status = std::process::Command::new("python3")
        .arg(&script)
        .args(["--binary", &binary(), "--seconds", &seconds.max(5).to_string()])
        .arg("--out")
        .arg(output_directory())
        .env("BENCH_DATABASE_URL", url.as_str())
        .status()
        .expect("python3 runs the peer benchmark");
    assert!(
        status.success(),
        "the peer benchmark failed ({status}); it needs python3, wrk and npm (see its header). \
         BENCH_PEERS=0 leaves the peers out"
    );
    true
}

/// The concurrency of the response cache's runs.
const CACHED_CONCURRENCY: usize = 16;

/// The operations `BENCH_CACHED_OPERATIONS` names (`1,5b` unless set; none
/// when empty) driven again at concurrency 16 against a server with its
/// response cache on (64 MiB): a dashboard asking the same queries again and
/// again. Each is set beside the same operation's run without the cache.
async fn cached_runs(url: &str, uncached: &[Value], ids: Arc<Vec<String>>, seconds: u64) -> Vec<Value> {
    let selected = std::env::var("BENCH_CACHED_OPERATIONS").unwrap_or_else(|_| "1,5b".into());
    let selected: Vec<&str> = selected.split(',').map(str::trim).filter(|name| !name.is_empty()).collect();
    let operations: Vec<Operation> = operations()
        .into_iter()
        .filter(|operation| selected.contains(&operation.name.split_whitespace().next().unwrap_or_default()))
        .collect();
    if operations.is_empty() {
        return Vec::new();
    }
    let server = ServerProcess::start(url, 64).await;
    let mut runs = Vec::new();
    for operation in operations {
        let without = uncached
            .iter()
            .find(|run| run["operation"] == operation.name && run["concurrency"] == CACHED_CONCURRENCY)
            .map(|run| run["requests_per_second"].as_f64().unwrap_or(0.0));
        let cpu_before = server.cpu_milliseconds();
        let figures = drive(&server.graphql, &operation, ids.clone(), CACHED_CONCURRENCY, seconds).await;
        let cpu_per_request = (server.cpu_milliseconds() - cpu_before) / (figures.requests.max(1) as f64);
        let speedup = without.map(|without| figures.per_second / without.max(f64::MIN_POSITIVE));
        eprintln!(
            "cached c{CACHED_CONCURRENCY} {}: {:.0} req/s p50 {:.1} p99 {:.1} ms; server CPU {:.3} ms/req; without the cache {:?} req/s",
            operation.name, figures.per_second, figures.p50, figures.p99, cpu_per_request, without
        );
        runs.push(json!({
            "operation": operation.name,
            "concurrency": CACHED_CONCURRENCY,
            "requests": figures.requests,
            "errors": figures.errors,
            "requests_per_second": round(figures.per_second),
            "p50_ms": round(figures.p50),
            "p99_ms": round(figures.p99),
            "server_cpu_ms_per_request": (cpu_per_request * 1000.0).round() / 1000.0,
            "uncached_requests_per_second": without,
            "speedup": speedup.map(|speedup| (speedup * 10.0).round() / 10.0),
        }));
    }
    runs
}

/// A run of some operations, or on a database seeded before: its figures
/// do not replace the committed ones.
fn partial_run() -> bool {
    std::env::var_os("BENCH_DATABASE_URL").is_some() || std::env::var_os("BENCH_OPERATIONS").is_some()
}

/// `benchmarks/` for a full run, `target/benchmarks/` for a partial one.
fn output_directory() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let directory = if partial_run() { root.join("target/benchmarks") } else { root.join("benchmarks") };
    std::fs::create_dir_all(&directory).expect("output directory");
    directory
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

trait PublicOnly {
    fn filter_public(self) -> Self;
}

impl PublicOnly for sea_orm::Select<entity::defender::Entity> {
    fn filter_public(self) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(entity::defender::Column::Visibility.eq(entity::Visibility::Public))
    }
}

fn markdown(results: &Value) -> String {
    let mut out = String::from("# Benchmarks\n\nWritten by `cargo bench --bench service` (see docs/benchmarks.md). ");
    out.push_str(&format!(
        "Machine: {}. Commit: {}. Date: {}.\n\nEach run drives one operation over HTTP for a fixed time. \
         *statements* are the SQL statements one request makes; *floor* is the statements of the same requests \
         (recorded for the first 24 variable sets, replayed in the same order) sent straight to the database \
         through the same driver at the same concurrency; *ratio* is the service's throughput over the \
         floor's. *full scans* counts plan steps of one request that read a whole table (PostgreSQL `Seq Scan`, \
         SQLite `SCAN` without an index; country and subdivision tables excepted); the plans are in \
         `benchmarks/plans-<engine>-<size>.md`. *memory* is the peak resident memory of the server process \
         (`rights-graph serve`, started after seeding, logging at `warn`) over all the runs; *CPU ms* the CPU \
         time (user and system) that process used per request.\n",
        results["machine"].as_str().unwrap_or_default(),
        results["commit"].as_str().unwrap_or_default(),
        results["date"].as_str().unwrap_or_default()
    ));
    for set in results["results"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\n## {} with {} defenders\n\nSeeded {} rows in {} s; {} pooled connections; server peak memory {} MiB. \
             Export of every record as JSON Lines (`rights-graph export --org` the synthetic organisation): {} records \
             in {} s, peak memory {} MiB.\n\n\
             | operation | concurrency | req/s | p50 ms | p95 ms | p99 ms | CPU ms | statements | floor req/s | ratio | errors | full scans |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
            set["engine"].as_str().unwrap_or_default(),
            set["defenders"],
            set["seed_rows"],
            set["seed_seconds"],
            set["pool_size"],
            set["peak_memory_mib"],
            set["export"]["records"],
            set["export"]["seconds"],
            set["export"]["peak_memory_mib"]
        ));
        for run in set["runs"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                run["operation"].as_str().unwrap_or_default(),
                run["concurrency"],
                run["requests_per_second"],
                run["p50_ms"],
                run["p95_ms"],
                run["p99_ms"],
                run["server_cpu_ms_per_request"],
                run["statements_per_request"],
                run["direct_requests_per_second"],
                run["ratio_to_direct"],
                run["errors"],
                run["full_table_scans"]
            ));
        }
        let cached = set["cached"].as_array().into_iter().flatten().collect::<Vec<_>>();
        if !cached.is_empty() {
            out.push_str(
                "\nThe same operations against a server with its response cache on (64 MiB), the same variables \
                 over and over as a dashboard asks them:\n\n\
                 | operation | concurrency | req/s | p50 ms | p99 ms | CPU ms | req/s without the cache | speedup |\n\
                 | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
            );
            for run in cached {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {}× |\n",
                    run["operation"].as_str().unwrap_or_default(),
                    run["concurrency"],
                    run["requests_per_second"],
                    run["p50_ms"],
                    run["p99_ms"],
                    run["server_cpu_ms_per_request"],
                    run["uncached_requests_per_second"],
                    run["speedup"]
                ));
            }
        }
    }
    out
}

/// Each operation at concurrency 16 per size, for each engine run at more
/// than one size: how throughput and latency grow with the data, beside the
/// statements (which the shape of the query fixes, so they must not grow)
/// and the floor (what the database alone takes for them).
fn growth(results: &Value) -> String {
    let sets: Vec<&Value> = results["results"].as_array().into_iter().flatten().collect();
    let mut out = String::new();
    for engine in ["sqlite", "postgres"] {
        let sets: Vec<&&Value> = sets.iter().filter(|set| set["engine"] == engine).collect();
        if sets.len() < 2 {
            continue;
        }
        out.push_str(&format!(
            "\n## How cost grows on {engine}\n\nEach operation at concurrency {CACHED_CONCURRENCY}, per number of \
             defenders (from the tables above).\n\n\
             | operation | defenders | req/s | p50 ms | p99 ms | CPU ms | statements | floor req/s |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        ));
        let mut varying = Vec::new();
        for operation in operations() {
            let mut statements = Vec::new();
            for set in &sets {
                let run = set["runs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|run| run["operation"] == operation.name && run["concurrency"] == CACHED_CONCURRENCY);
                let Some(run) = run else { continue };
                statements.push(run["statements_per_request"].clone());
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    operation.name,
                    set["defenders"],
                    run["requests_per_second"],
                    run["p50_ms"],
                    run["p99_ms"],
                    run["server_cpu_ms_per_request"],
                    run["statements_per_request"],
                    run["direct_requests_per_second"]
                ));
            }
            statements.sort_by_key(|count| count.as_u64());
            statements.dedup();
            if statements.len() > 1 {
                varying.push(operation.name);
            }
        }
        if varying.is_empty() {
            out.push_str("\nStatements per request are the same at every size.\n");
        } else {
            out.push_str(&format!("\nStatements per request differ between sizes for: {}.\n", varying.join("; ")));
        }
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let engines: Vec<Engine> = env_list("BENCH_ENGINES", "sqlite,postgres")
        .iter()
        .map(|name| match name.as_str() {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => panic!("BENCH_ENGINES: unknown engine {other}"),
        })
        .collect();
    let sizes: Vec<u64> =
        env_list("BENCH_SIZES", "10000,100000").iter().map(|n| n.parse().expect("BENCH_SIZES")).collect();
    let concurrencies: Vec<usize> =
        env_list("BENCH_CONCURRENCY", "1,16,64").iter().map(|n| n.parse().expect("BENCH_CONCURRENCY")).collect();
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    // Sizes run on PostgreSQL alone, at concurrency 16 alone, to show how
    // cost grows past the usual sizes without an hour per engine.
    let large_sizes: Vec<u64> =
        env_list("BENCH_LARGE_SIZES", "1000000").iter().map(|n| n.parse().expect("BENCH_LARGE_SIZES")).collect();
    let mut results = Vec::new();
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        results.push(runtime.block_on(bench(Dataset::Existing(url), &concurrencies, seconds)));
    } else {
        for &engine in &engines {
            for &size in &sizes {
                results.push(runtime.block_on(bench(Dataset::Fresh(engine, size), &concurrencies, seconds)));
            }
            if engine == Engine::Postgres {
                for &size in &large_sizes {
                    let concurrency = [CACHED_CONCURRENCY];
                    results.push(runtime.block_on(bench(Dataset::Fresh(engine, size), &concurrency, seconds)));
                }
            }
        }
    }
    let cpu = command_output("sh", &["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]);
    let memory = command_output("sh", &["-c", "grep MemTotal /proc/meminfo | awk '{printf \"%.0f GiB\", $2/1048576}'"]);
    let results = json!({
        "machine": format!("{} cores, {cpu}, {memory}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
        "commit": command_output("git", &["describe", "--always", "--dirty"]),
        "date": chrono::Utc::now().to_rfc3339(),
        "seconds_per_run": seconds,
        "results": results,
    });
    let directory = output_directory();
    std::fs::write(directory.join("results.json"), serde_json::to_string_pretty(&results).expect("JSON"))
        .expect("results written");
    let table = if partial_run() { directory.join("BENCHMARKS.md") } else { directory.join("../BENCHMARKS.md") };
    let mut text = markdown(&results) + &growth(&results);
    let peers_run = results["results"].as_array().is_some_and(|runs| runs.iter().any(|run| run["peers"] == true));
    if peers_run {
        // The peer script's own report, under this file's headings.
        let peers = std::fs::read_to_string(directory.join("peers.md")).expect("peers.md written by the peer run");
        text.push('\n');
        text.push_str(&peers.replacen("# ", "## ", 1));
    }
    // The reconciliation figures of scripts/reconcile-benchmark.sh, kept.
    if let Ok(reconciliation) = std::fs::read_to_string(directory.join("reconciliation.md")) {
        text.push('\n');
        text.push_str(&reconciliation.replacen("# ", "## ", 1));
    }
    std::fs::write(&table, text).expect("table written");
    eprintln!("wrote {} and {}", directory.join("results.json").display(), table.display());
}
