//! The leaks an outside review found, each reproduced: a hidden record or a
//! confidential value reaching a viewer through the audit log, an error
//! message, a comparison, a ranking or a verdict, and the inputs that broke
//! statistics. Each test failed before its fix.

use crate::common;

use common::{TestApp, create_key, create_org, post_as, uuid_of};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// Posts as `key` and returns the body.
async fn ask(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    post_as(app, key, query, variables).await.1
}

/// Posts as `key` and returns `data`, which must have no errors.
async fn data(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let body = ask(app, key, query, variables).await;
    assert!(body.get("errors").is_none(), "unexpected errors for {query}: {body:#}");
    body["data"].clone()
}

/// The error of a body, with the id the caller sent replaced, so that a
/// hidden id's answer can be compared with a nonexistent one's.
fn refusal(body: &Value, sent: &str) -> (Value, String) {
    let error = &body["errors"][0];
    let message = error["message"].as_str().unwrap_or_else(|| panic!("an error: {body}"));
    let message = message.replace(sent, "<id>").replace(&uuid_of(sent).to_string(), "<id>");
    (error["extensions"]["code"].clone(), message)
}

fn contains_id(body: &Value, global: &str) -> bool {
    let text = body.to_string();
    text.contains(global) || text.to_lowercase().contains(&uuid_of(global).to_string())
}

/// A nonexistent global id of the given type.
fn nonexistent(kind: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{}", uuid::Uuid::now_v7()))
}

const CREATE_DEFENDER: &str =
    "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id version } } }";
const CREATE_ORG: &str =
    "mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }";
const CREATE_RESTRICTION: &str =
    "mutation ($input: CreateRestrictionInput!) { createRestriction(input: $input) { restriction { id } } }";
const SHARE: &str = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }";
const AUDIT: &str = "query ($id: ID!) { node(id: $id) { ... on Defender { auditLog { nodes { action changes { field from to redacted } } } }
    ... on Campaign { auditLog { nodes { action changes { field from to redacted } } } } } }";

async fn create(app: &TestApp, key: &str, query: &str, field: &str, input: Value) -> String {
    let body = data(app, Some(key), query, json!({ "input": input })).await;
    let record = body[field].as_object().unwrap().values().next().unwrap();
    record["id"].as_str().unwrap().to_owned()
}

engine_tests!(audit_log_withholds_a_hidden_lead_organisation, |app: TestApp| async move {
    let (owner, other) = (create_org(&app, "Owner"), create_org(&app, "Other"));
    let (editor, other_key) = (create_key(&app, &owner, "EDITOR"), create_key(&app, &other, "READER"));
    let lead =
        create(&app, &editor, CREATE_ORG, "createOrganisation", json!({ "name": "Quiet Lead", "kind": "NGO" })).await;
    let campaign = create(
        &app,
        &editor,
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        "createCampaign",
        json!({ "title": "Free them", "kind": "INDIVIDUAL_CASE", "visibility": "PUBLIC", "leadOrganisationId": lead }),
    )
    .await;
    for key in [None, Some(other_key.as_str())] {
        let body = data(&app, key, AUDIT, json!({ "id": campaign })).await;
        let changes = &body["node"]["auditLog"]["nodes"][0]["changes"];
        assert!(changes.as_array().is_some_and(|c| !c.is_empty()), "{body}");
        assert!(!contains_id(&body, &lead), "the PRIVATE lead organisation leaks to {key:?}: {body}");
        assert!(!changes.as_array().unwrap().iter().any(|c| c["field"] == "leadOrganisationId"), "{body}");
    }
    let body = data(&app, Some(&editor), AUDIT, json!({ "id": campaign })).await;
    assert!(contains_id(&body, &lead), "the contributor sees its own lead organisation: {body}");
});

engine_tests!(authors_of_entries_see_no_more_than_readers, |app: TestApp| async move {
    let (owner, partner) = (create_org(&app, "Owner"), create_org(&app, "Partner"));
    let (owner_editor, owner_admin) = (create_key(&app, &owner, "EDITOR"), create_key(&app, &owner, "ADMIN"));
    let partner_editor = create_key(&app, &partner, "EDITOR");
    let hidden_org =
        create(&app, &owner_editor, CREATE_ORG, "createOrganisation", json!({ "name": "Hidden Ally", "kind": "NGO" }))
            .await;
    let hidden_law = create(
        &app,
        &owner_editor,
        CREATE_RESTRICTION,
        "createRestriction",
        json!({ "title": "Hidden decree", "kind": "LAW", "status": "ENACTED", "countryCode": "PE" }),
    )
    .await;
    let defender = create(
        &app,
        &owner_editor,
        CREATE_DEFENDER,
        "createDefender",
        json!({ "name": "Shared Editor Case", "countryCode": "PE", "visibility": "PRIVATE",
                "safetyNotes": "CANARY-SAFETY-1",
                "affiliations": [{ "organisationId": hidden_org, "role": "CANARY-ROLE-1" }],
                "restrictionLinks": [{ "restrictionId": hidden_law, "relation": "CHARGED_UNDER", "note": "CANARY-NOTE-1" }] }),
    )
    .await;
    data(
        &app,
        Some(&owner_admin),
        SHARE,
        json!({ "input": { "recordId": defender, "organisationId": partner, "access": "EDIT", "confidential": false } }),
    )
    .await;
    let update = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
    // The partner may not set a confidential field it cannot read: whether its
    // guess matched would show in the answer.
    for guess in ["CANARY-SAFETY-1", "a guess"] {
        let body = ask(
            &app,
            Some(&partner_editor),
            update,
            json!({ "input": { "id": defender, "expectedVersion": 1, "safetyNotes": guess } }),
        )
        .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    }
    // Emptying the lists it sees removes nothing it cannot see.
    let body = data(
        &app,
        Some(&partner_editor),
        update,
        json!({ "input": { "id": defender, "expectedVersion": 1, "summary": "Partner's words",
                           "affiliations": [], "restrictionLinks": [] } }),
    )
    .await;
    assert_eq!(body["updateDefender"]["defender"]["version"], 2);
    let lists = "query ($id: ID!) { defender(id: $id) { safetyNotes affiliations { nodes { role } } restrictions { nodes { title } } } }";
    let body = data(&app, Some(&owner_editor), lists, json!({ "id": defender })).await;
    assert_eq!(body["defender"]["safetyNotes"], "CANARY-SAFETY-1");
    assert_eq!(body["defender"]["affiliations"]["nodes"][0]["role"], "CANARY-ROLE-1", "{body}");
    assert_eq!(body["defender"]["restrictions"]["nodes"][0]["title"], "Hidden decree", "{body}");

    // The owner changes the confidential value; the partner reads the log.
    data(
        &app,
        Some(&owner_editor),
        update,
        json!({ "input": { "id": defender, "expectedVersion": 2, "safetyNotes": "CANARY-SAFETY-2" } }),
    )
    .await;
    let body = data(&app, Some(&partner_editor), AUDIT, json!({ "id": defender })).await;
    let text = body.to_string();
    for secret in ["CANARY-SAFETY", "CANARY-ROLE", "CANARY-NOTE"] {
        assert!(!text.contains(secret), "{secret} reaches the editor without confidential access: {body:#}");
    }
    assert!(!contains_id(&body, &hidden_org) && !contains_id(&body, &hidden_law), "{body:#}");
    let entries = body["node"]["auditLog"]["nodes"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["CREATE", "SHARE", "UPDATE", "UPDATE"], "{body:#}");
    // The partner's own entry shows the summary it wrote, and no list change.
    let own: Vec<&str> =
        entries[2]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(own, ["summary"], "{body:#}");
    assert_eq!(entries[3]["changes"][0], json!({ "field": "safetyNotes", "from": null, "to": null, "redacted": true }));
    // The owner sees everything in its own log.
    let body = data(&app, Some(&owner_editor), AUDIT, json!({ "id": defender })).await;
    assert!(body.to_string().contains("CANARY-ROLE-1") && body.to_string().contains("CANARY-SAFETY-2"), "{body:#}");
});

engine_tests!(hidden_ids_are_refused_like_unknown_ones, |app: TestApp| async move {
    let (owner, other) = (create_org(&app, "Owner"), create_org(&app, "Other"));
    let (owner_editor, owner_admin) = (create_key(&app, &owner, "EDITOR"), create_key(&app, &owner, "ADMIN"));
    let (other_editor, other_admin) = (create_key(&app, &other, "EDITOR"), create_key(&app, &other, "ADMIN"));
    let new = |name: &str, visibility: &str| json!({ "name": name, "countryCode": "PE", "visibility": visibility, "consent": "GIVEN" });
    let survivor =
        create(&app, &owner_editor, CREATE_DEFENDER, "createDefender", new("Hidden Survivor", "PRIVATE")).await;
    let absorbed =
        create(&app, &owner_editor, CREATE_DEFENDER, "createDefender", new("Seen Absorbed", "PARTNERS")).await;
    data(
        &app,
        Some(&owner_editor),
        "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }",
        json!({ "input": { "survivorId": survivor, "absorbedId": absorbed } }),
    )
    .await;
    let missing = nonexistent("Defender");

    // Undoing the merge of a hidden survivor: as if there were no merge.
    let unmerge = "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) { defender { id } } }";
    let hidden = ask(&app, Some(&other_editor), unmerge, json!({ "input": { "absorbedId": absorbed } })).await;
    let unknown = ask(&app, Some(&other_editor), unmerge, json!({ "input": { "absorbedId": missing } })).await;
    assert!(!contains_id(&hidden, &survivor), "the survivor's id leaks: {hidden}");
    assert_eq!(refusal(&hidden, &absorbed), refusal(&unknown, &missing));

    // Changing an id absorbed into a hidden record.
    let update = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { id } } }";
    let hidden = ask(
        &app,
        Some(&other_editor),
        update,
        json!({ "input": { "id": absorbed, "expectedVersion": 2, "name": "X" } }),
    )
    .await;
    let unknown = ask(
        &app,
        Some(&other_editor),
        update,
        json!({ "input": { "id": missing, "expectedVersion": 2, "name": "X" } }),
    )
    .await;
    assert_eq!(refusal(&hidden, &absorbed), refusal(&unknown, &missing));
    assert_eq!(refusal(&hidden, &absorbed).0, "NOT_FOUND");

    // Sharing with an organisation the admin cannot see.
    let private_org =
        create(&app, &owner_editor, CREATE_ORG, "createOrganisation", json!({ "name": "Private Org", "kind": "NGO" }))
            .await;
    let own = create(&app, &other_editor, CREATE_DEFENDER, "createDefender", new("Other's Case", "PRIVATE")).await;
    let share = |with: &str| json!({ "input": { "recordId": own, "organisationId": with, "access": "READ" } });
    let hidden = ask(&app, Some(&other_admin), SHARE, share(&private_org)).await;
    let unknown_org = nonexistent("Organisation");
    let unknown = ask(&app, Some(&other_admin), SHARE, share(&unknown_org)).await;
    assert_eq!(refusal(&hidden, &private_org), refusal(&unknown, &unknown_org));
    assert_eq!(refusal(&hidden, &private_org).0, "BAD_USER_INPUT");
    let _ = owner_admin;
});

engine_tests!(dry_runs_compare_only_what_the_importer_may_read, |app: TestApp| async move {
    let (owner, partner) = (create_org(&app, "Owner"), create_org(&app, "Partner"));
    let (owner_editor, owner_admin) = (create_key(&app, &owner, "EDITOR"), create_key(&app, &owner, "ADMIN"));
    let partner_editor = create_key(&app, &partner, "EDITOR");
    let import = "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) {
        committed created updated unchanged rejected problems { field reason } } }";
    for access in ["READ", "EDIT"] {
        let name = format!("Guessed Location {access}");
        let defender = create(
            &app,
            &owner_editor,
            CREATE_DEFENDER,
            "createDefender",
            json!({ "name": name, "countryCode": "PE", "visibility": "PRIVATE", "exactLocation": "CANARY-LOC-7" }),
        )
        .await;
        data(
            &app,
            Some(&owner_admin),
            SHARE,
            json!({ "input": { "recordId": defender, "organisationId": partner, "access": access, "confidential": false } }),
        )
        .await;
        let mut answers = Vec::new();
        for guess in ["CANARY-LOC-7", "somewhere else"] {
            let csv =
                format!("external_id,id,name,country_code,exact_location\nD-{access},{defender},{name},PE,{guess}\n");
            let jsonl = json!({ "type": "defender", "externalId": format!("J-{access}"), "id": defender,
                                "name": name, "countryCode": "PE", "exactLocation": guess })
            .to_string();
            for (format, data) in [("CSV", csv), ("JSON_LINES", jsonl)] {
                let input = json!({ "format": format, "recordType": "DEFENDER", "data": data, "dryRun": true });
                let mut body = ask(&app, Some(&partner_editor), import, json!({ "input": input })).await;
                // Each request has its own id; nothing else may differ.
                for error in body["errors"].as_array_mut().into_iter().flatten() {
                    error["extensions"].as_object_mut().map(|ext| ext.remove("requestId"));
                }
                answers.push((format, body));
            }
        }
        assert_eq!(answers[0], answers[2], "CSV answers depend on the confidential value ({access})");
        assert_eq!(answers[1], answers[3], "JSON Lines answers depend on the confidential value ({access})");
    }
});

engine_tests!(search_scores_ignore_hidden_records, |app: TestApp| async move {
    let owner = create_org(&app, "Owner");
    let (other, editor) = (create_org(&app, "Other"), create_key(&app, &owner, "EDITOR"));
    let reader = create_key(&app, &other, "READER");
    let query = r#"{ search(query: "zephyrine", first: 20) { totalCount edges { score cursor node { ... on Defender { name } } } } }"#;
    for (i, visibility) in ["PUBLIC", "PARTNERS"].iter().enumerate() {
        create(
            &app,
            &editor,
            CREATE_DEFENDER,
            "createDefender",
            json!({ "name": format!("Zephyrine Case {i}"), "countryCode": "PE", "visibility": visibility, "consent": "GIVEN",
                    "summary": "zephyrine zephyrine marches" }),
        )
        .await;
    }
    let before = (data(&app, None, query, json!({})).await, data(&app, Some(&reader), query, json!({})).await);
    assert_eq!(before.0["search"]["totalCount"], 1);
    assert_eq!(before.1["search"]["totalCount"], 2);
    for i in 0..5 {
        create(
            &app,
            &editor,
            CREATE_DEFENDER,
            "createDefender",
            json!({ "name": format!("Zephyrine Hidden {i}"), "countryCode": "PE", "visibility": "PRIVATE",
                    "summary": "zephyrine" }),
        )
        .await;
    }
    let after = (data(&app, None, query, json!({})).await, data(&app, Some(&reader), query, json!({})).await);
    assert_eq!(before, after, "scores moved with records the viewers cannot see");
});

engine_tests!(verdicts_count_for_the_judging_organisation_only, |app: TestApp| async move {
    let (first, second) = (create_org(&app, "First"), create_org(&app, "Second"));
    let (first_editor, second_editor) = (create_key(&app, &first, "EDITOR"), create_key(&app, &second, "EDITOR"));
    let new = |name: &str| json!({ "name": name, "countryCode": "PE", "visibility": "PARTNERS" });
    let a = create(&app, &first_editor, CREATE_DEFENDER, "createDefender", new("Mohammed Yusuf Haddad")).await;
    let b = create(&app, &second_editor, CREATE_DEFENDER, "createDefender", new("Muhammad Yusuf Hadad")).await;
    let candidates = "query ($id: ID!) { duplicateCandidates(recordType: DEFENDER, recordId: $id, minScore: 0.1) { judgement first { id } second { id } } }";
    let before = data(&app, Some(&second_editor), candidates, json!({ "id": a })).await;
    assert_eq!(before["duplicateCandidates"].as_array().unwrap().len(), 1, "{before}");
    data(
        &app,
        Some(&first_editor),
        "mutation ($input: JudgeDuplicateInput!) { judgeDuplicate(input: $input) { verdict } }",
        json!({ "input": { "recordType": "DEFENDER", "firstId": a, "secondId": b, "verdict": "DIFFERENT" } }),
    )
    .await;
    let after = data(&app, Some(&second_editor), candidates, json!({ "id": a })).await;
    assert_eq!(before, after, "another organisation's verdict changed this one's candidates");
    let judged = data(&app, Some(&first_editor), candidates, json!({ "id": a })).await;
    assert_eq!(judged["duplicateCandidates"], json!([]), "the judging organisation no longer sees the pair");
});

engine_tests!(public_defenders_need_consent_in_the_database, |app: TestApp| async move {
    let owner = create_org(&app, "Owner");
    let editor = create_key(&app, &owner, "EDITOR");
    let new = |name: &str, visibility: &str| json!({ "name": name, "countryCode": "PE", "visibility": visibility, "consent": "GIVEN" });
    let survivor = create(&app, &editor, CREATE_DEFENDER, "createDefender", new("Public Survivor", "PUBLIC")).await;
    let absorbed = create(&app, &editor, CREATE_DEFENDER, "createDefender", new("Private Absorbed", "PRIVATE")).await;
    let merge = "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { visibility version } } }";
    let merged =
        data(&app, Some(&editor), merge, json!({ "input": { "survivorId": survivor, "absorbedId": absorbed } })).await;
    assert_eq!(merged["mergeDefenders"]["defender"]["visibility"], "PRIVATE");
    let version = merged["mergeDefenders"]["defender"]["version"].clone();
    let update = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
    data(
        &app,
        Some(&editor),
        update,
        json!({ "input": { "id": survivor, "expectedVersion": version, "consent": "WITHDRAWN" } }),
    )
    .await;
    let unmerge =
        "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) { survivor { visibility consent } } }";
    let undone = data(&app, Some(&editor), unmerge, json!({ "input": { "absorbedId": absorbed } })).await;
    assert_eq!(undone["unmergeDefender"]["survivor"], json!({ "visibility": "PRIVATE", "consent": "WITHDRAWN" }));
    // No code path can store the contradiction: the database refuses it.
    let sql = "UPDATE defender SET visibility = 'PUBLIC' WHERE name = 'Public Survivor'";
    let refused = app.db.execute_unprepared(sql).await;
    assert!(refused.is_err(), "PUBLIC without consent was stored");
});

engine_tests!(statistics_end_and_dates_stay_in_range, |app: TestApp| async move {
    let owner = create_org(&app, "Owner");
    let editor = create_key(&app, &owner, "EDITOR");
    let far = ask(
        &app,
        Some(&editor),
        CREATE_DEFENDER,
        json!({ "input": { "name": "Far Future", "countryCode": "PE", "events": [{ "kind": "ARREST", "occurredOn": "9999" }] } }),
    )
    .await;
    assert_eq!(far["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{far}");
    assert!(far["errors"][0]["message"].as_str().unwrap().contains("1700 to 2100"), "{far}");
    // A date stored before the range was enforced: the series ends, and a
    // series too long for a chart is refused with advice.
    let id = create(
        &app,
        &editor,
        CREATE_DEFENDER,
        "createDefender",
        json!({ "name": "Old Row", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN",
                "events": [{ "kind": "ARREST", "occurredOn": "2015" }, { "kind": "ARREST", "occurredOn": "2016" }] }),
    )
    .await;
    let _ = id;
    app.db.execute_unprepared("UPDATE case_event SET occurred_on = '9999' WHERE occurred_on = '2016'").await.unwrap();
    let series = "{ statistics { defenders { caseEventsOverTime(interval: YEAR) { key count } } } }";
    let body = tokio::time::timeout(std::time::Duration::from_secs(30), ask(&app, None, series, json!({})))
        .await
        .expect("a series with a far date ends");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "interval", "{body}");
    let months = "{ statistics { defenders { caseEventsOverTime(interval: MONTH) { key } } } }";
    app.db.execute_unprepared("UPDATE case_event SET occurred_on = '2016' WHERE occurred_on = '9999'").await.unwrap();
    let body = ask(&app, None, months, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
});

engine_tests!(control_characters_are_refused_everywhere, |app: TestApp| async move {
    let owner = create_org(&app, "Owner");
    let editor = create_key(&app, &owner, "EDITOR");
    for name in ["Ana\u{0}Maria", "Ana\u{7}", "Ana\u{85}"] {
        let body =
            ask(&app, Some(&editor), CREATE_DEFENDER, json!({ "input": { "name": name, "countryCode": "PE" } })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("control character"), "{body}");
    }
    let body = ask(&app, None, r#"{ search(query: "ana\u0000") { totalCount } }"#, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "query", "{body}");
    let body = ask(
        &app,
        Some(&editor),
        CREATE_DEFENDER,
        json!({ "input": { "name": "Multi-line Summary", "countryCode": "PE", "summary": "one\ntwo\tthree" } }),
    )
    .await;
    assert!(body.get("errors").is_none(), "line breaks and tabs are text: {body}");
    // Files imported from the command line are checked row by row.
    let dir = std::env::temp_dir().join(format!("control-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("defenders.csv");
    std::fs::write(&file, "external_id,name,country_code\nC-1,Bad\u{1b}Name,PE\n").unwrap();
    let (ok, _, err) = common::cli(&app, &["import", "--org", &owner, "--format", "csv", file.to_str().unwrap()]);
    assert!(!ok && err.contains("control character"), "{err}");
    std::fs::remove_dir_all(dir).ok();
});
