//! `rights-graph seed synthetic`: the dataset's shape, its marking, its
//! determinism, and the refusal to mix with real records.

use crate::common;

use common::{TestApp, cli};

const COUNTS: &str = "{ defenders { totalCount } restrictions { totalCount } campaigns { totalCount } }";
const FIRST_NAMES: &str =
    "{ defenders(first: 20, orderBy: { field: NAME }) { nodes { name otherNames { name } country { code } } } }";

fn seed(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut all = vec!["seed", "synthetic"];
    all.extend_from_slice(args);
    let (ok, _, err) = cli(app, &all);
    (ok, err)
}

/// A fresh database without the sample data.
/// A server on an empty database. `seed` writes behind the server's back, as
/// it does into a database not yet served (it writes no audit entries), so the
/// response cache, which follows the audit sequence, is off.
async fn empty(engine: common::Engine) -> TestApp {
    TestApp::spawn_configured(engine, |settings| {
        settings.skip_sample_data = true;
        settings.cache.response_cache_mib = 0;
    })
    .await
}

/// Every index of the database, with its definition, in name order.
async fn indexes(app: &TestApp) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
        }
        _ => "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name",
    };
    let rows = app.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter().map(|row| (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap())).collect()
}

async fn generates_marked_deterministic_data(engine: common::Engine) {
    let app = empty(engine).await;
    let indexes_before = indexes(&app).await;
    let (ok, report) = seed(&app, &["--defenders", "200", "--seed", "7"]);
    assert!(ok, "{report}");
    assert!(report.contains("200 defenders"), "{report}");
    // Into an empty database the secondary indexes are built after the load,
    // and come back exactly as the migrations defined them.
    assert!(!report.contains("(0 rebuilt)"), "{report}");
    assert_eq!(indexes(&app).await, indexes_before);
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entity::defender::Entity::find().count(&app.db).await.unwrap(), 200);
    assert_eq!(entity::restriction::Entity::find().count(&app.db).await.unwrap(), 40);
    assert_eq!(entity::campaign::Entity::find().count(&app.db).await.unwrap(), 10);
    // Each record was written with its search document and duplicate keys.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let scalar = |sql: &str| {
        let statement = Statement::from_string(backend, sql.to_owned());
        let db = app.db.clone();
        async move { db.query_one_raw(statement).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() }
    };
    let records = scalar(
        "SELECT (SELECT COUNT(*) FROM defender) + (SELECT COUNT(*) FROM restriction) + (SELECT COUNT(*) FROM campaign) \
         + (SELECT COUNT(*) FROM organisation)",
    )
    .await;
    assert_eq!(scalar("SELECT COUNT(*) FROM search_document").await, records);
    let unfiled = "SELECT COUNT(*) FROM defender WHERE NOT EXISTS \
                   (SELECT 1 FROM match_key WHERE record_type = 'defender' AND record_id = defender.id)";
    assert_eq!(scalar(unfiled).await, 0, "every defender has duplicate-detection keys");
    let events = entity::case_event::Entity::find().count(&app.db).await.unwrap();
    assert!((200..=2_000).contains(&events), "{events} case events");
    // About four in five are public.
    let public = app.data(COUNTS).await["defenders"]["totalCount"].as_u64().unwrap();
    assert!((120..200).contains(&public), "{public} public defenders");
    // Every record is marked, and belongs to the synthetic organisation.
    let data = app
        .data("{ defenders(first: 100) { nodes { summary } } restrictions(first: 100) { nodes { summary } } }")
        .await;
    for node in
        data["defenders"]["nodes"].as_array().unwrap().iter().chain(data["restrictions"]["nodes"].as_array().unwrap())
    {
        assert!(node["summary"].as_str().unwrap().starts_with("SYNTHETIC"), "{node}");
    }
    // Case events, other names, affiliations and campaign subjects exist.
    let data = app
        .data("{ defenders(first: 50) { nodes { otherNames { name } events { totalCount } } } campaigns(first: 5) { nodes { defenders { totalCount } } } }")
        .await;
    for node in data["defenders"]["nodes"].as_array().unwrap() {
        let events = node["events"]["totalCount"].as_u64().unwrap();
        assert!((1..=10).contains(&events), "{node}");
        assert!(!node["otherNames"].as_array().unwrap().is_empty(), "{node}");
    }
    for node in data["campaigns"]["nodes"].as_array().unwrap() {
        assert!(node["defenders"]["totalCount"].as_u64().unwrap() >= 1, "{node}");
    }
    // Searchable at once: every public defender's summary says "facing threats".
    let found = app.data(r#"{ search(query: "facing threats", types: [DEFENDER]) { totalCount } }"#).await;
    assert_eq!(found["search"]["totalCount"].as_u64().unwrap(), public);
    let first = app.data(FIRST_NAMES).await;

    // The same seed on another fresh database gives the same dataset; another seed does not.
    let again = empty(engine).await;
    assert!(seed(&again, &["--defenders", "200", "--seed", "7"]).0);
    assert_eq!(again.data(FIRST_NAMES).await, first);
    let other = empty(engine).await;
    assert!(seed(&other, &["--defenders", "200", "--seed", "8"]).0);
    assert_ne!(other.data(FIRST_NAMES).await, first);
    // A second run on the same database adds to it, keeping the indexes up
    // to date as it goes (ten defenders into two hundred).
    let (ok, report) = seed(&app, &["--defenders", "10", "--seed", "7"]);
    assert!(ok && report.contains("(0 rebuilt)"), "{report}");
    assert_eq!(indexes(&app).await, indexes_before);
    assert_eq!(app.data(COUNTS).await["restrictions"]["totalCount"], 42);
}

async fn refuses_to_mix_with_real_records(engine: common::Engine) {
    // With the sample data (real people); the cache off, as in `empty`.
    let app = TestApp::spawn_configured(engine, |settings| settings.cache.response_cache_mib = 0).await;
    let before = app.data(COUNTS).await;
    let (ok, err) = seed(&app, &["--defenders", "20"]);
    assert!(!ok);
    assert!(err.contains("not synthetic") && err.contains("--allow-real-data"), "{err}");
    assert_eq!(app.data(COUNTS).await, before, "nothing written");
    let (ok, err) = seed(&app, &["--defenders", "20", "--allow-real-data"]);
    assert!(ok, "{err}");
    assert_eq!(
        app.data(COUNTS).await["restrictions"]["totalCount"],
        before["restrictions"]["totalCount"].as_u64().unwrap() + 4
    );
    let (ok, err) = seed(&app, &["--defenders", "0"]);
    assert!(!ok && err.contains("--defenders must be between 1"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_data_sqlite() {
    generates_marked_deterministic_data(common::Engine::Sqlite).await;
    refuses_to_mix_with_real_records(common::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_data_postgres() {
    generates_marked_deterministic_data(common::Engine::Postgres).await;
    refuses_to_mix_with_real_records(common::Engine::Postgres).await;
}
