//! GraphQL subscriptions over WebSocket at `/graphql`: both protocols, the
//! key in `connection_init`, each close code the protocol names, revoked
//! keys, resuming, tombstones and two server instances on one database.

use std::time::Duration;

use crate::common;

use async_graphql::futures_util::{SinkExt, StreamExt};
use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::changes::{SHARE, UNSHARE, create_defender, mutate, read_feed, update_defender};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUBSCRIBE: &str = "subscription ($after: String) { changes(after: $after) {
    sequence operation recordId cursor node { ... on Defender { name } } } }";

/// How long a test waits for a message that must come (not a performance figure).
const PATIENCE: Duration = Duration::from_secs(10);

async fn connect_to(address: std::net::SocketAddr, protocol: &str) -> Socket {
    let mut request = format!("ws://{address}/graphql").into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", protocol.parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("WebSocket connects");
    assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
    socket
}

async fn connect(app: &TestApp) -> Socket {
    connect_to(app.address, "graphql-transport-ws").await
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.expect("sent");
}

/// The next protocol message; panics on a close.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match message.expect("the connection stays open").expect("a frame") {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// The close code and reason the server ends the connection with.
async fn closed(socket: &mut Socket) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("closed in time");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return (frame.code.into(), frame.reason.to_string()),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => panic!("closed without a code"),
            Some(Ok(_)) => {}
        }
    }
}

async fn initialise(socket: &mut Socket, key: Option<&str>) {
    let payload = key.map_or(json!({}), |key| json!({ "Authorization": format!("Bearer {key}") }));
    send(socket, json!({ "type": "connection_init", "payload": payload })).await;
    assert_eq!(receive(socket).await["type"], "connection_ack");
}

async fn subscribe(socket: &mut Socket, id: &str, after: Option<&str>) {
    send(
        socket,
        json!({ "type": "subscribe", "id": id, "payload": { "query": SUBSCRIBE, "variables": { "after": after } } }),
    )
    .await;
}

/// The next `next` message's change, for subscription `id`.
async fn next_change(socket: &mut Socket, id: &str) -> Value {
    let message = receive(socket).await;
    assert_eq!((message["type"].as_str(), message["id"].as_str()), (Some("next"), Some(id)), "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["changes"].clone()
}

configured_tests!(
    each_close_code_the_protocol_names,
    |settings: &mut rights_graph::Settings| {
        settings.changes.connection_init_timeout = 1;
        settings.changes.max_subscriptions_per_connection = 2;
        settings.changes.max_connections_per_key = 1;
    },
    |app: TestApp| async move {
        let org = create_org(&app, "Subscriber");
        let key = create_key(&app, &org, "READER");

        // 4408: no connection_init in time.
        let mut socket = connect(&app).await;
        assert_eq!(closed(&mut socket).await, (4408, "Connection initialisation timeout".into()));
        // 4401: a subscription before the acknowledgement.
        let mut socket = connect(&app).await;
        subscribe(&mut socket, "1", None).await;
        assert_eq!(closed(&mut socket).await, (4401, "Unauthorized".into()));
        // 4403: a bad key, and a header that is not a bearer key.
        for authorization in ["Bearer rg_not-a-key", "rg_not-bearer"] {
            let mut socket = connect(&app).await;
            send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": authorization } }))
                .await;
            let (code, reason) = closed(&mut socket).await;
            assert_eq!(code, 4403, "{reason}");
            assert!(reason.starts_with("Forbidden"), "{reason}");
        }
        // 4400: a message that is not the protocol's, before and after the acknowledgement.
        let mut socket = connect(&app).await;
        socket.send(Message::text("not json")).await.unwrap();
        assert_eq!(closed(&mut socket).await.0, 4400);
        let mut socket = connect(&app).await;
        initialise(&mut socket, None).await;
        send(&mut socket, json!({ "type": "subscribe", "id": "1", "payload": {} })).await;
        assert_eq!(closed(&mut socket).await.0, 4400);
        // 4409: an id already in use.
        let mut socket = connect(&app).await;
        initialise(&mut socket, None).await;
        subscribe(&mut socket, "same", None).await;
        subscribe(&mut socket, "same", None).await;
        assert_eq!(closed(&mut socket).await, (4409, "Subscriber for same already exists".into()));
        // The per-connection limit refuses one subscription, with an error, and keeps the connection.
        let mut socket = connect(&app).await;
        initialise(&mut socket, None).await;
        subscribe(&mut socket, "1", None).await;
        subscribe(&mut socket, "2", None).await;
        subscribe(&mut socket, "3", None).await;
        let refused = receive(&mut socket).await;
        assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("3")), "{refused}");
        assert_eq!(refused["payload"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
        send(&mut socket, json!({ "type": "ping" })).await;
        assert_eq!(receive(&mut socket).await["type"], "pong", "the connection stays open");
        // The per-key limit: a second connection with the same key is refused.
        let mut first = connect(&app).await;
        initialise(&mut first, Some(&key)).await;
        let mut second = connect(&app).await;
        send(
            &mut second,
            json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {key}") } }),
        )
        .await;
        let (code, reason) = closed(&mut second).await;
        assert_eq!(code, 1008, "{reason}");
        assert!(reason.contains("maxConnectionsPerKey"), "{reason}");
        // A subscription over HTTP is refused: it needs the WebSocket.
        let (_, body) = post_as(&app, None, SUBSCRIBE, json!({})).await;
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("not supported"), "{body}");
    }
);

engine_tests!(a_subscriber_receives_changes_tombstones_and_resumes_losing_nothing, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Owner"), create_org(&app, "Partner"));
    let (admin_a, reader_b) = (create_key(&app, &a, "ADMIN"), create_key(&app, &b, "READER"));
    // A first change gives a cursor to follow from.
    let first_record =
        create_defender(&app, &admin_a, json!({ "name": "Before", "countryCode": "PE", "visibility": "PARTNERS" }))
            .await;
    let (before, start) = read_feed(&app, Some(&reader_b), None, 100).await;
    assert_eq!(before.last().map(|c| c.record.clone()), Some(first_record));
    let mut socket = connect(&app).await;
    initialise(&mut socket, Some(&reader_b)).await;
    subscribe(&mut socket, "feed", start.as_deref()).await;

    let id = create_defender(
        &app,
        &admin_a,
        json!({ "name": "Followed Person", "countryCode": "PE", "safetyNotes": "SECRET-77" }),
    )
    .await;
    mutate(&app, &admin_a, SHARE, json!({ "recordId": id, "organisationId": b })).await;
    let created = next_change(&mut socket, "feed").await;
    assert_eq!((created["operation"].as_str(), created["recordId"].as_str()), (Some("CREATED"), Some(id.as_str())));
    assert_eq!(created["node"]["name"], "Followed Person");
    mutate(&app, &admin_a, UNSHARE, json!({ "recordId": id, "organisationId": b })).await;
    let withdrawn = next_change(&mut socket, "feed").await;
    assert_eq!(withdrawn["operation"], "WITHDRAWN");
    assert_eq!(withdrawn["node"], Value::Null, "a tombstone carries the id only");

    // The client goes away; changes commit meanwhile; it comes back with its cursor.
    let cursor = withdrawn["cursor"].as_str().unwrap().to_owned();
    send(&mut socket, json!({ "type": "complete", "id": "feed" })).await;
    drop(socket);
    mutate(&app, &admin_a, SHARE, json!({ "recordId": id, "organisationId": b })).await;
    update_defender(&app, &admin_a, &id, json!({ "occupation": "Lawyer" })).await;
    let mut socket = connect(&app).await;
    initialise(&mut socket, Some(&reader_b)).await;
    subscribe(&mut socket, "again", Some(&cursor)).await;
    let first = next_change(&mut socket, "again").await;
    let second = next_change(&mut socket, "again").await;
    assert_eq!((first["operation"].as_str(), second["operation"].as_str()), (Some("CREATED"), Some("UPDATED")));
    assert_eq!(first["sequence"].as_i64().unwrap() + 1, second["sequence"].as_i64().unwrap());
    assert_eq!(
        first["sequence"].as_i64().unwrap(),
        withdrawn["sequence"].as_i64().unwrap() + 1,
        "nothing lost and nothing repeated across the reconnection"
    );
    // The subscription and the feed query tell the same.
    let (told, _) = read_feed(&app, Some(&reader_b), Some(cursor), 10).await;
    assert_eq!(
        told.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        [first["sequence"].as_i64().unwrap(), second["sequence"].as_i64().unwrap()]
    );
    let everything = format!("{created}{withdrawn}{first}{second}");
    assert!(!everything.contains("SECRET-77"));
});

engine_tests!(a_revoked_key_ends_its_subscriptions, |app: TestApp| async move {
    let org = create_org(&app, "Revoker");
    let (admin, doomed) = (create_key(&app, &org, "ADMIN"), create_key(&app, &org, "READER"));
    let mut socket = connect(&app).await;
    initialise(&mut socket, Some(&doomed)).await;
    subscribe(&mut socket, "1", None).await;
    let (_, body) = post_as(&app, Some(&admin), "{ viewer { apiKeys { id prefix role } } }", json!({})).await;
    let reader = body["data"]["viewer"]["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["role"] == "READER" && doomed.starts_with(key["prefix"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("{body}"))["id"]
        .clone();
    mutate(
        &app,
        &admin,
        "mutation ($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id } } }",
        json!({ "id": reader }),
    )
    .await;
    let (code, reason) = closed(&mut socket).await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("revoked"), "{reason}");
});

engine_tests!(the_legacy_protocol_works_too, |app: TestApp| async move {
    let org = create_org(&app, "Legacy");
    let key = create_key(&app, &org, "EDITOR");
    // Without `after`, a subscription follows from when it opens: history
    // written before is not sent.
    create_defender(&app, &key, json!({ "name": "Earlier Person", "countryCode": "PE" })).await;
    let mut socket = connect_to(app.address, "graphql-ws").await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {key}") } }))
        .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "type": "start", "id": "1", "payload": { "query": SUBSCRIBE } })).await;
    // The protocol has no message that says a subscription is open: give it time to.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let id = create_defender(&app, &key, json!({ "name": "Legacy Person", "countryCode": "PE" })).await;
    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "data", "{message}");
    assert_eq!(message["payload"]["data"]["changes"]["recordId"], id.as_str());
    // A bad key: connection_error, then 4403.
    let mut socket = connect_to(app.address, "graphql-ws").await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": "Bearer rg_wrong" } })).await;
    assert_eq!(receive(&mut socket).await["type"], "connection_error");
    assert_eq!(closed(&mut socket).await.0, 4403);
});

engine_tests!(a_write_on_one_instance_reaches_a_subscriber_on_another, |app: TestApp| async move {
    let org = create_org(&app, "Two instances");
    let key = create_key(&app, &org, "EDITOR");
    let other = app.start_again(true).await;
    let other_address = other.local_addr().unwrap();
    tokio::spawn(other.run_until(std::future::pending()));
    create_defender(&app, &key, json!({ "name": "Before", "countryCode": "PE" })).await;
    let (_, start) = read_feed(&app, Some(&key), None, 100).await;
    assert!(start.is_some());
    let mut socket = connect_to(other_address, "graphql-transport-ws").await;
    initialise(&mut socket, Some(&key)).await;
    subscribe(&mut socket, "1", start.as_deref()).await;
    let id = create_defender(&app, &key, json!({ "name": "Cross Instance", "countryCode": "PE" })).await;
    let change = next_change(&mut socket, "1").await;
    assert_eq!((change["operation"].as_str(), change["recordId"].as_str()), (Some("CREATED"), Some(id.as_str())));
});

/// The ```graphql blocks of docs/changes.md, in order.
fn documented_operations() -> Vec<String> {
    let text = include_str!("../../docs/changes.md");
    text.split("```graphql\n").skip(1).map(|block| block.split("```").next().unwrap().to_owned()).collect()
}

engine_tests!(the_documented_query_and_subscription_work_verbatim, |app: TestApp| async move {
    let operations = documented_operations();
    assert_eq!(operations.len(), 3, "the query, the subscription and the webhook of docs/changes.md");
    let org = create_org(&app, "Documented");
    let key = create_key(&app, &org, "EDITOR");
    let id = create_defender(&app, &key, json!({ "name": "Documented Person", "countryCode": "PE" })).await;
    let (_, body) = post_as(&app, Some(&key), &operations[0], json!({ "after": null })).await;
    assert!(body["errors"].is_null(), "{body}");
    let edges = body["data"]["changes"]["edges"].as_array().unwrap();
    assert_eq!(edges.last().unwrap()["node"]["node"]["name"], "Documented Person", "{body}");
    let cursor = edges.last().unwrap()["cursor"].as_str().unwrap().to_owned();

    let mut socket = connect(&app).await;
    initialise(&mut socket, Some(&key)).await;
    send(&mut socket, json!({ "type": "subscribe", "id": "doc", "payload": { "query": operations[1], "variables": { "after": cursor } } })).await;
    update_defender(&app, &key, &id, json!({ "status": "DETAINED" })).await;
    let change = next_change(&mut socket, "doc").await;
    assert_eq!((change["operation"].as_str(), change["node"]["status"].as_str()), (Some("UPDATED"), Some("DETAINED")));

    // The webhook example registers (and is deleted at once: nothing is
    // sent to the example address, as the organisation makes no change).
    let other = create_org(&app, "Documented webhook");
    let admin = create_key(&app, &other, "ADMIN");
    let (_, body) = post_as(&app, Some(&admin), &operations[2], json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let created = &body["data"]["createWebhook"];
    assert_eq!(created["webhook"]["types"], json!(["DEFENDER"]));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let (_, body) = post_as(
        &app,
        Some(&admin),
        "mutation ($input: WebhookIdInput!) { deleteWebhook(input: $input) { deleted } }",
        json!({ "input": { "id": created["webhook"]["id"] } }),
    )
    .await;
    assert_eq!(body["data"]["deleteWebhook"]["deleted"], true, "{body}");
});

// A client that stops reading is disconnected once a message waits longer
// than slow_consumer_timeout (the server holds at most one message for it),
// and resumes from its cursor.
configured_tests!(
    a_client_that_stops_reading_is_disconnected,
    |settings: &mut rights_graph::Settings| settings.changes.slow_consumer_timeout = 1,
    |app: TestApp| async move {
        let org = create_org(&app, "Slow reader");
        let key = create_key(&app, &org, "EDITOR");
        // Large events, so that the sockets' buffers (4 MiB at most on Linux)
        // fill: 19,000-character summaries, 60 records, 10 subscriptions.
        let summary = "x".repeat(19_000);
        for n in 0..60 {
            create_defender(
                &app,
                &key,
                json!({ "name": format!("Bulky {n}"), "countryCode": "PE", "summary": summary }),
            )
            .await;
        }
        // A client with a small receive buffer that reads nothing after subscribing.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4 * 1024).unwrap();
        let stream = socket.connect(app.address).await.unwrap();
        let mut request = format!("ws://{}/graphql", app.address).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        let (mut socket, _) = tokio_tungstenite::client_async(request, stream).await.expect("connects");
        initialise(&mut socket, Some(&key)).await;
        let query = "subscription { changes(after: \"Y2hhbmdlczow\") { sequence cursor node { ... on Defender { summary } } } }";
        for n in 0..10 {
            send(&mut socket, json!({ "type": "subscribe", "id": format!("slow{n}"), "payload": { "query": query } }))
                .await;
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        // Reading again: what was in the buffers, then the close.
        let mut received = 0;
        let close = loop {
            match tokio::time::timeout(PATIENCE, socket.next()).await.expect("the server ends the connection") {
                Some(Ok(Message::Text(_))) => received += 1,
                Some(Ok(Message::Close(frame))) => break frame,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break None,
            }
        };
        eprintln!("{:?}: the slow reader got {received} of 600 events, then {close:?}", app.engine);
        assert!(received < 600, "disconnected before the end: {received} of 600 events arrived");
        if let Some(frame) = close {
            assert_eq!(u16::from(frame.code), 1008, "{frame:?}");
            assert!(frame.reason.contains("Too slow"), "{frame:?}");
        }
    }
);

// A subscription is charged like a query when it starts: a client out of
// budget is refused with RATE_LIMITED.
configured_tests!(
    subscribing_is_charged_like_a_query,
    |settings: &mut rights_graph::Settings| settings.rate_limits.rate_limit_anonymous = 3,
    |app: TestApp| async move {
        let mut socket = connect(&app).await;
        initialise(&mut socket, None).await;
        let mut refused = None;
        for n in 0..5 {
            subscribe(&mut socket, &format!("s{n}"), None).await;
            // An accepted subscription sends nothing until a change; a refused one an error.
            if let Ok(Some(Ok(Message::Text(text)))) =
                tokio::time::timeout(Duration::from_millis(500), socket.next()).await
            {
                refused = Some(serde_json::from_str::<Value>(&text).unwrap());
                break;
            }
        }
        let refused = refused.expect("a subscription past the budget is refused");
        assert_eq!(refused["type"], "next", "{refused}");
        assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
    }
);
