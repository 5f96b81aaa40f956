//! CSV files: one file per kind of record, one row per record, with the
//! columns below. Lists are separated by `|`; parts of a list entry by `;`; a
//! `\` before `|`, `;` or `\` makes it part of the value. A column left out
//! of the header leaves that field as stored; an empty cell clears it.

use serde_json::{Map, Value, json};

use super::rows::{RecordKind, Row};

/// How a column's cells are read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// One value; empty is null.
    Text,
    /// Values separated by `|`.
    List,
    /// `name` (an alias) or `KIND:name`, separated by `|`.
    OtherNames,
    /// `organisation;role;started_on;ended_on`, separated by `|`.
    Affiliations,
    /// `restriction;RELATION;note`, separated by `|`.
    Links,
}

/// A column: its CSV name, its field in the JSON shape, how it is read, and
/// whether a new record needs it.
struct Column {
    csv: &'static str,
    field: &'static str,
    shape: Shape,
    required: bool,
}

const fn col(csv: &'static str, field: &'static str, shape: Shape, required: bool) -> Column {
    Column { csv, field, shape, required }
}

const ORGANISATION: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("name", "name", Shape::Text, true),
    col("acronym", "acronym", Shape::Text, false),
    col("kind", "kind", Shape::Text, true),
    col("country_code", "countryCode", Shape::Text, false),
    col("website", "website", Shape::Text, false),
    col("summary", "summary", Shape::Text, false),
    col("visibility", "visibility", Shape::Text, false),
];

const RESTRICTION: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("title", "title", Shape::Text, true),
    col("reference", "reference", Shape::Text, false),
    col("kind", "kind", Shape::Text, true),
    col("status", "status", Shape::Text, true),
    col("country_code", "countryCode", Shape::Text, true),
    col("subdivision_code", "subdivisionCode", Shape::Text, false),
    col("introduced_on", "introducedOn", Shape::Text, false),
    col("decided_on", "decidedOn", Shape::Text, false),
    col("summary", "summary", Shape::Text, false),
    col("rights", "rights", Shape::List, false),
    col("visibility", "visibility", Shape::Text, false),
];

const SOURCE: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("title", "title", Shape::Text, true),
    col("url", "url", Shape::Text, false),
    col("publisher", "publisher", Shape::Text, false),
    col("published_on", "publishedOn", Shape::Text, false),
    col("visibility", "visibility", Shape::Text, false),
];

const CAMPAIGN: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("title", "title", Shape::Text, true),
    col("kind", "kind", Shape::Text, true),
    col("status", "status", Shape::Text, false),
    col("lead_organisation_id", "leadOrganisationId", Shape::Text, false),
    col("started_on", "startedOn", Shape::Text, false),
    col("ended_on", "endedOn", Shape::Text, false),
    col("summary", "summary", Shape::Text, false),
    col("outcome", "outcome", Shape::Text, false),
    col("outcome_summary", "outcomeSummary", Shape::Text, false),
    col("visibility", "visibility", Shape::Text, false),
    col("defender_ids", "defenderIds", Shape::List, false),
    col("restriction_ids", "restrictionIds", Shape::List, false),
    col("areas", "areas", Shape::List, false),
];

const DEFENDER: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("name", "name", Shape::Text, true),
    col("other_names", "otherNames", Shape::OtherNames, false),
    col("country_code", "countryCode", Shape::Text, true),
    col("subdivision_code", "subdivisionCode", Shape::Text, false),
    col("occupation", "occupation", Shape::Text, false),
    col("summary", "summary", Shape::Text, false),
    col("status", "status", Shape::Text, false),
    col("sectors", "sectors", Shape::List, false),
    col("visibility", "visibility", Shape::Text, false),
    col("consent", "consent", Shape::Text, false),
    col("exact_location", "exactLocation", Shape::Text, false),
    col("contact_details", "contactDetails", Shape::Text, false),
    col("safety_notes", "safetyNotes", Shape::Text, false),
    col("affiliations", "affiliations", Shape::Affiliations, false),
    col("restriction_links", "restrictionLinks", Shape::Links, false),
];

const COUNTRY_RATING: &[Column] = &[
    col("external_id", "externalId", Shape::Text, true),
    col("id", "id", Shape::Text, false),
    col("country_code", "countryCode", Shape::Text, true),
    col("rating", "rating", Shape::Text, true),
    col("rated_on", "ratedOn", Shape::Text, true),
    col("organisation_id", "organisationId", Shape::Text, false),
    col("source_id", "sourceId", Shape::Text, false),
    col("note", "note", Shape::Text, false),
    col("visibility", "visibility", Shape::Text, false),
];

fn columns(kind: RecordKind) -> &'static [Column] {
    match kind {
        RecordKind::Organisation => ORGANISATION,
        RecordKind::Source => SOURCE,
        RecordKind::Campaign => CAMPAIGN,
        RecordKind::Restriction => RESTRICTION,
        RecordKind::Defender => DEFENDER,
        RecordKind::CountryRating => COUNTRY_RATING,
    }
}

/// The CSV column names of a kind, in order.
pub fn header(kind: RecordKind) -> Vec<&'static str> {
    columns(kind).iter().map(|column| column.csv).collect()
}

/// The columns of a file, checked against its kind: the position of each
/// known column, or the problem with the header.
pub struct Layout {
    kind: RecordKind,
    /// For each CSV column of the file, its column spec.
    columns: Vec<&'static Column>,
}

impl Layout {
    /// Checks a header: every column known, none twice, the required ones present.
    pub fn new(kind: RecordKind, header: &csv::StringRecord) -> Result<Layout, (String, String)> {
        let known = columns(kind);
        let mut found: Vec<&'static Column> = Vec::new();
        for name in header.iter() {
            let name = name.trim().trim_start_matches('\u{feff}');
            let Some(column) = known.iter().find(|column| column.csv.eq_ignore_ascii_case(name)) else {
                return Err((
                    name.to_owned(),
                    format!(
                        "unknown column for {}: the columns are {}",
                        kind.file_stem(),
                        header_names(kind).join(", ")
                    ),
                ));
            };
            if found.iter().any(|seen| seen.csv == column.csv) {
                return Err((name.to_owned(), "the column appears twice".into()));
            }
            found.push(column);
        }
        if let Some(missing) = known.iter().find(|column| column.required && !found.iter().any(|f| f.csv == column.csv))
        {
            return Err((missing.csv.to_owned(), "a required column is missing from the header".into()));
        }
        Ok(Layout { kind, columns: found })
    }

    /// The row's external identifier, if it has one.
    pub fn external_id(&self, record: &csv::StringRecord) -> Option<String> {
        let index = self.columns.iter().position(|column| column.csv == "external_id")?;
        record.get(index).map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned)
    }

    /// A data row as a record; the error names the column at fault.
    pub fn row(&self, record: &csv::StringRecord) -> Result<Row, (String, String)> {
        if record.len() != self.columns.len() {
            return Err((
                String::new(),
                format!("the row has {} cells where the header has {}", record.len(), self.columns.len()),
            ));
        }
        let mut object = Map::new();
        for (column, cell) in self.columns.iter().zip(record.iter()) {
            let value = read_cell(column.shape, cell.trim()).map_err(|reason| (column.csv.to_owned(), reason))?;
            object.insert(column.field.to_owned(), value);
        }
        Row::from_json(self.kind, Value::Object(object)).map_err(|(field, reason)| {
            let column = self
                .columns
                .iter()
                .find(|column| field == column.field || field.starts_with(&format!("{}[", column.field)))
                .map_or(field, |column| column.csv.to_owned());
            (column, reason)
        })
    }
}

fn header_names(kind: RecordKind) -> Vec<&'static str> {
    header(kind)
}

/// Splits on `separator` where it is not escaped; the parts keep their
/// escapes, so that they can be split again and unescaped at the end.
fn split(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            if let Some(next) = chars.next() {
                current.push(next);
            }
        } else if c == separator {
            parts.push(std::mem::take(&mut current).trim().to_owned());
        } else {
            current.push(c);
        }
    }
    parts.push(current.trim().to_owned());
    parts
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
        {
            if next != '|' && next != ';' && next != '\\' {
                out.push('\\');
            }
            out.push(next);
        } else {
            out.push(c);
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(';', "\\;")
}

fn entries(cell: &str) -> Vec<String> {
    if cell.is_empty() { Vec::new() } else { split(cell, '|') }
}

fn optional(part: Option<&String>) -> Value {
    match part.map(|part| unescape(part)) {
        Some(text) if !text.is_empty() => Value::String(text),
        _ => Value::Null,
    }
}

fn read_cell(shape: Shape, cell: &str) -> Result<Value, String> {
    Ok(match shape {
        Shape::Text if cell.is_empty() => Value::Null,
        Shape::Text => Value::String(cell.to_owned()),
        Shape::List => Value::Array(entries(cell).iter().map(|entry| Value::String(unescape(entry))).collect()),
        Shape::OtherNames => Value::Array(
            entries(cell)
                .iter()
                .map(|entry| {
                    let entry = unescape(entry);
                    match entry.split_once(':') {
                        Some((kind, name)) if is_other_name_kind(kind) => json!({ "name": name.trim(), "kind": kind }),
                        _ => json!({ "name": entry }),
                    }
                })
                .collect(),
        ),
        Shape::Affiliations => Value::Array(
            entries(cell)
                .iter()
                .map(|entry| {
                    let parts = split(entry, ';');
                    if parts.len() > 4 {
                        return Err(format!("\"{entry}\" has more than organisation;role;started_on;ended_on"));
                    }
                    Ok(json!({
                        "organisationId": unescape(&parts[0]),
                        "role": optional(parts.get(1)),
                        "startedOn": optional(parts.get(2)),
                        "endedOn": optional(parts.get(3)),
                    }))
                })
                .collect::<Result<_, _>>()?,
        ),
        Shape::Links => Value::Array(
            entries(cell)
                .iter()
                .map(|entry| {
                    let parts = split(entry, ';');
                    if parts.len() < 2 || parts.len() > 3 {
                        return Err(format!("\"{entry}\" is not restriction;RELATION or restriction;RELATION;note"));
                    }
                    Ok(json!({
                        "restrictionId": unescape(&parts[0]),
                        "relation": unescape(&parts[1]),
                        "note": optional(parts.get(2)),
                    }))
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn is_other_name_kind(text: &str) -> bool {
    use sea_orm::Iterable;
    entity::OtherNameKind::iter().any(|kind| kind.as_str() == text)
}

/// The cells of a row, in header order.
pub fn cells(row: &Row) -> Vec<String> {
    let Value::Object(object) = row.to_json() else { return Vec::new() };
    columns(row.kind()).iter().map(|column| write_cell(column.shape, object.get(column.field))).collect()
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn write_cell(shape: Shape, value: Option<&Value>) -> String {
    let items = || value.and_then(Value::as_array).cloned().unwrap_or_default();
    let join = |parts: Vec<String>| {
        let mut parts = parts;
        while parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
        parts.join(";")
    };
    match shape {
        Shape::Text => text_of(value),
        Shape::List => items().iter().map(|item| escape(&text_of(Some(item)))).collect::<Vec<_>>().join("|"),
        Shape::OtherNames => items()
            .iter()
            .map(|item| {
                let name = escape(&text_of(item.get("name")));
                match text_of(item.get("kind")).as_str() {
                    "ALIAS" | "" => name,
                    kind => format!("{kind}:{name}"),
                }
            })
            .collect::<Vec<_>>()
            .join("|"),
        Shape::Affiliations => items()
            .iter()
            .map(|item| {
                join(
                    ["organisationId", "role", "startedOn", "endedOn"]
                        .iter()
                        .map(|field| escape(&text_of(item.get(*field))))
                        .collect(),
                )
            })
            .collect::<Vec<_>>()
            .join("|"),
        Shape::Links => items()
            .iter()
            .map(|item| {
                join(
                    ["restrictionId", "relation", "note"]
                        .iter()
                        .map(|field| escape(&text_of(item.get(*field))))
                        .collect(),
                )
            })
            .collect::<Vec<_>>()
            .join("|"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_separators_stay_in_their_value() {
        let cell = r"Org\;A;co\|founder;2010|OrgB";
        let entries = entries(cell);
        assert_eq!(entries.len(), 2);
        let parts = split(&entries[0], ';');
        assert_eq!(parts.iter().map(|p| unescape(p)).collect::<Vec<_>>(), vec!["Org;A", "co|founder", "2010"]);
        assert_eq!(escape("a;b|c\\d"), r"a\;b\|c\\d");
    }

    #[test]
    fn other_names_read_their_kind() {
        let value = read_cell(Shape::OtherNames, "Max|TRANSLITERATION:Maxim|Re: this").unwrap();
        assert_eq!(
            value,
            json!([{ "name": "Max" }, { "name": "Maxim", "kind": "TRANSLITERATION" }, { "name": "Re: this" }])
        );
    }
}
