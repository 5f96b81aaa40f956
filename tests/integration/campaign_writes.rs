//! Writes of campaigns: subjects the caller can see, places, validation,
//! versions, and an audit log that does not reveal hidden links.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::json;

const CREATE_DEFENDER: &str = "mutation ($name: String!, $v: Visibility!) { createDefender(input: { name: $name, countryCode: \"PE\", visibility: $v }) { defender { id } } }";
const CREATE: &str = "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id version title status defenders { nodes { name } } restrictions { nodes { title } } countries { nodes { code } } subdivisions { nodes { code } } leadOrganisation { name } } } }";
const UPDATE: &str = "mutation ($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { version title defenders { totalCount } auditLog { nodes { action changes { field to redacted } } } } } }";

engine_tests!(campaigns_link_only_what_their_editor_can_see, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Campaigner A"), create_org(&app, "Partner B"));
    let (editor_a, editor_b) = (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"));
    let (_, body) =
        post_as(&app, Some(&editor_a), CREATE_DEFENDER, json!({ "name": "Private Person", "v": "PRIVATE" })).await;
    let private_a = body["data"]["createDefender"]["defender"]["id"].clone();
    let (_, body) =
        post_as(&app, Some(&editor_b), CREATE_DEFENDER, json!({ "name": "Hidden From A", "v": "PRIVATE" })).await;
    let private_b = body["data"]["createDefender"]["defender"]["id"].clone();
    let (_, body) =
        post_as(&app, None, "{ restrictions(filter: { subdivisionCodes: [\"US-ND\"] }) { nodes { id } } }", json!({}))
            .await;
    let nd_bills = body["data"]["restrictions"]["nodes"][0]["id"].clone();

    let campaign = json!({
        "title": "Free Private Person",
        "kind": "INDIVIDUAL_CASE",
        "leadOrganisationId": a,
        "visibility": "PARTNERS",
        "defenderIds": [private_a],
        "restrictionIds": [nd_bills],
        "areas": ["us-nd", "PE", "PE"],
    });
    // A record the editor cannot see is refused exactly like one that does not exist.
    let mut hidden = campaign.clone();
    hidden["defenderIds"] = json!([private_b]);
    let (_, body) = post_as(&app, Some(&editor_a), CREATE, json!({ "input": hidden })).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "defenderIds[0]", "{body}");
    assert!(!body.to_string().contains("Hidden From A"));
    let mut bad_dates = campaign.clone();
    bad_dates["startedOn"] = json!("2024-05");
    bad_dates["endedOn"] = json!("2024-04-30");
    let (_, body) = post_as(&app, Some(&editor_a), CREATE, json!({ "input": bad_dates })).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "endedOn", "{body}");
    let mut bad_area = campaign.clone();
    bad_area["areas"] = json!(["US-ZZ"]);
    let (_, body) = post_as(&app, Some(&editor_a), CREATE, json!({ "input": bad_area })).await;
    assert_eq!(body["errors"][0]["extensions"]["argument"], "areas[0]", "{body}");

    let (_, body) = post_as(&app, Some(&editor_a), CREATE, json!({ "input": campaign })).await;
    let created = body["data"]["createCampaign"]["campaign"].clone();
    assert_eq!(created["version"], 1, "{body}");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(created["defenders"]["nodes"], json!([{ "name": "Private Person" }]));
    assert_eq!(created["restrictions"]["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(created["countries"]["nodes"], json!([{ "code": "PE" }, { "code": "US" }]));
    assert_eq!(created["subdivisions"]["nodes"], json!([{ "code": "US-ND" }]));
    assert_eq!(created["leadOrganisation"]["name"], "Campaigner A");
    let (_, body) =
        post_as(&app, None, "{ subdivision(code: \"US-ND\") { campaigns { totalCount } } }", json!({})).await;
    assert_eq!(
        body["data"]["subdivision"]["campaigns"]["totalCount"], 2,
        "the PARTNERS campaign is hidden from the public"
    );

    // B sees the campaign, but not the private defender it links, nor its id in the log.
    let (_, body) = post_as(
        &app,
        Some(&editor_b),
        "query ($id: ID!) { campaign(id: $id) { defenders { totalCount } auditLog { nodes { changes { field to redacted } } } } }",
        json!({ "id": created["id"] }),
    )
    .await;
    assert_eq!(body["data"]["campaign"]["defenders"]["totalCount"], 0, "{body}");
    let changes = body["data"]["campaign"]["auditLog"]["nodes"][0]["changes"].as_array().unwrap().clone();
    // The link to a defender B cannot see is not in B's view of the log at all.
    assert!(changes.iter().any(|c| c["field"] == "title"), "{body}");
    assert!(!changes.iter().any(|c| c["field"] == "defenderIds"), "{body}");
    assert!(!body.to_string().contains(&common::uuid_of(private_a.as_str().unwrap()).to_string()), "{body}");

    let rename = json!({ "input": { "id": created["id"], "expectedVersion": 1, "title": "Free Private Person now", "defenderIds": [] } });
    let (_, body) = post_as(&app, Some(&editor_a), UPDATE, rename.clone()).await;
    let updated = &body["data"]["updateCampaign"]["campaign"];
    assert_eq!(updated["version"], 2, "{body}");
    assert_eq!(updated["defenders"]["totalCount"], 0);
    assert_eq!(updated["auditLog"]["nodes"][1]["changes"][1]["redacted"], false, "the author sees its own change");
    let (_, body) = post_as(&app, Some(&editor_a), UPDATE, rename).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    let (_, body) = post_as(
        &app,
        Some(&editor_b),
        UPDATE,
        json!({ "input": { "id": created["id"], "expectedVersion": 2, "title": "Hijack" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    let archive =
        "mutation ($id: ID!) { archiveCampaign(input: { id: $id, expectedVersion: 2 }) { campaign { version } } }";
    let (_, body) = post_as(&app, Some(&editor_a), archive, json!({ "id": created["id"] })).await;
    assert_eq!(body["data"]["archiveCampaign"]["campaign"]["version"], 3, "{body}");
    let restore =
        "mutation ($id: ID!) { restoreCampaign(input: { id: $id, expectedVersion: 3 }) { campaign { version } } }";
    let (_, body) = post_as(&app, Some(&editor_a), restore, json!({ "id": created["id"] })).await;
    assert_eq!(body["data"]["restoreCampaign"]["campaign"]["version"], 4, "{body}");
});
