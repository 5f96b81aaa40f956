// Example queries that GraphiQL opens with and the overview page charts.
// Each works on the sample dataset without an API key.
window.RIGHTS_GRAPH_EXAMPLES = [
  {
    title: "Defenders by country, with their restrictions",
    query: `# Defenders who work in the United States, with the laws and bills that
# concern them. Press the run button (or Ctrl-Enter).
#
# To act for your organisation, open "Headers" below and enter
#   {"Authorization": "Bearer <your API key>"}
query DefendersByCountry {
  country(code: "US") {
    name
    defenders(first: 20) {
      totalCount
      nodes {
        name
        status
        restrictions(first: 10) {
          nodes { title reference status subdivision { name } }
        }
      }
    }
  }
}
`,
  },
  {
    title: "Imprisoned defenders",
    query: `# Defenders whose status is IMPRISONED, with their case events.
query ImprisonedDefenders {
  defenders(filter: { statuses: [IMPRISONED] }, first: 20) {
    totalCount
    nodes {
      name
      country { name }
      events(first: 10) { nodes { kind occurredOn description } }
    }
  }
}
`,
  },
  {
    title: "Restrictions by U.S. state",
    query: `# Laws and bills curbing protest, per U.S. state, and the list behind the counts.
query RestrictionsByUsState {
  statistics {
    restrictions(filter: { countryCodes: ["US"] }) {
      total
      bySubdivision { key label count }
      byStatus { label count }
    }
  }
  restrictions(filter: { countryCodes: ["US"] }, first: 20) {
    nodes { title reference status subdivision { code name } }
  }
}
`,
  },
  {
    title: "Search",
    query: `# Search ignores case, accents and punctuation, and matches the start of words.
query Search {
  search(query: "maxima acuna", first: 10) {
    totalCount
    edges {
      matchedField
      score
      node {
        __typename
        ... on Defender { name country { name } }
        ... on Restriction { title reference }
        ... on Campaign { title status }
        ... on Organisation { name }
      }
    }
  }
}
`,
  },
  {
    title: "Follow changes as they happen",
    query: `# Changes to the records you may see, as they commit: a subscription,
# over WebSocket. Run it, then change a record (in another tab, or with
# another tool): each change appears here. A record that leaves your
# sight arrives as WITHDRAWN, with its id only: delete your copy.
# With {"Authorization": "Bearer <your API key>"} in "Headers", you follow
# what your organisation may see. Pass a change's cursor as "after" to
# resume after it.
subscription FollowChanges {
  changes {
    sequence
    operation
    recordType
    recordId
    cursor
    node {
      ... on Defender { name status country { name } }
      ... on Restriction { title status }
      ... on Campaign { title status }
    }
  }
}
`,
  },
  {
    title: "Names in other languages, and who said what",
    query: `# Names, titles, summaries and occupations take a language (a BCP 47 tag
# such as es, ar, zh-Hans or ug); without one, your browser's Accept-Language
# decides. nameLanguage says which language was given (null: not recorded).
# statements lists every organisation's value, its source and when it was seen.
query NamesInOtherLanguages {
  defenders(first: 5) {
    nodes {
      name
      nameInSpanish: name(language: "es")
      nameLanguage(language: "es")
      statements(property: "name") {
        value
        language
        organisation { name }
        firstSeen
        lastSeen
      }
    }
  }
}
`,
  },
];
