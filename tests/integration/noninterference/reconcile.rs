//! `/reconcile` in the non-interference test. Every viewer sends the same
//! reconciliation batches (names of the world's records, with and without
//! properties, and their ids), suggest prefixes, property proposals, data
//! extensions and previews, with its key as a bearer header or as the
//! `api_key` parameter. Each answer must be byte for byte what it was in
//! phase A once H has added namesakes, same-titled laws and links hidden
//! from the viewer; no answer may hold a canary of the viewer's; and a
//! hidden record's preview, extension and id query must answer exactly as
//! a record that never existed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::generate::nonexistent;
use super::world::{Viewer, World};
use super::{Failure, Report};

/// The types of the service, as GraphQL names them.
const TYPES: [&str; 4] = ["Defender", "Organisation", "Restriction", "Campaign"];

/// Names and titles of the world's records, and spellings of them.
const NAMES: [&str; 16] = [
    "Máxima Acuña",
    "Maxima Acuna de Chaupe",
    "Mohammad al-Qahtani",
    "Mohamed Al Qahtani",
    "Ilham Tohti",
    "LaDonna Brave Bull Allard",
    "Yusuf al-Rahman",
    "Yousef Alrahman",
    "Andean Land Defence Collective",
    "Riverside Residents Association",
    "Florida bill restricting the right to protest",
    "HB 1",
    "Priority case: Máxima Acuña",
    "Amnesty International",
    "Five North Dakota bills restricting the right to protest",
    "Field report on evictions in Cajamarca",
];

/// Prefixes typed into a suggest box.
const PREFIXES: [&str; 10] =
    ["Max", "maxima acuna", "Moh", "Ilham", "Flor", "HB 1", "Prior", "Andean", "Yus", "Amnesty"];

/// One request: how it is sent, and a label for reports.
struct Request {
    label: String,
    path: String,
    form: Option<Vec<(String, String)>>,
    /// The key goes in the `api_key` parameter rather than the header.
    key_in_url: bool,
}

fn get(label: impl Into<String>, path: String, key_in_url: bool) -> Request {
    Request { label: label.into(), path, form: None, key_in_url }
}

fn post(label: impl Into<String>, name: &str, value: &Value) -> Request {
    Request {
        label: label.into(),
        path: "/reconcile".into(),
        form: Some(vec![(name.into(), value.to_string())]),
        key_in_url: false,
    }
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The records of the service's types written before phase A.
fn baseline(world: &World) -> Vec<(&'static str, String)> {
    world
        .recs
        .iter()
        .filter(|rec| rec.baseline && TYPES.contains(&rec.ty))
        .map(|rec| (rec.ty, rec.gid.clone()))
        .collect()
}

fn requests(world: &World) -> Vec<Request> {
    let mut requests = vec![get("manifest", "/reconcile".into(), true)];
    let plain: serde_json::Map<String, Value> =
        NAMES.iter().enumerate().map(|(i, name)| (format!("q{i}"), json!({ "query": name }))).collect();
    requests.push(post("names", "queries", &Value::Object(plain)));
    let typed: serde_json::Map<String, Value> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("q{i}"), json!({ "query": name, "type": TYPES[i % 4], "limit": 3 })))
        .collect();
    requests.push(post("typed names", "queries", &Value::Object(typed)));
    let evidence = json!({
        "acuna": { "query": "Máxima Acuña", "properties": [
            { "pid": "country", "v": "PE" }, { "pid": "subdivision", "v": "PE-CAJ" },
            { "pid": "occupation", "v": "Peasant farmer" }, { "pid": "organisation", "v": ["Amnesty International", "Andean Land Defence Collective"] },
            { "pid": "otherName", "v": "Maxima Acuna Chaupe" } ] },
        "florida": { "query": "HB 1", "type": "Restriction", "properties": [
            { "pid": "jurisdiction", "v": "US-FL" }, { "pid": "reference", "v": "HB 1" } ] },
        "qahtani": { "query": "Mohammad al-Qahtani", "type": "Defender", "properties": [
            { "pid": "country", "v": "Saudi Arabia" }, { "pid": "organisation", "v": "ACPRA" } ] },
        "allard": { "query": "LaDonna Allard", "properties": [{ "pid": "subdivision", "v": "US-FL" }] },
        "alias": { "properties": [{ "pid": "otherName", "v": "Ilham Tohti" }] },
        "campaign": { "query": "Priority case", "type": "Campaign", "properties": [{ "pid": "organisation", "v": "Amnesty International USA" }] },
    });
    requests.push(post("names with evidence", "queries", &evidence));
    let records = baseline(world);
    for (chunk, part) in records.chunks(20).enumerate() {
        let by_id: serde_json::Map<String, Value> =
            part.iter().enumerate().map(|(i, (_, gid))| (format!("q{i}"), json!({ "query": gid }))).collect();
        requests.push(post(format!("ids {chunk}"), "queries", &Value::Object(by_id)));
    }
    for prefix in PREFIXES {
        requests.push(get(
            format!("suggest {prefix}"),
            format!("/reconcile/suggest/entity?prefix={}", encoded(prefix)),
            false,
        ));
        requests.push(get(
            format!("suggest {prefix} as defender, page 2"),
            format!("/reconcile/suggest/entity?prefix={}&type=Defender&cursor=1", encoded(prefix)),
            true,
        ));
    }
    requests.push(get("suggest type", "/reconcile/suggest/type?prefix=".into(), false));
    requests.push(get("suggest property", "/reconcile/suggest/property?prefix=c".into(), false));
    for ty in TYPES {
        requests.push(get(format!("propose {ty}"), format!("/reconcile/extend/propose?type={ty}"), true));
    }
    let properties: Vec<Value> = [
        "country",
        "subdivision",
        "status",
        "occupation",
        "organisations",
        "restrictions",
        "campaigns",
        "latestCaseEvent",
        "sources",
    ]
    .iter()
    .map(|id| json!({ "id": id }))
    .collect();
    for (chunk, part) in records.chunks(50).enumerate() {
        let ids: Vec<&String> = part.iter().map(|(_, gid)| gid).collect();
        requests.push(post(format!("extend {chunk}"), "extend", &json!({ "ids": ids, "properties": properties })));
    }
    for (ty, gid) in &records {
        requests.push(get(format!("preview of {ty} {gid}"), format!("/reconcile/preview?id={gid}"), true));
        requests.push(get(format!("suggest by id {gid}"), format!("/reconcile/suggest/entity?prefix={gid}"), false));
    }
    requests
}

/// Status and body of each answer, by viewer and request label.
pub type Answers = BTreeMap<(Viewer, String), (u16, String)>;

async fn send(world: &World, viewer: Viewer, request: &Request) -> (u16, String) {
    let base = world.url.trim_end_matches("/graphql").to_owned();
    let key = world.viewer_key(viewer);
    let mut path = request.path.clone();
    if let (Some(key), true) = (&key, request.key_in_url) {
        let separator = if path.contains('?') { '&' } else { '?' };
        path = format!("{path}{separator}api_key={}", encoded(key));
    }
    let mut builder = match &request.form {
        Some(form) => world.client.post(format!("{base}{path}")).form(form),
        None => world.client.get(format!("{base}{path}")),
    };
    if let (Some(key), false) = (&key, request.key_in_url) {
        builder = builder.bearer_auth(key);
    }
    let response = builder.send().await.unwrap_or_else(|error| panic!("{}: {error}", request.label));
    let status = response.status().as_u16();
    let mut body = response.text().await.unwrap_or_default();
    // The manifest carries the caller's own key into its addresses.
    if let Some(key) = &key {
        body = body.replace(&encoded(key), "<key>");
    }
    (status, body)
}

/// Every viewer sends every request; answers are scanned for its canaries.
pub async fn fetch_all(world: &World, phase: &'static str, report: &mut Report) -> Answers {
    let requests = requests(world);
    let mut answers = Answers::new();
    for viewer in Viewer::ALL {
        let canaries = world.canaries(viewer);
        for request in &requests {
            let (status, body) = send(world, viewer, request).await;
            if status != 200 && !(status == 404 && request.path.starts_with("/reconcile/preview")) {
                report.failures.push(failure(
                    viewer,
                    phase,
                    format!("{} answered {status}", request.label),
                    body.clone(),
                ));
            }
            // An extension's rows are keyed by the ids the caller sent;
            // what must not leak is in the values.
            let scanned = match &request.form {
                Some(form) if form[0].0 == "extend" => extension_values(&body),
                _ => body.clone(),
            };
            for (canary, what) in &canaries {
                if scanned.contains(canary.as_str()) && !request.path.contains(canary.as_str()) {
                    report.failures.push(failure(
                        viewer,
                        phase,
                        format!("{} shows {what}", request.label),
                        canary.clone(),
                    ));
                }
            }
            answers.insert((viewer, request.label.clone()), (status, body));
        }
    }
    answers
}

/// The values of an extension's rows, and its metadata, without the ids
/// that key the rows.
fn extension_values(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap_or_default();
    let rows: Vec<&Value> = value["rows"].as_object().map(|rows| rows.values().collect()).unwrap_or_default();
    json!({ "meta": value["meta"], "rows": rows }).to_string()
}

/// Each answer must be what it was in phase A.
pub fn compare(before: &Answers, after: &Answers, phase: &'static str, report: &mut Report) {
    for ((viewer, label), answer) in before {
        let later = after.get(&(*viewer, label.clone()));
        if later != Some(answer) {
            let detail = format!("before: {} {}\nafter: {:?}", answer.0, answer.1, later);
            report.failures.push(failure(*viewer, phase, format!("reconcile: {label} changed"), detail));
        }
    }
}

/// A hidden record's preview, extension and id query answer as a record
/// that never existed (with the one id swapped for the other).
pub async fn hidden_versus_nonexistent(world: &World, viewers: &[Viewer], phase: &'static str, report: &mut Report) {
    let asks = |gid: &str| {
        vec![
            get("preview", format!("/reconcile/preview?id={gid}"), true),
            get("suggest", format!("/reconcile/suggest/entity?prefix={gid}"), false),
            post(
                "extend",
                "extend",
                &json!({ "ids": [gid], "properties": [{ "id": "country" }, { "id": "status" }, { "id": "organisations" }] }),
            ),
            post("query", "queries", &json!({ "q0": { "query": gid } })),
        ]
    };
    for viewer in viewers.iter().copied() {
        for ty in TYPES {
            let missing_gid = nonexistent(ty);
            let mut missing = Vec::new();
            for request in asks(&missing_gid) {
                let (status, body) = send(world, viewer, &request).await;
                missing.push((status, body.replace(&missing_gid, "<id>")));
            }
            for rec in world.hidden_from(viewer, ty) {
                if rec.absorbed_into.is_some() {
                    // A merged record's id stands for its survivor.
                    continue;
                }
                for (request, expected) in asks(&rec.gid).iter().zip(&missing) {
                    let (status, body) = send(world, viewer, request).await;
                    let answer = (status, body.replace(&rec.gid, "<id>"));
                    if &answer != expected {
                        let label = format!(
                            "reconcile {} of hidden {} differs from a nonexistent {ty}'s",
                            request.label, rec.label
                        );
                        report.failures.push(failure(viewer, phase, label, format!("{answer:?}\nversus {expected:?}")));
                    }
                }
            }
        }
    }
}

fn failure(viewer: Viewer, phase: &'static str, label: String, detail: String) -> Failure {
    Failure { viewer, phase, label, query: String::new(), detail }
}
