//! The read API against the sample dataset: the documented example queries,
//! every relationship, `node` for every type, filters and refusals.

use crate::common;

use common::{TestApp, names};
use serde_json::{Value, json};

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

engine_tests!(documented_queries_work_verbatim, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ country(code: "SA") { name defenders(first: 10) { totalCount nodes { name status
    events { nodes { kind occurredOn } } restrictions { nodes { title status } } campaigns { nodes { title } } } } } }"#,
        )
        .await;
    let country = &data["country"];
    assert_eq!(country["name"], "Saudi Arabia");
    assert_eq!(country["defenders"]["totalCount"], 1);
    let qahtani = &country["defenders"]["nodes"][0];
    assert_eq!(qahtani["name"], "Mohammad al-Qahtani");
    assert_eq!(qahtani["status"], "IMPRISONED");
    assert_eq!(qahtani["events"]["nodes"], json!([{ "kind": "SENTENCE", "occurredOn": null }]));
    assert_eq!(qahtani["restrictions"]["nodes"], json!([]));
    assert_eq!(names(&qahtani["campaigns"], "title"), ["Priority case: Mohammad al-Qahtani"]);

    let data = app
        .data(r#"{ subdivision(code: "US-FL") { name restrictions { nodes { title reference status rights } } } }"#)
        .await;
    assert_eq!(data["subdivision"]["name"], "Florida");
    assert_eq!(
        data["subdivision"]["restrictions"]["nodes"],
        json!([{
            "title": "Florida bill restricting the right to protest",
            "reference": "HB 1 / SB 484",
            "status": "PENDING",
            "rights": ["PEACEFUL_ASSEMBLY"],
        }])
    );

    let data = app
        .data(
            r#"{ defenders(filter: { statuses: [IMPRISONED] }) { totalCount nodes { name country { code name } } } }"#,
        )
        .await;
    assert_eq!(data["defenders"]["totalCount"], 2);
    assert_eq!(
        data["defenders"]["nodes"],
        json!([
            { "name": "Ilham Tohti", "country": { "code": "CN", "name": "China" } },
            { "name": "Mohammad al-Qahtani", "country": { "code": "SA", "name": "Saudi Arabia" } },
        ])
    );
});

engine_tests!(sample_defenders_carry_the_facts_of_the_source, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ defenders { totalCount nodes {
                name occupation status sectors summary
                country { code } subdivision { code name }
                otherNames { name kind language }
                affiliations { nodes { role startedOn endedOn organisation { name acronym kind country { code } } defender { name } } }
                events { totalCount nodes { kind occurredOn perpetratorType description sentence { months life } defender { name } restriction { title } } }
                sources { totalCount nodes { title publisher url } edges { locators } }
            } } }"#,
        )
        .await;
    let defenders = data["defenders"]["nodes"].as_array().expect("defenders");
    assert_eq!(data["defenders"]["totalCount"], 4);
    let by_name = |name: &str| defenders.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{name}")).clone();

    let qahtani = by_name("Mohammad al-Qahtani");
    assert_eq!(qahtani["occupation"], "Economics professor");
    assert_eq!(qahtani["country"]["code"], "SA");
    let affiliation = &qahtani["affiliations"]["nodes"][0];
    assert_eq!(affiliation["role"], "co-founder");
    assert_eq!(affiliation["organisation"]["acronym"], "ACPRA");
    assert_eq!(affiliation["organisation"]["name"], "Saudi Civil and Political Rights Association");
    assert_eq!(affiliation["organisation"]["country"]["code"], "SA");
    assert_eq!(affiliation["defender"]["name"], "Mohammad al-Qahtani");
    let sentence = &qahtani["events"]["nodes"][0];
    assert_eq!(sentence["kind"], "SENTENCE");
    assert_eq!(sentence["perpetratorType"], "STATE");
    assert_eq!(sentence["sentence"], json!({ "months": 120, "life": false }));
    assert_eq!(sentence["defender"]["name"], "Mohammad al-Qahtani");

    let tohti = by_name("Ilham Tohti");
    assert_eq!(tohti["country"]["code"], "CN");
    assert_eq!(tohti["status"], "IMPRISONED");
    assert_eq!(tohti["events"]["nodes"][0]["sentence"], json!({ "months": null, "life": true }));

    let acuna = by_name("Máxima Acuña");
    assert_eq!(acuna["country"]["code"], "PE");
    assert_eq!(acuna["occupation"], "Peasant farmer");
    assert_eq!(acuna["sectors"], json!(["LAND"]));
    assert_eq!(acuna["events"]["nodes"][0]["kind"], "HARASSMENT");

    let allard = by_name("LaDonna Brave Bull Allard");
    assert_eq!(allard["country"]["code"], "US");
    assert_eq!(allard["subdivision"], json!({ "code": "US-ND", "name": "North Dakota" }));
    assert_eq!(
        allard["otherNames"],
        json!([{ "name": "Ladonna Brave Bull Allard", "kind": "ALIAS", "language": null }])
    );
    assert_eq!(allard["events"]["nodes"][0]["occurredOn"], "2016-11-15");
    assert_eq!(allard["events"]["nodes"][0]["perpetratorType"], Value::Null);
    assert_eq!(
        sorted(serde_json::from_value(allard["sectors"].clone()).unwrap()),
        ["ENVIRONMENT", "INDIGENOUS_PEOPLES"]
    );

    for defender in defenders {
        assert_eq!(defender["sources"]["totalCount"], 1, "{}", defender["name"]);
        assert_eq!(defender["sources"]["nodes"][0]["publisher"], "Amnesty International USA");
        // The citation keeps the words of the page the record rests on.
        let locators = defender["sources"]["edges"][0]["locators"].as_array().unwrap();
        assert_eq!(locators.len(), 1);
        let name = defender["name"].as_str().unwrap();
        assert!(locators[0].as_str().unwrap().contains(name), "{name}: {locators:?}");
    }
});

engine_tests!(every_sample_record_cites_the_source_page, |app: TestApp| async move {
    let data = app
        .data(
            r#"{
              organisations(first: 100) { totalCount nodes { name sources { nodes { title } } } }
              restrictions(first: 100) { totalCount nodes { title sources { nodes { title } } } }
              campaigns(first: 100) { totalCount nodes { title sources { nodes { title } } } }
              indicators(first: 100) { totalCount nodes { key source { title publisher } } }
            }"#,
        )
        .await;
    assert_eq!(data["organisations"]["totalCount"], 9);
    assert_eq!(data["restrictions"]["totalCount"], 2);
    assert_eq!(data["campaigns"]["totalCount"], 7);
    assert_eq!(data["indicators"]["totalCount"], 4);
    for list in ["organisations", "restrictions", "campaigns"] {
        for record in data[list]["nodes"].as_array().unwrap() {
            assert_eq!(names(&record["sources"], "title"), ["Human rights defenders"], "{list}: {record}");
        }
    }
    for indicator in data["indicators"]["nodes"].as_array().unwrap() {
        assert_eq!(indicator["source"]["publisher"], "Amnesty International USA");
    }
});

engine_tests!(published_figures_are_the_four_on_the_page, |app: TestApp| async move {
    let data =
        app.data("{ indicators { nodes { key value qualifier unit year country { code } description } } }").await;
    let figures: Vec<(i64, &str, Value, Value)> = data["indicators"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["value"].as_i64().unwrap(),
                i["qualifier"].as_str().unwrap(),
                i["year"].clone(),
                i["country"]["code"].clone(),
            )
        })
        .collect();
    let mut values: Vec<i64> = figures.iter().map(|f| f.0).collect();
    values.sort();
    assert_eq!(values, [19, 61, 113, 156]);
    assert!(figures.contains(&(156, "AT_LEAST", json!(2015), Value::Null)));
    assert!(figures.contains(&(113, "AT_LEAST", json!(2015), Value::Null)));
    assert!(figures.contains(&(61, "AT_LEAST", Value::Null, Value::Null)));
    assert!(figures.contains(&(19, "EXACT", Value::Null, json!("US"))));

    let data = app.data(r#"{ indicators(filter: { years: [2015] }) { totalCount } }"#).await;
    assert_eq!(data["indicators"]["totalCount"], 2);
    let data = app.data(r#"{ indicators(filter: { worldwide: false }) { nodes { value } } }"#).await;
    assert_eq!(data["indicators"]["nodes"], json!([{ "value": 19 }]));
    let data = app.data(r#"{ country(code: "US") { indicators { nodes { key } } } }"#).await;
    assert_eq!(names(&data["country"]["indicators"], "key"), ["us_states_with_bills_restricting_protest"]);
    let data = app
        .data(r#"{ indicators(filter: { keys: ["defenders_killed_or_died_in_detention"] }) { nodes { value } } }"#)
        .await;
    assert_eq!(data["indicators"]["nodes"], json!([{ "value": 156 }]));
});

engine_tests!(restrictions_and_their_relationships, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ restrictions { nodes {
                title reference kind status rights introducedOn decidedOn summary
                country { code } subdivision { code }
                history { totalCount nodes { status changedOn note } }
                defenders { totalCount }
                campaigns { nodes { title } }
            } } }"#,
        )
        .await;
    let restrictions = data["restrictions"]["nodes"].as_array().unwrap();
    let north_dakota = restrictions.iter().find(|r| r["subdivision"]["code"] == "US-ND").expect("North Dakota bills");
    assert_eq!(north_dakota["status"], "DEFEATED");
    assert_eq!(north_dakota["kind"], "BILL");
    assert_eq!(north_dakota["country"]["code"], "US");
    assert_eq!(north_dakota["history"]["nodes"][0]["status"], "DEFEATED");
    assert_eq!(
        sorted(names(&north_dakota["campaigns"], "title")),
        ["Defeat the North Dakota bills against protest", "Protect the right to protest in the U.S."]
    );
    let florida = restrictions.iter().find(|r| r["subdivision"]["code"] == "US-FL").expect("Florida bill");
    assert_eq!(florida["reference"], "HB 1 / SB 484");
    assert_eq!(
        sorted(names(&florida["campaigns"], "title")),
        ["Letter to the Florida Legislature on HB1/SB 484", "Protect the right to protest in the U.S."]
    );

    // State bills belong to the country too; filters narrow them.
    let data = app
        .data(
            r#"{ country(code: "US") {
                all: restrictions { totalCount }
                defeated: restrictions(filter: { statuses: [DEFEATED] }) { nodes { title } }
                florida: restrictions(filter: { subdivisionCodes: ["us-fl"] }) { nodes { reference } }
                expression: restrictions(filter: { rights: [EXPRESSION] }) { totalCount }
                laws: restrictions(filter: { kinds: [LAW] }) { totalCount }
            } }"#,
        )
        .await;
    let us = &data["country"];
    assert_eq!(us["all"]["totalCount"], 2);
    assert_eq!(names(&us["defeated"], "title"), ["Five North Dakota bills restricting the right to protest"]);
    assert_eq!(us["florida"]["nodes"], json!([{ "reference": "HB 1 / SB 484" }]));
    assert_eq!(us["expression"]["totalCount"], 0);
    assert_eq!(us["laws"]["totalCount"], 0);
    let data = app
        .data(r#"{ restrictions(filter: { rights: [PEACEFUL_ASSEMBLY], countryCodes: ["US"] }) { totalCount } }"#)
        .await;
    assert_eq!(data["restrictions"]["totalCount"], 2);
});

engine_tests!(campaigns_and_their_relationships, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ campaigns(first: 100) { nodes {
                title kind status startedOn endedOn summary outcome outcomeSummary
                leadOrganisation { name }
                defenders { nodes { name } }
                restrictions { nodes { title } }
                countries { nodes { code } }
                subdivisions { nodes { code } }
            } } }"#,
        )
        .await;
    let campaigns = data["campaigns"]["nodes"].as_array().unwrap();
    let by_title =
        |title: &str| campaigns.iter().find(|c| c["title"] == title).unwrap_or_else(|| panic!("{title}")).clone();

    let observers = by_title("Human rights observers at Standing Rock");
    assert_eq!(observers["kind"], "OBSERVATION_MISSION");
    assert_eq!(observers["leadOrganisation"]["name"], "Amnesty International");
    assert_eq!(names(&observers["defenders"], "name"), ["LaDonna Brave Bull Allard"]);
    assert_eq!(names(&observers["countries"], "code"), ["US"]);
    assert_eq!(names(&observers["subdivisions"], "code"), ["US-ND"]);

    let bills = by_title("Defeat the North Dakota bills against protest");
    assert_eq!(bills["status"], "SUCCEEDED");
    assert_eq!(bills["outcome"], "ACHIEVED");
    assert_eq!(names(&bills["restrictions"], "title"), ["Five North Dakota bills restricting the right to protest"]);

    let letter = by_title("Letter to the Florida Legislature on HB1/SB 484");
    assert_eq!(letter["kind"], "LETTER");
    assert_eq!(letter["leadOrganisation"]["name"], "Amnesty International USA");
    assert_eq!(names(&letter["subdivisions"], "code"), ["US-FL"]);

    for (title, country) in [
        ("Priority case: Mohammad al-Qahtani", "SA"),
        ("Priority case: Máxima Acuña", "PE"),
        ("Priority case: Ilham Tohti", "CN"),
    ] {
        let case = by_title(title);
        assert_eq!(case["kind"], "INDIVIDUAL_CASE");
        assert_eq!(names(&case["countries"], "code"), [country]);
        assert_eq!(case["defenders"]["nodes"].as_array().unwrap().len(), 1);
    }

    let data = app
        .data(
            r#"{
              us: campaigns(filter: { countryCodes: ["US"] }) { totalCount }
              cases: campaigns(filter: { kinds: [INDIVIDUAL_CASE], statuses: [ACTIVE] }) { totalCount }
              none: campaigns(filter: { statuses: [] }) { totalCount nodes { title } }
              nd: subdivision(code: "US-ND") { campaigns { nodes { title } } defenders { nodes { name } } country { code } }
              usa: country(code: "US") { campaigns { totalCount } organisations(filter: { kinds: [LEGISLATURE] }) { totalCount } }
            }"#,
        )
        .await;
    assert_eq!(data["us"]["totalCount"], 4);
    assert_eq!(data["cases"]["totalCount"], 3);
    assert_eq!(data["none"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(
        sorted(names(&data["nd"]["campaigns"], "title")),
        ["Defeat the North Dakota bills against protest", "Human rights observers at Standing Rock"]
    );
    assert_eq!(names(&data["nd"]["defenders"], "name"), ["LaDonna Brave Bull Allard"]);
    assert_eq!(data["nd"]["country"]["code"], "US");
    assert_eq!(data["usa"]["campaigns"]["totalCount"], 4);
    assert_eq!(data["usa"]["organisations"]["totalCount"], 3);
});

engine_tests!(organisations_and_their_relationships, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ organisations(first: 100, filter: { countryCodes: ["SA"] }) { nodes {
                name acronym kind website summary country { name }
                affiliations { nodes { role defender { name } } }
                campaigns { totalCount }
            } }
            lead: organisations(filter: { kinds: [NGO] }) { nodes { name campaigns { nodes { title } } } } }"#,
        )
        .await;
    let acpra = &data["organisations"]["nodes"][0];
    assert_eq!(acpra["acronym"], "ACPRA");
    assert_eq!(acpra["country"]["name"], "Saudi Arabia");
    assert_eq!(
        acpra["affiliations"]["nodes"],
        json!([{ "role": "co-founder", "defender": { "name": "Mohammad al-Qahtani" } }])
    );
    let lead = data["lead"]["nodes"].as_array().unwrap();
    let usa = lead.iter().find(|o| o["name"] == "Amnesty International USA").unwrap();
    assert_eq!(usa["campaigns"]["nodes"].as_array().unwrap().len(), 5);
});

engine_tests!(filters_combine_and_validate, |app: TestApp| async move {
    let data = app
        .data(
            r#"{
              land: defenders(filter: { sectors: [LAND, ENVIRONMENT] }) { nodes { name } }
              both: defenders(filter: { sectors: [ENVIRONMENT], countryCodes: ["US"], subdivisionCodes: ["US-ND"] }) { totalCount }
              nowhere: defenders(filter: { countryCodes: ["FR"] }) { totalCount nodes { name } }
              empty: defenders(filter: { statuses: [] }) { totalCount }
              lowercase: defenders(filter: { countryCodes: ["pe"] }) { nodes { name } }
            }"#,
        )
        .await;
    assert_eq!(names(&data["land"], "name"), ["LaDonna Brave Bull Allard", "Máxima Acuña"]);
    assert_eq!(data["both"]["totalCount"], 1);
    assert_eq!(data["nowhere"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(data["empty"]["totalCount"], 0);
    assert_eq!(names(&data["lowercase"], "name"), ["Máxima Acuña"]);

    for (query, argument) in [
        (r#"{ defenders(filter: { countryCodes: ["XX"] }) { totalCount } }"#, "filter.countryCodes"),
        (r#"{ defenders(filter: { countryCodes: ["SAU"] }) { totalCount } }"#, "filter.countryCodes"),
        (r#"{ restrictions(filter: { subdivisionCodes: ["US-ZZ"] }) { totalCount } }"#, "filter.subdivisionCodes"),
        (r#"{ campaigns(filter: { countryCodes: [""] }) { totalCount } }"#, "filter.countryCodes"),
        (r#"{ indicators(filter: { years: [15] }) { totalCount } }"#, "filter.years"),
    ] {
        let error = app.error(query).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{query}: {error}");
        assert_eq!(error["extensions"]["argument"], argument, "{query}");
    }
    let error = app.error(r#"{ defenders(filter: { statuses: [SLEEPING] }) { totalCount } }"#).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
});

engine_tests!(countries_and_subdivisions, |app: TestApp| async move {
    let data = app
        .data(
            r#"{ country(code: "us") { id code alpha3 numeric name subdivisions(first: 100) { totalCount nodes { code name kind country { code } } } } }"#,
        )
        .await;
    let us = &data["country"];
    assert_eq!(
        (us["code"].as_str(), us["alpha3"].as_str(), us["numeric"].as_i64()),
        (Some("US"), Some("USA"), Some(840))
    );
    // Every state, the District of Columbia and the outlying areas.
    assert_eq!(us["subdivisions"]["totalCount"], 57);
    let subdivisions = us["subdivisions"]["nodes"].as_array().unwrap();
    let kind_of = |code: &str| subdivisions.iter().find(|s| s["code"] == code).map(|s| s["kind"].clone());
    assert_eq!(kind_of("US-ND"), Some(json!("State")));
    assert_eq!(kind_of("US-DC"), Some(json!("District")));
    assert_eq!(kind_of("US-PR"), Some(json!("Outlying area")));
    assert!(subdivisions.iter().all(|s| s["country"]["code"] == "US"));

    let data =
        app.data(r#"{ countries { totalCount } gb: country(code: "GB") { subdivisions { totalCount } } }"#).await;
    assert_eq!(data["countries"]["totalCount"], 249);
    assert!(data["gb"]["subdivisions"]["totalCount"].as_u64().unwrap() > 100);

    for query in [
        r#"{ country(code: "XX") { name } }"#,
        r#"{ country(code: "USA") { name } }"#,
        r#"{ subdivision(code: "US-ZZ") { name } }"#,
        r#"{ subdivision(code: "nonsense") { name } }"#,
    ] {
        let body = app.post(query, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{query}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], "code");
        assert!(body["data"].as_object().unwrap().values().all(Value::is_null), "{body}");
    }
});

/// One global id of each node type, from the sample data.
async fn one_id_of_each_type(app: &TestApp) -> Vec<(String, String)> {
    let data = app
        .data(
            r#"{
              country(code: "PE") { id }
              subdivision(code: "US-ND") { id }
              organisations(first: 1) { nodes { id } }
              defenders(first: 1) { nodes { id events { nodes { id } } } }
              restrictions(first: 1) { nodes { id } }
              campaigns(first: 1) { nodes { id } }
              indicators(first: 1) { nodes { id } }
              sources: defenders(first: 1) { nodes { sources { nodes { id } } } }
              affiliated: organisations(filter: { countryCodes: ["SA"] }) { nodes { affiliations { nodes { id } } } }
            }"#,
        )
        .await;
    let id = |value: &Value| value.as_str().expect("id").to_owned();
    vec![
        ("Country".into(), id(&data["country"]["id"])),
        ("Subdivision".into(), id(&data["subdivision"]["id"])),
        ("Organisation".into(), id(&data["organisations"]["nodes"][0]["id"])),
        ("Defender".into(), id(&data["defenders"]["nodes"][0]["id"])),
        ("CaseEvent".into(), id(&data["defenders"]["nodes"][0]["events"]["nodes"][0]["id"])),
        ("Restriction".into(), id(&data["restrictions"]["nodes"][0]["id"])),
        ("Campaign".into(), id(&data["campaigns"]["nodes"][0]["id"])),
        ("Indicator".into(), id(&data["indicators"]["nodes"][0]["id"])),
        ("Source".into(), id(&data["sources"]["nodes"][0]["sources"]["nodes"][0]["id"])),
        ("Affiliation".into(), id(&data["affiliated"]["nodes"][0]["affiliations"]["nodes"][0]["id"])),
    ]
}

engine_tests!(node_resolves_every_type, |app: TestApp| async move {
    let ids = one_id_of_each_type(&app).await;
    for (type_name, id) in &ids {
        let data = app.data_with("query ($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(data["node"], json!({ "__typename": type_name, "id": id }));
    }
    let all: Vec<&String> = ids.iter().map(|(_, id)| id).collect();
    let data =
        app.data_with("query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", json!({ "ids": all })).await;
    let typenames: Vec<&str> =
        data["nodes"].as_array().unwrap().iter().map(|n| n["__typename"].as_str().unwrap()).collect();
    let expected: Vec<&str> = ids.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(typenames, expected);

    let data = app
        .data_with(
            "query ($id: ID!) { node(id: $id) { ... on Defender { name country { code } } ... on Country { name } } }",
            json!({ "id": ids[3].1 }),
        )
        .await;
    assert!(data["node"]["name"].is_string());
});

engine_tests!(unknown_and_malformed_ids_are_told_apart, |app: TestApp| async move {
    use base64::Engine;
    let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let unknown_defender = encode("Defender:0190aaaa-0000-7000-8000-000000000000");

    let body = app.post("query ($id: ID!) { defender(id: $id) { name } }", json!({ "id": unknown_defender })).await;
    // A failed lookup nulls its own field only.
    assert_eq!(body["data"], json!({ "defender": null }));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["defender"]));

    let body = app.post("query ($id: ID!) { node(id: $id) { id } }", json!({ "id": unknown_defender })).await;
    assert_eq!(body["data"], json!({ "node": null }));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");

    // Other fields of the same request still answer.
    let body = app
        .post(
            "query ($id: ID!) { node(id: $id) { id } country(code: \"PE\") { name } }",
            json!({ "id": unknown_defender }),
        )
        .await;
    assert_eq!(body["data"], json!({ "node": null, "country": { "name": "Peru" } }));

    let malformed = [
        "",
        "nonsense",
        &encode("Defender:not-a-uuid"),
        &encode("Spaceship:0190aaaa-0000-7000-8000-000000000000"),
        &encode("Country:S A"),
    ];
    for id in malformed {
        for query in ["query ($id: ID!) { node(id: $id) { id } }", "query ($id: ID!) { defender(id: $id) { id } }"] {
            let body = app.post(query, json!({ "id": id })).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{id}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["argument"], "id");
        }
    }

    // An id of another type is refused where a type is expected.
    let country_id = encode("Country:SA");
    for field in ["defender", "restriction", "campaign", "organisation"] {
        let body =
            app.post(&format!("query ($id: ID!) {{ {field}(id: $id) {{ id }} }}"), json!({ "id": country_id })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{field}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("Country"), "{body}");
    }

    let ids = vec![app.defender_id("Ilham Tohti").await, unknown_defender.clone()];
    let data = app.data_with("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(data["nodes"][0]["id"], ids[0]);
    assert_eq!(data["nodes"][1], Value::Null);

    let too_many: Vec<String> = (0..101).map(|_| unknown_defender.clone()).collect();
    let body = app.post("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": too_many })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
});

engine_tests!(single_lookups_return_the_record, |app: TestApp| async move {
    let data = app.data("{ restrictions(first: 1) { nodes { id title } } campaigns(first: 1) { nodes { id title } } organisations(first: 1) { nodes { id name } } }").await;
    for (field, list, label) in [
        ("restriction", "restrictions", "title"),
        ("campaign", "campaigns", "title"),
        ("organisation", "organisations", "name"),
    ] {
        let record = &data[list]["nodes"][0];
        let found = app
            .data_with(
                &format!("query ($id: ID!) {{ {field}(id: $id) {{ id {label} }} }}"),
                json!({ "id": record["id"] }),
            )
            .await;
        assert_eq!(&found[field], record);
    }
    let id = app.defender_id("Máxima Acuña").await;
    let found =
        app.data_with("query ($id: ID!) { defender(id: $id) { name createdAt updatedAt } }", json!({ "id": id })).await;
    assert_eq!(found["defender"]["name"], "Máxima Acuña");
    assert!(found["defender"]["createdAt"].as_str().unwrap().starts_with("20"));
});

engine_tests!(links_say_how_a_restriction_concerns_a_defender, |app: TestApp| async move {
    use entity::{DefenderRestrictionRelation, defender, defender_restriction, restriction};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    // The sample page states no such link, so the test makes one.
    let allard = defender::Entity::find()
        .filter(defender::Column::Name.eq("LaDonna Brave Bull Allard"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let bills = restriction::Entity::find()
        .filter(restriction::Column::SubdivisionCode.eq("US-ND"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    defender_restriction::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        defender_id: Set(allard.id),
        restriction_id: Set(bills.id),
        relation: Set(DefenderRestrictionRelation::Opposes),
        note: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();

    let data = app
        .data(
            r#"{ subdivision(code: "US-ND") {
                defenders { nodes { name restrictions { edges { relation node { title } } } } }
                restrictions { edges { relation node { defenders { edges { relation node { name } } } } } }
            } }"#,
        )
        .await;
    let defender = &data["subdivision"]["defenders"]["nodes"][0];
    assert_eq!(
        defender["restrictions"]["edges"],
        json!([{ "relation": "OPPOSES", "node": { "title": "Five North Dakota bills restricting the right to protest" } }])
    );
    let restriction = &data["subdivision"]["restrictions"]["edges"][0];
    // Outside a defender's restrictions, a restriction edge has no relation.
    assert_eq!(restriction["relation"], Value::Null);
    assert_eq!(
        restriction["node"]["defenders"]["edges"],
        json!([{ "relation": "OPPOSES", "node": { "name": "LaDonna Brave Bull Allard" } }])
    );
});

engine_tests!(records_carry_their_provenance, |app: TestApp| async move {
    let data = app
        .data(
            r#"{
              defenders(first: 1) { nodes { visibility version consent contributedBy { name } } }
              restrictions(first: 1) { nodes { visibility version contributedBy { name } } }
              campaigns(first: 1) { nodes { visibility version contributedBy { name } } }
              organisations(first: 1) { nodes { visibility version contributedBy { name } } }
              indicators(first: 1) { nodes { visibility version contributedBy { name } source { visibility version } } }
            }"#,
        )
        .await;
    for list in ["defenders", "restrictions", "campaigns", "organisations", "indicators"] {
        let node = &data[list]["nodes"][0];
        assert_eq!(node["visibility"], "PUBLIC", "{list}");
        assert_eq!(node["version"], 1, "{list}");
        assert_eq!(node["contributedBy"], Value::Null, "sample data has no contributing partner: {list}");
    }
    assert_eq!(data["defenders"]["nodes"][0]["consent"], "GIVEN");
});
