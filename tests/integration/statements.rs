//! Statements: each organisation's assertions kept side by side, proposals
//! accepted and rejected, statement-level visibility, values in several
//! languages with negotiation and fallback, and names in other scripts found
//! by search and reconciliation.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
const UPDATE: &str =
    "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
const SHARE: &str = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }";
const ADD: &str = "mutation ($input: AddStatementInput!) { addStatement(input: $input) {
    statement { id property value language status current organisation { name } source { title } locator } } }";
const ACCEPT: &str = "mutation ($id: ID!) { acceptProposal(input: { id: $id }) { statement { status current } } }";
const REJECT: &str = "mutation ($id: ID!) { rejectProposal(input: { id: $id }) { statement { status current } } }";
const READ: &str = "query ($id: ID!, $property: String) { defender(id: $id) {
    name status occupation summary version
    statements(property: $property) { property value language status current organisation { name } source { title } }
    auditLog(last: 20) { nodes { action changedFields changes { field } } } } }";

fn gid(ty: &str, uuid: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{uuid}"))
}

/// An organisation whose own record is public: anonymous readers see its statements.
fn public_org(app: &TestApp, name: &str) -> String {
    let (ok, id, err) =
        common::cli(app, &["org", "create", "--name", name, "--country", "pe", "--visibility", "PUBLIC"]);
    assert!(ok, "{err}");
    id
}

async fn data(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let (_, body) = post_as(app, key, query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

async fn error_code(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> (String, String) {
    let (_, body) = post_as(app, key, query, variables).await;
    let error = &body["errors"][0];
    (
        error["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error: {body}")).to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let data = data(app, Some(key), CREATE, json!({ "input": input })).await;
    data["createDefender"]["defender"]["id"].as_str().unwrap().to_owned()
}

/// (organisation, value, status, current) of a defender's statements of one property.
async fn stated(app: &TestApp, key: Option<&str>, id: &str, property: &str) -> Vec<(String, String, String, bool)> {
    let data = data(app, key, READ, json!({ "id": id, "property": property })).await;
    data["defender"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["organisation"]["name"].as_str().unwrap_or("").to_owned(),
                s["value"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
                s["current"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The actions of a defender's audit log; and each entry's changedFields
/// names exactly the fields of its changes.
fn actions(data: &Value) -> Vec<String> {
    let entries = data["defender"]["auditLog"]["nodes"].as_array().unwrap();
    for entry in entries {
        let fields: Vec<Value> = entry["changes"].as_array().unwrap().iter().map(|c| c["field"].clone()).collect();
        assert_eq!(entry["changedFields"], Value::Array(fields), "{entry}");
    }
    entries.iter().map(|n| n["action"].as_str().unwrap().to_owned()).collect()
}

engine_tests!(organisations_keep_their_own_assertions, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Gulf Watch"), create_org(&app, "Prison Monitor"));
    let (key_a, key_b) = (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"));
    let admin_a = create_key(&app, &a, "ADMIN");
    let id = create(
        &app,
        &key_a,
        json!({ "name": "Salma Test", "countryCode": "SA", "status": "AT_RISK", "visibility": "PRIVATE" }),
    )
    .await;
    data(&app, Some(&admin_a), SHARE, json!({ "input": { "recordId": id, "organisationId": b, "access": "EDIT" } }))
        .await;
    // B reports the arrest: the current value is the latest, and A's account stays.
    data(&app, Some(&key_b), UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "status": "DETAINED" } }))
        .await;
    let mut status = stated(&app, Some(&key_a), &id, "status").await;
    status.sort();
    assert_eq!(
        status,
        vec![
            ("Gulf Watch".into(), "AT_RISK".into(), "ASSERTED".into(), true),
            ("Prison Monitor".into(), "DETAINED".into(), "ASSERTED".into(), true),
        ]
    );
    let read = data(&app, Some(&key_b), READ, json!({ "id": id })).await;
    assert_eq!(read["defender"]["status"], "DETAINED");
    assert_eq!(actions(&read), vec!["CREATE", "SHARE", "UPDATE"]);
    assert_eq!(read["defender"]["auditLog"]["nodes"][2]["changedFields"], json!(["status"]));
    // A replaces its own value: its earlier statement is no longer current; B's is untouched.
    data(&app, Some(&key_a), UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "status": "RELEASED" } }))
        .await;
    let mut status = stated(&app, Some(&key_b), &id, "status").await;
    status.sort();
    assert_eq!(
        status,
        vec![
            ("Gulf Watch".into(), "AT_RISK".into(), "ASSERTED".into(), false),
            ("Gulf Watch".into(), "RELEASED".into(), "ASSERTED".into(), true),
            ("Prison Monitor".into(), "DETAINED".into(), "ASSERTED".into(), true),
        ]
    );
    // A statement through addStatement, with a source: the current value changes as an update would.
    let added = data(
        &app,
        Some(&key_b),
        ADD,
        json!({ "input": { "recordId": id, "property": "occupation", "value": "Lawyer" } }),
    )
    .await;
    assert_eq!(added["addStatement"]["statement"]["status"], "ASSERTED");
    let read = data(&app, Some(&key_a), READ, json!({ "id": id })).await;
    assert_eq!(
        (read["defender"]["occupation"].as_str(), read["defender"]["version"].as_i64()),
        (Some("Lawyer"), Some(4))
    );
    // The organisation filter.
    let (_, body) = post_as(
        &app,
        Some(&key_a),
        "query ($id: ID!, $org: ID) { defender(id: $id) { statements(organisation: $org) { property value } } }",
        json!({ "id": id, "org": b }),
    )
    .await;
    let properties: Vec<&str> = body["data"]["defender"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["property"].as_str().unwrap())
        .collect();
    assert_eq!(properties, vec!["occupation", "status"], "{body}");
});

engine_tests!(proposals_are_accepted_or_rejected_by_those_who_may_change_the_record, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Diaspora Network"));
    let (key_a, key_c) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let id =
        create(&app, &key_a, json!({ "name": "Proposal Case", "countryCode": "SA", "visibility": "PARTNERS" })).await;
    let propose =
        |property: &str, value: &str| json!({ "input": { "recordId": id, "property": property, "value": value } });
    let proposal = data(&app, Some(&key_c), ADD, propose("occupation", "Blogger")).await;
    let proposal = &proposal["addStatement"]["statement"];
    assert_eq!(
        (proposal["status"].as_str(), proposal["organisation"]["name"].as_str()),
        (Some("PROPOSED"), Some("Diaspora Network"))
    );
    let proposal_id = proposal["id"].as_str().unwrap().to_owned();
    let read = data(&app, Some(&key_a), READ, json!({ "id": id })).await;
    assert!(read["defender"]["occupation"].is_null(), "a proposal changes nothing: {read}");
    assert_eq!(actions(&read).last().map(String::as_str), Some("PROPOSE"));
    // The proposer may not decide; anonymous readers do not see the record, nor the proposal.
    assert_eq!(error_code(&app, Some(&key_c), ACCEPT, json!({ "id": proposal_id })).await.0, "FORBIDDEN");
    let (code, message) = error_code(&app, None, ACCEPT, json!({ "id": proposal_id })).await;
    assert_eq!(code, "UNAUTHENTICATED", "{message}");
    let accepted = data(&app, Some(&key_a), ACCEPT, json!({ "id": proposal_id })).await;
    assert_eq!(accepted["acceptProposal"]["statement"], json!({ "status": "ASSERTED", "current": true }));
    let read = data(&app, Some(&key_a), READ, json!({ "id": id })).await;
    assert_eq!(read["defender"]["occupation"], "Blogger");
    assert_eq!(actions(&read).last().map(String::as_str), Some("ACCEPT"));
    let mut occupation = stated(&app, Some(&key_a), &id, "occupation").await;
    occupation.sort();
    assert_eq!(
        occupation,
        vec![
            ("Diaspora Network".into(), "Blogger".into(), "ASSERTED".into(), true),
            ("Gulf Watch".into(), "Blogger".into(), "ASSERTED".into(), true),
        ]
    );
    // Decided once only.
    assert_eq!(error_code(&app, Some(&key_a), REJECT, json!({ "id": proposal_id })).await.0, "BAD_USER_INPUT");
    // A rejected proposal stays, marked, and changes nothing.
    let second = data(&app, Some(&key_c), ADD, propose("summary", "Wrong account")).await;
    let second_id = second["addStatement"]["statement"]["id"].as_str().unwrap().to_owned();
    let rejected = data(&app, Some(&key_a), REJECT, json!({ "id": second_id })).await;
    assert_eq!(rejected["rejectProposal"]["statement"], json!({ "status": "REJECTED", "current": false }));
    let read = data(&app, Some(&key_a), READ, json!({ "id": id, "property": "summary" })).await;
    assert!(read["defender"]["summary"].is_null());
    assert_eq!(actions(&read).last().map(String::as_str), Some("REJECT"));
    assert_eq!(read["defender"]["statements"][0]["status"], "REJECTED");
    // Values of lists are proposed too, and added when accepted; a value
    // the list could not take is refused at once.
    let other_name = data(
        &app,
        Some(&key_c),
        ADD,
        json!({ "input": { "recordId": id, "property": "otherName", "value": "حالة الاقتراح", "language": "ar" } }),
    )
    .await;
    let other_name = &other_name["addStatement"]["statement"];
    assert_eq!(other_name["status"], "PROPOSED", "{other_name}");
    let sector = data(&app, Some(&key_c), ADD, propose("sector", "JOURNALISM")).await;
    let sector_id = sector["addStatement"]["statement"]["id"].as_str().unwrap().to_owned();
    let names = "query ($id: ID!) { defender(id: $id) { otherNames { name kind language } sectors version } }";
    let before = data(&app, Some(&key_a), names, json!({ "id": id })).await;
    assert_eq!(before["defender"]["otherNames"], json!([]), "a proposal adds nothing: {before}");
    data(&app, Some(&key_a), ACCEPT, json!({ "id": other_name["id"] })).await;
    data(&app, Some(&key_a), REJECT, json!({ "id": sector_id })).await;
    let after = data(&app, Some(&key_a), names, json!({ "id": id })).await;
    assert_eq!(
        after["defender"]["otherNames"],
        json!([{ "name": "حالة الاقتراح", "kind": "ALIAS", "language": "ar" }]),
        "{after}"
    );
    assert_eq!(after["defender"]["sectors"], before["defender"]["sectors"]);
    assert_eq!(after["defender"]["version"].as_i64(), before["defender"]["version"].as_i64().map(|v| v + 1));
    let read = data(&app, Some(&key_a), READ, json!({ "id": id, "property": "otherName" })).await;
    assert_eq!(actions(&read).iter().rev().take(3).collect::<Vec<_>>(), ["REJECT", "ACCEPT", "PROPOSE"]);
    // Links and case events: an affiliation with an organisation the
    // proposer may see (by global id), a case event as its statement
    // states one; accepted, the defender has them.
    let org_c = data(&app, Some(&key_c), "{ organisations(first: 50) { nodes { id name } } }", json!({})).await;
    let diaspora = org_c["organisations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Diaspora Network")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = json!({ "kind": "ARREST", "occurredOn": "2024-03", "description": "Arrested at the airport" });
    let link_proposals = [propose("affiliation", &diaspora), propose("caseEvent", &event.to_string())];
    let case = "query ($id: ID!) { defender(id: $id) { affiliations(first: 5) { nodes { organisation { name } role } }
        events(first: 5) { nodes { kind occurredOn description } } version } }";
    let before = data(&app, Some(&key_a), case, json!({ "id": id })).await;
    for proposal in link_proposals {
        let proposed = data(&app, Some(&key_c), ADD, proposal).await;
        assert_eq!(proposed["addStatement"]["statement"]["status"], "PROPOSED", "{proposed}");
        data(&app, Some(&key_a), ACCEPT, json!({ "id": proposed["addStatement"]["statement"]["id"] })).await;
    }
    let after = data(&app, Some(&key_a), case, json!({ "id": id })).await;
    assert_eq!(
        after["defender"]["affiliations"]["nodes"],
        json!([{ "organisation": { "name": "Diaspora Network" }, "role": null }]),
        "{after}"
    );
    assert_eq!(
        after["defender"]["events"]["nodes"],
        json!([{ "kind": "ARREST", "occurredOn": "2024-03", "description": "Arrested at the airport" }])
    );
    assert_eq!(after["defender"]["version"].as_i64(), before["defender"]["version"].as_i64().map(|v| v + 2));
    // The documented example, as written.
    let docs = include_str!("../../docs/statements.md");
    let example = docs.split("```graphql\n").find(|block| block.contains("proposeAffiliation")).unwrap();
    let example = example.split("\n```").next().unwrap();
    let proposed = data(&app, Some(&key_c), example, json!({ "defenderId": id, "organisationId": diaspora })).await;
    assert_eq!(proposed["proposeEvent"]["statement"]["status"], "PROPOSED", "{proposed}");
    assert_eq!(proposed["proposeAffiliation"]["statement"]["status"], "PROPOSED", "{proposed}");
    // A link to a record the proposer may not see is refused exactly as one
    // to a record that does not exist.
    let (ok, hidden_org, err) =
        common::cli(&app, &["org", "create", "--name", "Private Contacts", "--visibility", "PRIVATE"]);
    assert!(ok, "{err}");
    let missing_org = gid("Organisation", uuid::Uuid::now_v7());
    let mut refusals = Vec::new();
    for value in [&missing_org, &hidden_org] {
        let (_, body) = post_as(&app, Some(&key_c), ADD, propose("affiliation", value)).await;
        let mut error = body["errors"][0].clone();
        error["extensions"].as_object_mut().unwrap().remove("requestId");
        refusals.push(error);
    }
    assert_eq!(refusals[0]["extensions"]["argument"], "value", "{refusals:?}");
    assert_eq!(refusals[0], refusals[1]);
    for (input, argument) in [
        (propose("sector", "SPACE")["input"].clone(), "value"),
        (propose("affiliation", &gid("Defender", uuid::Uuid::now_v7()))["input"].clone(), "value"),
        (propose("caseEvent", "{\"kind\": \"PICNIC\"}")["input"].clone(), "value"),
        (propose("caseEvent", "{\"occurredOn\": \"2024\"}")["input"].clone(), "value"),
    ] {
        let (_, body) = post_as(&app, Some(&key_c), ADD, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{body}");
    }
    // Bad input: an unknown property, a list, a language for a code, a bad tag.
    for (input, argument) in [
        (json!({ "recordId": id, "property": "colour", "value": "x" }), "property"),
        (json!({ "recordId": id, "property": "otherName", "value": "x" }), "value"),
        (json!({ "recordId": id, "property": "status", "value": "DETAINED", "language": "es" }), "language"),
        (json!({ "recordId": id, "property": "name", "value": "x", "language": "not a tag" }), "language"),
        (json!({ "recordId": id, "property": "name", "value": "x", "locator": "p. 4" }), "locator"),
    ] {
        let (_, body) = post_as(&app, Some(&key_a), ADD, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{body}");
    }
});

engine_tests!(statements_follow_what_the_viewer_may_see, |app: TestApp| async move {
    let a = public_org(&app, "Gulf Watch");
    let key_a = create_key(&app, &a, "EDITOR");
    let other = create_org(&app, "Another Partner");
    let key_other = create_key(&app, &other, "EDITOR");
    let id = create(
        &app,
        &key_a,
        json!({ "name": "Public Person", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" }),
    )
    .await;
    let (_, body) = post_as(
        &app,
        Some(&key_a),
        "mutation { createSource(input: { title: \"Private interview notes\", visibility: PRIVATE }) { source { id } } }",
        json!({}),
    )
    .await;
    let source = body["data"]["createSource"]["source"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let spanish = json!({ "input": { "recordId": id, "property": "name", "value": "Persona Pública", "language": "es",
                                      "sourceId": source, "locator": "p. 4" } });
    let added = data(&app, Some(&key_a), ADD, spanish).await;
    assert_eq!(added["addStatement"]["statement"]["source"]["title"], "Private interview notes");
    let query = "query ($id: ID!) { defender(id: $id) { name(language: \"es\") nameLanguage(language: \"es\")
                 statements(property: \"name\") { value language }
                 auditLog(first: 10) { totalCount nodes { action changedFields } } } }";
    let owner = data(&app, Some(&key_a), query, json!({ "id": id })).await;
    assert_eq!(owner["defender"]["name"], "Persona Pública");
    // To those who may not see the source, the statement does not exist:
    // they get exactly what a record without it gives.
    let twin = create(
        &app,
        &key_a,
        json!({ "name": "Public Person", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" }),
    )
    .await;
    for key in [None, Some(key_other.as_str())] {
        let seen = data(&app, key, query, json!({ "id": id })).await;
        let without = data(&app, key, query, json!({ "id": twin })).await;
        assert_eq!(seen, without, "{key:?}");
        assert_eq!(seen["defender"]["name"], "Public Person");
        assert_eq!(seen["defender"]["statements"], json!([{ "value": "Public Person", "language": null }]));
        assert_eq!(seen["defender"]["auditLog"]["totalCount"], 1, "the statement's entry is not theirs: {seen}");
        // Nor is it in their change feed.
        let feed =
            data(&app, key, "{ changes(first: 100) { edges { node { operation recordId } } } }", json!({})).await;
        let told: Vec<&Value> = feed["changes"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|edge| edge["node"]["recordId"] == json!(id))
            .collect();
        assert_eq!(told.len(), 1, "{key:?}: {told:?}");
    }
    let owner_log = &owner["defender"]["auditLog"];
    assert_eq!(owner_log["totalCount"], 2, "the owner sees its statement's entry: {owner_log}");
    // The statements export: FollowTheMoney's columns, and only what the viewer may see.
    let export = |org: Option<&str>| {
        let mut args = vec!["export", "--format", "statements"];
        if let Some(org) = org {
            args.extend(["--org", org]);
        }
        let (ok, out, err) = common::cli(&app, &args);
        assert!(ok, "{err}");
        out
    };
    let (owner_csv, public_csv) = (export(Some(&a)), export(None));
    assert_eq!(
        owner_csv.lines().next(),
        Some("id,entity_id,canonical_id,prop,prop_type,schema,value,dataset,lang,original_value,first_seen,last_seen")
    );
    let spanish_row =
        owner_csv.lines().find(|l| l.contains("Persona Pública")).expect("the owner exports its statement");
    assert!(spanish_row.contains(&format!("{id},{id},name,name,Person,Persona Pública,{a},es,,")), "{spanish_row}");
    assert!(!public_csv.contains("Persona Pública"), "{public_csv}");
    assert!(public_csv.contains(&format!("{id},{id},name,name,Person,Public Person,{a},,,")), "{public_csv}");
    // A proposal on a record the proposer may not see is refused exactly as on one that does not exist.
    let private =
        create(&app, &key_a, json!({ "name": "Private Person", "countryCode": "PE", "visibility": "PRIVATE" })).await;
    let hidden = error_code(
        &app,
        Some(&key_other),
        ADD,
        json!({ "input": { "recordId": private, "property": "summary", "value": "x" } }),
    )
    .await;
    let missing_id = gid("Defender", uuid::Uuid::now_v7());
    let missing = error_code(
        &app,
        Some(&key_other),
        ADD,
        json!({ "input": { "recordId": missing_id, "property": "summary", "value": "x" } }),
    )
    .await;
    assert_eq!(hidden.0, "NOT_FOUND");
    assert_eq!(hidden.0, missing.0);
    assert_eq!(
        hidden.1.replace(&common::uuid_of(&private).to_string(), "ID"),
        missing.1.replace(&common::uuid_of(&missing_id).to_string(), "ID")
    );
    // A proposal on a private record, seen by its owner only.
    let proposal = data(
        &app,
        Some(&key_a),
        ADD,
        json!({ "input": { "recordId": private, "property": "summary", "value": "x", "language": "es" } }),
    )
    .await;
    let statement = proposal["addStatement"]["statement"]["id"].as_str().unwrap().to_owned();
    let hidden = error_code(&app, Some(&key_other), ACCEPT, json!({ "id": statement })).await;
    let missing =
        error_code(&app, Some(&key_other), ACCEPT, json!({ "id": gid("Statement", uuid::Uuid::now_v7()) })).await;
    assert_eq!(hidden.0, "NOT_FOUND");
    assert_eq!(hidden.0, missing.0);
});

const NAMES: &str = "query ($id: ID!, $language: String) { defender(id: $id) {
    name(language: $language) nameLanguage(language: $language) } }";

engine_tests!(languages_are_negotiated_with_a_documented_fallback, |app: TestApp| async move {
    let a = public_org(&app, "Uyghur Rights");
    let key = create_key(&app, &a, "EDITOR");
    let id = create(
        &app,
        &key,
        json!({ "name": "Ilham Tohti", "countryCode": "CN", "visibility": "PUBLIC", "consent": "GIVEN" }),
    )
    .await;
    for (value, language) in [("ئىلھام توختى", "ug"), ("伊力哈木·土赫提", "zh-hans"), ("Ilham Tohti", "en")]
    {
        let added = data(
            &app,
            Some(&key),
            ADD,
            json!({ "input": { "recordId": id, "property": "name", "value": value, "language": language } }),
        )
        .await;
        assert_eq!(added["addStatement"]["statement"]["status"], "ASSERTED");
    }
    let name = |data: Value| {
        (
            data["defender"]["name"].as_str().unwrap().to_owned(),
            data["defender"]["nameLanguage"].as_str().map(str::to_owned),
        )
    };
    for (language, expected, tag) in [
        ("ug", "ئىلھام توختى", Some("ug")),
        ("zh", "伊力哈木·土赫提", Some("zh-Hans")),
        ("zh-Hans-CN", "伊力哈木·土赫提", Some("zh-Hans")),
        ("fr", "Ilham Tohti", Some("en")),
    ] {
        let got = name(data(&app, None, NAMES, json!({ "id": id, "language": language })).await);
        assert_eq!(got, (expected.to_owned(), tag.map(str::to_owned)), "{language}");
    }
    // Accept-Language, when no argument is given; the argument wins over it.
    for (header, expected) in
        [("ug, en;q=0.5", "ئىلھام توختى"), ("fr-CH, fr;q=0.9, zh;q=0.8", "伊力哈木·土赫提"), ("de", "Ilham Tohti")]
    {
        let body: Value = app
            .client
            .post(app.url("/graphql"))
            .header("accept-language", header)
            .json(&json!({ "query": NAMES, "variables": { "id": id } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["defender"]["name"], expected, "{header}: {body}");
    }
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .header("accept-language", "ug")
        .json(&json!({ "query": NAMES, "variables": { "id": id, "language": "zh" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["defender"]["name"], "伊力哈木·土赫提", "{body}");
    let (code, message) = error_code(&app, None, NAMES, json!({ "id": id, "language": "zh_" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
});

engine_tests!(names_in_other_scripts_are_found, |app: TestApp| async move {
    let a = create_org(&app, "Uyghur Rights");
    let key = create_key(&app, &a, "EDITOR");
    create(
        &app,
        &key,
        json!({ "name": "Ilham Tohti", "countryCode": "CN", "visibility": "PUBLIC", "consent": "GIVEN",
                "otherNames": [{ "name": "ئىلھام توختى", "kind": "NATIVE_NAME", "language": "ug" },
                               { "name": "伊力哈木·土赫提", "kind": "TRANSLITERATION", "language": "zh-Hans" }] }),
    )
    .await;
    let search = "query ($q: String!) { search(query: $q, first: 5) { nodes { ... on Defender { name } } } }";
    for query in ["ئىلھام توختى", "伊力哈木·土赫提", "ئىلھام"] {
        let found = data(&app, None, search, json!({ "q": query })).await;
        assert_eq!(found["search"]["nodes"][0]["name"], "Ilham Tohti", "{query}: {found}");
    }
    let matched =
        "query ($q: String!) { match(query: $q, types: [DEFENDER]) { match record { ... on Defender { name } } } }";
    for query in ["ئىلھام توختى", "伊力哈木·土赫提"] {
        let found = data(&app, None, matched, json!({ "q": query })).await;
        assert_eq!(found["match"][0]["record"]["name"], "Ilham Tohti", "{query}: {found}");
        assert_eq!(found["match"][0]["match"], true, "{query}: {found}");
    }
});

/// A database of today's schema before statements, filled by the synthetic
/// generator, migrated: every record gets its contributor's statements of
/// its current values, and reads give what they gave before.
async fn migrates_a_synthetic_database(engine: common::Engine) {
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
    let app = TestApp::spawn_configured(engine, |settings| {
        settings.skip_sample_data = true;
        settings.cache.response_cache_mib = 0;
    })
    .await;
    let (ok, _, err) = common::cli(&app, &["seed", "synthetic", "--defenders", "300", "--seed", "11"]);
    assert!(ok, "{err}");
    const READ: &str = "{ defenders(first: 20) { totalCount nodes { id name status occupation otherNames { name } } }
        restrictions(first: 5) { totalCount nodes { title status } } campaigns(first: 5) { totalCount nodes { title } } }";
    let before = app.data(READ).await;
    // Back to the schema before statements: migration 19 and any after it.
    let from_statements = migration::Migrator::migrations().len() as u32 - 18;
    migration::Migrator::down(&app.db, Some(from_statements)).await.expect("migrations undone");
    let backend = app.db.get_database_backend();
    let tables = match backend {
        sea_orm::DatabaseBackend::Postgres => "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'statement'",
        _ => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'statement'",
    };
    let count = |row: Option<sea_orm::QueryResult>| row.unwrap().try_get_by_index::<i64>(0).unwrap();
    assert_eq!(count(app.db.query_one_raw(Statement::from_string(backend, tables)).await.unwrap()), 0);

    // `rights-graph migrate` migrates it and files the statements, ahead of
    // any server (which would do the same at its start).
    let (ok, _, err) = common::cli(&app, &["migrate"]);
    assert!(ok, "{err}");
    let records = entity::defender::Entity::find().count(&app.db).await.unwrap()
        + entity::restriction::Entity::find().count(&app.db).await.unwrap()
        + entity::campaign::Entity::find().count(&app.db).await.unwrap();
    let stated = "SELECT COUNT(DISTINCT record_id) FROM statement";
    let stated = count(app.db.query_one_raw(Statement::from_string(backend, stated)).await.unwrap());
    assert_eq!(stated as u64, records, "every record has statements");
    let names = "SELECT COUNT(*) FROM statement s JOIN defender d ON d.id = s.record_id
        WHERE s.property = 'name' AND s.value = d.name AND s.current";
    let names = count(app.db.query_one_raw(Statement::from_string(backend, names)).await.unwrap());
    assert_eq!(names, 300, "each defender's name is stated as it stands");
    // Migration 21 gives the link statements already filed the record they
    // name, as a column of the ids' own type.
    migration::Migrator::down(&app.db, Some(1)).await.expect("migration 21 undone");
    migration::Migrator::up(&app.db, None).await.expect("migration 21 done again");
    let query = |sql: &str| {
        let db = app.db.clone();
        let sql = sql.to_owned();
        async move { count(db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap()) }
    };
    let affiliations = query("SELECT COUNT(*) FROM statement WHERE property = 'affiliation'").await;
    let linked = query(
        "SELECT COUNT(*) FROM statement s WHERE s.property = 'affiliation' AND EXISTS (SELECT 1 FROM affiliation a
         WHERE a.defender_id = s.record_id AND a.organisation_id = s.linked_id)",
    )
    .await;
    assert!(affiliations > 0 && linked == affiliations, "{linked} of {affiliations} affiliations linked");
    let unlinked = query(
        "SELECT COUNT(*) FROM statement WHERE linked_id IS NULL AND property IN
         ('affiliation', 'restriction', 'leadOrganisation', 'defender')",
    )
    .await;
    assert_eq!(unlinked, 0);
    let again = app.start_again_with(|settings| settings.cache.response_cache_mib = 0).await;
    drop(again);
    assert_eq!(app.data(READ).await, before, "reads give what they gave before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrates_a_synthetic_database_sqlite() {
    migrates_a_synthetic_database(common::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrates_a_synthetic_database_postgres() {
    migrates_a_synthetic_database(common::Engine::Postgres).await;
}

engine_tests!(organisations_import_their_own_statements, |app: TestApp| async move {
    let a = public_org(&app, "Gulf Watch");
    let b = create_org(&app, "Diaspora Network");
    let key_a = create_key(&app, &a, "EDITOR");
    let dir = std::env::temp_dir().join(format!("rights-graph-statements-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let import = |org: &str, format: &str, path: &str| {
        let (ok, _, err) = common::cli(&app, &["import", "--org", org, "--format", format, path]);
        (ok, err)
    };
    // The documented JSON Lines example: a record, and its name in another script.
    let docs = include_str!("../../docs/statements.md");
    let example = docs.split("```json\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap();
    let example = write("example.jsonl", example);
    let (ok, out) = import(&a, "jsonl", &example);
    assert!(ok && out.contains("2 created, 0 updated"), "{out}");
    // The sample data has an Ilham Tohti too: this one is Gulf Watch's.
    let listed = data(
        &app,
        Some(&key_a),
        "{ defenders(first: 100) { nodes { id statements(property: \"name\") { organisation { name } } } } }",
        json!({}),
    )
    .await;
    let ours = |node: &&Value| node["statements"][0]["organisation"]["name"] == "Gulf Watch";
    let nodes = listed["defenders"]["nodes"].as_array().unwrap();
    let id = nodes.iter().find(ours).unwrap_or_else(|| panic!("{listed}"))["id"].as_str().unwrap().to_owned();
    let query = "query ($id: ID!) { defender(id: $id) { name name_zh: name(language: \"zh-Hans\")
                 statements(property: \"name\") { value language status organisation { name } } } }";
    let read = data(&app, Some(&key_a), query, json!({ "id": id })).await;
    assert_eq!(read["defender"]["name"], "Ilham Tohti");
    assert_eq!(read["defender"]["name_zh"], "伊力哈木·土赫提", "{read}");
    assert!(
        read["defender"]["statements"].as_array().unwrap().contains(&json!({ "value": "伊力哈木·土赫提",
            "language": "zh-Hans", "status": "ASSERTED", "organisation": { "name": "Gulf Watch" } })),
        "{read}"
    );
    // Imported again: the value is seen again, and nothing else changes.
    let (ok, out) = import(&a, "jsonl", &example);
    assert!(ok && out.contains("0 created, 1 updated, 1 unchanged"), "{out}");
    // An organisation that may only read the record proposes.
    let shared =
        create(&app, &key_a, json!({ "name": "Proposal Case", "countryCode": "SA", "visibility": "PARTNERS" })).await;
    let proposal = json!({ "type": "statement", "recordId": shared, "property": "occupation", "value": "Blogger" });
    let (ok, out) = import(&b, "jsonl", &write("proposal.jsonl", &proposal.to_string()));
    assert!(ok && out.contains("1 created"), "{out}");
    assert_eq!(
        stated(&app, Some(&key_a), &shared, "occupation").await,
        vec![("Diaspora Network".into(), "Blogger".into(), "PROPOSED".into(), true)]
    );
    let read = data(&app, Some(&key_a), READ, json!({ "id": shared })).await;
    assert!(read["defender"]["occupation"].is_null(), "a proposal changes nothing: {read}");
    // The organisation's own statements export imports again as its own: every
    // row, list values included, is seen again.
    let (ok, exported, err) = common::cli(&app, &["export", "--format", "statements", "--org", &a]);
    assert!(ok, "{err}");
    let rows = exported.lines().count() - 1;
    let own = exported.lines().filter(|line| line.contains(&format!(",{a},"))).count();
    assert!(exported.contains(",otherName,") && exported.contains(",sector,") && rows > own, "{exported}");
    let exported = write("statements.csv", &exported);
    let (ok, out) = import(&a, "statements", &exported);
    let others = rows - own;
    assert!(
        ok && out.contains(&format!("0 created, {own} updated, 0 unchanged, 0 rejected, {others} skipped")),
        "{out}"
    );
    // Another organisation may not state them in the first one's name.
    let (ok, out) = import(&b, "statements", &exported);
    assert!(ok && out.contains(&format!("0 created, 0 updated, 0 unchanged, 0 rejected, {rows} skipped")), "{out}");
    // A record the importer may not see is refused exactly as one that does
    // not exist; a list value only by those who may change the record, and
    // only one it holds.
    let private =
        create(&app, &key_a, json!({ "name": "Private Person", "countryCode": "PE", "visibility": "PRIVATE" })).await;
    let missing = gid("Defender", uuid::Uuid::now_v7());
    // After a first problem the rest of a file is only checked, so each
    // refusal that needs the database has a file of its own.
    let refused = |name: &str, row: Value| {
        let path = write(name, &row.to_string());
        let (ok, out) = import(&b, "jsonl", &path);
        assert!(!ok, "{name}: {out}");
        let problem = out.lines().find(|l| l.starts_with(&path)).unwrap_or_else(|| panic!("no problem: {out}"));
        problem[path.len()..].to_owned()
    };
    let summary = |id: &str| json!({ "type": "statement", "recordId": id, "property": "summary", "value": "x" });
    let hidden = refused("hidden.jsonl", summary(&private));
    let nonexistent = refused("missing.jsonl", summary(&missing));
    assert!(hidden.contains("No defender has the id"), "{hidden}");
    let uuid_of = |id: &str| {
        use base64::Engine;
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).unwrap();
        String::from_utf8(text).unwrap().split_once(':').unwrap().1.to_owned()
    };
    assert_eq!(
        hidden.replace(&private, "ID").replace(&uuid_of(&private), "UUID"),
        nonexistent.replace(&missing, "ID").replace(&uuid_of(&missing), "UUID")
    );
    let restriction = gid("Restriction", uuid::Uuid::now_v7());
    let link = json!({ "type": "statement", "recordId": shared, "property": "restriction", "value": restriction });
    let list = refused("link.jsonl", link);
    assert!(list.contains("value: names no restriction you can see"), "a link proposed to no record: {list}");
    let status = json!({ "type": "statement", "recordId": shared, "property": "status", "value": "GONE" });
    let invalid = refused("status.jsonl", status);
    assert!(invalid.contains("value: status must be one of"), "{invalid}");
    // A statements file's problems name its columns; another organisation's
    // rows are skipped, never checked.
    let bad = format!("entity_id,prop,value,dataset\n{shared},colour,x,{a}\n{shared},colour,x,{b}\n");
    let (ok, out) = import(&a, "statements", &write("bad.csv", &bad));
    assert!(!ok && out.contains("bad.csv:2 ") && out.contains(" prop: Defender has no property"), "{out}");
    assert!(!out.contains("bad.csv:3 ") && out.contains("1 rejected"), "{out}");
    let own = json!({ "type": "statement", "recordId": shared, "property": "otherName", "value": "Nobody Known" });
    let (ok, out) = import(&a, "jsonl", &write("unheld.jsonl", &own.to_string()));
    assert!(!ok && out.contains("value: otherName is a list, and the record holds no such value"), "{out}");
    assert_eq!(stated(&app, Some(&key_a), &shared, "occupation").await.len(), 1, "refused imports write nothing");
    std::fs::remove_dir_all(&dir).ok();
});

const EVENTS: &str = "query ($id: ID!, $language: String) { defender(id: $id) { events(first: 10) { nodes {
    id description(language: $language) descriptionLanguage(language: $language) } } } }";

/// (description, its language) of each of a defender's case events.
async fn described(
    app: &TestApp,
    key: Option<&str>,
    id: &str,
    language: Option<&str>,
) -> Vec<(String, Option<String>)> {
    let read = data(app, key, EVENTS, json!({ "id": id, "language": language })).await;
    read["defender"]["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["description"].as_str().unwrap().to_owned(), e["descriptionLanguage"].as_str().map(str::to_owned)))
        .collect()
}

engine_tests!(case_event_descriptions_are_given_in_other_languages, |app: TestApp| async move {
    let (a, c) = (public_org(&app, "Uyghur Rights"), create_org(&app, "Diaspora Network"));
    let (key_a, key_c) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let events = json!([
        { "kind": "ARREST", "occurredOn": "2014-01-15", "description": "Detained at his home in Beijing." },
        { "kind": "SENTENCE", "occurredOn": "2014-09-23", "description": "Sentenced to life imprisonment." },
    ]);
    let id = create(
        &app,
        &key_a,
        json!({ "name": "Event Case", "countryCode": "CN", "visibility": "PARTNERS", "events": events }),
    )
    .await;
    let read = data(&app, Some(&key_a), EVENTS, json!({ "id": id })).await;
    let event_ids: Vec<String> = read["defender"]["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let describe = |event: &str, value: &str, language: Option<&str>| json!({ "input": { "recordId": event, "property": "description", "value": value, "language": language } });
    // Stated on the event by the organisation that may change the defender.
    let added =
        data(&app, Some(&key_a), ADD, describe(&event_ids[0], "Detenido en su casa de Pekín.", Some("es"))).await;
    let statement = &added["addStatement"]["statement"];
    assert_eq!((&statement["property"], &statement["status"]), (&json!("caseEventDescription"), &json!("ASSERTED")));
    let value: Value = serde_json::from_str(statement["value"].as_str().unwrap()).unwrap();
    assert_eq!(value["description"], "Detenido en su casa de Pekín.", "{statement}");
    data(&app, Some(&key_a), ADD, describe(&event_ids[1], "Condenado a cadena perpetua.", Some("es"))).await;
    // Given in the language asked for, with fallback, and by Accept-Language.
    let original = vec![
        ("Detained at his home in Beijing.".to_owned(), None),
        ("Sentenced to life imprisonment.".to_owned(), None),
    ];
    assert_eq!(described(&app, Some(&key_a), &id, None).await, original);
    assert_eq!(described(&app, Some(&key_a), &id, Some("ug")).await, original, "no Uyghur: the description as kept");
    let spanish = vec![
        ("Detenido en su casa de Pekín.".to_owned(), Some("es".to_owned())),
        ("Condenado a cadena perpetua.".to_owned(), Some("es".to_owned())),
    ];
    assert_eq!(described(&app, Some(&key_a), &id, Some("es-MX")).await, spanish);
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", format!("Bearer {key_a}"))
        .header("accept-language", "es-ES, en;q=0.5")
        .json(&json!({ "query": EVENTS, "variables": { "id": id } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["defender"]["events"]["nodes"][1]["description"], "Condenado a cadena perpetua.", "{body}");
    // Stated again in the same language, it replaces the organisation's own
    // value for that event only.
    data(&app, Some(&key_a), ADD, describe(&event_ids[0], "Detenido en su domicilio de Pekín.", Some("es"))).await;
    let spanish_now = described(&app, Some(&key_a), &id, Some("es")).await;
    assert_eq!(spanish_now[0].0, "Detenido en su domicilio de Pekín.");
    assert_eq!(spanish_now[1].0, "Condenado a cadena perpetua.");
    let current = stated(&app, Some(&key_a), &id, "caseEventDescription").await;
    assert_eq!(current.iter().filter(|s| s.3).count(), 2, "{current:?}");
    // An organisation that may only read the defender proposes; the
    // proposal is given to no one until accepted.
    let proposal =
        data(&app, Some(&key_c), ADD, describe(&event_ids[1], "Condamné à la perpétuité.", Some("fr"))).await;
    let proposal = &proposal["addStatement"]["statement"];
    assert_eq!(proposal["status"], "PROPOSED", "{proposal}");
    assert_eq!(described(&app, Some(&key_c), &id, Some("fr")).await, original);
    data(&app, Some(&key_a), ACCEPT, json!({ "id": proposal["id"] })).await;
    let french = described(&app, Some(&key_c), &id, Some("fr")).await;
    assert_eq!(french[1], ("Condamné à la perpétuité.".to_owned(), Some("fr".to_owned())));
    // Bad input: no language, another property, an event of no such
    // defender (given as the defender's statement).
    for (input, argument) in [
        (describe(&event_ids[0], "Sin idioma", None)["input"].clone(), "language"),
        (json!({ "recordId": event_ids[0], "property": "kind", "value": "ARREST", "language": "es" }), "property"),
        (describe(&event_ids[0], "", Some("es"))["input"].clone(), "value"),
        (
            json!({ "recordId": id, "property": "caseEventDescription", "language": "es",
                    "value": json!({ "event": uuid::Uuid::now_v7(), "description": "x" }).to_string() }),
            "value.event",
        ),
        (json!({ "recordId": id, "property": "caseEventDescription", "language": "es", "value": "x" }), "value"),
    ] {
        let (_, body) = post_as(&app, Some(&key_a), ADD, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{body}");
    }
    // An event of a defender the caller may not see is not found, exactly
    // as one that does not exist.
    let private = create(
        &app,
        &key_a,
        json!({ "name": "Private Case", "countryCode": "CN", "visibility": "PRIVATE",
                "events": [{ "kind": "ARREST", "description": "Detained." }] }),
    )
    .await;
    let hidden_event = data(&app, Some(&key_a), EVENTS, json!({ "id": private })).await["defender"]["events"]["nodes"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = gid("CaseEvent", uuid::Uuid::now_v7());
    let (code, hidden) = error_code(&app, Some(&key_c), ADD, describe(&hidden_event, "x", Some("es"))).await;
    let (code_missing, nonexistent) = error_code(&app, Some(&key_c), ADD, describe(&missing, "x", Some("es"))).await;
    assert_eq!((code.as_str(), code_missing.as_str()), ("NOT_FOUND", "NOT_FOUND"));
    assert_eq!(hidden.replace(&hidden_event, "ID"), nonexistent.replace(&missing, "ID"));
    // The organisation's own export imports again as its own, and a value
    // it replaced since is not stated anew.
    let version = |read: Value| read["defender"]["version"].as_i64().unwrap();
    let before = version(data(&app, Some(&key_a), READ, json!({ "id": id })).await);
    let renamed = json!({ "input": { "id": id, "expectedVersion": before, "name": "Event Case Renamed" } });
    data(&app, Some(&key_a), UPDATE, renamed).await;
    let (ok, exported, err) = common::cli(&app, &["export", "--format", "statements", "--org", &a]);
    assert!(ok, "{err}");
    assert!(exported.contains(",caseEventDescription,json,Person,"), "{exported}");
    assert!(!exported.contains("Detenido en su casa de Pekín"), "a replaced value is history: {exported}");
    let path = std::env::temp_dir().join(format!("rights-graph-events-{}.csv", uuid::Uuid::now_v7()));
    std::fs::write(&path, &exported).unwrap();
    let (ok, _, err) = common::cli(&app, &["import", "--org", &a, "--format", "statements", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert!(ok && err.contains("0 rejected"), "{err}");
    let read = data(&app, Some(&key_a), READ, json!({ "id": id })).await;
    assert_eq!(read["defender"]["name"], "Event Case Renamed", "{read}");
    assert_eq!(described(&app, Some(&key_a), &id, Some("es")).await[0].0, "Detenido en su domicilio de Pekín.");
    // An event taken out of the case takes its descriptions with it: they
    // are no longer current, for every organisation.
    let kept = json!({ "input": { "id": id, "expectedVersion": version(read), "events": [{ "id": event_ids[0], "kind": "ARREST",
        "occurredOn": "2014-01-15", "description": "Detained at his home in Beijing." }] } });
    data(&app, Some(&key_a), UPDATE, kept).await;
    let after: Vec<(String, bool)> = stated(&app, Some(&key_a), &id, "caseEventDescription")
        .await
        .into_iter()
        .filter(|s| s.3)
        .map(|s| (s.0, s.3))
        .collect();
    assert_eq!(after, vec![("Uyghur Rights".to_owned(), true)], "only the kept event's: {after:?}");
    assert_eq!(described(&app, Some(&key_c), &id, Some("es")).await.len(), 1);
});

/// A statements file's rows without what the receiving database assigns:
/// the statement's id, the organisation's id (`dataset`) and the dates.
fn account(csv_text: &str, dataset: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap())
        .filter(|record| &record[7] == dataset)
        .map(|record| {
            record.iter().enumerate().filter(|(i, _)| ![0, 7, 10, 11].contains(i)).map(|(_, v)| v.to_owned()).collect()
        })
        .collect();
    rows.sort();
    rows
}

engine_tests!(statements_round_trip_into_a_fresh_database, |app: TestApp| async move {
    let a = create_org(&app, "Gulf Watch");
    let key_a = create_key(&app, &a, "EDITOR");
    let dir = std::env::temp_dir().join(format!("rights-graph-round-trip-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let run = |app: &TestApp, args: &[&str]| {
        let (ok, out, err) = common::cli(app, args);
        assert!(ok, "{args:?}: {err}");
        (out, err)
    };
    // Records with every kind of fact: lists, links, a case event; and
    // values in other languages.
    let records = [
        json!({ "type": "organisation", "externalId": "O-1", "name": "Women's Rights Network", "kind": "NGO",
                "visibility": "PARTNERS" }),
        json!({ "type": "organisation", "externalId": "O-2", "name": "Family Contacts", "kind": "NGO",
                "visibility": "PRIVATE" }),
        json!({ "type": "restriction", "externalId": "R-1", "title": "Anti-Cybercrime Law", "kind": "LAW",
                "status": "ENACTED", "countryCode": "SA", "rights": ["EXPRESSION"], "visibility": "PARTNERS" }),
        json!({ "type": "defender", "externalId": "D-1", "name": "Loujain al-Hathloul", "countryCode": "SA",
                "status": "RELEASED", "sectors": ["WOMENS_RIGHTS"], "visibility": "PARTNERS",
                "otherNames": [{ "name": "لجين الهذلول", "kind": "NATIVE_NAME", "language": "ar" }],
                "events": [{ "kind": "ARREST", "occurredOn": "2018-05", "description": "Arrested in Riyadh",
                             "restrictionId": "R-1" }],
                "affiliations": [{ "organisationId": "O-1", "role": "member" }, { "organisationId": "O-2" }],
                "restrictionLinks": [{ "restrictionId": "R-1", "relation": "CHARGED_UNDER" }] }),
        json!({ "type": "campaign", "externalId": "C-1", "title": "Free Loujain", "kind": "INDIVIDUAL_CASE",
                "status": "SUCCEEDED", "leadOrganisationId": "O-1", "defenderIds": ["D-1"],
                "restrictionIds": ["R-1"], "areas": ["SA"], "visibility": "PARTNERS" }),
        json!({ "type": "statement", "recordId": "D-1", "recordType": "defender", "property": "name",
                "value": "لجين الهذلول", "language": "ar" }),
        json!({ "type": "statement", "recordId": "R-1", "recordType": "restriction", "property": "title",
                "value": "Loi contre la cybercriminalité", "language": "fr" }),
    ];
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    run(&app, &["import", "--org", &a, "--format", "jsonl", &write("records.jsonl", &lines)]);
    let listed = data(&app, Some(&key_a), "{ defenders(first: 100) { nodes { id name } } }", json!({})).await;
    let id = listed["defenders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Loujain al-Hathloul")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A link's statement is seen by those who may see the record it names.
    let key_b = create_key(&app, &create_org(&app, "Other NGO"), "READER");
    let linked = "query ($id: ID!) { defender(id: $id) { statements(property: \"affiliation\") { value } } }";
    for (key, count) in [(&key_a, 2), (&key_b, 1)] {
        let read = data(&app, Some(key), linked, json!({ "id": id })).await;
        assert_eq!(read["defender"]["statements"].as_array().unwrap().len(), count, "{read}");
    }
    let events = data(&app, Some(&key_a), EVENTS, json!({ "id": id })).await;
    let event = events["defender"]["events"]["nodes"][0]["id"].clone();
    let described = json!({ "input": { "recordId": event, "property": "description",
                                       "value": "Detenida en Riad", "language": "es" } });
    data(&app, Some(&key_a), ADD, described).await;

    let (exported, _) = run(&app, &["export", "--format", "statements", "--org", &a]);
    let ours = account(&exported, &a);
    // The file names records, links and events as another database can
    // resolve them: by the organisation's external identifiers, and an
    // event by what it states.
    let has = |row: &[&str]| ours.iter().any(|r| r.iter().map(String::as_str).collect::<Vec<_>>() == row);
    assert!(has(&["D-1", "D-1", "name", "name", "Person", "لجين الهذلول", "ar", ""]), "{exported}");
    assert!(has(&["D-1", "D-1", "affiliation", "entity", "Person", "O-1", "", ""]), "{exported}");
    assert!(has(&["C-1", "C-1", "defender", "entity", "Campaign", "D-1", "", ""]), "{exported}");
    let description = ours.iter().find(|r| r[2] == "caseEventDescription").unwrap_or_else(|| panic!("{exported}"));
    let value: Value = serde_json::from_str(&description[5]).unwrap();
    assert_eq!(value["event"]["occurredOn"], "2018-05", "{value}");
    assert_eq!(value["description"], "Detenida en Riad");
    assert!(!ours.iter().flatten().any(|v| v.contains(&id)), "no global id of the organisation's records: {exported}");

    // A fresh database: the organisation imports its records, then its
    // statements, claiming its account by its id in the first database.
    let target = TestApp::spawn_with(app.engine, true).await;
    let t = create_org(&target, "Gulf Watch");
    let (jsonl, _) = run(&app, &["export", "--format", "jsonl", "--org", &a]);
    let own = ["O-1", "O-2", "R-1", "D-1", "C-1"].map(|external| format!("\"externalId\":\"{external}\""));
    let jsonl: String = jsonl.lines().filter(|l| own.iter().any(|o| l.contains(o))).map(|l| format!("{l}\n")).collect();
    assert_eq!(jsonl.lines().count(), 5, "{jsonl}");
    run(&target, &["import", "--org", &t, "--format", "jsonl", &write("moved.jsonl", &jsonl)]);
    let file = write("statements.csv", &exported);
    // Without --dataset, another database's organisation is another's account.
    let (_, err) = run(&target, &["import", "--org", &t, "--format", "statements", &file]);
    let rows = exported.lines().count() - 1;
    assert!(err.contains(&format!("0 created, 0 updated, 0 unchanged, 0 rejected, {rows} skipped")), "{err}");
    let (_, err) = run(&target, &["import", "--org", &t, "--format", "statements", "--dataset", &a, &file]);
    assert!(err.contains(&format!("0 rejected, {} skipped", rows - ours.len())), "{err}");
    let (again, _) = run(&target, &["export", "--format", "statements", "--org", &t]);
    assert_eq!(account(&again, &t), ours, "{again}");
    // And the values are the record's in the new database.
    let (_, moved) = post_as(
        &target,
        Some(&create_key(&target, &t, "READER")),
        "{ defenders(first: 10) { nodes { name_ar: name(language: \"ar\")
           events(first: 5) { nodes { description(language: \"es\") } } } } }",
        json!({}),
    )
    .await;
    let moved = &moved["data"]["defenders"]["nodes"][0];
    assert_eq!(moved["name_ar"], "لجين الهذلول", "{moved}");
    assert_eq!(moved["events"]["nodes"][0]["description"], "Detenida en Riad", "{moved}");
    // --dataset is for statements files only.
    let (ok, _, err) = common::cli(&target, &["import", "--org", &t, "--format", "jsonl", "--dataset", &a, &file]);
    assert!(!ok && err.contains("--dataset is for statements files"), "{err}");
});
