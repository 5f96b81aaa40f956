//! The WebSocket sub-protocols' rules, enforced before messages reach
//! async-graphql, whose own handling differs from the protocol
//! (graphql-transport-ws, https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md):
//! async-graphql 7 closes with 1002 on a bad message (the protocol says
//! 4400), with 1011 on a subscription before the acknowledgement (4401),
//! replaces a subscription whose id is already in use (4409), has no
//! initialisation timeout (4408) and closes with 1002 when the connection
//! initialiser refuses (4403 here, for a bad API key).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::http::WebSocketProtocols;
use serde_json::{Value, json};

/// A close code and its reason, as the protocol names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: impl Into<String>) -> Close {
        Close { code, reason: reason.into() }
    }

    pub fn bad_message(why: &str) -> Close {
        Close::new(4400, format!("Invalid message received: {why}"))
    }
}

/// The kinds of client message the protocols define.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientMessage {
    ConnectionInit(Option<Value>),
    /// `subscribe` (graphql-transport-ws) or `start` (graphql-ws).
    Subscribe(String),
    /// `complete` (graphql-transport-ws) or `stop` (graphql-ws).
    Complete(String),
    Ping,
    Pong,
    /// `connection_terminate` (graphql-ws).
    Terminate,
}

/// Reads one client message, or says why it breaks the protocol.
pub fn read(protocol: WebSocketProtocols, text: &[u8]) -> Result<ClientMessage, Close> {
    let Ok(Value::Object(message)) = serde_json::from_slice::<Value>(text) else {
        return Err(Close::bad_message("not a JSON object"));
    };
    let Some(kind) = message.get("type").and_then(Value::as_str) else {
        return Err(Close::bad_message("no \"type\""));
    };
    let id = || match message.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(Close::bad_message(&format!("\"{kind}\" needs an \"id\""))),
    };
    let transport = protocol == WebSocketProtocols::GraphQLWS;
    match kind {
        "connection_init" => match message.get("payload") {
            None | Some(Value::Null) => Ok(ClientMessage::ConnectionInit(None)),
            Some(payload @ Value::Object(_)) => Ok(ClientMessage::ConnectionInit(Some(payload.clone()))),
            Some(_) => Err(Close::bad_message("the connection_init payload must be an object")),
        },
        "subscribe" if transport => subscribe(&message, id()?),
        "start" if !transport => subscribe(&message, id()?),
        "complete" if transport => Ok(ClientMessage::Complete(id()?)),
        "stop" if !transport => Ok(ClientMessage::Complete(id()?)),
        "ping" if transport => Ok(ClientMessage::Ping),
        "pong" if transport => Ok(ClientMessage::Pong),
        "connection_terminate" if !transport => Ok(ClientMessage::Terminate),
        other => Err(Close::bad_message(&format!("unknown message type \"{other}\""))),
    }
}

fn subscribe(message: &serde_json::Map<String, Value>, id: String) -> Result<ClientMessage, Close> {
    let query = message.get("payload").and_then(|payload| payload.get("query"));
    if !query.is_some_and(Value::is_string) {
        return Err(Close::bad_message("a subscription's payload needs a \"query\""));
    }
    Ok(ClientMessage::Subscribe(id))
}

/// The ids of a connection's operations still running, shared by what reads
/// the client's messages and what writes the server's.
#[derive(Clone, Default)]
pub struct Operations(Arc<Mutex<HashSet<String>>>);

impl Operations {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a new operation; refused when its id is in use or the connection holds `max`.
    pub fn start(&self, id: &str, max: usize) -> Result<(), Refusal> {
        let mut running = self.lock();
        if running.contains(id) {
            return Err(Refusal::Close(Close::new(4409, format!("Subscriber for {id} already exists"))));
        }
        if running.len() >= max {
            return Err(Refusal::Error);
        }
        running.insert(id.to_owned());
        Ok(())
    }

    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Notes an operation the server ended, from a message it sends.
    pub fn ended_by(&self, text: &str) {
        // The type comes first in what async-graphql sends; only the short
        // messages that end an operation are parsed.
        if !(text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#)) {
            return;
        }
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            id: Option<&'a str>,
        }
        if let Ok(Head { id: Some(id) }) = serde_json::from_str::<Head<'_>>(text) {
            self.end(id);
        }
    }
}

/// Why an operation was not started.
pub enum Refusal {
    /// The protocol is broken: close the connection.
    Close(Close),
    /// Too many operations: refuse this one with an error message.
    Error,
}

/// The message that refuses an operation over the limit, without closing the connection.
pub fn too_many(protocol: WebSocketProtocols, id: &str, max: usize) -> String {
    let error = json!({
        "message": format!(
            "This connection has {max} operations running, the most it may: complete one first, or open another \
             connection. Limit: maxSubscriptionsPerConnection."
        ),
        "extensions": { "code": crate::error::code::LIMIT_EXCEEDED, "limit": "maxSubscriptionsPerConnection", "max": max },
    });
    match protocol {
        WebSocketProtocols::GraphQLWS => json!({ "type": "error", "id": id, "payload": [error] }),
        WebSocketProtocols::SubscriptionsTransportWS => json!({ "type": "error", "id": id, "payload": error }),
    }
    .to_string()
}

/// The message that refuses a connection on the legacy protocol, before it closes.
pub fn connection_error(message: &str) -> String {
    json!({ "type": "connection_error", "payload": { "message": message } }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSPORT: WebSocketProtocols = WebSocketProtocols::GraphQLWS;
    const LEGACY: WebSocketProtocols = WebSocketProtocols::SubscriptionsTransportWS;

    #[test]
    fn messages_are_read_by_each_protocol_s_names() {
        let subscribe = br#"{"type":"subscribe","id":"1","payload":{"query":"subscription { changes { sequence } }"}}"#;
        assert_eq!(read(TRANSPORT, subscribe), Ok(ClientMessage::Subscribe("1".into())));
        assert_eq!(read(LEGACY, subscribe).unwrap_err().code, 4400);
        let start = br#"{"type":"start","id":"1","payload":{"query":"subscription { changes { sequence } }"}}"#;
        assert_eq!(read(LEGACY, start), Ok(ClientMessage::Subscribe("1".into())));
        assert_eq!(read(TRANSPORT, br#"{"type":"complete","id":"1"}"#), Ok(ClientMessage::Complete("1".into())));
        assert_eq!(read(LEGACY, br#"{"type":"stop","id":"1"}"#), Ok(ClientMessage::Complete("1".into())));
        for bad in [
            &b"not json"[..],
            br#"[1]"#,
            br#"{"id":"1"}"#,
            br#"{"type":"subscribe","payload":{"query":"x"}}"#,
            br#"{"type":"subscribe","id":"1","payload":{}}"#,
            br#"{"type":"nonsense"}"#,
            br#"{"type":"connection_init","payload":"key"}"#,
        ] {
            assert_eq!(read(TRANSPORT, bad).unwrap_err().code, 4400, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn an_id_in_use_closes_with_4409_and_the_limit_refuses_one_operation() {
        let operations = Operations::default();
        assert!(operations.start("a", 2).is_ok());
        assert!(matches!(operations.start("a", 2), Err(Refusal::Close(Close { code: 4409, .. }))));
        assert!(operations.start("b", 2).is_ok());
        assert!(matches!(operations.start("c", 2), Err(Refusal::Error)));
        operations.ended_by(r#"{"type":"complete","id":"a"}"#);
        assert!(operations.start("a", 2).is_ok(), "a completed operation's id may be used again");
    }
}
