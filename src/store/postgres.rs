//! The PostgreSQL backend: the production store, shared with other groupware writers.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::{ConnectOptions, Connection};

use super::sql::{
    self, impl_app_passwords, impl_attachment_store, impl_change_log, impl_context_store,
    impl_folder_store, impl_object_store, impl_property_store, impl_push_store, impl_quota_store,
    impl_sql_store, impl_ui_sessions, impl_user_store,
};
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long the first connection at start may take before the server counts as
/// unreachable (a host that drops packets would otherwise hold it for minutes).
const FIRST_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PgStore {
    pool: PgPool,
    cache_watch: super::pg_cache_watch::PgCacheWatch,
}

impl PgStore {
    /// Connects once on its own before the pool is made, so that a server that is not
    /// there, rejects the credentials or has no such database fails with that cause
    /// (the pool would retry a refused connection until its acquire timeout and report
    /// only that it timed out).
    pub async fn connect(url: &str, settings: &PoolSettings) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        match tokio::time::timeout(FIRST_CONNECT_TIMEOUT, options.connect()).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(err)) => return Err(err.into()),
            Err(_) => {
                return Err(StoreError::Unavailable(sqlx::Error::Io(
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "no connection to the database server within {FIRST_CONNECT_TIMEOUT:?}"
                        ),
                    ),
                )))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .min_connections(1)
            .idle_timeout(Some(settings.idle_timeout))
            .test_before_acquire(false)
            .before_acquire(|connection, meta| super::pool_check::ping_when_idle(connection, meta))
            .connect_with(options)
            .await?;
        Ok(PgStore {
            pool,
            cache_watch: Default::default(),
        })
    }

    /// A transaction that writes: row locks order PostgreSQL's writers, so it begins as
    /// any other.
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// The maintenance lock on a connection made for it, outside the pool.
    async fn maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>> {
        let session = self.pool.connect_options().connect().await?;
        Ok(MaintenanceLock::try_advisory(session).await?)
    }

    /// The notifications of changes the listener has heard (`pg_cache_watch`).
    async fn read_cache_generation(&self) -> StoreResult<i64> {
        self.cache_watch.generation(&self.pool).await
    }
}

/// The members (`o`) of context `$1` and folder `$2` named among the names bound as `$3`
/// (`name_list`): one text array.
const MEMBERS_NAMED_3: &str =
    "objects AS o WHERE o.context_id = $1 AND o.folder_id = $2 AND o.resource_name = ANY($3)";

/// `names` as the one value `MEMBERS_NAMED_3` reads.
fn name_list(names: &[&String]) -> sql::Arg {
    sql::Arg::Texts(names.iter().map(|name| name.to_string()).collect())
}

/// The rows listings and reads by name map (`Columns`).
type ListingRow = sqlx::postgres::PgRow;

/// Runs `sql` with `args` through sqlx and maps every row: the row path of the paged
/// listings (`store/paging.rs`) and of reads of members by name.
async fn fetch_listing<T>(
    pool: &PgPool,
    sql: &str,
    args: Vec<sql::Arg>,
    map: fn(&ListingRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match arg {
            sql::Arg::Int(value) => query.bind(value),
            sql::Arg::Text(value) => query.bind(value),
            sql::Arg::Texts(values) => query.bind(values),
        };
    }
    query.fetch_all(pool).await?.iter().map(map).collect()
}

impl_sql_store!(PgStore, Postgres, Backend::Postgres, MIGRATOR);
impl_context_store!(PgStore, Postgres);
impl_user_store!(PgStore, Postgres);
impl_folder_store!(PgStore, Postgres);
impl_object_store!(PgStore, Postgres);
impl_property_store!(PgStore, Postgres);
impl_quota_store!(PgStore, Postgres);
impl_attachment_store!(PgStore, Postgres);
impl_change_log!(PgStore, Postgres);
impl_app_passwords!(PgStore, Postgres);
impl_ui_sessions!(PgStore, Postgres);
impl_push_store!(PgStore, Postgres);
