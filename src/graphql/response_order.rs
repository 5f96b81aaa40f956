//! Puts the fields of every response object in the order the query selected
//! them, as the GraphQL specification asks. async-graphql resolves sibling
//! fields concurrently and records them in the order they finish, so without
//! this a response's fields would come back in an order that changes from
//! one request to the next.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, ServerResult, Value, Variables};
use indexmap::IndexMap;

/// The extension factory to register on the schema.
pub struct ResponseOrder;

impl ExtensionFactory for ResponseOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ResponseOrderExtension { document: Mutex::new(None) })
    }
}

/// One instance per request: it keeps the parsed query until execution ends.
struct ResponseOrderExtension {
    document: Mutex<Option<ExecutableDocument>>,
}

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// The response keys a set of selections produces, in order of first
/// appearance, each with the selection sets that make up its value.
fn keys_in_order<'a>(sets: &[&'a SelectionSet], fragments: &'a Fragments) -> IndexMap<&'a str, Vec<&'a SelectionSet>> {
    let mut keys: IndexMap<&str, Vec<&SelectionSet>> = IndexMap::new();
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

fn reorder(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|item| reorder(item, sets, fragments)),
        Value::Object(object) => {
            let mut unordered = std::mem::take(object);
            for (key, children) in keys_in_order(sets, fragments) {
                if let Some((name, mut child)) = unordered.shift_remove_entry(key) {
                    reorder(&mut child, &children, fragments);
                    object.insert(name, child);
                }
            }
            // Anything the selections do not name (there should be nothing) keeps its place at the end.
            object.extend(unordered);
        }
        _ => {}
    }
}

#[async_trait::async_trait]
impl Extension for ResponseOrderExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.document.lock().unwrap_or_else(|p| p.into_inner()) = Some(document.clone());
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self.document.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(document) = document {
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
        response
    }
}
