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
                // An answer is not read in one snapshot: a write may land
                // between its two root fields (in an executed answer, which
                // the heads read before it keep from ever being served
                // again), so only answers that show one version throughout
                // stand for a moment.
                let one_moment = |answer: &Value| {
                    answer["data"]["defenders"]["nodes"][0]["name"] == answer["data"]["defender"]["name"]
                };
                if one_moment(&fresh)
                    && one_moment(&body)
                    && fresh["data"]["defender"]["name"] == body["data"]["defender"]["name"]
                {
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
    assert_eq!(first.headers()[VARY], "Accept, Accept-Language, Authorization");
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

/// One write through the API, by the uncached instance: what it changes, its
/// mutation and input (`expectedVersion` is set to the record's version).
struct Write {
    what: &'static str,
    query: &'static str,
    input: Value,
}

/// A body with the request ids of its errors (if any) taken out: an error is
/// never kept, and its request id is the request's own.
fn without_request_ids(body: &[u8]) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(body).unwrap();
    if let Some(errors) = value.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            error["extensions"].as_object_mut().map(|extensions| extensions.remove("requestId"));
        }
        return serde_json::to_vec(&value).unwrap();
    }
    body.to_vec()
}

// Every kind of write ends exactly the answers it may change: after each,
// every query of a battery (read by the anonymous class and by a partner's)
// answers from the cache byte for byte as an instance without a cache
// answers; queries of kinds a write does not touch stay cached.
engine_tests!(every_kind_of_write_ends_the_answers_it_may_change, |app: TestApp| async move {
    let owner = create_org(&app, "Cache Owner");
    let partner = create_org(&app, "Cache Partner");
    let admin = create_key(&app, &owner, "ADMIN");
    let reader = create_key(&app, &partner, "READER");
    let uncached = app.start_again_with(|settings| settings.cache.response_cache_mib = 0).await;
    let uncached_url = format!("http://{}/graphql", uncached.local_addr().unwrap());
    tokio::spawn(uncached.run_until(std::future::pending()));
    let url = app.url("/graphql");
    let write = |query: &'static str, input: Value| {
        let (uncached_url, admin) = (uncached_url.clone(), admin.clone());
        async move {
            let (status, body) = raw(&uncached_url, Some(&admin), query, &json!({ "input": input })).await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].as_object().unwrap().values().next().unwrap().clone()
        }
    };
    let id_of =
        |payload: &Value| payload.as_object().unwrap().values().next().unwrap()["id"].as_str().unwrap().to_owned();
    let defender = id_of(
        &write(
            CREATE,
            json!({ "name": "Cachewise Una", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN" }),
        )
        .await,
    );
    let private =
        id_of(&write(CREATE, json!({ "name": "Cachewise Dos", "countryCode": "PE", "visibility": "PRIVATE" })).await);
    let restriction = id_of(
        &write(
            "mutation ($input: CreateRestrictionInput!) { createRestriction(input: $input) { restriction { id } } }",
            json!({ "title": "Cachewise decree", "kind": "LAW", "status": "ENACTED", "countryCode": "PE", "rights": ["PEACEFUL_ASSEMBLY"], "visibility": "PUBLIC" }),
        )
        .await,
    );
    let create_org_query =
        "mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }";
    let lead = id_of(
        &write(create_org_query, json!({ "name": "Cachewise Lead", "kind": "NGO", "visibility": "PUBLIC" })).await,
    );
    let twin = id_of(
        &write(create_org_query, json!({ "name": "Cachewise Lead Twin", "kind": "NGO", "visibility": "PUBLIC" })).await,
    );
    let source = id_of(
        &write(
            "mutation ($input: CreateSourceInput!) { createSource(input: $input) { source { id } } }",
            json!({ "title": "Cachewise report", "visibility": "PUBLIC" }),
        )
        .await,
    );

    let battery: Vec<(&str, String)> = vec![
        ("defenders", "{ defenders(first: 5, filter: { countryCodes: [\"PE\"] }) { totalCount nodes { name } } }".into()),
        ("restrictions", "{ restrictions(first: 5, filter: { countryCodes: [\"PE\"] }) { totalCount nodes { title } } }".into()),
        (
            "campaigns",
            "{ campaigns(first: 5) { totalCount nodes { title defenders { totalCount } restrictions { totalCount } leadOrganisation { name } } } }".into(),
        ),
        ("organisations", "{ organisations(first: 50) { totalCount nodes { name mergedIds } } }".into()),
        ("countries", "{ countries(first: 5) { totalCount nodes { code name } } }".into()),
        (
            "statistics",
            "{ statistics { defenders { total byCountry { key count } } restrictions { total } campaigns { total } } }".into(),
        ),
        ("search", "{ search(query: \"Cachewise\", first: 10) { totalCount nodes { __typename } } }".into()),
        (
            "defender",
            format!("{{ defender(id: \"{defender}\") {{ name version sources {{ nodes {{ title }} }} restrictions {{ totalCount }} }} }}"),
        ),
        ("private", format!("{{ defender(id: \"{private}\") {{ name }} }}")),
    ];
    let classes = [None, Some(reader.as_str())];
    // Runs the battery on the cached server; returns which queries were
    // hits, and how many answered without an error (only those are kept).
    let run = |check: bool| {
        let (url, uncached_url, battery, app) = (url.clone(), uncached_url.clone(), battery.clone(), &app);
        async move {
            let (mut hits, mut keepable) = (Vec::new(), 0);
            for class in classes {
                for (name, query) in &battery {
                    let (before, _) = lookups(app).await;
                    let (status, cached) = raw(&url, class, query, &json!({})).await;
                    assert_eq!(status, 200);
                    if serde_json::from_slice::<Value>(&cached).unwrap().get("errors").is_none() {
                        keepable += 1;
                    }
                    if lookups(app).await.0 > before {
                        hits.push(format!("{}{name}", if class.is_some() { "partner:" } else { "" }));
                    }
                    if check {
                        let (_, fresh) = raw(&uncached_url, class, query, &json!({})).await;
                        assert_eq!(
                            String::from_utf8_lossy(&without_request_ids(&cached)),
                            String::from_utf8_lossy(&without_request_ids(&fresh)),
                            "{name} for {class:?}: the cached answer differs from the uncached one"
                        );
                    }
                }
            }
            (hits, keepable)
        }
    };
    let writes = [
        Write {
            what: "a defender's name",
            query: UPDATE,
            input: json!({ "id": defender, "expectedVersion": 1, "name": "Cachewise Uno" }),
        },
        Write {
            what: "a restriction's title",
            query: "mutation ($input: UpdateRestrictionInput!) { updateRestriction(input: $input) { restriction { version } } }",
            input: json!({ "id": restriction, "expectedVersion": 1, "title": "Cachewise law" }),
        },
        Write {
            what: "a campaign",
            query: "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
            input: json!({ "title": "Cachewise campaign", "kind": "INDIVIDUAL_CASE", "status": "ACTIVE", "visibility": "PUBLIC",
                           "leadOrganisationId": lead, "defenderIds": [defender], "restrictionIds": [restriction], "areas": ["PE"] }),
        },
        Write {
            what: "an organisation's name",
            query: "mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { version } } }",
            input: json!({ "id": lead, "expectedVersion": 1, "name": "Cachewise Leaders" }),
        },
        Write {
            what: "a citation",
            query: "mutation ($input: CitationInput!) { citeSource(input: $input) { recordVersion } }",
            input: json!({ "recordId": defender, "expectedVersion": 2, "sourceId": source }),
        },
        Write {
            what: "a source's title",
            query: "mutation ($input: UpdateSourceInput!) { updateSource(input: $input) { source { version } } }",
            input: json!({ "id": source, "expectedVersion": 1, "title": "Cachewise annual report" }),
        },
        Write {
            what: "a share with the partner",
            query: "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
            input: json!({ "recordId": private, "organisationId": partner, "access": "READ", "confidential": false }),
        },
        Write {
            what: "a merge of organisations",
            query: "mutation ($input: MergeInput!) { mergeOrganisations(input: $input) { organisation { id } } }",
            input: json!({ "survivorId": lead, "absorbedId": twin }),
        },
        Write {
            what: "an archived defender",
            query: "mutation ($input: RecordVersionInput!) { archiveDefender(input: $input) { defender { id } } }",
            input: json!({ "id": defender, "expectedVersion": 3 }),
        },
    ];
    let mut kept_across = Vec::new();
    for write_step in &writes {
        run(false).await;
        let (warm, keepable) = run(false).await;
        assert_eq!(warm.len(), keepable, "a warm battery is answered from the cache: {warm:?}");
        // The version the write is based on is the record's current one.
        let mut input = write_step.input.clone();
        if input.get("expectedVersion").is_some() {
            let record = input.get("id").or_else(|| input.get("recordId")).unwrap().clone();
            let version = "query ($id: ID!) { node(id: $id) { ... on Defender { version } ... on Restriction { version } \
                           ... on Organisation { version } ... on Source { version } } }";
            let (_, body) = raw(&uncached_url, Some(&admin), version, &json!({ "id": record })).await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            input["expectedVersion"] = body["data"]["node"]["version"].clone();
        }
        let (_, body) = raw(&uncached_url, Some(&admin), write_step.query, &json!({ "input": input })).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body.get("errors").is_none(), "{}: {body}", write_step.what);
        let (hits, _) = run(true).await;
        kept_across.push((write_step.what, hits));
    }
    let kept = |what: &str| &kept_across.iter().find(|(w, _)| *w == what).unwrap().1;
    for (what, hits) in &kept_across {
        assert!(hits.iter().any(|h| h == "countries"), "reference data stays cached across {what}: {hits:?}");
        assert!(!hits.iter().any(|h| h.ends_with("search")), "a search reads every kind: {what} ends it: {hits:?}");
    }
    assert!(kept("a restriction's title").iter().any(|h| h == "defenders"), "{kept_across:?}");
    assert!(kept("a defender's name").iter().any(|h| h == "restrictions"), "{kept_across:?}");
    assert!(!kept("a defender's name").iter().any(|h| h == "defenders" || h == "defender"), "{kept_across:?}");
    assert!(!kept("a share with the partner").iter().any(|h| h == "partner:private"), "{kept_across:?}");
});
