//! The schema as the running server describes it by introspection: the type
//! graph the operation generator walks. Nothing here is written by hand from
//! `schema.graphql`, so a field added to the server reaches the generator
//! (and its coverage check) without anyone touching this test.

use std::collections::BTreeMap;

use serde_json::Value;

/// The introspection query: every type with its fields, arguments, input
/// fields, enum values and possible types, and type references seven
/// wrappers deep (enough for `[[X!]!]!`).
pub const INTROSPECTION: &str = r#"
query Introspection {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      kind name
      fields(includeDeprecated: true) { name args { name defaultValue type { ...Ref } } type { ...Ref } }
      inputFields { name defaultValue type { ...Ref } }
      enumValues(includeDeprecated: true) { name }
      possibleTypes { name }
      interfaces { name }
    }
  }
}
fragment Ref on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
}"#;

/// A reference to a type, with its list and non-null wrappers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    fn parse(value: &Value) -> TypeRef {
        match value["kind"].as_str() {
            Some("NON_NULL") => TypeRef::NonNull(Box::new(TypeRef::parse(&value["ofType"]))),
            Some("LIST") => TypeRef::List(Box::new(TypeRef::parse(&value["ofType"]))),
            _ => TypeRef::Named(value["name"].as_str().expect("a named type").to_owned()),
        }
    }

    /// The type under the wrappers.
    pub fn named(&self) -> &str {
        match self {
            TypeRef::Named(name) => name,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => inner.named(),
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    /// Whether a list wraps the named type (at any level).
    pub fn is_list(&self) -> bool {
        match self {
            TypeRef::Named(_) => false,
            TypeRef::List(_) => true,
            TypeRef::NonNull(inner) => inner.is_list(),
        }
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Named(name) => write!(f, "{name}"),
            TypeRef::List(inner) => write!(f, "[{inner}]"),
            TypeRef::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

/// An argument or an input object's field.
#[derive(Clone, Debug)]
pub struct InputValue {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<String>,
}

impl InputValue {
    /// Whether a value must be given: non-null without a default.
    pub fn required(&self) -> bool {
        self.ty.is_non_null() && self.default.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub args: Vec<InputValue>,
    pub ty: TypeRef,
}

impl Field {
    pub fn arg(&self, name: &str) -> Option<&InputValue> {
        self.args.iter().find(|arg| arg.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
}

#[derive(Clone, Debug)]
pub struct Type {
    pub kind: Kind,
    pub name: String,
    pub fields: Vec<Field>,
    pub input_fields: Vec<InputValue>,
    pub enum_values: Vec<String>,
    pub possible_types: Vec<String>,
    pub interfaces: Vec<String>,
}

impl Type {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }
}

pub struct Schema {
    pub types: BTreeMap<String, Type>,
    pub query: String,
    pub mutation: String,
}

impl Schema {
    /// Reads the `data` of the introspection query.
    pub fn parse(data: &Value) -> Schema {
        let schema = &data["__schema"];
        let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
        let inputs = |value: &Value| -> Vec<InputValue> {
            list(value)
                .iter()
                .map(|input| InputValue {
                    name: input["name"].as_str().expect("name").to_owned(),
                    ty: TypeRef::parse(&input["type"]),
                    default: input["defaultValue"].as_str().map(str::to_owned),
                })
                .collect()
        };
        let names = |value: &Value| -> Vec<String> {
            list(value).iter().map(|item| item["name"].as_str().expect("name").to_owned()).collect()
        };
        let mut types = BTreeMap::new();
        for ty in list(&schema["types"]) {
            let name = ty["name"].as_str().expect("type name").to_owned();
            let kind = match ty["kind"].as_str().expect("kind") {
                "SCALAR" => Kind::Scalar,
                "OBJECT" => Kind::Object,
                "INTERFACE" => Kind::Interface,
                "UNION" => Kind::Union,
                "ENUM" => Kind::Enum,
                "INPUT_OBJECT" => Kind::InputObject,
                other => panic!("unknown kind of type {other}"),
            };
            let fields = list(&ty["fields"])
                .iter()
                .map(|field| Field {
                    name: field["name"].as_str().expect("field name").to_owned(),
                    args: inputs(&field["args"]),
                    ty: TypeRef::parse(&field["type"]),
                })
                .collect();
            types.insert(
                name.clone(),
                Type {
                    kind,
                    name,
                    fields,
                    input_fields: inputs(&ty["inputFields"]),
                    enum_values: names(&ty["enumValues"]),
                    possible_types: names(&ty["possibleTypes"]),
                    interfaces: names(&ty["interfaces"]),
                },
            );
        }
        Schema {
            types,
            query: schema["queryType"]["name"].as_str().expect("query type").to_owned(),
            mutation: schema["mutationType"]["name"].as_str().expect("mutation type").to_owned(),
        }
    }

    pub fn get(&self, name: &str) -> &Type {
        self.types.get(name).unwrap_or_else(|| panic!("the schema has no type {name}"))
    }

    pub fn kind(&self, name: &str) -> Kind {
        self.get(name).kind
    }

    pub fn query_type(&self) -> &Type {
        self.get(&self.query)
    }

    pub fn mutation_type(&self) -> &Type {
        self.get(&self.mutation)
    }

    /// Whether the type is a Relay connection: `edges`, `nodes`, `pageInfo`.
    pub fn is_connection(&self, name: &str) -> bool {
        let ty = self.get(name);
        ty.kind == Kind::Object && ty.field("edges").is_some() && ty.field("pageInfo").is_some()
    }

    /// Whether values of the type are records with a global id (a `Node`,
    /// or an interface or union of them).
    pub fn is_record(&self, name: &str) -> bool {
        let ty = self.get(name);
        match ty.kind {
            Kind::Object => ty.interfaces.iter().any(|i| i == "Node"),
            Kind::Interface | Kind::Union => ty.possible_types.iter().all(|t| self.is_record(t)),
            _ => false,
        }
    }

    /// Whether the named type is a scalar or an enum.
    pub fn is_leaf(&self, name: &str) -> bool {
        matches!(self.kind(name), Kind::Scalar | Kind::Enum)
    }
}
