//! Writes of defenders: roles, validation, versions, consent, archive and
//! restore, history, and confidential fields that must never leak.

use crate::common;

use chrono::Utc;
use common::{TestApp, create_key, create_org, names, post_as, uuid_of};
use entity::{ShareAccess, defender, record_share};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use uuid::Uuid;

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id name version visibility consent exactLocation contactDetails safetyNotes country { code } subdivision { code } otherNames { name kind } sectors } } }";
const UPDATE: &str = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { id name version visibility consent summary exactLocation } } }";
const ARCHIVE: &str =
    "mutation ($input: RecordVersionInput!) { archiveDefender(input: $input) { defender { version } } }";
const RESTORE: &str =
    "mutation ($input: RecordVersionInput!) { restoreDefender(input: $input) { defender { version } } }";

const MARKERS: [&str; 3] = ["LOCATION-7f3a9c", "CONTACT-52be11", "SAFETY-d04e77"];

struct World {
    app: TestApp,
    owner: String,
    editor_a: String,
    reader_a: String,
    partner_b: String,
    unrelated_c: String,
    org_b: String,
}

async fn world(app: TestApp) -> World {
    let (a, b, c) = (create_org(&app, "Owner A"), create_org(&app, "Partner B"), create_org(&app, "Unrelated C"));
    World {
        editor_a: create_key(&app, &a, "EDITOR"),
        reader_a: create_key(&app, &a, "READER"),
        partner_b: create_key(&app, &b, "EDITOR"),
        unrelated_c: create_key(&app, &c, "ADMIN"),
        owner: a,
        org_b: b,
        app,
    }
}

fn new_defender(visibility: &str, consent: &str) -> Value {
    json!({
        "name": "Test Defender",
        "otherNames": [{ "name": "T. Defender" }],
        "countryCode": "pe",
        "subdivisionCode": "PE-CAJ",
        "status": "THREATENED",
        "sectors": ["LAND", "LAND", "ENVIRONMENT"],
        "visibility": visibility,
        "consent": consent,
        "exactLocation": MARKERS[0],
        "contactDetails": MARKERS[1],
        "safetyNotes": MARKERS[2],
    })
}

async fn create(w: &World, input: Value) -> Value {
    let (status, body) = post_as(&w.app, Some(&w.editor_a), CREATE, json!({ "input": input })).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createDefender"]["defender"].clone()
}

async fn defender_count(app: &TestApp) -> u64 {
    defender::Entity::find().count(&app.db).await.unwrap()
}

engine_tests!(roles_decide_who_may_write, |app: TestApp| async move {
    let w = world(app).await;
    let input = json!({ "input": new_defender("PRIVATE", "UNKNOWN") });
    let before = defender_count(&w.app).await;
    let (_, body) = post_as(&w.app, None, CREATE, input.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    let (_, body) = post_as(&w.app, Some(&w.reader_a), CREATE, input.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(defender_count(&w.app).await, before, "refused writes write nothing");

    let created = create(&w, new_defender("PARTNERS", "LIMITED")).await;
    assert_eq!(created["version"], 1);
    assert_eq!(created["country"]["code"], "PE");
    assert_eq!(created["subdivision"]["code"], "PE-CAJ");
    assert_eq!(created["sectors"], json!(["ENVIRONMENT", "LAND"]));
    assert_eq!(created["otherNames"], json!([{ "name": "T. Defender", "kind": "ALIAS" }]));
    assert_eq!(created["exactLocation"], MARKERS[0], "the owner sees its confidential fields");

    // A partner that can see the record may not change it; one that cannot see it is told nothing.
    let update = json!({ "input": { "id": created["id"], "expectedVersion": 1, "name": "Changed" } });
    let (_, body) = post_as(&w.app, Some(&w.partner_b), UPDATE, update.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    let private = create(&w, new_defender("PRIVATE", "UNKNOWN")).await;
    let update_private = json!({ "input": { "id": private["id"], "expectedVersion": 1, "name": "Changed" } });
    let (_, body) = post_as(&w.app, Some(&w.unrelated_c), UPDATE, update_private).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");

    // An edit share lets the partner change it.
    record_share::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set("defender".into()),
        record_id: Set(uuid_of(created["id"].as_str().unwrap())),
        organisation_id: Set(uuid_of(&w.org_b)),
        access: Set(ShareAccess::Edit),
        confidential: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(&w.app.db)
    .await
    .unwrap();
    let (_, body) = post_as(&w.app, Some(&w.partner_b), UPDATE, update).await;
    assert_eq!(body["data"]["updateDefender"]["defender"]["name"], "Changed", "{body}");
    assert_eq!(body["data"]["updateDefender"]["defender"]["version"], 2);
    assert_eq!(body["data"]["updateDefender"]["defender"]["exactLocation"], Value::Null, "no confidential grant");
});

engine_tests!(invalid_input_is_refused_and_writes_nothing, |app: TestApp| async move {
    let w = world(app).await;
    let before = defender_count(&w.app).await;
    let long = "x".repeat(20_001);
    for (change, argument) in [
        (json!({ "visibility": "PUBLIC", "consent": "UNKNOWN" }), "visibility"),
        (json!({ "name": "  " }), "name"),
        (json!({ "countryCode": "XX" }), "countryCode"),
        (json!({ "subdivisionCode": "US-ND" }), "subdivisionCode"),
        (json!({ "summary": long }), "summary"),
        (json!({ "otherNames": [{ "name": "" }] }), "otherNames[0].name"),
    ] {
        let mut input = new_defender("PRIVATE", "UNKNOWN");
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let (_, body) = post_as(&w.app, Some(&w.editor_a), CREATE, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{change}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{change}: {body}");
    }
    let (_, body) = post_as(
        &w.app,
        Some(&w.editor_a),
        CREATE,
        json!({ "input": { "name": "X", "countryCode": "PE", "status": "NAPPING" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(defender_count(&w.app).await, before, "nothing was written");
    assert_eq!(entity::audit_entry::Entity::find().count(&w.app.db).await.unwrap(), 0);
});

engine_tests!(stale_versions_conflict_and_lose_nothing, |app: TestApp| async move {
    let w = world(app).await;
    let created = create(&w, new_defender("PRIVATE", "UNKNOWN")).await;
    let id = created["id"].clone();
    let first = json!({ "input": { "id": id, "expectedVersion": 1, "summary": "First edit" } });
    let second = json!({ "input": { "id": id, "expectedVersion": 1, "occupation": "Second edit" } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, first).await;
    assert_eq!(body["data"]["updateDefender"]["defender"]["version"], 2, "{body}");
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, second).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("version 2"), "{body}");
    let (_, body) = post_as(
        &w.app,
        Some(&w.editor_a),
        "query ($id: ID!) { defender(id: $id) { summary occupation version } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(body["data"]["defender"], json!({ "summary": "First edit", "occupation": null, "version": 2 }));

    // A change that changes nothing stores nothing.
    let same = json!({ "input": { "id": id, "expectedVersion": 2, "summary": "First edit" } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, same).await;
    assert_eq!(body["data"]["updateDefender"]["defender"]["version"], 2, "{body}");
});

engine_tests!(consent_governs_publication, |app: TestApp| async move {
    let w = world(app).await;
    let created = create(&w, new_defender("PUBLIC", "GIVEN")).await;
    let id = created["id"].clone();
    let lookup = "query ($id: ID!) { defender(id: $id) { name } }";
    let (_, body) = post_as(&w.app, None, lookup, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"]["name"], "Test Defender", "public with consent");

    let withdraw = json!({ "input": { "id": id, "expectedVersion": 1, "consent": "WITHDRAWN" } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, withdraw).await;
    assert_eq!(body["data"]["updateDefender"]["defender"]["visibility"], "PRIVATE", "{body}");
    let (_, body) = post_as(&w.app, None, lookup, json!({ "id": id })).await;
    assert_eq!(body["data"], json!({ "defender": null }), "withdrawn consent hides the record at once");
    let (_, body) = post_as(&w.app, Some(&w.partner_b), lookup, json!({ "id": id })).await;
    assert_eq!(body["data"], json!({ "defender": null }));

    let republish = json!({ "input": { "id": id, "expectedVersion": 2, "visibility": "PUBLIC" } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, republish).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "visibility", "{body}");
});

engine_tests!(archive_and_restore, |app: TestApp| async move {
    let w = world(app).await;
    let created = create(&w, new_defender("PARTNERS", "UNKNOWN")).await;
    let id = created["id"].clone();
    let lookup = "query ($id: ID!) { defender(id: $id) { name version } defenders(filter: { countryCodes: [\"PE\"] }) { totalCount } }";
    let (_, before) = post_as(&w.app, Some(&w.editor_a), lookup, json!({ "id": id })).await;
    let (_, body) =
        post_as(&w.app, Some(&w.editor_a), ARCHIVE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(body["data"]["archiveDefender"]["defender"]["version"], 2, "{body}");
    let (_, body) = post_as(&w.app, Some(&w.editor_a), lookup, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"], Value::Null, "archived records are hidden, even from their owner");
    assert_eq!(
        body["data"]["defenders"]["totalCount"].as_u64().unwrap() + 1,
        before["data"]["defenders"]["totalCount"].as_u64().unwrap()
    );
    let (_, body) =
        post_as(&w.app, Some(&w.editor_a), ARCHIVE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    let (_, body) =
        post_as(&w.app, Some(&w.editor_a), RESTORE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(body["data"]["restoreDefender"]["defender"]["version"], 3, "{body}");
    let (_, body) = post_as(&w.app, Some(&w.editor_a), lookup, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"]["version"], 3);
    assert_eq!(defender::Entity::find().count(&w.app.db).await.unwrap(), 5, "nothing was deleted");
});

const BROAD: &str = r#"{
  defenders(first: 100) { nodes { id name exactLocation contactDetails safetyNotes summary
    auditLog { nodes { action version apiKeyId organisation { name } changes { field from to redacted } } } } }
  country(code: "PE") { defenders { nodes { exactLocation contactDetails safetyNotes } } }
}"#;

engine_tests!(confidential_values_never_leak, |app: TestApp| async move {
    let w = world(app).await;
    let created = create(&w, new_defender("PARTNERS", "LIMITED")).await;
    let id = created["id"].clone();
    // Change the confidential fields too, so the history carries them.
    let change = json!({ "input": { "id": id, "expectedVersion": 1, "exactLocation": format!("{} moved", MARKERS[0]), "summary": "Public summary" } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, change).await;
    assert!(body.get("errors").is_none(), "{body}");

    // The owner sees everything, history included.
    let (_, owner) = post_as(&w.app, Some(&w.editor_a), BROAD, json!({})).await;
    let text = owner.to_string();
    for marker in MARKERS {
        assert!(text.contains(marker), "the owner must see {marker}");
    }
    let history = owner["data"]["defenders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap()["auditLog"]["nodes"]
        .clone();
    assert_eq!(history[0]["action"], "CREATE");
    assert_eq!(history[1]["action"], "UPDATE");
    assert_eq!(history[1]["organisation"]["name"], "Owner A");
    assert!(history[1]["apiKeyId"].is_string(), "the organisation sees which of its keys made the change");
    let fields: Vec<&str> =
        history[1]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["summary", "exactLocation"]);

    // Everyone else: a partner, an unrelated organisation, the public.
    for (viewer, key) in
        [("partner", Some(w.partner_b.as_str())), ("unrelated", Some(w.unrelated_c.as_str())), ("anonymous", None)]
    {
        let (status, body) = post_as(&w.app, key, BROAD, json!({})).await;
        assert_eq!(status, 200);
        let text = body.to_string();
        for marker in MARKERS {
            assert!(!text.contains(marker), "{viewer} saw {marker}: {text}");
        }
        for node in body["data"]["defenders"]["nodes"].as_array().unwrap() {
            if node["id"] == id {
                assert_eq!(node["summary"], "Public summary");
                assert_eq!(node["exactLocation"], Value::Null);
                let changes = &node["auditLog"]["nodes"][1]["changes"];
                let location = changes.as_array().unwrap().iter().find(|c| c["field"] == "exactLocation").unwrap();
                assert_eq!(location["redacted"], true, "{viewer}");
                assert_eq!(node["auditLog"]["nodes"][1]["apiKeyId"], Value::Null, "{viewer} must not see key ids");
            }
        }
        if viewer == "anonymous" {
            assert!(!names(&body["data"]["defenders"], "name").contains(&"Test Defender".to_owned()));
        }
    }

    // A confidential grant opens them to the partner.
    // (Through the API, which records the share: the response cache then
    // knows that earlier answers are out of date.)
    let admin = create_key(&w.app, &w.owner, "ADMIN");
    let share = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }";
    let grant =
        json!({ "input": { "recordId": id, "organisationId": w.org_b, "access": "READ", "confidential": true } });
    let (status, body) = post_as(&w.app, Some(&admin), share, grant).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["shareRecord"]["access"], "READ", "{body}");
    let (_, body) = post_as(&w.app, Some(&w.partner_b), BROAD, json!({})).await;
    assert!(body.to_string().contains(MARKERS[1]), "granted partner sees confidential fields");
});

engine_tests!(mutations_are_refused_over_get, |app: TestApp| async move {
    let w = world(app).await;
    let before = defender_count(&w.app).await;
    let response = w
        .app
        .client
        .get(w.app.url("/graphql"))
        .header("authorization", format!("Bearer {}", w.editor_a))
        .query(&[(
            "query",
            "mutation { createDefender(input: { name: \"Via GET\", countryCode: \"PE\" }) { defender { id } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(defender_count(&w.app).await, before);
});

engine_tests!(the_audit_log_is_append_only_in_the_database, |app: TestApp| async move {
    use sea_orm::ConnectionTrait;
    let w = world(app).await;
    create(&w, new_defender("PRIVATE", "UNKNOWN")).await;
    let entries = entity::audit_entry::Entity::find().count(&w.app.db).await.unwrap();
    assert_eq!(entries, 1);
    assert!(w.app.db.execute_unprepared("UPDATE audit_entry SET action = 'UPDATE'").await.is_err());
    assert!(w.app.db.execute_unprepared("DELETE FROM audit_entry").await.is_err());
    assert_eq!(entity::audit_entry::Entity::find().count(&w.app.db).await.unwrap(), 1);
});

const CASE: &str = "query ($id: ID!) { defender(id: $id) { version
  events { nodes { id kind occurredOn sentence { months life } restriction { title } } }
  affiliations { nodes { id role organisation { name } } }
  restrictions { edges { relation node { title } } } } }";

engine_tests!(case_events_affiliations_and_links_are_edited_with_the_defender, |app: TestApp| async move {
    let w = world(app).await;
    let (_, body) = post_as(
        &w.app,
        None,
        "{ restrictions(filter: { subdivisionCodes: [\"US-ND\"] }) { nodes { id } } }",
        json!({}),
    )
    .await;
    let bills = body["data"]["restrictions"]["nodes"][0]["id"].clone();
    let mut input = new_defender("PRIVATE", "UNKNOWN");
    input["events"] = json!([
        { "kind": "ARREST", "occurredOn": "2023-03", "perpetratorType": "STATE", "restrictionId": bills },
        { "kind": "SENTENCE", "occurredOn": "2023-09-12", "sentence": { "months": 36 } },
    ]);
    input["affiliations"] = json!([{ "organisationId": w.owner, "role": "member", "startedOn": "2019" }]);
    input["restrictionLinks"] = json!([{ "restrictionId": bills, "relation": "CHARGED_UNDER" }]);
    let created = create(&w, input).await;
    let id = created["id"].clone();

    let (_, body) = post_as(&w.app, Some(&w.editor_a), CASE, json!({ "id": id })).await;
    let defender = &body["data"]["defender"];
    let events = defender["events"]["nodes"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2, "{body}");
    assert_eq!(events[0]["restriction"]["title"], "Five North Dakota bills restricting the right to protest");
    assert_eq!(events[1]["sentence"], json!({ "months": 36, "life": false }));
    assert_eq!(defender["affiliations"]["nodes"][0]["organisation"]["name"], "Owner A");
    assert_eq!(defender["restrictions"]["edges"][0]["relation"], "CHARGED_UNDER");

    // Keep the arrest (changing its date), drop the sentence, add a release; drop the affiliation.
    let update = json!({ "input": { "id": id, "expectedVersion": 1,
        "events": [
            { "id": events[0]["id"], "kind": "ARREST", "occurredOn": "2023-03-02", "perpetratorType": "STATE", "restrictionId": bills },
            { "kind": "RELEASE", "occurredOn": "2024" },
        ],
        "affiliations": [],
        "restrictionLinks": [{ "restrictionId": bills, "relation": "DETAINED_UNDER", "note": "Held for a week." }] } });
    let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, update).await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = post_as(&w.app, Some(&w.editor_a), CASE, json!({ "id": id })).await;
    let defender = &body["data"]["defender"];
    assert_eq!(defender["version"], 2);
    let after = defender["events"]["nodes"].as_array().unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[0]["id"], events[0]["id"], "a kept event keeps its id");
    assert_eq!(after[0]["occurredOn"], "2023-03-02");
    assert_eq!(after[1]["kind"], "RELEASE");
    assert_eq!(defender["affiliations"]["nodes"], json!([]));
    assert_eq!(defender["restrictions"]["edges"][0]["relation"], "DETAINED_UNDER");

    // Refusals name the entry and write nothing.
    let (_, body) = post_as(
        &w.app,
        Some(&w.partner_b),
        "mutation { createRestriction(input: { title: \"B's private bill\", kind: BILL, status: PENDING, countryCode: \"PE\" }) { restriction { id } } }",
        json!({}),
    )
    .await;
    let hidden_restriction = body["data"]["createRestriction"]["restriction"]["id"].clone();
    let event_of_other_defender = {
        let other = create(&w, {
            let mut input = new_defender("PRIVATE", "UNKNOWN");
            input["events"] = json!([{ "kind": "THREAT" }]);
            input
        })
        .await;
        let (_, body) = post_as(&w.app, Some(&w.editor_a), CASE, json!({ "id": other["id"] })).await;
        body["data"]["defender"]["events"]["nodes"][0]["id"].clone()
    };
    for (change, argument) in [
        (json!({ "events": [{ "id": event_of_other_defender, "kind": "THREAT" }] }), "events[0].id"),
        (json!({ "events": [{ "kind": "SENTENCE", "sentence": { "months": 0 } }] }), "events[0].sentence.months"),
        (json!({ "events": [{ "kind": "ARREST", "restrictionId": hidden_restriction }] }), "events[0].restrictionId"),
        (
            json!({ "restrictionLinks": [{ "restrictionId": hidden_restriction, "relation": "TARGETED_BY" }] }),
            "restrictionLinks[0].restrictionId",
        ),
        (
            json!({ "restrictionLinks": [{ "restrictionId": bills, "relation": "TARGETED_BY" }, { "restrictionId": bills, "relation": "OPPOSES" }] }),
            "restrictionLinks[1].restrictionId",
        ),
        (
            json!({ "affiliations": [{ "organisationId": w.owner, "startedOn": "2020", "endedOn": "2019" }] }),
            "affiliations[0].endedOn",
        ),
    ] {
        let mut input = json!({ "id": id, "expectedVersion": 2 });
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let (_, body) = post_as(&w.app, Some(&w.editor_a), UPDATE, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{change}: {body}");
        assert!(!body.to_string().contains("B's private bill"), "{body}");
    }
    let (_, body) = post_as(&w.app, Some(&w.editor_a), CASE, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"]["version"], 2, "refused updates change nothing");
});
