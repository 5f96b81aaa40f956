//! Rate limits: budgets per address and per key, priced by query size,
//! reported in headers and in `rateLimit`, refused with 429 and
//! `Retry-After`, whole again after the window; per instance in memory,
//! shared through the database.

use crate::common;

use common::{TestApp, create_key, create_org};
use rights_graph::Settings;
use rights_graph::config::RateLimitStore;
use serde_json::{Value, json};

const QUERY: &str = "{ rateLimit { limit cost remaining used resetAt nodeCount } defenders { totalCount } }";

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn ask(address: std::net::SocketAddr, key: Option<&str>, query: &str) -> Answer {
    let mut request = reqwest::Client::new().post(format!("http://{address}/graphql")).json(&json!({ "query": query }));
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Answer { status, headers, body: response.json().await.unwrap() }
}

fn header(answer: &Answer, name: &str) -> u64 {
    answer.headers.get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap().parse().unwrap()
}

fn small_budgets(settings: &mut Settings) {
    settings.rate_limits.rate_limit_anonymous = 5;
    settings.rate_limits.rate_limit_authenticated = 8;
    settings.rate_limits.rate_limit_window = 3;
}

configured_tests!(budgets_headers_refusal_and_reset, small_budgets, |app: TestApp| async move {
    let org = create_org(&app, "Rate limits");
    let key = create_key(&app, &org, "READER");
    // Start at the beginning of the next window, so that all of this fits in
    // one (RateLimit-Reset is rounded up, so the window has ended by then).
    let first = ask(app.address, None, QUERY).await;
    tokio::time::sleep(std::time::Duration::from_secs(header(&first, "ratelimit-reset"))).await;
    let mut remaining = Vec::new();
    loop {
        let answer = ask(app.address, None, QUERY).await;
        if answer.status == 429 {
            assert_eq!(answer.body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{}", answer.body);
            assert!(answer.body.get("data").is_none());
            let retry = header(&answer, "retry-after");
            assert!((1..=3).contains(&retry), "Retry-After {retry}");
            assert_eq!(header(&answer, "ratelimit-remaining"), 0);
            assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("Rate limit"));
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(header(&answer, "ratelimit-limit"), 5);
        assert_eq!(answer.headers["ratelimit-policy"], "5;w=3");
        let rate = &answer.body["data"]["rateLimit"];
        assert_eq!(rate["limit"], 5);
        assert_eq!(rate["cost"], 1);
        assert_eq!(rate["remaining"].as_u64().unwrap(), header(&answer, "ratelimit-remaining"));
        assert_eq!(rate["used"].as_u64().unwrap() + rate["remaining"].as_u64().unwrap(), 5);
        remaining.push(rate["remaining"].as_u64().unwrap());
        assert!(remaining.len() <= 5, "more requests than the budget allowed: {remaining:?}");
    }
    assert_eq!(remaining, vec![4, 3, 2, 1, 0], "one point per request");
    // The key has its own budget, untouched by the address's.
    let answer = ask(app.address, Some(&key), QUERY).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["data"]["rateLimit"]["limit"], 8);
    assert_eq!(answer.body["data"]["rateLimit"]["remaining"], 7);
    // A larger query costs more: 1 + 100 + 200 page loads make 3 points.
    let costly = "{ rateLimit { cost nodeCount } defenders(first: 100) { nodes { restrictions(first: 2) { nodes { defenders(first: 2) { totalCount } } } } } }";
    let answer = ask(app.address, Some(&key), costly).await;
    assert_eq!(answer.body["data"]["rateLimit"]["cost"], 3, "{}", answer.body);
    assert_eq!(answer.body["data"]["rateLimit"]["nodeCount"], 100 + 200 + 400);
    assert_eq!(header(&answer, "ratelimit-remaining"), 4);
    // Invalid keys spend the address's budget: guessing keys is limited too.
    let answer = ask(app.address, Some("rgk_guess"), QUERY).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    // After the window, the budget is whole again.
    tokio::time::sleep(std::time::Duration::from_secs(header(&answer, "retry-after"))).await;
    let answer = ask(app.address, None, QUERY).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["data"]["rateLimit"]["remaining"], 4);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|line| line.starts_with("rights_graph_rate_limited_requests_total{client=\"anonymous\"}")),
        "{metrics}"
    );
});

configured_tests!(
    a_query_dearer_than_the_whole_budget_says_so,
    |settings: &mut Settings| settings.rate_limits.rate_limit_anonymous = 1,
    |app: TestApp| async move {
        let answer = ask(
            app.address,
            None,
            "{ defenders(first: 100) { nodes { restrictions(first: 2) { nodes { defenders(first: 2) { totalCount } } } } } }",
        )
        .await;
        assert_eq!(answer.status, 429);
        assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("more than the whole budget"));
    }
);

/// Two instances on one database, both keeping budgets in `store`, with a
/// budget of 4 per anonymous client.
async fn two_instances(app: &TestApp, store: RateLimitStore) -> (std::net::SocketAddr, std::net::SocketAddr) {
    let configure = move |settings: &mut Settings| {
        settings.rate_limits.rate_limit_anonymous = 4;
        settings.rate_limits.rate_limit_window = 86_400;
        settings.rate_limits.rate_limit_store = store;
        settings.skip_sample_data = true;
    };
    let first = app.start_again_with(configure).await;
    let second = app.start_again_with(configure).await;
    let addresses = (first.local_addr().unwrap(), second.local_addr().unwrap());
    tokio::spawn(first.run_until(std::future::pending()));
    tokio::spawn(second.run_until(std::future::pending()));
    addresses
}

engine_tests!(memory_budgets_are_per_instance, |app: TestApp| async move {
    let (a, b) = two_instances(&app, RateLimitStore::Memory).await;
    for _ in 0..4 {
        assert_eq!(ask(a, None, QUERY).await.status, 200);
    }
    assert_eq!(ask(a, None, QUERY).await.status, 429, "instance A counts its own budget");
    let answer = ask(b, None, QUERY).await;
    assert_eq!(answer.status, 200, "instance B has a budget of its own");
    assert_eq!(answer.body["data"]["rateLimit"]["remaining"], 3);
});

engine_tests!(database_budgets_are_shared_by_instances, |app: TestApp| async move {
    let (a, b) = two_instances(&app, RateLimitStore::Database).await;
    // Alternating between the instances, as a load balancer would.
    for (i, address) in [a, b, a, b].into_iter().enumerate() {
        let answer = ask(address, None, QUERY).await;
        assert_eq!(answer.status, 200, "request {i}: {}", answer.body);
        assert_eq!(answer.body["data"]["rateLimit"]["remaining"], 3 - i as u64, "{}", answer.body);
    }
    for address in [a, b] {
        let answer = ask(address, None, QUERY).await;
        assert_eq!(answer.status, 429, "the shared budget of 4 is spent: {}", answer.body);
        assert_eq!(header(&answer, "ratelimit-remaining"), 0);
    }
});
