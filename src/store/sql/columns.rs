//! Columns of a result row read by position: the row mappers of listings and reads by
//! name are written once against `Columns` and read rows of either driver (sqlx's
//! PostgreSQL and SQLite rows) and the embedded store's own row path
//! (`store::sqlite_rows`).

use sqlx::Row as _;

use crate::store::{StoreError, StoreResult};

/// A row whose columns are read by position, with the types the schema gives them.
pub(crate) trait Columns {
    fn int(&self, column: usize) -> StoreResult<i64>;
    fn opt_int(&self, column: usize) -> StoreResult<Option<i64>>;
    fn boolean(&self, column: usize) -> StoreResult<bool>;
    fn text(&self, column: usize) -> StoreResult<String>;
    fn opt_text(&self, column: usize) -> StoreResult<Option<String>>;
    fn bytes(&self, column: usize) -> StoreResult<Vec<u8>>;
    /// The columns' names, for `debug_assert_columns`.
    fn names(&self) -> Vec<String>;
}

/// `Columns` for a driver's row, read without sqlx's per-value type check (the columns'
/// types are the schema's).
macro_rules! driver_columns {
    ($row:ty) => {
        impl Columns for $row {
            fn int(&self, column: usize) -> StoreResult<i64> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn opt_int(&self, column: usize) -> StoreResult<Option<i64>> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn boolean(&self, column: usize) -> StoreResult<bool> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn text(&self, column: usize) -> StoreResult<String> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn opt_text(&self, column: usize) -> StoreResult<Option<String>> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn bytes(&self, column: usize) -> StoreResult<Vec<u8>> {
                Ok(self.try_get_unchecked(column)?)
            }
            fn names(&self) -> Vec<String> {
                use sqlx::Column as _;
                self.columns().iter().map(|c| c.name().to_owned()).collect()
            }
        }
    };
}

driver_columns!(sqlx::postgres::PgRow);
driver_columns!(sqlx::sqlite::SqliteRow);

/// In debug builds (the tests), that `row`'s columns are named `names`, in this order:
/// the row mappers read by position and rely on their statement's column list.
pub(crate) fn debug_assert_columns(row: &impl Columns, names: &[&str]) {
    if cfg!(debug_assertions) {
        assert_eq!(
            row.names(),
            names,
            "a statement's columns and its row mapper disagree"
        );
    }
}

/// The error for a statement or a value the store did not expect (a value the schema
/// does not allow where it was read): a database error, as sqlx reports a value it
/// cannot decode.
pub(crate) fn unexpected(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(what))
}
