//! Abuse limits, checked on the parsed document before anything runs: depth,
//! the number of records a query may ask for, aliases, root fields,
//! directives and introspection. The same measure prices the query for the
//! rate limiter (see `execution.rs`), so that a refused query never starts.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, ServerError, Value, Variables};

use crate::error::code;
use crate::service::query::pagination::DEFAULT_PAGE_SIZE;

/// The limits a query must keep to.
#[derive(Clone, Debug)]
pub struct QueryLimits {
    pub max_depth: u32,
    pub max_nodes: u64,
    pub max_aliases: u32,
    pub max_root_fields: u32,
    pub max_directives: u32,
    pub introspection: bool,
}

/// What a document asks of the server, measured before it runs. Fields
/// reached through fragments count every time they are spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryShape {
    /// Deepest nesting of fields, the root fields at depth 1.
    pub depth: u32,
    /// Records the query may return: for each paginated field, the product
    /// of the page sizes down its path.
    pub nodes: u64,
    /// Page loads a naive server would make: for each paginated field, the
    /// number of parents it is asked for (the basis of GitHub's cost).
    pub page_loads: u64,
    pub aliases: u32,
    pub root_fields: u32,
    pub directives: u32,
    /// Whether the query reads `__schema` or `__type`.
    pub introspection: bool,
    /// The document fans out or nests beyond what can be measured.
    pub unmeasurable: Option<Unmeasurable>,
}

/// Why a document could not be measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmeasurable {
    /// Fragments spread into more than [`MAX_VISITS`] fields.
    TooManyFields,
    /// Selection sets nested more than [`MAX_NESTING`] levels deep.
    TooDeep,
}

impl QueryShape {
    /// Rate-limit points, as GitHub counts them: page loads divided by 100,
    /// rounded, at least 1.
    pub fn cost(&self) -> u64 {
        ((self.page_loads + 50) / 100).max(1)
    }
}

/// Fields visited before a document counts as unmeasurable: far more than
/// any real query selects, few enough to measure in well under a millisecond.
const MAX_VISITS: u32 = 20_000;

/// Selection sets nested in one another (fields and fragments) before a
/// document counts as unmeasurable: deeper than any depth limit the
/// configuration allows, and it keeps the walk's recursion bounded.
const MAX_NESTING: u32 = 128;

/// Fields of the schema's object and interface types: their type and
/// whether they take a page size.
#[derive(Debug, Default)]
pub struct SchemaShape {
    fields: HashMap<String, HashMap<String, FieldShape>>,
}

#[derive(Debug)]
struct FieldShape {
    type_name: String,
    paged: bool,
}

impl SchemaShape {
    /// Reads the fields off the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shape = SchemaShape::default();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else { return shape };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else { continue };
            let definition = definition.node;
            let fields = match definition.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|field| {
                    let field = field.node;
                    let mut ty = &field.ty.node;
                    while let BaseType::List(inner) = &ty.base {
                        ty = inner;
                    }
                    let BaseType::Named(type_name) = &ty.base else { unreachable!("lists were unwrapped") };
                    let paged =
                        field.arguments.iter().any(|arg| matches!(arg.node.name.node.as_str(), "first" | "ids"));
                    (field.name.node.to_string(), FieldShape { type_name: type_name.to_string(), paged })
                })
                .collect();
            shape.fields.insert(definition.name.node.to_string(), fields);
        }
        shape
    }

    fn field(&self, type_name: &str, field: &str) -> Option<&FieldShape> {
        self.fields.get(type_name)?.get(field)
    }

    /// The named type (lists and non-null taken off) of a field of an
    /// object or interface type.
    pub fn type_of(&self, type_name: &str, field: &str) -> Option<&str> {
        Some(self.field(type_name, field)?.type_name.as_str())
    }

    /// The object and interface types, each with its fields' named types.
    pub fn types(&self) -> impl Iterator<Item = (&str, impl Iterator<Item = &str>)> {
        self.fields.iter().map(|(name, fields)| (name.as_str(), fields.values().map(|field| field.type_name.as_str())))
    }
}

/// Measures every operation of `document` and keeps the largest figures.
pub fn measure(schema: &SchemaShape, document: &ExecutableDocument, variables: &Variables) -> QueryShape {
    let mut total = QueryShape::default();
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            async_graphql::parser::types::OperationType::Query => "Query",
            async_graphql::parser::types::OperationType::Mutation => "Mutation",
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
        };
        let mut walk = Walk {
            schema,
            fragments: &document.fragments,
            variables: Bindings::of(&operation.node, variables),
            shape: QueryShape::default(),
            visits: 0,
            nesting: 0,
            spreading: HashSet::new(),
        };
        walk.shape.directives += operation.node.directives.len() as u32;
        walk.selections(Some(root), &operation.node.selection_set.node, 1, 1);
        let shape = walk.shape;
        total = QueryShape {
            depth: total.depth.max(shape.depth),
            nodes: total.nodes.max(shape.nodes),
            page_loads: total.page_loads.max(shape.page_loads),
            aliases: total.aliases.max(shape.aliases),
            root_fields: total.root_fields.max(shape.root_fields),
            directives: total.directives.max(shape.directives),
            introspection: total.introspection || shape.introspection,
            unmeasurable: total.unmeasurable.or(shape.unmeasurable),
        };
    }
    total
}

/// Variable values as the operation would see them: given, else defaulted.
struct Bindings<'a> {
    given: &'a Variables,
    defaults: HashMap<&'a Name, &'a Value>,
}

impl<'a> Bindings<'a> {
    fn of(operation: &'a OperationDefinition, given: &'a Variables) -> Self {
        let defaults = operation
            .variable_definitions
            .iter()
            .filter_map(|definition| {
                definition.node.default_value.as_ref().map(|value| (&definition.node.name.node, &value.node))
            })
            .collect();
        Bindings { given, defaults }
    }

    fn get(&self, name: &Name) -> Option<&Value> {
        self.given.get(name).or_else(|| self.defaults.get(name).copied())
    }
}

struct Walk<'a> {
    schema: &'a SchemaShape,
    fragments: &'a HashMap<Name, async_graphql::Positioned<FragmentDefinition>>,
    variables: Bindings<'a>,
    shape: QueryShape,
    visits: u32,
    /// Selection sets open on the current path.
    nesting: u32,
    /// Fragments being spread on the current path: a cycle is not followed
    /// (validation reports it later).
    spreading: HashSet<&'a Name>,
}

impl<'a> Walk<'a> {
    fn selections(&mut self, type_name: Option<&str>, set: &'a SelectionSet, depth: u32, multiplier: u64) {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            self.shape.unmeasurable = Some(Unmeasurable::TooDeep);
        }
        self.selection_items(type_name, set, depth, multiplier);
        self.nesting -= 1;
    }

    fn selection_items(&mut self, type_name: Option<&str>, set: &'a SelectionSet, depth: u32, multiplier: u64) {
        for selection in &set.items {
            if self.shape.unmeasurable.is_some() {
                return;
            }
            match &selection.node {
                Selection::Field(field) => {
                    self.visits += 1;
                    if self.visits > MAX_VISITS {
                        self.shape.unmeasurable = Some(Unmeasurable::TooManyFields);
                        return;
                    }
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    self.shape.aliases += u32::from(field.alias.is_some());
                    self.shape.directives += field.directives.len() as u32;
                    if depth == 1 {
                        self.shape.root_fields += 1;
                    }
                    if name.starts_with("__") {
                        // The schema's own description is finite and served
                        // from memory: introspection is not measured further.
                        self.shape.depth = self.shape.depth.max(depth);
                        self.shape.introspection |= name == "__schema" || name == "__type";
                        continue;
                    }
                    self.shape.depth = self.shape.depth.max(depth);
                    let shape = type_name.and_then(|type_name| self.schema.field(type_name, name));
                    let mut inner = multiplier;
                    if shape.is_some_and(|shape| shape.paged) {
                        let page = self.page_size(field);
                        self.shape.page_loads = self.shape.page_loads.saturating_add(multiplier);
                        inner = multiplier.saturating_mul(page);
                        self.shape.nodes = self.shape.nodes.saturating_add(inner);
                    }
                    if !field.selection_set.node.items.is_empty() {
                        let child = shape.map(|shape| shape.type_name.as_str());
                        self.selections(child, &field.selection_set.node, depth + 1, inner);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    self.shape.directives += spread.directives.len() as u32;
                    let name = &spread.fragment_name.node;
                    let Some(fragment) = self.fragments.get(name) else { continue };
                    if !self.spreading.insert(name) {
                        continue;
                    }
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    self.shape.directives += fragment.node.directives.len() as u32;
                    self.selections(Some(on), &fragment.node.selection_set.node, depth, multiplier);
                    self.spreading.remove(name);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    self.shape.directives += inline.directives.len() as u32;
                    let on = inline.type_condition.as_ref().map(|condition| condition.node.on.node.as_str());
                    self.selections(on.or(type_name), &inline.selection_set.node, depth, multiplier);
                }
            }
        }
    }

    /// The page a paginated field asks for: `first` or `last`, the number of
    /// `ids`, or the default page size.
    fn page_size(&self, field: &Field) -> u64 {
        let mut page = None;
        for (name, value) in &field.arguments {
            let resolved =
                value.node.clone().into_const_with(|variable| self.variables.get(&variable).cloned().ok_or(())).ok();
            let size = match (name.node.as_str(), resolved) {
                ("first" | "last", Some(Value::Number(n))) => n.as_u64(),
                ("ids", Some(Value::List(ids))) => Some(ids.len() as u64),
                _ => None,
            };
            page = page.max(size);
        }
        page.unwrap_or(DEFAULT_PAGE_SIZE)
    }
}

impl QueryLimits {
    /// The first limit the query breaks, as the error the client receives.
    pub fn check(&self, shape: &QueryShape) -> Option<ServerError> {
        if shape.introspection && !self.introspection {
            return Some(refusal(
                code::INTROSPECTION_DISABLED,
                "Introspection is turned off on this server: `__schema` and `__type` cannot be queried.".into(),
                None,
            ));
        }
        if let Some(why) = shape.unmeasurable {
            let (message, limit) = match why {
                Unmeasurable::TooManyFields => (
                    format!(
                        "The query spreads fragments into more than {MAX_VISITS} fields; it cannot be run. Limit: maxNodes."
                    ),
                    ("maxNodes", self.max_nodes, u64::from(MAX_VISITS) + 1),
                ),
                Unmeasurable::TooDeep => (
                    format!(
                        "The query nests selections (fields and fragments) more than {MAX_NESTING} levels deep; it \
                         cannot be run. Limit: maxNesting."
                    ),
                    ("maxNesting", MAX_NESTING.into(), u64::from(MAX_NESTING) + 1),
                ),
            };
            return Some(refusal(code::LIMIT_EXCEEDED, message, Some(limit)));
        }
        let checks: [(&str, u64, u64, &str); 5] = [
            ("maxDepth", self.max_depth.into(), shape.depth.into(), "levels of nested fields"),
            ("maxNodes", self.max_nodes, shape.nodes, "records (page sizes multiplied down each path, summed)"),
            ("maxAliases", self.max_aliases.into(), shape.aliases.into(), "aliases"),
            ("maxRootFields", self.max_root_fields.into(), shape.root_fields.into(), "fields at its top level"),
            ("maxDirectives", self.max_directives.into(), shape.directives.into(), "directives"),
        ];
        checks.into_iter().find(|(_, max, actual, _)| actual > max).map(|(limit, max, actual, what)| {
            let hint =
                if limit == "maxNodes" { " Ask for smaller pages (`first`) or fewer nested connections." } else { "" };
            refusal(
                code::LIMIT_EXCEEDED,
                format!("The query asks for {actual} {what}; this server allows {max}.{hint} Limit: {limit}."),
                Some((limit, max, actual)),
            )
        })
    }
}

/// An error that stops a request before it runs.
pub fn refusal(code: &str, message: String, limit: Option<(&str, u64, u64)>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    if let Some((name, max, actual)) = limit {
        extensions.set("limit", name);
        extensions.set("max", max);
        extensions.set("actual", actual);
    }
    error
}
