//! Synthetic datasets for benchmarks and load tests: realistic in shape,
//! deterministic for a seed, and marked as synthetic everywhere. Every record
//! belongs to the organisation "Synthetic data (not real people)", every
//! summary starts with "SYNTHETIC", and the dataset is recorded in `dataset`.
//!
//! Rows are written with multi-row inserts in one transaction, defenders in
//! chunks, each record with its search document and duplicate-detection keys.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use entity::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    Iterable, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::seed::bulk_load::DeferredIndexes;
use crate::seed::reference::mark_loaded;
use crate::service::duplicates::{self, Mergeable};
use crate::service::search::{self, Document, SearchKind};
use crate::service::sources::CitingRecord;
use crate::service::text::sort_key;

/// The organisation that owns every synthetic record.
pub const ORGANISATION: &str = "Synthetic data (not real people)";
const ORGANISATION_SUMMARY: &str = "SYNTHETIC organisation.";

/// How much to generate.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub defenders: u64,
    pub seed: u64,
    /// Write even though the database holds records that are not synthetic.
    pub allow_real_data: bool,
}

/// What was written, and how long it took.
#[derive(Debug, Default)]
pub struct Report {
    pub defenders: u64,
    pub other_names: u64,
    pub case_events: u64,
    pub affiliations: u64,
    pub organisations: u64,
    pub restrictions: u64,
    pub status_changes: u64,
    pub campaigns: u64,
    pub campaign_subjects: u64,
    pub sources: u64,
    pub citations: u64,
    pub ratings: u64,
    pub rows: u64,
    pub elapsed: Duration,
    /// Time spent after the rows were written: indexes, search documents
    /// and keys of records written before, statistics.
    pub indexed_in: Duration,
    /// Secondary indexes dropped for the load and built after it.
    pub indexes_rebuilt: usize,
}

/// Every table the generator writes to.
const SEEDED_TABLES: &[&str] = &[
    "organisation",
    "source",
    "citation",
    "restriction",
    "restriction_right",
    "restriction_status_change",
    "defender",
    "defender_name",
    "defender_sector",
    "case_event",
    "affiliation",
    "defender_restriction",
    "campaign",
    "campaign_defender",
    "campaign_restriction",
    "campaign_area",
    "search_document",
    "match_key",
];

/// Countries weighted roughly as reporting on defenders at risk is: many
/// records from a few countries, a long tail elsewhere.
const COUNTRIES: &[(&str, u32)] = &[
    ("CO", 120),
    ("BR", 90),
    ("MX", 80),
    ("PH", 70),
    ("HN", 45),
    ("GT", 40),
    ("IN", 55),
    ("RU", 45),
    ("CN", 40),
    ("IR", 35),
    ("EG", 30),
    ("TR", 30),
    ("US", 35),
    ("PE", 30),
    ("NG", 25),
    ("KE", 15),
    ("UG", 15),
    ("TH", 15),
    ("VN", 15),
    ("SA", 15),
    ("BY", 15),
    ("NI", 15),
    ("VE", 15),
    ("PK", 15),
    ("BD", 12),
    ("UA", 12),
    ("AZ", 10),
    ("KH", 10),
    ("CD", 10),
    ("ZW", 8),
    ("ET", 8),
    ("MM", 8),
    ("AR", 6),
    ("CL", 6),
    ("GB", 5),
    ("FR", 5),
    ("DE", 4),
    ("ES", 4),
    ("IT", 4),
    ("PL", 4),
];

const GIVEN_NAMES: &[&str] = &[
    "Ana María",
    "José",
    "Fatima",
    "Mohammed",
    "Li",
    "Grace",
    "Oksana",
    "Nguyen",
    "Amina",
    "Carlos",
    "Leila",
    "Pavel",
    "Berta",
    "Ahmed",
    "Mei",
    "Juan Carlos",
    "Aisha",
    "Ravi",
    "Olga",
    "Tomás",
    "Zainab",
    "Samuel",
    "Narges",
    "Wei",
    "Lucía",
    "Omar",
    "Priya",
    "Dmitri",
    "Chinwe",
    "Rosa",
    "Hassan",
    "Maryam",
    "Luis",
    "Thandiwe",
    "Yusuf",
    "Elena",
];
const FAMILY_NAMES: &[&str] = &[
    "Quispe",
    "al-Rahman",
    "Okafor",
    "Wang",
    "Mendoza",
    "Haddad",
    "Kovalenko",
    "Tran",
    "Diallo",
    "Rojas",
    "Hosseini",
    "Ivanov",
    "Cáceres",
    "Santos",
    "Zhang",
    "Pérez",
    "Abdullah",
    "Sharma",
    "Petrova",
    "García",
    "Mohammadi",
    "Nwosu",
    "López",
    "Kaya",
    "Ramírez",
    "Chowdhury",
    "Moyo",
    "Torres",
    "Yilmaz",
    "Castillo",
    "Nasser",
    "Vargas",
    "Ortiz",
];
const OCCUPATIONS: &[&str] = &[
    "land rights defender",
    "journalist",
    "lawyer",
    "trade unionist",
    "environmental activist",
    "indigenous leader",
    "women's rights activist",
    "student organiser",
    "LGBTI rights activist",
    "community leader",
    "blogger",
    "doctor",
];
const LAW_TOPICS: &[&str] = &[
    "Public Order",
    "Foreign Agents",
    "Critical Infrastructure",
    "Assembly",
    "Cybercrime",
    "Counter-Terrorism",
    "NGO Registration",
    "Anti-Riot",
    "State Secrets",
    "Media Regulation",
];
const CAMPAIGN_TOPICS: &[&str] = &[
    "Free the defenders of",
    "Stop the crackdown in",
    "Justice for the community of",
    "Protect the river of",
    "Repeal the gag law of",
];

/// The generator's random stream, which also hands out record ids.
struct Stream {
    rng: StdRng,
    /// The timestamp of the next id, in milliseconds since 1970.
    next_millis: u64,
}

/// 2026-01-01, in seconds since 1970: the creation time of every synthetic
/// record and the timestamp of the first id.
const EPOCH_SECONDS: u32 = 1_767_225_600;

impl Stream {
    /// The stream of a seed. `offset` keeps a later run's ids after an earlier one's.
    fn new(seed: u64, offset: u64) -> Self {
        Stream {
            rng: StdRng::seed_from_u64(seed.wrapping_add(offset)),
            next_millis: u64::from(EPOCH_SECONDS) * 1_000 + offset * IDS_PER_DEFENDER,
        }
    }
}

/// An upper bound on the ids drawn per defender (its rows and its share of
/// restrictions, campaigns and the rest), so that runs do not overlap.
const IDS_PER_DEFENDER: u64 = 64;

impl rand::RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.rng.fill_bytes(dest)
    }
}

/// A deterministic id from the generator's stream, shaped like a UUIDv7 with
/// one millisecond per id: ids grow in the order records are written, so each
/// insert lands at the end of the primary-key index instead of at a random
/// page (100,000 defenders: a quarter less time on SQLite, an eighth on PostgreSQL).
fn id(stream: &mut Stream) -> Uuid {
    let millis = stream.next_millis;
    stream.next_millis += 1;
    uuid::Builder::from_unix_timestamp_millis(millis, &stream.rng.random()).into_uuid()
}

fn pick<T: Copy>(rng: &mut Stream, items: &[T]) -> T {
    *items.choose(rng).expect("non-empty list")
}

fn every<T: Iterable>() -> Vec<T> {
    T::iter().collect()
}

/// A date between 2000 and 2025: a year, a month or a day.
fn date(rng: &mut Stream, from_year: i32) -> PartialDate {
    let year = rng.random_range(Ord::min(from_year, 2025)..=2025);
    let text = match rng.random_range(0..10) {
        0 => format!("{year:04}"),
        1..=2 => format!("{year:04}-{:02}", rng.random_range(1..=12)),
        _ => format!("{year:04}-{:02}-{:02}", rng.random_range(1..=12), rng.random_range(1..=28)),
    };
    text.parse().expect("generated dates are valid")
}

/// Records that are not synthetic: anything not contributed by the synthetic organisation.
async fn real_records(db: &DatabaseConnection, synthetic: Option<Uuid>) -> anyhow::Result<u64> {
    let not_synthetic = |column: Expr| match synthetic {
        Some(id) => column.clone().is_null().or(column.ne(id)),
        None => Expr::val(1).eq(1),
    };
    let defenders =
        defender::Entity::find().filter(not_synthetic(Expr::col(defender::Column::ContributedById))).count(db).await?;
    let restrictions = restriction::Entity::find()
        .filter(not_synthetic(Expr::col(restriction::Column::ContributedById)))
        .count(db)
        .await?;
    let campaigns =
        campaign::Entity::find().filter(not_synthetic(Expr::col(campaign::Column::ContributedById))).count(db).await?;
    Ok(defenders + restrictions + campaigns)
}

/// Inserts rows in statements of `per_statement` rows.
async fn insert_all<A, C>(db: &C, rows: Vec<A>, per_statement: usize) -> anyhow::Result<u64>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(total)
}

/// Generates the dataset, in steps: organisations, sources, restrictions,
/// defenders in chunks, campaigns, then indexes and statistics. The steps
/// draw from one random stream in a fixed order, so a seed always gives the
/// same dataset.
pub async fn seed(db: &DatabaseConnection, options: Options) -> anyhow::Result<Report> {
    if !(1..=10_000_000).contains(&options.defenders) {
        bail!("--defenders must be between 1 and 10000000; got {}", options.defenders);
    }
    let started = Instant::now();
    let (existing, already) = synthetic_so_far(db, options).await?;
    let n = options.defenders as usize;
    let mut report = Report::default();
    let transaction = db.begin().await?;
    let tx = &transaction;
    if tx.get_database_backend() == DatabaseBackend::Sqlite {
        tx.execute_unprepared(&format!("PRAGMA cache_size = {SEEDING_CACHE}")).await?;
    }
    // Into a database that holds fewer defenders than are to be written,
    // building the indexes afterwards is faster than keeping them up to date.
    let deferred = if options.defenders >= defender::Entity::find().count(tx).await? {
        Some(DeferredIndexes::drop(tx, SEEDED_TABLES).await?)
    } else {
        None
    };
    // A second run on the same database must not draw the same ids: the
    // stream also depends on how many synthetic defenders are there already.
    let mut generator = Generator::new(db, Stream::new(options.seed, already)).await?;
    generator.owner = match existing {
        Some(id) => id,
        None => generator.owner_organisation(tx).await?,
    };
    let organisations = generator.organisations(tx, n, &mut report).await?;
    generator.sources(tx, n, &mut report).await?;
    let restrictions = generator.restrictions(tx, n, &mut report).await?;
    let defenders = generator.defenders(tx, n, &organisations, &restrictions, &mut report).await?;
    generator.campaigns(tx, n, &organisations, &defenders, &restrictions.all, &mut report).await?;
    if existing.is_none() {
        // Ratings are per country, not per defender: written once, by the first run.
        generator.ratings(tx, &organisations, &mut report).await?;
    }
    report.citations = insert_all(tx, std::mem::take(&mut generator.citations), 2_000).await?;
    mark_loaded(tx, &format!("synthetic:seed-{}:{}-defenders:{}", options.seed, n, Uuid::now_v7())).await?;
    report.rows = report.defenders
        + report.other_names
        + report.case_events
        + report.affiliations
        + report.organisations
        + report.restrictions
        + report.status_changes
        + report.campaigns
        + report.campaign_subjects
        + report.sources
        + report.citations
        + report.ratings;

    let indexing = Instant::now();
    if let Some(deferred) = deferred {
        report.indexes_rebuilt = deferred.rebuild(tx).await?;
    }
    finish(db, transaction).await?;
    report.indexed_in = indexing.elapsed();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The synthetic organisation, if there is one, and how many defenders it
/// holds; refuses a database of real records unless told to mix them.
async fn synthetic_so_far(db: &DatabaseConnection, options: Options) -> anyhow::Result<(Option<Uuid>, u64)> {
    let existing = organisation::Entity::find().filter(organisation::Column::Name.eq(ORGANISATION)).one(db).await?;
    let existing = existing.map(|org| org.id);
    let real = real_records(db, existing).await?;
    if real > 0 && !options.allow_real_data {
        bail!(
            "the database holds {real} defenders, restrictions or campaigns that are not synthetic; synthetic data \
             would mix with them. Seed an empty database (start it with --skip-sample-data), or pass \
             --allow-real-data to write anyway"
        );
    }
    let already = match existing {
        Some(org) => defender::Entity::find().filter(defender::Column::ContributedById.eq(org)).count(db).await?,
        None => 0,
    };
    Ok((existing, already))
}

/// Files what the steps did not (the owning organisation, when new), and
/// commits; then refreshes the planners' statistics.
async fn finish(db: &DatabaseConnection, transaction: sea_orm::DatabaseTransaction) -> anyhow::Result<()> {
    let tx = &transaction;
    indexed(search::index_missing(tx).await)?;
    indexed(duplicates::file_missing(tx).await)?;
    if tx.get_database_backend() == DatabaseBackend::Sqlite {
        // The connection goes back to the pool: with the default cache again.
        tx.execute_unprepared("PRAGMA cache_size = -2000").await?;
    }
    transaction.commit().await?;
    // Fresh statistics: without them both planners guess the sizes of the
    // tables just filled and pick scans (queries run many times slower).
    crate::db::refresh_statistics(db, true).await.context("could not update the planner's statistics")?;
    Ok(())
}

/// Where records are placed: countries by weight, and some in a subdivision.
struct Places {
    subdivisions: HashMap<String, Vec<String>>,
    weights: u32,
}

impl Places {
    async fn load(db: &DatabaseConnection) -> anyhow::Result<Places> {
        let subdivisions =
            subdivision::Entity::find().all(db).await?.into_iter().fold(HashMap::new(), |mut map, subdivision| {
                map.entry(subdivision.country_code).or_insert_with(Vec::new).push(subdivision.code);
                map
            });
        Ok(Places { subdivisions, weights: COUNTRIES.iter().map(|(_, weight)| weight).sum() })
    }

    fn country(&self, rng: &mut Stream) -> &'static str {
        let mut draw = rng.random_range(0..self.weights);
        for (code, weight) in COUNTRIES {
            if draw < *weight {
                return code;
            }
            draw -= weight;
        }
        COUNTRIES[0].0
    }

    fn subdivision(&self, rng: &mut Stream, country: &str) -> Option<String> {
        let codes = self.subdivisions.get(country)?;
        if rng.random_range(0..10) < 6 { codes.choose(rng).cloned() } else { None }
    }
}

/// Restrictions written, for defenders and campaigns to refer to.
struct Restrictions {
    by_country: HashMap<&'static str, Vec<Uuid>>,
    all: Vec<Uuid>,
}

/// The state the steps share: the random stream, the owner of every record,
/// and the citations gathered along the way.
struct Generator {
    rng: Stream,
    now: DateTime<Utc>,
    owner: Uuid,
    places: Places,
    sources: Vec<Uuid>,
    citations: Vec<citation::ActiveModel>,
}

impl Generator {
    async fn new(db: &DatabaseConnection, rng: Stream) -> anyhow::Result<Generator> {
        Ok(Generator {
            rng,
            now: DateTime::from_timestamp(EPOCH_SECONDS.into(), 0).context("a fixed time")?,
            owner: Uuid::nil(),
            places: Places::load(db).await?,
            sources: Vec::new(),
            citations: Vec::new(),
        })
    }

    /// Cites one of the sources for a record.
    fn cite(&mut self, record: CitingRecord, record_id: Uuid) {
        let rng = &mut self.rng;
        self.citations.push(citation::ActiveModel {
            id: Set(id(rng)),
            source_id: Set(pick(rng, &self.sources)),
            record_type: Set(record.as_str().to_owned()),
            record_id: Set(record_id),
            locator: Set(Some("synthetic".into())),
            created_at: Set(self.now),
        });
    }

    /// The organisation that owns every synthetic record.
    async fn owner_organisation<C: ConnectionTrait>(&mut self, tx: &C) -> anyhow::Result<Uuid> {
        let owner = id(&mut self.rng);
        organisation::ActiveModel {
            id: Set(owner),
            name: Set(ORGANISATION.to_owned()),
            acronym: Set(Some("SYNTHETIC".into())),
            kind: Set(OrganisationKind::Academic),
            country_code: Set(None),
            website: Set(None),
            summary: Set(Some("SYNTHETIC: owner of generated benchmark records. None describes a real person.".into())),
            sort_key: Set(sort_key(ORGANISATION)),
            contributed_by_id: Set(None),
            merged_into_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(tx)
        .await?;
        Ok(owner)
    }

    /// Partner organisations, for affiliations and campaign leads.
    async fn organisations<C: ConnectionTrait>(
        &mut self,
        tx: &C,
        n: usize,
        report: &mut Report,
    ) -> anyhow::Result<Vec<Uuid>> {
        let count = (n / 50).max(5);
        let mut organisations = Vec::with_capacity(count);
        let (mut documents, mut names) = (Vec::new(), HashMap::new());
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let rng = &mut self.rng;
            let org_id = id(rng);
            organisations.push(org_id);
            let country = self.places.country(rng);
            let name = format!("Synthetic {} Collective {i}", pick(rng, OCCUPATIONS));
            documents.push((org_id, Document::organisation(&name, "", ORGANISATION_SUMMARY)));
            names.insert(org_id, vec![name.clone()]);
            rows.push(organisation::ActiveModel {
                id: Set(org_id),
                sort_key: Set(sort_key(&name)),
                name: Set(name),
                acronym: Set(None),
                kind: Set(pick(rng, &every::<OrganisationKind>())),
                country_code: Set(Some(country.to_owned())),
                website: Set(None),
                summary: Set(Some(ORGANISATION_SUMMARY.into())),
                contributed_by_id: Set(Some(self.owner)),
                merged_into_id: Set(None),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
        }
        report.organisations = insert_all(tx, rows, 500).await?;
        indexed(search::store(tx, SearchKind::Organisation, &documents).await)?;
        indexed(duplicates::file_many(tx, Mergeable::Organisation, names).await)?;
        Ok(organisations)
    }

    /// Sources, which every record cites.
    async fn sources<C: ConnectionTrait>(&mut self, tx: &C, n: usize, report: &mut Report) -> anyhow::Result<()> {
        let count = (n / 100).max(5);
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let source_id = id(&mut self.rng);
            self.sources.push(source_id);
            let title = format!("SYNTHETIC report {i}");
            rows.push(source::ActiveModel {
                id: Set(source_id),
                url: Set(Some(format!("https://synthetic.invalid/reports/{i}"))),
                sort_key: Set(sort_key(&title)),
                title: Set(title),
                publisher: Set(Some("Synthetic data".into())),
                published_on: Set(Some(date(&mut self.rng, 2005))),
                contributed_by_id: Set(Some(self.owner)),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
        }
        report.sources = insert_all(tx, rows, 500).await?;
        Ok(())
    }

    /// Restrictions, about one per five defenders, with their histories.
    async fn restrictions<C: ConnectionTrait>(
        &mut self,
        tx: &C,
        n: usize,
        report: &mut Report,
    ) -> anyhow::Result<Restrictions> {
        let count = (n / 5).max(1);
        let statuses = every::<RestrictionStatus>();
        let rights = every::<Right>();
        let mut written = Restrictions { by_country: HashMap::new(), all: Vec::with_capacity(count) };
        let (mut rows, mut right_rows, mut change_rows) = (Vec::new(), Vec::new(), Vec::new());
        let mut documents = Vec::with_capacity(count);
        for i in 0..count {
            let rng = &mut self.rng;
            let restriction_id = id(rng);
            let country = self.places.country(rng);
            written.by_country.entry(country).or_default().push(restriction_id);
            written.all.push(restriction_id);
            let introduced = date(rng, 2000);
            let year = introduced.year();
            let title = format!("{} (Amendment) Act {year} No. {i}", pick(rng, LAW_TOPICS));
            let status = pick(rng, &statuses);
            let (reference, summary) =
                (format!("SYN {year}/{i}"), format!("SYNTHETIC restriction {i}: curbs protest and association."));
            documents.push((restriction_id, Document::restriction(&title, &reference, &summary)));
            rows.push(restriction::ActiveModel {
                id: Set(restriction_id),
                sort_key: Set(sort_key(&title)),
                title: Set(title),
                reference: Set(Some(reference)),
                kind: Set(pick(rng, &every::<RestrictionKind>())),
                status: Set(status),
                country_code: Set(country.to_owned()),
                subdivision_code: Set(self.places.subdivision(rng, country)),
                introduced_on: Set(Some(introduced.clone())),
                decided_on: Set(None),
                summary: Set(Some(summary)),
                contributed_by_id: Set(Some(self.owner)),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            let chosen: HashSet<Right> = (0..rng.random_range(1..=3)).map(|_| pick(rng, &rights)).collect();
            right_rows.extend(chosen.into_iter().map(|right| restriction_right::ActiveModel {
                restriction_id: Set(restriction_id),
                right: Set(right),
            }));
            let changes = rng.random_range(1..=4);
            for step in 0..changes {
                let status = if step + 1 == changes { status } else { pick(rng, &statuses) };
                change_rows.push(restriction_status_change::ActiveModel {
                    id: Set(id(rng)),
                    restriction_id: Set(restriction_id),
                    status: Set(status),
                    changed_on: Set(Some(date(rng, year))),
                    note: Set(None),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                });
            }
            self.cite(CitingRecord::Restriction, restriction_id);
        }
        report.restrictions = insert_all(tx, rows, 1_000).await?;
        indexed(search::store(tx, SearchKind::Restriction, &documents).await)?;
        drop(documents);
        insert_all(tx, right_rows, 5_000).await?;
        report.status_changes = insert_all(tx, change_rows, 2_000).await?;
        Ok(written)
    }

    /// Defenders, written in chunks, with other names, sectors, case
    /// events, affiliations and restriction links.
    async fn defenders<C: ConnectionTrait>(
        &mut self,
        tx: &C,
        n: usize,
        organisations: &[Uuid],
        restrictions: &Restrictions,
        report: &mut Report,
    ) -> anyhow::Result<Vec<Uuid>> {
        let mut defenders = Vec::with_capacity(n);
        let mut chunk = DefenderChunk::default();
        let choices = DefenderChoices::new();
        for i in 0..n {
            if chunk.defenders.len() == DEFENDERS_PER_CHUNK {
                chunk.write(tx, report).await?;
            }
            let defender_id = self.defender(&mut chunk, &choices, i, organisations, restrictions);
            defenders.push(defender_id);
            self.cite(CitingRecord::Defender, defender_id);
        }
        chunk.write(tx, report).await?;
        Ok(defenders)
    }

    /// One defender and its rows, added to `chunk`.
    fn defender(
        &mut self,
        chunk: &mut DefenderChunk,
        choices: &DefenderChoices,
        i: usize,
        organisations: &[Uuid],
        restrictions: &Restrictions,
    ) -> Uuid {
        let now = self.now;
        let rng = &mut self.rng;
        let defender_id = id(rng);
        let country = self.places.country(rng);
        let (given, family) = (pick(rng, GIVEN_NAMES), pick(rng, FAMILY_NAMES));
        let name = format!("{given} {family} {i}");
        let public = rng.random_range(0..5) < 4;
        let occupation = pick(rng, OCCUPATIONS);
        let summary = format!("SYNTHETIC record {i}: a {occupation} facing threats.");
        let mut names = vec![name.clone()];
        chunk.defenders.push(defender::ActiveModel {
            id: Set(defender_id),
            sort_key: Set(sort_key(&name)),
            name: Set(name),
            country_code: Set(country.to_owned()),
            subdivision_code: Set(self.places.subdivision(rng, country)),
            occupation: Set(Some(occupation.to_owned())),
            summary: Set(Some(summary.clone())),
            status: Set(pick(rng, &choices.statuses)),
            consent: Set(if public { Consent::Given } else { Consent::Limited }),
            exact_location: Set(None),
            contact_details: Set(None),
            safety_notes: Set(None),
            contributed_by_id: Set(Some(self.owner)),
            merged_into_id: Set(None),
            visibility: Set(if public { Visibility::Public } else { Visibility::Partners }),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for _ in 0..rng.random_range(1..=3) {
            let other = format!("{} {}", pick(rng, FAMILY_NAMES), pick(rng, GIVEN_NAMES));
            names.push(other.clone());
            chunk.names.push(defender_name::ActiveModel {
                id: Set(id(rng)),
                defender_id: Set(defender_id),
                sort_key: Set(sort_key(&other)),
                name: Set(other),
                kind: Set(pick(rng, &choices.name_kinds)),
                language: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        let other_names: Vec<&str> = names[1..].iter().map(String::as_str).collect();
        chunk.documents.push((defender_id, Document::defender(&names[0], &other_names, occupation, &summary)));
        chunk.match_names.insert(defender_id, names);
        let chosen: HashSet<Sector> = (0..rng.random_range(1..=2)).map(|_| pick(rng, &choices.sectors)).collect();
        chunk.sectors.extend(
            chosen
                .into_iter()
                .map(|sector| defender_sector::ActiveModel { defender_id: Set(defender_id), sector: Set(sector) }),
        );
        let local = restrictions.by_country.get(country);
        for _ in 0..rng.random_range(1..=10) {
            let restriction_id = local.filter(|_| rng.random_range(0..4) == 0).map(|ids| pick(rng, ids));
            chunk.events.push(case_event::ActiveModel {
                id: Set(id(rng)),
                defender_id: Set(defender_id),
                kind: Set(pick(rng, &choices.event_kinds)),
                occurred_on: Set(Some(date(rng, 2000))),
                description: Set(Some("SYNTHETIC event.".into())),
                perpetrator_type: Set(Some(pick(rng, &choices.perpetrators))),
                sentence_months: Set(None),
                sentence_life: Set(false),
                restriction_id: Set(restriction_id),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for _ in 0..rng.random_range(0..=2) {
            chunk.affiliations.push(affiliation::ActiveModel {
                id: Set(id(rng)),
                defender_id: Set(defender_id),
                organisation_id: Set(pick(rng, organisations)),
                role: Set(Some("member".into())),
                started_on: Set(Some(date(rng, 2000))),
                ended_on: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        if let Some(ids) = local.filter(|_| rng.random_range(0..10) < 3) {
            chunk.links.push(defender_restriction::ActiveModel {
                id: Set(id(rng)),
                defender_id: Set(defender_id),
                restriction_id: Set(pick(rng, ids)),
                relation: Set(pick(rng, &choices.relations)),
                note: Set(None),
                created_at: Set(now),
            });
        }
        defender_id
    }

    /// Campaigns, about one per twenty defenders, each about several of them.
    async fn campaigns<C: ConnectionTrait>(
        &mut self,
        tx: &C,
        n: usize,
        organisations: &[Uuid],
        defenders: &[Uuid],
        restrictions: &[Uuid],
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let count = (n / 20).max(1);
        let (mut rows, mut subject_rows, mut target_rows, mut area_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut documents = Vec::with_capacity(count);
        for i in 0..count {
            let rng = &mut self.rng;
            let campaign_id = id(rng);
            let country = self.places.country(rng);
            let title = format!("{} {} {i}", pick(rng, CAMPAIGN_TOPICS), codes_name(country));
            let summary = format!("SYNTHETIC campaign {i}.");
            documents.push((campaign_id, Document::campaign(&title, &summary, "")));
            rows.push(campaign::ActiveModel {
                id: Set(campaign_id),
                sort_key: Set(sort_key(&title)),
                title: Set(title),
                kind: Set(pick(rng, &every::<CampaignKind>())),
                status: Set(pick(rng, &every::<CampaignStatus>())),
                lead_organisation_id: Set(Some(pick(rng, organisations))),
                started_on: Set(Some(date(rng, 2010))),
                ended_on: Set(None),
                summary: Set(Some(summary)),
                outcome: Set(Some(pick(rng, &every::<CampaignOutcome>()))),
                outcome_summary: Set(None),
                contributed_by_id: Set(Some(self.owner)),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            let subjects: HashSet<Uuid> = (0..rng.random_range(2..=8)).map(|_| pick(rng, defenders)).collect();
            subject_rows.extend(subjects.into_iter().map(|defender_id| campaign_defender::ActiveModel {
                campaign_id: Set(campaign_id),
                defender_id: Set(defender_id),
            }));
            let targets: HashSet<Uuid> = (0..rng.random_range(0..=2)).map(|_| pick(rng, restrictions)).collect();
            target_rows.extend(targets.into_iter().map(|restriction_id| campaign_restriction::ActiveModel {
                campaign_id: Set(campaign_id),
                restriction_id: Set(restriction_id),
            }));
            area_rows.push(campaign_area::ActiveModel {
                id: Set(id(rng)),
                campaign_id: Set(campaign_id),
                country_code: Set(country.to_owned()),
                subdivision_code: Set(None),
            });
            self.cite(CitingRecord::Campaign, campaign_id);
        }
        report.campaigns = insert_all(tx, rows, 1_000).await?;
        indexed(search::store(tx, SearchKind::Campaign, &documents).await)?;
        report.campaign_subjects =
            insert_all(tx, subject_rows, 5_000).await? + insert_all(tx, target_rows, 5_000).await?;
        insert_all(tx, area_rows, 2_000).await?;
        Ok(())
    }

    /// A civic-space rating history for every weighted country: a first
    /// rating between 2012 and 2016, then a new one every one to three
    /// years up to 2025, most a step up or down the scale. One in ten is
    /// for partners only.
    async fn ratings<C: ConnectionTrait>(
        &mut self,
        tx: &C,
        organisations: &[Uuid],
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let scale: Vec<CivicSpaceRating> = every();
        let mut rows = Vec::new();
        for (country, _) in COUNTRIES {
            let mut step = self.rng.random_range(0..scale.len());
            let mut year = self.rng.random_range(2012..=2016);
            while year <= 2025 {
                let rating_id = id(&mut self.rng);
                let rated_on: PartialDate = format!("{year}-{:02}", self.rng.random_range(1..=12)).parse()?;
                rows.push(country_rating::ActiveModel {
                    id: Set(rating_id),
                    country_code: Set((*country).to_owned()),
                    rating: Set(scale[step]),
                    sort_key: Set(crate::service::ratings::edits::sort_key(country, &rated_on)),
                    rated_on: Set(rated_on),
                    organisation_id: Set(Some(pick(&mut self.rng, organisations))),
                    source_id: Set(Some(pick(&mut self.rng, &self.sources))),
                    note: Set(Some(format!("SYNTHETIC assessment of {}", codes_name(country)))),
                    contributed_by_id: Set(Some(self.owner)),
                    visibility: Set(if self.rng.random_ratio(1, 10) {
                        Visibility::Partners
                    } else {
                        Visibility::Public
                    }),
                    version: Set(1),
                    archived_at: Set(None),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                });
                step = match self.rng.random_range(0..4) {
                    0 => step.saturating_sub(1),
                    1 | 2 => (step + 1).min(scale.len() - 1),
                    _ => step,
                };
                year += self.rng.random_range(1..=3);
            }
        }
        report.ratings = insert_all(tx, rows, 1_000).await?;
        Ok(())
    }
}

/// The values a defender's enumerated fields are drawn from.
struct DefenderChoices {
    statuses: Vec<DefenderStatus>,
    sectors: Vec<Sector>,
    event_kinds: Vec<CaseEventKind>,
    perpetrators: Vec<PerpetratorType>,
    name_kinds: Vec<OtherNameKind>,
    relations: Vec<DefenderRestrictionRelation>,
}

impl DefenderChoices {
    fn new() -> Self {
        DefenderChoices {
            statuses: every(),
            sectors: every(),
            event_kinds: every(),
            perpetrators: every(),
            name_kinds: every(),
            relations: every(),
        }
    }
}

/// The outcome of writing search documents or duplicate-detection keys.
fn indexed<T>(result: crate::error::AppResult<T>) -> anyhow::Result<T> {
    result.map_err(|_| anyhow::anyhow!("could not write the search documents and duplicate keys of synthetic records"))
}

/// SQLite's page cache while seeding (64 MiB; a negative `cache_size` counts KiB). The
/// default 2 MiB cannot hold the index pages that each chunk's inserts
/// touch, and every miss becomes a read and a write of the WAL.
const SEEDING_CACHE: i64 = -65_536;

/// Defenders written per round: the generator's memory stays bounded by
/// a chunk, whatever the number asked for.
const DEFENDERS_PER_CHUNK: usize = 5_000;

/// Rows of a chunk of defenders, with their search documents and names for
/// duplicate detection, written together.
#[derive(Default)]
struct DefenderChunk {
    defenders: Vec<defender::ActiveModel>,
    names: Vec<defender_name::ActiveModel>,
    sectors: Vec<defender_sector::ActiveModel>,
    events: Vec<case_event::ActiveModel>,
    affiliations: Vec<affiliation::ActiveModel>,
    links: Vec<defender_restriction::ActiveModel>,
    documents: Vec<(Uuid, Document)>,
    match_names: HashMap<Uuid, Vec<String>>,
}

impl DefenderChunk {
    /// Writes the chunk and empties it.
    async fn write<C: ConnectionTrait>(&mut self, tx: &C, report: &mut Report) -> anyhow::Result<()> {
        let chunk = std::mem::take(self);
        report.defenders += insert_all(tx, chunk.defenders, 1_000).await?;
        report.other_names += insert_all(tx, chunk.names, 2_000).await?;
        insert_all(tx, chunk.sectors, 5_000).await?;
        report.case_events += insert_all(tx, chunk.events, 2_000).await?;
        report.affiliations += insert_all(tx, chunk.affiliations, 2_000).await?;
        insert_all(tx, chunk.links, 2_000).await?;
        indexed(search::store(tx, SearchKind::Defender, &chunk.documents).await)?;
        indexed(duplicates::file_many(tx, Mergeable::Defender, chunk.match_names).await)?;
        Ok(())
    }
}

fn codes_name(country: &str) -> String {
    crate::service::codes::country_name(country)
}
