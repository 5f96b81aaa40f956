//! Import and export: all-or-nothing files, idempotent re-imports, round
//! trips through every format, and visibility on the way in and out.

use crate::common;

use common::{TestApp, cli, create_key, create_org, post_as};
use serde_json::{Value, json};

const IMPORT: &str = "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) {
    dryRun committed created updated unchanged rejected skipped unlistedProblems
    problems { file line externalId field reason } } }";
const EXPORT: &str = "query ($type: ExchangeRecordType!, $format: ExchangeFormat!, $first: Int, $after: String) {
    exportRecords(recordType: $type, format: $format, first: $first, after: $after) { content count endCursor hasNextPage } }";
const DEFENDERS: &str = "{ defenders(first: 100, orderBy: { field: NAME }) { totalCount nodes {
    name otherNames { name kind } country { code } status sectors visibility consent version exactLocation safetyNotes
    affiliations { nodes { role startedOn organisation { name } } }
    restrictions { edges { relation node { title } } }
    auditLog { totalCount } } } }";

const ORGANISATIONS_CSV: &str = "\
external_id,name,acronym,kind,country_code,website,summary,visibility
O-1,Grupo de Formación e Intervención para el Desarrollo Sostenible,GRUFIDES,NGO,PE,https://grufides.org/,Legal support in Cajamarca,PARTNERS
O-2,Hidden Ally,,COMMUNITY,PE,,,PRIVATE
";

const RESTRICTIONS_CSV: &str = "\
external_id,title,reference,kind,status,country_code,subdivision_code,introduced_on,decided_on,summary,rights,visibility
R-1,Critical infrastructure bill,HB 1,BILL,PENDING,US,US-TX,2025-02,,Raises penalties for protest near pipelines,PEACEFUL_ASSEMBLY|EXPRESSION,PUBLIC
";

const DEFENDERS_CSV: &str = "\
external_id,name,other_names,country_code,subdivision_code,occupation,summary,status,sectors,visibility,consent,exact_location,contact_details,safety_notes,affiliations,restriction_links
D-1,Máxima Acuña Chaupe,TRANSLITERATION:Maxima Acuna Chaupe|Máxima Acuña Atalaya,PE,,Farmer,Defends her land against a mine,AT_RISK,LAND|ENVIRONMENT,PARTNERS,GIVEN,Tragadero Grande,,Threats in 2024,O-1;member;2011|O-2,R-1;AFFECTED_BY;cited in a 2025 brief
D-2,Mohammed al-Qahtani,Muhammad al Qahtani,SA,,Economist,,IMPRISONED,,PRIVATE,UNKNOWN,,,,,
";

fn csv_input(kind: &str, data: &str) -> Value {
    json!({ "input": { "format": "CSV", "recordType": kind, "data": data, "fileName": format!("{}.csv", kind.to_lowercase()) } })
}

async fn import(app: &TestApp, key: &str, input: Value) -> Value {
    let (_, body) = post_as(app, Some(key), IMPORT, input).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["importRecords"].clone()
}

async fn import_csv_files(app: &TestApp, key: &str) -> Vec<Value> {
    let mut reports = Vec::new();
    for (kind, data) in
        [("ORGANISATION", ORGANISATIONS_CSV), ("RESTRICTION", RESTRICTIONS_CSV), ("DEFENDER", DEFENDERS_CSV)]
    {
        reports.push(import(app, key, csv_input(kind, data)).await);
    }
    reports
}

fn counts(report: &Value) -> [u64; 4] {
    ["created", "updated", "unchanged", "rejected"].map(|field| report[field].as_u64().expect("count"))
}

/// The defenders the key sees, with everything the import wrote.
async fn defenders(app: &TestApp, key: &str) -> Value {
    let (_, body) = post_as(app, Some(key), DEFENDERS, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["defenders"].clone()
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {list}"))
}

engine_tests!(csv_import_writes_links_and_reimport_changes_nothing, |app: TestApp| async move {
    let org = create_org(&app, "Importer");
    let key = create_key(&app, &org, "EDITOR");
    let reports = import_csv_files(&app, &key).await;
    assert_eq!(reports.iter().map(counts).collect::<Vec<_>>(), vec![[2, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0]]);
    assert!(reports.iter().all(|r| r["committed"] == true));

    let list = defenders(&app, &key).await;
    let maxima = find(&list, "Máxima Acuña Chaupe");
    let mut other_names = maxima["otherNames"].as_array().unwrap().clone();
    other_names.sort_by_key(|n| n["name"].to_string());
    assert_eq!(
        other_names,
        vec![
            json!({ "name": "Maxima Acuna Chaupe", "kind": "TRANSLITERATION" }),
            json!({ "name": "Máxima Acuña Atalaya", "kind": "ALIAS" })
        ]
    );
    assert_eq!(maxima["country"]["code"], "PE");
    assert_eq!(maxima["status"], "AT_RISK");
    assert_eq!(maxima["sectors"], json!(["ENVIRONMENT", "LAND"]));
    assert_eq!(
        maxima["exactLocation"], "Tragadero Grande",
        "the importer is the contributor and sees confidential fields"
    );
    let mut affiliations: Vec<String> = maxima["affiliations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}|{}|{}", a["organisation"]["name"].as_str().unwrap(), a["role"], a["startedOn"]))
        .collect();
    affiliations.sort();
    assert_eq!(
        affiliations,
        vec![
            "Grupo de Formación e Intervención para el Desarrollo Sostenible|\"member\"|\"2011\"".to_owned(),
            "Hidden Ally|null|null".to_owned(),
        ]
    );
    assert_eq!(maxima["restrictions"]["edges"][0]["relation"], "AFFECTED_BY");
    assert_eq!(maxima["restrictions"]["edges"][0]["node"]["title"], "Critical infrastructure bill");
    let audit_before: Vec<Value> =
        list["nodes"].as_array().unwrap().iter().map(|n| json!([n["version"], n["auditLog"]["totalCount"]])).collect();

    // The same files again: nothing created twice, nothing written.
    let again = import_csv_files(&app, &key).await;
    assert_eq!(again.iter().map(counts).collect::<Vec<_>>(), vec![[0, 0, 2, 0], [0, 0, 1, 0], [0, 0, 2, 0]]);
    let list = defenders(&app, &key).await;
    assert_eq!(list["totalCount"], 2 + 4, "two imported besides the four sample defenders");
    let audit_after: Vec<Value> =
        list["nodes"].as_array().unwrap().iter().map(|n| json!([n["version"], n["auditLog"]["totalCount"]])).collect();
    assert_eq!(audit_before, audit_after, "no new version and no audit entry for unchanged records");

    // One changed row updates that record in place.
    let changed = DEFENDERS_CSV.replace("Economist,,IMPRISONED", "Economist,,RELEASED");
    let report = import(&app, &key, csv_input("DEFENDER", &changed)).await;
    assert_eq!(counts(&report), [0, 1, 1, 0]);
    let list = defenders(&app, &key).await;
    let qahtani = find(&list, "Mohammed al-Qahtani");
    assert_eq!((qahtani["status"].clone(), qahtani["version"].clone()), (json!("RELEASED"), json!(2)));
});

engine_tests!(one_bad_row_refuses_the_file_and_dry_run_writes_nothing, |app: TestApp| async move {
    let org = create_org(&app, "Importer");
    let key = create_key(&app, &org, "EDITOR");
    let before = defenders(&app, &key).await["totalCount"].clone();
    let bad = "\
external_id,name,country_code,status,subdivision_code
G-1,Good Person,PE,AT_RISK,
B-1,Bad Country,XX,AT_RISK,
B-2,Bad Status,PE,FLYING,
B-3,,PE,,
B-4,Wrong State,US,,US-ZZ
G-2,Another Good Person,PE,,
";
    let report = import(&app, &key, csv_input("DEFENDER", bad)).await;
    assert_eq!(report["committed"], false);
    assert_eq!(report["rejected"], 4);
    let problems: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["field"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        problems,
        vec![(3, "country_code".into()), (4, "status".into()), (5, "name".into()), (6, "subdivision_code".into()),]
    );
    assert!(report["problems"][0]["reason"].as_str().unwrap().contains("XX"), "{report}");
    assert_eq!(report["problems"][0]["externalId"], "B-1");
    assert_eq!(defenders(&app, &key).await["totalCount"], before, "nothing of a refused file is written");

    // A dry run of a good file reports what would happen and writes nothing.
    let mut input = csv_input("DEFENDER", DEFENDERS_CSV.split("\nD-1").next().unwrap().to_owned().as_str());
    input["input"]["data"] =
        json!(format!("{}\n{}", DEFENDERS_CSV.lines().next().unwrap(), DEFENDERS_CSV.lines().nth(2).unwrap()));
    input["input"]["dryRun"] = json!(true);
    let report = import(&app, &key, input.clone()).await;
    assert_eq!(
        (counts(&report), report["dryRun"].clone(), report["committed"].clone()),
        ([1, 0, 0, 0], json!(true), json!(false))
    );
    assert_eq!(defenders(&app, &key).await["totalCount"], before);
    input["input"]["dryRun"] = json!(false);
    assert_eq!(counts(&import(&app, &key, input).await), [1, 0, 0, 0]);

    // Bad headers and unreadable lines are reported, not guessed at.
    let report = import(&app, &key, csv_input("DEFENDER", "external_id,name,country,country_code\n")).await;
    assert_eq!(
        (report["problems"][0]["line"].clone(), report["problems"][0]["field"].clone()),
        (json!(1), json!("country"))
    );
    let jsonl = "{\"type\":\"defender\",\"externalId\":\"J-1\",\"name\":\"Ok\",\"countryCode\":\"PE\"}\nnot json\n{\"type\":\"spaceship\"}\n{\"type\":\"defender\",\"externalId\":\"J-2\",\"name\":\"X\",\"countryCode\":\"PE\",\"wings\":2}\n";
    let report = import(&app, &key, json!({ "input": { "format": "JSON_LINES", "data": jsonl } })).await;
    let lines: Vec<u64> = report["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![2, 3, 4], "{report}");
    assert_eq!(report["problems"][1]["field"], "type");

    // Readers may not import at all.
    let reader = create_key(&app, &org, "READER");
    let (_, body) = post_as(&app, Some(&reader), IMPORT, csv_input("DEFENDER", DEFENDERS_CSV)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
});

/// Every page of an export of one kind, concatenated (CSV keeps one header).
async fn export(app: &TestApp, key: Option<&str>, kind: &str, format: &str) -> String {
    let mut text = String::new();
    let mut after = Value::Null;
    loop {
        let (_, body) =
            post_as(app, key, EXPORT, json!({ "type": kind, "format": format, "first": 2, "after": after })).await;
        assert!(body["errors"].is_null(), "{body}");
        let page = &body["data"]["exportRecords"];
        let content = page["content"].as_str().unwrap();
        if format == "CSV" && !text.is_empty() {
            text.push_str(content.split_once('\n').map_or("", |(_, rest)| rest));
        } else {
            text.push_str(content);
        }
        if page["hasNextPage"] != true {
            return text;
        }
        after = page["endCursor"].clone();
    }
}

/// Whether an exported line is one of the records the test imported (named
/// by the test's own identifiers D-1, O-1, R-1, ...), not a sample record or a
/// partner organisation named by global id.
fn is_imported(line: &str) -> bool {
    ["D-", "O-", "R-"].iter().any(|own| {
        line.starts_with(own)
            || line.contains(&format!("\"externalId\":\"{own}"))
            || line.contains(&format!("\"id\":\"{own}"))
    })
}

/// JSON Lines without the fields that differ between databases.
fn comparable(jsonl: &str) -> Vec<Value> {
    let mut rows: Vec<Value> = jsonl
        .lines()
        .map(|line| {
            let mut row: Value = serde_json::from_str(line).unwrap();
            row.as_object_mut().unwrap().remove("id");
            row
        })
        .collect();
    rows.sort_by_key(|row| row.to_string());
    rows
}

engine_tests!(every_format_round_trips_into_a_fresh_database, |app: TestApp| async move {
    let org = create_org(&app, "Source NGO");
    let key = create_key(&app, &org, "EDITOR");
    import_csv_files(&app, &key).await;
    // Events only travel in JSON Lines; add one.
    let event = json!({ "input": { "format": "JSON_LINES", "data": json!({
        "type": "defender", "externalId": "D-2", "name": "Mohammed al-Qahtani", "countryCode": "SA",
        "events": [{ "kind": "SENTENCE", "occurredOn": "2022-10", "sentence": { "months": 120 }, "restrictionId": "R-1" }]
    }).to_string() } });
    let report = import(&app, &key, event).await;
    assert_eq!(counts(&report), [0, 1, 0, 0], "{report}");

    let target = TestApp::spawn_with(app.engine, true).await;
    let target_org = create_org(&target, "Receiving NGO");
    let target_key = create_key(&target, &target_org, "EDITOR");

    // JSON Lines: everything, in import order, in one file.
    let mut jsonl = String::new();
    for kind in ["ORGANISATION", "RESTRICTION", "DEFENDER"] {
        let part = export(&app, Some(&key), kind, "JSON_LINES").await;
        // The records the organisation imported; public sample records stay behind.
        jsonl.extend(part.lines().filter(|l| is_imported(l)).map(|l| format!("{l}\n")));
    }
    let report = import(&target, &target_key, json!({ "input": { "format": "JSON_LINES", "data": jsonl } })).await;
    assert_eq!(counts(&report), [5, 0, 0, 0], "{report}");
    let mut again = String::new();
    for kind in ["ORGANISATION", "RESTRICTION", "DEFENDER"] {
        let part = export(&target, Some(&target_key), kind, "JSON_LINES").await;
        again.extend(part.lines().filter(|l| is_imported(l)).map(|l| format!("{l}\n")));
    }
    assert_eq!(comparable(&again), comparable(&jsonl));
    assert!(jsonl.contains("\"occurredOn\":\"2022-10\"") && jsonl.contains("\"months\":120"));
    // The export imports back into its source unchanged.
    let report = import(&app, &key, json!({ "input": { "format": "JSON_LINES", "data": jsonl } })).await;
    assert_eq!(counts(&report), [0, 0, 5, 0], "{report}");

    // CSV: one file per kind.
    let csv_target = TestApp::spawn_with(app.engine, true).await;
    let csv_org = create_org(&csv_target, "CSV NGO");
    let csv_key = create_key(&csv_target, &csv_org, "EDITOR");
    for kind in ["ORGANISATION", "RESTRICTION", "DEFENDER"] {
        let text = export(&app, Some(&key), kind, "CSV").await;
        let text: String =
            text.lines().filter(|l| l.starts_with("external_id") || is_imported(l)).map(|l| format!("{l}\n")).collect();
        let report = import(&csv_target, &csv_key, csv_input(kind, &text)).await;
        assert_eq!(report["rejected"], 0, "{report}");
        let back = export(&csv_target, Some(&csv_key), kind, "CSV").await;
        let back: String =
            back.lines().filter(|l| l.starts_with("external_id") || is_imported(l)).map(|l| format!("{l}\n")).collect();
        let strip_ids = |csv: &str| -> Vec<String> {
            let mut rows: Vec<String> = csv
                .lines()
                .map(|l| {
                    l.split(',').enumerate().filter(|(i, _)| *i != 1).map(|(_, c)| c).collect::<Vec<_>>().join(",")
                })
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(strip_ids(&back), strip_ids(&text), "{kind}");
    }

    // FollowTheMoney: people, organisations and memberships.
    let ftm_target = TestApp::spawn_with(app.engine, true).await;
    let ftm_org = create_org(&ftm_target, "FtM NGO");
    let ftm_key = create_key(&ftm_target, &ftm_org, "EDITOR");
    let mut ftm = String::new();
    for kind in ["ORGANISATION", "DEFENDER"] {
        let part = export(&app, Some(&key), kind, "FOLLOW_THE_MONEY").await;
        ftm.extend(part.lines().filter(|l| is_imported(l)).map(|l| format!("{l}\n")));
    }
    let entities: Vec<Value> = ftm.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(entities.iter().any(|e| e["schema"] == "Membership" && e["properties"]["role"] == json!(["member"])));
    assert!(!ftm.contains("Tragadero"), "confidential fields never leave in FollowTheMoney");
    let mut with_foreign = ftm.clone();
    with_foreign.push_str("{\"id\":\"sanction-1\",\"schema\":\"Sanction\",\"properties\":{\"entity\":[\"D-2\"]}}\n");
    let report =
        import(&ftm_target, &ftm_key, json!({ "input": { "format": "FOLLOW_THE_MONEY", "data": with_foreign } })).await;
    assert_eq!((report["rejected"].clone(), report["skipped"].clone()), (json!(0), json!(1)), "{report}");
    let mut back = String::new();
    for kind in ["ORGANISATION", "DEFENDER"] {
        let part = export(&ftm_target, Some(&ftm_key), kind, "FOLLOW_THE_MONEY").await;
        back.extend(part.lines().filter(|l| is_imported(l)).map(|l| format!("{l}\n")));
    }
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&back).len(), sorted(&ftm).len());
    for line in sorted(&ftm) {
        let entity: Value = serde_json::from_str(&line).unwrap();
        if entity["schema"] == "Person" {
            assert!(back.contains(&format!("\"name\":{}", entity["properties"]["name"])), "{line} not in {back}");
        }
    }
    let report = import(&ftm_target, &ftm_key, json!({ "input": { "format": "FOLLOW_THE_MONEY", "data": ftm } })).await;
    assert_eq!(report["created"], 0, "FollowTheMoney re-import is idempotent too: {report}");
});

engine_tests!(import_and_export_respect_visibility, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Owner A"), create_org(&app, "Other C"));
    let (key_a, key_c) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    import_csv_files(&app, &key_a).await;

    // C sees A's partner records without confidential fields or links to
    // A's private organisation, and not A's private defender at all.
    let seen_by_c = export(&app, Some(&key_c), "DEFENDER", "JSON_LINES").await;
    assert!(seen_by_c.contains("Máxima Acuña Chaupe"));
    assert!(!seen_by_c.contains("Mohammed al-Qahtani"), "private record exported to another organisation");
    assert!(!seen_by_c.contains("Tragadero") && !seen_by_c.contains("Threats in 2024"), "confidential field exported");
    assert!(!seen_by_c.contains("O-2") && !seen_by_c.contains("Hidden Ally"));
    let anonymous = export(&app, None, "DEFENDER", "JSON_LINES").await;
    assert!(!anonymous.contains("Máxima Acuña Chaupe"), "partner record exported to anonymous");
    assert_eq!(anonymous.lines().count(), 4, "the four public sample defenders only");

    // C cannot link to A's private organisation, even by global id, and its
    // rows naming A's record by id become records of its own.
    let (_, body) = post_as(&app, Some(&key_a), "{ organisations(first: 50) { nodes { id name } } }", json!({})).await;
    let hidden_id =
        body["data"]["organisations"]["nodes"].as_array().unwrap().iter().find(|o| o["name"] == "Hidden Ally").unwrap()
            ["id"]
            .clone();
    let row = json!({ "type": "defender", "externalId": "C-1", "name": "Linked", "countryCode": "PE",
        "affiliations": [{ "organisationId": hidden_id }] });
    let report = import(&app, &key_c, json!({ "input": { "format": "JSON_LINES", "data": row.to_string() } })).await;
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["problems"][0]["field"], "affiliations[0].organisationId");
    assert!(report["problems"][0]["reason"].as_str().unwrap().contains("no organisation you can see"), "{report}");

    let maxima_line = seen_by_c.lines().find(|l| l.contains("Máxima Acuña Chaupe")).unwrap();
    let mut row: Value = serde_json::from_str(maxima_line).unwrap();
    row["name"] = json!("Overwritten by C");
    let report = import(&app, &key_c, json!({ "input": { "format": "JSON_LINES", "data": row.to_string() } })).await;
    assert_eq!(counts(&report), [0, 0, 0, 1], "{report}");
    assert!(report["problems"][0]["reason"].as_str().unwrap().contains("another organisation's record"), "{report}");
    // Unchanged, C's own export of A's record reads back as unchanged.
    let report = import(&app, &key_c, json!({ "input": { "format": "JSON_LINES", "data": maxima_line } })).await;
    assert_eq!(counts(&report), [0, 0, 1, 0], "{report}");
    // Without the id, the row is a record of C's own.
    row.as_object_mut().unwrap().remove("id");
    let report = import(&app, &key_c, json!({ "input": { "format": "JSON_LINES", "data": row.to_string() } })).await;
    assert_eq!(counts(&report), [1, 0, 0, 0], "{report}");
    let of_a = defenders(&app, &key_a).await;
    assert_eq!(find(&of_a, "Máxima Acuña Chaupe")["version"], 1, "A's record is untouched");
    let created = find(&of_a, "Overwritten by C");
    assert_eq!(created["visibility"], "PARTNERS");
    assert_eq!(created["exactLocation"], Value::Null, "C had no confidential values to copy");
});

engine_tests!(command_line_import_streams_large_files, |app: TestApp| async move {
    let org = create_org(&app, "Bulk NGO");
    let dir = std::env::temp_dir().join(format!("rights-graph-import-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let summary = "Long account of the case. ".repeat(600);
    let write = |name: &str, rows: usize| {
        let prefix = name.split('.').next().unwrap_or(name).to_owned();
        let path = dir.join(name);
        let mut text = String::with_capacity(rows * 16_000);
        for i in 0..rows {
            text.push_str(&json!({ "type": "defender", "externalId": format!("{prefix}-{i}"), "name": format!("{prefix} person {i}"),
                "countryCode": "PE", "summary": summary, "sectors": ["LAND"] }).to_string());
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        path
    };
    let small = write("small.jsonl", 400);
    let large = write("large.jsonl", 1_600);
    let peak = |path: &std::path::Path| -> (u64, String) {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rights-graph"))
            .args(["import", "--org", &org, "--format", "jsonl", path.to_str().unwrap()])
            .env("DATABASE_URL", &app.database_url)
            .env("LOG_FORMAT", "text")
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let status = format!("/proc/{}/status", child.id());
        let mut peak_kib = 0;
        while child.try_wait().unwrap().is_none() {
            if let Ok(text) = std::fs::read_to_string(&status)
                && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
            {
                peak_kib = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(peak_kib);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        (peak_kib, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (small_peak, _) = peak(&small);
    let (large_peak, out) = peak(&large);
    assert!(out.contains("1600 created"), "{out}");
    let large_size = std::fs::metadata(&large).unwrap().len() / 1024;
    let small_size = std::fs::metadata(&small).unwrap().len() / 1024;
    eprintln!(
        "{:?}: import peak {small_peak} KiB for {small_size} KiB, {large_peak} KiB for {large_size} KiB",
        app.engine
    );
    // Four times the file (about 18 MiB more) must not mean memory in
    // proportion: a reader that held the file would grow by its size. The
    // import of the larger file does peak higher, by about 4.5 MiB on SQLite
    // (a quarter of the difference, so a bound of a quarter failed at
    // random); half the difference still catches a reader that holds it.
    assert!(
        large_peak < small_peak + (large_size - small_size) / 2,
        "peak {large_peak} KiB for {large_size} KiB against {small_peak} KiB for {small_size} KiB"
    );
    // Re-importing the large file changes nothing.
    let (_, out) = peak(&large);
    assert!(out.contains("0 created, 0 updated, 1600 unchanged"), "{out}");
    let (ok, _, err) = cli(&app, &["import", "--org", &org, "--format", "csv", large.to_str().unwrap()]);
    assert!(!ok && err.contains("cannot tell what"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
});

engine_tests!(the_example_files_in_the_readme_import_as_documented, |app: TestApp| async move {
    let org = create_org(&app, "Example NGO");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/exchange");
    let file = |name: &str| format!("{dir}/{name}");
    let import = |args: &[&str]| {
        let mut all = vec!["import", "--org", org.as_str()];
        all.extend_from_slice(args);
        let (ok, _, err) = cli(&app, &all);
        assert!(ok, "{err}");
        err
    };
    let csv = import(&[
        "--format",
        "csv",
        &file("campaigns.csv"),
        &file("defenders.csv"),
        &file("restrictions.csv"),
        &file("sources.csv"),
        &file("organisations.csv"),
    ]);
    assert!(csv.contains("Imported. 7 created, 0 updated, 0 unchanged, 0 rejected"), "{csv}");
    let jsonl = import(&["--format", "jsonl", &file("records.jsonl")]);
    assert!(jsonl.contains("Imported. 0 created, 1 updated, 2 unchanged, 0 rejected"), "{jsonl}");
    let ftm = import(&["--format", "ftm", &file("entities.ftm.json")]);
    assert!(ftm.contains("Imported. 2 created, 1 updated, 0 unchanged, 0 rejected, 1 skipped"), "{ftm}");
    let dry = import(&["--format", "jsonl", "--dry-run", &file("records.jsonl")]);
    assert!(
        dry.contains("Dry run: nothing written; the import would succeed. 0 created, 0 updated, 3 unchanged"),
        "{dry}"
    );

    // The FollowTheMoney person is the CSV's DEF-2 under another spelling.
    let key = create_key(&app, &org, "READER");
    let query = "{ duplicateCandidates(recordType: DEFENDER) { score reasons first { ... on Defender { name } } second { ... on Defender { name } } } }";
    let (_, body) = post_as(&app, Some(&key), query, json!({})).await;
    let pairs = body["data"]["duplicateCandidates"].to_string();
    assert!(pairs.contains("Yusuf al-Rahman") && pairs.contains("same name"), "{body}");

    // And the export of what was imported reads back unchanged.
    let out = std::env::temp_dir().join(format!("rights-graph-export-{}", uuid::Uuid::now_v7()));
    let (ok, _, err) = cli(&app, &["export", "--org", &org, "--format", "csv", "--out", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let exported = std::fs::read_to_string(out.join("defenders.csv")).unwrap();
    let campaigns = std::fs::read_to_string(out.join("campaigns.csv")).unwrap();
    assert!(
        campaigns.contains("CAMP-1,") && campaigns.contains(",ORG-1,") && campaigns.contains(",DEF-1,LAW-1,PE-CAJ"),
        "{campaigns}"
    );
    assert!(
        exported.contains("DEF-1,") && exported.contains("Through ORG-1 only"),
        "the contributor exports its confidential fields"
    );
    let exported_files: Vec<String> = ["organisations", "sources", "restrictions", "defenders", "campaigns"]
        .iter()
        .map(|kind| out.join(format!("{kind}.csv")).to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["--format", "csv"];
    args.extend(exported_files.iter().map(String::as_str));
    let again = import(&args);
    assert!(again.contains(" 0 created, 0 updated,") && again.contains("0 rejected"), "{again}");
    std::fs::remove_dir_all(&out).ok();
});

engine_tests!(graphql_imports_take_files_of_megabytes_and_refuse_larger_bodies, |app: TestApp| async move {
    let org = create_org(&app, "Uploader");
    let key = create_key(&app, &org, "EDITOR");
    // About 6 MiB of CSV: more than a default request limit, within ours.
    let summary = "x".repeat(6_000);
    let mut csv = String::from("external_id,name,country_code,summary\n");
    for i in 0..1_000 {
        csv.push_str(&format!("BIG-{i},Person {i},PE,{summary}\n"));
    }
    let (status, body) = post_as(&app, Some(&key), IMPORT, csv_input("DEFENDER", &csv)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["importRecords"]["created"], 1_000, "{body}");
    // Past the GraphQL limit for a file: refused with a pointer to the command line.
    let big = csv.repeat(2);
    let (_, body) = post_as(&app, Some(&key), IMPORT, csv_input("DEFENDER", &big)).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "input.data", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("rights-graph import"), "{body}");
    // A body past the server's limit is refused before it is read: the
    // announced length alone gets 413, with no byte of the body sent.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        17 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = vec![0; 64];
    let read = stream.read(&mut reply).await.unwrap();
    let status_line = String::from_utf8_lossy(&reply[..read]).lines().next().unwrap_or_default().to_owned();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
});

// New records wait in a batch before they are written: a row that names one
// of them, by its own external id or in a link, sees it exactly as if each
// row had been written alone.
engine_tests!(rows_see_the_new_records_of_the_rows_before_them, |app: TestApp| async move {
    let org = create_org(&app, "Batch NGO");
    let key = create_key(&app, &org, "EDITOR");
    let lines = [
        json!({ "type": "organisation", "externalId": "O-1", "name": "Batch Ally", "kind": "NGO" }),
        json!({ "type": "defender", "externalId": "D-1", "name": "First Name", "countryCode": "PE" }),
        json!({ "type": "defender", "externalId": "D-2", "name": "Second Person", "countryCode": "PE",
            "affiliations": [{ "organisationId": "O-1", "role": "lawyer" }] }),
        json!({ "type": "defender", "externalId": "D-1", "name": "Renamed Person", "countryCode": "PE" }),
        json!({ "type": "campaign", "externalId": "C-1", "title": "Free them", "kind": "URGENT_ACTION",
            "defenderIds": ["D-1", "D-2"] }),
    ];
    let data = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let report = import(&app, &key, json!({ "input": { "format": "JSON_LINES", "data": data } })).await;
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(4), Some(1)), "{report}");
    let (_, body) = post_as(
        &app,
        Some(&key),
        "{ campaigns(first: 100) { nodes { title defenders(first: 5) { nodes { name version \
         affiliations { nodes { role organisation { name } } } } } } } }",
        json!({}),
    )
    .await;
    let campaigns = body["data"]["campaigns"]["nodes"].as_array().unwrap();
    let campaign = campaigns.iter().find(|c| c["title"] == "Free them").unwrap_or_else(|| panic!("{body}"));
    let mut defenders: Vec<(String, u64)> = campaign["defenders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_owned(), d["version"].as_u64().unwrap()))
        .collect();
    defenders.sort();
    assert_eq!(defenders, [("Renamed Person".to_owned(), 2), ("Second Person".to_owned(), 1)], "{body}");
    let second = campaign["defenders"]["nodes"].as_array().unwrap().iter().find(|d| d["name"] == "Second Person");
    assert_eq!(second.unwrap()["affiliations"]["nodes"][0]["organisation"]["name"], "Batch Ally", "{body}");
    // Importing the file again changes nothing.
    let report = import(&app, &key, json!({ "input": { "format": "JSON_LINES", "data": data } })).await;
    assert_eq!(report["created"], 0, "{report}");
});
