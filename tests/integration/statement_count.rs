//! The number of SQL statements a request makes depends on the query's
//! shape, never on how many rows come back.
//!
//! These tests count what executing a query costs, so the response cache is
//! off in them (with it on, a cacheable query costs one more statement, the
//! change sequence's head, and an answer from the cache that one only:
//! `response_cache::a_hit_costs_one_statement`).

use crate::common;

use chrono::Utc;
use common::TestApp;
use entity::*;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use uuid::Uuid;

/// A deeply nested query touching every relationship of the model.
const NESTED: &str = r#"{
  countries(first: 10, orderBy: { field: CODE }) { totalCount nodes { name
    defenders(first: PAGE) { totalCount nodes {
      name status sectors otherNames { name }
      country { name } subdivision { name }
      affiliations { totalCount nodes { role organisation { name country { code } } } }
      events(first: PAGE) { totalCount nodes { kind sentence { months } restriction { title } } }
      restrictions(first: PAGE) { totalCount edges { relation node { title rights country { code }
        history { nodes { status } } campaigns { totalCount } } } }
      campaigns(first: PAGE) { totalCount nodes { title leadOrganisation { name }
        countries { nodes { code } } subdivisions { nodes { code } } defenders(first: 3) { nodes { name } } } }
      sources { totalCount nodes { title } }
    } }
    restrictions(first: PAGE) { totalCount nodes { title defenders(first: 5) { totalCount edges { relation } } } }
  } }
}"#;

/// The response cache off: these tests count what execution costs.
fn uncached(settings: &mut rights_graph::Settings) {
    settings.cache.response_cache_mib = 0;
}

fn nested(page: u32) -> String {
    NESTED.replace("PAGE", &page.to_string())
}

/// Adds `n` defenders spread over ten countries, each with names, sectors,
/// events, restrictions, campaigns, an affiliation and a citation.
async fn seed(app: &TestApp, n: usize) {
    let now = Utc::now();
    let countries = ["AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR"];
    let organisation = Uuid::now_v7();
    organisation::Entity::insert(organisation::ActiveModel {
        id: Set(organisation),
        name: Set("Synthetic Organisation".into()),
        acronym: Set(None),
        kind: Set(OrganisationKind::Ngo),
        country_code: Set(Some("AD".into())),
        website: Set(None),
        summary: Set(None),
        sort_key: Set("synthetic organisation".into()),
        contributed_by_id: Set(None),
        merged_into_id: Set(None),
        visibility: Set(Visibility::Public),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let source = Uuid::now_v7();
    source::Entity::insert(source::ActiveModel {
        id: Set(source),
        url: Set(Some("https://example.org/report".into())),
        title: Set("Synthetic report".into()),
        publisher: Set(None),
        published_on: Set(None),
        sort_key: Set("synthetic report".into()),
        contributed_by_id: Set(None),
        visibility: Set(Visibility::Public),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.db)
    .await
    .unwrap();

    let restriction_ids: Vec<(Uuid, &str)> = countries.iter().map(|c| (Uuid::now_v7(), *c)).collect();
    restriction::Entity::insert_many(restriction_ids.iter().map(|(id, country)| restriction::ActiveModel {
        id: Set(*id),
        title: Set(format!("Synthetic law of {country}")),
        reference: Set(None),
        kind: Set(RestrictionKind::Law),
        status: Set(RestrictionStatus::Enacted),
        country_code: Set(country.to_string()),
        subdivision_code: Set(None),
        introduced_on: Set(Some("2020".parse().unwrap())),
        decided_on: Set(None),
        summary: Set(None),
        sort_key: Set(format!("synthetic law of {country}").to_lowercase()),
        contributed_by_id: Set(None),
        visibility: Set(Visibility::Public),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }))
    .exec(&app.db)
    .await
    .unwrap();
    restriction_status_change::Entity::insert_many(restriction_ids.iter().map(|(id, _)| {
        restriction_status_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            restriction_id: Set(*id),
            status: Set(RestrictionStatus::Enacted),
            changed_on: Set(Some("2021".parse().unwrap())),
            note: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }))
    .exec(&app.db)
    .await
    .unwrap();
    restriction_right::Entity::insert_many(
        restriction_ids
            .iter()
            .map(|(id, _)| restriction_right::ActiveModel { restriction_id: Set(*id), right: Set(Right::Expression) }),
    )
    .exec(&app.db)
    .await
    .unwrap();

    let campaign_ids: Vec<(Uuid, &str)> = countries.iter().map(|c| (Uuid::now_v7(), *c)).collect();
    campaign::Entity::insert_many(campaign_ids.iter().map(|(id, country)| campaign::ActiveModel {
        id: Set(*id),
        title: Set(format!("Synthetic campaign in {country}")),
        kind: Set(CampaignKind::UrgentAction),
        status: Set(CampaignStatus::Active),
        lead_organisation_id: Set(Some(organisation)),
        started_on: Set(None),
        ended_on: Set(None),
        summary: Set(None),
        outcome: Set(None),
        outcome_summary: Set(None),
        sort_key: Set(format!("synthetic campaign in {country}").to_lowercase()),
        contributed_by_id: Set(None),
        visibility: Set(Visibility::Public),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }))
    .exec(&app.db)
    .await
    .unwrap();
    campaign_area::Entity::insert_many(campaign_ids.iter().map(|(id, country)| campaign_area::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(*id),
        country_code: Set(country.to_string()),
        subdivision_code: Set(None),
    }))
    .exec(&app.db)
    .await
    .unwrap();
    campaign_restriction::Entity::insert_many(
        campaign_ids.iter().zip(&restriction_ids).map(|((c, _), (r, _))| campaign_restriction::ActiveModel {
            campaign_id: Set(*c),
            restriction_id: Set(*r),
        }),
    )
    .exec(&app.db)
    .await
    .unwrap();

    // Inserted in chunks to stay under the engines' bound-parameter limits.
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let rows: Vec<(Uuid, usize)> = chunk.iter().map(|i| (Uuid::now_v7(), *i)).collect();
        defender::Entity::insert_many(rows.iter().map(|(id, i)| {
            let name = format!("Synthetic Defender {i:05}");
            defender::ActiveModel {
                id: Set(*id),
                sort_key: Set(name.to_lowercase()),
                name: Set(name),
                country_code: Set(countries[i % countries.len()].into()),
                subdivision_code: Set(None),
                occupation: Set(None),
                summary: Set(None),
                status: Set(DefenderStatus::AtRisk),
                consent: Set(Consent::Given),
                exact_location: Set(None),
                contact_details: Set(None),
                safety_notes: Set(None),
                contributed_by_id: Set(None),
                merged_into_id: Set(None),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        }))
        .exec(&app.db)
        .await
        .unwrap();
        defender_name::Entity::insert_many(rows.iter().flat_map(|(id, i)| {
            (0..2).map(move |k| defender_name::ActiveModel {
                id: Set(Uuid::now_v7()),
                defender_id: Set(*id),
                name: Set(format!("Alias {k} of {i}")),
                kind: Set(OtherNameKind::Alias),
                language: Set(None),
                sort_key: Set(format!("alias {k} of {i}")),
                created_at: Set(now),
                updated_at: Set(now),
            })
        }))
        .exec(&app.db)
        .await
        .unwrap();
        defender_sector::Entity::insert_many(rows.iter().flat_map(|(id, _)| {
            [Sector::Land, Sector::Environment]
                .into_iter()
                .map(move |sector| defender_sector::ActiveModel { defender_id: Set(*id), sector: Set(sector) })
        }))
        .exec(&app.db)
        .await
        .unwrap();
        let restriction_of = |i: usize| restriction_ids[i % countries.len()].0;
        let campaign_of = |i: usize| campaign_ids[i % countries.len()].0;
        case_event::Entity::insert_many(rows.iter().flat_map(|(id, i)| {
            let restriction = restriction_of(*i);
            (0..3).map(move |k| case_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                defender_id: Set(*id),
                kind: Set(CaseEventKind::Arrest),
                occurred_on: Set(Some(format!("20{:02}", 10 + k).parse().unwrap())),
                description: Set(None),
                perpetrator_type: Set(Some(PerpetratorType::State)),
                sentence_months: Set(Some(12)),
                sentence_life: Set(false),
                restriction_id: Set(Some(restriction)),
                created_at: Set(now),
                updated_at: Set(now),
            })
        }))
        .exec(&app.db)
        .await
        .unwrap();
        defender_restriction::Entity::insert_many(rows.iter().map(|(id, i)| defender_restriction::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(*id),
            restriction_id: Set(restriction_of(*i)),
            relation: Set(DefenderRestrictionRelation::ChargedUnder),
            note: Set(None),
            created_at: Set(now),
        }))
        .exec(&app.db)
        .await
        .unwrap();
        campaign_defender::Entity::insert_many(rows.iter().map(|(id, i)| campaign_defender::ActiveModel {
            campaign_id: Set(campaign_of(*i)),
            defender_id: Set(*id),
        }))
        .exec(&app.db)
        .await
        .unwrap();
        affiliation::Entity::insert_many(rows.iter().map(|(id, _)| affiliation::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(*id),
            organisation_id: Set(organisation),
            role: Set(Some("member".into())),
            started_on: Set(None),
            ended_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }))
        .exec(&app.db)
        .await
        .unwrap();
        citation::Entity::insert_many(rows.iter().map(|(id, _)| citation::ActiveModel {
            id: Set(Uuid::now_v7()),
            source_id: Set(source),
            record_type: Set("Defender".into()),
            record_id: Set(*id),
            locator: Set(None),
            created_at: Set(now),
        }))
        .exec(&app.db)
        .await
        .unwrap();
    }
}

/// The number of defenders returned by the nested query.
async fn defenders_returned(app: &TestApp, page: u32) -> u64 {
    let data = app.data(&nested(page)).await;
    data["countries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["defenders"]["nodes"].as_array().unwrap().len() as u64)
        .sum()
}

// The query nests every relationship over pages of 100: far past the node
// limit and the anonymous rate limit, which are not what this test is about.
configured_tests!(
    statements_depend_on_the_query_not_the_data,
    |settings: &mut rights_graph::Settings| {
        uncached(settings);
        settings.limits.max_query_nodes = 10_000_000;
        settings.rate_limits.rate_limit_anonymous = 0;
    },
    |app: TestApp| async move {
        // Sample data only: the ten first countries by code hold no defenders.
        let empty = app.statements_for(&nested(10)).await;
        assert_eq!(defenders_returned(&app, 10).await, 0);

        seed(&app, 1_000).await;
        assert_eq!(defenders_returned(&app, 10).await, 100, "10 countries × 10 defenders");
        assert_eq!(defenders_returned(&app, 100).await, 1_000, "10 countries × 100 defenders");
        let mut small_pages = Vec::new();
        let mut large_pages = Vec::new();
        for _ in 0..3 {
            small_pages.push(app.statements_for(&nested(10)).await);
            large_pages.push(app.statements_for(&nested(100)).await);
        }
        eprintln!(
            "{:?}: nested query statements: {empty} (no rows), {small_pages:?} (100 defenders), {large_pages:?} (1,000 defenders)",
            app.engine
        );
        assert!(small_pages.iter().all(|n| *n == small_pages[0]), "batching is deterministic: {small_pages:?}");
        assert_eq!(small_pages, large_pages, "statements grew with the page size");
        // Empty pages end the query early (nothing to nest under).
        assert!(empty < large_pages[0]);
        // One statement per page or count of each field that reaches the database.
        assert!(large_pages[0] <= 40, "{} statements for one request", large_pages[0]);
    }
);

const SEARCH: &str = r#"{ search(query: "synthetic", types: TYPES, first: PAGE) { totalCount edges { matchedField node {
    ... on Defender { name country { name } restrictions(first: 3) { nodes { title } } }
    ... on Restriction { title country { name } }
    ... on Campaign { title }
    ... on Organisation { name } } } } }"#;

const STATISTICS: &str = r#"{ statistics {
    defenders(filter: { caseEvents: { since: "2011" } }) { total byCountry { key label count } byStatus { key count }
        bySector { key count } byCaseEventYear { key count } caseEventsOverTime(interval: YEAR) { key count } }
    restrictions { total byJurisdiction { key count } byRight { key count } introducedOverTime { key count } }
    campaigns { total byStatus { key count } } }
  indicators { nodes { key liveCount { count } } } }"#;

configured_tests!(search_and_statistics_statements_depend_on_the_query, uncached, |app: TestApp| async move {
    let statistics_before = app.statements_for(STATISTICS).await;
    seed(&app, 1_000).await;
    // The seed writes rows directly; index them as start-up does.
    rights_graph::service::search::index_missing(&app.db).await.expect("indexing");
    let search = |types: &str, page: u32| SEARCH.replace("TYPES", types).replace("PAGE", &page.to_string());
    let small = app.statements_for(&search("[DEFENDER]", 10)).await;
    let large = app.statements_for(&search("[DEFENDER]", 100)).await;
    // Results of every kind: one batched load per kind found, whatever the page size.
    let mixed = app.statements_for(&search("null", 100)).await;
    let statistics_after = app.statements_for(STATISTICS).await;
    eprintln!(
        "{:?}: search {small} / {large} / {mixed} statements, statistics {statistics_before} / {statistics_after}",
        app.engine
    );
    assert_eq!(small, large, "search statements grew with the page size");
    assert!(mixed <= large + 4, "{mixed} statements for a search of every kind");
    assert_eq!(statistics_before, statistics_after, "statistics statements grew with the data");
    let data = app.data(&search("[DEFENDER]", 100)).await;
    assert_eq!(data["search"]["edges"].as_array().unwrap().len(), 100);
});

#[path = "../../benches/shared/operations.rs"]
mod operations;

/// Statements one run of `operation` makes, with `first` as its page size.
async fn statements_of(app: &TestApp, operation: &operations::Operation, ids: &[String], first: i64) -> u64 {
    let mut variables = (operation.variables)(0, ids);
    variables["first"] = json!(first);
    let before = app.statements.get();
    let body = app.post(operation.query, variables).await;
    assert!(body.get("errors").is_none(), "{}: {body}", operation.name);
    app.statements.get() - before
}

async fn public_defender_ids(app: &TestApp) -> Vec<String> {
    let data = app.data("{ defenders(first: 20) { nodes { id } } }").await;
    data["defenders"]["nodes"].as_array().unwrap().iter().map(|node| node["id"].as_str().unwrap().to_owned()).collect()
}

// The benchmark's operations on synthetic data: the same statements for 10
// and for 100 per page, and for 200 and for 1,000 defenders in the database.
configured_tests!(
    benchmark_operations_make_statements_by_shape,
    |settings: &mut rights_graph::Settings| {
        uncached(settings);
        settings.skip_sample_data = true;
        settings.limits.max_query_nodes = 10_000_000;
        settings.rate_limits.rate_limit_anonymous = 0;
    },
    |app: TestApp| async move {
        use rights_graph::seed::synthetic::{Options, seed};
        seed(&app.db, Options { defenders: 200, seed: 1, allow_real_data: false }).await.expect("seeded");
        let ids = public_defender_ids(&app).await;
        let mut small = Vec::new();
        for operation in operations::operations() {
            let ten = statements_of(&app, &operation, &ids, 10).await;
            let hundred = statements_of(&app, &operation, &ids, 100).await;
            assert_eq!(ten, hundred, "{}: {ten} statements for 10 per page, {hundred} for 100", operation.name);
            small.push(hundred);
        }
        seed(&app.db, Options { defenders: 800, seed: 2, allow_real_data: false }).await.expect("seeded again");
        for (operation, before) in operations::operations().iter().zip(small) {
            let after = statements_of(&app, operation, &ids, 100).await;
            assert_eq!(before, after, "{}: {before} statements on 200 defenders, {after} on 1,000", operation.name);
        }
    }
);

// Countries are reference data held in memory: a record's country, and a
// country looked up by code, cost no statement.
configured_tests!(countries_cost_no_statement, uncached, |app: TestApp| async move {
    let id = app.defender_id("Máxima Acuña").await;
    let defender = |selection: &str| format!(r#"{{ node(id: "{id}") {{ ... on Defender {{ name {selection} }} }} }}"#);
    let bare = app.statements_for(&defender("")).await;
    let with_country = app.statements_for(&defender("country { code name alpha3 }")).await;
    assert_eq!(bare, with_country, "a defender's country cost {} statements", with_country - bare);
    let data = app.data(&defender("country { code name alpha3 }")).await;
    assert_eq!(data["node"]["country"], json!({ "code": "PE", "name": "Peru", "alpha3": "PER" }));
    assert_eq!(app.statements_for(r#"{ country(code: "pe") { name } }"#).await, 0);
    let data = app.data(r#"{ country(code: "PE") { name numeric } }"#).await;
    assert_eq!(data["country"], json!({ "name": "Peru", "numeric": 604 }));
});

const EXPORT: &str = "query ($type: ExchangeRecordType!, $format: ExchangeFormat!, $first: Int) {
    exportRecords(recordType: $type, format: $format, first: $first) { count hasNextPage } }";

/// Statements one export page makes, and the records on it.
async fn export_statements(app: &TestApp, key: Option<&str>, kind: &str, format: &str, first: u32) -> (u64, u64) {
    let before = app.statements.get();
    let (status, body) =
        common::post_as(app, key, EXPORT, json!({ "type": kind, "format": format, "first": first })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    (app.statements.get() - before, body["data"]["exportRecords"]["count"].as_u64().unwrap())
}

// An export page reads every record's children for the whole page at once:
// the statements are fixed by the kind, not by the page's size.
configured_tests!(
    export_statements_depend_on_the_kind_not_the_page,
    |settings: &mut rights_graph::Settings| {
        uncached(settings);
        settings.rate_limits.rate_limit_anonymous = 0;
        settings.rate_limits.rate_limit_authenticated = 0;
    },
    |app: TestApp| async move {
        seed(&app, 1_000).await;
        let organisation = common::create_org(&app, "Exporting partner");
        let key = common::create_key(&app, &organisation, "READER");
        // A key's first request also records when it was last used.
        export_statements(&app, Some(&key), "SOURCE", "CSV", 1).await;
        for viewer in [None, Some(key.as_str())] {
            for kind in ["DEFENDER", "CAMPAIGN", "RESTRICTION", "ORGANISATION", "SOURCE"] {
                for format in ["JSON_LINES", "CSV"] {
                    let (small, small_count) = export_statements(&app, viewer, kind, format, 1).await;
                    let (large, large_count) = export_statements(&app, viewer, kind, format, 5_000).await;
                    eprintln!(
                        "{:?}: export {kind} {format} as {}: {small} statements for {small_count} records, \
                         {large} for {large_count}",
                        app.engine,
                        if viewer.is_some() { "partner" } else { "anonymous" },
                    );
                    assert_eq!(small_count, 1, "{kind}");
                    assert!(large_count > small_count, "{kind}: {large_count} records on a large page");
                    assert_eq!(small, large, "{kind} {format}: statements grew with the page size");
                }
            }
        }
        // The seed's 1,000 defenders are all on one page.
        assert!(export_statements(&app, None, "DEFENDER", "JSON_LINES", 5_000).await.1 >= 1_000);
    }
);

const CHANGES: &str = "query ($first: Int) { changes(first: $first) { pageInfo { endCursor hasNextPage }
    edges { cursor node { sequence operation recordId node { id ... on Defender { name country { name }
        restrictions(first: 3) { nodes { title } } } } } } } }";

// A page of the change feed loads the records it names in one batch per
// kind (and their relations per field), and the delta exports them per kind.
configured_tests!(
    change_feed_statements_depend_on_the_query_not_the_changes,
    |settings: &mut rights_graph::Settings| {
        uncached(settings);
        settings.rate_limits.rate_limit_anonymous = 0;
        settings.rate_limits.rate_limit_authenticated = 0;
    },
    |app: TestApp| async move {
        let organisation = common::create_org(&app, "Busy partner");
        let key = common::create_key(&app, &organisation, "EDITOR");
        for n in 0..30 {
            let (_, body) = common::post_as(
                &app,
                Some(&key),
                "mutation ($name: String!) { createDefender(input: { name: $name, countryCode: \"PE\", visibility: PARTNERS }) { defender { id } } }",
                json!({ "name": format!("Changed {n}") }),
            )
            .await;
            assert!(body["errors"].is_null(), "{body}");
        }
        let statements = |first: i64| {
            let (app, key) = (&app, key.clone());
            async move {
                let before = app.statements.get();
                let (_, body) = common::post_as(app, Some(&key), CHANGES, json!({ "first": first })).await;
                let edges = body["data"]["changes"]["edges"].as_array().map_or(0, Vec::len);
                assert_eq!(edges as i64, first, "{body}");
                app.statements.get() - before
            }
        };
        let (one, thirty) = (statements(1).await, statements(30).await);
        eprintln!("{:?}: a changes page: {one} statements for 1 change, {thirty} for 30", app.engine);
        assert_eq!(one, thirty, "statements grew with the changes on the page");

        let delta = |limit: u32| {
            let (app, key) = (&app, key.clone());
            async move {
                let before = app.statements.get();
                let response = app
                    .client
                    .get(app.url(&format!("/changes.jsonl?limit={limit}")))
                    .header("authorization", format!("Bearer {key}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.text().await.unwrap().lines().count() as u32, limit);
                app.statements.get() - before
            }
        };
        let (one, thirty) = (delta(1).await, delta(30).await);
        eprintln!("{:?}: a delta page: {one} statements for 1 change, {thirty} for 30", app.engine);
        assert_eq!(one, thirty, "statements grew with the changes in the delta");
    }
);

const ADD_STATEMENT: &str =
    "mutation ($input: AddStatementInput!) { addStatement(input: $input) { statement { id } } }";
const IMPORT: &str =
    "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { committed created problems { reason } } }";

/// JSON Lines of `n` new defenders, each with other names, sectors, a case
/// event and an affiliation to the organisation `O-1` of the same file.
fn defenders_jsonl(prefix: &str, n: usize) -> String {
    let mut lines = vec![
        json!({ "type": "organisation", "externalId": format!("{prefix}-O-1"), "name": format!("{prefix} Ally"),
        "kind": "NGO", "visibility": "PARTNERS" })
        .to_string(),
    ];
    for i in 0..n {
        lines.push(
            json!({ "type": "defender", "externalId": format!("{prefix}-{i}"), "name": format!("{prefix} Person {i}"),
                "otherNames": [{ "name": format!("Person {i} {prefix}"), "kind": "ALIAS" }], "countryCode": "PE",
                "sectors": ["LAND", "ENVIRONMENT"], "visibility": "PARTNERS",
                "events": [{ "kind": "THREAT", "occurredOn": "2025-03" }],
                "affiliations": [{ "organisationId": format!("{prefix}-O-1"), "role": "member" }] })
            .to_string(),
        );
    }
    lines.join("\n")
}

// An import writes its new records in batches, a few statements per table
// for hundreds of records, and looks up the external ids of hundreds of
// rows at once.
configured_tests!(
    an_import_writes_new_records_in_batches,
    |settings: &mut rights_graph::Settings| {
        settings.rate_limits.rate_limit_authenticated = 0;
    },
    |app: TestApp| async move {
        let organisation = common::create_org(&app, "Importing partner");
        let key = common::create_key(&app, &organisation, "EDITOR");
        let import = |prefix: &'static str, n: usize| {
            let (app, key) = (&app, key.clone());
            async move {
                let input = json!({ "input": { "format": "JSON_LINES", "data": defenders_jsonl(prefix, n) } });
                let before = app.statements.get();
                let (status, body) = common::post_as(app, Some(&key), IMPORT, input).await;
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["data"]["importRecords"]["committed"], true, "{body}");
                assert_eq!(body["data"]["importRecords"]["created"], n + 1, "{body}");
                app.statements.get() - before
            }
        };
        let (ten, four_hundred) = (import("A", 10).await, import("B", 400).await);
        eprintln!("{:?}: importing 10 defenders: {ten} statements; 400: {four_hundred}", app.engine);
        // Per row only whether the importer may see the organisation it
        // links to; external ids are looked up per 500 rows read ahead, and
        // new records written per batch (one by one, a row took fifteen).
        assert!(four_hundred - ten <= 390 + 10, "{ten} statements for 10 defenders, {four_hundred} for 400");

        // What was written in batches reads back as written, with its history.
        let body = app
            .data(
                "{ search(query: \"B Person 399\", first: 1) { nodes { ... on Defender { name sectors \
                 otherNames { name } events { nodes { kind } } affiliations { nodes { organisation { name } } } } } } }",
            )
            .await;
        assert!(body["search"]["nodes"].as_array().unwrap().is_empty(), "partners' records are not public: {body}");
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "{ search(query: \"B Person 399\", first: 1) { nodes { ... on Defender { name sectors \
             otherNames { name } events { nodes { kind } } affiliations { nodes { organisation { name } } } \
             auditLog { nodes { action } } } } } }",
            json!({}),
        )
        .await;
        let defender = &body["data"]["search"]["nodes"][0];
        assert_eq!(defender["name"], "B Person 399", "{body}");
        assert_eq!(defender["sectors"], json!(["ENVIRONMENT", "LAND"]), "{body}");
        assert_eq!(defender["otherNames"][0]["name"], "Person 399 B", "{body}");
        assert_eq!(defender["events"]["nodes"][0]["kind"], "THREAT", "{body}");
        assert_eq!(defender["affiliations"]["nodes"][0]["organisation"]["name"], "B Ally", "{body}");
        assert_eq!(defender["auditLog"]["nodes"], json!([{ "action": "CREATE" }]), "{body}");
    }
);

// The statements export reads records in pages of 500: per page the same
// statements (the page's ids, its merged ids, its statements, the exporter's
// external identifiers of what they name, and the events their
// descriptions name), however many statements the records hold.
configured_tests!(
    the_statements_export_depends_on_the_pages_not_the_rows,
    |settings: &mut rights_graph::Settings| {
        settings.rate_limits.rate_limit_authenticated = 0;
    },
    |app: TestApp| async move {
        use rights_graph::service::statements::export::write_csv;
        use rights_graph::service::{Member, Viewer};
        let organisation = common::create_org(&app, "Exporting partner");
        let key = common::create_key(&app, &organisation, "EDITOR");
        let id =
            rights_graph::ids::GlobalId::decode_uuid_of("id", &organisation, rights_graph::ids::NodeType::Organisation)
                .unwrap();
        let viewer = Viewer::Member(Member::operator(id, Role::Reader));
        // Statements made, and rows written. The counter also counts what the
        // server does in the background meanwhile (after an import): the
        // fewest of three runs is the export's own.
        async fn exported(app: &TestApp, viewer: &Viewer) -> (u64, u64) {
            let mut fewest = (u64::MAX, 0);
            for _ in 0..3 {
                let before = app.statements.get();
                let rows = write_csv(&app.db, viewer, Vec::new()).await.unwrap();
                fewest = fewest.min((app.statements.get() - before, rows));
            }
            fewest
        }
        let import = |prefix: &'static str, n: usize| {
            let (app, key) = (&app, key.clone());
            async move {
                let input = json!({ "input": { "format": "JSON_LINES", "data": defenders_jsonl(prefix, n) } });
                let (_, body) = common::post_as(app, Some(&key), IMPORT, input).await;
                assert_eq!(body["data"]["importRecords"]["committed"], true, "{body}");
            }
        };
        // A description in another language, so that both exports name an event.
        import("A", 3).await;
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "{ search(query: \"A Person 0\", first: 1) { nodes { ... on Defender { events { nodes { id } } } } } }",
            json!({}),
        )
        .await;
        let event = body["data"]["search"]["nodes"][0]["events"]["nodes"][0]["id"].clone();
        let described =
            json!({ "input": { "recordId": event, "property": "description", "value": "Amenaza", "language": "es" } });
        let (_, body) = common::post_as(&app, Some(&key), ADD_STATEMENT, described).await;
        assert!(body["errors"].is_null(), "{body}");
        let (few, few_rows) = exported(&app, &viewer).await;
        import("B", 300).await;
        let (many, many_rows) = exported(&app, &viewer).await;
        eprintln!("{:?}: statements export: {few} statements for {few_rows} rows, {many} for {many_rows}", app.engine);
        assert!(many_rows > few_rows + 2_000, "{few_rows} rows, then {many_rows}");
        assert_eq!(few, many, "the statements export grew with the rows");
    }
);

/// `n` public defenders of Saudi Arabia and China, each arrested and
/// released, a campaign about each, and a civic-space rating each (of
/// countries in turn), as JSON Lines; identifiers start with `prefix`.
fn campaigned_jsonl(prefix: &str, n: usize) -> String {
    let countries = ["SA", "CN", "PE", "US", "FR", "BR"];
    let mut lines = Vec::new();
    for i in 0..n {
        let country = countries[i % 2];
        lines.push(
            json!({ "type": "defender", "externalId": format!("{prefix}-D{i}"), "name": format!("{prefix} Person {i}"),
            "countryCode": country, "status": "IMPRISONED", "visibility": "PUBLIC", "consent": "GIVEN",
            "events": [{ "kind": "ARREST", "occurredOn": "2015" }, { "kind": "CHARGE", "occurredOn": "2015-02" },
                       { "kind": "SENTENCE", "occurredOn": "2015-06", "sentence": { "months": 60 } },
                       { "kind": "RELEASE", "occurredOn": format!("2017-{:02}", i % 12 + 1) }] }),
        );
        lines.push(json!({ "type": "campaign", "externalId": format!("{prefix}-C{i}"), "title": format!("{prefix} campaign {i}"),
            "kind": "INDIVIDUAL_CASE", "startedOn": "2016", "visibility": "PUBLIC", "defenderIds": [format!("{prefix}-D{i}")] }));
        let rating = ["OPEN", "NARROWED", "OBSTRUCTED", "REPRESSED", "CLOSED"][i % 5];
        lines.push(json!({ "type": "country_rating", "externalId": format!("{prefix}-R{i}"), "countryCode": countries[i % countries.len()],
            "rating": rating, "ratedOn": format!("{}", 2010 + i % 15),
            "visibility": "PUBLIC" }));
    }
    lines.iter().map(|line| line.to_string()).collect::<Vec<_>>().join("\n")
}

const RATINGS_AND_OUTCOMES: &str = r#"{
  statistics {
    outcomes { campaigned { released { count medianDays records { ... on Defender { name country { name } } } }
      sentenceReduced { count } restrictionsDefeated { count } } comparison { released { count } } }
    ratings { total countriesByRating { count } changesByYear { year } currentByCountry { country { name } rating } }
  }
  countries(first: 20, orderBy: { field: CODE }) { nodes { currentRating { rating organisation { name } source { title } }
    ratings(first: 10) { totalCount nodes { rating ratedOn } } } }
  countryRatings(filter: { current: true }, first: 50) { totalCount nodes { country { code } rating } }
}"#;

configured_tests!(ratings_and_outcomes_statements_depend_on_the_query, uncached, |app: TestApp| async move {
    let key = common::create_key(&app, &common::create_org(&app, "Counted"), "EDITOR");
    let import = |data: String| {
        let app = &app;
        let key = key.clone();
        async move {
            let (_, body) = common::post_as(
                app,
                Some(&key),
                "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created problems { reason } } }",
                json!({ "input": { "format": "JSON_LINES", "data": data } }),
            )
            .await;
            assert!(body["data"]["importRecords"]["created"].as_u64().unwrap_or_default() > 0, "{body}");
        }
    };
    import(campaigned_jsonl("small", 4)).await;
    let small = app.statements_for(RATINGS_AND_OUTCOMES).await;
    import(campaigned_jsonl("large", 300)).await;
    let large = app.statements_for(RATINGS_AND_OUTCOMES).await;
    let data = app.data(RATINGS_AND_OUTCOMES).await;
    assert!(data["statistics"]["outcomes"]["campaigned"]["released"]["count"].as_u64().unwrap() >= 300, "{data}");
    eprintln!("{:?}: ratings and outcomes {small} / {large} statements", app.engine);
    assert_eq!(small, large, "statements grew with the records");
});

// Reconciliation: the statements of a query batch, a suggestion, an
// extension and a preview depend on the request, not on how many records
// are candidates, suggested or extended.
configured_tests!(reconciliation_statements_depend_on_the_request, uncached, |app: TestApp| async move {
    let key = common::create_key(&app, &common::create_org(&app, "Reconciling"), "EDITOR");
    let counted = |path: String, form: Option<(&'static str, String)>| {
        let (app, key) = (&app, key.clone());
        async move {
            let before = app.statements.get();
            let request = match form {
                Some(form) => app.client.post(app.url(&path)).form(&[form]),
                None => app.client.get(app.url(&path)),
            };
            let response = request.bearer_auth(&key).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body = response.text().await.unwrap();
            (app.statements.get() - before, body)
        }
    };
    let batch = json!({
        "q0": { "query": "Person", "limit": 50 },
        "q1": { "query": "Counted Person 3", "type": "Defender", "properties": [{ "pid": "country", "v": "PE" }, { "pid": "organisation", "v": "Counted Ally" }] },
        "q2": { "query": "Person Counted", "type": ["Organisation", "Restriction", "Campaign"] },
    });
    let ids = |body: &str, n: usize| -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        value["q0"]["result"].as_array().unwrap().iter().take(n).map(|c| c["id"].as_str().unwrap().to_owned()).collect()
    };
    let mut figures = Vec::new();
    for (prefix, n) in [("Counted", 3), ("Counted", 120)] {
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            IMPORT,
            json!({ "input": { "format": "JSON_LINES", "data": defenders_jsonl(&format!("{prefix}{n}"), n) } }),
        )
        .await;
        assert_eq!(body["data"]["importRecords"]["committed"], true, "{body}");
        let (queries, answer) = counted("/reconcile".into(), Some(("queries", batch.to_string()))).await;
        let found = ids(&answer, 50);
        let (suggest, _) = counted("/reconcile/suggest/entity?prefix=person".into(), None).await;
        let extend = json!({ "ids": found, "properties": [{ "id": "country" }, { "id": "organisations" }, { "id": "latestCaseEvent" }, { "id": "sources" }] });
        let (extended, _) = counted("/reconcile".into(), Some(("extend", extend.to_string()))).await;
        let (preview, _) = counted(format!("/reconcile/preview?id={}", found[0]), None).await;
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "{ match(query: \"Person\", limit: 50) { score record { ... on Defender { name country { name } } } } }",
            json!({}),
        )
        .await;
        let matched = body["data"]["match"].as_array().unwrap().len();
        let before = app.statements.get();
        common::post_as(
            &app,
            Some(&key),
            "{ match(query: \"Person\", limit: 50) { score record { ... on Defender { name country { name } } } } }",
            json!({}),
        )
        .await;
        let graphql = app.statements.get() - before;
        eprintln!(
            "{:?}: {} candidates: queries {queries}, suggest {suggest}, extend {extended} ({} ids), preview {preview}, match {graphql} ({matched})",
            app.engine,
            found.len(),
            found.len()
        );
        figures.push(((queries, suggest, extended, preview, graphql), found.len()));
    }
    assert!(figures[1].1 > figures[0].1, "more candidates the second time: {figures:?}");
    assert_eq!(figures[0].0, figures[1].0, "statements grew with the records: {figures:?}");
});

/// Defenders with their statements, a name in a preferred language, and
/// their case events' descriptions in it.
fn stated(first: u32) -> String {
    format!(
        "{{ defenders(first: {first}) {{ nodes {{ name(language: \"es\") nameLanguage(language: \"es\")
           statements {{ value organisation {{ name }} source {{ title }} }}
           events(first: 5) {{ nodes {{ description(language: \"es\") descriptionLanguage(language: \"es\") }} }} }} }} }}"
    )
}

/// No response cache, and no rate limit for anonymous readers (0 is none):
/// every request reaches the database.
fn uncached_and_unlimited(settings: &mut rights_graph::Settings) {
    uncached(settings);
    settings.rate_limits.rate_limit_anonymous = 0;
}

// Statements and languages read in a fixed number of statements: the
// statements of a page of records at once, with their organisations,
// sources and linked records.
configured_tests!(
    statements_and_languages_depend_on_the_query_not_the_data,
    uncached_and_unlimited,
    |app: TestApp| async move {
        seed(&app, 200).await;
        let (few, many) = (app.statements_for(&stated(2)).await, app.statements_for(&stated(100)).await);
        eprintln!("{:?}: statements and languages: {few} statements for 2 defenders, {many} for 100", app.engine);
        assert_eq!(few, many, "statements grew with the page size");
        assert!(many <= 10, "{many} statements for one request");
    }
);

// A record read as of a past moment costs one statement more, for its
// audit log, however long its history: a defender changed forty times
// reads in as many statements as one never changed.
configured_tests!(as_of_depends_on_the_query_not_the_history, uncached_and_unlimited, |app: TestApp| async move {
    let organisation = common::create_org(&app, "Counting Organisation");
    let key = common::create_key(&app, &organisation, "EDITOR");
    let create = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
    let public = |name: &str| json!({ "input": { "name": name, "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" } });
    let mut ids = Vec::new();
    for name in ["Quiet Record", "Busy Record"] {
        let (_, body) = common::post_as(&app, Some(&key), create, public(name)).await;
        ids.push(body["data"]["createDefender"]["defender"]["id"].as_str().expect("id").to_owned());
    }
    // A moment after both were created, before the busy one's edits.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let update = "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
    for version in 1..=40 {
        let input =
            json!({ "input": { "id": ids[1], "expectedVersion": version, "occupation": format!("Role {version}") } });
        let (_, body) = common::post_as(&app, Some(&key), update, input).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let read = |id: &str, as_of: Option<&str>| {
        let as_of = as_of.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
        format!(
            "{{ defender(id: \"{id}\"{as_of}) {{ name occupation status version otherNames {{ name }} sectors
                   statements {{ value organisation {{ name }} }} }} }}"
        )
    };
    let now = app.statements_for(&read(&ids[1], None)).await;
    let quiet = app.statements_for(&read(&ids[0], Some(&at))).await;
    let busy = app.statements_for(&read(&ids[1], Some(&at))).await;
    eprintln!("{:?}: asOf: {now} statements now, {quiet} as of a moment (no history), {busy} (40 edits)", app.engine);
    assert_eq!(quiet, busy, "statements grew with the history");
    assert_eq!(busy, now + 1, "asOf costs one statement: the audit log");

    // A campaign's past lists of defenders and restrictions: the same
    // statements whether the lists changed since or not, and however often.
    let create_campaign =
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }";
    let mut campaigns = Vec::new();
    for title in ["Quiet Campaign", "Busy Campaign"] {
        let input =
            json!({ "input": { "title": title, "kind": "PETITION", "visibility": "PUBLIC", "defenderIds": [ids[0]] } });
        let (_, body) = common::post_as(&app, Some(&key), create_campaign, input).await;
        campaigns.push(body["data"]["createCampaign"]["campaign"]["id"].as_str().expect("id").to_owned());
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let update = "mutation ($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { version } } }";
    for version in 1..=10 {
        let defenders = if version % 2 == 1 { json!([ids[0], ids[1]]) } else { json!([ids[1]]) };
        let input = json!({ "input": { "id": campaigns[1], "expectedVersion": version, "defenderIds": defenders } });
        let (_, body) = common::post_as(&app, Some(&key), update, input).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let read = |id: &str, as_of: Option<&str>| {
        let as_of = as_of.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
        format!(
            "{{ campaign(id: \"{id}\"{as_of}) {{ title defenders {{ totalCount nodes {{ name }} }}
                   restrictions {{ totalCount nodes {{ title }} }} }} }}"
        )
    };
    let now = app.statements_for(&read(&campaigns[1], None)).await;
    let quiet = app.statements_for(&read(&campaigns[0], Some(&at))).await;
    let busy = app.statements_for(&read(&campaigns[1], Some(&at))).await;
    eprintln!(
        "{:?}: campaign asOf: {now} statements now, {quiet} (lists unchanged since), {busy} (10 edits)",
        app.engine
    );
    assert_eq!(quiet, busy, "statements grew with the history");
    assert_eq!(busy, now + 1, "asOf costs one statement: the audit log");
    // The other side: the campaigns that listed a defender then, read from
    // the campaigns' logs, however many of their changes since name it.
    let read = |id: &str, as_of: Option<&str>| {
        let as_of = as_of.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
        format!("{{ defender(id: \"{id}\"{as_of}) {{ name campaigns {{ totalCount nodes {{ title }} }} }} }}")
    };
    let now = app.statements_for(&read(&ids[0], None)).await;
    let named = app.statements_for(&read(&ids[0], Some(&at))).await;
    let other = app.statements_for(&read(&ids[1], Some(&at))).await;
    eprintln!("{:?}: defender campaigns asOf: {now} statements now, {named} and {other} as of a moment", app.engine);
    assert_eq!(named, other, "statements grew with the history");
    assert_eq!(named, now + 3, "the audit log, the links now, and the campaigns' changes since");

    // A defender's past restrictions, with how each concerned it then.
    let create_restriction = "mutation ($title: String!) { createRestriction(input: { title: $title, kind: LAW,
        status: ENACTED, countryCode: \"PE\", visibility: PUBLIC }) { restriction { id } } }";
    let mut laws = Vec::new();
    for title in ["First law", "Second law"] {
        let (_, body) = common::post_as(&app, Some(&key), create_restriction, json!({ "title": title })).await;
        laws.push(body["data"]["createRestriction"]["restriction"]["id"].as_str().expect("id").to_owned());
    }
    let links = |n: usize| -> serde_json::Value {
        laws[..n].iter().map(|law| json!({ "restrictionId": law, "relation": "CHARGED_UNDER" })).collect()
    };
    let defender_update =
        "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
    for (id, version) in [(&ids[0], 1), (&ids[1], 41)] {
        let input = json!({ "input": { "id": id, "expectedVersion": version, "restrictionLinks": links(1) } });
        let (_, body) = common::post_as(&app, Some(&key), defender_update, input).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for version in 42..=51 {
        let input = json!({ "input": { "id": ids[1], "expectedVersion": version,
                                       "restrictionLinks": links(2 - version as usize % 2) } });
        let (_, body) = common::post_as(&app, Some(&key), defender_update, input).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let read = |id: &str, as_of: Option<&str>| {
        let as_of = as_of.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
        format!(
            "{{ defender(id: \"{id}\"{as_of}) {{ name restrictions {{ totalCount edges {{ relation node {{ title }} }} }} }} }}"
        )
    };
    let now = app.statements_for(&read(&ids[1], None)).await;
    let quiet = app.statements_for(&read(&ids[0], Some(&at))).await;
    let busy = app.statements_for(&read(&ids[1], Some(&at))).await;
    eprintln!(
        "{:?}: defender restrictions asOf: {now} statements now, {quiet} (links unchanged since), {busy} (10 edits)",
        app.engine
    );
    // The audit log, the merges that bear on the defender, and its links
    // (to leave out those a merge moved that are another record's).
    assert_eq!(quiet, now + 3, "asOf of a defender's restrictions");
    // Links changed since carry their relation in the log: the past list
    // needs no statement for it. Never more, however long the history.
    assert_eq!(busy, quiet - 1, "statements grew with the history");
    // The restriction's side: both defenders were linked to the first law
    // then; one's links changed ten times since, the other's never.
    let read = |as_of: Option<&str>| {
        let as_of = as_of.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
        format!(
            "{{ restriction(id: \"{}\"{as_of}) {{ title defenders {{ totalCount edges {{ relation node {{ name }} }} }} }} }}",
            laws[0]
        )
    };
    let now = app.statements_for(&read(None)).await;
    let then = app.statements_for(&read(Some(&at))).await;
    eprintln!("{:?}: restriction defenders asOf: {now} statements now, {then} as of a moment", app.engine);
    // The log of the restriction, its links now, the defenders' changes
    // since that name it, and the logs of the defenders on the page.
    assert_eq!(then, now + 4, "asOf of a restriction's defenders");
});

// A record's own lists read as of a past moment (a defender's events,
// affiliations and merged ids, a restriction's status history, a campaign's
// places) cost the same however often they changed since.
configured_tests!(as_of_lists_depend_on_the_query_not_the_history, uncached_and_unlimited, |app: TestApp| async move {
    let organisation = common::create_org(&app, "Counting Organisation");
    let key = common::create_key(&app, &organisation, "EDITOR");
    let (_, body) = common::post_as(
        &app,
        Some(&key),
        "mutation { createOrganisation(input: { name: \"Counted Union\", kind: NGO, visibility: PUBLIC }) { organisation { id } } }",
        json!({}),
    )
    .await;
    let union = body["data"]["createOrganisation"]["organisation"]["id"].as_str().expect("organisation").to_owned();
    let create = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
    let mut ids = Vec::new();
    for name in ["Quiet Case", "Busy Case"] {
        let input = json!({ "input": { "name": name, "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN",
            "events": [{ "kind": "ARREST", "occurredOn": "2020" }],
            "affiliations": [{ "organisationId": union, "role": "member" }] } });
        let (_, body) = common::post_as(&app, Some(&key), create, input).await;
        ids.push(body["data"]["createDefender"]["defender"]["id"].as_str().expect("id").to_owned());
    }
    let mut restrictions = Vec::new();
    for title in ["Quiet bill", "Busy bill"] {
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($title: String!) { createRestriction(input: { title: $title, kind: BILL, status: PENDING,
                countryCode: \"PE\", visibility: PUBLIC }) { restriction { id } } }",
            json!({ "title": title }),
        )
        .await;
        restrictions.push(body["data"]["createRestriction"]["restriction"]["id"].as_str().expect("id").to_owned());
    }
    let mut campaigns = Vec::new();
    for title in ["Quiet places", "Busy places"] {
        let input = json!({ "input": { "title": title, "kind": "PETITION", "visibility": "PUBLIC", "areas": ["PE"] } });
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
            input,
        )
        .await;
        campaigns.push(body["data"]["createCampaign"]["campaign"]["id"].as_str().expect("id").to_owned());
    }
    let (_, body) = common::post_as(
        &app,
        Some(&key),
        "mutation { createSource(input: { title: \"Counted gazette\", visibility: PUBLIC }) { source { id } } }",
        json!({}),
    )
    .await;
    let gazette = body["data"]["createSource"]["source"]["id"].as_str().expect("source").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let statuses = ["ENACTED", "ENJOINED"];
    let mut restriction_version = 1;
    for version in 1..=10 {
        let events: Vec<serde_json::Value> =
            (0..version).map(|n| json!({ "kind": "THREAT", "occurredOn": format!("{}", 2000 + n) })).collect();
        let input = json!({ "input": { "id": ids[1], "expectedVersion": version, "events": events,
            "affiliations": [{ "organisationId": union, "role": format!("role {version}") }] } });
        let update =
            "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
        let (_, body) = common::post_as(&app, Some(&key), update, input).await;
        assert!(body["errors"].is_null(), "{body}");
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($id: ID!, $version: Int!, $status: RestrictionStatus!) { updateRestriction(input: { id: $id,
                expectedVersion: $version, status: $status }) { restriction { id } } }",
            json!({ "id": restrictions[1], "version": restriction_version, "status": statuses[version as usize % 2] }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        // The restriction cites the gazette, and stops citing it, in turn.
        let cite = if version % 2 == 1 { "citeSource" } else { "unciteSource" };
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            &format!("mutation ($input: CitationInput!) {{ {cite}(input: $input) {{ recordVersion }} }}"),
            json!({ "input": { "recordId": restrictions[1], "expectedVersion": restriction_version + 1,
                               "sourceId": gazette, "locator": format!("p. {version}") } }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        restriction_version += 2;
        let areas = if version % 2 == 1 { json!(["PE-LIM", "BO"]) } else { json!(["PE"]) };
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($id: ID!, $version: Int!, $areas: [String!]) { updateCampaign(input: { id: $id,
                expectedVersion: $version, areas: $areas }) { campaign { id } } }",
            json!({ "id": campaigns[1], "version": version, "areas": areas }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let as_of = |at: Option<&str>| at.map(|at| format!(", asOf: \"{at}\"")).unwrap_or_default();
    let defender = |id: &str, at: Option<&str>| {
        format!(
            "{{ defender(id: \"{id}\"{}) {{ name events(first: 5) {{ totalCount edges {{ cursor node {{ kind description }} }} }}
                 affiliations {{ totalCount nodes {{ role organisation {{ name }} }} }} mergedIds
                 sources {{ totalCount nodes {{ title }} }} }} }}",
            as_of(at)
        )
    };
    let restriction = |id: &str, at: Option<&str>| {
        format!(
            "{{ restriction(id: \"{id}\"{}) {{ title history {{ totalCount nodes {{ status }} }}
                 sources {{ totalCount nodes {{ title }} }} }} }}",
            as_of(at)
        )
    };
    let campaign = |id: &str, at: Option<&str>| {
        format!(
            "{{ campaign(id: \"{id}\"{}) {{ title countries {{ totalCount nodes {{ code }} }} subdivisions {{ totalCount nodes {{ code }} }} }} }}",
            as_of(at)
        )
    };
    for (label, read, ids) in [
        ("defender events, affiliations, mergedIds, sources", &defender as &dyn Fn(&str, Option<&str>) -> String, &ids),
        ("restriction history, sources", &restriction, &restrictions),
        ("campaign countries, subdivisions", &campaign, &campaigns),
    ] {
        let now = app.statements_for(&read(&ids[1], None)).await;
        let quiet = app.statements_for(&read(&ids[0], Some(&at))).await;
        let busy = app.statements_for(&read(&ids[1], Some(&at))).await;
        eprintln!("{:?}: {label} asOf: {now} statements now, {quiet} (unchanged since), {busy} (10 edits)", app.engine);
        assert_eq!(quiet, busy, "{label}: statements grew with the history");
    }
});
