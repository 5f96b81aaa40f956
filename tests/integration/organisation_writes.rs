//! Writes of organisation records: a partner keeps its own record up to date
//! and records the organisations its work involves.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::json;

const UPDATE: &str = "mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { name website country { code } version auditLog { nodes { action changes { field from to } } } } } }";

engine_tests!(partners_write_organisation_records, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Org A"), create_org(&app, "Org B"));
    let (editor_a, editor_b, reader_a) =
        (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"), create_key(&app, &a, "READER"));

    let own =
        json!({ "input": { "id": a, "expectedVersion": 1, "website": "https://org-a.example", "countryCode": null } });
    let (_, body) = post_as(&app, Some(&reader_a), UPDATE, own.clone()).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    let (_, body) = post_as(&app, Some(&editor_b), UPDATE, own.clone()).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "B sees A (PARTNERS) but may not change it: {body}"
    );
    let (_, body) = post_as(&app, Some(&editor_a), UPDATE, own).await;
    let updated = &body["data"]["updateOrganisation"]["organisation"];
    assert_eq!(updated["website"], "https://org-a.example/", "{body}");
    assert_eq!(updated["country"], serde_json::Value::Null);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["auditLog"]["nodes"][0]["action"], "UPDATE");

    let bad = json!({ "input": { "id": a, "expectedVersion": 2, "website": "javascript:alert(1)" } });
    let (_, body) = post_as(&app, Some(&editor_a), UPDATE, bad).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "website", "{body}");

    let create = "mutation { createOrganisation(input: { name: \"Ministry of the Interior\", kind: STATE_AGENCY, countryCode: \"pe\", visibility: PARTNERS }) { organisation { id name kind country { code } visibility contributedBy { name } } } }";
    let (_, body) = post_as(&app, Some(&editor_a), create, json!({})).await;
    let agency = &body["data"]["createOrganisation"]["organisation"];
    assert_eq!(agency["kind"], "STATE_AGENCY", "{body}");
    assert_eq!(agency["country"]["code"], "PE");
    assert_eq!(agency["contributedBy"]["name"], "Org A");
    let (_, body) =
        post_as(&app, None, "query ($id: ID!) { organisation(id: $id) { name } }", json!({ "id": agency["id"] })).await;
    assert_eq!(body["data"], json!({ "organisation": null }), "PARTNERS records are not public");
});
