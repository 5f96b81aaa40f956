//! Puts the fields of every response object in the order the query selected
//! them, as the GraphQL specification asks. async-graphql resolves sibling
//! fields concurrently and records them in the order they finish, so without
//! this a response's fields would come back in an order that changes from
//! one request to the next.
//!
//! A workaround, to be deleted on upgrade: async-graphql 7.1 and later
//! complete sibling fields in `FuturesUnordered` order (async-graphql PR
//! #1746); the change is reverted for 8.0 (PR #1806). On 8.0, drop this
//! module and its call in `execution.rs`, and keep the response-order tests.

use std::cell::OnceCell;
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
                let child = keys.entry(field.node.response_key().node.as_str()).or_default();
                child.sets.push(&field.node.selection_set.node);
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

/// Response keys with what their values select. (foldhash: this is built
/// for every place in the query that has a selection.)
type Keys<'a> = IndexMap<&'a str, Child<'a>, foldhash::fast::RandomState>;

/// What one response key's value selects. Its own keys are worked out the
/// first time a value needs them and kept for every other value at the same
/// place in the query: once per place, not once per object (a page of 100
/// defenders, each with restrictions, works out a restriction's keys once).
#[derive(Default)]
struct Child<'a> {
    sets: Vec<&'a SelectionSet>,
    keys: OnceCell<Keys<'a>>,
}

fn reorder<'a>(value: &mut Value, child: &Child<'a>, fragments: &'a Fragments) {
    if matches!(value, Value::List(_) | Value::Object(_)) {
        reorder_by(value, child.keys.get_or_init(|| keys_in_order(&child.sets, fragments)), fragments);
    }
}

fn reorder_by<'a>(value: &mut Value, keys: &Keys<'a>, fragments: &'a Fragments) {
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
            for (name, value) in object.iter_mut() {
                if let Some((_, child)) = wanted.by_ref().find(|(key, _)| **key == name.as_str()) {
                    reorder(value, child, fragments);
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
        let root = Child { sets: vec![&operation.node.selection_set.node], keys: OnceCell::new() };
        reorder(&mut response.data, &root, &document.fragments);
    }
}
