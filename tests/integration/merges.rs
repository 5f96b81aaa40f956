//! Duplicate candidates across spellings, judgements, and merges that keep
//! both contributions and can be undone, within what each viewer may see.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const CANDIDATES: &str = "query ($type: MergeableType!, $record: ID, $min: Float) {
    duplicateCandidates(recordType: $type, recordId: $record, minScore: $min, first: 100) {
      score reasons judgement
      first { id ... on Defender { name } ... on Organisation { name } }
      second { id ... on Defender { name } ... on Organisation { name } } } }";
const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
const JUDGE: &str = "mutation ($input: JudgeDuplicateInput!) { judgeDuplicate(input: $input) { verdict } }";
const MERGE: &str =
    "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id name mergedIds } } }";
const UNMERGE: &str = "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) {
    defender { id name } survivor { id name mergedIds } } }";
const READ: &str = "query ($id: ID!) { node(id: $id) { id ... on Defender {
    name visibility mergedIds otherNames { name }
    events { totalCount nodes { description } }
    affiliations { nodes { organisation { name } } }
    auditLog { nodes { action } } } } }";

async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let (_, body) = post_as(app, Some(key), CREATE, json!({ "input": input })).await;
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn candidates(app: &TestApp, key: Option<&str>, record: Option<&str>) -> Value {
    let (_, body) = post_as(app, key, CANDIDATES, json!({ "type": "DEFENDER", "record": record, "min": 0.5 })).await;
    body
}

fn pairs(body: &Value) -> Vec<(String, String, f64)> {
    body["data"]["duplicateCandidates"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| {
            let mut names =
                [c["first"]["name"].as_str().unwrap().to_owned(), c["second"]["name"].as_str().unwrap().to_owned()];
            names.sort();
            let [a, b] = names;
            (a, b, c["score"].as_f64().unwrap())
        })
        .collect()
}

engine_tests!(candidates_match_spellings_within_what_the_viewer_sees, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Gulf Watch"), create_org(&app, "Andes Watch"));
    let (key_a, key_b) = (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"));
    // The sample data holds "Mohammad al-Qahtani" (Saudi Arabia) and "Máxima Acuña" (Peru).
    for (name, country) in [("Mohammed Al Qahtani", "SA"), ("AL-QAHTANI, Muhammad", "SA"), ("Alqahtani Mohamed", "EG")]
    {
        create(&app, &key_a, json!({ "name": name, "countryCode": country })).await;
    }
    create(&app, &key_a, json!({ "name": "Unrelated Person", "countryCode": "SA" })).await;
    create(&app, &key_b, json!({ "name": "maxima acuna", "countryCode": "PE", "visibility": "PARTNERS" })).await;

    let body = candidates(&app, Some(&key_a), None).await;
    let found = pairs(&body);
    let has = |x: &str, y: &str| found.iter().any(|(a, b, _)| (a == x && b == y) || (a == y && b == x));
    assert!(has("Mohammad al-Qahtani", "Mohammed Al Qahtani"), "{found:?}");
    assert!(has("Mohammad al-Qahtani", "AL-QAHTANI, Muhammad"), "{found:?}");
    assert!(has("Mohammed Al Qahtani", "AL-QAHTANI, Muhammad"), "{found:?}");
    assert!(has("Máxima Acuña", "maxima acuna"), "B's partner record is visible to A: {found:?}");
    assert!(!found.iter().any(|(a, b, _)| a.contains("Unrelated") || b.contains("Unrelated")));
    let scores: Vec<f64> = found.iter().map(|p| p.2).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    // A different country counts against a match.
    let egypt = found.iter().find(|(a, b, _)| a.contains("Mohamed") || b.contains("Mohamed")).map(|p| p.2);
    assert!(egypt.is_none_or(|score| score < found[0].2), "{found:?}");
    let maxima = &body["data"]["duplicateCandidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["first"]["name"] == "maxima acuna" || c["second"]["name"] == "maxima acuna")
        .unwrap()
        .clone();
    let reasons = maxima["reasons"].to_string();
    assert!(
        reasons.contains("ignoring case, accents and punctuation") && reasons.contains("same country (Peru)"),
        "{reasons}"
    );

    // B sees none of A's private records, so no pair with them.
    let seen_by_b = pairs(&candidates(&app, Some(&key_b), None).await);
    assert!(seen_by_b.iter().all(|(a, b, _)| !a.contains("Al Qahtani") && !b.contains("Al Qahtani")), "{seen_by_b:?}");
    assert!(seen_by_b.iter().any(|(a, b, _)| a == "Máxima Acuña" && b == "maxima acuna"));
    let (_, body) = post_as(&app, None, CANDIDATES, json!({ "type": "DEFENDER", "min": 0.5 })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    // A null where a value is needed is the client's to fix, and says so.
    let (_, body) = post_as(&app, Some(&key_a), CANDIDATES, json!({ "type": "DEFENDER", "min": null })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");

    // Judged different: not proposed again. Unsure: proposed, with the judgement.
    let ids = |name: &str| {
        maxima["first"]["name"].as_str().map(|_| ()).unwrap();
        let pick = if maxima["first"]["name"] == name { &maxima["first"] } else { &maxima["second"] };
        pick["id"].clone()
    };
    let judge = |verdict: &str| json!({ "input": { "recordType": "DEFENDER", "firstId": ids("Máxima Acuña"), "secondId": ids("maxima acuna"), "verdict": verdict } });
    let (_, body) = post_as(&app, Some(&key_a), JUDGE, judge("UNSURE")).await;
    assert_eq!(body["data"]["judgeDuplicate"]["verdict"], "UNSURE", "{body}");
    let body = candidates(&app, Some(&key_a), Some(ids("maxima acuna").as_str().unwrap())).await;
    assert_eq!(body["data"]["duplicateCandidates"][0]["judgement"], "UNSURE", "{body}");
    assert_eq!(body["data"]["duplicateCandidates"].as_array().unwrap().len(), 1, "only that record's candidates");
    post_as(&app, Some(&key_a), JUDGE, judge("DIFFERENT")).await;
    assert!(
        !pairs(&candidates(&app, Some(&key_a), None).await)
            .iter()
            .any(|(a, b, _)| a == "Máxima Acuña" && b == "maxima acuna")
    );
    // A's verdict is A's: B's candidates stay as they were.
    assert!(
        pairs(&candidates(&app, Some(&key_b), None).await)
            .iter()
            .any(|(a, b, _)| a == "Máxima Acuña" && b == "maxima acuna")
    );
});

engine_tests!(merge_moves_links_and_history_and_unmerge_restores_them, |app: TestApp| async move {
    let (a, b, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Partner B"), create_org(&app, "Unrelated C"));
    let (key_a, key_b, key_c) =
        (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "ADMIN"), create_key(&app, &c, "EDITOR"));
    let survivor = create(
        &app,
        &key_a,
        json!({ "name": "Mohammed al-Qahtani", "countryCode": "SA", "visibility": "PARTNERS",
        "events": [{ "kind": "ARREST", "occurredOn": "2013", "description": "Arrested in Riyadh" }] }),
    )
    .await;
    let absorbed = create(
        &app,
        &key_b,
        json!({ "name": "Muhammad Alqahtani", "countryCode": "SA",
        "otherNames": [{ "name": "Abu Faisal", "kind": "NICKNAME" }], "safetyNotes": "B-SECRET",
        "events": [{ "kind": "SENTENCE", "occurredOn": "2013-03", "description": "Ten years" }],
        "affiliations": [{ "organisationId": b }] }),
    )
    .await;
    // B lets A edit its record (it stays PRIVATE).
    let (_, body) = post_as(
        &app,
        Some(&key_b),
        "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
        json!({ "input": { "recordId": absorbed, "organisationId": a, "access": "EDIT" } }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");

    let merge = json!({ "input": { "survivorId": survivor, "absorbedId": absorbed } });
    // C cannot see B's record; B may not merge into A's record.
    let (_, body) = post_as(&app, Some(&key_c), MERGE, merge.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
    let (_, body) =
        post_as(&app, Some(&key_b), MERGE, json!({ "input": { "survivorId": absorbed, "absorbedId": survivor } }))
            .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    let (_, body) = post_as(&app, Some(&key_a), MERGE, merge.clone()).await;
    assert_eq!(body["data"]["mergeDefenders"]["defender"]["mergedIds"], json!([absorbed]), "{body}");
    let (_, body) = post_as(&app, Some(&key_a), MERGE, merge.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "merging twice: {body}");

    // The absorbed id resolves to the survivor, which holds both contributions.
    let (_, body) = post_as(&app, Some(&key_a), READ, json!({ "id": absorbed })).await;
    let node = &body["data"]["node"];
    assert_eq!(
        (node["id"].as_str(), node["name"].as_str()),
        (Some(survivor.as_str()), Some("Mohammed al-Qahtani")),
        "{body}"
    );
    assert_eq!(node["events"]["totalCount"], 2);
    let others: Vec<&str> =
        node["otherNames"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert!(others.contains(&"Muhammad Alqahtani") && others.contains(&"Abu Faisal"), "{others:?}");
    assert_eq!(node["affiliations"]["nodes"][0]["organisation"]["name"], "Partner B");
    assert_eq!(node["visibility"], "PRIVATE", "the survivor takes the narrower visibility");
    let actions: Vec<&str> =
        node["auditLog"]["nodes"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "CREATE").count(),
        2,
        "the absorbed record's history moves over: {actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| **a == "MERGE").count(), 2, "{actions:?}");
    // B keeps sight of its work; C sees nothing of either now.
    let (_, body) = post_as(&app, Some(&key_b), READ, json!({ "id": absorbed })).await;
    assert_eq!(body["data"]["node"]["id"], survivor, "{body}");
    let (_, body) = post_as(&app, Some(&key_c), READ, json!({ "id": absorbed })).await;
    assert_eq!(body["data"]["node"], Value::Null);
    let (_, body) = post_as(&app, Some(&key_c), READ, json!({ "id": survivor })).await;
    assert_eq!(body["data"]["node"], Value::Null, "a private survivor is hidden from C");
    let (_, body) = post_as(
        &app,
        Some(&key_a),
        "query ($id: ID!) { node(id: $id) { ... on Defender { safetyNotes } } }",
        json!({ "id": absorbed }),
    )
    .await;
    assert_eq!(body["data"]["node"]["safetyNotes"], Value::Null, "confidential fields stay with the absorbed record");

    // Undo: each record has what it had.
    let (_, body) = post_as(&app, Some(&key_c), UNMERGE, json!({ "input": { "absorbedId": absorbed } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
    let (_, body) = post_as(&app, Some(&key_a), UNMERGE, json!({ "input": { "absorbedId": absorbed } })).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["unmergeDefender"]["survivor"]["mergedIds"], json!([]));
    let (_, body) = post_as(&app, Some(&key_a), READ, json!({ "id": survivor })).await;
    let node = &body["data"]["node"];
    assert_eq!(
        (node["events"]["totalCount"].clone(), node["visibility"].clone()),
        (json!(1), json!("PARTNERS")),
        "{body}"
    );
    assert_eq!(node["otherNames"], json!([]));
    assert_eq!(node["affiliations"]["nodes"], json!([]));
    let (_, body) = post_as(&app, Some(&key_b), READ, json!({ "id": absorbed })).await;
    let node = &body["data"]["node"];
    assert_eq!(
        (node["id"].as_str(), node["events"]["nodes"][0]["description"].as_str()),
        (Some(absorbed.as_str()), Some("Ten years")),
        "{body}"
    );
    assert_eq!(node["otherNames"], json!([{ "name": "Abu Faisal" }]));
    let actions: Vec<&str> =
        node["auditLog"]["nodes"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["CREATE", "SHARE", "MERGE", "UNMERGE"], "{body}");
    let (_, body) = post_as(&app, Some(&key_a), UNMERGE, json!({ "input": { "absorbedId": absorbed } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "nothing left to undo: {body}");
});

engine_tests!(organisations_merge_and_partners_cannot_be_absorbed, |app: TestApp| async move {
    let a = create_org(&app, "Gulf Watch");
    let key_a = create_key(&app, &a, "EDITOR");
    let create_org_record = |name: &'static str| {
        let key = key_a.clone();
        let app = &app;
        async move {
            let (_, body) = post_as(app, Some(&key), "mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
                json!({ "input": { "name": name, "kind": "NGO", "countryCode": "PE" } })).await;
            body["data"]["createOrganisation"]["organisation"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        }
    };
    let first = create_org_record("GRUFIDES").await;
    let second = create_org_record("Grufides").await;
    let defender = create(
        &app,
        &key_a,
        json!({ "name": "Member", "countryCode": "PE", "affiliations": [{ "organisationId": second }] }),
    )
    .await;
    let query = "query ($type: MergeableType!, $record: ID) { duplicateCandidates(recordType: $type, recordId: $record) { score second { id } first { id } } }";
    let (_, body) = post_as(&app, Some(&key_a), query, json!({ "type": "ORGANISATION", "record": first })).await;
    assert_eq!(body["data"]["duplicateCandidates"].as_array().map(Vec::len), Some(1), "{body}");

    let merge =
        "mutation ($input: MergeInput!) { mergeOrganisations(input: $input) { organisation { id mergedIds } } }";
    let (_, body) =
        post_as(&app, Some(&key_a), merge, json!({ "input": { "survivorId": first, "absorbedId": second } })).await;
    assert_eq!(body["data"]["mergeOrganisations"]["organisation"]["mergedIds"], json!([second]), "{body}");
    let (_, body) = post_as(&app, Some(&key_a), READ, json!({ "id": defender })).await;
    assert_eq!(body["data"]["node"]["affiliations"]["nodes"][0]["organisation"]["name"], "GRUFIDES", "{body}");
    // The partner organisation itself is a tenant, not an entry to merge away.
    let (_, body) =
        post_as(&app, Some(&key_a), merge, json!({ "input": { "survivorId": first, "absorbedId": a } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    let unmerge = "mutation ($input: UnmergeInput!) { unmergeOrganisation(input: $input) { organisation { name } } }";
    let (_, body) = post_as(&app, Some(&key_a), unmerge, json!({ "input": { "absorbedId": second } })).await;
    assert_eq!(body["data"]["unmergeOrganisation"]["organisation"]["name"], "Grufides", "{body}");
    let (_, body) = post_as(&app, Some(&key_a), READ, json!({ "id": defender })).await;
    assert_eq!(body["data"]["node"]["affiliations"]["nodes"][0]["organisation"]["name"], "Grufides");
});
