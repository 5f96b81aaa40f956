//! Writes of restrictions: status history kept in step, validation, versions,
//! archive and restore, and the audit log.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($input: CreateRestrictionInput!) { createRestriction(input: $input) { restriction { id version title reference status rights subdivision { code } history { nodes { status changedOn note } } } } }";
const UPDATE: &str = "mutation ($input: UpdateRestrictionInput!) { updateRestriction(input: $input) { restriction { version status history { nodes { status changedOn note } } auditLog { nodes { action changes { field from to } } } } } }";

fn bill() -> Value {
    json!({
        "title": "Test bill against protest",
        "reference": "HB 99",
        "kind": "BILL",
        "status": "PENDING",
        "countryCode": "US",
        "subdivisionCode": "us-tx",
        "introducedOn": "2024-02",
        "rights": ["PEACEFUL_ASSEMBLY", "PEACEFUL_ASSEMBLY"],
        "visibility": "PARTNERS",
        "statusChangedOn": "2024-02-01",
        "statusNote": "Introduced in the House.",
    })
}

engine_tests!(restrictions_are_written_with_their_status_history, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Watch A"), create_org(&app, "Partner B"));
    let (editor, reader, partner) =
        (create_key(&app, &a, "EDITOR"), create_key(&app, &a, "READER"), create_key(&app, &b, "EDITOR"));

    let (_, body) = post_as(&app, Some(&reader), CREATE, json!({ "input": bill() })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    for (field, value, argument) in [
        ("subdivisionCode", json!("US-ZZ"), "subdivisionCode"),
        ("subdivisionCode", json!("PE-CAJ"), "subdivisionCode"),
        ("decidedOn", json!("2023-12-31"), "decidedOn"),
        ("title", json!(""), "title"),
    ] {
        let mut input = bill();
        input[field] = value;
        let (_, body) = post_as(&app, Some(&editor), CREATE, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{field}: {body}");
    }
    let mut input = bill();
    input["introducedOn"] = json!("2024-02-30");
    let (_, body) = post_as(&app, Some(&editor), CREATE, json!({ "input": input })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "an unreal date: {body}");

    let (_, body) = post_as(&app, Some(&editor), CREATE, json!({ "input": bill() })).await;
    let created = body["data"]["createRestriction"]["restriction"].clone();
    assert_eq!(created["version"], 1, "{body}");
    assert_eq!(created["rights"], json!(["PEACEFUL_ASSEMBLY"]));
    assert_eq!(created["subdivision"]["code"], "US-TX");
    assert_eq!(
        created["history"]["nodes"],
        json!([{ "status": "PENDING", "changedOn": "2024-02-01", "note": "Introduced in the House." }])
    );

    // The partner sees it (PARTNERS) but may not change it.
    let change = json!({ "input": { "id": created["id"], "expectedVersion": 1, "status": "DEFEATED", "decidedOn": "2024-05", "statusChangedOn": "2024-05-20" } });
    let (_, body) = post_as(&app, Some(&partner), UPDATE, change.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    let (_, body) = post_as(&app, Some(&editor), UPDATE, change.clone()).await;
    let updated = &body["data"]["updateRestriction"]["restriction"];
    assert_eq!(updated["version"], 2, "{body}");
    assert_eq!(
        updated["history"]["nodes"],
        json!([
            { "status": "PENDING", "changedOn": "2024-02-01", "note": "Introduced in the House." },
            { "status": "DEFEATED", "changedOn": "2024-05-20", "note": null },
        ])
    );
    let log = updated["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["action"], "UPDATE");
    let fields: Vec<&str> =
        log[1]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["status", "decidedOn"]);
    assert_eq!(log[1]["changes"][0], json!({ "field": "status", "from": "PENDING", "to": "DEFEATED" }));

    // The same change again is stale.
    let (_, body) = post_as(&app, Some(&editor), UPDATE, change).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");

    let archive = "mutation ($id: ID!) { archiveRestriction(input: { id: $id, expectedVersion: 2 }) { restriction { version } } }";
    let (_, body) = post_as(&app, Some(&editor), archive, json!({ "id": created["id"] })).await;
    assert_eq!(body["data"]["archiveRestriction"]["restriction"]["version"], 3, "{body}");
    let (_, body) = post_as(
        &app,
        Some(&partner),
        "{ restrictions(filter: { subdivisionCodes: [\"US-TX\"] }) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["restrictions"]["totalCount"], 0, "archived restrictions are hidden");
    let restore = "mutation ($id: ID!) { restoreRestriction(input: { id: $id, expectedVersion: 3 }) { restriction { version } } }";
    let (_, body) = post_as(&app, Some(&editor), restore, json!({ "id": created["id"] })).await;
    assert_eq!(body["data"]["restoreRestriction"]["restriction"]["version"], 4, "{body}");
    let (_, body) = post_as(
        &app,
        Some(&partner),
        "{ restrictions(filter: { subdivisionCodes: [\"US-TX\"] }) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["restrictions"]["totalCount"], 1);
});
