//! Standing counts for dashboards: how many live records of each kind there
//! are per value of each chart dimension (country, status, ...) and per
//! audience (visibility, consent, contributor). A chart without a filter sums
//! the rows a viewer's audience covers instead of grouping every record.
//!
//! The database keeps the counts exact itself, with triggers on the record
//! tables, so that every write counts, whichever path makes it: the service,
//! an import, the seed loader or an operator's SQL. A record counts while it
//! is neither archived nor merged away, as the visibility rule requires; the
//! records a viewer sees only because they were shared with its organisation
//! are counted at read time, from the shares.
//!
//! On PostgreSQL the triggers run once per statement, over its transition
//! tables, and first take the lock that orders writers (the change feed's
//! sequence lock), so that two writers never wait on each other's count
//! rows in opposite orders. On SQLite, where writers are one at a time, they
//! run once per row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// The key of the PostgreSQL advisory lock that orders writers: taken by
/// each transaction that appends to the change feed, and by the count
/// triggers, until the transaction ends.
pub const WRITER_LOCK: i64 = 0x7267_6368_616e_6765; // "rgchange"

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A record table whose rows are counted, and its dimensions.
struct Tallied {
    table: &'static str,
    /// Whether a merge can absorb its rows (`merged_into_id`).
    mergeable: bool,
    /// Whether its public rows need consent (`consent`): then the count
    /// keeps the consent, else an empty text.
    consent: bool,
    /// Each dimension's name and the expression of its key over a row `r`
    /// (`{r}` is replaced). A row whose key is NULL is not counted in it.
    dimensions: &'static [(&'static str, &'static str)],
}

/// The dimension every record counts in once, with an empty key: the total.
const TOTAL: (&str, &str) = ("total", "''");

/// A year from a partial date (`2015`, `2015-03`, `2015-03-08`), where it
/// has one: as `statistics` groups by year.
const YEAR_INTRODUCED: &str = "CASE WHEN LENGTH({r}.introduced_on) >= 4 THEN SUBSTR({r}.introduced_on, 1, 4) END";

const TALLIED: &[Tallied] = &[
    Tallied {
        table: "defender",
        mergeable: true,
        consent: true,
        dimensions: &[
            TOTAL,
            ("country", "{r}.country_code"),
            ("subdivision", "{r}.subdivision_code"),
            ("status", "{r}.status"),
        ],
    },
    Tallied {
        table: "restriction",
        mergeable: false,
        consent: false,
        dimensions: &[
            TOTAL,
            ("country", "{r}.country_code"),
            ("subdivision", "{r}.subdivision_code"),
            ("jurisdiction", "COALESCE({r}.subdivision_code, {r}.country_code)"),
            ("status", "{r}.status"),
            ("kind", "{r}.kind"),
            ("year_introduced", YEAR_INTRODUCED),
        ],
    },
    Tallied {
        table: "campaign",
        mergeable: false,
        consent: false,
        dimensions: &[TOTAL, ("status", "{r}.status"), ("kind", "{r}.kind"), ("outcome", "{r}.outcome")],
    },
];

const COLUMNS: &str = "record_type, dimension, key, visibility, consent, contributed_by_id";

/// The nil UUID, which stands for "no contributor" in the counts (a key
/// column cannot be NULL and still conflict), in each engine's storage of UUIDs.
fn nil_uuid(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "'00000000-0000-0000-0000-000000000000'::uuid",
        _ => "X'00000000000000000000000000000000'",
    }
}

impl Tallied {
    /// One row per dimension of the record `r` (read `from` where given),
    /// counting `sign`, if the record is live.
    fn rows(&self, backend: DatabaseBackend, r: &str, from: &str, sign: i32) -> String {
        let consent = if self.consent { format!("{r}.consent") } else { "''".to_owned() };
        let mut live = format!("{r}.archived_at IS NULL");
        if self.mergeable {
            live.push_str(&format!(" AND {r}.merged_into_id IS NULL"));
        }
        let nil = nil_uuid(backend);
        self.dimensions
            .iter()
            .map(|(dimension, key)| {
                let key = key.replace("{r}", r);
                format!(
                    "SELECT '{dimension}' AS dimension, {key} AS key, {r}.visibility AS visibility, {consent} AS consent, \
                     COALESCE({r}.contributed_by_id, {nil}) AS contributed_by_id, {sign} AS n {from} WHERE {live}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// Adds the rows (a UNION of [`Tallied::rows`]) to the counts.
    fn apply(&self, rows: &str) -> String {
        format!(
            "INSERT INTO record_tally ({COLUMNS}, count) \
             SELECT '{table}', dimension, key, visibility, consent, contributed_by_id, SUM(n) FROM ({rows}) AS delta \
             WHERE key IS NOT NULL \
             GROUP BY dimension, key, visibility, consent, contributed_by_id HAVING SUM(n) <> 0 \
             ORDER BY dimension, key, visibility, consent, contributed_by_id \
             ON CONFLICT ({COLUMNS}) DO UPDATE SET count = record_tally.count + excluded.count",
            table = self.table,
        )
    }

    /// The statements that create the triggers keeping this table's counts.
    fn triggers(&self, backend: DatabaseBackend) -> Vec<String> {
        let table = self.table;
        match backend {
            DatabaseBackend::Postgres => {
                let inserted = self.apply(&self.rows(backend, "r", "FROM new_rows AS r", 1));
                let deleted = self.apply(&self.rows(backend, "r", "FROM old_rows AS r", -1));
                let updated = self.apply(&format!(
                    "{} UNION ALL {}",
                    self.rows(backend, "r", "FROM old_rows AS r", -1),
                    self.rows(backend, "r", "FROM new_rows AS r", 1)
                ));
                let mut statements = vec![format!(
                    "CREATE FUNCTION record_tally_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                       PERFORM pg_advisory_xact_lock({WRITER_LOCK});
                       IF TG_OP = 'INSERT' THEN {inserted};
                       ELSIF TG_OP = 'UPDATE' THEN {updated};
                       ELSE {deleted};
                       END IF;
                       RETURN NULL;
                     END $$"
                )];
                for (event, transitions) in [
                    ("INSERT", "NEW TABLE AS new_rows"),
                    ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                    ("DELETE", "OLD TABLE AS old_rows"),
                ] {
                    statements.push(format!(
                        "CREATE TRIGGER record_tally_{table}_{event} AFTER {event} ON {table} \
                         REFERENCING {transitions} FOR EACH STATEMENT EXECUTE FUNCTION record_tally_{table}()",
                        event = event.to_lowercase(),
                    ));
                }
                statements
            }
            _ => {
                let inserted = self.apply(&self.rows(backend, "NEW", "", 1));
                let deleted = self.apply(&self.rows(backend, "OLD", "", -1));
                let updated = self.apply(&format!(
                    "{} UNION ALL {}",
                    self.rows(backend, "OLD", "", -1),
                    self.rows(backend, "NEW", "", 1)
                ));
                vec![
                    format!("CREATE TRIGGER record_tally_{table}_insert AFTER INSERT ON {table} BEGIN {inserted}; END"),
                    format!("CREATE TRIGGER record_tally_{table}_update AFTER UPDATE ON {table} BEGIN {updated}; END"),
                    format!("CREATE TRIGGER record_tally_{table}_delete AFTER DELETE ON {table} BEGIN {deleted}; END"),
                ]
            }
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table("record_tally")
                    .col(ColumnDef::new("record_type").string().not_null())
                    .col(ColumnDef::new("dimension").string().not_null())
                    .col(ColumnDef::new("key").string().not_null())
                    .col(ColumnDef::new("visibility").string().not_null())
                    .col(ColumnDef::new("consent").string().not_null())
                    .col(ColumnDef::new("contributed_by_id").uuid().not_null())
                    .col(ColumnDef::new("count").big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col("record_type")
                            .col("dimension")
                            .col("key")
                            .col("visibility")
                            .col("consent")
                            .col("contributed_by_id"),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for tallied in TALLIED {
            // The records there are now, then every change from here on.
            let table = tallied.table;
            db.execute_unprepared(&tallied.apply(&tallied.rows(backend, "r", &format!("FROM {table} AS r"), 1)))
                .await?;
            for statement in tallied.triggers(backend) {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for tallied in TALLIED {
            for event in ["insert", "update", "delete"] {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS record_tally_{table}_{event}{on}",
                    table = tallied.table,
                    on = match manager.get_database_backend() {
                        DatabaseBackend::Postgres => format!(" ON {}", tallied.table),
                        _ => String::new(),
                    }
                ))
                .await?;
            }
            if manager.get_database_backend() == DatabaseBackend::Postgres {
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS record_tally_{}()", tallied.table)).await?;
            }
        }
        manager.drop_table(Table::drop().table("record_tally").to_owned()).await
    }
}
