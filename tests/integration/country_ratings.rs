//! Civic-space ratings: written, dated and audited like every record kind;
//! a country's current rating is the latest the viewer may see; the counts
//! are known by hand; import and export carry them both ways.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

/// Peru's history as partners of one organisation record it, with one
/// private rating and ratings of two other countries. Country ratings by
/// date (P = private):
///
/// | country | 2015 | 2017 | 2019 | 2020 | 2021 |
/// |---|---|---|---|---|---|
/// | PE | NARROWED | OBSTRUCTED | REPRESSED (P) | | OBSTRUCTED |
/// | SA | CLOSED | | | | |
/// | US | OPEN | | | NARROWED | |
const RATINGS: &str = r#"{"type":"organisation","externalId":"CM","name":"Civic Monitor","kind":"NGO","visibility":"PUBLIC"}
{"type":"source","externalId":"S1","title":"Civic space report","publishedOn":"2021-12","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"PE-2015","countryCode":"PE","rating":"NARROWED","ratedOn":"2015","organisationId":"CM","sourceId":"S1","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"PE-2017","countryCode":"PE","rating":"OBSTRUCTED","ratedOn":"2017-12","organisationId":"CM","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"PE-2019","countryCode":"PE","rating":"REPRESSED","ratedOn":"2019-12","organisationId":"CM","note":"Private assessment","visibility":"PRIVATE"}
{"type":"country_rating","externalId":"PE-2021","countryCode":"PE","rating":"OBSTRUCTED","ratedOn":"2021-12","organisationId":"CM","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"SA-2015","countryCode":"SA","rating":"CLOSED","ratedOn":"2015","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"US-2015","countryCode":"US","rating":"OPEN","ratedOn":"2015","visibility":"PUBLIC"}
{"type":"country_rating","externalId":"US-2020","countryCode":"US","rating":"NARROWED","ratedOn":"2020-12","visibility":"PUBLIC"}
"#;

async fn with_ratings(app: &TestApp) -> String {
    let key = create_key(app, &create_org(app, "Raters"), "ADMIN");
    let (_, body) = post_as(
        app,
        Some(&key),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created problems { line field reason } } }",
        json!({ "input": { "format": "JSON_LINES", "data": RATINGS } }),
    )
    .await;
    assert_eq!(body["data"]["importRecords"]["created"], 9, "{body}");
    key
}

async fn data(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let (status, body) = post_as(app, key, query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

fn strings(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item.pointer(field).and_then(Value::as_str).unwrap_or_default().to_owned())
        .collect()
}

const PERU: &str = "{ country(code: \"PE\") { currentRating { rating ratedOn organisation { name } source { title } }
    ratings { totalCount nodes { rating ratedOn note } } } }";

engine_tests!(history_and_current_rating_follow_visibility, |app: TestApp| async move {
    let owner = with_ratings(&app).await;
    let other = create_key(&app, &create_org(&app, "Other partner"), "READER");

    // The owner sees the private 2019 rating in the history; the current
    // rating is the latest of all: 2021.
    let seen = data(&app, Some(&owner), PERU, json!({})).await;
    let country = &seen["country"];
    assert_eq!(country["ratings"]["totalCount"], 4, "{seen}");
    assert_eq!(
        strings(&country["ratings"]["nodes"], "/ratedOn"),
        ["2015", "2017-12", "2019-12", "2021-12"],
        "oldest first"
    );
    assert_eq!(country["currentRating"]["rating"], "OBSTRUCTED");
    assert_eq!(country["currentRating"]["organisation"]["name"], "Civic Monitor");

    // Anonymous and another partner: the private rating is not there at all.
    for key in [None, Some(other.as_str())] {
        let seen = data(&app, key, PERU, json!({})).await;
        assert_eq!(seen["country"]["ratings"]["totalCount"], 3, "{seen}");
        assert!(!seen.to_string().contains("Private assessment"), "{seen}");
        assert!(!seen.to_string().contains("REPRESSED"), "{seen}");
    }

    // Archiving the 2021 rating makes the private 2019 one current for the
    // owner, and the public 2017 one current for everyone else.
    let latest = data(
        &app,
        Some(&owner),
        "{ countryRatings(filter: {countryCodes: [\"PE\"], current: true}) { nodes { id version rating } } }",
        json!({}),
    )
    .await;
    let node = &latest["countryRatings"]["nodes"][0];
    assert_eq!(node["rating"], "OBSTRUCTED");
    data(
        &app,
        Some(&owner),
        "mutation ($input: RecordVersionInput!) { archiveCountryRating(input: $input) { countryRating { id } } }",
        json!({ "input": { "id": node["id"], "expectedVersion": node["version"] } }),
    )
    .await;
    let current = |seen: &Value| seen["country"]["currentRating"]["ratedOn"].as_str().unwrap_or_default().to_owned();
    assert_eq!(current(&data(&app, Some(&owner), PERU, json!({})).await), "2019-12");
    assert_eq!(current(&data(&app, None, PERU, json!({})).await), "2017-12");
    assert_eq!(current(&data(&app, Some(&other), PERU, json!({})).await), "2017-12");

    // A country without ratings has no current rating.
    let none =
        data(&app, None, "{ country(code: \"FR\") { currentRating { rating } ratings { totalCount } } }", json!({}))
            .await;
    assert!(none["country"]["currentRating"].is_null(), "{none}");
    assert_eq!(none["country"]["ratings"]["totalCount"], 0);
});

engine_tests!(writes_are_checked_versioned_and_audited, |app: TestApp| async move {
    let org = create_org(&app, "Raters");
    let editor = create_key(&app, &org, "EDITOR");
    let reader = create_key(&app, &org, "READER");
    let create = "mutation ($input: CreateCountryRatingInput!) {
        createCountryRating(input: $input) { countryRating { id version rating ratedOn country { code } visibility } } }";
    let input = json!({ "countryCode": "pe", "rating": "REPRESSED", "ratedOn": "2023-12", "visibility": "PUBLIC" });

    // Anonymous and READER keys may not write.
    let (_, body) = post_as(&app, None, create, json!({ "input": input })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    let (_, body) = post_as(&app, Some(&reader), create, json!({ "input": input })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    // Bad input is refused with the field named, and nothing is written.
    for (bad, field) in [
        (json!({ "countryCode": "ZZ" }), "countryCode"),
        (
            json!({ "organisationId": "T3JnYW5pc2F0aW9uOjAxOTNmMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMQ" }),
            "organisationId",
        ),
        (json!({ "note": "n".repeat(20_001) }), "note"),
    ] {
        let mut input = input.clone();
        input.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        let (_, body) = post_as(&app, Some(&editor), create, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{field}: {body}");
        assert!(body["errors"][0]["extensions"]["argument"].as_str().unwrap_or_default().contains(field), "{body}");
    }
    let (_, body) = post_as(
        &app,
        Some(&editor),
        create,
        json!({ "input": { "countryCode": "PE", "rating": "OPEN", "ratedOn": "2023-13" } }),
    )
    .await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("2023-13"), "{body}");
    let count = data(&app, Some(&editor), "{ countryRatings { totalCount } }", json!({})).await;
    assert_eq!(count["countryRatings"]["totalCount"], 0, "nothing written by refused writes");

    let created = data(&app, Some(&editor), create, json!({ "input": input })).await;
    let rating = &created["createCountryRating"]["countryRating"];
    assert_eq!(rating["country"]["code"], "PE");
    assert_eq!(rating["version"], 1);
    let id = rating["id"].as_str().unwrap().to_owned();

    // An update based on a stale version is refused; a current one lands.
    let update = "mutation ($input: UpdateCountryRatingInput!) { updateCountryRating(input: $input) { countryRating { version rating note } } }";
    let (_, body) = post_as(
        &app,
        Some(&editor),
        update,
        json!({ "input": { "id": id, "expectedVersion": 7, "rating": "CLOSED" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    let updated = data(
        &app,
        Some(&editor),
        update,
        json!({ "input": { "id": id, "expectedVersion": 1, "rating": "CLOSED", "note": "Internet shutdown" } }),
    )
    .await;
    assert_eq!(updated["updateCountryRating"]["countryRating"]["version"], 2);

    // The audit log holds the creation and the change, for anyone who may see the rating.
    let log = data(
        &app,
        None,
        "query ($id: ID!) { countryRating(id: $id) { auditLog { nodes { action version changes { field from to } } } } }",
        json!({ "id": id }),
    )
    .await;
    let entries = &log["countryRating"]["auditLog"]["nodes"];
    assert_eq!(strings(entries, "/action"), ["CREATE", "UPDATE"], "{log}");
    let changes = &entries[1]["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "rating" && c["from"] == "REPRESSED" && c["to"] == "CLOSED"),
        "{log}"
    );

    // Another organisation cannot change it, and one that cannot see a
    // private rating is told it does not exist, as for an id never used.
    let stranger = create_key(&app, &create_org(&app, "Stranger"), "EDITOR");
    let (_, body) = post_as(
        &app,
        Some(&stranger),
        update,
        json!({ "input": { "id": id, "expectedVersion": 2, "rating": "OPEN" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    data(&app, Some(&editor), update, json!({ "input": { "id": id, "expectedVersion": 2, "visibility": "PRIVATE" } }))
        .await;
    let (_, hidden) = post_as(
        &app,
        Some(&stranger),
        update,
        json!({ "input": { "id": id, "expectedVersion": 3, "rating": "OPEN" } }),
    )
    .await;
    let never = "Q291bnRyeVJhdGluZzowMTkzZjAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDk";
    let (_, unknown) = post_as(
        &app,
        Some(&stranger),
        update,
        json!({ "input": { "id": never, "expectedVersion": 3, "rating": "OPEN" } }),
    )
    .await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "{hidden}");
    assert_eq!(
        hidden["errors"][0]["message"].as_str().unwrap().replace(&common::uuid_of(&id).to_string(), "ID"),
        unknown["errors"][0]["message"].as_str().unwrap().replace(&common::uuid_of(never).to_string(), "ID"),
    );
});

engine_tests!(statistics_count_countries_by_rating_and_changes, |app: TestApp| async move {
    let owner = with_ratings(&app).await;
    let query = "{ statistics { ratings%s { total countriesByRating { key count } changesByYear { year improved worsened } } } }";
    let stats = |key: Option<String>, filter: &'static str| {
        let app = &app;
        async move {
            data(app, key.as_deref(), &query.replace("%s", filter), json!({})).await["statistics"]["ratings"].clone()
        }
    };
    let counts = |found: &Value| -> Vec<(String, i64)> {
        found["countriesByRating"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["key"].as_str().unwrap().to_owned(), b["count"].as_i64().unwrap()))
            .collect()
    };
    let expect = |list: [i64; 5]| -> Vec<(String, i64)> {
        ["OPEN", "NARROWED", "OBSTRUCTED", "REPRESSED", "CLOSED"].iter().map(|k| k.to_string()).zip(list).collect()
    };

    // Public: PE OBSTRUCTED (2021), SA CLOSED, US NARROWED (2020).
    let public = stats(None, "").await;
    assert_eq!(public["total"], 6);
    assert_eq!(counts(&public), expect([0, 1, 1, 0, 1]));
    // Changes: PE 2017 worse; PE 2021 same as 2017 (no change); US 2020 worse.
    assert_eq!(
        public["changesByYear"],
        json!([
            { "year": 2017, "improved": 0, "worsened": 1 },
            { "year": 2018, "improved": 0, "worsened": 0 },
            { "year": 2019, "improved": 0, "worsened": 0 },
            { "year": 2020, "improved": 0, "worsened": 1 }
        ])
    );
    // The owner also sees PE 2019 REPRESSED: 2019 worse, 2021 better.
    let owned = stats(Some(owner.clone()), "").await;
    assert_eq!(owned["total"], 7);
    assert_eq!(counts(&owned), expect([0, 1, 1, 0, 1]));
    assert_eq!(
        owned["changesByYear"],
        json!([
            { "year": 2017, "improved": 0, "worsened": 1 },
            { "year": 2018, "improved": 0, "worsened": 0 },
            { "year": 2019, "improved": 0, "worsened": 1 },
            { "year": 2020, "improved": 0, "worsened": 1 },
            { "year": 2021, "improved": 1, "worsened": 0 }
        ])
    );
    // As the ratings stood at the end of 2019: PE REPRESSED for the owner,
    // OBSTRUCTED for everyone else; US still OPEN.
    assert_eq!(counts(&stats(Some(owner.clone()), "(filter: {ratedUntil: \"2019\"})").await), expect([1, 0, 0, 1, 1]));
    assert_eq!(counts(&stats(None, "(filter: {ratedUntil: \"2019\"})").await), expect([1, 0, 1, 0, 1]));

    // The same as a list: the countries rated closed now.
    let closed = data(
        &app,
        None,
        "{ countryRatings(filter: {current: true, ratings: [CLOSED, NARROWED]}) { nodes { country { code } rating } } }",
        json!({}),
    )
    .await;
    assert_eq!(strings(&closed["countryRatings"]["nodes"], "/country/code"), ["SA", "US"]);
    // A bad date range is refused.
    let (_, body) = post_as(
        &app,
        None,
        "{ statistics { ratings(filter: {ratedSince: \"2020\", ratedUntil: \"2019\"}) { total } } }",
        json!({}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});

engine_tests!(ratings_export_and_import_back, |app: TestApp| async move {
    let owner = with_ratings(&app).await;
    let export = "query ($format: ExchangeFormat!) { exportRecords(recordType: COUNTRY_RATING, format: $format) { content count } }";
    let jsonl = data(&app, Some(&owner), export, json!({ "format": "JSON_LINES" })).await;
    let content = jsonl["exportRecords"]["content"].as_str().unwrap().to_owned();
    assert_eq!(jsonl["exportRecords"]["count"], 7, "{content}");
    // The owner's external identifiers name the ratings and their links.
    assert!(content.contains("\"externalId\":\"PE-2015\""), "{content}");
    assert!(content.contains("\"organisationId\":\"CM\""), "{content}");
    assert!(content.contains("\"sourceId\":\"S1\""), "{content}");
    let csv = data(&app, Some(&owner), export, json!({ "format": "CSV" })).await;
    let csv = csv["exportRecords"]["content"].as_str().unwrap().to_owned();
    assert!(
        csv.starts_with("external_id,id,country_code,rating,rated_on,organisation_id,source_id,note,visibility"),
        "{csv}"
    );

    // Anonymous readers export the public ratings only.
    let public = data(&app, None, export, json!({ "format": "JSON_LINES" })).await;
    assert_eq!(public["exportRecords"]["count"], 6);
    assert!(!public.to_string().contains("Private assessment"));

    // Importing the export again changes nothing.
    let again = data(
        &app,
        Some(&owner),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created updated unchanged problems { reason } } }",
        json!({ "input": { "format": "JSON_LINES", "data": content } }),
    )
    .await;
    assert_eq!(again["importRecords"]["unchanged"], 7, "{again}");
    assert_eq!(again["importRecords"]["created"], 0, "{again}");

    // A CSV row with an unknown rating is refused, naming its column.
    let (_, body) = post_as(
        &app,
        Some(&owner),
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created problems { line field reason } } }",
        json!({ "input": { "format": "CSV", "recordType": "COUNTRY_RATING",
                           "data": "external_id,country_code,rating,rated_on\nX1,PE,SEMI_OPEN,2022\n" } }),
    )
    .await;
    let problems = &body["data"]["importRecords"]["problems"];
    assert_eq!(problems[0]["field"], "rating", "{body}");
    assert_eq!(body["data"]["importRecords"]["created"], 0, "{body}");
});
