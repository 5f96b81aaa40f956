//! What followed campaigns, checked against a hand-built dataset whose
//! answers are worked out below, for anonymous readers and for the
//! organisation that also holds a private campaign and a private defender.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

/// Campaigns C1 (2016-01-01: D1, D3), C2 (2016-07-01: D2) and C4
/// (2016-06-01: restrictions R1, R2) are public; C3 (2014, about D4) and D7
/// are private. Worked out for anonymous readers:
///
/// - released: D1 held at 2016-01-01, out 2017-01-01 (366 days); D3 held,
///   out 2016-05-01 (121 days); D2 held at 2016-07-01, still held: 2 of 3.
/// - charges dropped: D1 charged, not dropped; D3 dropped 2016-05-01
///   (121 days): 1 of 2.
/// - sentence reduced: D1 sentenced, not reduced; D2's appeal cut 120
///   months to 60 on 2017-06-01 (335 days): 1 of 2.
/// - comparison (CN and SA, IMPRISONED, no campaign): D4 from its arrest
///   2015-03-01 to release 2015-09-01 (184 days); D5 still held: 1 of 2.
///   D6 is AT_RISK, so not comparable.
const DATASET: &str = r#"{"type":"defender","externalId":"D1","name":"Defender One","countryCode":"CN","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2015-01"},{"kind":"CHARGE","occurredOn":"2015-02"},{"kind":"SENTENCE","occurredOn":"2015-06","sentence":{"months":120}},{"kind":"RELEASE","occurredOn":"2017-01-01"}]}
{"type":"defender","externalId":"D2","name":"Defender Two","countryCode":"CN","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2016-03"},{"kind":"SENTENCE","occurredOn":"2016-06","sentence":{"months":120}},{"kind":"APPEAL","occurredOn":"2017-06","sentence":{"months":60}}]}
{"type":"defender","externalId":"D3","name":"Defender Three","countryCode":"SA","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2014"},{"kind":"CHARGE","occurredOn":"2014-02"},{"kind":"CHARGES_DROPPED","occurredOn":"2016-05-01"},{"kind":"RELEASE","occurredOn":"2016-05-01"}]}
{"type":"defender","externalId":"D4","name":"Defender Four","countryCode":"CN","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2015-03"},{"kind":"RELEASE","occurredOn":"2015-09-01"}]}
{"type":"defender","externalId":"D5","name":"Defender Five","countryCode":"SA","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2015"}]}
{"type":"defender","externalId":"D6","name":"Defender Six","countryCode":"CN","status":"AT_RISK","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2015"},{"kind":"RELEASE","occurredOn":"2015-02"}]}
{"type":"defender","externalId":"D7","name":"Defender Seven","countryCode":"CN","status":"IMPRISONED","visibility":"PRIVATE","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2015"},{"kind":"RELEASE","occurredOn":"2015-06"}]}
{"type":"campaign","externalId":"C1","title":"Free One and Three","kind":"INDIVIDUAL_CASE","startedOn":"2016-01-01","visibility":"PUBLIC","defenderIds":["D1","D3"]}
{"type":"campaign","externalId":"C2","title":"Urgent action for Two","kind":"URGENT_ACTION","startedOn":"2016-07-01","visibility":"PUBLIC","defenderIds":["D2"]}
{"type":"campaign","externalId":"C3","title":"Quiet petition for Four","kind":"PETITION","startedOn":"2014","visibility":"PRIVATE","defenderIds":["D4"]}
"#;

const QUERY: &str = "query ($filter: OutcomeFilter) { statistics { outcomes(filter: $filter) { caveat
    campaigned { ...groups } comparison { ...groups } } } }
  fragment groups on OutcomeGroup {
    released { ...figure } chargesDropped { ...figure } sentenceReduced { ...figure } restrictionsDefeated { ...figure } }
  fragment figure on OutcomeFigure { count outOf share medianDays distribution { key count }
    records { ... on Defender { name } ... on Restriction { title } } }";

async fn with_dataset(app: &TestApp) -> String {
    let key = create_key(app, &create_org(app, "Campaigners"), "ADMIN");
    let (_, body) = post_as(
        app,
        Some(&key),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created problems { line field reason } } }",
        json!({ "input": { "format": "JSON_LINES", "data": DATASET } }),
    )
    .await;
    assert_eq!(body["data"]["importRecords"]["created"], 10, "{body}");
    // Restrictions with status histories: R1 defeated after its campaign,
    // R2 still pending, R3 vetoed without a campaign, R4 a law (another
    // kind, so not comparable).
    let mut ids = Vec::new();
    for (title, kind, introduced, decided) in [
        ("R1 protest bill", "BILL", "2016-01", Some(("DEFEATED", "2017-03-01"))),
        ("R2 mask bill", "BILL", "2016-01", None),
        ("R3 sidewalk bill", "BILL", "2016-02-01", Some(("VETOED", "2016-04-01"))),
        ("R4 speech law", "LAW", "2015", Some(("REPEALED", "2016-09-01"))),
    ] {
        let created = data(
            app,
            Some(&key),
            "mutation ($input: CreateRestrictionInput!) { createRestriction(input: $input) { restriction { id version } } }",
            json!({ "input": { "title": title, "kind": kind, "status": "PENDING", "countryCode": "US", "introducedOn": introduced,
                               "statusChangedOn": introduced, "visibility": "PUBLIC" } }),
        )
        .await;
        let restriction = &created["createRestriction"]["restriction"];
        if let Some((status, on)) = decided {
            data(
                app,
                Some(&key),
                "mutation ($input: UpdateRestrictionInput!) { updateRestriction(input: $input) { restriction { id } } }",
                json!({ "input": { "id": restriction["id"], "expectedVersion": restriction["version"], "status": status, "statusChangedOn": on } }),
            )
            .await;
        }
        ids.push(restriction["id"].clone());
    }
    data(
        app,
        Some(&key),
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        json!({ "input": { "title": "Stop the bills", "kind": "LEGISLATIVE_ADVOCACY", "startedOn": "2016-06-01",
                           "restrictionIds": [ids[0], ids[1]], "visibility": "PUBLIC" } }),
    )
    .await;
    key
}

async fn data(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let (_, body) = post_as(app, key, query, variables).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

async fn outcomes(app: &TestApp, key: Option<&str>, filter: Value) -> Value {
    data(app, key, QUERY, json!({ "filter": filter })).await["statistics"]["outcomes"].clone()
}

/// (count, outOf, medianDays) of a figure.
fn figure(value: &Value) -> (i64, i64, Option<i64>) {
    (value["count"].as_i64().unwrap(), value["outOf"].as_i64().unwrap(), value["medianDays"].as_i64())
}

fn names(value: &Value) -> Vec<String> {
    value["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().or(r["title"].as_str()).unwrap().to_owned())
        .collect()
}

engine_tests!(outcome_figures_match_the_hand_count, |app: TestApp| async move {
    let owner = with_dataset(&app).await;
    let public = outcomes(&app, None, json!(null)).await;
    assert!(public["caveat"].as_str().unwrap().contains("not what the campaign caused"), "{public}");
    let campaigned = &public["campaigned"];
    assert_eq!(figure(&campaigned["released"]), (2, 3, Some(121)));
    assert_eq!(names(&campaigned["released"]), ["Defender Three", "Defender One"], "soonest first");
    assert_eq!(campaigned["released"]["share"].as_f64().unwrap(), 2.0 / 3.0);
    let ranges: Vec<i64> = campaigned["released"]["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .collect();
    assert_eq!(ranges, [0, 0, 1, 1, 0], "121 days in 3–12 months, 366 in 1–2 years");
    assert_eq!(figure(&campaigned["chargesDropped"]), (1, 2, Some(121)));
    assert_eq!(figure(&campaigned["sentenceReduced"]), (1, 2, Some(335)));
    assert_eq!(names(&campaigned["sentenceReduced"]), ["Defender Two"]);
    // R1 defeated 2017-03-01, 273 days after the campaign; R2 still pending.
    assert_eq!(figure(&campaigned["restrictionsDefeated"]), (1, 2, Some(273)));
    assert_eq!(names(&campaigned["restrictionsDefeated"]), ["R1 protest bill"]);
    let comparison = &public["comparison"];
    assert_eq!(figure(&comparison["released"]), (1, 2, Some(184)));
    assert_eq!(names(&comparison["released"]), ["Defender Four"]);
    assert_eq!(figure(&comparison["chargesDropped"]), (0, 0, None));
    assert!(comparison["chargesDropped"]["share"].is_null());
    // R3 vetoed 60 days after its introduction; R4 is a law, not comparable.
    assert_eq!(figure(&comparison["restrictionsDefeated"]), (1, 1, Some(60)));

    // The owner sees C3, so D4 had a campaign (it was not held when C3
    // began: not in the released figure), and D7 joins the comparison:
    // arrested 2015-01-01, released 2015-06-01 (151 days).
    let owned = outcomes(&app, Some(&owner), json!(null)).await;
    assert_eq!(figure(&owned["campaigned"]["released"]), (2, 3, Some(121)));
    assert_eq!(figure(&owned["comparison"]["released"]), (1, 2, Some(151)));
    assert_eq!(names(&owned["comparison"]["released"]), ["Defender Seven"]);

    // Filters: a campaign kind, a country, a period.
    let urgent = outcomes(&app, None, json!({ "campaignKinds": ["URGENT_ACTION"] })).await;
    assert_eq!(figure(&urgent["campaigned"]["released"]), (0, 1, None));
    assert_eq!(figure(&urgent["campaigned"]["restrictionsDefeated"]), (0, 0, None));
    let saudi = outcomes(&app, None, json!({ "countryCodes": ["SA"] })).await;
    assert_eq!(figure(&saudi["campaigned"]["released"]), (1, 1, Some(121)));
    assert_eq!(figure(&saudi["comparison"]["released"]), (0, 1, None));
    let later = outcomes(&app, None, json!({ "since": "2016-03" })).await;
    assert_eq!(names(&later["campaigned"]["sentenceReduced"]), ["Defender Two"]);
    assert_eq!(figure(&later["campaigned"]["released"]), (0, 1, None));
    assert_eq!(figure(&later["comparison"]["released"]), (0, 0, None), "no custody began in the period");

    // A reversed period is refused, naming the argument.
    let (_, body) = post_as(&app, None, QUERY, json!({ "filter": { "since": "2017", "until": "2016" } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});
