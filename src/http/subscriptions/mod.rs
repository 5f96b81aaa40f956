//! GraphQL over WebSocket at `/graphql`: `graphql-transport-ws` (the
//! current protocol, spoken by the `graphql-ws` npm client) and the legacy
//! `graphql-ws` (Apollo's subscriptions-transport-ws), with async-graphql-axum.
//!
//! A connection goes through three steps:
//! 1. Initialisation, handled here: the client has `connection_init_timeout`
//!    seconds to send `connection_init` (else 4408); a subscription before
//!    it is refused with 4401. The API key comes in its payload,
//!    `{"Authorization": "Bearer <key>"}` (browsers cannot set headers on a
//!    WebSocket); a bad key closes with 4403. No key: an anonymous reader.
//! 2. The protocol, by async-graphql, behind the checks of [`protocol`]
//!    (4400 for a bad message, 4409 for an id in use, an error for an
//!    operation over the per-connection limit).
//! 3. Sending, here: each message must be taken by the client within
//!    `slow_consumer_timeout` seconds, else the connection is closed (1008)
//!    and the client resumes from its last cursor; a key revoked, expired
//!    or deleted closes its connections (4403) within a second or two.

mod events;
pub mod protocol;

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use async_graphql::futures_util::{self, SinkExt, StreamExt};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::{AppState, Shared};
use crate::service::Viewer;
use crate::service::access::api_keys;
use crate::service::access::rate_limits::Client;
use crate::service::changes::KeyWatch;
use events::ConnectionExecutor;
use protocol::{ClientMessage, Close, Operations, Refusal};

/// Upgrades `GET /graphql` to a WebSocket that speaks one of the protocols.
pub fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    protocol: GraphQLProtocol,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Response {
    // async-graphql-axum's extractor keeps the protocol to itself; it is read
    // again, by the same rule, for the checks made here.
    let name = headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| protocols.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()))
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let header_key = headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let max_message = state.0.max_query_bytes.saturating_mul(2).max(64 * 1024);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max_message)
        .on_upgrade(move |socket| serve(state, socket, protocol, name, header_key, peer))
        .into_response()
}

async fn serve(
    state: AppState,
    socket: WebSocket,
    protocol: GraphQLProtocol,
    name: WebSocketProtocols,
    header_key: Option<String>,
    peer: SocketAddr,
) {
    let shared = &state.0;
    let (mut sink, mut source) = socket.split();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(shared.changes.connection_init_timeout);
    let init = match initialise(name, &mut sink, &mut source, deadline).await {
        Ok(Some(init)) => init,
        Ok(None) => return,
        Err(close) => return close_with(&mut sink, close).await,
    };
    let authorization = init
        .payload
        .as_ref()
        .and_then(|payload| payload.get("Authorization").or_else(|| payload.get("authorization")))
        .and_then(|value| value.as_str())
        .map(str::to_owned)
        .or(header_key);
    let (viewer, mut key_watch) = match admit(shared, authorization.as_deref()).await {
        Ok(admitted) => admitted,
        Err(close) => {
            if name == WebSocketProtocols::SubscriptionsTransportWS {
                let _ = sink.send(Message::Text(protocol::connection_error(&close.reason).into())).await;
            }
            return close_with(&mut sink, close).await;
        }
    };
    let client = match &viewer {
        Viewer::Member(member) => Client::Key(member.key),
        Viewer::Anonymous => Client::Address(peer.ip()),
    };

    let (control, mut controls) = mpsc::channel::<Message>(4);
    let operations = Operations::default();
    let max_operations = shared.changes.max_subscriptions_per_connection as usize;
    let input = {
        let (control, operations) = (control.clone(), operations.clone());
        // The connection_init already read goes first, for async-graphql to acknowledge.
        let first = futures_util::stream::once(std::future::ready(Some(Ok(Message::Text(init.text.into())))));
        first
            .chain(source.scan((), move |_, message| {
                let passed = police(name, message, &operations, max_operations, &control);
                std::future::ready(passed)
            }))
            .filter_map(std::future::ready)
    };
    // Backpressure: async-graphql waits while this holds a message unsent.
    let (outgoing, mut to_send) = mpsc::channel::<Message>(1);
    let outgoing = futures_util::sink::unfold(outgoing, |outgoing, message: Message| async move {
        outgoing.send(message).await.map_err(|_| axum::Error::new("connection closed"))?;
        Ok::<_, axum::Error>(outgoing)
    });
    let executor = ConnectionExecutor::new(state.clone(), viewer, client);
    let graphql = GraphQLWebSocket::new_with_pair(Box::pin(outgoing), input, executor, protocol)
        .on_connection_init(|_| async { Ok(async_graphql::Data::default()) })
        .serve();
    let slow = Duration::from_secs(shared.changes.slow_consumer_timeout);
    let write = async {
        loop {
            let revoked = async {
                match key_watch.as_mut() {
                    Some(watch) => watch.revoked().await,
                    None => std::future::pending().await,
                }
            };
            let message = tokio::select! {
                biased;
                () = revoked => {
                    return close_with(&mut sink, Close::new(4403, "Forbidden: the API key was revoked or has expired")).await;
                }
                Some(message) = controls.recv() => message,
                message = to_send.recv() => match message {
                    Some(message) => message,
                    None => return,
                },
            };
            if let Message::Text(text) = &message {
                operations.ended_by(text.as_str());
            }
            let closing = matches!(message, Message::Close(_));
            match tokio::time::timeout(slow, sink.send(message)).await {
                Ok(Ok(())) if !closing => {}
                Ok(_) => return,
                Err(_) => {
                    let reason =
                        "Too slow to receive: reconnect and resume from the cursor of the last change received";
                    return close_with(&mut sink, Close::new(1008, reason)).await;
                }
            }
        }
    };
    tokio::pin!(graphql, write);
    tokio::select! {
        () = &mut write => {}
        () = &mut graphql => {
            // The client's side ended (or broke the protocol): send what is
            // left, the closing message included.
            drop(control);
            write.await;
        }
    }
}

/// The `connection_init` message: its text, and its payload.
struct Init {
    text: String,
    payload: Option<serde_json::Value>,
}

/// Waits for `connection_init`, answering pings meanwhile. `None` when the
/// client went away.
async fn initialise(
    name: WebSocketProtocols,
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    source: &mut futures_util::stream::SplitStream<WebSocket>,
    deadline: tokio::time::Instant,
) -> Result<Option<Init>, Close> {
    loop {
        let message = match tokio::time::timeout_at(deadline, source.next()).await {
            Err(_) => return Err(Close::new(4408, "Connection initialisation timeout")),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Ok(None),
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => continue,
        };
        match protocol::read(name, text.as_bytes())? {
            ClientMessage::ConnectionInit(payload) => return Ok(Some(Init { text, payload })),
            ClientMessage::Subscribe(_) => return Err(Close::new(4401, "Unauthorized")),
            ClientMessage::Ping => {
                let pong = Message::Text(r#"{"type":"pong"}"#.into());
                if sink.send(pong).await.is_err() {
                    return Ok(None);
                }
            }
            ClientMessage::Pong | ClientMessage::Complete(_) => {}
            ClientMessage::Terminate => return Ok(None),
        }
    }
}

/// The viewer a connection's key names, with the connection counted against
/// the key; or how to close.
async fn admit(shared: &Shared, authorization: Option<&str>) -> Result<(Viewer, Option<KeyWatch>), Close> {
    let Some(authorization) = authorization else { return Ok((Viewer::Anonymous, None)) };
    let forbidden = |why: &str| Close::new(4403, format!("Forbidden: {why}"));
    let key = authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .ok_or_else(|| forbidden("Authorization must be \"Bearer <API key>\""))?;
    let viewer = match api_keys::authenticate(&shared.db, key).await {
        Ok(Ok(viewer)) => viewer,
        Ok(Err(refusal)) => return Err(forbidden(refusal.message())),
        Err(_) => return Err(Close::new(1011, "The database cannot be reached just now. Retry in a few seconds.")),
    };
    let Viewer::Member(member) = &viewer else { return Ok((viewer, None)) };
    let max = shared.changes.max_connections_per_key as usize;
    let Some(watch) = shared.feed.hub.watch_key(member.key, max) else {
        return Err(Close::new(
            1008,
            format!("This API key has {max} connections open, the most it may. Limit: maxConnectionsPerKey."),
        ));
    };
    Ok((viewer, Some(watch)))
}

/// Checks one client message after initialisation. `Some` passes it on;
/// `None` ends the input (after queuing a close) or drops the message.
fn police(
    name: WebSocketProtocols,
    message: Result<Message, axum::Error>,
    operations: &Operations,
    max_operations: usize,
    control: &mpsc::Sender<Message>,
) -> Option<Option<Result<Message, axum::Error>>> {
    let close = |close: Close| {
        let _ = control.try_send(close_message(close));
        None
    };
    let text = match &message {
        Ok(Message::Text(text)) => text.as_bytes(),
        Ok(Message::Binary(bytes)) => bytes,
        Ok(Message::Close(_)) | Err(_) => return None,
        Ok(Message::Ping(_) | Message::Pong(_)) => return Some(None),
    };
    match protocol::read(name, text) {
        Err(bad) => close(bad),
        Ok(ClientMessage::Subscribe(id)) => match operations.start(&id, max_operations) {
            Ok(()) => Some(Some(message)),
            Err(Refusal::Close(refused)) => close(refused),
            Err(Refusal::Error) => {
                let _ = control.try_send(Message::Text(protocol::too_many(name, &id, max_operations).into()));
                Some(None)
            }
        },
        Ok(ClientMessage::Complete(id)) => {
            operations.end(&id);
            Some(Some(message))
        }
        Ok(_) => Some(Some(message)),
    }
}

fn close_message(close: Close) -> Message {
    Message::Close(Some(CloseFrame { code: close.code, reason: close.reason.into() }))
}

async fn close_with(sink: &mut futures_util::stream::SplitSink<WebSocket, Message>, close: Close) {
    // A client that reads nothing does not hold the connection open.
    let _ = tokio::time::timeout(Duration::from_secs(2), sink.send(close_message(close))).await;
}
