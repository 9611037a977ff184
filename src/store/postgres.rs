//! The PostgreSQL backend: the production store, shared with other groupware writers.

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};

use super::sql::{
    impl_app_passwords, impl_change_log, impl_context_store, impl_folder_store, impl_object_store,
    impl_property_store, impl_sql_store, impl_user_store,
};
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str, settings: &PoolSettings) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .connect(url)
            .await?;
        Ok(PgStore { pool })
    }
}

impl_sql_store!(PgStore, Postgres, Backend::Postgres, MIGRATOR);
impl_context_store!(PgStore, Postgres);
impl_user_store!(PgStore, Postgres);
impl_folder_store!(PgStore, Postgres);
impl_object_store!(PgStore, Postgres);
impl_property_store!(PgStore, Postgres);
impl_change_log!(PgStore, Postgres);
impl_app_passwords!(PgStore, Postgres);
