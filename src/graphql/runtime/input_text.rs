//! Refuses text inputs that carry control characters, before anything runs.
//!
//! Every string a request brings, in its variables or written into the
//! query as a literal, is checked once here, so no resolver can forget it:
//! NUL and the other C0 and C1 control characters (except tab, line feed and
//! carriage return, which multi-line text and CSV files need) have no place
//! in a name, a summary or a file, PostgreSQL refuses NUL in text outright,
//! and invisible characters let two names that look alike differ.
//! The service's own validators refuse them too (`service::text`), for files
//! imported from the command line.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, Value, Variables};

use crate::error::code;
use crate::service::text::control_character;

/// The first string in the request with a control character, as an error
/// naming the variable or argument that holds it.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Option<ServerError> {
    for (name, value) in variables.iter() {
        if let Some(found) = first_control(value) {
            return Some(refusal(&format!("${name}"), found));
        }
    }
    let mut sets: Vec<&SelectionSet> = document.operations.iter().map(|(_, op)| &op.node.selection_set.node).collect();
    sets.extend(document.fragments.values().map(|fragment| &fragment.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        // Variables inside a literal are checked above, with the variables.
                        let literal =
                            value.node.clone().into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null));
                        let Ok(literal) = literal;
                        if let Some(found) = first_control(&literal) {
                            return Some(refusal(name.node.as_str(), found));
                        }
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => sets.push(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    None
}

fn first_control(value: &Value) -> Option<char> {
    match value {
        Value::String(text) => control_character(text),
        Value::List(items) => items.iter().find_map(first_control),
        Value::Object(fields) => fields.values().find_map(first_control),
        _ => None,
    }
}

fn refusal(argument: &str, found: char) -> ServerError {
    let mut error = ServerError::new(
        format!(
            "{argument}: contains the control character U+{:04X}; remove it (only tab, line feed and carriage \
             return are accepted in text)",
            u32::from(found)
        ),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code::BAD_USER_INPUT);
    extensions.set("argument", argument);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(query: &str, variables: serde_json::Value) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        check(&document, &Variables::from_json(variables)).map(|error| error.message)
    }

    #[test]
    fn refuses_control_characters_in_variables_and_literals() {
        let query = "mutation ($n: String!) { createDefender(input: { name: $n }) { defender { id } } }";
        let refused = checked(query, serde_json::json!({ "n": "Ana\u{0}" })).unwrap();
        assert!(refused.starts_with("$n: contains the control character U+0000"), "{refused}");
        assert!(checked(query, serde_json::json!({ "n": ["ok", { "deep": "x\u{1b}y" }] })).is_some());
        assert!(checked(query, serde_json::json!({ "n": "two\nlines\tand\r\n" })).is_none());
        let literal = r#"{ search(query: "ana\u0007") { totalCount } }"#;
        assert!(checked(literal, serde_json::json!({})).unwrap().starts_with("query: "));
        let nested = r#"{ defenders { nodes { events(filter: { kinds: [], note: "\u0085" }) { totalCount } } } }"#;
        assert!(checked(nested, serde_json::json!({})).is_some());
        assert!(checked(r#"{ search(query: "Máxima Acuña") { totalCount } }"#, serde_json::json!({})).is_none());
    }
}
