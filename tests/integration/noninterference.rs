//! Non-interference: nothing a viewer may not see may change any response
//! that viewer gets — not a value, a count, a score, an order, an error
//! message, a status code or a cursor. A hidden record behaves exactly like
//! one that never existed.
//!
//! The operations come from the schema by introspection (see
//! `noninterference/generate.rs`); a field the generator cannot cover fails
//! the test. Phases:
//! - A: every viewer runs every operation; the responses are recorded.
//! - B: organisation H adds data hidden from every viewer (PRIVATE records
//!   with the words, countries and dates of visible ones, links from them to
//!   visible records, merges, archives, withdrawn consent, shares with an
//!   organisation that is no viewer, duplicate judgements).
//! - C: every operation again; every response must be byte-identical to
//!   phase A (after normalising only request ids and rate-limit counters).
//!   Then twice more: once answered from the response cache (kept per
//!   visibility class), once by a second instance without a cache.
//!   Each operation with an id is also run with every kind of hidden id and
//!   must answer as it does for a nonexistent id.
//! - D: H adds PARTNERS records; E: the anonymous viewer compares again.
//!
//! The pages (`/countries/…`, `/defenders/…`, …) are fetched by every viewer
//! in phases A, C and E and compared the same way (`noninterference/pages.rs`),
//! and so is every endpoint of `/reconcile` (`noninterference/reconcile.rs`).
//!
//! In every phase no response may hold the id of a record hidden from its
//! viewer or a confidential value it may not read (the canary scan), and no
//! mutation of the operation set may succeed. Failures are collected, then
//! reported all at once.

use crate::common;

mod generate;

mod pages;

mod reconcile;

mod schema;

mod templates;

mod world;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{Engine, TestApp};
use generate::{Family, Gen, Job, Op, nonexistent};
use schema::Schema;
use serde_json::{Value, json};
use world::{Viewer, World};

/// Requests in flight at once (the machine has two cores; the server runs in-process).
const CONCURRENCY: usize = 4;
/// The most hidden ids of one type tried per viewer and operation in the
/// hidden-versus-nonexistent comparison: one of each kind of hiding.
const HIDDEN_PER_TYPE: usize = 8;

/// The two engines take turns: each run keeps both cores busy, and running
/// them at once would double both running times for nothing.
static ONE_ENGINE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    run(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    run(Engine::Postgres).await;
}

/// The coverage rule: a field, argument or input field the generator has no
/// way to fill fails the test, naming it. Checked by adding to the
/// introspected schema a Query field, a filter's input field, a nested
/// field's argument and a mutation that no generator knows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_check_names_what_it_cannot_cover() {
    use schema::{Field, InputValue, Kind, Type, TypeRef};
    let app = TestApp::spawn(Engine::Sqlite).await;
    let world = world::setup(&app).await;
    let (_, introspection) = world.post(None, schema::INTROSPECTION, &json!({})).await;
    let mut schema = Schema::parse(&introspection["data"]);
    let failures = Gen::new(&schema, &world).generate().coverage_failures;
    assert!(failures.is_empty(), "the schema as served is covered in full: {failures:#?}");
    let named = |name: &str| TypeRef::Named(name.into());
    let input = |name: &str, ty: TypeRef| InputValue { name: name.into(), ty, default: None };
    let input_type = |name: &str, fields: Vec<InputValue>| Type {
        kind: Kind::InputObject,
        name: name.into(),
        fields: vec![],
        input_fields: fields,
        enum_values: vec![],
        possible_types: vec![],
        interfaces: vec![],
    };
    schema.types.insert("BazInput".into(), input_type("BazInput", vec![input("x", named("String"))]));
    schema.types.insert("DoItInput".into(), input_type("DoItInput", vec![input("y", named("String"))]));
    let query = schema.query.clone();
    schema.types.get_mut(&query).unwrap().fields.push(Field {
        name: "foo".into(),
        args: vec![input("bar", named("BazInput"))],
        ty: named("String"),
    });
    let mutation = schema.mutation.clone();
    schema.types.get_mut(&mutation).unwrap().fields.push(Field {
        name: "doIt".into(),
        args: vec![input("input", TypeRef::NonNull(Box::new(named("DoItInput"))))],
        ty: named("String"),
    });
    schema.types.get_mut("DefenderFilter").unwrap().input_fields.push(input("pronouns", named("String")));
    let defender = schema.types.get_mut("Defender").unwrap();
    defender.fields.iter_mut().find(|f| f.name == "events").unwrap().args.push(input("kind", named("String")));
    let failures = Gen::new(&schema, &world).generate().coverage_failures;
    for expected in [
        "noninterference: no generator for Query.foo(bar: BazInput)",
        "noninterference: no generator for Mutation.doIt(input: DoItInput!)",
        "noninterference: no generator for DefenderFilter.pronouns: String",
        "noninterference: no generator for Defender.events(kind: String)",
    ] {
        assert!(failures.iter().any(|f| f == expected), "{expected:?} missing from {failures:#?}");
    }
    for failure in &failures {
        assert!(
            ["foo", "BazInput", "doIt", "DoItInput", "pronouns", "events(kind"]
                .iter()
                .any(|name| failure.contains(name)),
            "a failure about something not added: {failure}"
        );
    }
}

/// A response: status, body as received, and body normalised for comparison.
#[derive(Clone, Debug)]
struct Resp {
    /// How long the request took, for the profile printed at the end.
    millis: u128,
    status: u16,
    body: Value,
    norm: Value,
}

struct Failure {
    viewer: Viewer,
    phase: &'static str,
    label: String,
    query: String,
    detail: String,
}

struct Report {
    failures: Vec<Failure>,
    requests: AtomicUsize,
}

impl Report {
    fn add(&mut self, viewer: Viewer, phase: &'static str, op: &Op, detail: String) {
        self.failures.push(Failure { viewer, phase, label: op.label.clone(), query: truncate(&op.query, 240), detail });
    }
}

fn truncate(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max { text } else { format!("{}…", text.chars().take(max).collect::<String>()) }
}

/// The limits raised out of the generated operations' way. The rate limits
/// so far that no viewer reaches them: a 429 midway would be a difference
/// the hidden data did not cause (the `rateLimit` field still answers, with
/// counters normalised). The alias limit because selections ask
/// translatable fields twice (`name name_es: name(language: "es")`): a deep
/// one goes past the default, and an answer refused alike for every viewer
/// would compare equal and check nothing. The size limit likewise: a family
/// of records read as of a past moment, each with its past lists, is longer
/// than the default allows.
fn unlimited(settings: &mut rights_graph::config::Settings) {
    settings.rate_limits.rate_limit_anonymous = 1_000_000_000;
    settings.rate_limits.rate_limit_authenticated = 1_000_000_000;
    settings.limits.max_query_aliases = 1_000;
    settings.limits.max_query_bytes = 256 * 1024;
}

async fn run(engine: Engine) {
    let _turn = ONE_ENGINE_AT_A_TIME.lock().await;
    let started = Instant::now();
    // CPU of this process (server included) from here: both engines' runs share the process.
    let cpu_start = cpu_seconds();
    let cpu = || cpu_seconds() - cpu_start;
    let app = TestApp::spawn_configured(engine, unlimited).await;
    let mut world = world::setup(&app).await;
    let (status, introspection) = world.post(None, schema::INTROSPECTION, &json!({})).await;
    assert_eq!(status, 200, "introspection: {introspection}");
    let schema = Schema::parse(&introspection["data"]);
    let generated = Gen::new(&schema, &world).generate();
    let mut report = Report { failures: Vec::new(), requests: AtomicUsize::new(0) };
    for message in &generated.coverage_failures {
        report.failures.push(Failure {
            viewer: Viewer::Anonymous,
            phase: "coverage",
            label: message.clone(),
            query: String::new(),
            detail: String::new(),
        });
    }
    let jobs = Arc::new(generated.jobs);
    let operations: usize = jobs.iter().map(|j| j.ops.len()).sum();
    let mutations: usize = jobs.iter().flat_map(|j| &j.ops).filter(|o| o.mutation).count();
    let longest = jobs.iter().flat_map(|j| &j.ops).map(|o| o.query.len()).max().unwrap_or(0);
    eprintln!(
        "{engine:?}: {operations} operations ({mutations} mutations, longest query {longest} bytes), {} id families; setup took {:.1?}",
        generated.families.len(),
        started.elapsed()
    );

    control_scan(&world, &mut report).await;
    let control_before = control_run(&world, &jobs).await;

    // Phase A.
    let phase_started = Instant::now();
    eprintln!("{engine:?}: phase A starts at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());
    let a = run_jobs(&world, &jobs, &Viewer::ALL, &report).await;
    eprintln!("{engine:?}: phase A done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());
    profile(&jobs, &a, phase_started.elapsed());
    check_responses(&world, "A", &jobs, &a, &mut report);
    oracle(&world, &mut report).await;
    let pages_a = pages::fetch_all(&world, "A", &mut report).await;
    pages::hidden_versus_nonexistent(&world, "A", &mut report).await;
    let reconcile_a = reconcile::fetch_all(&world, "A", &mut report).await;
    reconcile::hidden_versus_nonexistent(&world, &Viewer::ALL, "A", &mut report).await;

    // Phase B, then C.
    world::hidden_data(&mut world).await;
    eprintln!("{engine:?}: world::hidden_data done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());
    let c = run_jobs(&world, &jobs, &Viewer::ALL, &report).await;
    eprintln!("{engine:?}: phase C done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());
    let control_after = control_run(&world, &jobs).await;
    control_compare(&control_before, &control_after, &mut report);
    control_families(&world, &generated.families, &mut report).await;
    compare(&world, &jobs, &a, &c, "C", &mut report);
    check_responses(&world, "C", &jobs, &c, &mut report);
    let pages_c = pages::fetch_all(&world, "C", &mut report).await;
    pages::compare(&pages_a, &pages_c, "C", &mut report);
    pages::hidden_versus_nonexistent(&world, "C", &mut report).await;
    let reconcile_c = reconcile::fetch_all(&world, "C", &mut report).await;
    reconcile::compare(&reconcile_a, &reconcile_c, "C", &mut report);
    reconcile::hidden_versus_nonexistent(&world, &Viewer::ALL, "C", &mut report).await;
    // The response cache: phase C again, when every cacheable answer comes
    // from the cache (kept per visibility class), and once more from a
    // second instance on the same database without a cache. Each must be
    // phase A's answer.
    let (hits_before, _) = cache_lookups(&app).await;
    let c_cached = run_jobs(&world, &jobs, &Viewer::ALL, &report).await;
    let (hits_after, _) = cache_lookups(&app).await;
    if hits_after <= hits_before {
        report.failures.push(Failure {
            viewer: Viewer::Anonymous,
            phase: "C (cached)",
            label: "the response cache answered nothing when phase C ran again".into(),
            query: String::new(),
            detail: format!("{hits_before} hits before, {hits_after} after"),
        });
    }
    compare(&world, &jobs, &a, &c_cached, "C (cached)", &mut report);
    check_responses(&world, "C (cached)", &jobs, &c_cached, &mut report);
    let uncached = app
        .start_again_with(|settings| {
            settings.cache.response_cache_mib = 0;
            unlimited(settings);
        })
        .await;
    let uncached_url = format!("http://{}/graphql", uncached.local_addr().expect("bound"));
    let serving = tokio::spawn(uncached.run_until(std::future::pending()));
    let cached_url = std::mem::replace(&mut world.url, uncached_url);
    let c_uncached = run_jobs(&world, &jobs, &Viewer::ALL, &report).await;
    world.url = cached_url;
    serving.abort();
    compare(&world, &jobs, &a, &c_uncached, "C (no cache)", &mut report);
    check_responses(&world, "C (no cache)", &jobs, &c_uncached, &mut report);
    eprintln!(
        "{engine:?}: phase C with the cache ({} hits) and without done at {:.1?} (cpu {:.1}s)",
        hits_after - hits_before,
        started.elapsed(),
        cpu()
    );
    hidden_versus_nonexistent(&world, &generated.families, &Viewer::ALL, "C", &mut report).await;
    eprintln!("{engine:?}: hidden_versus_nonexistent done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());

    // Phase D, then E for the anonymous viewer.
    world::partner_data(&mut world).await;
    eprintln!("{engine:?}: world::partner_data done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());
    let e = run_jobs(&world, &jobs, &[Viewer::Anonymous], &report).await;
    compare(&world, &jobs, &a, &e, "E", &mut report);
    check_responses(&world, "E", &jobs, &e, &mut report);
    hidden_versus_nonexistent(&world, &generated.families, &[Viewer::Anonymous], "E", &mut report).await;
    let pages_e = pages::fetch_all(&world, "E", &mut report).await;
    pages::compare(&pages_a, &pages_e, "E", &mut report);
    pages::hidden_versus_nonexistent(&world, "E", &mut report).await;
    let reconcile_e = reconcile::fetch_all(&world, "E", &mut report).await;
    let anonymous_a: reconcile::Answers =
        reconcile_a.into_iter().filter(|((viewer, _), _)| *viewer == Viewer::Anonymous).collect();
    reconcile::compare(&anonymous_a, &reconcile_e, "E", &mut report);
    reconcile::hidden_versus_nonexistent(&world, &[Viewer::Anonymous], "E", &mut report).await;
    eprintln!("{engine:?}: hidden_versus_nonexistent done at {:.1?} (cpu {:.1}s)", started.elapsed(), cpu());

    let requests = report.requests.load(Ordering::Relaxed);
    eprintln!(
        "noninterference summary: {operations} operations × 5 viewers × 4 phases (A; C with the cache cold, warm and \
         off) + {operations} × 1 viewer (E), \
         plus hidden-versus-nonexistent on {} id families, {engine:?}: {requests} requests in {:.1?} ({:.0} s of CPU)",
        generated.families.len(),
        started.elapsed(),
        cpu()
    );
    if !report.failures.is_empty() {
        let mut text = String::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for f in &report.failures {
            *counts.entry(format!("phase {} / {:?}", f.phase, f.viewer)).or_default() += 1;
        }
        for f in &report.failures {
            text.push_str(&format!("\n- [{engine:?}] phase {} viewer {:?}: {}\n", f.phase, f.viewer, f.label));
            if !f.query.is_empty() {
                text.push_str(&format!("    query: {}\n", f.query));
            }
            if !f.detail.is_empty() {
                text.push_str(&format!("    {}\n", f.detail.replace('\n', "\n    ")));
            }
        }
        panic!("noninterference: {} failures on {engine:?} ({counts:?}):{text}", report.failures.len());
    }
}

/// The response cache's lookups so far, from `/metrics`: (hits, misses).
async fn cache_lookups(app: &TestApp) -> (u64, u64) {
    let text = app.client.get(app.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
    let count = |outcome: &str| {
        let prefix = format!("rights_graph_response_cache_lookups_total{{outcome=\"{outcome}\"}} ");
        text.lines().find_map(|line| line.strip_prefix(&prefix)?.parse().ok()).unwrap_or(0)
    };
    (count("hit"), count("miss"))
}

/// CPU time of this process so far (the server runs in it), for the
/// running-time notes.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: f64 = fields.get(11..13).map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()).unwrap_or(0.0);
    ticks / 100.0
}

/// The slowest operations of a phase and the time per kind of operation.
fn profile(jobs: &[Job], results: &Results, elapsed: std::time::Duration) {
    let mut by_kind: BTreeMap<String, (usize, u128)> = BTreeMap::new();
    let mut slowest: Vec<(u128, String)> = Vec::new();
    for ((_, job, index), resp) in results {
        let op = &jobs[*job].ops[*index];
        let kind: String = op.label.split(['(', ' ', '[']).next().unwrap_or("").to_owned();
        let entry = by_kind.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += resp.millis;
        slowest.push((resp.millis, truncate(&op.label, 100)));
    }
    slowest.sort_by(|a, b| b.cmp(a));
    let mut kinds: Vec<(String, (usize, u128))> = by_kind.into_iter().collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1.1));
    kinds.truncate(12);
    eprintln!("phase A: {} requests in {elapsed:.1?}; costliest kinds (requests, total ms): {kinds:?}", results.len());
    for (millis, label) in slowest.iter().take(5) {
        eprintln!("  {millis} ms {label}");
    }
}

// -------------------------------------------------------------------
// Running
// -------------------------------------------------------------------

type Results = BTreeMap<(Viewer, usize, usize), Resp>;

async fn run_jobs(world: &World, jobs: &Arc<Vec<Job>>, viewers: &[Viewer], report: &Report) -> Results {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    // Dry-run imports one at a time: two at once on SQLite wait for each
    // other's write lock, and a timeout there would be a difference the
    // hidden data did not cause.
    let writes = Arc::new(tokio::sync::Semaphore::new(1));
    let mut set = tokio::task::JoinSet::new();
    for &viewer in viewers {
        for job_index in 0..jobs.len() {
            let (jobs, semaphore, writes) = (jobs.clone(), semaphore.clone(), writes.clone());
            let (client, url, key) = (world.client.clone(), world.url.clone(), world.viewer_key(viewer));
            set.spawn(async move {
                let _write = if jobs[job_index].ops.iter().any(|op| op.label.contains("importRecords")) {
                    Some(writes.acquire().await.expect("semaphore"))
                } else {
                    None
                };
                let _permit = semaphore.acquire().await.expect("semaphore");
                let mut out = Vec::new();
                let mut previous: Option<Value> = None;
                for (op_index, op) in jobs[job_index].ops.iter().enumerate() {
                    let mut vars = op.vars.clone();
                    if let Some(prev) = &previous {
                        for (var, pointer) in &op.cursor {
                            vars[var] = prev.pointer(pointer).cloned().unwrap_or(Value::Null);
                        }
                    }
                    let started = Instant::now();
                    let (status, body) = world::post(&client, &url, key.as_deref(), &op.query, &vars).await;
                    let millis = started.elapsed().as_millis();
                    previous = Some(body.clone());
                    out.push(((viewer, job_index, op_index), Resp { millis, status, norm: normalise(&body), body }));
                }
                out
            });
        }
    }
    let mut results = Results::new();
    while let Some(done) = set.join_next().await {
        for (key, resp) in done.expect("job") {
            report.requests.fetch_add(1, Ordering::Relaxed);
            results.insert(key, resp);
        }
    }
    results
}

async fn send(world: &World, viewer: Viewer, op: &Op, report: &Report) -> Resp {
    report.requests.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let (status, body) = world.post(world.viewer_key(viewer).as_deref(), &op.query, &op.vars).await;
    Resp { millis: started.elapsed().as_millis(), status, norm: normalise(&body), body }
}

/// Replaces what changes from request to request whatever the data:
/// request ids (`extensions.requestId`), incident ids of internal errors
/// (random per occurrence, in `extensions.incident` and the message), and
/// the rate-limit counters of the `rateLimit` field (`remaining`, `used`,
/// `resetAt`: the viewer's own spending and the clock). The timestamps of
/// the viewer's own writes need no normalising: its only write is made
/// before phase A and so is the same in every phase. Nothing else is
/// normalised.
fn normalise(body: &Value) -> Value {
    fn walk(value: &mut Value, key: Option<&str>) {
        match value {
            Value::Object(map) => {
                if key == Some("rateLimit") {
                    for field in ["remaining", "used", "resetAt"] {
                        if map.contains_key(field) {
                            map.insert(field.into(), json!("<volatile>"));
                        }
                    }
                }
                if key == Some("extensions") {
                    if map.contains_key("requestId") {
                        map.insert("requestId".into(), json!("<request-id>"));
                    }
                    if map.contains_key("incident") {
                        map.insert("incident".into(), json!("<incident>"));
                    }
                }
                for (k, v) in map.iter_mut() {
                    walk(v, Some(k.as_str()));
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key)),
            _ => {}
        }
    }
    let mut out = body.clone();
    walk(&mut out, None);
    // The GraphQL specification leaves the order of `errors` open, and the
    // server resolves sibling fields concurrently: when several fields of a
    // request fail, their errors come in a different order from one run to
    // the next with nothing changed in the data. They are sorted by path
    // (then message); each error is still compared whole.
    if let Some(errors) = out.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(|e| (e["path"].to_string(), e["message"].to_string()));
    }
    if let Some(errors) = out.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(message) = error.get("message").and_then(Value::as_str)
                && let Some(at) = message.find("incident ")
            {
                let rest = &message[at + 9..];
                let end = rest.find(|c: char| !(c.is_ascii_hexdigit() || c == '-')).unwrap_or(rest.len());
                let replaced = format!("{}incident <incident>{}", &message[..at], &rest[end..]);
                error["message"] = json!(replaced);
            }
        }
    }
    out
}

// -------------------------------------------------------------------
// Checks
// -------------------------------------------------------------------

/// The first difference between two JSON values: its path and both sides,
/// and the first differing line of the pretty-printed bodies.
fn diff(a: &Resp, b: &Resp) -> String {
    if a.status != b.status {
        return format!("status {} became {}", a.status, b.status);
    }
    fn path(a: &Value, b: &Value, at: String) -> Option<(String, String, String)> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => {
                            if let Some(found) = path(v, w, format!("{at}/{k}")) {
                                return Some(found);
                            }
                        }
                        None => return Some((format!("{at}/{k}"), truncate(&v.to_string(), 160), "(absent)".into())),
                    }
                }
                y.keys()
                    .find(|k| !x.contains_key(*k))
                    .map(|k| (format!("{at}/{k}"), "(absent)".into(), truncate(&y[k].to_string(), 160)))
            }
            (Value::Array(x), Value::Array(y)) => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    if let Some(found) = path(v, w, format!("{at}/{i}")) {
                        return Some(found);
                    }
                }
                (x.len() != y.len()).then(|| (at.clone(), format!("{} items", x.len()), format!("{} items", y.len())))
            }
            _ if a == b => None,
            _ => Some((at, truncate(&a.to_string(), 160), truncate(&b.to_string(), 160))),
        }
    }
    let (at, before, after) = path(&a.norm, &b.norm, String::new()).unwrap_or_default();
    let (pa, pb) = (serde_json::to_string_pretty(&a.norm).unwrap(), serde_json::to_string_pretty(&b.norm).unwrap());
    let line = pa
        .lines()
        .zip(pb.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: `{}` → `{}`", i + 1, x.trim(), y.trim()))
        .unwrap_or_else(|| "one body is a prefix of the other".into());
    format!("at {at}: {before} → {after}\n{line}")
}

fn compare(world: &World, jobs: &[Job], before: &Results, after: &Results, phase: &'static str, report: &mut Report) {
    for (key, b) in after {
        let a = before.get(key).expect("the same operation in both phases");
        let op = &jobs[key.1].ops[key.2];
        if op.label.starts_with("Query.changes") {
            let (a_feed, b_feed) = (without_once_visible(world, &a.norm), without_once_visible(world, &b.norm));
            if let Some(problem) = b_feed.1 {
                report.add(key.0, phase, op, problem);
            }
            if a.status != b.status || a_feed.0 != b_feed.0 {
                let detail = format!(
                    "the feed, without the records once visible, differs from phase A: {} → {}",
                    truncate(&a_feed.0.to_string(), 400),
                    truncate(&b_feed.0.to_string(), 400)
                );
                report.add(key.0, phase, op, detail);
            }
            continue;
        }
        if a.status != b.status || a.norm != b.norm {
            let op = &jobs[key.1].ops[key.2];
            let detail = format!("differs from phase A {}", diff(a, b));
            report.add(key.0, phase, op, detail);
        }
    }
}

/// A `changes` response without the changes to records every viewer could
/// see for a while in phase B (their history is in every feed by design),
/// with `endCursor` that of the last change left; and what is wrong with
/// the changes taken out, if anything: each such record's changes carry no
/// record now and end with a `WITHDRAWN` tombstone.
fn without_once_visible(world: &World, body: &Value) -> (Value, Option<String>) {
    let mut body = body.clone();
    let mut problem = None;
    let Some(changes) = body.pointer_mut("/data/changes") else { return (body, None) };
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    if let Some(Value::Array(edges)) = changes.get_mut("edges") {
        edges.retain(|edge| {
            let change = &edge["node"];
            let record = change["recordId"].as_str().unwrap_or_default();
            if !world.once_visible.contains(record) {
                return true;
            }
            if !change["node"].is_null() {
                problem = Some(format!("a record no viewer may see now is shown: {change}"));
            }
            last.insert(record.to_owned(), change["operation"].as_str().unwrap_or_default().to_owned());
            false
        });
    }
    if let Some(Value::Array(nodes)) = changes.get_mut("nodes") {
        nodes.retain(|change| !world.once_visible.contains(change["recordId"].as_str().unwrap_or_default()));
    }
    for (record, operation) in &last {
        if operation != "WITHDRAWN" {
            problem = Some(format!("the last change to {record}, which left every viewer's sight, is {operation}"));
        }
    }
    let end = changes["edges"].as_array().and_then(|edges| edges.last()).map(|edge| edge["cursor"].clone());
    if let (Some(end), Some(info)) = (end, changes.get_mut("pageInfo")) {
        info["endCursor"] = end;
    }
    (body, problem)
}

/// Response text with the ids the request sent replaced by a placeholder
/// (a viewer's own input, echoed back, is no leak).
fn placeholdered(body: &Value, sent: &[String]) -> String {
    let mut text = serde_json::to_string(body).unwrap();
    for id in sent {
        text = text.replace(id.as_str(), "<SENT-ID>");
        if let Some(uuid) = uuid_in(id) {
            text = replace_any_case(&text, &uuid, "<SENT-ID>");
        }
    }
    text
}

/// The UUID a global id (or a bare UUID) names, if any.
fn uuid_in(id: &str) -> Option<String> {
    use base64::Engine;
    if let Ok(uuid) = uuid::Uuid::parse_str(id) {
        return Some(uuid.to_string());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (_, key) = text.split_once(':')?;
    uuid::Uuid::parse_str(key).ok().map(|u| u.to_string())
}

fn replace_any_case(text: &str, needle: &str, with: &str) -> String {
    let lower = text.to_lowercase();
    let needle = needle.to_lowercase();
    if lower.len() != text.len() || !lower.contains(&needle) {
        return text.replace(&needle, with).replace(&needle.to_uppercase(), with);
    }
    let mut out = String::new();
    let mut last = 0;
    for (at, _) in lower.match_indices(&needle) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Finds canaries in a response text: global ids as sent, UUIDs in any
/// case, confidential values; also inside strings that decode as base64url
/// (cursors). Ids are looked up among the text's tokens (a set lookup per
/// id), confidential values searched as substrings.
fn scan(text: &str, canaries: &[(String, String)]) -> Vec<String> {
    use base64::Engine;
    use std::collections::HashSet;
    let mut decoded = String::new();
    let mut words: HashSet<&str> = HashSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        if word.is_empty() {
            continue;
        }
        words.insert(word);
        if word.len() >= 16
            && let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(word.trim_end_matches('='))
            && let Ok(text) = String::from_utf8(bytes)
        {
            decoded.push_str(&text);
            decoded.push('\n');
        }
    }
    // UUIDs among the hex-and-hyphen tokens of the text and of what decoded.
    let hex = |c: char| !(c.is_ascii_hexdigit() || c == '-');
    let uuids: HashSet<String> =
        text.split(hex).chain(decoded.split(hex)).filter(|t| t.len() == 36).map(str::to_lowercase).collect();
    let decoded_words: HashSet<&str> =
        decoded.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).collect();
    let mut found = Vec::new();
    for (canary, what) in canaries {
        let hit = if uuid::Uuid::parse_str(canary).is_ok() {
            uuids.contains(&canary.to_lowercase())
        } else if uuid_in(canary).is_some() {
            // A global id: a whole token wherever it stands.
            words.contains(canary.as_str()) || decoded_words.contains(canary.as_str())
        } else {
            text.contains(canary.as_str()) || decoded.contains(canary.as_str())
        };
        if hit {
            found.push(format!("{what} ({canary})"));
        }
    }
    found
}

/// Whether a mutation's response shows it changed something: any non-null
/// field in `data`, except a dry-run import's report (it writes nothing).
fn mutation_succeeded(body: &Value) -> Option<String> {
    let data = body.get("data")?.as_object()?;
    for (field, value) in data {
        if value.is_null() {
            continue;
        }
        if field == "importRecords" && value["committed"] == json!(false) && value["dryRun"] == json!(true) {
            continue;
        }
        return Some(format!("{field} answered {}", truncate(&value.to_string(), 200)));
    }
    None
}

/// The canary scan and the mutation check over a phase's responses.
fn check_responses(world: &World, phase: &'static str, jobs: &[Job], results: &Results, report: &mut Report) {
    let mut canaries: BTreeMap<Viewer, Vec<(String, String)>> = BTreeMap::new();
    for &viewer in &Viewer::ALL {
        let mut list = world.canaries(viewer);
        if phase != "A" {
            for id in &world.hidden_key_ids {
                list.push((id.clone(), "id of a hidden API key".into()));
            }
        }
        canaries.insert(viewer, list);
    }
    for ((viewer, job, index), resp) in results {
        let op = &jobs[*job].ops[*index];
        check_one(world, &canaries[viewer], *viewer, phase, op, resp, report);
    }
}

fn check_one(
    world: &World,
    canaries: &[(String, String)],
    viewer: Viewer,
    phase: &'static str,
    op: &Op,
    resp: &Resp,
    report: &mut Report,
) {
    let text = placeholdered(&resp.body, &op.sent);
    // An operation the limits refuse is refused for every viewer alike, and
    // would compare equal while checking nothing.
    if text.contains("\"LIMIT_EXCEEDED\"") {
        report.failures.push(Failure {
            viewer,
            phase,
            label: format!("{}: refused by the server's limits, so it checks nothing", op.label),
            query: op.query.clone(),
            detail: truncate(&text, 400),
        });
        return;
    }
    // The feed names the records once visible to everyone in its tombstones.
    let feed_canaries: Vec<(String, String)>;
    let canaries = if op.label.starts_with("Query.changes") {
        let named = |canary: &str| {
            world.once_visible.iter().any(|gid| canary == gid || common::uuid_of(gid).to_string() == canary)
        };
        feed_canaries = canaries.iter().filter(|(canary, _)| !named(canary)).cloned().collect();
        &feed_canaries
    } else {
        canaries
    };
    let leaks = scan(&text, canaries);
    if !leaks.is_empty() {
        let mut context = String::new();
        if let Some(first) = leaks.first() {
            let needle = first.rsplit_once('(').map(|(_, c)| c.trim_end_matches(')')).unwrap_or("");
            if let Some(at) = text.find(needle) {
                let start = text[..at].char_indices().rev().nth(120).map(|(i, _)| i).unwrap_or(0);
                context = format!("\n…{}…", truncate(&text[start..], 260));
            }
        }
        report.add(viewer, phase, op, format!("response holds {}{context}", leaks.join("; ")));
    }
    if op.mutation
        && let Some(what) = mutation_succeeded(&resp.body)
    {
        report.add(
            viewer,
            phase,
            op,
            format!("a mutation of the operation set succeeded (it must change nothing): {what}"),
        );
    }
}

/// Hidden ids of a type for a viewer: one record of each kind of hiding
/// (contributor, visibility, consent, archived, absorbed), up to a bound.
fn hidden_ids(world: &World, viewer: Viewer, ty: &str, phase: &str) -> Vec<(String, String)> {
    if ty == "ApiKey" {
        if phase == "E" {
            return Vec::new();
        }
        return world.hidden_key_ids.iter().map(|id| (id.clone(), "H's API key".to_owned())).collect();
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for rec in world.hidden_from(viewer, ty) {
        // In phase E only the records of phase D are new to compare: every
        // other hidden id was compared in phase C.
        if phase == "E" && rec.added_in != "D" {
            continue;
        }
        let kind = format!(
            "{:?}/{:?}/{}/{}/{}/{}",
            rec.contributor,
            rec.vis,
            rec.consent_given,
            rec.archived,
            rec.absorbed_into.is_some(),
            rec.label.contains(".u")
        );
        if seen.insert(kind) && out.len() < HIDDEN_PER_TYPE {
            out.push((rec.gid.clone(), rec.label.clone()));
        }
    }
    out
}

async fn hidden_versus_nonexistent(
    world: &World,
    families: &[Family],
    viewers: &[Viewer],
    phase: &'static str,
    report: &mut Report,
) {
    // One task per viewer, family and type of id: the nonexistent id, then
    // each kind of hidden id, in one sequence.
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let imports = Arc::new(tokio::sync::Semaphore::new(1));
    let mut set = tokio::task::JoinSet::new();
    let mut aliased: Vec<(Viewer, &'static str, Op, Vec<String>)> = Vec::new();
    for &viewer in viewers {
        for family in families {
            for ty in &family.types {
                let absent = family.instance(&nonexistent(ty));
                // A viewer without the right to write is refused by its role
                // before any id counts; one hidden id shows a lookup made
                // before that check as well as all would.
                let kinds = if family.mutation && viewer != Viewer::EditShare { 1 } else { HIDDEN_PER_TYPE };
                let hidden: Vec<(String, Op)> = hidden_ids(world, viewer, ty, phase)
                    .into_iter()
                    .take(kinds)
                    .map(|(id, label)| (label, family.instance(&id)))
                    .collect();
                if hidden.is_empty() {
                    continue;
                }
                // Reads: the nonexistent id and every hidden one as aliases of one request.
                if let Some(op) = family.aliased(
                    &std::iter::once(absent.sent[0].clone())
                        .chain(hidden.iter().map(|(_, op)| op.sent[0].clone()))
                        .collect::<Vec<_>>(),
                ) {
                    let labels: Vec<String> = hidden.iter().map(|(label, _)| label.clone()).collect();
                    aliased.push((viewer, *ty, op, labels));
                    continue;
                }
                let (client, url, key) = (world.client.clone(), world.url.clone(), world.viewer_key(viewer));
                let (semaphore, imports) = (semaphore.clone(), imports.clone());
                let serial = family.label.contains("importRecords");
                let ty = *ty;
                set.spawn(async move {
                    let _import = if serial { Some(imports.acquire_owned().await.expect("semaphore")) } else { None };
                    let _permit = semaphore.acquire_owned().await.expect("semaphore");
                    let send = |op: &Op| {
                        let (client, url, key, op) = (client.clone(), url.clone(), key.clone(), op.clone());
                        async move {
                            let started = Instant::now();
                            let (status, body) = world::post(&client, &url, key.as_deref(), &op.query, &op.vars).await;
                            Resp { millis: started.elapsed().as_millis(), status, norm: normalise(&body), body }
                        }
                    };
                    let absent_resp = send(&absent).await;
                    let mut out = Vec::new();
                    for (label, op) in hidden {
                        let resp = send(&op).await;
                        out.push((label, op, resp));
                    }
                    (viewer, ty, absent, absent_resp, out)
                });
            }
        }
    }
    let mut done = Vec::new();
    while let Some(result) = set.join_next().await {
        done.push(result.expect("task"));
    }
    let mut aliased_done = Vec::new();
    for (viewer, ty, op, labels) in aliased {
        let resp = send(world, viewer, &op, report).await;
        aliased_done.push((viewer, ty, op, labels, resp));
    }
    let mut canaries: BTreeMap<Viewer, Vec<(String, String)>> = BTreeMap::new();
    for &viewer in viewers {
        let mut list = world.canaries(viewer);
        for id in &world.hidden_key_ids {
            list.push((id.clone(), "id of a hidden API key".into()));
        }
        canaries.insert(viewer, list);
    }
    for (viewer, ty, op, labels, resp) in aliased_done {
        check_one(world, &canaries[&viewer], viewer, phase, &op, &resp, report);
        let answer = |i: usize| -> String {
            // The alias's data and its errors, without the alias in their
            // paths nor their locations (which only say where in the text
            // the alias stands), the sent id replaced by a placeholder.
            let alias = format!("a{i}");
            let errors: Vec<Value> = resp.norm["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["path"][0] == alias.as_str())
                .map(|e| {
                    let mut e = e.clone();
                    if let Some(map) = e.as_object_mut() {
                        map.remove("locations");
                    }
                    if let Some(path) = e["path"].as_array_mut() {
                        path.remove(0);
                    }
                    e
                })
                .collect();
            placeholdered(&json!({ "data": resp.norm["data"][&alias], "errors": errors }), &op.sent[i..=i])
        };
        let absent = answer(0);
        for (i, label) in labels.iter().enumerate() {
            let hidden = answer(i + 1);
            if hidden != absent {
                let a = Resp {
                    millis: 0,
                    status: resp.status,
                    body: Value::Null,
                    norm: serde_json::from_str(&absent).unwrap(),
                };
                let b = Resp {
                    millis: 0,
                    status: resp.status,
                    body: Value::Null,
                    norm: serde_json::from_str(&hidden).unwrap(),
                };
                report.add(
                    viewer,
                    phase,
                    &op,
                    format!(
                        "hidden {label} (alias a{}) answers unlike a nonexistent {ty} (alias a0): {}",
                        i + 1,
                        diff(&a, &b)
                    ),
                );
            }
        }
    }
    for (viewer, ty, absent_op, absent, hidden) in done {
        report.requests.fetch_add(1 + hidden.len(), Ordering::Relaxed);
        check_one(world, &canaries[&viewer], viewer, phase, &absent_op, &absent, report);
        let absent_text = placeholdered(&absent.norm, &absent_op.sent);
        for (label, op, resp) in hidden {
            check_one(world, &canaries[&viewer], viewer, phase, &op, &resp, report);
            let hidden_text = placeholdered(&resp.norm, &op.sent);
            if resp.status != absent.status || hidden_text != absent_text {
                let a = Resp {
                    millis: 0,
                    status: absent.status,
                    body: Value::Null,
                    norm: serde_json::from_str(&absent_text).unwrap(),
                };
                let b = Resp {
                    millis: 0,
                    status: resp.status,
                    body: Value::Null,
                    norm: serde_json::from_str(&hidden_text).unwrap(),
                };
                report.add(
                    viewer,
                    phase,
                    &op,
                    format!("hidden {label} answers unlike a nonexistent {ty}: {}", diff(&a, &b)),
                );
            }
        }
    }
}

/// Positive controls: the checks must be able to fail. The canary scan
/// must find O's own confidential value and id in O's own response (with
/// a viewer's canaries), and H, reading its own data, must see phase B
/// move its responses where a leak would move a viewer's: otherwise the
/// hidden data would not reach those operations and the comparison could
/// not catch a leak there.
async fn control_scan(world: &World, report: &mut Report) {
    let query = "query ($id: ID!) { node(id: $id) { id ... on Defender { safetyNotes } } }";
    let (_, body) = world.post(Some(world.key("O:ADMIN")), query, &json!({ "id": world.id("O.def.priv") })).await;
    let found = scan(&serde_json::to_string(&body).unwrap(), &world.canaries(Viewer::Unrelated));
    if found.len() < 2 {
        report.failures.push(Failure {
            viewer: Viewer::Unrelated,
            phase: "control",
            label: "the canary scan does not see O's private id and confidential value in O's own response".into(),
            query: query.into(),
            detail: format!("found {found:?} in {body}"),
        });
    }
}

/// The hidden-versus-nonexistent comparison must see a difference where
/// there is one: H's own defender answers H unlike a nonexistent id.
async fn control_families(world: &World, families: &[Family], report: &mut Report) {
    let Some(family) = families.iter().find(|f| f.label == "Query.node(Defender)") else {
        report.failures.push(Failure {
            viewer: Viewer::Anonymous,
            phase: "control",
            label: "no Query.node(Defender) family".into(),
            query: String::new(),
            detail: String::new(),
        });
        return;
    };
    let absent = family.instance(&nonexistent("Defender"));
    let own = family.instance(&world.id("H.def.priv1"));
    let (_, a) = world.post(Some(world.key("H:ADMIN")), &absent.query, &absent.vars).await;
    let (_, b) = world.post(Some(world.key("H:ADMIN")), &own.query, &own.vars).await;
    if placeholdered(&normalise(&a), &absent.sent) == placeholdered(&normalise(&b), &own.sent) {
        report.failures.push(Failure {
            viewer: Viewer::Anonymous,
            phase: "control",
            label: "H's own defender answers H like a nonexistent one: the hidden-versus-nonexistent comparison cannot tell them apart".into(),
            query: own.query.clone(),
            detail: format!("{b}"),
        });
    }
}

/// The operations whose answers to H must change with H's hidden data.
const CONTROL_OPS: [&str; 6] = [
    "Query.defenders(first: 5)",
    "Query.statistics",
    "Query.search(\"maxima acuna\")",
    "Query.duplicateCandidates(DEFENDER, minScore: 0, first: 100)",
    "Query.organisations(first: 5)",
    "Query.exportRecords(DEFENDER, JSON_LINES)",
];

async fn control_run(world: &World, jobs: &[Job]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for job in jobs {
        let op = &job.ops[0];
        if CONTROL_OPS.contains(&op.label.as_str()) {
            let (_, body) = world.post(Some(world.key("H:ADMIN")), &op.query, &op.vars).await;
            out.insert(op.label.clone(), normalise(&body));
        }
    }
    out
}

fn control_compare(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>, report: &mut Report) {
    for label in CONTROL_OPS {
        let moved = match (before.get(label), after.get(label)) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if !moved {
            report.failures.push(Failure {
                viewer: Viewer::Anonymous,
                phase: "control",
                label: format!("{label}: H's own answer did not change with H's data (or the operation is missing), so a leak there could not be seen"),
                query: String::new(),
                detail: before.get(label).map(|answer| answer.to_string().chars().take(600).collect()).unwrap_or_default(),
            });
        }
    }
}

/// The dry-run import oracle: the EDIT viewer names by global id an O
/// defender it may read but not change, and one it may change, with each
/// confidential cell equal to the stored value and with a wrong one. It
/// may read neither's confidential fields, so the two answers must be the
/// same.
async fn oracle(world: &World, report: &mut Report) {
    let viewer = Viewer::EditShare;
    for (label, name) in [("O.def.pub", "Maxima Acuna Chaupe"), ("O.def.edit2", "Edit Target Person")] {
        let rec = world.rec(label);
        for (column, field, prefix) in [
            ("exact_location", "exactLocation", "CANARY-LOC-"),
            ("contact_details", "contactDetails", "CANARY-CONTACT-"),
            ("safety_notes", "safetyNotes", "CANARY-SAFETY-"),
        ] {
            let stored = rec.confidential.iter().find(|v| v.starts_with(prefix)).expect("a stored canary").clone();
            for format in ["CSV", "JSON_LINES"] {
                let data = |value: &str| match format {
                    "CSV" => {
                        format!("external_id,id,name,country_code,{column}\nORACLE-1,{},{name},PE,{value}\n", rec.gid)
                    }
                    _ => format!(
                        "{}\n",
                        json!({ "type": "defender", "externalId": "ORACLE-1", "id": rec.gid, "name": name, "countryCode": "PE", field: value })
                    ),
                };
                let request = |value: &str| {
                    Op {
                    label: format!("dry-run import oracle: {format} row naming {label} by id, {column} = {}", if value == stored { "the stored value" } else { "a wrong value" }),
                    query: "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { dryRun committed created updated unchanged rejected skipped problems { file line externalId field reason } unlistedProblems } }".into(),
                    vars: json!({ "input": { "format": format, "recordType": "DEFENDER", "data": data(value), "dryRun": true } }),
                    cursor: vec![],
                    mutation: true,
                    sent: vec![value.to_owned(), rec.gid.clone()],
                }
                };
                let (right, wrong) = (request(&stored), request("WRONG-GUESS"));
                let a = send(world, viewer, &right, report).await;
                let b = send(world, viewer, &wrong, report).await;
                let (ta, tb) = (placeholdered(&a.norm, &right.sent), placeholdered(&b.norm, &wrong.sent));
                if a.status != b.status || ta != tb {
                    let ra = Resp {
                        millis: 0,
                        status: a.status,
                        body: Value::Null,
                        norm: serde_json::from_str(&ta).unwrap(),
                    };
                    let rb = Resp {
                        millis: 0,
                        status: b.status,
                        body: Value::Null,
                        norm: serde_json::from_str(&tb).unwrap(),
                    };
                    report.add(
                        viewer,
                        "A",
                        &right,
                        format!(
                            "the answer tells the stored {field} from a wrong guess: stored → wrong {}",
                            diff(&ra, &rb)
                        ),
                    );
                }
                for (op, resp) in [(&right, &a), (&wrong, &b)] {
                    check_one(world, &world.canaries(viewer), viewer, "A", op, resp, report);
                }
            }
        }
    }
}
