//! What every domain of the SQL store shares, and `Store` itself (backend, migrations,
//! readiness): the row and query types of the driver, scope binding, constraint errors,
//! the context's write lock, new ids from the context's counters, and the paged listings.

/// Implements `Store` for `$store` (a struct with `pool: sqlx::Pool<$db>`) and the helpers
/// the domain macros use, in the module that invokes it; that module brings the store's
/// types into scope (`use super::*`) and invokes every domain macro too.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $backend:expr, $migrator:expr) => {
        use sqlx::Row as _;

        use $crate::store::sql::{member_filter_sql, placeholders, retrying, Arg};

        type Row = <$db as sqlx::Database>::Row;
        type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>;

        /// Binds a scope's `$2`.
        trait BindScope<'q> {
            fn bind(self, query: Query<'q>) -> Query<'q>;
        }

        fn unique_or(err: sqlx::Error, what: impl Into<String>) -> StoreError {
            match err.as_database_error() {
                Some(db) if db.is_unique_violation() => StoreError::AlreadyExists(what.into()),
                Some(db) if db.is_foreign_key_violation() => StoreError::NotFound,
                _ => StoreError::from(err),
            }
        }

        fn parse_text<T: std::str::FromStr<Err = String>>(text: String) -> StoreResult<T> {
            text.parse().map_err(StoreError::Invalid)
        }

        $crate::store::paging::impl_paged_listings!($store, $db);

        impl $store {
            async fn next_id<'e, E>(executor: E, context: ContextId, column: &str) -> StoreResult<i64>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                // `column` is one of two fixed names, never input.
                let sql = format!(
                    "UPDATE context_counters SET {column} = {column} + 1 WHERE context_id = $1 RETURNING {column} - 1"
                );
                sqlx::query_scalar(&sql)
                    .bind(context)
                    .fetch_optional(executor)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            /// A transaction holding the context's write lock from its first statement.
            ///
            /// Every change of a context's objects, folders, permissions or dead properties
            /// bumps its sequence in `context_counters`, so every writer locks that row; a
            /// writer that locked rows of its own first (an object being replaced, the
            /// folder its insert refers to) and then waited for the counter while the
            /// counter's holder waited for those rows would deadlock. Taking the counter
            /// first orders all writers of a context by it.
            async fn begin_locked(&self, context: ContextId) -> StoreResult<sqlx::Transaction<'static, $db>> {
                let mut tx = self.begin_write().await?;
                Self::lock_context(&mut tx, context).await?;
                Ok(tx)
            }

            /// Takes the context's write lock inside `tx` (so later checks and writes see
            /// one state, and SQLite never upgrades a read); returns the sync-token floor.
            async fn lock_context(
                tx: &mut sqlx::Transaction<'static, $db>,
                context: ContextId,
            ) -> StoreResult<i64> {
                let floor: Option<i64> = sqlx::query_scalar(
                    "UPDATE context_counters SET floor_seq = floor_seq WHERE context_id = $1 RETURNING floor_seq",
                )
                .bind(context)
                .fetch_optional(&mut **tx)
                .await?;
                floor.ok_or(StoreError::NotFound)
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> StoreResult<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn try_maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>> {
                self.maintenance_lock().await
            }

            async fn cache_generation(&self) -> StoreResult<i64> {
                self.read_cache_generation().await
            }
        }
    };
}

pub(crate) use impl_sql_store;
