//! The response cache: a repeated query is answered from it, byte for byte
//! as executed; a write anywhere (on this instance or another) is never
//! followed by an older answer; classes never share answers; public GET
//! answers carry what an HTTP cache needs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::common::{self, TestApp, create_key, create_org};
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use serde_json::{Value, json};

const UPDATE: &str =
    "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";

/// The response cache's lookups so far, from `/metrics`: (hits, misses).
async fn lookups(app: &TestApp) -> (u64, u64) {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let count = |outcome: &str| {
        let prefix = format!("rights_graph_response_cache_lookups_total{{outcome=\"{outcome}\"}} ");
        text.lines().find_map(|line| line.strip_prefix(&prefix)?.parse().ok()).unwrap_or(0)
    };
    (count("hit"), count("miss"))
}

/// The raw body of a POST, as bytes.
async fn raw(url: &str, key: Option<&str>, query: &str, variables: &Value) -> (u16, Vec<u8>) {
    let mut request = reqwest::Client::new().post(url).json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header(AUTHORIZATION, format!("Bearer {key}"));
    }
    let response = request.send().await.expect("sent");
    (response.status().as_u16(), response.bytes().await.expect("body").to_vec())
}

/// A defender created through the API by `key`, public; returns its id.
async fn create_defender(app: &TestApp, key: &str, name: &str) -> String {
    let input = json!({ "input": { "name": name, "countryCode": "CO", "visibility": "PUBLIC", "consent": "GIVEN" } });
    let (status, body) = common::post_as(app, Some(key), CREATE, input).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

engine_tests!(a_repeated_query_is_answered_from_the_cache_until_a_write, |app: TestApp| async move {
    let url = app.url("/graphql");
    let query = "query Dashboard { statistics { defenders { total byCountry { key count } } } \
                 defenders(first: 50, orderBy: { field: NAME }) { totalCount nodes { id name country { name } } } }";
    let (status, first) = raw(&url, None, query, &json!({})).await;
    assert_eq!(status, 200);
    let (hits, misses) = lookups(&app).await;
    let (_, second) = raw(&url, None, query, &json!({})).await;
    assert_eq!(first, second, "the cached answer is the executed one, byte for byte");
    assert_eq!(lookups(&app).await, (hits + 1, misses), "the second was a hit");

    // Other variables, or another class, are other answers.
    let org = create_org(&app, "Cache Watch");
    let key = create_key(&app, &org, "EDITOR");
    let (_, as_member) = raw(&url, Some(&key), query, &json!({})).await;
    assert_eq!(lookups(&app).await, (hits + 1, misses + 1), "a partner's class does not share the anonymous answer");
    let (_, again) = raw(&url, Some(&key), query, &json!({})).await;
    assert_eq!(as_member, again);
    assert_eq!(lookups(&app).await, (hits + 2, misses + 1));

    // A write ends every answer made before it.
    create_defender(&app, &key, "Aaron Cachewise").await;
    let (_, after) = raw(&url, None, query, &json!({})).await;
    assert_ne!(after, first, "a new public defender changes the answer");
    let after: Value = serde_json::from_slice(&after).unwrap();
    let before: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        after["data"]["defenders"]["totalCount"].as_u64().unwrap(),
        before["data"]["defenders"]["totalCount"].as_u64().unwrap() + 1
    );
    // Queries that read state no audit entry covers are never kept.
    let (hits, misses) = lookups(&app).await;
    for _ in 0..2 {
        let (status, _) =
            raw(&url, Some(&key), "{ viewer { organisation { name } } rateLimit { remaining } }", &json!({})).await;
        assert_eq!(status, 200);
    }
    assert_eq!(lookups(&app).await, (hits, misses), "`viewer` and `rateLimit` are not looked up");
});

configured_tests!(
    a_server_without_the_cache_answers_the_same_bytes,
    |settings: &mut rights_graph::Settings| settings.cache.response_cache_mib = 0,
    |app: TestApp| async move {
        let cached = app.start_again_with(|settings| settings.skip_sample_data = true).await;
        let cached_url = format!("http://{}/graphql", cached.local_addr().unwrap());
        tokio::spawn(cached.run_until(std::future::pending()));
        let query = "{ countries(first: 20) { nodes { code defenders(first: 5) { totalCount nodes { name } } } } \
                     search(query: \"journalist\", first: 10) { totalCount nodes { __typename ... on Defender { name } } } }";
        let (_, uncached) = raw(&app.url("/graphql"), None, query, &json!({})).await;
        for _ in 0..3 {
            let (status, body) = raw(&cached_url, None, query, &json!({})).await;
            assert_eq!(status, 200);
            assert_eq!(String::from_utf8_lossy(&body), String::from_utf8_lossy(&uncached));
        }
        assert_eq!(lookups(&app).await, (0, 0), "the server without a cache never looks one up");
    }
);

// Under a write every 100 ms, made through another instance, no answer is
// older than the last write acknowledged before the read began, and every
// cached answer equals the uncached instance's answer of the same moment.
engine_tests!(no_stale_answer_is_served_under_writes, |app: TestApp| async move {
    let org = create_org(&app, "Cache Writer");
    let key = create_key(&app, &org, "EDITOR");
    let id = create_defender(&app, &key, "Writer 0").await;
    // The writing instance has no cache; the reading one (the test's) has.
    let writer = app.start_again_with(|settings| settings.cache.response_cache_mib = 0).await;
    let writer_url = format!("http://{}/graphql", writer.local_addr().unwrap());
    tokio::spawn(writer.run_until(std::future::pending()));

    let acknowledged = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(4);
    let writes = {
        let (acknowledged, id, key, writer_url) = (acknowledged.clone(), id.clone(), key.clone(), writer_url.clone());
        tokio::spawn(async move {
            let mut version = 1;
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let n = version;
                let input = json!({ "input": { "id": id, "expectedVersion": version, "name": format!("Writer {n}") } });
                let (status, body) = raw(&writer_url, Some(&key), UPDATE, &input).await;
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                version += 1;
                acknowledged.store(n, Ordering::SeqCst);
            }
            version - 1
        })
    };
    let query = "query Watch($id: ID!) { defender(id: $id) { name } \
                 defenders(first: 5, filter: { countryCodes: [\"CO\"] }, orderBy: { field: NAME }) { totalCount nodes { name } } }";
    let variables = json!({ "id": id });
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (url, writer_url, acknowledged, variables) =
            (app.url("/graphql"), writer_url.clone(), acknowledged.clone(), variables.clone());
        readers.push(tokio::spawn(async move {
            let (mut reads, mut compared) = (0, 0);
            while Instant::now() < deadline {
                let floor = acknowledged.load(Ordering::SeqCst);
                let (status, cached) = raw(&url, None, query, &variables).await;
                assert_eq!(status, 200);
                let body: Value = serde_json::from_slice(&cached).unwrap();
                let name = body["data"]["defender"]["name"].as_str().unwrap_or_else(|| panic!("{body}"));
                let seen: u64 = name.trim_start_matches("Writer ").parse().unwrap();
                assert!(seen >= floor, "stale: saw \"{name}\" after write {floor} was acknowledged");
                let (_, uncached) = raw(&writer_url, None, query, &variables).await;
                let fresh: Value = serde_json::from_slice(&uncached).unwrap();
                if fresh["data"]["defender"]["name"] == body["data"]["defender"]["name"] {
                    assert_eq!(cached, uncached, "a cached answer differs from the uncached one of the same moment");
                    compared += 1;
                }
                reads += 1;
            }
            (reads, compared)
        }));
    }
    let written = writes.await.expect("writer");
    let (mut reads, mut compared) = (0, 0);
    for reader in readers {
        let (r, c) = reader.await.expect("reader");
        reads += r;
        compared += c;
    }
    let (hits, _) = lookups(&app).await;
    assert!(written >= 10, "{written} writes");
    assert!(compared > 0 && reads > 30, "{reads} reads, {compared} compared");
    assert!(hits > 0, "some reads were answered from the cache ({reads} reads)");
});

engine_tests!(public_get_answers_carry_etag_and_cache_control, |app: TestApp| async move {
    let query = "{ defenders(first: 3, orderBy: { field: NAME }) { totalCount nodes { name } } }";
    let url = format!(
        "{}?query={}",
        app.url("/graphql"),
        url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let client = reqwest::Client::new();
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(first.headers()[CACHE_CONTROL], "public, no-cache");
    assert_eq!(first.headers()[VARY], "Accept, Authorization");
    let body = first.bytes().await.unwrap();

    // Unchanged: 304, no body; the same ETag whether executed or cached.
    let revalidated = client.get(&url).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()[ETAG].to_str().unwrap(), etag);
    assert!(revalidated.bytes().await.unwrap().is_empty());
    let other = client.get(&url).header(IF_NONE_MATCH, "\"something-else\"").send().await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.bytes().await.unwrap(), body);

    // After a write the old ETag no longer matches.
    let org = create_org(&app, "ETag Writer");
    let key = create_key(&app, &org, "EDITOR");
    create_defender(&app, &key, "Aaa First By Name").await;
    let changed = client.get(&url).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()[ETAG].to_str().unwrap(), etag);

    // With an API key: never stored by a shared cache, no ETag.
    let member = client.get(&url).header(AUTHORIZATION, format!("Bearer {key}")).send().await.unwrap();
    assert_eq!(member.status(), 200);
    assert_eq!(member.headers()[CACHE_CONTROL], "private, no-store");
    assert!(member.headers().get(ETAG).is_none());
    // A POST is not for HTTP caches either.
    let post = client.post(app.url("/graphql")).json(&json!({ "query": query })).send().await.unwrap();
    assert_eq!(post.headers()[CACHE_CONTROL], "no-store");
    assert!(post.headers().get(ETAG).is_none());
    // Errors are never offered to a cache.
    let bad = format!("{}?query={}", app.url("/graphql"), "%7B%20nope%20%7D");
    let bad = client.get(&bad).send().await.unwrap();
    assert!(bad.headers().get(ETAG).is_none());
});

// A hit costs one statement (the change sequence's head), whatever the query.
engine_tests!(a_hit_costs_one_statement, |app: TestApp| async move {
    let query = "{ countries(first: 30) { nodes { code defenders(first: 10) { totalCount nodes { name \
                 restrictions(first: 5) { nodes { title } } } } } } statistics { defenders { total } } }";
    let executed = app.statements_for(query).await;
    let answered = app.statements_for(query).await;
    assert!(executed > 3, "{executed} statements executing");
    assert_eq!(answered, 1, "an answer from the cache reads the sequence's head only");
});
