//! The embedded SQLite backend: the zero-configuration default, one file in the data dir.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};

use super::sql::{
    self, impl_app_passwords, impl_attachment_store, impl_change_log, impl_context_store,
    impl_folder_store, impl_object_store, impl_property_store, impl_push_store, impl_quota_store,
    impl_sql_store, impl_ui_sessions, impl_user_store,
};
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str, settings: &PoolSettings) -> StoreResult<SqliteStore> {
        Self::with_options(SqliteConnectOptions::from_str(url)?, settings).await
    }

    pub async fn open_file(path: &Path, settings: &PoolSettings) -> StoreResult<SqliteStore> {
        Self::with_options(SqliteConnectOptions::new().filename(path), settings).await
    }

    async fn with_options(
        options: SqliteConnectOptions,
        settings: &PoolSettings,
    ) -> StoreResult<SqliteStore> {
        // A write waits for the file's write lock as long as a request waits for a
        // connection: both are the database being busy.
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(settings.acquire_timeout)
            // A listing page (500 rows) passes from the connection's thread to the
            // request without the thread waiting for the request to take each batch.
            .row_buffer_size(super::paging::ROWS_PER_PAGE + 12);
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .min_connections(1)
            .idle_timeout(Some(settings.idle_timeout))
            .test_before_acquire(false)
            .before_acquire(|connection, meta| super::pool_check::ping_when_idle(connection, meta))
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }

    /// A transaction that writes: SQLite's write lock is taken at `BEGIN`, where a busy
    /// writer is waited for up to the busy timeout. A deferred transaction that read
    /// first would be refused at once when it came to write while another writer held
    /// the lock (SQLite does not wait there, as two such upgrades would deadlock).
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// One process owns the file: the lock is always had.
    async fn maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>> {
        Ok(Some(MaintenanceLock::unshared()))
    }

    /// The number migration 0019's triggers move on every write to what the login cache
    /// keeps.
    async fn read_cache_generation(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM cache_generation WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// The members (`o`) of context `$1` and folder `$2` named among the names bound as `$3`
/// (`name_list`): one JSON array, read by SQLite's `json_each`. The names are the outer
/// loop (`CROSS JOIN` keeps SQLite from reordering it), each looked up in the primary
/// key, instead of an `IN` list that is first copied into a temporary index.
const MEMBERS_NAMED_3: &str = "json_each($3) AS named CROSS JOIN objects AS o \
     WHERE o.context_id = $1 AND o.folder_id = $2 AND o.resource_name = named.value";

/// `names` as the one value `MEMBERS_NAMED_3` reads.
fn name_list(names: &[&String]) -> sql::Arg {
    sql::Arg::Text(serde_json::to_string(names).expect("a list of strings is JSON"))
}

/// The rows listings and reads by name map (`Columns`): read straight from SQLite.
type ListingRow = super::sqlite_rows::RawRow;

/// Runs `sql` with `args` and maps every row, on the embedded store's own row path: the
/// row path of the paged listings (`store/paging.rs`) and of reads of members by name.
async fn fetch_listing<T>(
    pool: &SqlitePool,
    sql: &str,
    args: Vec<sql::Arg>,
    map: fn(&ListingRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    super::sqlite_rows::fetch(pool, sql, &args, map).await
}

impl_sql_store!(SqliteStore, Sqlite, Backend::Sqlite, MIGRATOR);
impl_context_store!(SqliteStore, Sqlite);
impl_user_store!(SqliteStore, Sqlite);
impl_folder_store!(SqliteStore, Sqlite);
impl_object_store!(SqliteStore, Sqlite);
impl_property_store!(SqliteStore, Sqlite);
impl_quota_store!(SqliteStore, Sqlite);
impl_attachment_store!(SqliteStore, Sqlite);
impl_change_log!(SqliteStore, Sqlite);
impl_app_passwords!(SqliteStore, Sqlite);
impl_ui_sessions!(SqliteStore, Sqlite);
impl_push_store!(SqliteStore, Sqlite);
