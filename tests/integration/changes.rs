//! The change feed: every write has a place in one sequence; each viewer is
//! told of the changes to records it could see, gets a `WITHDRAWN` tombstone
//! (id only) when a record leaves its sight, and hears nothing of records it
//! never saw. Pages and resumes lose nothing and repeat nothing.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const PAGE: &str = "query ($after: String, $first: Int, $types: [RecordType!]) {
    changes(after: $after, first: $first, types: $types) {
        pageInfo { endCursor hasNextPage }
        edges { cursor node { sequence at operation recordId recordType cursor
            node { id ... on Defender { name safetyNotes } ... on Restriction { title } } } } } }";

/// One change as a viewer was told: operation, record id, and the node's name (if any).
#[derive(Clone, Debug, PartialEq)]
pub struct Told {
    pub sequence: i64,
    pub operation: String,
    pub record: String,
    pub node: Value,
}

/// Reads a viewer's feed after `after`, `first` at a time, to its end.
/// Returns what it was told and the cursor to resume from.
pub async fn read_feed(
    app: &TestApp,
    key: Option<&str>,
    after: Option<String>,
    first: i64,
) -> (Vec<Told>, Option<String>) {
    let mut after = after;
    let mut told = Vec::new();
    loop {
        let (status, body) = post_as(app, key, PAGE, json!({ "after": after, "first": first })).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["errors"].is_null(), "{body}");
        let page = &body["data"]["changes"];
        for edge in page["edges"].as_array().expect("edges") {
            let change = &edge["node"];
            assert_eq!(edge["cursor"], change["cursor"], "an edge's cursor is its change's");
            told.push(Told {
                sequence: change["sequence"].as_i64().expect("sequence"),
                operation: change["operation"].as_str().expect("operation").to_owned(),
                record: change["recordId"].as_str().expect("recordId").to_owned(),
                node: change["node"].clone(),
            });
        }
        if let Some(end) = page["pageInfo"]["endCursor"].as_str() {
            after = Some(end.to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            return (told, after);
        }
    }
}

fn operations_on(told: &[Told], record: &str) -> Vec<String> {
    told.iter().filter(|change| change.record == record).map(|change| change.operation.clone()).collect()
}

pub async fn create_defender(app: &TestApp, key: &str, input: Value) -> String {
    let (_, body) = post_as(
        app,
        Some(key),
        "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }",
        json!({ "input": input }),
    )
    .await;
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

pub async fn version_of(app: &TestApp, key: &str, id: &str) -> i64 {
    let (_, body) = post_as(
        app,
        Some(key),
        "query ($id: ID!) { node(id: $id) { ... on Defender { version } } }",
        json!({ "id": id }),
    )
    .await;
    body["data"]["node"]["version"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

pub async fn update_defender(app: &TestApp, key: &str, id: &str, fields: Value) {
    let mut input = json!({ "id": id, "expectedVersion": version_of(app, key, id).await });
    input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    let (_, body) = post_as(
        app,
        Some(key),
        "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { id } } }",
        json!({ "input": input }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
}

pub async fn mutate(app: &TestApp, key: &str, query: &str, input: Value) {
    let (_, body) = post_as(app, Some(key), query, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
}

pub const SHARE: &str = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }";
pub const UNSHARE: &str = "mutation ($input: UnshareRecordInput!) { unshareRecord(input: $input) { removed } }";
pub const ARCHIVE: &str =
    "mutation ($input: RecordVersionInput!) { archiveDefender(input: $input) { defender { id } } }";
pub const RESTORE: &str =
    "mutation ($input: RecordVersionInput!) { restoreDefender(input: $input) { defender { id } } }";
pub const MERGE: &str = "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }";

engine_tests!(records_leaving_sight_leave_tombstones_and_unseen_records_leave_nothing, |app: TestApp| async move {
    let (a, b, c) = (create_org(&app, "Owner A"), create_org(&app, "Partner B"), create_org(&app, "Stranger C"));
    let (admin_a, reader_b, reader_c) =
        (create_key(&app, &a, "ADMIN"), create_key(&app, &b, "READER"), create_key(&app, &c, "READER"));
    let (_, start_a) = read_feed(&app, Some(&admin_a), None, 100).await;
    let (_, start_b) = read_feed(&app, Some(&reader_b), None, 100).await;
    let (_, start_c) = read_feed(&app, Some(&reader_c), None, 100).await;
    let (_, start_anonymous) = read_feed(&app, None, None, 100).await;

    // Unshared: B is told when it is shared, and WITHDRAWN when unshared.
    let shared = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Shared Person", "countryCode": "PE", "safetyNotes": "SECRET-21" }),
    )
    .await;
    mutate(&app, &admin_a, SHARE, json!({ "recordId": shared, "organisationId": b })).await;
    update_defender(&app, &admin_a, &shared, json!({ "occupation": "Lawyer" })).await;
    mutate(&app, &admin_a, UNSHARE, json!({ "recordId": shared, "organisationId": b })).await;

    // Consent withdrawn: a public defender leaves the anonymous reader's sight (and C's).
    let consenting = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Public Person", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" }),
    )
    .await;
    update_defender(&app, &admin_a, &consenting, json!({ "consent": "WITHDRAWN", "visibility": "PRIVATE" })).await;

    // Narrowed: PARTNERS to PRIVATE.
    let narrowed = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Partners Person", "countryCode": "PE", "visibility": "PARTNERS" }),
    )
    .await;
    update_defender(&app, &admin_a, &narrowed, json!({ "visibility": "PRIVATE" })).await;

    // Archived, then restored.
    let archived = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Archived Person", "countryCode": "PE", "visibility": "PARTNERS" }),
    )
    .await;
    let version = version_of(&app, &admin_a, &archived).await;
    mutate(&app, &admin_a, ARCHIVE, json!({ "id": archived, "expectedVersion": version })).await;
    mutate(&app, &admin_a, RESTORE, json!({ "id": archived, "expectedVersion": version + 1 })).await;

    // Merged into a record only A sees.
    let survivor = create_defender(&app, &admin_a, json!({ "name": "Hidden Survivor", "countryCode": "PE" })).await;
    let absorbed = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Hidden Survivr", "countryCode": "PE", "visibility": "PARTNERS" }),
    )
    .await;
    mutate(&app, &admin_a, MERGE, json!({ "survivorId": survivor, "absorbedId": absorbed })).await;

    // Never seen by anyone but A.
    let private = create_defender(&app, &admin_a, json!({ "name": "Private Person", "countryCode": "PE" })).await;
    update_defender(&app, &admin_a, &private, json!({ "occupation": "Journalist" })).await;

    let (told_a, _) = read_feed(&app, Some(&admin_a), start_a, 3).await;
    let (told_b, _) = read_feed(&app, Some(&reader_b), start_b, 3).await;
    let (told_c, _) = read_feed(&app, Some(&reader_c), start_c, 3).await;
    let (told_anonymous, _) = read_feed(&app, None, start_anonymous, 3).await;

    // The contributor sees all it did, in order, and is told its own archive and merge as such.
    assert_eq!(operations_on(&told_a, &shared), ["CREATED", "UPDATED", "UPDATED", "UPDATED"]);
    assert_eq!(operations_on(&told_a, &archived), ["CREATED", "ARCHIVED", "RESTORED"]);
    assert_eq!(operations_on(&told_a, &absorbed), ["CREATED", "MERGED"]);
    assert_eq!(operations_on(&told_a, &survivor), ["CREATED", "MERGED"]);
    assert_eq!(operations_on(&told_a, &private), ["CREATED", "UPDATED"]);
    let sequences: Vec<i64> = told_a.iter().map(|change| change.sequence).collect();
    assert!(sequences.windows(2).all(|pair| pair[0] + 1 == pair[1]), "A sees every write: no gap {sequences:?}");

    // B: the share makes it CREATED for B; the unshare WITHDRAWN; partners records come and go.
    assert_eq!(operations_on(&told_b, &shared), ["CREATED", "UPDATED", "WITHDRAWN"]);
    assert_eq!(operations_on(&told_b, &narrowed), ["CREATED", "WITHDRAWN"]);
    assert_eq!(operations_on(&told_b, &archived), ["CREATED", "WITHDRAWN", "RESTORED"]);
    assert_eq!(operations_on(&told_b, &absorbed), ["CREATED", "WITHDRAWN"]);
    assert_eq!(operations_on(&told_b, &consenting), ["CREATED", "WITHDRAWN"], "public records reach every partner");
    for record in [&survivor, &private] {
        assert_eq!(operations_on(&told_b, record), Vec::<String>::new(), "B never saw {record}");
    }
    // C never saw the shared or private records; it is told nothing of them.
    assert!(operations_on(&told_c, &shared).is_empty() && operations_on(&told_c, &private).is_empty());
    assert!(operations_on(&told_c, &survivor).is_empty());
    assert_eq!(operations_on(&told_c, &consenting), ["CREATED", "WITHDRAWN"]);
    // The anonymous reader sees only the public record, until consent is withdrawn.
    assert_eq!(
        told_anonymous.iter().map(|c| (c.record.clone(), c.operation.clone())).collect::<Vec<_>>(),
        [(consenting.clone(), "CREATED".to_owned()), (consenting.clone(), "WITHDRAWN".to_owned())]
    );

    // Tombstones carry the id only; nodes are the record as each may see it now.
    for told in [&told_a, &told_b, &told_c, &told_anonymous] {
        for change in told.iter().filter(|c| matches!(c.operation.as_str(), "WITHDRAWN" | "ARCHIVED")) {
            assert_eq!(change.node, Value::Null, "{change:?}");
        }
    }
    let body = serde_json::to_string(&(&told_b, &told_c, &told_anonymous)).unwrap();
    assert!(!body.contains("SECRET-21"), "confidential fields stay with those who may read them");
    assert!(!body.contains("Private Person") && !body.contains("Hidden Survivor"), "{body}");
    assert!(!body.contains(&private) && !body.contains(&survivor), "ids of unseen records never appear");
});

impl serde::Serialize for Told {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json!({ "sequence": self.sequence, "operation": self.operation, "record": self.record, "node": self.node })
            .serialize(serializer)
    }
}

engine_tests!(pages_and_resumes_lose_nothing_and_repeat_nothing, |app: TestApp| async move {
    let a = create_org(&app, "Writer");
    let key = create_key(&app, &a, "EDITOR");
    let (_, start) = read_feed(&app, Some(&key), None, 100).await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(create_defender(&app, &key, json!({ "name": format!("Person {n}"), "countryCode": "PE" })).await);
    }
    let (whole, end) = read_feed(&app, Some(&key), start.clone(), 1000).await;
    assert_eq!(whole.len(), 7);
    for first in [1, 2, 3] {
        let (paged, paged_end) = read_feed(&app, Some(&key), start.clone(), first).await;
        assert_eq!(paged, whole, "pages of {first}");
        assert_eq!(paged_end, end, "the end does not depend on the page size");
    }
    // Resuming from the end: nothing until something new, then only that.
    let (nothing, same_end) = read_feed(&app, Some(&key), end.clone(), 10).await;
    assert!(nothing.is_empty());
    update_defender(&app, &key, &ids[3], json!({ "occupation": "Teacher" })).await;
    let (next, _) = read_feed(&app, Some(&key), same_end, 10).await;
    assert_eq!(
        next.iter().map(|c| (c.record.clone(), c.operation.clone())).collect::<Vec<_>>(),
        [(ids[3].clone(), "UPDATED".to_owned())]
    );
    assert_eq!(next[0].sequence, whole.last().unwrap().sequence + 1);

    // Only the types asked for.
    let (_, body) = post_as(&app, Some(&key), PAGE, json!({ "after": start, "types": ["RESTRICTION"] })).await;
    assert_eq!(body["data"]["changes"]["edges"], json!([]), "{body}");

    // A restarted server resumes the same feed.
    let again = app.start_again(true).await;
    let address = again.local_addr().unwrap();
    tokio::spawn(again.run_until(std::future::pending()));
    let response: Value = app
        .client
        .post(format!("http://{address}/graphql"))
        .header("authorization", format!("Bearer {key}"))
        .json(&json!({ "query": PAGE, "variables": { "after": end } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let edges = response["data"]["changes"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{response}");
    assert_eq!(edges[0]["node"]["operation"], "UPDATED");
});

engine_tests!(bad_and_expired_cursors_are_refused_clearly, |app: TestApp| async move {
    let (_, body) = post_as(&app, None, PAGE, json!({ "after": "not-a-cursor" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "after", "{body}");
    let (_, body) = post_as(&app, None, PAGE, json!({ "first": 1001 })).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "first", "{body}");

    let org = create_org(&app, "Away for long");
    let key = create_key(&app, &org, "EDITOR");
    create_defender(&app, &key, json!({ "name": "Seen", "countryCode": "PE" })).await;
    let (_, cursor) = read_feed(&app, Some(&key), None, 100).await;
    create_defender(&app, &key, json!({ "name": "Missed", "countryCode": "PE" })).await;
    // Forty days pass (the default retention is 30): the entries are dated back.
    age_audit_log(&app, 40).await;
    let (_, body) = post_as(&app, Some(&key), PAGE, json!({ "after": cursor })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CURSOR_EXPIRED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("30 days") && message.contains("Export"), "{message}");
    // From the start of what the feed keeps: nothing, and no error.
    let (told, _) = read_feed(&app, Some(&key), None, 100).await;
    assert!(told.is_empty());
    // A client that missed nothing keeps its place, however old.
    let (_, latest) = post_as(&app, Some(&key), PAGE, json!({ "first": 0 })).await;
    let latest = latest["data"]["changes"]["pageInfo"]["endCursor"].clone();
    let (_, body) = post_as(&app, Some(&key), PAGE, json!({ "after": latest })).await;
    assert!(body["errors"].is_null(), "{body}");
});

/// Dates every audit entry `days` earlier, as if that time had passed. The
/// log refuses updates, so its guard is lifted for this alone.
async fn age_audit_log(app: &TestApp, days: i64) {
    use sea_orm::ConnectionTrait;
    let statements: Vec<String> = match app.engine {
        common::Engine::Postgres => vec![
            "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only".into(),
            format!("UPDATE audit_entry SET created_at = created_at - INTERVAL '{days} days'"),
            "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only".into(),
        ],
        // One script: the pool may hand each statement another connection.
        common::Engine::Sqlite => vec![format!(
            "DROP TRIGGER audit_entry_no_update; \
             UPDATE audit_entry SET created_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', created_at, '-{days} days'); \
             CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry \
             BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;"
        )],
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.expect(&statement);
    }
}

engine_tests!(the_delta_over_http_and_from_the_command_line_tells_the_same, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Owner"), create_org(&app, "Partner"));
    let (admin_a, reader_b) = (create_key(&app, &a, "ADMIN"), create_key(&app, &b, "READER"));
    let get = |query: String, key: Option<String>| {
        let mut request = app.client.get(app.url(&format!("/changes.jsonl{query}")));
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        request.send()
    };
    // The full export gives the position to follow from.
    let (ok, _, stderr) = common::cli(&app, &["export", "--format", "jsonl", "--org", &b]);
    assert!(ok && stderr.contains("--changes-since start"), "{stderr}");

    let shared = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Delta Person", "countryCode": "PE", "safetyNotes": "SECRET-D" }),
    )
    .await;
    mutate(&app, &admin_a, SHARE, json!({ "recordId": shared, "organisationId": b })).await;
    update_defender(&app, &admin_a, &shared, json!({ "occupation": "Lawyer" })).await;
    // Each line is the record as it is when the delta is read.
    let response = get("?limit=2".into(), Some(reader_b.clone())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/x-ndjson"));
    let next = response.headers()["changes-cursor"].to_str().unwrap().to_owned();
    assert!(response.headers().get("link").is_none(), "nothing more yet");
    let first: Vec<Value> =
        response.text().await.unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let schemas = |lines: &[Value]| -> Vec<(String, String)> {
        lines
            .iter()
            .map(|line| {
                let entity = &line["entity"];
                let schema = entity["schema"].as_str().or(entity["type"].as_str()).unwrap_or("");
                (line["op"].as_str().unwrap().to_owned(), schema.to_owned())
            })
            .collect()
    };
    assert_eq!(schemas(&first), [("ADD".into(), "Person".into()), ("MOD".into(), "Person".into())], "{first:#?}");
    assert_eq!(first[0]["entity"]["id"], shared.as_str(), "named by global id where the partner has no external id");
    assert_eq!(first[1]["entity"]["properties"]["position"], json!(["Lawyer"]));

    let (_, body) = post_as(&app, Some(&admin_a), "mutation { createRestriction(input: { title: \"Delta bill\", kind: BILL, status: PENDING, countryCode: \"PE\", visibility: PARTNERS }) { restriction { id } } }", json!({})).await;
    let restriction =
        body["data"]["createRestriction"]["restriction"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    mutate(&app, &admin_a, UNSHARE, json!({ "recordId": shared, "organisationId": b })).await;
    let response = get(format!("?after={next}&limit=1"), Some(reader_b.clone())).await.unwrap();
    let after_one = response.headers()["changes-cursor"].to_str().unwrap().to_owned();
    assert!(response.headers()["link"].to_str().unwrap().contains(&format!("after={after_one}")), "more follow");
    let response = get(format!("?after={after_one}"), Some(reader_b.clone())).await.unwrap();
    let last_cursor = response.headers()["changes-cursor"].to_str().unwrap().to_owned();
    let rest: Vec<Value> =
        response.text().await.unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(schemas(&rest), [("DEL".into(), String::new())], "{rest:#?}");
    assert_eq!(rest[0], json!({ "op": "DEL", "entity": { "id": shared } }));
    let response = get(format!("?after={next}&types=restriction"), Some(reader_b.clone())).await.unwrap();
    let only: Vec<Value> =
        response.text().await.unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(schemas(&only), [("ADD".into(), "restriction".into())]);
    assert_eq!(only[0]["entity"]["id"], restriction.as_str());

    // Read again from the start: the withdrawn record is deleted, never shown.
    let response = get(String::new(), Some(reader_b.clone())).await.unwrap();
    let all: Vec<Value> =
        response.text().await.unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(schemas(&all), [("ADD".into(), "restriction".into()), ("DEL".into(), String::new())], "{all:#?}");
    assert!(!serde_json::to_string(&(&first, &all)).unwrap().contains("SECRET-D"));

    // The command line writes the same delta, and the cursor to resume with.
    let (ok, stdout, stderr) =
        common::cli(&app, &["export", "--format", "jsonl", "--org", &b, "--changes-since", "start"]);
    assert!(ok, "{stderr}");
    let lines: Vec<Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines, all);
    assert!(stderr.contains(&format!("--changes-since {last_cursor}")), "{stderr}");
    let (ok, stdout, _) =
        common::cli(&app, &["export", "--format", "jsonl", "--org", &b, "--changes-since", &last_cursor]);
    assert!(ok && stdout.is_empty(), "nothing new: {stdout}");
    let (ok, _, stderr) = common::cli(&app, &["export", "--format", "ftm", "--changes-since", "start"]);
    assert!(!ok && stderr.contains("--format jsonl"), "{stderr}");

    // Anonymous readers get the public delta: nothing here.
    let response = get(String::new(), None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");
    // Bad parameters are refused, saying which.
    for (query, word) in
        [("?limit=0", "limit"), ("?types=people", "types"), ("?after=nonsense", "after"), ("?since=1", "unknown")]
    {
        let response = get(query.into(), Some(reader_b.clone())).await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(word), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
    let response = get(String::new(), Some("rg_wrong".into())).await.unwrap();
    assert_eq!(response.status(), 401);
});

// A database whose audit log was written before the change feed: the
// migration numbers its entries in time order and gives each its record's
// audience, so that the feed tells of them (and makes no tombstone of them).
engine_tests!(entries_written_before_the_feed_are_numbered_and_shown, |app: TestApp| async move {
    use migration::MigratorTrait;
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{ConnectionTrait, Statement};
    let id = app.defender_id("Máxima Acuña").await;
    let uuid = common::uuid_of(&id);
    // Back to the schema before the feed, migration 10 (and the migrations after it).
    let from_the_feed = migration::Migrator::migrations().len() as u32 - 9;
    migration::Migrator::down(&app.db, Some(from_the_feed)).await.expect("migrations undone");
    let old = |action: &str, at: &str| {
        Query::insert()
            .into_table(Alias::new("audit_entry"))
            .columns(["id", "record_type", "record_id", "action", "version", "changes", "created_at"].map(Alias::new))
            .values_panic([
                uuid::Uuid::now_v7().into(),
                "defender".into(),
                uuid.into(),
                action.into(),
                1.into(),
                "[]".into(),
                chrono::DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&chrono::Utc).into(),
            ])
            .to_owned()
    };
    // Written out of time order: the numbering follows time.
    app.db.execute(&old("UPDATE", "2026-12-02T10:00:00Z")).await.unwrap();
    app.db.execute(&old("CREATE", "2026-12-01T10:00:00Z")).await.unwrap();
    migration::Migrator::up(&app.db, None).await.expect("migrated again");
    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT action, sequence, audience, was_audience FROM audit_entry ORDER BY created_at",
        ))
        .await
        .unwrap();
    let read: Vec<(String, i64, String, String)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
                row.try_get_by_index(2).unwrap(),
                row.try_get_by_index(3).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("CREATE".to_owned(), 1, "PUBLIC".to_owned(), "NOBODY".to_owned()),
            ("UPDATE".to_owned(), 2, "PUBLIC".to_owned(), "PUBLIC".to_owned())
        ],
        "{backend:?}"
    );
    // The log still refuses updates.
    let refused = app.db.execute_unprepared("UPDATE audit_entry SET version = 9").await;
    assert!(refused.is_err(), "the append-only guard is back");
    // The migrated entries are in the feed.
    let (_, body) = post_as(&app, None, PAGE, json!({ "after": Position::start() })).await;
    let operations: Vec<&str> = body["data"]["changes"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|edge| edge["node"]["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["CREATED", "UPDATED"]);
});

/// Cursors made here, as the server makes them.
struct Position;

impl Position {
    /// Before the first change.
    fn start() -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("changes:0")
    }
}
