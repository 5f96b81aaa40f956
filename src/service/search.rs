//! Full-text search over defenders, restrictions, campaigns and organisations.
//!
//! Each record has one search document (`search_document`) of folded text in
//! four fields, indexed by the database: SQLite FTS5 or a PostgreSQL
//! `tsvector` with a GIN index. Folding happens here, for documents and
//! queries alike (case, accents, punctuation, other scripts transliterated),
//! so both engines see the same tokens. Confidential fields are never part of
//! a document: an index is a copy, and what is not copied cannot leak.
//!
//! Documents are rewritten inside the transaction of every write, import and
//! merge, and filled in at start for records written by other means (the
//! sample dataset). A search joins each match to its record under the same
//! visibility rule as every other read, so a hidden record never matches.

use std::collections::HashMap;

use entity::{campaign, defender, defender_name, organisation, restriction};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, OnConflict, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::text::sort_key;

/// The kinds of record search finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchKind {
    Defender,
    Restriction,
    Campaign,
    Organisation,
}

impl SearchKind {
    pub const ALL: [SearchKind; 4] =
        [SearchKind::Defender, SearchKind::Restriction, SearchKind::Campaign, SearchKind::Organisation];

    /// The table of the records, which is also the document's record type.
    pub fn table(self) -> &'static str {
        match self {
            SearchKind::Defender => defender::Entity.as_str(),
            SearchKind::Restriction => restriction::Entity.as_str(),
            SearchKind::Campaign => campaign::Entity.as_str(),
            SearchKind::Organisation => organisation::Entity.as_str(),
        }
    }

    /// The kind whose records live in `table`, if search covers it.
    pub fn of_table(table: &str) -> Option<SearchKind> {
        SearchKind::ALL.into_iter().find(|kind| kind.table() == table)
    }

    /// The viewer's rule for this kind's records, and its table's id column.
    fn rule(self, viewer: &Viewer) -> (Alias, Condition, Expr) {
        let (rule, id) = match self {
            SearchKind::Defender => {
                (viewer.can_see(defender::Entity), Expr::col((defender::Entity, defender::Column::Id)))
            }
            SearchKind::Restriction => {
                (viewer.can_see(restriction::Entity), Expr::col((restriction::Entity, restriction::Column::Id)))
            }
            SearchKind::Campaign => {
                (viewer.can_see(campaign::Entity), Expr::col((campaign::Entity, campaign::Column::Id)))
            }
            SearchKind::Organisation => {
                (viewer.can_see(organisation::Entity), Expr::col((organisation::Entity, organisation::Column::Id)))
            }
        };
        (Alias::new(self.table()), rule, id)
    }

    /// Whether the viewer may see the record a document describes.
    fn visible(self, viewer: &Viewer) -> Expr {
        let (table, rule, id) = self.rule(viewer);
        let document_record = Expr::col((Alias::new(DOCUMENT), Alias::new("record_id")));
        // Each candidate looks its record up by primary key. A search checks
        // a bounded number of candidates, so this costs less than hashing the
        // ids of every visible record, which PostgreSQL does for `IN (...)`
        // (17 ms of a 20 ms search with six matches among 100,000 defenders).
        let records =
            Query::select().expr(Expr::val(1)).from(table).cond_where(rule).and_where(id.eq(document_record)).take();
        Expr::exists(records)
    }

    /// Joins a document to its record of this kind when the viewer may see
    /// it, and gives the condition that it was joined. The same rule as
    /// [`SearchKind::visible`], as a left join on the primary key: for a
    /// broad word PostgreSQL turns the `EXISTS` into a hash of every visible
    /// record's id (80,000 of 100,000 defenders, built on each search),
    /// where a join under the statement's limit looks up only the candidates
    /// it reads (on 100,000 defenders, `okafor`: 43 ms → 18 ms).
    fn join_visible(self, select: &mut SelectStatement, viewer: &Viewer) -> Condition {
        let (table, rule, id) = self.rule(viewer);
        let document = |column: &str| Expr::col((Alias::new(DOCUMENT), Alias::new(column)));
        select.join(
            JoinType::LeftJoin,
            table,
            Condition::all()
                .add(document("record_type").eq(self.table()))
                .add(id.clone().eq(document("record_id")))
                .add(rule),
        );
        Condition::all().add(id.is_not_null())
    }
}

/// The field of a search document, in order of importance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentField {
    /// A defender's or organisation's name, a restriction's or campaign's title.
    Title,
    /// A defender's other names, an organisation's acronym.
    Aliases,
    /// A restriction's reference, such as "HB 1".
    Reference,
    /// Summaries, occupations and outcomes.
    Summary,
}

const DOCUMENT: &str = "search_document";
const FTS: &str = "search_fts";
const FIELDS: [(DocumentField, &str); 4] = [
    (DocumentField::Title, "title"),
    (DocumentField::Aliases, "aliases"),
    (DocumentField::Reference, "reference"),
    (DocumentField::Summary, "summary"),
];

/// The longest query accepted, in characters, and the most words used of it.
pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_QUERY_WORDS: usize = 12;

/// Folded text as stored and searched: the sort key's words ("Máxima Acuña"
/// is "maxima acuna"), and for names and references also each short word
/// joined to its neighbour, so that "al-Qahtani" is found as "al qahtani" and
/// as "alqahtani", and "HB 1" as "HB1".
fn folded(texts: &[&str], join_short_words: bool) -> String {
    let mut out = String::new();
    for text in texts {
        let key = sort_key(text);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        let joined = words
            .windows(2)
            .filter(|pair| join_short_words && (pair[0].len() <= 3 || pair[1].len() <= 3))
            .map(|pair| format!("{}{}", pair[0], pair[1]));
        for word in words.iter().map(|w| w.to_string()).chain(joined) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
    }
    out
}

/// The text of one record's search document. Only public fields go in:
/// never a defender's exact location, contact details or safety notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Document {
    name_key: String,
    title: String,
    aliases: String,
    reference: String,
    summary: String,
}

impl Document {
    pub(crate) fn defender(name: &str, other_names: &[&str], occupation: &str, summary: &str) -> Document {
        Document {
            name_key: sort_key(name),
            title: folded(&[name], true),
            aliases: folded(other_names, true),
            reference: String::new(),
            summary: folded(&[occupation, summary], false),
        }
    }

    pub(crate) fn restriction(title: &str, reference: &str, summary: &str) -> Document {
        Document {
            name_key: sort_key(title),
            title: folded(&[title], true),
            aliases: String::new(),
            reference: folded(&[reference], true),
            summary: folded(&[summary], false),
        }
    }

    pub(crate) fn campaign(title: &str, summary: &str, outcome_summary: &str) -> Document {
        Document {
            name_key: sort_key(title),
            title: folded(&[title], true),
            aliases: String::new(),
            reference: String::new(),
            summary: folded(&[summary, outcome_summary], false),
        }
    }

    pub(crate) fn organisation(name: &str, acronym: &str, summary: &str) -> Document {
        Document {
            name_key: sort_key(name),
            title: folded(&[name], true),
            aliases: folded(&[acronym], true),
            reference: String::new(),
            summary: folded(&[summary], false),
        }
    }
}

/// Rewrites the search document of one record from its stored state, inside
/// the caller's transaction. Kinds search does not cover are ignored.
pub async fn reindex<C: ConnectionTrait>(db: &C, table: &str, id: Uuid) -> AppResult<()> {
    reindex_all(db, table, &[id]).await
}

/// Rewrites the search documents of records of one table, in a few
/// statements however many (see [`store`]).
pub async fn reindex_all<C: ConnectionTrait>(db: &C, table: &str, ids: &[Uuid]) -> AppResult<()> {
    let Some(kind) = SearchKind::of_table(table) else { return Ok(()) };
    let documents = documents_of(db, kind, ids).await?;
    store(db, kind, &documents).await
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// The records of `E` with the given ids, each with its document.
async fn documented<E, C>(
    db: &C,
    ids: &[Uuid],
    document: fn(&E::Model) -> (Uuid, Document),
) -> AppResult<Vec<(Uuid, Document)>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let id = Expr::col((E::default(), Alias::new("id")));
    Ok(E::find().filter(id.is_in(ids.iter().copied())).all(db).await?.iter().map(document).collect())
}

/// The documents of the given records of one kind, from their stored
/// state; records that do not exist are left out.
async fn documents_of<C: ConnectionTrait>(db: &C, kind: SearchKind, ids: &[Uuid]) -> AppResult<Vec<(Uuid, Document)>> {
    Ok(match kind {
        SearchKind::Defender => {
            let mut other_names: HashMap<Uuid, Vec<String>> = HashMap::new();
            for name in defender_name::Entity::find()
                .filter(defender_name::Column::DefenderId.is_in(ids.iter().copied()))
                .order_by_asc(defender_name::Column::Id)
                .all(db)
                .await?
            {
                other_names.entry(name.defender_id).or_default().push(name.name);
            }
            defender::Entity::find()
                .filter(defender::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|record| {
                    let names = other_names.remove(&record.id).unwrap_or_default();
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let document =
                        Document::defender(&record.name, &names, text(&record.occupation), text(&record.summary));
                    (record.id, document)
                })
                .collect()
        }
        SearchKind::Restriction => {
            documented::<restriction::Entity, _>(db, ids, |record| {
                (record.id, Document::restriction(&record.title, text(&record.reference), text(&record.summary)))
            })
            .await?
        }
        SearchKind::Campaign => {
            documented::<campaign::Entity, _>(db, ids, |record| {
                (record.id, Document::campaign(&record.title, text(&record.summary), text(&record.outcome_summary)))
            })
            .await?
        }
        SearchKind::Organisation => {
            documented::<organisation::Entity, _>(db, ids, |record| {
                (record.id, Document::organisation(&record.name, text(&record.acronym), text(&record.summary)))
            })
            .await?
        }
    })
}

/// Records indexed per statement when many are: 7 values each stays far
/// below either engine's limit on bound values.
const INDEX_BATCH: usize = 500;

/// Writes (or rewrites) documents, [`INDEX_BATCH`] per statement.
pub(crate) async fn store<C: ConnectionTrait>(
    db: &C,
    kind: SearchKind,
    documents: &[(Uuid, Document)],
) -> AppResult<()> {
    for batch in documents.chunks(INDEX_BATCH) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(DOCUMENT)).columns(
            ["record_type", "record_id", "name_key", "title", "aliases", "reference", "summary"].map(Alias::new),
        );
        for (id, document) in batch {
            insert
                .values([
                    kind.table().into(),
                    (*id).into(),
                    document.name_key.clone().into(),
                    document.title.clone().into(),
                    document.aliases.clone().into(),
                    document.reference.clone().into(),
                    document.summary.clone().into(),
                ])
                .map_err(|error| AppError::Internal(error.into()))?;
        }
        insert.on_conflict(
            OnConflict::columns(["record_type", "record_id"].map(Alias::new))
                .update_columns(["name_key", "title", "aliases", "reference", "summary"].map(Alias::new))
                .to_owned(),
        );
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Writes the documents of records that have none (records loaded by other
/// means than the write paths: the sample dataset, synthetic data), in
/// batches. Returns how many.
pub async fn index_missing<C: ConnectionTrait>(db: &C) -> AppResult<usize> {
    let mut written = 0;
    for kind in SearchKind::ALL {
        let id = Expr::col((Alias::new(kind.table()), Alias::new("id")));
        let missing = Query::select()
            .expr(id.clone())
            .from(Alias::new(kind.table()))
            .and_where(
                Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(Alias::new(DOCUMENT))
                        .and_where(Expr::col((Alias::new(DOCUMENT), Alias::new("record_type"))).eq(kind.table()))
                        .and_where(
                            Expr::col((Alias::new(DOCUMENT), Alias::new("record_id")))
                                .equals((Alias::new(kind.table()), Alias::new("id"))),
                        )
                        .take(),
                )
                .not(),
            )
            .to_owned();
        let ids: Vec<Uuid> =
            db.query_all(&missing).await?.iter().map(|row| row.try_get_by_index(0)).collect::<Result<_, _>>()?;
        for chunk in ids.chunks(INDEX_BATCH) {
            let documents = documents_of(db, kind, chunk).await?;
            store(db, kind, &documents).await?;
            written += documents.len();
        }
    }
    Ok(written)
}

/// A validated search.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    /// The folded query, compared with names and titles for exact matches.
    key: String,
    /// Ways to read the query, each a list of folded words that must all
    /// match (as a word or the start of one): as typed, and with short words
    /// joined to their neighbours ("HB 1" as "HB1"), as documents are indexed.
    readings: Vec<Vec<String>>,
    kinds: Vec<SearchKind>,
}

/// Joins each short word to the next one, left to right.
fn joined_reading(words: &[String]) -> Vec<String> {
    let mut reading = Vec::new();
    let mut index = 0;
    while index < words.len() {
        match words.get(index + 1) {
            Some(next) if words[index].len() <= 3 || next.len() <= 3 => {
                reading.push(format!("{}{next}", words[index]));
                index += 2;
            }
            _ => {
                reading.push(words[index].clone());
                index += 1;
            }
        }
    }
    reading
}

impl SearchQuery {
    /// Folds and checks the text of a query and the kinds to search.
    pub fn new(text: &str, kinds: Option<Vec<SearchKind>>) -> AppResult<Self> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input("query", format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        let key = sort_key(text);
        let words: Vec<String> = key.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
        let key = words.join(" ");
        if words.is_empty() {
            return Err(AppError::bad_input("query", "must contain at least one letter or digit"));
        }
        if words.len() > MAX_QUERY_WORDS {
            return Err(AppError::bad_input("query", format!("must have at most {MAX_QUERY_WORDS} words")));
        }
        let mut unique = Vec::new();
        for kind in kinds.unwrap_or_else(|| SearchKind::ALL.to_vec()) {
            if !unique.contains(&kind) {
                unique.push(kind);
            }
        }
        let kinds = unique;
        if kinds.is_empty() {
            return Err(AppError::bad_input("types", "must name at least one type, or be left out to search all"));
        }
        let mut readings = vec![words.clone()];
        let joined = joined_reading(&words);
        if joined != words {
            readings.push(joined);
        }
        Ok(SearchQuery { key, readings, kinds })
    }

    /// The best field of a document for this query: the first, in order of
    /// importance, in which every word matches; else the one matching most.
    fn matched_field(&self, texts: &[String; 4]) -> DocumentField {
        // For each field, the largest share of a reading's words it matches.
        let share = |text: &str| {
            self.readings
                .iter()
                .map(|words| {
                    let found = words
                        .iter()
                        .filter(|word| text.split(' ').any(|token| token.starts_with(word.as_str())))
                        .count();
                    (found * 1000) / words.len().max(1)
                })
                .max()
                .unwrap_or(0)
        };
        let shares: Vec<usize> = texts.iter().map(|text| share(text)).collect();
        let best = shares
            .iter()
            .enumerate()
            .find(|(_, share)| **share == 1000)
            .or_else(|| shares.iter().enumerate().max_by_key(|(index, share)| (**share, usize::MAX - index)))
            .map_or(0, |(index, _)| index);
        FIELDS[best].0
    }

    /// The engine's query text: every word, as itself or as the start of a
    /// longer word (a whole word scores twice, so it ranks first).
    fn engine_query(&self, backend: DatabaseBackend) -> String {
        // Words are folded to ASCII letters and digits: nothing in them is
        // syntax to either engine.
        let postgres = backend == DatabaseBackend::Postgres;
        let word = |w: &String| if postgres { format!("({w} | {w}:*)") } else { format!("(\"{w}\" OR \"{w}\"*)") };
        let (and, or) = if postgres { (" & ", " | ") } else { (" AND ", " OR ") };
        self.readings
            .iter()
            .map(|words| format!("({})", words.iter().map(word).collect::<Vec<_>>().join(and)))
            .collect::<Vec<_>>()
            .join(or)
    }

    /// SQLite's score of a matching document, computed from that document
    /// alone. FTS5's bm25 weighs words by how rare they are across the whole
    /// index, hidden records included, so a partner's scores would move when
    /// records it cannot see were added, and words in hidden records could be
    /// inferred from them. Like PostgreSQL's `ts_rank`, this score reads only
    /// the document: per field, a whole word counts 2 and the start of a
    /// longer word 1, weighted as bm25 was (names and references 10, other
    /// names 5, summaries 1) and divided by the field's length, so that a
    /// short name matched outranks the same words in a long text. The best
    /// reading of the query counts, and a document whose whole name or title
    /// is the query counts twice. It is computed here from the fields the
    /// search reads anyway: as an SQL expression over up to [`RANKED`]
    /// candidates it took most of a broad search's time in SQLite.
    fn local_score(&self, texts: &[String; 4], name_key: &str) -> f64 {
        const WEIGHTS: [f64; 4] = [10.0, 5.0, 10.0, 1.0];
        let padded: Vec<String> = texts.iter().map(|text| format!(" {text} ")).collect();
        let reading = |words: &Vec<String>| -> f64 {
            // A whole word, and the start of one.
            let patterns: Vec<(String, String)> =
                words.iter().map(|word| (format!(" {word} "), format!(" {word}"))).collect();
            padded
                .iter()
                .zip(texts)
                .zip(WEIGHTS)
                .map(|((padded, text), weight)| {
                    let matched: u32 = patterns
                        .iter()
                        .map(|(whole, start)| {
                            if padded.contains(whole.as_str()) {
                                2
                            } else if padded.contains(start.as_str()) {
                                1
                            } else {
                                0
                            }
                        })
                        .sum();
                    weight * f64::from(matched) / (1.0 + text.chars().count() as f64 / 100.0)
                })
                .sum()
        };
        let best = self.readings.iter().map(reading).fold(0.0, f64::max);
        if name_key == self.key { best * 2.0 } else { best }
    }

    /// Whether every word is ASCII letters and digits, as folding makes them.
    fn plain_words(&self) -> bool {
        self.readings.iter().flatten().all(|word| word.bytes().all(|byte| byte.is_ascii_alphanumeric()))
    }

    /// The documents that match, of the requested kinds, visible to the viewer.
    fn matching(&self, backend: DatabaseBackend, viewer: &Viewer) -> SelectStatement {
        let mut select = Query::select();
        let query = self.engine_query(backend);
        match backend {
            // The query is written into the statement rather than bound, so
            // that PostgreSQL plans each search for its words (a rare word from
            // the GIN index, checking each match's record; a common one in the
            // order of the documents), where a generic plan for a bound query
            // would hash every visible record's id for a search of six matches.
            // Words are folded to ASCII letters and digits, which are never
            // syntax; anything else stays bound.
            DatabaseBackend::Postgres => {
                select.from(Alias::new(DOCUMENT));
                if self.plain_words() {
                    select
                        .and_where(Expr::cust(format!("search_document.document @@ to_tsquery('simple', '{query}')")));
                } else {
                    select.and_where(Expr::cust_with_values(
                        "search_document.document @@ to_tsquery('simple', $1)",
                        [query],
                    ));
                }
                let mut visible = Condition::any();
                for kind in &self.kinds {
                    visible = visible.add(kind.join_visible(&mut select, viewer));
                }
                select.cond_where(visible);
            }
            // The full-text index must drive: SQLite keeps the table order of
            // a CROSS JOIN, so the matches are found first and each looks up
            // its document by rowid. (The other order runs the match once per
            // document, which on 100,000 records takes minutes.)
            _ => {
                select
                    .from(Alias::new(FTS))
                    .join(JoinType::CrossJoin, Alias::new(DOCUMENT), Condition::all())
                    .and_where(Expr::cust("search_document.id = search_fts.rowid"))
                    .and_where(Expr::cust_with_values("search_fts MATCH ?", [query]))
                    .cond_where(self.visible(viewer));
            }
        };
        select
    }

    /// Documents of the requested kinds whose records the viewer may see.
    fn visible(&self, viewer: &Viewer) -> Condition {
        let mut visible = Condition::any();
        for kind in &self.kinds {
            visible = visible.add(
                Expr::col((Alias::new(DOCUMENT), Alias::new("record_type"))).eq(kind.table()).and(kind.visible(viewer)),
            );
        }
        visible
    }
}

/// One search result: a record, the field it matched in, and its score
/// (higher is better; comparable within one search only).
#[derive(Clone, Debug)]
pub struct Hit {
    pub kind: SearchKind,
    pub id: Uuid,
    pub field: DocumentField,
    pub score: f64,
}

impl SearchKind {
    /// Equal scores: people first, then laws, campaigns and organisations.
    fn rank(self) -> u8 {
        match self {
            SearchKind::Defender => 0,
            SearchKind::Restriction => 1,
            SearchKind::Campaign => 2,
            SearchKind::Organisation => 3,
        }
    }
}

/// The most matches a search ranks, and so the furthest its pages reach.
/// Like a search engine's, a search does not rank every record that holds a
/// common word: it ranks the first [`RANKED`] visible matches the index
/// gives (in the order the records were indexed), together with every
/// visible record whose whole name or title is the query, so that its cost
/// has a bound however broad the words. Up to that many matches, ranking
/// and count are exact; beyond, the count is a lower bound, flagged as such.
pub const RANKED: u64 = 1_000;

/// A page of results, best first, and how many visible records match.
pub struct Found {
    pub hits: Vec<Hit>,
    /// The visible records that match, up to [`RANKED`].
    pub total: u64,
    /// Whether `total` is every visible match (else more match).
    pub total_is_exact: bool,
}

/// One page of results, best first; score ties are broken by kind and record
/// id so that pages never overlap. Two statements whatever the query: the
/// first [`RANKED`] + 1 visible matches in index order, and the visible
/// records whose name or title is the query. Hidden records are left out
/// before either is cut, so they take no candidate's place.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    query: &SearchQuery,
    offset: u64,
    limit: u64,
) -> AppResult<Found> {
    search_among(db, viewer, query, offset, limit, RANKED).await
}

/// [`search`], ranking the first `ranked` visible matches (and the exact
/// names) rather than [`RANKED`]: for suggestions, which must answer while
/// someone types.
pub async fn search_among<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    query: &SearchQuery,
    offset: u64,
    limit: u64,
    ranked: u64,
) -> AppResult<Found> {
    let backend = db.get_database_backend();
    let mut candidates = query.matching(backend, viewer);
    query.hit_columns(&mut candidates, backend);
    // The index gives its matches in this order, so the statement stops
    // after the first ones (SQLite's FTS5 orders by its rowid, which is the
    // document's id).
    let order = match backend {
        DatabaseBackend::Postgres => Expr::col((Alias::new(DOCUMENT), Alias::new("id"))),
        _ => Expr::col((Alias::new(FTS), Alias::new("rowid"))),
    };
    candidates.order_by_expr(order, Order::Asc).limit(ranked + 1);
    let rows = db.query_all(&candidates).await?;
    let total_is_exact = rows.len() as u64 <= ranked;
    let mut hits =
        rows.iter().take(ranked as usize).map(|row| query.hit(row, backend)).collect::<AppResult<Vec<_>>>()?;
    let total = hits.len() as u64;

    let mut exact = query.exact_names(viewer);
    query.hit_columns(&mut exact, backend);
    exact.limit(ranked);
    for row in db.query_all(&exact).await? {
        let hit = query.hit(&row, backend)?;
        if !hits.iter().any(|known| known.kind == hit.kind && known.id == hit.id) {
            hits.push(hit);
        }
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.kind.rank().cmp(&b.kind.rank())).then(a.id.cmp(&b.id)));
    let hits = hits.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok(Found { hits, total, total_is_exact })
}

/// Records of `kinds` the viewer may see whose folded name or title begins
/// with the folded `prefix`, in the order of their folded names, from
/// `offset` on: one statement, read as a range of an index in byte order
/// (see migration 000018), that stops at the page's end.
pub async fn names_beginning<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    prefix: &str,
    kinds: &[SearchKind],
    offset: u64,
    limit: u64,
) -> AppResult<Vec<(SearchKind, Uuid)>> {
    let prefix = sort_key(prefix);
    let name_key = match db.get_database_backend() {
        DatabaseBackend::Postgres => Expr::cust("(search_document.name_key COLLATE \"C\")"),
        _ => Expr::col((Alias::new(DOCUMENT), Alias::new("name_key"))),
    };
    // Folded names hold letters, digits and spaces only, all below "~".
    let mut select = Query::select();
    select
        .column((Alias::new(DOCUMENT), Alias::new("record_type")))
        .column((Alias::new(DOCUMENT), Alias::new("record_id")))
        .from(Alias::new(DOCUMENT));
    // Joined, not EXISTS: PostgreSQL would hash every visible record's id
    // for a subquery (30 ms of a common name's 31), where the join looks up
    // only the rows the page reads.
    let mut visible = Condition::any();
    for kind in kinds {
        visible = visible.add(kind.join_visible(&mut select, viewer));
    }
    select
        .and_where(name_key.clone().gte(prefix.clone()))
        .and_where(name_key.clone().lt(format!("{prefix}~")))
        .cond_where(visible)
        .order_by_expr(name_key, Order::Asc)
        .order_by((Alias::new(DOCUMENT), Alias::new("record_type")), Order::Asc)
        .order_by((Alias::new(DOCUMENT), Alias::new("record_id")), Order::Asc)
        .offset(offset)
        .limit(limit);
    let mut found = Vec::new();
    for row in db.query_all(&select).await? {
        let record_type: String = row.try_get_by_index(0)?;
        let kind = SearchKind::of_table(&record_type)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("search document of unknown type {record_type}")))?;
        found.push((kind, row.try_get_by_index(1)?));
    }
    Ok(found)
}

impl SearchQuery {
    /// The visible documents, of the requested kinds, whose folded name or
    /// title is the query: each matches it (its words are the query's).
    fn exact_names(&self, viewer: &Viewer) -> SelectStatement {
        let mut select = Query::select();
        select
            .from(Alias::new(DOCUMENT))
            .and_where(Expr::col((Alias::new(DOCUMENT), Alias::new("name_key"))).eq(self.key.clone()))
            .cond_where(self.visible(viewer));
        select
    }

    /// What a hit is read from: kind, id, the four fields, and the score.
    fn hit_columns(&self, select: &mut SelectStatement, backend: DatabaseBackend) {
        let column = |name: &str| Expr::col((Alias::new(DOCUMENT), Alias::new(name)));
        select.expr(column("record_type")).expr(column("record_id"));
        for (_, name) in FIELDS {
            select.expr(column(name));
        }
        match backend {
            DatabaseBackend::Postgres => {
                // Normalisation 1 divides by the log of the document's length, so
                // that a short name matched outranks the same words in a long text.
                // A record whose whole name or title is the query ranks as if it
                // matched twice as well.
                let score = Expr::cust_with_values(
                    "ts_rank(search_document.document, to_tsquery('simple', $1), 1) \
                     * CASE WHEN search_document.name_key = $2 THEN 2.0 ELSE 1.0 END",
                    [self.engine_query(backend), self.key.clone()],
                );
                select.expr_as(score, Alias::new("score"));
            }
            // Scored from the fields, by `local_score`.
            _ => {
                select.expr(column("name_key"));
            }
        }
    }

    /// A hit from a row of [`SearchQuery::hit_columns`].
    fn hit(&self, row: &sea_orm::QueryResult, backend: DatabaseBackend) -> AppResult<Hit> {
        let record_type: String = row.try_get_by_index(0)?;
        let kind = SearchKind::of_table(&record_type)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("search document of unknown type {record_type}")))?;
        let texts = [
            row.try_get_by_index::<String>(2)?,
            row.try_get_by_index::<String>(3)?,
            row.try_get_by_index::<String>(4)?,
            row.try_get_by_index::<String>(5)?,
        ];
        let score = match backend {
            DatabaseBackend::Postgres => row.try_get_by_index(6)?,
            _ => self.local_score(&texts, &row.try_get_by_index::<Option<String>>(6)?.unwrap_or_default()),
        };
        Ok(Hit { kind, id: row.try_get_by_index(1)?, field: self.matched_field(&texts), score })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_names_and_joins_short_words() {
        assert_eq!(folded(&["Máxima Acuña"], true), "maxima acuna");
        assert_eq!(folded(&["Mohammad al-Qahtani"], true), "mohammad al qahtani mohammadal alqahtani");
        assert_eq!(folded(&["HB 1"], true), "hb 1 hb1");
        assert_eq!(folded(&["HB 1"], false), "hb 1");
    }

    #[test]
    fn reports_the_most_important_field_that_matches_every_word() {
        let query = SearchQuery::new("Toht", None).unwrap();
        let texts = ["ilham tohti".to_owned(), String::new(), String::new(), "tohti is an economist".to_owned()];
        assert_eq!(query.matched_field(&texts), DocumentField::Title);
        let query = SearchQuery::new("economist uyghur", None).unwrap();
        assert_eq!(query.matched_field(&texts), DocumentField::Summary);
    }

    #[test]
    fn scores_a_document_from_its_own_fields() {
        let query = SearchQuery::new("Tohti", None).unwrap();
        let texts = |title: &str, summary: &str| [title.to_owned(), String::new(), String::new(), summary.to_owned()];
        // A whole word in the title counts 2 at weight 10, over the title's length.
        let whole = query.local_score(&texts("ilham tohti", ""), "");
        assert!((whole - 20.0 / 1.11).abs() < 1e-9, "{whole}");
        // The start of a longer word counts 1; the summary weighs 1.
        let start = query.local_score(&texts("ilham tohtiyev", "tohti"), "");
        assert!((start - (10.0 / 1.14 + 2.0 / 1.05)).abs() < 1e-9, "{start}");
        // A word inside another is no match.
        assert_eq!(query.local_score(&texts("ilham atohti", ""), ""), 0.0);
        // A record whose whole name is the query counts twice.
        assert_eq!(query.local_score(&texts("tohti", ""), "tohti"), 2.0 * query.local_score(&texts("tohti", ""), ""));
        // The best reading counts: "HB 1" also reads as "hb1".
        let query = SearchQuery::new("HB 1", None).unwrap();
        let joined = query.local_score(&texts("hb1", ""), "");
        assert!((joined - 20.0 / 1.03).abs() < 1e-9, "{joined}");
    }

    #[test]
    fn reads_short_words_joined_too() {
        let query = SearchQuery::new("HB 1", None).unwrap();
        assert_eq!(query.readings, vec![vec!["hb".to_owned(), "1".to_owned()], vec!["hb1".to_owned()]]);
        assert_eq!(query.engine_query(DatabaseBackend::Postgres), "((hb | hb:*) & (1 | 1:*)) | ((hb1 | hb1:*))");
        let query = SearchQuery::new("Tohti", None).unwrap();
        assert_eq!(query.readings.len(), 1);
    }

    #[test]
    fn folded_words_are_plain() {
        for text in ["Máxima Acuña", "al-Qahtani's \"HB 1\"", "'; DROP TABLE x; --", "Ильхам Тохти", "習近平"]
        {
            if let Ok(query) = SearchQuery::new(text, None) {
                assert!(query.plain_words(), "{text}: {:?}", query.readings);
                assert!(!query.engine_query(DatabaseBackend::Postgres).contains('\''), "{text}");
            }
        }
    }

    #[test]
    fn refuses_empty_and_overlong_queries() {
        assert!(SearchQuery::new(" -- ", None).is_err());
        assert!(SearchQuery::new(&"a".repeat(MAX_QUERY_CHARS + 1), None).is_err());
        assert!(SearchQuery::new("x", Some(vec![])).is_err());
    }
}
