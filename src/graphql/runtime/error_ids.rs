//! A guard on every error a response carries: a refusal never names a record
//! the caller did not name itself.
//!
//! An id in an error message is how a hidden record leaks most easily: "no
//! defender has the id X" is harmless when the caller sent X, and a leak when
//! X is a hidden survivor or a linked record the caller never heard of. The
//! service takes care not to write such messages; this guard makes sure of
//! it for every error, present and future. Any UUID, or global id, in an
//! error's message or extensions that the request did not contain is
//! replaced by `[withheld]`, and the slip is logged so that it gets fixed.
//! Incident ids of internal errors are the server's own and pass.

use std::collections::HashSet;

use async_graphql::{Response, ServerError, Value};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::code;

/// What an unsent id is replaced with.
pub const WITHHELD: &str = "[withheld]";

/// Replaces, in every error of `response`, the ids that `sent` (the query
/// text and the variables, as received) does not contain.
pub fn withhold_unsent(response: &mut Response, sent: &[&str]) {
    if response.errors.is_empty() {
        return;
    }
    let known = sent_ids(sent);
    for error in &mut response.errors {
        let internal = error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|value| *value == Value::from(code::INTERNAL_SERVER_ERROR));
        if internal {
            continue;
        }
        if scrub(error, &known) {
            tracing::error!(
                message = %error.message,
                "an error named an id the request did not send; it was withheld: fix the message"
            );
        }
    }
}

/// The ids that texts a request sent contain.
pub fn sent_ids(sent: &[&str]) -> HashSet<Uuid> {
    sent.iter().flat_map(|text| ids_in(text)).map(|found| found.id).collect()
}

/// Withholds the unknown ids of one error; whether there were any.
fn scrub(error: &mut ServerError, known: &HashSet<Uuid>) -> bool {
    let mut changed = false;
    if let Some(clean) = withheld(&error.message, known) {
        error.message = clean;
        changed = true;
    }
    if let Some(extensions) = error.extensions.as_mut() {
        // The extension map has no iterator of its own; it serialises as a map.
        let Ok(serde_json::Value::Object(values)) = serde_json::to_value(&*extensions) else { return changed };
        for (name, value) in values {
            if let serde_json::Value::String(text) = value
                && let Some(clean) = withheld(&text, known)
            {
                extensions.set(name, clean);
                changed = true;
            }
        }
    }
    changed
}

/// `text` with the ids `known` does not hold withheld, if it has any.
pub fn withheld(text: &str, known: &HashSet<Uuid>) -> Option<String> {
    let unknown: Vec<Found> = ids_in(text).into_iter().filter(|found| !known.contains(&found.id)).collect();
    if unknown.is_empty() {
        return None;
    }
    let mut clean = String::with_capacity(text.len());
    let mut at = 0;
    for found in unknown {
        clean.push_str(&text[at..found.start]);
        clean.push_str(WITHHELD);
        at = found.end;
    }
    clean.push_str(&text[at..]);
    Some(clean)
}

/// An id found in a text, and where.
struct Found {
    id: Uuid,
    start: usize,
    end: usize,
}

/// The UUIDs in a text, written out or inside global ids (base64url of
/// `Type:uuid`).
fn ids_in(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut start = 0;
    while start < bytes.len() {
        if !word(bytes[start]) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && word(bytes[end]) {
            end += 1;
        }
        found.extend(ids_in_token(&text[start..end]).into_iter().map(|(id, from, to)| Found {
            id,
            start: start + from,
            end: start + to,
        }));
        start = end;
    }
    found
}

/// The ids in one run of letters, digits, `-` and `_`: UUIDs anywhere in it,
/// or the whole run as a global id.
fn ids_in_token(token: &str) -> Vec<(Uuid, usize, usize)> {
    const UUID_LEN: usize = 36;
    let mut found = Vec::new();
    let mut at = 0;
    while at + UUID_LEN <= token.len() {
        match token.get(at..at + UUID_LEN).and_then(|candidate| Uuid::try_parse(candidate).ok()) {
            Some(id) => {
                found.push((id, at, at + UUID_LEN));
                at += UUID_LEN;
            }
            None => at += 1,
        }
    }
    if found.is_empty()
        && token.len() >= 40
        && let Ok(decoded) = URL_SAFE_NO_PAD.decode(token.trim_end_matches('='))
        && let Ok(decoded) = String::from_utf8(decoded)
        && let Some((_, id)) = decoded.split_once(':')
        && let Ok(id) = Uuid::try_parse(id)
    {
        found.push((id, 0, token.len()));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(message: &str, code_value: &str) -> ServerError {
        let mut error = ServerError::new(message, None);
        error.extensions.get_or_insert_with(Default::default).set("code", code_value);
        error
    }

    fn global(kind: &str, id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
    }

    #[test]
    fn withholds_ids_the_caller_did_not_send() {
        let (sent, hidden) = (Uuid::now_v7(), Uuid::now_v7());
        let query = format!(
            "mutation {{ unmergeDefender(input: {{ absorbedId: \"{}\" }}) {{ id }} }}",
            global("Defender", sent)
        );
        let mut response = Response::from_errors(vec![
            refusal(&format!("No merged defender has the id {sent}"), code::NOT_FOUND),
            refusal(&format!("merged into {hidden}, see {}", global("Defender", hidden)), code::NOT_FOUND),
            refusal(&format!("incident {hidden}"), code::INTERNAL_SERVER_ERROR),
        ]);
        response.errors[1].extensions.as_mut().unwrap().set("survivor", hidden.to_string());
        withhold_unsent(&mut response, &[&query, "{}"]);
        assert_eq!(response.errors[0].message, format!("No merged defender has the id {sent}"));
        assert_eq!(response.errors[1].message, "merged into [withheld], see [withheld]");
        let extensions = response.errors[1].extensions.as_ref().unwrap();
        assert_eq!(extensions.get("survivor"), Some(&Value::from(WITHHELD)));
        assert_eq!(extensions.get("code"), Some(&Value::from(code::NOT_FOUND)));
        // An incident id is the server's own, quoted to operators.
        assert_eq!(response.errors[2].message, format!("incident {hidden}"));
    }

    #[test]
    fn finds_ids_written_out_upper_case_and_global() {
        let id = Uuid::now_v7();
        let upper = id.to_string().to_uppercase();
        assert_eq!(ids_in(&format!("a {upper}.")).iter().map(|f| f.id).collect::<Vec<_>>(), vec![id]);
        let text = format!("x={}", global("Organisation", id));
        let found = ids_in(&text);
        assert_eq!((found.len(), found[0].id, found[0].start), (1, id, 2));
        assert!(ids_in("No defender you can see has this id: BAD_USER_INPUT").is_empty());
    }
}
