//! Statistics and indicators: exact counts, grouped by the database, over a
//! dataset whose answers are known, for anonymous readers and for the
//! organisation that owns hidden records.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

/// Public records unless marked: five defenders (one more private), four
/// restrictions (one more private), two campaigns.
const DATASET: &str = r#"{"type":"restriction","externalId":"R1","title":"Florida riot bill","kind":"BILL","status":"PENDING","countryCode":"US","subdivisionCode":"US-FL","introducedOn":"2017-01","rights":["PEACEFUL_ASSEMBLY"],"visibility":"PUBLIC"}
{"type":"restriction","externalId":"R2","title":"Florida driver immunity bill","kind":"BILL","status":"DEFEATED","countryCode":"US","subdivisionCode":"US-FL","introducedOn":"2017-03","rights":["PEACEFUL_ASSEMBLY","EXPRESSION"],"visibility":"PUBLIC"}
{"type":"restriction","externalId":"R3","title":"North Dakota mask bill","kind":"BILL","status":"ENACTED","countryCode":"US","subdivisionCode":"US-ND","introducedOn":"2019","rights":["PEACEFUL_ASSEMBLY"],"visibility":"PUBLIC"}
{"type":"restriction","externalId":"R4","title":"Federal speech law","kind":"LAW","status":"ENACTED","countryCode":"US","introducedOn":"2015-06","rights":["EXPRESSION"],"visibility":"PUBLIC"}
{"type":"restriction","externalId":"R5","title":"Foreign funding law","kind":"LAW","status":"ENACTED","countryCode":"IN","introducedOn":"2010","rights":["ASSOCIATION"],"visibility":"PRIVATE"}
{"type":"defender","externalId":"D1","name":"Defender One","countryCode":"CN","status":"IMPRISONED","sectors":["ACADEMIA"],"visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2014-01"},{"kind":"SENTENCE","occurredOn":"2014-09"}]}
{"type":"defender","externalId":"D2","name":"Defender Two","countryCode":"CN","status":"IMPRISONED","sectors":["MINORITY_RIGHTS"],"visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2016-05"},{"kind":"DETENTION","occurredOn":"2016"}]}
{"type":"defender","externalId":"D3","name":"Defender Three","countryCode":"SA","status":"IMPRISONED","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2013"},{"kind":"SENTENCE","occurredOn":"2016-03"}]}
{"type":"defender","externalId":"D4","name":"Defender Four","countryCode":"PE","status":"AT_RISK","sectors":["LAND","ENVIRONMENT"],"visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"THREAT","occurredOn":"2016-11"},{"kind":"HARASSMENT","occurredOn":"2017-02"}]}
{"type":"defender","externalId":"D5","name":"Defender Five","countryCode":"US","subdivisionCode":"US-ND","status":"AT_RISK","visibility":"PUBLIC","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2016-10"},{"kind":"KILLING"}]}
{"type":"defender","externalId":"D6","name":"Defender Six","countryCode":"CN","status":"IMPRISONED","visibility":"PRIVATE","consent":"GIVEN","events":[{"kind":"ARREST","occurredOn":"2018"}]}
{"type":"campaign","externalId":"C1","title":"Free Defender One","kind":"INDIVIDUAL_CASE","status":"ACTIVE","visibility":"PUBLIC","defenderIds":["D1"]}
{"type":"campaign","externalId":"C2","title":"Stop the mask bill","kind":"LEGISLATIVE_ADVOCACY","status":"CLOSED","outcome":"ACHIEVED","visibility":"PUBLIC","restrictionIds":["R3"]}
"#;

/// A server without the sample data, holding the dataset; returns an admin key of its owner.
async fn with_dataset(app: &TestApp) -> String {
    let key = create_key(app, &create_org(app, "Counters"), "ADMIN");
    let (_, body) = post_as(
        app,
        Some(&key),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created problems { line reason } } }",
        json!({ "input": { "format": "JSON_LINES", "data": DATASET } }),
    )
    .await;
    assert_eq!(body["data"]["importRecords"]["created"], 13, "{body}");
    key
}

async fn stats(app: &TestApp, key: Option<&str>, query: &str) -> Value {
    let (_, body) = post_as(app, key, &format!("{{ statistics {{ {query} }} }}"), json!({})).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"]["statistics"].clone()
}

/// Buckets as (key, count) pairs, in the order returned.
fn pairs(buckets: &Value) -> Vec<(String, i64)> {
    buckets
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {buckets}"))
        .iter()
        .map(|b| (b["key"].as_str().unwrap().to_owned(), b["count"].as_i64().unwrap()))
        .collect()
}

fn expect(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(key, count)| (key.to_string(), *count)).collect()
}

async fn spawn_empty(engine: common::Engine) -> TestApp {
    TestApp::spawn_with(engine, true).await
}

macro_rules! dataset_tests {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_empty(common::Engine::Sqlite).await;
                let key = with_dataset(&app).await;
                ($body)(app, key).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = spawn_empty(common::Engine::Postgres).await;
                let key = with_dataset(&app).await;
                ($body)(app, key).await;
            }
        }
    };
}

dataset_tests!(counts_defenders_exactly, |app: TestApp, key: String| async move {
    let s = stats(
        &app,
        None,
        "defenders { total byCountry { key label count } byStatus { key label count }
        bySector { key count } bySubdivision { key label count } }",
    )
    .await;
    let d = &s["defenders"];
    assert_eq!(d["total"], 5);
    assert_eq!(pairs(&d["byCountry"]), expect(&[("CN", 2), ("PE", 1), ("SA", 1), ("US", 1)]));
    assert_eq!(d["byCountry"][0]["label"], "China");
    assert_eq!(pairs(&d["byStatus"]), expect(&[("IMPRISONED", 3), ("AT_RISK", 2)]));
    assert_eq!(d["byStatus"][1]["label"], "At risk");
    assert_eq!(
        pairs(&d["bySector"]),
        expect(&[("ACADEMIA", 1), ("ENVIRONMENT", 1), ("LAND", 1), ("MINORITY_RIGHTS", 1)])
    );
    assert_eq!(pairs(&d["bySubdivision"]), expect(&[("US-ND", 1)]));
    assert_eq!(d["bySubdivision"][0]["label"], "North Dakota");

    // The owner also counts its private defender.
    let s = stats(&app, Some(&key), "defenders { total byCountry { key count } }").await;
    assert_eq!(s["defenders"]["total"], 6);
    assert_eq!(pairs(&s["defenders"]["byCountry"])[0], ("CN".to_owned(), 3));
});

dataset_tests!(applies_list_filters, |app: TestApp, _key: String| async move {
    // Imprisoned defenders by country since 2015: Defender One's events are all in 2014.
    let filter = r#"filter: { statuses: [IMPRISONED], caseEvents: { since: "2015" } }"#;
    let s = stats(&app, None, &format!("defenders({filter}) {{ total byCountry {{ key count }} }}")).await;
    assert_eq!(s["defenders"]["total"], 2);
    assert_eq!(pairs(&s["defenders"]["byCountry"]), expect(&[("CN", 1), ("SA", 1)]));
    // The list with the same filter returns the same defenders.
    let (_, body) = post_as(
        &app,
        None,
        &format!("{{ defenders({filter}, first: 100) {{ totalCount nodes {{ name }} }} }}"),
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["defenders"]["totalCount"], 2, "{body}");

    let filter = r#"filter: { caseEvents: { kinds: [ARREST], since: "2016-06", until: "2016" } }"#;
    let s = stats(&app, None, &format!("defenders({filter}) {{ total }}")).await;
    assert_eq!(s["defenders"]["total"], 1, "only Defender Five was arrested in the second half of 2016");

    let s =
        stats(&app, None, r#"restrictions(filter: { introducedSince: "2017", introducedUntil: "2017" }) { total }"#)
            .await;
    assert_eq!(s["restrictions"]["total"], 2);
    let (_, body) = post_as(
        &app,
        None,
        r#"{ statistics { restrictions(filter: { introducedSince: "2018", introducedUntil: "2017" }) { total } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});

dataset_tests!(counts_case_events_over_time, |app: TestApp, _key: String| async move {
    let s = stats(
        &app,
        None,
        "defenders {
        arrests: byCaseEventYear(events: { kinds: [ARREST] }) { key count }
        years: caseEventsOverTime { key count }
        months: caseEventsOverTime(interval: MONTH) { key count } }",
    )
    .await;
    let d = &s["defenders"];
    assert_eq!(pairs(&d["arrests"]), expect(&[("2013", 1), ("2014", 1), ("2016", 2)]));
    // The undated killing counts in no period; empty years between are zero.
    assert_eq!(pairs(&d["years"]), expect(&[("2013", 1), ("2014", 2), ("2015", 0), ("2016", 5), ("2017", 1)]));
    let months = pairs(&d["months"]);
    assert_eq!(months.len(), 38, "January 2014 to February 2017");
    assert_eq!(months.first().unwrap(), &("2014-01".to_owned(), 1));
    assert_eq!(months.last().unwrap(), &("2017-02".to_owned(), 1));
    assert_eq!(months.iter().map(|(_, count)| count).sum::<i64>(), 7, "events dated to the month");
    assert!(months.contains(&("2016-10".to_owned(), 1)) && months.contains(&("2015-06".to_owned(), 0)));
});

dataset_tests!(counts_restrictions_and_campaigns, |app: TestApp, key: String| async move {
    let s = stats(
        &app,
        None,
        r#"restrictions(filter: { countryCodes: ["US"] }) { total
            byJurisdiction { key label count } bySubdivision { key count } byStatus { key count }
            byKind { key count } byRight { key count } byYearIntroduced { key count }
            introducedOverTime { key count } }
        campaigns { total byStatus { key count } byKind { key count } byOutcome { key count } }"#,
    )
    .await;
    let r = &s["restrictions"];
    assert_eq!(r["total"], 4);
    assert_eq!(pairs(&r["byJurisdiction"]), expect(&[("US-FL", 2), ("US", 1), ("US-ND", 1)]));
    assert_eq!(r["byJurisdiction"][0]["label"], "Florida");
    assert_eq!(pairs(&r["bySubdivision"]), expect(&[("US-FL", 2), ("US-ND", 1)]));
    assert_eq!(pairs(&r["byStatus"]), expect(&[("ENACTED", 2), ("DEFEATED", 1), ("PENDING", 1)]));
    assert_eq!(pairs(&r["byKind"]), expect(&[("BILL", 3), ("LAW", 1)]));
    assert_eq!(pairs(&r["byRight"]), expect(&[("PEACEFUL_ASSEMBLY", 3), ("EXPRESSION", 2)]));
    assert_eq!(pairs(&r["byYearIntroduced"]), expect(&[("2015", 1), ("2017", 2), ("2019", 1)]));
    assert_eq!(
        pairs(&r["introducedOverTime"]),
        expect(&[("2015", 1), ("2016", 0), ("2017", 2), ("2018", 0), ("2019", 1)])
    );
    let c = &s["campaigns"];
    assert_eq!(c["total"], 2);
    assert_eq!(pairs(&c["byStatus"]), expect(&[("ACTIVE", 1), ("CLOSED", 1)]));
    assert_eq!(pairs(&c["byOutcome"]), expect(&[("ACHIEVED", 1)]));

    let s = stats(&app, Some(&key), "restrictions { total byCountry { key count } }").await;
    assert_eq!(s["restrictions"]["total"], 5);
    assert_eq!(pairs(&s["restrictions"]["byCountry"]), expect(&[("US", 4), ("IN", 1)]));
});

dataset_tests!(undated_events_match_kinds_without_dates, |app: TestApp, _key: String| async move {
    // Defender Five's killing has no date: it matches a filter by kind alone.
    let s = stats(&app, None, "defenders(filter: { caseEvents: { kinds: [KILLING, DEATH_IN_DETENTION] } }) { total }")
        .await;
    assert_eq!(s["defenders"]["total"], 1);
});

engine_tests!(indicators_filter_and_show_live_counts, |app: TestApp| async move {
    let (_, body) = post_as(
        &app,
        None,
        r#"{ indicators(filter: { keys: ["us_states_with_bills_restricting_protest"], countryCodes: ["US"] }) {
        totalCount nodes { key value country { code } liveCount { count measure } } } }"#,
        json!({}),
    )
    .await;
    let indicators = &body["data"]["indicators"];
    assert_eq!(indicators["totalCount"], 1, "{body}");
    let indicator = &indicators["nodes"][0];
    // The sample data holds bills in Florida and North Dakota.
    assert_eq!(indicator["value"], 19);
    assert_eq!(indicator["liveCount"]["count"], 2, "{body}");
    assert!(indicator["liveCount"]["measure"].as_str().unwrap().contains("U.S. states"));

    let (_, body) = post_as(
        &app,
        None,
        "{ indicators(filter: { years: [2015] }) { nodes { key year liveCount { count } } } }",
        json!({}),
    )
    .await;
    let nodes = body["data"]["indicators"]["nodes"].as_array().expect("nodes").clone();
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["year"] == 2015), "{body}");
    // The sample records no killings in 2015: the live count says so, beside the published 156.
    let killed = nodes.iter().find(|n| n["key"] == "defenders_killed_or_died_in_detention").expect("indicator");
    assert_eq!(killed["liveCount"]["count"], 0);
});

/// Every chart the standing counts answer, with a filter or without.
fn tallied_charts(filters: &Value) -> String {
    let filter = |kind: &str| format!("(filter: {{ statuses: [{}] }})", filters[kind].as_str().unwrap());
    let unfiltered =
        "defenders { total byCountry { key label count } bySubdivision { key label count } byStatus { key count } }
        restrictions { total byCountry { key count } bySubdivision { key count } byJurisdiction { key label count }
          byStatus { key count } byKind { key count } byYearIntroduced { key count } }
        campaigns { total byStatus { key count } byKind { key count } byOutcome { key count } }";
    let filtered = unfiltered
        .replacen("defenders {", &format!("defenders{} {{", filter("DefenderStatus")), 1)
        .replacen("restrictions {", &format!("restrictions{} {{", filter("RestrictionStatus")), 1)
        .replacen("campaigns {", &format!("campaigns{} {{", filter("CampaignStatus")), 1);
    format!("unfiltered: statistics {{ {unfiltered} }} filtered: statistics {{ {filtered} }}")
}

/// Asks every chart without a filter (answered from the standing counts) and
/// with a filter that every record matches (grouped by the database), as
/// each viewer, and asserts that the answers are the same. Returns the
/// defenders' totals, to show that the writes changed them.
async fn same_counts_either_way(app: &TestApp, viewers: &[Option<&str>], step: &str) -> Vec<i64> {
    let mut statuses = json!({});
    for kind in ["DefenderStatus", "RestrictionStatus", "CampaignStatus"] {
        let body = app.data(&format!("{{ __type(name: \"{kind}\") {{ enumValues {{ name }} }} }}")).await;
        let values: Vec<&str> =
            body["__type"]["enumValues"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        statuses[kind] = json!(values.join(", "));
    }
    let query = format!("{{ {} }}", tallied_charts(&statuses));
    let mut totals = Vec::new();
    for viewer in viewers {
        let (_, body) = post_as(app, *viewer, &query, json!({})).await;
        assert!(body["errors"].is_null(), "{step}: {body}");
        let data = &body["data"];
        assert_eq!(data["unfiltered"], data["filtered"], "{step}, as {viewer:?}");
        totals.push(data["unfiltered"]["defenders"]["total"].as_i64().unwrap());
    }
    totals
}

/// Sends a mutation and returns its data.
async fn write(app: &TestApp, key: &str, mutation: &str, input: Value) -> Value {
    let (_, body) = post_as(app, Some(key), mutation, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "{mutation}: {body}");
    body["data"].clone()
}

/// The global id and version of the owner's record of a kind with this name or title.
async fn record(app: &TestApp, key: &str, list: &str, name: &str) -> (String, i64) {
    let field = if list == "defenders" { "name" } else { "title" };
    let (_, body) =
        post_as(app, Some(key), &format!("{{ {list}(first: 100) {{ nodes {{ id {field} version }} }} }}"), json!({}))
            .await;
    let node = body["data"][list]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n[field] == name)
        .unwrap_or_else(|| panic!("{name} in {body}"))
        .clone();
    (node["id"].as_str().unwrap().to_owned(), node["version"].as_i64().unwrap())
}

dataset_tests!(standing_counts_stay_exact_under_every_kind_of_write, |app: TestApp, owner: String| async move {
    let reader = create_org(&app, "Readers");
    let reader_key = create_key(&app, &reader, "READER");
    let viewers = [None, Some(owner.as_str()), Some(reader_key.as_str())];
    let mut history = vec![same_counts_either_way(&app, &viewers, "imported").await];
    assert_eq!(history[0], vec![5, 6, 5]);

    let defender = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
    let restriction =
        "mutation ($input: UpdateRestrictionInput!) { updateRestriction(input: $input) { restriction { version } } }";
    let campaign = "mutation ($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { version } } }";
    let share = "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }";
    let unshare = "mutation ($input: UnshareRecordInput!) { unshareRecord(input: $input) { removed } }";
    let archive = "mutation ($input: RecordVersionInput!) { archiveDefender(input: $input) { defender { version } } }";
    let restore = "mutation ($input: RecordVersionInput!) { restoreDefender(input: $input) { defender { version } } }";
    let merge = "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }";
    let unmerge = "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) { survivor { id } } }";

    let (one, version) = record(&app, &owner, "defenders", "Defender One").await;
    let input = json!({ "id": one, "expectedVersion": version, "countryCode": "US", "subdivisionCode": "US-FL", "status": "RELEASED" });
    write(&app, &owner, defender, input).await;
    history.push(same_counts_either_way(&app, &viewers, "moved and released").await);

    let (six, version) = record(&app, &owner, "defenders", "Defender Six").await;
    write(&app, &owner, defender, json!({ "id": six, "expectedVersion": version, "visibility": "PARTNERS" })).await;
    history.push(same_counts_either_way(&app, &viewers, "private to partners").await);

    let (two, version) = record(&app, &owner, "defenders", "Defender Two").await;
    write(&app, &owner, defender, json!({ "id": two, "expectedVersion": version, "consent": "WITHDRAWN" })).await;
    history.push(same_counts_either_way(&app, &viewers, "consent withdrawn").await);

    let (six, version) = record(&app, &owner, "defenders", "Defender Six").await;
    write(&app, &owner, defender, json!({ "id": six, "expectedVersion": version, "visibility": "PRIVATE" })).await;
    write(&app, &owner, share, json!({ "recordId": six, "organisationId": reader })).await;
    let (law, _) = record(&app, &owner, "restrictions", "Foreign funding law").await;
    write(&app, &owner, share, json!({ "recordId": law, "organisationId": reader })).await;
    // The reader sees a private defender and a private restriction only through their shares.
    history.push(same_counts_either_way(&app, &viewers, "shared").await);

    let (three, version) = record(&app, &owner, "defenders", "Defender Three").await;
    let archived = write(&app, &owner, archive, json!({ "id": three, "expectedVersion": version })).await;
    history.push(same_counts_either_way(&app, &viewers, "archived").await);

    let (four, _) = record(&app, &owner, "defenders", "Defender Four").await;
    let (five, _) = record(&app, &owner, "defenders", "Defender Five").await;
    write(&app, &owner, merge, json!({ "survivorId": five, "absorbedId": four })).await;
    history.push(same_counts_either_way(&app, &viewers, "merged").await);

    write(&app, &owner, unshare, json!({ "recordId": six, "organisationId": reader })).await;
    write(&app, &owner, unmerge, json!({ "absorbedId": four })).await;
    let version = &archived["archiveDefender"]["defender"]["version"];
    write(&app, &owner, restore, json!({ "id": three, "expectedVersion": version })).await;
    history.push(same_counts_either_way(&app, &viewers, "unshared, unmerged and restored").await);

    let (bill, version) = record(&app, &owner, "restrictions", "Florida riot bill").await;
    let input = json!({ "id": bill, "expectedVersion": version, "kind": "LAW", "status": "ENACTED",
        "countryCode": "IN", "subdivisionCode": null, "introducedOn": "2021-02" });
    write(&app, &owner, restriction, input).await;
    let (mask, version) = record(&app, &owner, "campaigns", "Stop the mask bill").await;
    let input =
        json!({ "id": mask, "expectedVersion": version, "outcome": "PARTIALLY_ACHIEVED", "visibility": "PARTNERS" });
    write(&app, &owner, campaign, input).await;
    history.push(same_counts_either_way(&app, &viewers, "restriction and campaign changed").await);

    // The defenders' totals as anonymous, owner and reader follow the writes.
    assert_eq!(
        history,
        vec![
            vec![5, 6, 5],
            vec![5, 6, 5],
            vec![5, 6, 6],
            vec![4, 6, 5],
            vec![4, 6, 5],
            vec![3, 5, 4],
            vec![2, 4, 3],
            vec![4, 6, 4],
            vec![4, 6, 4],
        ]
    );
});

engine_tests!(standing_counts_hold_records_without_a_contributor, |app: TestApp| async move {
    // The sample data's records were contributed by no organisation.
    let member = create_key(&app, &create_org(&app, "Members"), "READER");
    let totals = same_counts_either_way(&app, &[None, Some(member.as_str())], "sample data").await;
    assert!(totals[0] > 0 && totals[0] == totals[1], "{totals:?}");
});
