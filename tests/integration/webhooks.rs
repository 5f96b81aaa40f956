//! Webhooks: an ADMIN registers an endpoint (the secret is shown once);
//! deliveries are signed POSTs of the feed, in sequence order, with the same
//! tombstones, retried with backoff, logged, and paused when they keep
//! failing. The endpoints are listeners on the loopback address only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

use super::changes::{SHARE, UNSHARE, create_defender, mutate};

/// A delivery as the listener received it.
#[derive(Clone, Debug)]
struct Received {
    body: Vec<u8>,
    signature: String,
    delivery: String,
    timestamp: String,
}

/// A webhook endpoint on the loopback address that answers `failures`
/// requests with 500, then 200; and records what it was sent.
struct Listener {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    answered: Arc<Mutex<Vec<u16>>>,
}

async fn listen(failures: usize) -> Listener {
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let answered: Arc<Mutex<Vec<u16>>> = Arc::default();
    let (log, answers) = (received.clone(), answered.clone());
    let handler = move |headers: HeaderMap, body: Bytes| {
        let (log, answers) = (log.clone(), answers.clone());
        async move {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            log.lock().unwrap().push(Received {
                body: body.to_vec(),
                signature: header("x-rights-graph-signature-256"),
                delivery: header("x-rights-graph-delivery"),
                timestamp: header("x-rights-graph-timestamp"),
            });
            let mut answers = answers.lock().unwrap();
            let status = if answers.len() < failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
            answers.push(status.as_u16());
            status
        }
    };
    let router = axum::Router::new().route("/hook", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Listener { url: format!("http://{address}/hook"), received, answered }
}

const CREATE: &str = "mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url types position pausedAt } } }";
const LOG: &str = "{ viewer { webhooks { id url consecutiveFailures pausedAt pauseReason
    deliveries { id status attempts changes firstSequence lastSequence lastStatusCode lastError deliveredAt } } } }";

async fn register(app: &TestApp, admin: &str, url: &str, types: Value) -> (String, String) {
    let (_, body) = post_as(app, Some(admin), CREATE, json!({ "input": { "url": url, "types": types } })).await;
    assert!(body["errors"].is_null(), "{body}");
    let created = &body["data"]["createWebhook"];
    (created["webhook"]["id"].as_str().unwrap().to_owned(), created["secret"].as_str().unwrap().to_owned())
}

/// Waits until `done` holds of what the listener received.
async fn wait_for(listener: &Listener, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    for _ in 0..200 {
        let received = listener.received.lock().unwrap().clone();
        if done(&received) {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the listener never received {what}: {:?}", listener.received.lock().unwrap().len());
}

/// The changes of the deliveries that were accepted, in order.
fn accepted_changes(listener: &Listener) -> Vec<Value> {
    let received = listener.received.lock().unwrap().clone();
    let answered = listener.answered.lock().unwrap().clone();
    received
        .iter()
        .zip(answered)
        .filter(|(_, status)| *status == 200)
        .flat_map(|(delivery, _)| {
            let body: Value = serde_json::from_slice(&delivery.body).unwrap();
            body["changes"].as_array().unwrap().clone()
        })
        .collect()
}

configured_tests!(
    deliveries_are_signed_ordered_retried_and_tell_tombstones,
    |settings: &mut rights_graph::Settings| {
        settings.changes.webhook_allow_private_addresses = true;
        settings.changes.webhook_retry_base_ms = 100;
    },
    |app: TestApp| async move {
        let (a, b) = (create_org(&app, "Owner"), create_org(&app, "Partner"));
        let (admin_a, admin_b, reader_b) =
            (create_key(&app, &a, "ADMIN"), create_key(&app, &b, "ADMIN"), create_key(&app, &b, "READER"));
        // Two failures first: the same delivery is retried until accepted.
        let listener = listen(2).await;

        // Only ADMIN keys register, and only http(s) URLs.
        let (_, body) = post_as(&app, Some(&reader_b), CREATE, json!({ "input": { "url": listener.url } })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
        let (_, body) = post_as(&app, Some(&admin_b), CREATE, json!({ "input": { "url": "ftp://127.0.0.1/x" } })).await;
        assert_eq!(body["errors"][0]["extensions"]["argument"], "url", "{body}");
        let (id, secret) = register(&app, &admin_b, &listener.url, json!(["DEFENDER"])).await;
        assert!(secret.starts_with("whsec_"));
        let (_, body) = post_as(&app, Some(&admin_b), LOG, json!({})).await;
        assert!(!body.to_string().contains(&secret), "the secret is shown once only");
        let (_, body) = post_as(&app, Some(&reader_b), LOG, json!({})).await;
        assert_eq!(body["data"]["viewer"]["webhooks"], Value::Null, "only admins read the log: {body}");

        let shared = create_defender(
            &app,
            &admin_a,
            json!({ "name": "Hooked Person", "countryCode": "PE", "safetyNotes": "SECRET-W" }),
        )
        .await;
        let hidden = create_defender(&app, &admin_a, json!({ "name": "Never Sent", "countryCode": "PE" })).await;
        mutate(&app, &admin_a, SHARE, json!({ "recordId": shared, "organisationId": b })).await;
        mutate(&app, &admin_a, UNSHARE, json!({ "recordId": shared, "organisationId": b })).await;
        // A restriction change is not of the types asked for.
        let (_, body) = post_as(&app, Some(&admin_a), "mutation { createRestriction(input: { title: \"Hook bill\", kind: BILL, status: PENDING, countryCode: \"PE\", visibility: PARTNERS }) { restriction { id } } }", json!({})).await;
        assert!(body["errors"].is_null(), "{body}");

        let received = wait_for(&listener, "an accepted delivery", |received| received.len() >= 3).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let changes = accepted_changes(&listener);
        let told: Vec<(&str, &str)> =
            changes.iter().map(|c| (c["recordId"].as_str().unwrap(), c["operation"].as_str().unwrap())).collect();
        assert_eq!(told, [(shared.as_str(), "CREATED"), (shared.as_str(), "WITHDRAWN")], "{changes:#?}");
        assert_eq!(changes[1]["node"], Value::Null, "a tombstone carries the id only");
        let sequences: Vec<i64> = changes.iter().map(|c| c["sequence"].as_i64().unwrap()).collect();
        assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]), "in sequence order: {sequences:?}");
        for delivery in &received {
            let text = String::from_utf8_lossy(&delivery.body);
            assert!(!text.contains("SECRET-W") && !text.contains(&hidden) && !text.contains("Hook bill"), "{text}");
            assert_eq!(delivery.signature, rights_graph::service::webhooks::signature(&secret, &delivery.body));
            assert!(delivery.timestamp.parse::<i64>().is_ok());
        }
        // The failed attempts and the accepted one are one delivery.
        assert_eq!(received[0].delivery, received[2].delivery);

        let (_, body) = post_as(&app, Some(&admin_b), LOG, json!({})).await;
        let webhook = &body["data"]["viewer"]["webhooks"][0];
        assert_eq!(webhook["id"], id.as_str());
        let delivery = &webhook["deliveries"][0];
        assert_eq!(
            (delivery["status"].as_str(), delivery["attempts"].as_i64()),
            (Some("DELIVERED"), Some(3)),
            "{body}"
        );
        assert_eq!(delivery["lastStatusCode"], 200);
        assert_eq!(webhook["consecutiveFailures"], 0);
    }
);

configured_tests!(
    an_endpoint_that_keeps_failing_is_paused_and_resumed_by_its_admin,
    |settings: &mut rights_graph::Settings| {
        settings.changes.webhook_allow_private_addresses = true;
        settings.changes.webhook_retry_base_ms = 50;
        settings.changes.webhook_max_failures = 3;
    },
    |app: TestApp| async move {
        let a = create_org(&app, "Failing");
        let admin = create_key(&app, &a, "ADMIN");
        let listener = listen(usize::MAX).await;
        let (id, _) = register(&app, &admin, &listener.url, json!([])).await;
        create_defender(&app, &admin, json!({ "name": "Undelivered", "countryCode": "PE" })).await;
        wait_for(&listener, "three attempts", |received| received.len() >= 3).await;
        let mut paused = Value::Null;
        for _ in 0..100 {
            let (_, body) = post_as(&app, Some(&admin), LOG, json!({})).await;
            paused = body["data"]["viewer"]["webhooks"][0].clone();
            if !paused["pausedAt"].is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!paused["pausedAt"].is_null(), "{paused}");
        assert!(paused["pauseReason"].as_str().unwrap().contains("3 failed attempts"), "{paused}");
        assert_eq!(paused["deliveries"][0]["status"], "FAILED");
        assert_eq!(paused["deliveries"][0]["lastStatusCode"], 500);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(listener.received.lock().unwrap().len(), 3, "a paused endpoint is sent nothing");

        let (_, body) = post_as(&app, Some(&admin), "mutation ($input: WebhookIdInput!) { resumeWebhook(input: $input) { webhook { pausedAt consecutiveFailures } } }", json!({ "input": { "id": id } })).await;
        assert_eq!(
            body["data"]["resumeWebhook"]["webhook"],
            json!({ "pausedAt": null, "consecutiveFailures": 0 }),
            "{body}"
        );
        wait_for(&listener, "a fourth attempt", |received| received.len() >= 4).await;
        let (_, body) = post_as(
            &app,
            Some(&admin),
            "mutation ($input: WebhookIdInput!) { deleteWebhook(input: $input) { deleted } }",
            json!({ "input": { "id": id } }),
        )
        .await;
        assert_eq!(body["data"]["deleteWebhook"]["deleted"], true, "{body}");
        let (_, body) = post_as(&app, Some(&admin), LOG, json!({})).await;
        assert_eq!(body["data"]["viewer"]["webhooks"], json!([]));
    }
);
