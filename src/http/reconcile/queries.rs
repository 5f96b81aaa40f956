//! `GET`/`POST /reconcile`: the manifest, reconciliation query batches, and
//! (handed to [`super::extend`]) data extension queries.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{BATCH_SIZE, ReconcileRequest, extend, manifest};
use crate::error::{AppError, AppResult, code};
use crate::service::reconcile::{self, MatchQuery, MatchType, PropertyValue, QueryProperty};

/// The one endpoint: what it does depends on the parameters.
pub(super) async fn endpoint(mut request: ReconcileRequest, method: Method, body: Bytes) -> Response {
    if method == Method::POST {
        let form = request
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_none_or(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return request.refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code::UNSUPPORTED_MEDIA_TYPE,
                "Send the form field queries (or extend) as application/x-www-form-urlencoded.",
            );
        }
        for (name, value) in url::form_urlencoded::parse(&body) {
            request.params.insert(name.into_owned(), value.into_owned());
        }
    }
    let access = match request.access().await {
        Ok(access) => access,
        Err(response) => return response,
    };
    if let Some(queries) = request.param("queries").map(str::to_owned) {
        return run(&request, &access, &queries).await;
    }
    if let Some(query) = request.param("extend").map(str::to_owned) {
        return extend::run(&request, &access, &query).await;
    }
    if method == Method::POST {
        return request.refuse(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "Send a form field named queries (a JSON object of reconciliation queries) or extend.",
        );
    }
    let charge = match request.charge(&access, 1).await {
        Ok(charge) => charge,
        Err(response) => return response,
    };
    request.json(&manifest(&request, &access), charge)
}

/// Reconciles a batch: `{"q0": {"query": …}, …}` gives `{"q0": {"result": […]}, …}`.
async fn run(request: &ReconcileRequest, access: &super::Access, text: &str) -> Response {
    let batch = match parse_batch(text) {
        Ok(batch) => batch,
        Err(Refused::TooLarge(count)) => {
            let message = format!(
                "This batch has {count} queries; send at most {BATCH_SIZE} per request (the manifest's batchSize)."
            );
            return request.refuse(StatusCode::PAYLOAD_TOO_LARGE, code::PAYLOAD_TOO_LARGE, &message);
        }
        Err(Refused::Invalid(error)) => return request.failed(error),
    };
    let charge = match request.charge(access, batch.len() as u64).await {
        Ok(charge) => charge,
        Err(response) => return response,
    };
    let shared = request.shared();
    let work = async {
        let mut results = Map::new();
        for (key, query) in &batch {
            let candidates = reconcile::reconcile(&shared.db, &access.viewer, query).await?;
            let result: Vec<Value> = candidates.iter().map(candidate_json).collect();
            results.insert(key.clone(), json!({ "result": result }));
        }
        AppResult::Ok(Value::Object(results))
    };
    match tokio::time::timeout(shared.request_timeout, work).await {
        Ok(Ok(results)) => request.json(&results, charge),
        Ok(Err(error)) => request.failed(error),
        Err(_) => request.refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            code::TIMEOUT,
            "The batch took too long. Send fewer queries per request.",
        ),
    }
}

/// A candidate as the specification shapes it.
fn candidate_json(candidate: &reconcile::MatchCandidate) -> Value {
    let features: Vec<Value> = candidate.features.iter().map(|f| json!({ "id": f.id, "value": f.value })).collect();
    json!({
        "id": candidate.global_id(),
        "name": candidate.name,
        "description": candidate.description,
        "type": [{ "id": candidate.kind.id(), "name": candidate.kind.plural() }],
        "score": candidate.score,
        "match": candidate.matched,
        "features": features,
    })
}

pub(super) enum Refused {
    TooLarge(usize),
    Invalid(AppError),
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused::Invalid(error)
    }
}

fn invalid(argument: impl Into<String>, message: impl Into<String>) -> Refused {
    Refused::Invalid(AppError::bad_input(argument, message))
}

/// The longest key of a query in a batch.
const MAX_KEY_CHARS: usize = 100;

/// Parses and checks a batch, each query in full, before anything runs.
fn parse_batch(text: &str) -> Result<Vec<(String, MatchQuery)>, Refused> {
    let value: Value = serde_json::from_str(text).map_err(|error| {
        invalid(
            "queries",
            format!("is not JSON ({error}); send a JSON object such as {{\"q0\": {{\"query\": \"Ilham Tohti\"}}}}"),
        )
    })?;
    let Value::Object(batch) = value else {
        return Err(invalid("queries", "must be a JSON object of queries keyed by names, such as {\"q0\": {…}}"));
    };
    if batch.is_empty() {
        return Err(invalid("queries", "holds no query"));
    }
    if batch.len() > BATCH_SIZE {
        return Err(Refused::TooLarge(batch.len()));
    }
    let mut queries = Vec::with_capacity(batch.len());
    for (key, query) in batch {
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(invalid("queries", format!("query names must be 1 to {MAX_KEY_CHARS} characters long")));
        }
        let parsed = parse_query(&key, query)?;
        queries.push((key, parsed));
    }
    Ok(queries)
}

/// One query of a batch.
fn parse_query(key: &str, value: Value) -> Result<MatchQuery, Refused> {
    let Value::Object(mut query) = value else {
        return Err(invalid(key, "must be an object with a \"query\" (and optionally type, limit, properties)"));
    };
    let text = match query.remove("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => return Err(invalid(format!("{key}.query"), "must be a string")),
    };
    let types = match query.remove("type") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(types)) => types.iter().map(|t| type_of(key, t)).collect::<Result<_, _>>()?,
        Some(other) => vec![type_of(key, &other)?],
    };
    let limit = match query.remove("limit") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => {
            Some(number.as_i64().ok_or_else(|| invalid(format!("{key}.limit"), "must be a whole number"))?)
        }
        Some(_) => return Err(invalid(format!("{key}.limit"), "must be a number")),
    };
    match query.remove("type_strict") {
        None | Some(Value::Null) => {}
        Some(Value::String(strict)) if matches!(strict.as_str(), "should" | "all" | "any") => {}
        Some(_) => return Err(invalid(format!("{key}.type_strict"), "must be \"should\", \"all\" or \"any\"")),
    }
    let properties = match query.remove("properties") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(properties)) => properties
            .into_iter()
            .enumerate()
            .map(|(index, property)| parse_property(&format!("{key}.properties[{index}]"), property))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid(format!("{key}.properties"), "must be a list of {\"pid\": …, \"v\": …}")),
    };
    Ok(MatchQuery::new(key, text.as_deref(), types, limit, properties)?)
}

fn type_of(key: &str, value: &Value) -> Result<MatchType, Refused> {
    let id = match value {
        Value::String(id) => id.as_str(),
        Value::Object(object) => object.get("id").and_then(Value::as_str).unwrap_or_default(),
        _ => "",
    };
    MatchType::parse(id).ok_or_else(|| {
        let known: Vec<&str> = MatchType::ALL.iter().map(|kind| kind.id()).collect();
        let shown: String = id.chars().take(40).collect();
        invalid(
            format!("{key}.type"),
            format!("\"{shown}\" is not a type of this service; use one of {}", known.join(", ")),
        )
    })
}

fn parse_property(argument: &str, value: Value) -> Result<QueryProperty, Refused> {
    let Value::Object(mut property) = value else {
        return Err(invalid(argument, "must be an object {\"pid\": …, \"v\": …}"));
    };
    let Some(Value::String(pid)) = property.remove("pid") else {
        return Err(invalid(
            format!("{argument}.pid"),
            "is required: the id of a property (see /reconcile/suggest/property)",
        ));
    };
    let values = match property.remove("v") {
        None | Some(Value::Null) => return Err(invalid(format!("{argument}.v"), "is required: the property's value")),
        Some(Value::Array(values)) => {
            values.into_iter().map(|value| value_of(argument, value)).collect::<Result<Vec<_>, _>>()?
        }
        Some(value) => vec![value_of(argument, value)?],
    };
    Ok(QueryProperty::new(argument, &pid, values)?)
}

/// A property value: a string, number or boolean, or a reconciled record
/// `{"id": …, "name": …}`.
fn value_of(argument: &str, value: Value) -> Result<PropertyValue, Refused> {
    Ok(match value {
        Value::String(text) => crate::graphql::reconcile::property_value(&text),
        Value::Number(number) => PropertyValue { id: None, text: Some(number.to_string()) },
        Value::Bool(flag) => PropertyValue { id: None, text: Some(flag.to_string()) },
        Value::Object(object) => {
            let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
            let (id, name) = (text("id"), text("name"));
            if id.is_none() && name.is_none() {
                return Err(invalid(format!("{argument}.v"), "a record value needs an \"id\" or a \"name\""));
            }
            PropertyValue { id, text: name }
        }
        _ => {
            return Err(invalid(
                format!("{argument}.v"),
                "must be a string, a number, {\"id\", \"name\"} or a list of these",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        match parse_batch(text) {
            Err(Refused::Invalid(AppError::BadInput { argument, message })) => format!("{argument}: {message}"),
            Err(Refused::TooLarge(n)) => format!("too large: {n}"),
            Err(Refused::Invalid(other)) => format!("{other:?}"),
            Ok(_) => "accepted".into(),
        }
    }

    #[test]
    fn accepts_the_specification_examples() {
        let min = r#"{"q0": {"query": "Christel Hanappe"}, "q1": {"query": "Emmanuel Macron"}}"#;
        assert_eq!(parse_batch(min).ok().map(|b| b.len()), Some(2));
        let full = r#"{"q0": {"query": "Hans-Eberhard Urbaniak", "type": "Defender", "limit": 5,
            "properties": [{"pid": "country", "v": "DE"}, {"pid": "organisation", "v": {"id": "x", "name": "IG Metall"}}],
            "type_strict": "should"}}"#;
        assert_eq!(refused(full), "accepted");
        let multi = r#"{"q0": {"query": "Ilham Tohti", "properties": [{"pid": "country", "v": ["CN", {"id": "CN", "name": "China"}]}]}}"#;
        assert_eq!(refused(multi), "accepted");
        let no_query = r#"{"q0": {"properties": [{"pid": "otherName", "v": "Ilham Tohti"}]}}"#;
        assert_eq!(refused(no_query), "accepted");
    }

    #[test]
    fn refuses_what_it_cannot_use_naming_the_query() {
        assert!(refused("").starts_with("queries: is not JSON"));
        assert!(refused("[]").starts_with("queries: must be a JSON object"));
        assert_eq!(refused("{}"), "queries: holds no query");
        assert!(refused(r#"{"q0": {}}"#).starts_with("q0.query:"));
        assert!(refused(r#"{"q0": {"query": ""}}"#).starts_with("q0.query:"));
        assert!(refused(r#"{"q0": {"query": "x", "type": "Person"}}"#).starts_with("q0.type:"));
        assert!(refused(r#"{"q0": {"query": "x", "limit": 0}}"#).starts_with("q0.limit:"));
        assert!(refused(r#"{"q0": {"query": "x", "properties": [{"v": "x"}]}}"#).starts_with("q0.properties[0].pid:"));
        assert!(
            refused(r#"{"q0": {"query": "x", "properties": [{"pid": "height", "v": 1}]}}"#)
                .starts_with("q0.properties[0].pid:")
        );
        let long = format!(r#"{{"q0": {{"query": "{}"}}}}"#, "a".repeat(201));
        assert!(refused(&long).starts_with("q0.query: must be at most"));
        let many: Vec<String> = (0..=BATCH_SIZE).map(|i| format!(r#""q{i}": {{"query": "x"}}"#)).collect();
        assert_eq!(refused(&format!("{{{}}}", many.join(","))), format!("too large: {}", BATCH_SIZE + 1));
    }
}
