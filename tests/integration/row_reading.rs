//! Models read by column position (`entity::RowReader`) are the models
//! sea-orm reads by column name, on both databases, for every entity the
//! listings read; a row shaped otherwise is read by name.

use crate::common;

use entity::{FromRow, RowReader};
use sea_orm::{ConnectionTrait, EntityTrait, Iterable, QuerySelect, QueryTrait};

use common::TestApp;

/// The entity's rows read both ways: they must agree, by position.
async fn read_both_ways<E>(app: &TestApp, entity: E) -> usize
where
    E: EntityTrait<Model: FromRow + PartialEq + std::fmt::Debug>,
{
    let by_name = E::find().all(&app.db).await.expect("read by name");
    let rows = app.db.query_all(E::find().as_query()).await.expect("query");
    let reader = RowReader::<E::Model>::new(rows.first());
    if !rows.is_empty() {
        assert!(reader.is_positional(), "{} rows are read by position", entity.table_name());
    }
    let by_position: Vec<E::Model> = rows.iter().map(|row| reader.read(row).expect("read by position")).collect();
    assert_eq!(by_position, by_name, "{}", entity.table_name());
    by_name.len()
}

engine_tests!(positions_read_what_names_read, |app: TestApp| async move {
    // Records of every kind, with NULL and non-NULL values in their
    // optional columns.
    let (ok, _, err) = common::cli(&app, &["seed", "synthetic", "--defenders", "200", "--allow-real-data"]);
    assert!(ok, "seeding: {err}");
    // Optional time and id columns with values too.
    app.db
        .execute_unprepared("UPDATE defender SET archived_at = updated_at, merged_into_id = id WHERE sort_key < 'c'")
        .await
        .expect("update");
    use entity::*;
    let counts = [
        read_both_ways(&app, affiliation::Entity).await,
        read_both_ways(&app, campaign::Entity).await,
        read_both_ways(&app, case_event::Entity).await,
        read_both_ways(&app, country::Entity).await,
        read_both_ways(&app, defender::Entity).await,
        read_both_ways(&app, organisation::Entity).await,
        read_both_ways(&app, restriction::Entity).await,
        read_both_ways(&app, restriction_status_change::Entity).await,
        read_both_ways(&app, source::Entity).await,
        read_both_ways(&app, subdivision::Entity).await,
        read_both_ways(&app, indicator::Entity).await,
        read_both_ways(&app, audit_trail::Entity).await,
    ];
    // Every entity but the last two (the sample data's indicators and the
    // audit trail of writes) has rows from the synthetic data.
    assert!(counts[..10].iter().all(|count| *count > 0), "rows per entity: {counts:?}");
});

engine_tests!(other_row_shapes_are_read_by_name, |app: TestApp| async move {
    // The whole app, not only its `db` field, lives as long as the test
    // (its database is dropped with it).
    let app = &app;
    use entity::defender;
    // The same columns in another order: positions do not line up, names do.
    let columns: Vec<defender::Column> = defender::Column::iter().collect();
    let select = defender::Entity::find().select_only().columns(columns.into_iter().rev());
    let rows = app.db.query_all(select.as_query()).await.expect("query");
    assert!(!rows.is_empty());
    let reader = RowReader::<defender::Model>::new(rows.first());
    assert!(!reader.is_positional());
    let mut read: Vec<defender::Model> = rows.iter().map(|row| reader.read(row).expect("read by name")).collect();
    let mut expected = defender::Entity::find().all(&app.db).await.expect("read");
    expected.sort_by_key(|model| model.id);
    read.sort_by_key(|model| model.id);
    assert_eq!(read, expected);
});
