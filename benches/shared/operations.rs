//! The operations of the service benchmark, shared with the statement-count
//! test (`tests/integration/statement_count.rs`), which runs them on synthetic data.

use serde_json::{Value, json};

/// One operation of the benchmark: a query and how to vary its variables.
pub struct Operation {
    pub name: &'static str,
    pub query: &'static str,
    /// Variables for the i-th request, given ids of public defenders.
    pub variables: fn(u64, &[String]) -> Value,
}

const COUNTRIES: &[&str] = &["CO", "BR", "MX", "PH", "IN", "US"];
const SEARCHES: &[&str] = &["okafor", "quispe maria", "public order", "kovalenko"];

/// The operations, in the benchmark's order. Page sizes are
/// variables (`$first`, with the benchmark's values as defaults) so that
/// the statement-count test can vary them.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation {
            name: "1 defenders by country, with restrictions and campaigns",
            query: "query ByCountry($code: String!, $first: Int = 100) { country(code: $code) { name defenders(first: $first) { nodes { id name \
                    restrictions(first: 5) { nodes { title status } } campaigns(first: 5) { nodes { title status } } } } } }",
            variables: |i, _| json!({ "code": COUNTRIES[i as usize % COUNTRIES.len()] }),
        },
        Operation {
            name: "2 filtered, paginated defender list with country and latest case event",
            query: "query List($codes: [String!], $first: Int = 50) { defenders(first: $first, filter: { countryCodes: $codes, statuses: [DETAINED, \
                    IMPRISONED, THREATENED, AT_RISK] }, orderBy: { field: NAME }) { totalCount pageInfo { endCursor hasNextPage } \
                    nodes { id name status country { name } events(last: 1) { nodes { kind occurredOn } } } } }",
            variables: |i, _| json!({ "codes": [COUNTRIES[i as usize % COUNTRIES.len()], "PE"] }),
        },
        Operation {
            name: "3 deep path: campaign, defenders, events, restriction, country",
            query: "query Deep($first: Int = 10) { campaigns(first: $first) { nodes { title defenders(first: $first) { nodes { name events(first: 5) \
                    { nodes { kind restriction { title country { name } } } } } } } } }",
            variables: |_, _| json!({}),
        },
        Operation {
            name: "4 node lookup by id",
            query: "query Node($id: ID!) { node(id: $id) { id ... on Defender { name status country { code } } } }",
            variables: |i, ids| json!({ "id": ids[i as usize % ids.len()] }),
        },
        Operation {
            name: "5a search",
            query: "query Search($q: String!, $first: Int = 20) { search(query: $q, first: $first) { totalCount nodes { ... on Defender { id name } \
                    ... on Restriction { id title } } } }",
            variables: |i, _| json!({ "q": SEARCHES[i as usize % SEARCHES.len()] }),
        },
        Operation {
            name: "5b statistics",
            query: "query Stats { statistics { defenders { total byCountry { key count } byStatus { key count } } \
                    restrictions { total byStatus { key count } } } }",
            variables: |_, _| json!({}),
        },
        Operation {
            name: "6 defender with its case: events, affiliations, sources",
            query: CASE,
            variables: |i, ids| json!({ "id": ids[i as usize % ids.len()] }),
        },
        Operation {
            name: "7 the same, as of a past moment (asOf)",
            query: CASE,
            variables: |i, ids| {
                let at = chrono::Utc::now() - chrono::Duration::seconds(1);
                json!({ "id": ids[i as usize % ids.len()], "at": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true) })
            },
        },
    ]
}

/// A defender with its case, now or (`$at`) as of a past moment.
const CASE: &str = "query Case($id: ID!, $at: DateTime, $first: Int = 20) { defender(id: $id, asOf: $at) { name status version \
    events(first: $first) { totalCount nodes { kind occurredOn description restriction { title } } } \
    affiliations(first: $first) { nodes { role organisation { name } } } sources(first: $first) { nodes { title } } } }";
