//! The operation generator: every operation of the test comes from the
//! introspected schema. Selection sets are walked from the type graph;
//! arguments are filled from pools keyed by type and name; the coverage
//! check fails the test, naming it, for any Query or Mutation field,
//! argument or input field the generator has no way to fill.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::schema::{Field, InputValue, Kind, Schema, TypeRef};
use super::templates;
use super::world::{World, gid};

/// Page size of nested connections in generated selections.
const NESTED_FIRST: u32 = 3;
/// Page size of root lists.
const ROOT_FIRST: u32 = 5;
/// The record levels below a root record in a deep selection: with 1, a
/// record, the records it links to in full, and theirs as ids and counts
/// (three levels). Deep selections go to the records the scenarios are
/// about; every other operation takes a light one (the record in full, its
/// links as ids and counts), which keeps a debug-build run within budget.
const DEEP: usize = 1;
const LIGHT: usize = 0;
/// Aliased root fields per request when variants are batched.
const BATCH: usize = 8;
/// The arguments a nested field may have: pages, filters and orders (left
/// at their defaults under a parent; the root lists cover every value of
/// them), the statistics' own arguments (covered by the statistics
/// operations), a translatable field's language (asked for with and
/// without it) and the statements' filters (left out: the list in full
/// holds what a filter would pick). Any other argument fails the coverage
/// check.
const NESTED_ARGS: [&str; 11] = [
    "first",
    "after",
    "last",
    "before",
    "filter",
    "orderBy",
    "events",
    "interval",
    "language",
    "property",
    "organisation",
];
/// The arguments of a root connection the connection generator fills.
const CONNECTION_ARGS: [&str; 6] = ["first", "after", "last", "before", "filter", "orderBy"];

/// One request. `cursor` takes variables' values from the previous
/// request of the same job (JSON pointers into its body): pages follow
/// the cursors the server returned.
#[derive(Clone, Debug)]
pub struct Op {
    pub label: String,
    pub query: String,
    pub vars: Value,
    pub cursor: Vec<(String, String)>,
    pub mutation: bool,
    /// The ids this request sends (replaced by a placeholder before the canary scan).
    pub sent: Vec<String>,
}

/// A sequence of requests run in order (a chain of pages); independent of other jobs.
#[derive(Clone, Debug)]
pub struct Job {
    pub ops: Vec<Op>,
}

/// An operation with one id in it: run with hidden ids and a nonexistent
/// one of the same type, whose responses must be the same.
#[derive(Clone, Debug)]
pub struct Family {
    pub label: String,
    /// The types of id the slot takes (GraphQL type names; "ApiKey" for key ids).
    pub types: Vec<&'static str>,
    pub query: String,
    /// The variables, with `@@ID@@` where the id goes.
    pub vars: Value,
    pub mutation: bool,
    /// For reads: the root field, to put several ids in one request as aliases.
    pub part: Option<Part>,
}

impl Family {
    /// One request holding the family's field once per id, as aliases
    /// `a0`, `a1`, ... (reads only).
    pub fn aliased(&self, ids: &[String]) -> Option<Op> {
        let part = self.part.as_ref()?;
        let parts: Vec<Part> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let raw: Vec<Value> = part.args.iter().map(|(_, _, v)| v.clone()).collect();
                let text = serde_json::to_string(&raw).unwrap().replace("@@ID@@", id);
                let values: Vec<Value> = serde_json::from_str(&text).unwrap();
                Part {
                    alias: format!("a{i}"),
                    field: part.field.clone(),
                    args: part
                        .args
                        .iter()
                        .zip(values)
                        .map(|((name, ty, _), v)| (name.clone(), ty.clone(), v))
                        .collect(),
                    selection: part.selection.clone(),
                }
            })
            .collect();
        let (query, vars) = build("query", &parts);
        Some(Op {
            label: format!("{} [ids {}]", self.label, ids.join(", ")),
            query,
            vars,
            cursor: vec![],
            mutation: false,
            sent: ids.to_vec(),
        })
    }

    pub fn instance(&self, id: &str) -> Op {
        let text = serde_json::to_string(&self.vars).unwrap().replace("@@ID@@", id);
        Op {
            label: format!("{} [id {id}]", self.label),
            query: self.query.clone(),
            vars: serde_json::from_str(&text).unwrap(),
            cursor: vec![],
            mutation: self.mutation,
            sent: vec![id.to_owned()],
        }
    }
}

/// A field of a root request: alias, field, arguments (name, type, value) and selection.
#[derive(Clone, Debug)]
pub struct Part {
    alias: String,
    field: String,
    args: Vec<(String, TypeRef, Value)>,
    selection: String,
}

fn build(operation: &str, parts: &[Part]) -> (String, Value) {
    let mut declarations = Vec::new();
    let mut vars = serde_json::Map::new();
    let mut fields = Vec::new();
    for part in parts {
        let mut args = Vec::new();
        for (name, ty, value) in &part.args {
            let var = format!("v{}", vars.len());
            declarations.push(format!("${var}: {ty}"));
            vars.insert(var.clone(), value.clone());
            args.push(format!("{name}: ${var}"));
        }
        let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
        let selection = if part.selection.is_empty() { String::new() } else { format!(" {{ {} }}", part.selection) };
        let alias = if part.alias == part.field { String::new() } else { format!("{}: ", part.alias) };
        fields.push(format!("{alias}{}{args}{selection}", part.field));
    }
    let declarations = if declarations.is_empty() { String::new() } else { format!("({})", declarations.join(", ")) };
    (format!("{operation} {declarations} {{ {} }}", fields.join(" ")), Value::Object(vars))
}

pub struct Generated {
    pub jobs: Vec<Job>,
    pub families: Vec<Family>,
    pub coverage_failures: Vec<String>,
}

pub struct Gen<'a> {
    pub schema: &'a Schema,
    pub world: &'a World,
    failures: RefCell<BTreeSet<String>>,
    /// (input type, field) pairs some generated value sets.
    used_inputs: RefCell<BTreeSet<(String, String)>>,
    /// Input types reachable from the arguments the generator fills.
    reached_inputs: RefCell<BTreeSet<String>>,
    jobs: Vec<Job>,
    families: Vec<Family>,
    /// The past moments records are read at (`asOf`): one after every
    /// write of the baseline (phase C's hidden data comes later), and one
    /// before any record existed.
    moments: [String; 2],
}

/// The lists of linked records a record read as of a past moment gives
/// (rebuilt from its log): kept in its selections, with cursors and nodes.
const PAST_LISTS: [(&str, &str); 14] = [
    ("Campaign", "sources"),
    ("Defender", "sources"),
    ("Restriction", "sources"),
    ("Campaign", "defenders"),
    ("Campaign", "restrictions"),
    ("Campaign", "countries"),
    ("Campaign", "subdivisions"),
    ("Defender", "restrictions"),
    ("Defender", "campaigns"),
    ("Defender", "events"),
    ("Defender", "affiliations"),
    ("Restriction", "campaigns"),
    ("Restriction", "defenders"),
    ("Restriction", "history"),
];

/// A nonexistent id of a type: a fresh random UUID, fixed for the run.
pub fn nonexistent(ty: &str) -> String {
    // Fixed per type so that every phase sends the same one.
    let uuid = match ty {
        "Defender" => "7b7a1c1e-0000-4000-8000-00000000d001",
        "Restriction" => "7b7a1c1e-0000-4000-8000-00000000d002",
        "Campaign" => "7b7a1c1e-0000-4000-8000-00000000d003",
        "Organisation" => "7b7a1c1e-0000-4000-8000-00000000d004",
        "Source" => "7b7a1c1e-0000-4000-8000-00000000d005",
        "CaseEvent" => "7b7a1c1e-0000-4000-8000-00000000d006",
        "Affiliation" => "7b7a1c1e-0000-4000-8000-00000000d007",
        "Indicator" => "7b7a1c1e-0000-4000-8000-00000000d008",
        "ApiKey" => return "7b7a1c1e-0000-4000-8000-00000000d009".into(),
        "Webhook" => return "7b7a1c1e-0000-4000-8000-00000000d010".into(),
        "Statement" => "7b7a1c1e-0000-4000-8000-00000000d012",
        "CountryRating" => "7b7a1c1e-0000-4000-8000-00000000d011",
        other => panic!("no nonexistent id for {other}"),
    };
    gid(ty, uuid.parse().unwrap())
}

/// The node types that are records an organisation contributes.
pub const RECORD_TYPES: [&str; 6] = ["Defender", "Restriction", "Campaign", "Organisation", "Source", "CountryRating"];

impl<'a> Gen<'a> {
    pub fn new(schema: &'a Schema, world: &'a World) -> Gen<'a> {
        Gen {
            schema,
            world,
            failures: RefCell::default(),
            used_inputs: RefCell::default(),
            reached_inputs: RefCell::default(),
            jobs: Vec::new(),
            families: Vec::new(),
            moments: [
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "2000-01-01T00:00:00Z".to_owned(),
            ],
        }
    }

    /// The selection of a record read as of a past moment: its light
    /// selection, with one level of the lists of [`PAST_LISTS`] and none of
    /// its other connections (its audit log and the like, the same at any
    /// moment).
    fn past_sel(&self, ty: &str) -> String {
        self.schema
            .get(ty)
            .fields
            .iter()
            .filter_map(|f| {
                if PAST_LISTS.contains(&(ty, f.name.as_str())) {
                    // One level of nodes, with their cursors and counts.
                    return self.field_sel(ty, f, 1, 0);
                }
                if self.schema.is_connection(f.ty.named()) { None } else { self.field_sel(ty, f, LIGHT, 0) }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Lookups of records as of each past moment, where `field` takes
    /// `asOf`, and a family of hidden and nonexistent ids read in the past.
    fn past_lookups(&mut self, label: &str, field: &Field, id_ty: &TypeRef, ty: &str) {
        if field.arg("asOf").is_none() || !["Defender", "Restriction", "Campaign"].contains(&ty) {
            return;
        }
        let selection = self.past_sel(ty);
        let as_of_ty = self.typed(field, "asOf");
        for moment in self.moments.clone() {
            let extra = format!(", asOf: \"{moment}\"");
            let pool = self.lookup_pool(ty);
            self.lookups(&format!("{label}(asOf: {moment})"), &field.name, id_ty, (ty, &extra), &selection, pool, 12);
        }
        let part = Part {
            alias: field.name.clone(),
            field: field.name.clone(),
            args: vec![
                ("id".into(), id_ty.clone(), json!("@@ID@@")),
                ("asOf".into(), as_of_ty, json!(self.moments[0])),
            ],
            selection: format!("__typename ... on {ty} {{ {selection} }}"),
        };
        let (query, vars) = build("query", std::slice::from_ref(&part));
        self.families.push(Family {
            label: format!("{label}({ty}, asOf)"),
            types: vec![leak_type(ty)],
            query,
            vars,
            mutation: false,
            part: Some(part),
        });
    }

    pub fn fail(&self, message: String) {
        self.failures.borrow_mut().insert(format!("noninterference: {message}"));
    }

    pub fn mark_used(&self, input_type: &str, field: &str) {
        self.used_inputs.borrow_mut().insert((input_type.to_owned(), field.to_owned()));
    }

    // ---------------------------------------------------------------
    // Selection sets
    // ---------------------------------------------------------------

    /// The selection of a value of type `ty` that may nest `depth` more
    /// records below itself.
    pub fn sel(&self, ty: &str, depth: usize) -> String {
        self.sel_guarded(ty, depth, 0)
    }

    fn sel_guarded(&self, ty: &str, depth: usize, plain_nesting: usize) -> String {
        let t = self.schema.get(ty);
        match t.kind {
            Kind::Object => t
                .fields
                .iter()
                .filter_map(|f| self.field_sel(ty, f, depth, plain_nesting))
                .collect::<Vec<_>>()
                .join(" "),
            Kind::Interface | Kind::Union => {
                let mut out = vec!["__typename".to_owned()];
                if t.kind == Kind::Interface && t.field("id").is_some() {
                    out.push("id".into());
                }
                for possible in &t.possible_types {
                    out.push(format!("... on {possible} {{ {} }}", self.sel_guarded(possible, depth, plain_nesting)));
                }
                out.join(" ")
            }
            _ => String::new(),
        }
    }

    /// Checks a nested field's arguments: each must be one the generator knows.
    fn check_nested_args(&self, parent: &str, f: &Field) {
        for arg in &f.args {
            if !NESTED_ARGS.contains(&arg.name.as_str()) || (arg.required() && arg.name != "first") {
                self.fail(format!("no generator for {parent}.{}({}: {})", f.name, arg.name, arg.ty));
            }
            self.reach_input(&arg.ty);
        }
    }

    fn field_sel(&self, parent: &str, f: &Field, depth: usize, plain_nesting: usize) -> Option<String> {
        self.check_nested_args(parent, f);
        let named = f.ty.named();
        let name = &f.name;
        if self.schema.is_leaf(named) {
            if f.arg("language").is_some() {
                // In the record's own value, and in Spanish where a
                // statement gives one (else the same fallback).
                return Some(format!("{name} {name}_es: {name}(language: \"es\")"));
            }
            return Some(name.clone());
        }
        if self.schema.is_connection(named) {
            let first = if f.arg("first").is_some() { format!("(first: {NESTED_FIRST})") } else { String::new() };
            let node = self.connection_node(named);
            let record_nodes = self.schema.is_record(&node);
            if record_nodes && depth == 0 {
                return Some(format!("{name}{first} {{ totalCount }}"));
            }
            let below = if record_nodes { depth - 1 } else { depth };
            return Some(format!("{name}{first} {{ {} }}", self.connection_body(named, below, false)));
        }
        if self.schema.is_record(named) {
            if depth == 0 {
                let abstract_type = matches!(self.schema.kind(named), Kind::Interface | Kind::Union);
                return Some(if abstract_type {
                    format!("{name} {{ __typename id }}")
                } else {
                    format!("{name} {{ id }}")
                });
            }
            return Some(format!("{name} {{ {} }}", self.sel_guarded(named, depth - 1, 0)));
        }
        // A plain object (a bucket, a page of statistics, a sentence): no
        // record level of its own. Bounded against cycles all the same.
        if plain_nesting > 6 {
            self.fail(format!("plain objects nest too deep at {parent}.{name}"));
            return None;
        }
        Some(format!("{name} {{ {} }}", self.sel_guarded(named, depth, plain_nesting + 1)))
    }

    /// The type of the nodes of a connection.
    fn connection_node(&self, connection: &str) -> String {
        let edges = self.schema.get(connection).field("edges").expect("edges");
        let edge = self.schema.get(edges.ty.named());
        edge.field("node").expect("node").ty.named().to_owned()
    }

    /// `totalCount pageInfo edges { cursor ... node { ... } }` (and `nodes` when asked).
    pub fn connection_body(&self, connection: &str, node_depth: usize, with_nodes: bool) -> String {
        let conn = self.schema.get(connection);
        let mut out = Vec::new();
        for f in &conn.fields {
            match f.name.as_str() {
                "edges" => {
                    let edge = self.schema.get(f.ty.named());
                    let mut parts = Vec::new();
                    for ef in &edge.fields {
                        if ef.name == "node" {
                            parts.push(format!("node {{ {} }}", self.sel(ef.ty.named(), node_depth)));
                        } else if let Some(s) = self.field_sel(&edge.name, ef, node_depth, 0) {
                            parts.push(s);
                        }
                    }
                    out.push(format!("edges {{ {} }}", parts.join(" ")));
                }
                "nodes" => {
                    if with_nodes {
                        let node = f.ty.named();
                        let abstract_type = matches!(self.schema.kind(node), Kind::Interface | Kind::Union);
                        let inner = if abstract_type {
                            let t = self.schema.get(node);
                            let mut inner = vec!["__typename".to_owned()];
                            for p in &t.possible_types {
                                if self.schema.get(p).field("id").is_some() {
                                    inner.push(format!("... on {p} {{ id }}"));
                                }
                            }
                            inner.join(" ")
                        } else if self.schema.get(node).field("id").is_some() {
                            "id".into()
                        } else {
                            self.sel(node, 0)
                        };
                        out.push(format!("nodes {{ {inner} }}"));
                    }
                }
                _ => {
                    if let Some(s) = self.field_sel(connection, f, node_depth, 0) {
                        out.push(s);
                    }
                }
            }
        }
        out.join(" ")
    }

    /// A connection as ids only: which records, in which order, with
    /// which counts, cursors and edge fields. For the variants of a list
    /// (filters, orders, pages): what the records hold is read by the
    /// lookups and first pages.
    pub fn ids_body(&self, connection: &str) -> String {
        let conn = self.schema.get(connection);
        let mut out = Vec::new();
        for f in &conn.fields {
            match f.name.as_str() {
                "edges" => {
                    let edge = self.schema.get(f.ty.named());
                    let mut parts = Vec::new();
                    for ef in &edge.fields {
                        if ef.name == "node" {
                            let node = self.schema.get(ef.ty.named());
                            let abstract_type = matches!(node.kind, Kind::Interface | Kind::Union);
                            parts.push(if abstract_type {
                                let possible: Vec<String> =
                                    node.possible_types.iter().map(|p| format!("... on {p} {{ id }}")).collect();
                                format!("node {{ __typename {} }}", possible.join(" "))
                            } else if node.field("id").is_some() {
                                "node { id }".to_owned()
                            } else {
                                format!("node {{ {} }}", self.sel(&node.name, LIGHT))
                            });
                        } else if let Some(sel) = self.field_sel(&edge.name, ef, LIGHT, 0) {
                            parts.push(sel);
                        }
                    }
                    out.push(format!("edges {{ {} }}", parts.join(" ")));
                }
                "nodes" => {}
                _ => {
                    if let Some(sel) = self.field_sel(connection, f, LIGHT, 0) {
                        out.push(sel);
                    }
                }
            }
        }
        out.join(" ")
    }

    // ---------------------------------------------------------------
    // Values
    // ---------------------------------------------------------------

    fn reach_input(&self, ty: &TypeRef) {
        let named = ty.named();
        if self.schema.kind(named) == Kind::InputObject && self.reached_inputs.borrow_mut().insert(named.to_owned()) {
            for field in &self.schema.get(named).input_fields.clone() {
                self.reach_input(&field.ty);
            }
        }
    }

    /// Sample values for a scalar or enum value of an input field or
    /// argument, by its name and type. None: no pool (a coverage failure).
    fn leaf_values(&self, owner: &str, field: &InputValue) -> Option<Vec<Value>> {
        let named = field.ty.named();
        let list = field.ty.is_list();
        let wrap = |values: Vec<Value>| -> Vec<Value> {
            if list { values.into_iter().map(|v| if v.is_array() { v } else { json!([v]) }).collect() } else { values }
        };
        let t = self.schema.get(named);
        if t.kind == Kind::Enum {
            let values: Vec<Value> = t.enum_values.iter().map(|v| json!(v)).collect();
            if list {
                // Every value, four at a time.
                return Some(values.chunks(4).map(|c| Value::Array(c.to_vec())).collect());
            }
            return Some(values);
        }
        let by_name: Option<Vec<Value>> = match (named, field.name.as_str()) {
            ("String", "countryCodes") => Some(vec![json!(["PE", "US"]), json!(["SA", "CN"]), json!(["US"])]),
            ("String", "subdivisionCodes") => Some(vec![json!(["US-FL"]), json!(["US-ND", "PE-CAJ"])]),
            ("String", "keys") => Some(vec![
                json!(["defenders_killed_or_died_in_detention", "countries_restricting_expression_and_press"]),
                json!([
                    "countries_imprisoning_people_for_exercising_rights",
                    "us_states_with_bills_restricting_protest"
                ]),
            ]),
            ("Int", "years") => Some(vec![json!([2015]), json!([2016, 2017])]),
            // A visible organisation, and one hidden from every viewer.
            ("ID", "organisationIds") => Some(vec![
                json!([self.world.id("O.org.pub")]),
                json!([self.world.id("H.org.shadow"), self.world.id("O.org.pub")]),
            ]),
            ("PartialDate", _) => Some(vec![json!("2015"), json!("2016-11"), json!("2016-11-15")]),
            ("Boolean", _) => Some(vec![json!(true), json!(false)]),
            _ => None,
        };
        match by_name {
            Some(values) => Some(wrap(values)),
            None => {
                self.fail(format!("no generator for {owner}.{}: {}", field.name, field.ty));
                None
            }
        }
    }

    /// Variants of an input object value: each sets one field, for every
    /// field and (for enums) every value; nested input objects recursively.
    pub fn input_variants(&self, ty: &str) -> Vec<(String, Value)> {
        let t = self.schema.get(ty).clone();
        let mut out = Vec::new();
        for field in &t.input_fields {
            let named = field.ty.named();
            let values: Vec<(String, Value)> = if self.schema.kind(named) == Kind::InputObject {
                self.input_variants(named)
            } else {
                match self.leaf_values(ty, field) {
                    Some(values) => values.into_iter().map(|v| (v.to_string(), v)).collect(),
                    None => continue,
                }
            };
            if values.is_empty() {
                continue;
            }
            self.mark_used(ty, &field.name);
            for (label, value) in values {
                out.push((format!("{}={label}", field.name), json!({ field.name.clone(): value })));
            }
        }
        out
    }

    /// Variants of an input object for nested lists: each field once, with
    /// all its enum values (or its first sample value), nested input
    /// objects likewise.
    pub fn condensed_variants(&self, ty: &str) -> Vec<(String, Value)> {
        let t = self.schema.get(ty).clone();
        let mut out = Vec::new();
        for field in &t.input_fields {
            let named = field.ty.named();
            let value = match self.schema.kind(named) {
                Kind::InputObject => {
                    for (label, value) in self.condensed_variants(named) {
                        out.push((format!("{}.{label}", field.name), json!({ field.name.clone(): value })));
                    }
                    continue;
                }
                Kind::Enum if field.ty.is_list() => json!(self.schema.get(named).enum_values),
                _ => match self.leaf_values(ty, field).and_then(|v| v.into_iter().next()) {
                    Some(value) => value,
                    None => continue,
                },
            };
            self.mark_used(ty, &field.name);
            out.push((format!("{}={value}", field.name), json!({ field.name.clone(): value })));
        }
        out
    }

    /// Every value of an order input: each field value in each direction.
    fn order_variants(&self, ty: &str) -> Vec<(String, Value)> {
        let t = self.schema.get(ty).clone();
        let mut enums: Vec<(String, Vec<String>)> = Vec::new();
        for field in &t.input_fields {
            let named = field.ty.named();
            if self.schema.kind(named) != Kind::Enum {
                self.fail(format!("no generator for {ty}.{}: {}", field.name, field.ty));
                continue;
            }
            self.mark_used(ty, &field.name);
            enums.push((field.name.clone(), self.schema.get(named).enum_values.clone()));
        }
        // The cartesian product of the enum fields (field × direction).
        let mut out: Vec<serde_json::Map<String, Value>> = vec![serde_json::Map::new()];
        for (name, values) in &enums {
            out = out
                .into_iter()
                .flat_map(|m| {
                    values.iter().map(move |v| {
                        let mut m = m.clone();
                        m.insert(name.clone(), json!(v));
                        m
                    })
                })
                .collect();
        }
        out.into_iter().map(|m| (Value::Object(m.clone()).to_string(), Value::Object(m))).collect()
    }

    // ---------------------------------------------------------------
    // Operations
    // ---------------------------------------------------------------

    fn push(&mut self, label: String, query: (String, Value)) {
        self.jobs.push(Job {
            ops: vec![Op { label, query: query.0, vars: query.1, cursor: vec![], mutation: false, sent: Vec::new() }],
        });
    }

    /// Pages of a root field following the cursors returned: `first`/`after`
    /// forwards, and `last`/`before` backwards when the field has them.
    fn chain(
        &mut self,
        label: &str,
        field: &Field,
        extra: Vec<(String, TypeRef, Value)>,
        selection: &str,
        pages: usize,
    ) {
        for (size_arg, cursor_arg, pointer) in [("first", "after", "endCursor"), ("last", "before", "startCursor")] {
            let (Some(size), Some(cursor)) = (field.arg(size_arg), field.arg(cursor_arg)) else { continue };
            let mut ops = Vec::new();
            for page in 0..pages {
                let mut args = extra.clone();
                args.push((size_arg.into(), size.ty.clone(), json!(2)));
                args.push((cursor_arg.into(), cursor.ty.clone(), Value::Null));
                let (query, vars) = build(
                    "query",
                    &[Part {
                        alias: field.name.clone(),
                        field: field.name.clone(),
                        args,
                        selection: selection.to_owned(),
                    }],
                );
                let var = format!("v{}", extra.len() + 1);
                ops.push(Op {
                    label: format!("{label} {size_arg}/{cursor_arg} page {}", page + 1),
                    query,
                    vars,
                    cursor: (page > 0)
                        .then(|| (var, format!("/data/{}/pageInfo/{pointer}", field.name)))
                        .into_iter()
                        .collect(),
                    mutation: false,
                    sent: Vec::new(),
                });
            }
            self.jobs.push(Job { ops });
        }
    }

    /// Batches variants of one argument of a root field into aliased requests.
    fn batched(
        &mut self,
        label: &str,
        field: &Field,
        arg: &str,
        variants: Vec<(String, Value)>,
        fixed: Vec<(String, TypeRef, Value)>,
        selection: &str,
    ) {
        let ty = field.arg(arg).expect("argument").ty.clone();
        for (chunk_index, chunk) in variants.chunks(BATCH).enumerate() {
            let parts: Vec<Part> = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, value))| {
                    let mut args = fixed.clone();
                    args.push((arg.into(), ty.clone(), value.clone()));
                    Part { alias: format!("a{i}"), field: field.name.clone(), args, selection: selection.to_owned() }
                })
                .collect();
            let names: Vec<&str> = chunk.iter().map(|(l, _)| l.as_str()).collect();
            self.push(format!("{label} {arg} #{chunk_index} [{}]", names.join("; ")), build("query", &parts));
        }
    }

    fn typed(&self, field: &Field, arg: &str) -> TypeRef {
        field.arg(arg).unwrap_or_else(|| panic!("{}({arg})", field.name)).ty.clone()
    }

    /// Generates every operation; returns them with the coverage failures.
    pub fn generate(mut self) -> Generated {
        let query_type = self.schema.query_type().clone();
        for field in &query_type.fields {
            self.query_field(field);
        }
        self.nested_ops();
        let mutation_type = self.schema.mutation_type().clone();
        let templates = templates::all();
        for field in &mutation_type.fields {
            self.mutation_field(field, &templates);
        }
        for name in templates.keys() {
            if mutation_type.field(name).is_none() {
                self.fail(format!("template for Mutation.{name}, which the schema no longer has"));
            }
        }
        // Every input field of every input type reached from a filled argument.
        for ty in self.reached_inputs.borrow().iter() {
            for field in &self.schema.get(ty).input_fields {
                if !self.used_inputs.borrow().contains(&(ty.clone(), field.name.clone())) {
                    self.fail(format!("no generator for {ty}.{}: {}", field.name, field.ty));
                }
            }
        }
        Generated {
            jobs: self.jobs,
            families: self.families,
            coverage_failures: self.failures.into_inner().into_iter().collect(),
        }
    }

    fn check_args(&self, field: &Field, covered: &[&str]) {
        for arg in &field.args {
            if !covered.contains(&arg.name.as_str()) {
                self.fail(format!("no generator for Query.{}({}: {})", field.name, arg.name, arg.ty));
            }
            self.reach_input(&arg.ty);
        }
    }

    fn query_field(&mut self, field: &Field) {
        let named = field.ty.named().to_owned();
        let name = field.name.clone();
        match name.as_str() {
            "node" => {
                self.check_args(field, &["id", "asOf"]);
                self.node_ops(field);
            }
            "nodes" => {
                self.check_args(field, &["ids"]);
                self.nodes_ops(field);
            }
            "country" | "subdivision" => {
                self.check_args(field, &["code"]);
                let codes: &[&str] = if name == "country" {
                    &["PE", "pe", "US", "SA", "CN", "ZZ", "P1"]
                } else {
                    &["US-FL", "us-nd", "PE-CAJ", "US-ZZ", "XX-1"]
                };
                for (i, code) in codes.iter().enumerate() {
                    let depth = if i == 0 { DEEP } else { LIGHT };
                    let part = Part {
                        alias: name.clone(),
                        field: name.clone(),
                        args: vec![("code".into(), self.typed(field, "code"), json!(code))],
                        selection: self.sel(&named, depth),
                    };
                    self.push(format!("Query.{name}(code: {code})"), build("query", &[part]));
                }
            }
            "search" => self.search_ops(field),
            "match" => self.match_ops(field),
            "statistics" => self.statistics_ops(field),
            "exportRecords" => self.export_ops(field),
            "changes" => self.changes_ops(field),
            "duplicateCandidates" => self.duplicate_ops(field),
            _ if self.schema.is_connection(&named) => {
                self.check_args(field, &CONNECTION_ARGS);
                self.connection_ops(field);
            }
            _ if field.args.first().is_some_and(|a| a.name == "id")
                && field.args.iter().skip(1).all(|a| a.name == "asOf")
                && field.args[0].ty.named() == "ID"
                && self.schema.is_record(&named) =>
            {
                self.lookup_ops(field);
            }
            _ if field.args.is_empty() => {
                let part = Part {
                    alias: name.clone(),
                    field: name.clone(),
                    args: vec![],
                    selection: if self.schema.is_leaf(&named) { String::new() } else { self.sel(&named, DEEP) },
                };
                self.push(format!("Query.{name}"), build("query", &[part]));
            }
            _ => {
                for arg in &field.args {
                    self.fail(format!("no generator for Query.{name}({}: {})", arg.name, arg.ty));
                }
                if field.args.is_empty() {
                    self.fail(format!("no generator for Query.{name}"));
                }
            }
        }
    }

    /// Ids the lookups are made with: every record of the baseline (some
    /// visible to a viewer, some hidden from it), countries, subdivisions,
    /// indicators, and a nonexistent id of each type.
    fn lookup_pool(&self, ty: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .world
            .recs
            .iter()
            .filter(|r| r.baseline && r.ty == ty)
            .map(|r| (r.label.clone(), r.gid.clone()))
            .collect();
        match ty {
            "Country" => {
                for code in ["PE", "US", "SA"] {
                    out.push((format!("country {code}"), base64_id("Country", code)));
                }
            }
            "Subdivision" => {
                for code in ["US-FL", "US-ND"] {
                    out.push((format!("subdivision {code}"), base64_id("Subdivision", code)));
                }
            }
            _ => out.push((format!("nonexistent {ty}"), nonexistent(ty))),
        }
        out
    }

    fn node_types(&self) -> Vec<String> {
        self.schema.get("Node").possible_types.clone()
    }

    fn node_ops(&mut self, field: &Field) {
        let id_ty = self.typed(field, "id");
        for ty in self.node_types() {
            let (deep, light): (Vec<_>, Vec<_>) =
                self.lookup_pool(&ty).into_iter().partition(|(label, _)| deep_record(label));
            self.lookups("Query.node", "node", &id_ty, (&ty, ""), &self.sel(&ty, DEEP), deep, 6);
            self.lookups("Query.node", "node", &id_ty, (&ty, ""), &self.sel(&ty, LIGHT), light, 12);
            self.past_lookups("Query.node", field, &id_ty, &ty);
            if self.family_type(&ty) {
                // Light: the answer must be an error; a record wrongly
                // returned shows in its scalars and ids as well.
                let part = Part {
                    alias: "node".into(),
                    field: "node".into(),
                    args: vec![("id".into(), id_ty.clone(), json!("@@ID@@"))],
                    selection: format!("__typename id ... on {ty} {{ {} }}", self.sel(&ty, LIGHT)),
                };
                let (query, vars) = build("query", std::slice::from_ref(&part));
                self.families.push(Family {
                    label: format!("Query.node({ty})"),
                    types: vec![leak_type(&ty)],
                    query,
                    vars,
                    mutation: false,
                    part: Some(part),
                });
            }
            // The whole audit log of every record of the scenarios.
            if self.schema.get(&ty).field("auditLog").is_some() {
                let audit = self.schema.get(&ty).field("auditLog").unwrap().ty.named().to_owned();
                let pool: Vec<_> = self.lookup_pool(&ty).into_iter().filter(|(label, _)| deep_record(label)).collect();
                let selection = format!("auditLog(first: 100) {{ {} }}", self.connection_body(&audit, LIGHT, false));
                self.lookups("Query.node(…).auditLog(first: 100)", "node", &id_ty, (&ty, ""), &selection, pool, 10);
            }
        }
    }

    /// Lookups by id, several per request (aliases over one fragment, so
    /// the server loads them in the same batches).
    #[allow(clippy::too_many_arguments)]
    fn lookups(
        &mut self,
        label: &str,
        field: &str,
        id_ty: &TypeRef,
        (on, extra): (&str, &str),
        selection: &str,
        items: Vec<(String, String)>,
        per: usize,
    ) {
        for chunk in items.chunks(per) {
            let mut declarations = Vec::new();
            let mut vars = serde_json::Map::new();
            let mut fields = Vec::new();
            for (i, (_, id)) in chunk.iter().enumerate() {
                declarations.push(format!("$v{i}: {id_ty}"));
                vars.insert(format!("v{i}"), json!(id));
                let head = if field == "node" { "__typename id " } else { "" };
                fields.push(format!("a{i}: {field}(id: $v{i}{extra}) {{ {head}...F }}"));
            }
            let query = format!(
                "query ({}) {{ {} }} fragment F on {on} {{ {selection} }}",
                declarations.join(", "),
                fields.join(" ")
            );
            let labels: Vec<&str> = chunk.iter().map(|(l, _)| l.as_str()).collect();
            self.jobs.push(Job {
                ops: vec![Op {
                    label: format!("{label} [{}]", labels.join(", ")),
                    query,
                    vars: Value::Object(vars),
                    cursor: vec![],
                    mutation: false,
                    sent: chunk.iter().map(|(_, id)| id.clone()).collect(),
                }],
            });
        }
    }

    /// The nested lists of the scenarios' records: every filter and order
    /// value of each nested list (aliased, one request per list), and pages
    /// of all nested lists at once, forwards and backwards, following the
    /// cursors returned. Countries and subdivisions are looked up by code,
    /// records by `node`.
    fn nested_ops(&mut self) {
        let parents: Vec<(String, String, String)> = vec![
            ("country PE".into(), "Country".into(), "country(code: \"PE\")".into()),
            ("country US".into(), "Country".into(), "country(code: \"US\")".into()),
            ("subdivision US-FL".into(), "Subdivision".into(), "subdivision(code: \"US-FL\")".into()),
            ("O.def.pub".into(), "Defender".into(), format!("node(id: \"{}\")", self.world.id("O.def.pub"))),
            ("O.res.pub".into(), "Restriction".into(), format!("node(id: \"{}\")", self.world.id("O.res.pub"))),
            ("O.camp.pub".into(), "Campaign".into(), format!("node(id: \"{}\")", self.world.id("O.camp.pub"))),
            ("O.org.pub".into(), "Organisation".into(), format!("node(id: \"{}\")", self.world.id("O.org.pub"))),
        ];
        for (index, (label, ty, head)) in parents.into_iter().enumerate() {
            let t = self.schema.get(&ty).clone();
            let root = head.split('(').next().unwrap().to_owned();
            let wrap = |inner: &str| format!("{{ {head} {{ ... on {ty} {{ {inner} }} }} }}");
            // Every filter field and order value of each nested list, once
            // per parent type (country US pages only).
            for f in &t.fields {
                if !self.schema.is_connection(f.ty.named()) || index == 1 {
                    continue;
                }
                let ids = self.ids_body(f.ty.named());
                let mut variants: Vec<(String, String)> = Vec::new();
                if let Some(filter) = f.arg("filter") {
                    for (l, v) in self.condensed_variants(filter.ty.named()) {
                        variants.push((l, format!("filter: {}", graphql_literal(&v, self.schema, filter.ty.named()))));
                    }
                }
                if let Some(order) = f.arg("orderBy") {
                    for (l, v) in self.order_variants(order.ty.named()) {
                        variants.push((l, format!("orderBy: {}", graphql_literal(&v, self.schema, order.ty.named()))));
                    }
                }
                for (chunk_index, chunk) in variants.chunks(25).enumerate() {
                    let fields: Vec<String> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (_, args))| format!("a{i}: {}(first: {NESTED_FIRST}, {args}) {{ {ids} }}", f.name))
                        .collect();
                    let names: Vec<&str> = chunk.iter().map(|(l, _)| l.as_str()).collect();
                    self.push(
                        format!("{label}.{} variants #{chunk_index} [{}]", f.name, names.join("; ")),
                        (format!("query {}", wrap(&fields.join(" "))), json!({})),
                    );
                }
            }
            // Pages of every nested list at once.
            let lists: Vec<Field> = t
                .fields
                .iter()
                .filter(|f| self.schema.is_connection(f.ty.named()) && f.arg("after").is_some())
                .cloned()
                .collect();
            for (size, cursor, pointer) in [("first", "after", "endCursor"), ("last", "before", "startCursor")] {
                let lists: Vec<&Field> =
                    lists.iter().filter(|f| f.arg(size).is_some() && f.arg(cursor).is_some()).collect();
                if lists.is_empty() {
                    continue;
                }
                let declarations: Vec<String> = (0..lists.len()).map(|i| format!("$c{i}: String")).collect();
                let fields: Vec<String> = lists
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        format!(
                            "{}: {}({size}: 2, {cursor}: $c{i}) {{ {} }}",
                            f.name,
                            f.name,
                            self.ids_body(f.ty.named())
                        )
                    })
                    .collect();
                let query = format!("query ({}) {}", declarations.join(", "), wrap(&fields.join(" ")));
                let vars: serde_json::Map<String, Value> =
                    (0..lists.len()).map(|i| (format!("c{i}"), Value::Null)).collect();
                let mut ops = Vec::new();
                for page in 0..2 {
                    ops.push(Op {
                        label: format!("{label} nested lists {size}/{cursor} page {}", page + 1),
                        query: query.clone(),
                        vars: Value::Object(vars.clone()),
                        cursor: if page == 0 {
                            vec![]
                        } else {
                            lists
                                .iter()
                                .enumerate()
                                .map(|(i, f)| (format!("c{i}"), format!("/data/{root}/{}/pageInfo/{pointer}", f.name)))
                                .collect()
                        },
                        mutation: false,
                        sent: vec![],
                    });
                }
                self.jobs.push(Job { ops });
            }
        }
    }

    /// Whether hidden ids of the type exist (records and their children).
    fn family_type(&self, ty: &str) -> bool {
        RECORD_TYPES.contains(&ty) || ty == "CaseEvent" || ty == "Affiliation"
    }

    fn nodes_ops(&mut self, field: &Field) {
        let ids_ty = self.typed(field, "ids");
        let all: Vec<String> = self.node_types();
        // Which ids resolve, to what, in which order: the records' own
        // fields; what they link to is read by the node lookups.
        let leaves = |t: &str| -> String {
            let ty = self.schema.get(t);
            ty.fields
                .iter()
                .filter(|f| self.schema.is_leaf(f.ty.named()) && f.args.is_empty())
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let selection = format!(
            "__typename id {}",
            all.iter().map(|t| format!("... on {t} {{ {} }}", leaves(t))).collect::<Vec<_>>().join(" ")
        );
        let visible = self.world.id("O.def.pub");
        // Every baseline record, a nonexistent id, and ids out of order and repeated, in lists of up to 20.
        let mut ids: Vec<String> = self.world.recs.iter().filter(|r| r.baseline).map(|r| r.gid.clone()).collect();
        for t in RECORD_TYPES {
            ids.push(nonexistent(t));
        }
        ids.push(visible.clone());
        for (i, chunk) in ids.chunks(20).enumerate() {
            let part = Part {
                alias: "nodes".into(),
                field: "nodes".into(),
                args: vec![("ids".into(), ids_ty.clone(), json!(chunk))],
                selection: selection.clone(),
            };
            let (query, vars) = build("query", &[part]);
            self.jobs.push(Job {
                ops: vec![Op {
                    label: format!("Query.nodes(baseline ids #{i})"),
                    query,
                    vars,
                    cursor: vec![],
                    mutation: false,
                    sent: chunk.to_vec(),
                }],
            });
        }
        let part = Part {
            alias: "nodes".into(),
            field: "nodes".into(),
            args: vec![("ids".into(), ids_ty.clone(), json!([visible, "@@ID@@", visible]))],
            selection,
        };
        let (query, vars) = build("query", std::slice::from_ref(&part));
        let types: Vec<&'static str> = all.iter().filter(|t| self.family_type(t)).map(|t| leak_type(t)).collect();
        self.families.push(Family {
            label: "Query.nodes([visible, id, visible])".into(),
            types,
            query,
            vars,
            mutation: false,
            part: Some(part),
        });
    }

    fn lookup_ops(&mut self, field: &Field) {
        let ty = field.ty.named().to_owned();
        let id_ty = self.typed(field, "id");
        let name = field.name.clone();
        let selection = self.sel(&ty, LIGHT);
        let pool = self.lookup_pool(&ty);
        self.lookups(&format!("Query.{name}"), &name, &id_ty, (&ty, ""), &selection, pool, 10);
        self.past_lookups(&format!("Query.{name}"), field, &id_ty, &ty);
        let part = Part {
            alias: name.clone(),
            field: name.clone(),
            args: vec![("id".into(), id_ty, json!("@@ID@@"))],
            selection,
        };
        let (query, vars) = build("query", std::slice::from_ref(&part));
        self.families.push(Family {
            label: format!("Query.{name}(id)"),
            types: vec![leak_type(&ty)],
            query,
            vars,
            mutation: false,
            part: Some(part),
        });
    }

    fn connection_ops(&mut self, field: &Field) {
        let name = field.name.clone();
        let conn = field.ty.named().to_owned();
        let full = self.connection_body(&conn, DEEP, true);
        let light = self.ids_body(&conn);
        let first_ty = self.typed(field, "first");
        // The first page, in full.
        let part = Part {
            alias: name.clone(),
            field: name.clone(),
            args: vec![("first".into(), first_ty.clone(), json!(ROOT_FIRST))],
            selection: full,
        };
        self.push(format!("Query.{name}(first: {ROOT_FIRST})"), build("query", &[part]));
        // Pages both ways.
        self.chain(&format!("Query.{name}"), field, vec![], &light, 2);
        // Every filter value.
        if let Some(filter) = field.arg("filter") {
            let variants = self.input_variants(filter.ty.named());
            self.batched(
                &format!("Query.{name}"),
                field,
                "filter",
                variants,
                vec![("first".into(), first_ty.clone(), json!(ROOT_FIRST))],
                &light,
            );
        }
        // Every order, and a page after the first in each.
        if let Some(order) = field.arg("orderBy") {
            let variants = self.order_variants(order.ty.named());
            self.batched(
                &format!("Query.{name}"),
                field,
                "orderBy",
                variants.clone(),
                vec![("first".into(), first_ty.clone(), json!(ROOT_FIRST))],
                &light,
            );
            for (label, value) in variants.into_iter().filter(|(l, _)| l.contains("DESC")) {
                let mut field_copy = field.clone();
                field_copy.args.retain(|a| a.name != "last" && a.name != "before");
                self.chain(
                    &format!("Query.{name}(orderBy: {label})"),
                    &field_copy,
                    vec![("orderBy".into(), order.ty.clone(), value)],
                    &light,
                    2,
                );
            }
        }
    }

    fn search_ops(&mut self, field: &Field) {
        self.check_args(field, &["query", "types", "first", "after"]);
        let conn = field.ty.named().to_owned();
        let full = self.connection_body(&conn, DEEP, true);
        let ids = self.ids_body(&conn);
        let query_ty = self.typed(field, "query");
        let first_ty = self.typed(field, "first");
        // Words of the visible records, which the hidden ones use too, and
        // words only confidential fields and hidden records hold.
        let words = [
            "maxima acuna",
            "amnesty international",
            "florida",
            "Máxima Acuña",
            "al qahtani",
            "HB 1",
            "protest",
            "priority case",
            "CANARY-LOC",
            "zzzz",
        ];
        for (i, word) in words.into_iter().enumerate() {
            // The first words get the results in depth, the others in light.
            let part = Part {
                alias: "search".into(),
                field: "search".into(),
                args: vec![
                    ("query".into(), query_ty.clone(), json!(word)),
                    ("first".into(), first_ty.clone(), json!(ROOT_FIRST)),
                ],
                selection: if i < 2 { full.clone() } else { ids.clone() },
            };
            self.push(format!("Query.search({word:?})"), build("query", &[part]));
        }
        if let Some(types) = field.arg("types") {
            let t = self.schema.get(types.ty.named()).clone();
            let mut variants: Vec<(String, Value)> = t.enum_values.iter().map(|v| (v.clone(), json!([v]))).collect();
            variants.push(("all".into(), json!(t.enum_values)));
            // Each kind alone and all together, for words found in every kind.
            let word = "florida protest";
            self.batched(
                &format!("Query.search({word:?})"),
                field,
                "types",
                variants,
                vec![
                    ("query".into(), query_ty.clone(), json!(word)),
                    ("first".into(), first_ty.clone(), json!(ROOT_FIRST)),
                ],
                &ids,
            );
        }
        for word in ["maxima acuna", "protest"] {
            self.chain(
                &format!("Query.search({word:?})"),
                field,
                vec![("query".into(), query_ty.clone(), json!(word))],
                &ids,
                2,
            );
        }
    }

    fn match_ops(&mut self, field: &Field) {
        self.check_args(field, &["query", "types", "properties", "limit"]);
        let named = field.ty.named().to_owned();
        let (deep, light) = (self.sel(&named, DEEP), self.sel(&named, LIGHT));
        let arg = |name: &str| (name.to_owned(), self.typed(field, name));
        let (query, types, properties, limit) = (arg("query"), arg("types"), arg("properties"), arg("limit"));
        // Names of visible records, which hidden ones share, spellings of
        // them, and words only confidential fields and hidden records hold.
        let names = [
            "Máxima Acuña",
            "Maxima Acuna de Chaupe",
            "Mohamed al Qahtani",
            "Ilham Tohti",
            "HB 1",
            "Priority case: Máxima Acuña",
            "Andean Land Defence Collective",
            "Yusuf al Rahman",
            "LaDonna Allard",
            "CANARY-LOC",
        ];
        for (i, name) in names.into_iter().enumerate() {
            let part = Part {
                alias: "match".into(),
                field: "match".into(),
                args: vec![(query.0.clone(), query.1.clone(), json!(name))],
                selection: if i < 3 { deep.clone() } else { light.clone() },
            };
            self.push(format!("Query.match({name:?})"), build("query", &[part]));
        }
        // Each property, and each type, on a name hidden records share.
        let property_ty = self.schema.get("MatchProperty").clone();
        for property in &property_ty.enum_values {
            let value = match property.as_str() {
                "COUNTRY" => "PE",
                "SUBDIVISION" => "PE-CAJ",
                "OCCUPATION" => "Peasant farmer",
                "OTHER_NAME" => "Maxima Acuna Chaupe",
                "ORGANISATION" => "Amnesty International",
                "REFERENCE" => "HB 1",
                "JURISDICTION" => "US-FL",
                other => {
                    self.fail(format!("no value for MatchProperty.{other}"));
                    continue;
                }
            };
            let part = Part {
                alias: "match".into(),
                field: "match".into(),
                args: vec![
                    (query.0.clone(), query.1.clone(), json!("Máxima Acuña")),
                    (properties.0.clone(), properties.1.clone(), json!([{ "property": property, "values": [value] }])),
                    (limit.0.clone(), limit.1.clone(), json!(3)),
                ],
                selection: light.clone(),
            };
            self.push(format!("Query.match(properties: {property})"), build("query", &[part]));
        }
        self.mark_used("MatchPropertyInput", "property");
        self.mark_used("MatchPropertyInput", "values");
        let type_ty = self.schema.get(types.1.named()).clone();
        for ty in &type_ty.enum_values {
            let part = Part {
                alias: "match".into(),
                field: "match".into(),
                args: vec![
                    (query.0.clone(), query.1.clone(), json!("Florida protest")),
                    (types.0.clone(), types.1.clone(), json!([ty])),
                ],
                selection: light.clone(),
            };
            self.push(format!("Query.match(types: [{ty}])"), build("query", &[part]));
        }
    }

    fn statistics_ops(&mut self, field: &Field) {
        self.check_args(field, &[]);
        let stats_ty = field.ty.named().to_owned();
        // Everything with default arguments.
        let part = Part {
            alias: "statistics".into(),
            field: "statistics".into(),
            args: vec![],
            selection: self.sel(&stats_ty, 0),
        };
        self.push("Query.statistics".into(), build("query", &[part]));
        let stats = self.schema.get(&stats_ty).clone();
        for group in &stats.fields {
            let group_ty = group.ty.named().to_owned();
            let inner = self.sel(&group_ty, 0);
            // Every filter value of the group's list.
            for arg in &group.args {
                self.reach_input(&arg.ty);
                if self.schema.kind(arg.ty.named()) != Kind::InputObject {
                    self.fail(format!("no generator for {stats_ty}.{}({}: {})", group.name, arg.name, arg.ty));
                    continue;
                }
                let variants = self.input_variants(arg.ty.named());
                for (chunk_index, chunk) in variants.chunks(BATCH).enumerate() {
                    let sub: Vec<String> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (_, v))| {
                            format!(
                                "a{i}: {}({}: {}) {{ {inner} }}",
                                group.name,
                                arg.name,
                                graphql_literal(v, self.schema, arg.ty.named())
                            )
                        })
                        .collect();
                    let names: Vec<&str> = chunk.iter().map(|(l, _)| l.as_str()).collect();
                    self.push(
                        format!("Query.statistics.{}({}) #{chunk_index} [{}]", group.name, arg.name, names.join("; ")),
                        (format!("{{ statistics {{ {} }} }}", sub.join(" ")), json!({})),
                    );
                }
            }
            // Every argument value of each bucket list.
            let group_type = self.schema.get(&group_ty).clone();
            for bucket in &group_type.fields {
                if bucket.args.is_empty() {
                    continue;
                }
                let bucket_sel = self.sel(bucket.ty.named(), 0);
                let mut variants: Vec<String> = Vec::new();
                for arg in &bucket.args {
                    let named = arg.ty.named();
                    self.reach_input(&arg.ty);
                    match self.schema.kind(named) {
                        Kind::Enum => {
                            for v in &self.schema.get(named).enum_values {
                                variants.push(format!("{}: {v}", arg.name));
                            }
                        }
                        Kind::InputObject => {
                            for (_, v) in self.input_variants(named) {
                                variants.push(format!("{}: {}", arg.name, graphql_literal(&v, self.schema, named)));
                            }
                        }
                        _ => {
                            self.fail(format!("no generator for {group_ty}.{}({}: {})", bucket.name, arg.name, arg.ty))
                        }
                    }
                }
                // With MONTH and each event filter together, as well.
                if bucket.arg("interval").is_some() && bucket.arg("events").is_some() {
                    variants.push(
                        "interval: MONTH, events: { kinds: [ARREST, KILLING, DEATH_IN_DETENTION], since: \"2015-03\" }"
                            .into(),
                    );
                }
                for (chunk_index, chunk) in variants.chunks(BATCH).enumerate() {
                    let sub: Vec<String> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, args)| format!("a{i}: {}({args}) {{ {bucket_sel} }}", bucket.name))
                        .collect();
                    self.push(
                        format!(
                            "Query.statistics.{}.{} #{chunk_index} [{}]",
                            group.name,
                            bucket.name,
                            chunk.join("; ")
                        ),
                        (format!("{{ statistics {{ {} {{ {} }} }} }}", group.name, sub.join(" ")), json!({})),
                    );
                }
            }
        }
    }

    fn export_ops(&mut self, field: &Field) {
        self.check_args(field, &["recordType", "format", "first", "after"]);
        let types = self.schema.get(self.typed(field, "recordType").named()).enum_values.clone();
        let formats = self.schema.get(self.typed(field, "format").named()).enum_values.clone();
        let sel = self.sel(field.ty.named(), 0);
        for t in &types {
            for f in &formats {
                let fixed = vec![
                    ("recordType".to_owned(), self.typed(field, "recordType"), json!(t)),
                    ("format".to_owned(), self.typed(field, "format"), json!(f)),
                ];
                // The default page, whole.
                let part = Part {
                    alias: "exportRecords".into(),
                    field: "exportRecords".into(),
                    args: fixed.clone(),
                    selection: sel.clone(),
                };
                self.push(format!("Query.exportRecords({t}, {f})"), build("query", &[part]));
                // Pages of three, following endCursor (FollowTheMoney pages
                // as the others do: its default page covers it).
                if f != "JSON_LINES" {
                    continue;
                }
                let mut ops = Vec::new();
                for page in 0..2 {
                    let mut args = fixed.clone();
                    args.push(("first".into(), self.typed(field, "first"), json!(3)));
                    args.push(("after".into(), self.typed(field, "after"), Value::Null));
                    let (query, vars) = build(
                        "query",
                        &[Part {
                            alias: "exportRecords".into(),
                            field: "exportRecords".into(),
                            args,
                            selection: sel.clone(),
                        }],
                    );
                    ops.push(Op {
                        label: format!("Query.exportRecords({t}, {f}, first: 3) page {}", page + 1),
                        query,
                        vars,
                        cursor: (page > 0)
                            .then(|| ("v3".into(), "/data/exportRecords/endCursor".into()))
                            .into_iter()
                            .collect(),
                        mutation: false,
                        sent: vec![],
                    });
                }
                self.jobs.push(Job { ops });
            }
        }
    }

    /// The change feed: whole, by type, and in pages of two following
    /// `endCursor` (`first: 0` is tested in `changes.rs`). The subscription sends the same
    /// `Change` objects, read by the same rule.
    fn changes_ops(&mut self, field: &Field) {
        self.check_args(field, &["after", "first", "types"]);
        let sel = self.sel(field.ty.named(), LIGHT);
        let types_ty = self.typed(field, "types");
        let record_types = self.schema.get(types_ty.named()).enum_values.clone();
        let part = |args: Vec<(String, TypeRef, Value)>| Part {
            alias: "changes".into(),
            field: "changes".into(),
            args,
            selection: sel.clone(),
        };
        let first_ty = self.typed(field, "first");
        let first = |n: i64| ("first".to_owned(), first_ty.clone(), json!(n));
        self.push("Query.changes(first: 1000)".into(), build("query", &[part(vec![first(1000)])]));
        for record_type in &record_types {
            let types = ("types".to_owned(), types_ty.clone(), json!([record_type]));
            self.push(
                format!("Query.changes(types: [{record_type}])"),
                build("query", &[part(vec![first(1000), types])]),
            );
        }
        let after_ty = self.typed(field, "after");
        let mut ops = Vec::new();
        for page in 0..3 {
            let after = ("after".to_owned(), after_ty.clone(), Value::Null);
            let (query, vars) = build("query", &[part(vec![first(2), after])]);
            ops.push(Op {
                label: format!("Query.changes(first: 2) page {}", page + 1),
                query,
                vars,
                cursor: (page > 0)
                    .then(|| ("v1".into(), "/data/changes/pageInfo/endCursor".into()))
                    .into_iter()
                    .collect(),
                mutation: false,
                sent: vec![],
            });
        }
        self.jobs.push(Job { ops });
    }

    fn duplicate_ops(&mut self, field: &Field) {
        self.check_args(field, &["recordType", "recordId", "minScore", "first"]);
        let sel = self.sel(field.ty.named(), LIGHT);
        let type_ty = self.typed(field, "recordType");
        for t in self.schema.get(type_ty.named()).enum_values.clone() {
            let node = if t == "DEFENDER" { "Defender" } else { "Organisation" };
            for (min, first) in [(0.0, 100), (0.5, 20), (0.9, 100), (0.3, 1)] {
                let args = vec![
                    ("recordType".into(), type_ty.clone(), json!(t)),
                    ("minScore".into(), self.typed(field, "minScore"), json!(min)),
                    ("first".into(), self.typed(field, "first"), json!(first)),
                ];
                self.push(
                    format!("Query.duplicateCandidates({t}, minScore: {min}, first: {first})"),
                    build(
                        "query",
                        &[Part {
                            alias: "duplicateCandidates".into(),
                            field: "duplicateCandidates".into(),
                            args,
                            selection: sel.clone(),
                        }],
                    ),
                );
            }
            // One record of each kind of sight: public, partners, shared, private, nonexistent.
            let pool: Vec<(String, String)> = self
                .lookup_pool(node)
                .into_iter()
                .filter(|(label, _)| {
                    label.starts_with("O.") || label.starts_with("E.") || label.starts_with("nonexistent")
                })
                .collect();
            for (label, id) in pool {
                let args = vec![
                    ("recordType".into(), type_ty.clone(), json!(t)),
                    ("recordId".into(), self.typed(field, "recordId"), json!(id)),
                    ("minScore".into(), self.typed(field, "minScore"), json!(0.0)),
                ];
                let (query, vars) = build(
                    "query",
                    &[Part {
                        alias: "duplicateCandidates".into(),
                        field: "duplicateCandidates".into(),
                        args,
                        selection: sel.clone(),
                    }],
                );
                self.jobs.push(Job {
                    ops: vec![Op {
                        label: format!("Query.duplicateCandidates({t}, recordId: {label})"),
                        query,
                        vars,
                        cursor: vec![],
                        mutation: false,
                        sent: vec![id],
                    }],
                });
            }
            let args = vec![
                ("recordType".into(), type_ty.clone(), json!(t)),
                ("recordId".into(), self.typed(field, "recordId"), json!("@@ID@@")),
                ("minScore".into(), self.typed(field, "minScore"), json!(0.0)),
            ];
            let part = Part {
                alias: "duplicateCandidates".into(),
                field: "duplicateCandidates".into(),
                args,
                selection: sel.clone(),
            };
            let (query, vars) = build("query", std::slice::from_ref(&part));
            self.families.push(Family {
                label: format!("Query.duplicateCandidates({t}, recordId)"),
                types: vec![leak_type(node)],
                query,
                vars,
                mutation: false,
                part: Some(part),
            });
        }
    }

    // ---------------------------------------------------------------
    // Mutations
    // ---------------------------------------------------------------

    fn mutation_field(&mut self, field: &Field, all: &BTreeMap<&'static str, Vec<templates::Template>>) {
        let Some(variants) = all.get(field.name.as_str()) else {
            for arg in &field.args {
                self.fail(format!("no generator for Mutation.{}({}: {})", field.name, arg.name, arg.ty));
            }
            if field.args.is_empty() {
                self.fail(format!("no generator for Mutation.{}", field.name));
            }
            return;
        };
        let payload = self.sel(field.ty.named(), 0);
        for template in variants {
            for arg in &field.args {
                self.reach_input(&arg.ty);
                if !template.args.contains_key(&arg.name) && arg.required() {
                    self.fail(format!(
                        "no generator for Mutation.{}({}: {}) in template {}",
                        field.name, arg.name, arg.ty, template.name
                    ));
                }
            }
            // Walk the template against the input types: marks the fields
            // used, finds the id slots, resolves the valid ids.
            let mut slots = Vec::new();
            let mut base = serde_json::Map::new();
            for (arg_name, value) in &template.args {
                let Some(arg) = field.arg(arg_name) else {
                    self.fail(format!(
                        "template {} gives Mutation.{}({arg_name}:), which the schema does not have",
                        template.name, field.name
                    ));
                    continue;
                };
                let resolved = self.walk(
                    &arg.ty,
                    value,
                    &format!("/{arg_name}"),
                    &mut slots,
                    &format!("Mutation.{}({arg_name}:)", field.name),
                );
                if let Some(resolved) = resolved {
                    base.insert(arg_name.clone(), resolved);
                }
            }
            let declarations: Vec<String> = field
                .args
                .iter()
                .filter(|a| base.contains_key(&a.name))
                .map(|a| format!("${}: {}", a.name, a.ty))
                .collect();
            let args: Vec<String> = field
                .args
                .iter()
                .filter(|a| base.contains_key(&a.name))
                .map(|a| format!("{0}: ${0}", a.name))
                .collect();
            let query = format!(
                "mutation {} {{ {}{} {{ {payload} }} }}",
                if declarations.is_empty() { String::new() } else { format!("({})", declarations.join(", ")) },
                field.name,
                if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) }
            );
            let base = Value::Object(base);
            if slots.is_empty() {
                // No id to vary: the template itself is the operation, and must fail (or be a dry run).
                self.jobs.push(Job {
                    ops: vec![Op {
                        label: format!("Mutation.{} [{}]", field.name, template.name),
                        query,
                        vars: base,
                        cursor: vec![],
                        mutation: true,
                        sent: vec![],
                    }],
                });
                continue;
            }
            for (pointer, types) in slots {
                let mut vars = base.clone();
                let Some(slot) = vars.pointer_mut(&pointer) else {
                    self.fail(format!(
                        "template {} of Mutation.{}: no valid value at {pointer}",
                        template.name, field.name
                    ));
                    continue;
                };
                *slot = json!("@@ID@@");
                let family = Family {
                    label: format!("Mutation.{} [{}] {pointer}", field.name, template.name),
                    types: types.clone(),
                    query: query.clone(),
                    vars,
                    mutation: true,
                    part: None,
                };
                // In the recorded set: a nonexistent id of each type (the
                // hidden ids are compared with it in phase C).
                for ty in &types {
                    let ids = vec![nonexistent(ty)];
                    for id in ids {
                        let op = family.instance(&id);
                        self.jobs.push(Job { ops: vec![op] });
                    }
                }
                self.families.push(family);
            }
        }
        // The dry-run imports and their id slots.
        if field.name == "importRecords" {
            for (label, data, format, record_type, slot) in templates::imports() {
                let mut input =
                    json!({ "format": format, "data": data, "fileName": format!("{label}.txt"), "dryRun": true });
                if let Some(record_type) = record_type {
                    input["recordType"] = json!(record_type);
                }
                let (query, vars) = (
                    format!(
                        "mutation ($input: {}) {{ importRecords(input: $input) {{ {payload} }} }}",
                        field.arg("input").unwrap().ty
                    ),
                    json!({ "input": input }),
                );
                match slot {
                    None => self.jobs.push(Job {
                        ops: vec![Op {
                            label: format!("Mutation.importRecords dry run [{label}]"),
                            query,
                            vars: self.resolve_text(vars),
                            cursor: vec![],
                            mutation: true,
                            sent: vec![],
                        }],
                    }),
                    Some(ty) => {
                        let family = Family {
                            label: format!("Mutation.importRecords dry run [{label}]"),
                            types: vec![ty],
                            query,
                            vars: self.resolve_text(vars),
                            mutation: true,
                            part: None,
                        };
                        let ids = vec![nonexistent(ty)];
                        for id in ids {
                            self.jobs.push(Job { ops: vec![family.instance(&id)] });
                        }
                        self.families.push(family);
                    }
                }
            }
        }
    }

    /// Replaces `@<Target>` markers inside import files by the valid ids.
    fn resolve_text(&self, vars: Value) -> Value {
        let mut text = serde_json::to_string(&vars).unwrap();
        for (name, id) in &self.world.targets.ids {
            text = text.replace(&format!("@{name}@"), id);
        }
        serde_json::from_str(&text).unwrap()
    }

    /// Resolves a template value against its input type.
    fn walk(
        &self,
        ty: &TypeRef,
        value: &Value,
        pointer: &str,
        slots: &mut Vec<(String, Vec<&'static str>)>,
        owner: &str,
    ) -> Option<Value> {
        let named = ty.named();
        if let Value::Array(items) = value {
            if !ty.is_list() {
                self.fail(format!("template gives a list for {owner}, of type {ty}"));
                return None;
            }
            let inner = list_item(ty);
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(v) = self.walk(&inner, item, &format!("{pointer}/{i}"), slots, owner) {
                    out.push(v);
                }
            }
            return Some(Value::Array(out));
        }
        if let Value::String(text) = value
            && let Some(marker) = text.strip_prefix('@')
        {
            // A statement's value is text that, for a link, is a record's id.
            if named != "ID" && owner != "AddStatementInput.value" {
                self.fail(format!("template marks {owner} as an id, but it is {ty}"));
            }
            let (optional, marker) = match marker.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, marker),
            };
            let (kind, _role) = marker.split_once(':').unwrap_or((marker, ""));
            let types: Vec<&'static str> = match kind {
                "Any" => RECORD_TYPES.to_vec(),
                other => vec![leak_type(other)],
            };
            slots.push((pointer.to_owned(), types));
            if optional {
                return Some(json!("@@OPTIONAL@@"));
            }
            return match self.world.targets.ids.get(marker) {
                Some(id) => Some(json!(id)),
                None if kind == "ApiKey" || kind == "Webhook" || kind == "Statement" => Some(json!(nonexistent(kind))),
                None => {
                    self.fail(format!("template names {marker} for {owner}, which the setup does not provide"));
                    None
                }
            };
        }
        if let Value::String(text) = value
            && let Some(marker) = text.strip_prefix('#')
        {
            return match self.world.targets.versions.get(marker) {
                Some(v) => Some(json!(v)),
                None => {
                    self.fail(format!("template names version {marker} for {owner}, which the setup does not provide"));
                    None
                }
            };
        }
        if named == "ID" && !value.is_null() {
            self.fail(format!("template gives {owner} ({ty}) a literal id: mark it as a slot"));
        }
        match (self.schema.kind(named), value) {
            (Kind::InputObject, Value::Object(map)) => {
                let t = self.schema.get(named).clone();
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let Some(f) = t.input_fields.iter().find(|f| &f.name == k) else {
                        self.fail(format!("template gives {named}.{k}, which the schema does not have"));
                        continue;
                    };
                    self.mark_used(named, k);
                    if let Some(v) = self.walk(&f.ty, v, &format!("{pointer}/{k}"), slots, &format!("{named}.{k}")) {
                        if v != json!("@@OPTIONAL@@") {
                            out.insert(k.clone(), v);
                        } else {
                            // Left out of the base; the slot variant puts it back.
                            out.insert(k.clone(), Value::Null);
                        }
                    }
                }
                for f in &t.input_fields {
                    if f.required() && !map.contains_key(&f.name) {
                        self.fail(format!("template leaves out required {named}.{}", f.name));
                    }
                }
                Some(Value::Object(out))
            }
            (Kind::InputObject, _) => {
                self.fail(format!("template gives {owner} a non-object for {ty}"));
                None
            }
            _ => Some(value.clone()),
        }
    }
}

/// Whether a lookup of this record gets the deep selection: the records the
/// organisations of the test contributed (links from and to hidden records
/// are theirs), and the sample records they link to.
fn deep_record(label: &str) -> bool {
    let ours = ["O.", "E.", "H."].iter().any(|p| label.starts_with(p))
        && !label.contains(".event")
        && !label.contains(".affiliation");
    ours || [
        "sample.Máxima Acuña",
        "sample.Florida bill restricting the right to protest",
        "sample.Amnesty International",
    ]
    .contains(&label)
}

fn list_item(ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::NonNull(inner) => list_item(inner),
        TypeRef::List(inner) => (**inner).clone(),
        TypeRef::Named(_) => ty.clone(),
    }
}

/// The type names as `'static` strings (the model's and the templates').
pub fn leak_type(ty: &str) -> &'static str {
    for t in [
        "Defender",
        "Restriction",
        "Campaign",
        "Organisation",
        "Source",
        "CountryRating",
        "CaseEvent",
        "Affiliation",
        "Indicator",
        "Country",
        "Subdivision",
        "ApiKey",
        "Webhook",
        "Statement",
    ] {
        if t == ty {
            return t;
        }
    }
    panic!("unknown id type {ty}")
}

pub fn base64_id(ty: &str, key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{key}"))
}

/// A JSON value as a GraphQL literal of the input type (enums unquoted).
fn graphql_literal(value: &Value, schema: &Schema, ty: &str) -> String {
    match value {
        Value::Object(map) => {
            let t = schema.get(ty);
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let ft = t
                        .input_fields
                        .iter()
                        .find(|f| &f.name == k)
                        .map(|f| f.ty.named().to_owned())
                        .unwrap_or_default();
                    format!("{k}: {}", graphql_literal(v, schema, &ft))
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(|v| graphql_literal(v, schema, ty)).collect::<Vec<_>>().join(", "))
        }
        Value::String(s) if !ty.is_empty() && schema.types.get(ty).is_some_and(|t| t.kind == Kind::Enum) => s.clone(),
        other => other.to_string(),
    }
}
