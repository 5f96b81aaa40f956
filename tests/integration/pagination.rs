//! Cursor pagination in both directions, at the top level and nested, and
//! the limits on page sizes and cursors.

use crate::common;

use common::{TestApp, names};
use serde_json::{Value, json};

const COUNTRY_PAGE: &str = r#"query ($first: Int, $after: String, $last: Int, $before: String, $order: CountryOrder) {
  countries(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    edges { cursor node { code name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

/// Walks all countries forwards or backwards, returning codes in list order.
async fn walk_countries(app: &TestApp, size: i64, backward: bool, order: Value) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let variables = if backward {
            json!({ "last": size, "before": cursor, "order": order })
        } else {
            json!({ "first": size, "after": cursor, "order": order })
        };
        let page = app.data_with(COUNTRY_PAGE, variables).await["countries"].clone();
        assert_eq!(page["totalCount"], 249, "the total does not depend on the page");
        let edges = page["edges"].as_array().unwrap();
        let mut page_codes: Vec<String> =
            edges.iter().map(|e| e["node"]["code"].as_str().unwrap().to_owned()).collect();
        let info = &page["pageInfo"];
        assert_eq!(info["startCursor"], edges.first().map(|e| e["cursor"].clone()).unwrap_or(Value::Null));
        assert_eq!(info["endCursor"], edges.last().map(|e| e["cursor"].clone()).unwrap_or(Value::Null));
        pages += 1;
        let (more, from_cursor) = if backward {
            (info["hasPreviousPage"].as_bool().unwrap(), info["hasNextPage"].as_bool().unwrap())
        } else {
            (info["hasNextPage"].as_bool().unwrap(), info["hasPreviousPage"].as_bool().unwrap())
        };
        assert_eq!(from_cursor, cursor.is_some(), "a page after a cursor has elements before it");
        if backward {
            page_codes.extend(codes);
            codes = page_codes;
            cursor = info["startCursor"].as_str().map(str::to_owned);
        } else {
            codes.extend(page_codes);
            cursor = info["endCursor"].as_str().map(str::to_owned);
        }
        if !more {
            break;
        }
        assert!(pages < 100, "pagination does not end");
    }
    assert_eq!(pages, (249 + size - 1) / size, "page count for size {size}");
    codes
}

engine_tests!(countries_page_forwards_and_backwards_to_the_same_list, |app: TestApp| async move {
    let forwards = walk_countries(&app, 100, false, Value::Null).await;
    assert_eq!(forwards.len(), 249);
    let mut unique = forwards.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 249, "no country is repeated or skipped");
    let backwards = walk_countries(&app, 30, true, Value::Null).await;
    assert_eq!(forwards, backwards);
    // By name, ignoring accents: Åland Islands sorts with the A's.
    let position = |code: &str| forwards.iter().position(|c| c == code).unwrap();
    assert!(position("AX") < position("BE"), "Åland Islands sorts among the A's");
    assert!(position("AF") < position("AX"));

    let by_code = walk_countries(&app, 50, false, json!({ "field": "CODE", "direction": "DESC" })).await;
    let mut expected = unique.clone();
    expected.reverse();
    assert_eq!(by_code, expected);
});

engine_tests!(default_and_maximum_page_sizes, |app: TestApp| async move {
    let data = app.data("{ countries { edges { cursor } pageInfo { hasNextPage } } }").await;
    assert_eq!(data["countries"]["edges"].as_array().unwrap().len(), 20);
    let data = app.data("{ countries(first: 100) { edges { cursor } } countries_: countries(first: 0) { edges { cursor } pageInfo { hasNextPage } } }").await;
    assert_eq!(data["countries"]["edges"].as_array().unwrap().len(), 100);
    assert_eq!(data["countries_"]["edges"], json!([]));
    assert_eq!(data["countries_"]["pageInfo"]["hasNextPage"], true);

    for (query, argument) in [
        ("{ countries(first: 101) { totalCount } }", "first"),
        ("{ countries(last: 1000) { totalCount } }", "last"),
        ("{ countries(first: -1) { totalCount } }", "first"),
        ("{ countries(first: 1, last: 1) { totalCount } }", "last"),
        (r#"{ countries(first: 1, before: "x") { totalCount } }"#, "before"),
        (r#"{ countries(after: "x", before: "y") { totalCount } }"#, "before"),
        (r#"{ country(code: "US") { subdivisions(first: 500) { totalCount } } }"#, "first"),
        (r#"{ defenders(first: 5000) { totalCount } }"#, "first"),
    ] {
        let error = app.error(query).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{query}: {error}");
        assert_eq!(error["extensions"]["argument"], argument, "{query}");
    }
    let error = app.error("{ countries(first: 101) { totalCount } }").await;
    assert!(error["message"].as_str().unwrap().contains("100"), "the message names the limit: {error}");
});

engine_tests!(cursors_are_checked, |app: TestApp| async move {
    let data = app
        .data("{ countries(first: 2) { pageInfo { endCursor } } defenders(first: 1) { pageInfo { endCursor } } }")
        .await;
    let country_cursor = data["countries"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let defender_cursor = data["defenders"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();

    for (query, variables) in [
        // Not a cursor at all.
        ("query ($c: String) { countries(after: $c) { totalCount } }", json!({ "c": "not a cursor" })),
        ("query ($c: String) { countries(after: $c) { totalCount } }", json!({ "c": "eyJ9" })),
        // A cursor of another order of the same list.
        (
            "query ($c: String) { countries(after: $c, orderBy: { field: CODE }) { totalCount } }",
            json!({ "c": country_cursor }),
        ),
        // A cursor of another list.
        ("query ($c: String) { countries(after: $c) { totalCount } }", json!({ "c": defender_cursor })),
        ("query ($c: String) { defenders(before: $c, last: 1) { totalCount } }", json!({ "c": country_cursor })),
    ] {
        let body = app.post(query, variables.clone()).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}: {body}");
        assert!(error["message"].as_str().unwrap().contains("cursor"), "{body}");
    }
});

engine_tests!(nested_connections_page_independently, |app: TestApp| async move {
    let query = r#"query ($first: Int, $after: String, $last: Int, $before: String) {
      country(code: "US") { subdivisions(first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { code } pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      } }
    }"#;
    let all = app.data_with(query, json!({ "first": 100 })).await["country"]["subdivisions"].clone();
    let all_codes = names(&all, "code");
    assert_eq!(all_codes.len(), 57);

    let first = app.data_with(query, json!({ "first": 10 })).await["country"]["subdivisions"].clone();
    assert_eq!(names(&first, "code"), all_codes[..10]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(first["totalCount"], 57);

    let second = app.data_with(query, json!({ "first": 10, "after": first["pageInfo"]["endCursor"] })).await["country"]
        ["subdivisions"]
        .clone();
    assert_eq!(names(&second, "code"), all_codes[10..20]);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);

    let last = app.data_with(query, json!({ "last": 7 })).await["country"]["subdivisions"].clone();
    assert_eq!(names(&last, "code"), all_codes[50..]);
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last["pageInfo"]["hasNextPage"], false);

    let before = app
            .data_with(
                query,
                json!({ "last": 5, "before": second["pageInfo"]["startCursor"] }),
            )
            .await["country"]["subdivisions"]
            .clone();
    assert_eq!(names(&before, "code"), all_codes[5..10]);
    assert_eq!(before["pageInfo"]["hasNextPage"], true);

    // The same nested field under several parents pages each parent separately.
    let data = app.data(r#"{ countries(first: 5, orderBy: { field: CODE }) { nodes { code subdivisions(first: 3) { totalCount nodes { code } } } } }"#).await;
    for country in data["countries"]["nodes"].as_array().unwrap() {
        let code = country["code"].as_str().unwrap();
        let subdivisions = names(&country["subdivisions"], "code");
        assert!(subdivisions.len() <= 3);
        assert!(subdivisions.iter().all(|s| s.starts_with(&format!("{code}-"))), "{code}: {subdivisions:?}");
        let total = country["subdivisions"]["totalCount"].as_u64().unwrap();
        assert_eq!(subdivisions.len() as u64, total.min(3));
    }
});

engine_tests!(record_lists_order_by_name_dates_and_direction, |app: TestApp| async move {
    let data = app
        .data(
            r#"{
              asc: defenders { nodes { name } }
              desc: defenders(orderBy: { field: NAME, direction: DESC }) { nodes { name } }
              created: defenders(orderBy: { field: CREATED_AT }) { totalCount }
              titles: campaigns(first: 3, orderBy: { field: TITLE }) { nodes { title } }
              started: campaigns(orderBy: { field: STARTED_ON, direction: DESC }) { totalCount }
              introduced: restrictions(orderBy: { field: INTRODUCED_ON }) { totalCount }
              orgs: organisations(first: 2, orderBy: { field: NAME, direction: DESC }) { nodes { name } }
            }"#,
        )
        .await;
    let asc = names(&data["asc"], "name");
    assert_eq!(asc, ["Ilham Tohti", "LaDonna Brave Bull Allard", "Máxima Acuña", "Mohammad al-Qahtani"]);
    let mut desc = names(&data["desc"], "name");
    desc.reverse();
    assert_eq!(asc, desc);
    assert_eq!(data["created"]["totalCount"], 4);
    assert_eq!(
        names(&data["titles"], "title"),
        [
            "Defeat the North Dakota bills against protest",
            "Human rights observers at Standing Rock",
            "Letter to the Florida Legislature on HB1/SB 484"
        ]
    );
    assert_eq!(names(&data["orgs"], "name"), ["Sioux Tribe", "Saudi Civil and Political Rights Association"]);

    // Paging by update time walks every record once.
    let first = app
        .data("{ defenders(first: 2, orderBy: { field: UPDATED_AT }) { nodes { name } pageInfo { endCursor } } }")
        .await;
    let cursor = first["defenders"]["pageInfo"]["endCursor"].clone();
    let rest = app
        .data_with(
            "query ($c: String) { defenders(first: 10, after: $c, orderBy: { field: UPDATED_AT }) { nodes { name } } }",
            json!({ "c": cursor }),
        )
        .await;
    let mut walked = names(&first["defenders"], "name");
    walked.extend(names(&rest["defenders"], "name"));
    walked.sort();
    let mut expected = asc.clone();
    expected.sort();
    assert_eq!(walked, expected);
});
