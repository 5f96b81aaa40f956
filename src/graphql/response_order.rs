//! Puts the fields of every response object in the order the query selected
//! them, as the GraphQL specification asks. async-graphql resolves sibling
//! fields concurrently and records them in the order they finish, so without
//! this a response's fields would come back in an order that changes from
//! one request to the next.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, Value};
use indexmap::IndexMap;

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// The response keys a set of selections produces, in order of first
/// appearance, each with the selection sets that make up its value.
fn keys_in_order<'a>(sets: &[&'a SelectionSet], fragments: &'a Fragments) -> Keys<'a> {
    let mut keys = Keys::default();
    // Depth-first, left to right, expanding fragments where they stand.
    let mut stack: Vec<&Positioned<Selection>> = Vec::new();
    for set in sets.iter().rev() {
        stack.extend(set.items.iter().rev());
    }
    while let Some(selection) = stack.pop() {
        match &selection.node {
            Selection::Field(field) => {
                let children = keys.entry(field.node.response_key().node.as_str()).or_default();
                children.push(&field.node.selection_set.node);
            }
            Selection::InlineFragment(fragment) => stack.extend(fragment.node.selection_set.node.items.iter().rev()),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    stack.extend(fragment.node.selection_set.node.items.iter().rev());
                }
            }
        }
    }
    keys
}

/// Response keys with their selection sets. (foldhash: this is built for
/// every list and object of a response.)
type Keys<'a> = IndexMap<&'a str, Vec<&'a SelectionSet>, foldhash::fast::RandomState>;

fn reorder(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    if matches!(value, Value::List(_) | Value::Object(_)) {
        // Worked out once for all the items of a list.
        reorder_by(value, &keys_in_order(sets, fragments), fragments);
    }
}

fn reorder_by(value: &mut Value, keys: &Keys<'_>, fragments: &Fragments) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|item| reorder_by(item, keys, fragments)),
        Value::Object(object) => {
            let in_order =
                object.len() == keys.len() && object.keys().zip(keys.keys()).all(|(have, want)| have.as_str() == *want);
            if !in_order {
                let mut unordered = std::mem::take(object);
                for key in keys.keys() {
                    if let Some((name, child)) = unordered.swap_remove_entry(*key) {
                        object.insert(name, child);
                    }
                }
                // Anything the selections do not name (there should be nothing) goes at the end.
                object.extend(unordered);
            }
            // The object is in the keys' order now, some keys possibly
            // absent: walk both together rather than look each key up.
            let mut wanted = keys.iter();
            for (name, child) in object.iter_mut() {
                if let Some((_, children)) = wanted.by_ref().find(|(key, _)| **key == name.as_str()) {
                    reorder(child, children, fragments);
                }
            }
        }
        _ => {}
    }
}

/// Puts the fields of `response` in the order the operation it ran selects them.
pub fn reorder_response(response: &mut Response, document: &ExecutableDocument, operation_name: Option<&str>) {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        _ => None,
    };
    if let Some(operation) = operation {
        reorder(&mut response.data, &[&operation.node.selection_set.node], &document.fragments);
    }
}
