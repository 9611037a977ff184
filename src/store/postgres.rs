//! The PostgreSQL backend: the production store, shared with other groupware writers.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};

use super::sql::impl_sql_store;
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(PgStore { pool })
    }
}

impl_sql_store!(PgStore, Postgres, Backend::Postgres, MIGRATOR);
