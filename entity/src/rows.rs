//! Reading models by column position.
//!
//! sea-orm's derived `FromQueryResult` finds every value by column name (a
//! hash lookup, twice, per value) and, for every SQL NULL read into an
//! `Option`, formats the column's name into an error that it then discards.
//! On a listing page that is most of the cost of turning rows into models.
//! [`FromRow`] reads the columns of a plain `find()` by position instead,
//! once it has checked that the row's columns are the entity's, in the
//! entity's order; any other row shape is read by name as before. Values are
//! decoded by the same sqlx types sea-orm uses, so both paths give the same
//! model.

use std::marker::PhantomData;

use sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm::sqlx::postgres::{PgRow, PgTypeInfo};
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{self, Column as _, Postgres, Row as _};
use sea_orm::{DbErr, FromQueryResult, QueryResult};

/// A model that can be read from a row of its entity's `find()` by position.
pub trait FromRow: FromQueryResult {
    /// The model's columns in the order `find()` selects them; empty for a
    /// model that is always read by name.
    const COLUMNS: &'static [&'static str] = &[];

    /// Whether the row's first columns are [`Self::COLUMNS`], with types
    /// the fields decode.
    fn fits<R: Positional>(_row: &R) -> bool {
        false
    }

    /// Reads the model by position from a row that [fits](Self::fits).
    fn read_positional<R: Positional>(_row: &R) -> Result<Self, DbErr> {
        Err(DbErr::Type("this model is read by column name".to_owned()))
    }
}

/// Reads the models of one result set, by position when its first row fits
/// the model (the rows of a result set share their columns), by name
/// otherwise.
pub struct RowReader<M> {
    positional: bool,
    model: PhantomData<fn() -> M>,
}

impl<M: FromRow> RowReader<M> {
    /// The reader for a result set, given its first row.
    pub fn new(first: Option<&QueryResult>) -> Self {
        let positional = match first {
            Some(row) => match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
                (Some(row), _) => M::fits(row),
                (None, Some(row)) => M::fits(row),
                (None, None) => false,
            },
            None => false,
        };
        RowReader { positional, model: PhantomData }
    }

    /// Whether the rows are read by position.
    pub fn is_positional(&self) -> bool {
        self.positional
    }

    /// Reads all the rows of a result set.
    pub fn read_all(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
        let reader = Self::new(rows.first());
        rows.iter().map(|row| reader.read(row)).collect()
    }

    /// Reads one row of the result set.
    pub fn read(&self, row: &QueryResult) -> Result<M, DbErr> {
        if self.positional {
            if let Some(row) = row.try_as_pg_row() {
                return M::read_positional(row);
            }
            if let Some(row) = row.try_as_sqlite_row() {
                return M::read_positional(row);
            }
        }
        M::from_query_result(row, "")
    }
}

/// A database row read by column position.
pub trait Positional {
    /// Whether the row's first columns have these names, in this order.
    fn begins_with(&self, names: &[&str]) -> bool;
    /// Whether the column at `index` (which exists) decodes as `T`.
    fn fits<T: ColumnValue>(&self, index: usize) -> bool;
    /// The value at `index`; `None` for SQL NULL.
    fn value<T: ColumnValue>(&self, index: usize) -> Result<Option<T>, DbErr>;
}

fn begins_with<C: sqlx::Column>(columns: &[C], names: &[&str]) -> bool {
    columns.len() >= names.len() && columns.iter().zip(names).all(|(column, name)| column.name() == *name)
}

/// PostgreSQL describes a result set's column types once, in its row
/// description: they are checked when the reader is made, not per value.
impl Positional for PgRow {
    fn begins_with(&self, names: &[&str]) -> bool {
        begins_with(self.columns(), names)
    }

    fn fits<T: ColumnValue>(&self, index: usize) -> bool {
        self.columns().get(index).is_some_and(|column| T::fits_postgres(column.type_info()))
    }

    fn value<T: ColumnValue>(&self, index: usize) -> Result<Option<T>, DbErr> {
        T::from_postgres(self, index)
    }
}

/// A SQLite value's type is its own, not its column's: every value is
/// checked as it is decoded.
impl Positional for SqliteRow {
    fn begins_with(&self, names: &[&str]) -> bool {
        begins_with(self.columns(), names)
    }

    fn fits<T: ColumnValue>(&self, _index: usize) -> bool {
        true
    }

    fn value<T: ColumnValue>(&self, index: usize) -> Result<Option<T>, DbErr> {
        T::from_sqlite(self, index)
    }
}

/// A column type read by position.
pub trait ColumnValue: Sized {
    /// Whether a PostgreSQL column of this type decodes as `Self`.
    fn fits_postgres(column: &PgTypeInfo) -> bool;
    /// The value at `index` of a PostgreSQL row whose column types were
    /// checked with [`Self::fits_postgres`]; `None` for NULL.
    fn from_postgres(row: &PgRow, index: usize) -> Result<Option<Self>, DbErr>;
    /// The value at `index` of a SQLite row; `None` for NULL.
    fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Option<Self>, DbErr>;
}

fn decode_error(index: usize, error: sqlx::Error) -> DbErr {
    DbErr::Type(format!("column {index}: {error}"))
}

/// Types sqlx decodes itself on both databases.
macro_rules! sqlx_column_value {
    ($($type:ty),+) => {$(
        impl ColumnValue for $type {
            fn fits_postgres(column: &PgTypeInfo) -> bool {
                <$type as sqlx::Type<Postgres>>::compatible(column)
            }
            fn from_postgres(row: &PgRow, index: usize) -> Result<Option<Self>, DbErr> {
                row.try_get_unchecked::<Option<$type>, usize>(index).map_err(|error| decode_error(index, error))
            }
            fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Option<Self>, DbErr> {
                row.try_get::<Option<$type>, usize>(index).map_err(|error| decode_error(index, error))
            }
        }
    )+};
}

sqlx_column_value!(String, Uuid, i32, i64, bool, DateTimeUtc);

/// A model field: a column value, or an optional one.
pub trait Field: Sized {
    /// Whether the column at `index` decodes as this field.
    fn fits<R: Positional>(row: &R, index: usize) -> bool;
    /// The field from the value at `index`, named `column` in errors.
    fn read<R: Positional>(row: &R, index: usize, column: &str) -> Result<Self, DbErr>;
}

/// Whether a column decodes as the field `field` reaches, a function that
/// serves only to name the field's type.
pub fn field_fits<M, T: Field, R: Positional>(row: &R, index: usize, _field: fn(&M) -> &T) -> bool {
    T::fits(row, index)
}

impl<T: ColumnValue> Field for T {
    fn fits<R: Positional>(row: &R, index: usize) -> bool {
        row.fits::<T>(index)
    }

    fn read<R: Positional>(row: &R, index: usize, column: &str) -> Result<Self, DbErr> {
        row.value(index)?.ok_or_else(|| DbErr::Type(format!("column {column} is NULL")))
    }
}

impl<T: ColumnValue> Field for Option<T> {
    fn fits<R: Positional>(row: &R, index: usize) -> bool {
        row.fits::<T>(index)
    }

    fn read<R: Positional>(row: &R, index: usize, _column: &str) -> Result<Self, DbErr> {
        row.value(index)
    }
}

/// Implements [`FromRow`] for an entity module's `Model`, reading the
/// columns by position. The fields are listed in declaration order (the
/// order `find()` selects them); a missing or unknown field does not
/// compile, and `tests::positions_follow_the_entities` checks the order.
macro_rules! positional {
    ($module:ident { $($field:ident),+ $(,)? }) => {
        impl FromRow for crate::$module::Model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn fits<R: Positional>(row: &R) -> bool {
                let mut index = 0;
                row.begins_with(Self::COLUMNS)
                    $(&& field_fits(row, { index += 1; index - 1 }, |model: &Self| &model.$field))+
            }

            fn read_positional<R: Positional>(row: &R) -> Result<Self, DbErr> {
                let mut index = 0;
                let mut next = || {
                    index += 1;
                    index - 1
                };
                Ok(Self { $($field: Field::read(row, next(), stringify!($field))?),+ })
            }
        }
    };
}

positional!(affiliation { id, defender_id, organisation_id, role, started_on, ended_on, created_at, updated_at });
positional!(audit_trail {
    id,
    record_type,
    record_id,
    action,
    version,
    organisation_id,
    api_key_id,
    changes,
    created_at,
    subject_id,
    statement_id,
});
positional!(campaign {
    id,
    title,
    kind,
    status,
    lead_organisation_id,
    started_on,
    ended_on,
    summary,
    outcome,
    outcome_summary,
    sort_key,
    contributed_by_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(case_event {
    id,
    defender_id,
    kind,
    occurred_on,
    description,
    perpetrator_type,
    sentence_months,
    sentence_life,
    restriction_id,
    created_at,
    updated_at,
});
positional!(country { code, alpha3, numeric, name, sort_key });
positional!(country_rating {
    id,
    country_code,
    rating,
    rated_on,
    organisation_id,
    source_id,
    note,
    sort_key,
    contributed_by_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(defender {
    id,
    name,
    country_code,
    subdivision_code,
    occupation,
    summary,
    status,
    consent,
    exact_location,
    contact_details,
    safety_notes,
    sort_key,
    contributed_by_id,
    merged_into_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(indicator {
    id,
    key,
    description,
    value,
    qualifier,
    unit,
    year,
    country_code,
    source_id,
    contributed_by_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(organisation {
    id,
    name,
    acronym,
    kind,
    country_code,
    website,
    summary,
    sort_key,
    contributed_by_id,
    merged_into_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(restriction {
    id,
    title,
    reference,
    kind,
    status,
    country_code,
    subdivision_code,
    introduced_on,
    decided_on,
    summary,
    sort_key,
    contributed_by_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(restriction_status_change { id, restriction_id, status, changed_on, note, created_at, updated_at });
positional!(source {
    id,
    url,
    title,
    publisher,
    published_on,
    sort_key,
    contributed_by_id,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
positional!(subdivision { code, country_code, name, kind, sort_key });

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::FromRow;

    fn columns<E: EntityTrait>() -> Vec<&'static str>
    where
        E::Column: IdenStatic,
    {
        E::Column::iter().map(|column| column.as_str()).collect()
    }

    /// The positions [`FromRow`] reads are those `find()` selects.
    #[test]
    fn positions_follow_the_entities() {
        macro_rules! check {
            ($($module:ident),+) => {$(
                assert_eq!(
                    <crate::$module::Model as FromRow>::COLUMNS,
                    columns::<crate::$module::Entity>(),
                    stringify!($module)
                );
            )+};
        }
        check!(
            affiliation,
            audit_trail,
            campaign,
            case_event,
            country,
            country_rating,
            defender,
            indicator,
            organisation,
            restriction,
            restriction_status_change,
            source,
            subdivision
        );
    }
}
