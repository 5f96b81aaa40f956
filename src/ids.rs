//! Opaque global ids, as Relay and GitHub use them: the type name and the
//! record's key, base64url-encoded. Clients must treat them as opaque; the
//! server checks both parts when it decodes one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The kinds of node a global id can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    Country,
    Subdivision,
    Organisation,
    Defender,
    CaseEvent,
    Restriction,
    Campaign,
    Source,
    Indicator,
    Affiliation,
    CountryRating,
    Statement,
}

impl NodeType {
    const ALL: [NodeType; 12] = [
        NodeType::Country,
        NodeType::Subdivision,
        NodeType::Organisation,
        NodeType::Defender,
        NodeType::CaseEvent,
        NodeType::Restriction,
        NodeType::Campaign,
        NodeType::Source,
        NodeType::Indicator,
        NodeType::Affiliation,
        NodeType::CountryRating,
        NodeType::Statement,
    ];

    /// The GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Country => "Country",
            NodeType::Subdivision => "Subdivision",
            NodeType::Organisation => "Organisation",
            NodeType::Defender => "Defender",
            NodeType::CaseEvent => "CaseEvent",
            NodeType::Restriction => "Restriction",
            NodeType::Campaign => "Campaign",
            NodeType::Source => "Source",
            NodeType::Indicator => "Indicator",
            NodeType::Affiliation => "Affiliation",
            NodeType::CountryRating => "CountryRating",
            NodeType::Statement => "Statement",
        }
    }

    /// Whether records of this type are keyed by ISO code rather than UUID.
    fn keyed_by_code(self) -> bool {
        matches!(self, NodeType::Country | NodeType::Subdivision)
    }
}

/// A decoded global id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GlobalId {
    Uuid(NodeType, Uuid),
    Code(NodeType, String),
}

impl GlobalId {
    /// The global id of a record keyed by UUID.
    pub fn encode_uuid(node_type: NodeType, id: Uuid) -> async_graphql::ID {
        encode(node_type, &id.to_string())
    }

    /// The global id of a record keyed by ISO code.
    pub fn encode_code(node_type: NodeType, code: &str) -> async_graphql::ID {
        encode(node_type, code)
    }

    /// Decodes a global id given for `argument`.
    pub fn decode(argument: &str, id: &str) -> AppResult<GlobalId> {
        let refuse = || {
            AppError::bad_input(
                argument,
                format!("\"{id}\" is not a valid id: use the id field of a record returned by this API"),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).map_err(|_| refuse())?;
        let text = String::from_utf8(bytes).map_err(|_| refuse())?;
        let (name, key) = text.split_once(':').ok_or_else(refuse)?;
        let node_type = NodeType::ALL.into_iter().find(|t| t.name() == name).ok_or_else(refuse)?;
        if node_type.keyed_by_code() {
            let valid = !key.is_empty()
                && key.len() <= 10
                && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
            return if valid { Ok(GlobalId::Code(node_type, key.to_owned())) } else { Err(refuse()) };
        }
        let uuid = Uuid::parse_str(key).map_err(|_| refuse())?;
        Ok(GlobalId::Uuid(node_type, uuid))
    }

    /// Decodes a global id that must name a record of `expected` type.
    pub fn decode_uuid_of(argument: &str, id: &str, expected: NodeType) -> AppResult<Uuid> {
        match GlobalId::decode(argument, id)? {
            GlobalId::Uuid(node_type, uuid) if node_type == expected => Ok(uuid),
            other => Err(AppError::bad_input(
                argument,
                format!("\"{id}\" is the id of a {}, not of a {}", other.node_type().name(), expected.name()),
            )),
        }
    }

    /// The type the id names.
    pub fn node_type(&self) -> NodeType {
        match self {
            GlobalId::Uuid(node_type, _) | GlobalId::Code(node_type, _) => *node_type,
        }
    }
}

fn encode(node_type: NodeType, key: &str) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", node_type.name())))
}

/// The record, or NOT_FOUND naming the id that was asked for.
pub fn found<M>(record: Option<M>, node_type: NodeType, id: Uuid) -> async_graphql::Result<M> {
    record.ok_or_else(|| {
        AppError::NotFound(format!("No {} has the id {}", node_type.name(), GlobalId::encode_uuid(node_type, id).0))
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let uuid = Uuid::now_v7();
        let id = GlobalId::encode_uuid(NodeType::Defender, uuid);
        assert_eq!(GlobalId::decode("id", &id).unwrap(), GlobalId::Uuid(NodeType::Defender, uuid));
        let id = GlobalId::encode_code(NodeType::Subdivision, "US-ND");
        assert_eq!(GlobalId::decode("id", &id).unwrap(), GlobalId::Code(NodeType::Subdivision, "US-ND".into()));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for id in ["", "not base64!", "RGVmZW5kZXI", "Zm9vOmJhcg", &URL_SAFE_NO_PAD.encode("Defender:not-a-uuid")] {
            assert!(GlobalId::decode("id", id).is_err(), "{id}");
        }
    }

    #[test]
    fn ids_of_another_type_are_refused_where_a_type_is_expected() {
        let id = GlobalId::encode_uuid(NodeType::Campaign, Uuid::now_v7());
        assert!(GlobalId::decode_uuid_of("id", &id, NodeType::Defender).is_err());
    }
}
