//! Data extension: the values of some properties of reconciled records,
//! read through the GraphQL API in-process as the caller, so that they are
//! exactly what `nodes(ids:)` shows that caller. A record the caller may
//! not see, or an id that names nothing, gets no values, alike.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Access, ReconcileRequest};
use crate::error::code;
use crate::service::reconcile::MatchType;

/// Values of one property given per record, unless the `limit` setting
/// says otherwise, and at most.
pub const DEFAULT_VALUES: u64 = 10;
pub const MAX_VALUES: u64 = 50;
/// The most records one extension request reads.
const MAX_IDS: usize = 50;

/// A property a client can add as a column.
struct Extension {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    /// The kind of record its values are, when they are records.
    value_type: Option<MatchType>,
    /// The selection that reads it, for each type that has it (`$n` is the
    /// number of values).
    selections: &'static [(MatchType, &'static str)],
}

const EXTENSIONS: &[Extension] = &[
    Extension {
        id: "country",
        name: "Country",
        description: "Where the defender works, the organisation is based or the restriction applies.",
        value_type: None,
        selections: &[
            (MatchType::Defender, "country { id name }"),
            (MatchType::Organisation, "country { id name }"),
            (MatchType::Restriction, "country { id name }"),
        ],
    },
    Extension {
        id: "subdivision",
        name: "State or province",
        description: "The state or province, where one is recorded.",
        value_type: None,
        selections: &[
            (MatchType::Defender, "subdivision { id name }"),
            (MatchType::Restriction, "subdivision { id name }"),
        ],
    },
    Extension {
        id: "status",
        name: "Status",
        description: "A defender's situation (such as imprisoned), a restriction's stage, a campaign's state.",
        value_type: None,
        selections: &[
            (MatchType::Defender, "status"),
            (MatchType::Restriction, "status"),
            (MatchType::Campaign, "status"),
        ],
    },
    Extension {
        id: "occupation",
        name: "Occupation",
        description: "A defender's occupation.",
        value_type: None,
        selections: &[(MatchType::Defender, "occupation")],
    },
    Extension {
        id: "organisations",
        name: "Organisations",
        description: "Organisations the defender is affiliated with; the organisation leading a campaign.",
        value_type: Some(MatchType::Organisation),
        selections: &[
            (MatchType::Defender, "affiliations(first: $n) { nodes { organisation { id name } } }"),
            (MatchType::Campaign, "leadOrganisation { id name }"),
        ],
    },
    Extension {
        id: "restrictions",
        name: "Restrictions",
        description: "Laws, bills and practices used against the defender, or that the campaign opposes.",
        value_type: Some(MatchType::Restriction),
        selections: &[
            (MatchType::Defender, "restrictions(first: $n) { nodes { id name: title } }"),
            (MatchType::Campaign, "restrictions(first: $n) { nodes { id name: title } }"),
        ],
    },
    Extension {
        id: "campaigns",
        name: "Campaigns",
        description: "Campaigns for the defender, against the restriction, or run by the organisation.",
        value_type: Some(MatchType::Campaign),
        selections: &[
            (MatchType::Defender, "campaigns(first: $n) { nodes { id name: title } }"),
            (MatchType::Restriction, "campaigns(first: $n) { nodes { id name: title } }"),
            (MatchType::Organisation, "campaigns(first: $n) { nodes { id name: title } }"),
        ],
    },
    Extension {
        id: "latestCaseEvent",
        name: "Latest case event",
        description: "The latest event of a defender's case: its date, kind and description.",
        value_type: None,
        selections: &[(MatchType::Defender, "events(last: 1) { nodes { kind occurredOn description } }")],
    },
    Extension {
        id: "sources",
        name: "Sources",
        description: "The sources the record cites: their titles.",
        value_type: None,
        selections: &[
            (MatchType::Defender, "sources(first: $n) { nodes { id name: title } }"),
            (MatchType::Restriction, "sources(first: $n) { nodes { id name: title } }"),
            (MatchType::Campaign, "sources(first: $n) { nodes { id name: title } }"),
            (MatchType::Organisation, "sources(first: $n) { nodes { id name: title } }"),
        ],
    },
];

fn extension(id: &str) -> Option<&'static Extension> {
    EXTENSIONS.iter().find(|extension| extension.id == id)
}

/// `GET /reconcile/extend/propose?type=`: the properties of a type.
pub(super) async fn propose(request: ReconcileRequest) -> Response {
    let access = match request.access().await {
        Ok(access) => access,
        Err(response) => return response,
    };
    let Some(type_id) = request.param("type").map(str::to_owned) else {
        return request.refuse(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "type: is required, such as ?type=Defender",
        );
    };
    let Some(kind) = MatchType::parse(&type_id) else {
        let message = format!("type: not a type of this service; use one of {}", type_ids());
        return request.refuse(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
    };
    let limit = match request.param("limit").map(str::parse::<u64>) {
        None => None,
        Some(Ok(limit)) if limit > 0 => Some(limit),
        Some(_) => {
            return request.refuse(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "limit: must be a positive whole number",
            );
        }
    };
    let charge = match request.charge(&access, 1).await {
        Ok(charge) => charge,
        Err(response) => return response,
    };
    let properties: Vec<Value> = EXTENSIONS
        .iter()
        .filter(|extension| extension.selections.iter().any(|(k, _)| *k == kind))
        .take(limit.unwrap_or(u64::MAX) as usize)
        .map(|extension| json!({ "id": extension.id, "name": extension.name, "description": extension.description }))
        .collect();
    let mut body = json!({ "type": kind.id(), "properties": properties });
    if let Some(limit) = limit {
        body["limit"] = json!(limit);
    }
    request.json(&body, charge)
}

fn type_ids() -> String {
    MatchType::ALL.iter().map(|kind| kind.id()).collect::<Vec<_>>().join(", ")
}

/// A data extension query: `{"ids": […], "properties": [{"id": …, "settings": {"limit": n}}]}`.
pub(super) async fn run(request: &ReconcileRequest, access: &Access, text: &str) -> Response {
    let bad = |message: String| request.refuse(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
    let Ok(Value::Object(query)) = serde_json::from_str::<Value>(text) else {
        return bad(
            "extend: must be a JSON object such as {\"ids\": [\"…\"], \"properties\": [{\"id\": \"country\"}]}".into(),
        );
    };
    let Some(ids) = query.get("ids").and_then(Value::as_array) else {
        return bad("extend.ids: is required: a list of record ids".into());
    };
    let Some(ids) = ids.iter().map(|id| id.as_str().map(str::to_owned)).collect::<Option<Vec<String>>>() else {
        return bad("extend.ids: every id must be a string".into());
    };
    if ids.is_empty() || ids.len() > MAX_IDS {
        return bad(format!("extend.ids: give 1 to {MAX_IDS} ids per request"));
    }
    let Some(properties) = query.get("properties").and_then(Value::as_array) else {
        return bad("extend.properties: is required: a list of {\"id\": …}".into());
    };
    let mut asked: Vec<(&'static Extension, u64)> = Vec::new();
    for property in properties {
        let Some(id) = property.get("id").and_then(Value::as_str) else {
            return bad("extend.properties: every property needs an \"id\"".into());
        };
        let Some(extension) = extension(id) else {
            let known: Vec<&str> = EXTENSIONS.iter().map(|e| e.id).collect();
            let shown: String = id.chars().take(40).collect();
            return bad(format!("extend.properties: \"{shown}\" is not a property; use one of {}", known.join(", ")));
        };
        let limit = match property.get("settings").and_then(|settings| settings.get("limit")) {
            None | Some(Value::Null) => DEFAULT_VALUES,
            Some(value) => match value.as_u64().or_else(|| value.as_str().and_then(|text| text.parse().ok())) {
                Some(limit) if (1..=MAX_VALUES).contains(&limit) => limit,
                _ => return bad(format!("extend.properties: the limit setting must be 1 to {MAX_VALUES}")),
            },
        };
        if !asked.iter().any(|(known, _)| known.id == extension.id) {
            asked.push((extension, limit));
        }
    }
    if asked.is_empty() {
        return bad("extend.properties: name at least one property".into());
    }
    // Read through the GraphQL API, which charges the rate limiter what
    // the query costs. Ids that are not ids of this API name nothing: they
    // are not sent, and get no values, like a record that does not exist.
    let readable: Vec<String> =
        ids.iter().filter(|id| crate::ids::GlobalId::decode("ids", id).is_ok()).cloned().collect();
    let (document, variables) = document(&readable, &asked);
    let (nodes, charge) = match request.read(access, &document, variables).await {
        Ok((data, charge)) => (data.get("nodes").and_then(Value::as_array).cloned().unwrap_or_default(), charge),
        Err(response) => return response,
    };
    let mut rows = Map::new();
    for id in &ids {
        let node = readable
            .iter()
            .position(|known| known == id)
            .and_then(|index| nodes.get(index))
            .filter(|node| node.is_object());
        let mut row = Map::new();
        for (position, (extension, limit)) in asked.iter().enumerate() {
            let cells = node.map(|node| cells(node, position, extension, *limit)).unwrap_or_default();
            row.insert(extension.id.to_owned(), Value::Array(cells));
        }
        rows.insert(id.clone(), Value::Object(row));
    }
    let meta: Vec<Value> = asked
        .iter()
        .map(|(extension, _)| {
            let mut meta = json!({ "id": extension.id, "name": extension.name });
            if let Some(kind) = extension.value_type {
                meta["type"] = json!({ "id": kind.id(), "name": kind.plural() });
            }
            meta
        })
        .collect();
    request.json(&json!({ "meta": meta, "rows": rows }), charge)
}

/// The response name of a property's selection on a type.
fn alias(position: usize, type_name: &str) -> String {
    format!("p{position}{type_name}")
}

/// The query reading the properties of the records: one aliased selection
/// per property and type (GraphQL refuses one response name for fields of
/// different types, such as the status enums of defenders and
/// restrictions), and the number of values as `$n`.
fn document(ids: &[String], asked: &[(&'static Extension, u64)]) -> (String, Map<String, Value>) {
    let mut fragments = String::new();
    for kind in MatchType::ALL {
        let mut fields = String::new();
        for (position, (extension, _)) in asked.iter().enumerate() {
            if let Some((_, selection)) = extension.selections.iter().find(|(k, _)| *k == kind) {
                let selection = selection.replace("$n", &format!("$n{position}"));
                fields.push_str(&format!(" {}: {selection}", alias(position, kind.id())));
            }
        }
        if !fields.is_empty() {
            fragments.push_str(&format!(" ... on {} {{{fields} }}", kind.id()));
        }
    }
    // Only the counts some selection uses are declared: GraphQL refuses
    // an unused variable.
    let mut parameters = String::new();
    let mut variables = Map::new();
    variables.insert("ids".into(), json!(ids));
    for (position, (extension, limit)) in asked.iter().enumerate() {
        if extension.selections.iter().any(|(_, selection)| selection.contains("$n")) {
            parameters.push_str(&format!(", $n{position}: Int"));
            variables.insert(format!("n{position}"), json!(limit));
        }
    }
    let document =
        format!("query ReconcileExtend($ids: [ID!]!{parameters}) {{ nodes(ids: $ids) {{ __typename{fragments} }} }}");
    (document, variables)
}

/// The values of a property of one node, as the specification shapes them.
fn cells(node: &Value, position: usize, extension: &Extension, limit: u64) -> Vec<Value> {
    let type_name = node.get("__typename").and_then(Value::as_str).unwrap_or_default();
    let Some(value) = node.get(alias(position, type_name)) else { return Vec::new() };
    let record = |value: &Value| -> Option<Value> {
        let id = value.get("id")?.as_str()?;
        let name = value.get("name")?.as_str()?;
        Some(json!({ "id": id, "name": name }))
    };
    let mut cells: Vec<Value> = match (extension.id, value) {
        (_, Value::Null) => Vec::new(),
        ("status", Value::String(status)) => vec![json!({ "str": crate::service::reconcile::label(status) })],
        ("occupation", Value::String(text)) => vec![json!({ "str": text })],
        ("latestCaseEvent", value) => nodes(value)
            .iter()
            .map(|event| {
                let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
                let kind = crate::service::reconcile::label(&text("kind"));
                let line = [text("occurredOn"), kind, text("description")]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                json!({ "str": line })
            })
            .collect(),
        ("organisations", value) if value.get("nodes").is_some() => {
            nodes(value).iter().filter_map(|affiliation| record(affiliation.get("organisation")?)).collect()
        }
        ("sources", value) => {
            nodes(value).iter().filter_map(|source| Some(json!({ "str": source.get("name")?.as_str()? }))).collect()
        }
        (_, value) if value.get("nodes").is_some() => nodes(value).iter().filter_map(record).collect(),
        (_, value) => record(value).into_iter().collect(),
    };
    cells.truncate(limit as usize);
    cells
}

fn nodes(connection: &Value) -> Vec<Value> {
    connection.get("nodes").and_then(Value::as_array).cloned().unwrap_or_default()
}
