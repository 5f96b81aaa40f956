//! The record kinds a query reads, found from its document and the schema's
//! types, so that a kept answer is dropped only when a record of one of those
//! kinds changes.
//!
//! Every field a query selects is entered with the type of its value; the
//! query reads the kinds of all the types it enters ([`kinds_of_type`]). A
//! type's kinds must cover everything its fields read apart from the values
//! of other object types (those are entered in their turn): `Defender` reads
//! defenders, `DefenderConnection` reads defenders (its `totalCount` counts
//! them), `Country` reads nothing (reference data that no request writes).
//! A link between two records is reached from one to the other, so both
//! kinds are read, whichever record's history the link is written in.
//!
//! A type not classified here reads every kind, so that a type added to the
//! schema and forgotten here can only make the cache drop answers sooner; a
//! unit test names every type a query can reach that is not classified.

use std::ops::BitOr;

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet};

use crate::graphql::runtime::limits::SchemaShape;
use crate::service::audit::Audited;

/// A set of record kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u8);

impl Kinds {
    pub const NONE: Kinds = Kinds(0);
    pub const ALL: Kinds = Kinds((1 << Audited::ALL.len()) - 1);

    pub const fn of(kind: Audited) -> Kinds {
        Kinds(1 << kind as u8)
    }

    pub fn contains(self, kind: Audited) -> bool {
        self.0 & Kinds::of(kind).0 != 0
    }

    /// The kinds in the set, in [`Audited::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Audited> {
        Audited::ALL.into_iter().filter(move |kind| self.contains(*kind))
    }
}

impl BitOr for Kinds {
    type Output = Kinds;

    fn bitor(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }
}

const DEFENDER: Kinds = Kinds::of(Audited::Defender);
const RESTRICTION: Kinds = Kinds::of(Audited::Restriction);
const CAMPAIGN: Kinds = Kinds::of(Audited::Campaign);
const ORGANISATION: Kinds = Kinds::of(Audited::Organisation);
const SOURCE: Kinds = Kinds::of(Audited::Source);
const RATING: Kinds = Kinds::of(Audited::CountryRating);

/// Output types and the kinds their fields read, apart from the values of
/// other object types.
const CLASSIFIED: &[(&[&str], Kinds)] = &[
    (
        &[
            "Defender",
            "DefenderConnection",
            "DefenderEdge",
            "DefenderStatistics",
            "OtherName",
            "CaseEvent",
            "CaseEventConnection",
            "CaseEventEdge",
            "Sentence",
        ],
        DEFENDER,
    ),
    // An affiliation belongs to its defender and names an organisation; a
    // merge of organisations moves affiliations, so their counts read both.
    (&["Affiliation", "AffiliationConnection", "AffiliationEdge"], Kinds(DEFENDER.0 | ORGANISATION.0)),
    (
        &[
            "Restriction",
            "RestrictionConnection",
            "RestrictionEdge",
            "RestrictionStatistics",
            "StatusChange",
            "StatusChangeConnection",
            "StatusChangeEdge",
        ],
        RESTRICTION,
    ),
    (&["Campaign", "CampaignConnection", "CampaignEdge", "CampaignStatistics"], CAMPAIGN),
    // What followed campaigns: campaigns, the defenders and restrictions
    // they were about, and those they were not.
    (&["Outcomes", "OutcomeGroup", "OutcomeFigure"], Kinds(DEFENDER.0 | RESTRICTION.0 | CAMPAIGN.0)),
    // A statement belongs to a defender, restriction or campaign, and names
    // the organisation that made it and the source it cites.
    (&["Statement"], Kinds(DEFENDER.0 | RESTRICTION.0 | CAMPAIGN.0 | ORGANISATION.0 | SOURCE.0)),
    (&["Organisation", "OrganisationConnection", "OrganisationEdge"], ORGANISATION),
    (&["Source", "SourceConnection", "SourceEdge"], SOURCE),
    (&["CountryRating", "CountryRatingConnection", "CountryRatingEdge", "RatingStatistics", "RatingChanges"], RATING),
    // Reference data no request writes (countries, subdivisions, the
    // indicators loaded with them), and parts only ever reached through a
    // field of a type that reads its records: a page's `pageInfo`, a
    // statistic's buckets, a record's own audit log.
    (
        &[
            "Query",
            "Statistics",
            "Country",
            "CountryConnection",
            "CountryEdge",
            "Subdivision",
            "SubdivisionConnection",
            "SubdivisionEdge",
            "Indicator",
            "IndicatorConnection",
            "IndicatorEdge",
            "PageInfo",
            "Bucket",
            "AuditEntry",
            "AuditEntryConnection",
            "AuditEntryEdge",
            "FieldChange",
        ],
        Kinds::NONE,
    ),
    // Values of any kind: a node by id, search results (counted and ranked
    // across kinds), live counts over records; and the types of root fields
    // that are never cached.
    (
        &[
            "Node",
            "SearchResult",
            "SearchConnection",
            "SearchEdge",
            "MatchCandidate",
            "MatchFeature",
            "LiveCount",
            "Viewer",
            "ApiKey",
            "Webhook",
            "WebhookDelivery",
            "RateLimit",
            "Change",
            "ChangeConnection",
            "ChangeEdge",
            "ExportPage",
            "DuplicateCandidate",
        ],
        Kinds::ALL,
    ),
];

/// The kinds the fields of an output type read; every kind when the type is
/// not classified.
pub fn kinds_of_type(name: &str) -> Kinds {
    classified(name).unwrap_or(Kinds::ALL)
}

fn classified(name: &str) -> Option<Kinds> {
    CLASSIFIED.iter().find(|(types, _)| types.contains(&name)).map(|(_, kinds)| *kinds)
}

/// The record kinds `operation` reads. Run on a validated document: a field
/// the schema does not have, or fragments nested too deep, read everything.
pub fn reads(shape: &SchemaShape, document: &ExecutableDocument, operation: &OperationDefinition) -> Kinds {
    let mut walk = Walk { shape, document, kinds: Kinds::NONE };
    walk.selections(&operation.selection_set.node, "Query", 0);
    walk.kinds
}

/// Far beyond any query the depth limit admits.
const MAX_DEPTH: usize = 256;

struct Walk<'a> {
    shape: &'a SchemaShape,
    document: &'a ExecutableDocument,
    kinds: Kinds,
}

impl Walk<'_> {
    fn selections(&mut self, selections: &SelectionSet, parent: &str, depth: usize) {
        if depth > MAX_DEPTH {
            self.kinds = Kinds::ALL;
        }
        if self.kinds == Kinds::ALL {
            return;
        }
        for selection in &selections.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    // A leaf (a scalar or enum value, `__typename`) reads
                    // what its parent type reads.
                    if field.selection_set.node.items.is_empty() {
                        continue;
                    }
                    let Some(ty) = self.shape.type_of(parent, field.name.node.as_str()) else {
                        self.kinds = Kinds::ALL;
                        return;
                    };
                    self.enter(ty, &field.selection_set.node, depth);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let ty =
                        fragment.type_condition.as_ref().map_or(parent, |condition| condition.node.on.node.as_str());
                    self.enter(ty, &fragment.selection_set.node, depth);
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.document.fragments.get(&spread.node.fragment_name.node) else {
                        self.kinds = Kinds::ALL;
                        return;
                    };
                    let fragment = &fragment.node;
                    self.enter(fragment.type_condition.node.on.node.as_str(), &fragment.selection_set.node, depth);
                }
            }
        }
    }

    fn enter(&mut self, ty: &str, selections: &SelectionSet, depth: usize) {
        self.kinds = self.kinds | kinds_of_type(ty);
        self.selections(selections, ty, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use async_graphql::parser::types::DocumentOperations;

    use super::*;

    fn shape() -> SchemaShape {
        SchemaShape::from_sdl(&crate::graphql::sdl())
    }

    fn reads_of(shape: &SchemaShape, query: &str) -> Kinds {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let DocumentOperations::Single(operation) = &document.operations else { panic!("one operation") };
        reads(shape, &document, &operation.node)
    }

    #[test]
    fn a_query_reads_the_kinds_of_the_types_it_enters() {
        let shape = shape();
        let cases: &[(&str, Kinds)] = &[
            ("{ countries { nodes { name code } } }", Kinds::NONE),
            ("{ __typename }", Kinds::NONE),
            ("{ defenders { totalCount } }", DEFENDER),
            ("{ country(code: \"CO\") { restrictions { nodes { title } } } }", RESTRICTION),
            ("{ restrictions { nodes { defenders { totalCount } } } }", RESTRICTION | DEFENDER),
            ("{ statistics { campaigns { total byStatus { key count } } } }", CAMPAIGN),
            ("{ defender(id: \"x\") { affiliations { totalCount } } }", DEFENDER | ORGANISATION),
            (
                "{ restriction(id: \"x\") { sources { nodes { title } } auditLog { totalCount } } }",
                RESTRICTION | SOURCE,
            ),
            (
                "{ ...F } fragment F on Query { campaigns { nodes { leadOrganisation { name } } } }",
                CAMPAIGN | ORGANISATION,
            ),
            ("{ node(id: \"x\") { id } }", Kinds::ALL),
            ("{ search(query: \"x\") { totalCount } }", Kinds::ALL),
            ("{ indicators { nodes { value liveCount { count } } } }", Kinds::ALL),
            ("{ countries { nodes { unknownField { x } } } }", Kinds::ALL),
            ("{ ...Missing }", Kinds::ALL),
        ];
        for (query, expected) in cases {
            assert_eq!(reads_of(&shape, query), *expected, "{query}");
        }
    }

    /// Every object and interface type a query can reach is classified on
    /// purpose (an unclassified one would read everything, safely but
    /// needlessly).
    #[test]
    fn every_type_a_query_reaches_is_classified() {
        let shape = shape();
        let types: std::collections::HashMap<&str, Vec<&str>> =
            shape.types().map(|(name, fields)| (name, fields.collect())).collect();
        let mut reached = BTreeSet::new();
        let mut next = vec!["Query"];
        while let Some(name) = next.pop() {
            if !reached.insert(name) {
                continue;
            }
            next.extend(types.get(name).into_iter().flatten().filter(|ty| types.contains_key(*ty)));
        }
        assert!(reached.len() > 40, "{reached:?}");
        let missing: Vec<&str> = reached.iter().copied().filter(|name| classified(name).is_none()).collect();
        assert!(missing.is_empty(), "classify these types in response_cache::reads::CLASSIFIED: {missing:?}");
        for (types, _) in CLASSIFIED {
            for name in *types {
                let listed = CLASSIFIED.iter().filter(|(types, _)| types.contains(name)).count();
                assert_eq!(listed, 1, "{name} is classified {listed} times");
            }
        }
    }

    #[test]
    fn kinds_are_sets() {
        assert_eq!(Kinds::ALL.iter().collect::<Vec<_>>(), Audited::ALL.to_vec());
        assert_eq!((DEFENDER | SOURCE).iter().collect::<Vec<_>>(), vec![Audited::Defender, Audited::Source]);
        for (index, kind) in Audited::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), index);
        }
    }
}
