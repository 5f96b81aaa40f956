//! Sharing records between organisations: who may share, what a share opens,
//! and that withdrawing it closes it again at once.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const SHARE: &str = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access confidential } }";
const UNSHARE: &str = "mutation ($input: UnshareRecordInput!) { unshareRecord(input: $input) { removed } }";
const READ: &str = "query ($id: ID!) { defender(id: $id) { name safetyNotes auditLog { nodes { action changes { field to redacted } } } } }";

engine_tests!(shares_open_and_close_access, |app: TestApp| async move {
    let (a, b, c) = (create_org(&app, "Owner A"), create_org(&app, "Partner B"), create_org(&app, "Unrelated C"));
    let (admin_a, editor_a) = (create_key(&app, &a, "ADMIN"), create_key(&app, &a, "EDITOR"));
    let (admin_b, admin_c, reader_b) =
        (create_key(&app, &b, "ADMIN"), create_key(&app, &c, "ADMIN"), create_key(&app, &b, "READER"));
    let (_, body) = post_as(
        &app,
        Some(&editor_a),
        "mutation { createDefender(input: { name: \"Shared Person\", countryCode: \"PE\", safetyNotes: \"SECRET-91\" }) { defender { id } } }",
        json!({}),
    )
    .await;
    let id = body["data"]["createDefender"]["defender"]["id"].clone();
    let share = |confidential: bool, with: &str| json!({ "input": { "recordId": id, "organisationId": with, "confidential": confidential } });

    // Only an admin of the contributor may share.
    for (key, code) in [(None, "UNAUTHENTICATED"), (Some(&editor_a), "FORBIDDEN"), (Some(&admin_c), "NOT_FOUND")] {
        let (_, body) = post_as(&app, key.map(String::as_str), SHARE, share(false, &b)).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }
    let (_, body) = post_as(&app, Some(&admin_a), SHARE, share(false, &a)).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "organisationId", "{body}");
    let (_, body) =
        post_as(&app, Some(&admin_a), SHARE, json!({ "input": { "recordId": "Q291bnRyeTpQRQ", "organisationId": b } }))
            .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    let (_, body) = post_as(&app, Some(&reader_b), READ, json!({ "id": id })).await;
    assert_eq!(body["data"], json!({ "defender": null }), "not shared yet");

    // A read share opens the record, not its confidential fields.
    let (_, body) = post_as(&app, Some(&admin_a), SHARE, share(false, &b)).await;
    assert_eq!(body["data"]["shareRecord"], json!({ "access": "READ", "confidential": false }), "{body}");
    let (_, body) = post_as(&app, Some(&reader_b), READ, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"]["name"], "Shared Person");
    assert_eq!(body["data"]["defender"]["safetyNotes"], Value::Null);
    assert!(!body.to_string().contains("SECRET-91"), "{body}");
    let share_entry = &body["data"]["defender"]["auditLog"]["nodes"][1];
    assert_eq!(share_entry["action"], "SHARE");
    assert_eq!(share_entry["changes"][0]["redacted"], true, "who a record is shared with is confidential");
    // B may see the record but may not share it onwards.
    let (_, body) = post_as(&app, Some(&admin_b), SHARE, share(false, &c)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    // A confidential share opens the confidential fields too.
    post_as(&app, Some(&admin_a), SHARE, share(true, &b)).await;
    let (_, body) = post_as(&app, Some(&reader_b), READ, json!({ "id": id })).await;
    assert_eq!(body["data"]["defender"]["safetyNotes"], "SECRET-91");
    let (_, body) = post_as(&app, Some(&admin_c), READ, json!({ "id": id })).await;
    assert_eq!(body["data"], json!({ "defender": null }), "C was never given access");

    // Withdrawing closes it at once.
    let unshare = json!({ "input": { "recordId": id, "organisationId": b } });
    let (_, body) = post_as(&app, Some(&admin_a), UNSHARE, unshare.clone()).await;
    assert_eq!(body["data"]["unshareRecord"]["removed"], true, "{body}");
    let (_, body) = post_as(&app, Some(&reader_b), READ, json!({ "id": id })).await;
    assert_eq!(body["data"], json!({ "defender": null }));
    let (_, body) = post_as(&app, Some(&admin_a), UNSHARE, unshare).await;
    assert_eq!(body["data"]["unshareRecord"]["removed"], false);

    // The owner's history shows whom it shared with.
    let (_, body) = post_as(&app, Some(&admin_a), READ, json!({ "id": id })).await;
    let actions: Vec<&str> = body["data"]["defender"]["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["CREATE", "SHARE", "SHARE", "UNSHARE"]);
    assert_eq!(body["data"]["defender"]["auditLog"]["nodes"][1]["changes"][0]["redacted"], false);
});
