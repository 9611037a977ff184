//! Test databases: a fresh SQLite file always, and a fresh PostgreSQL database when
//! DAVGATE_TEST_DATABASE_URL names a server (CI sets it).
#![allow(dead_code)]

use std::path::PathBuf;

pub mod apache;
pub mod caldav;
pub mod carddav;
pub mod client;
pub mod delegation;
pub mod freebusy;
pub mod http;
pub mod mailboxes;
pub mod pg_server;
pub mod principals;
pub mod process;
pub mod quota;
pub mod scheduling;
pub mod sharing;
pub mod smtp;
pub mod tls;
pub mod tzdist;
pub mod ui;

use davgate::store::{self, DynStore};
use sqlx::Connection;

pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    pub store: DynStore,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A connection of its own, as another writer of the groupware tables would have.
    pub async fn raw_sql(&self, sql: &str) {
        if self.url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }

    /// A binary literal in this backend's SQL dialect.
    pub fn blob_literal(&self, bytes: &[u8]) -> String {
        if self.url.starts_with("sqlite:") {
            format!("X'{}'", hex::encode(bytes))
        } else {
            format!("decode('{}', 'hex')", hex::encode(bytes))
        }
    }

    /// The PostgreSQL database's name; panics for SQLite.
    pub fn name(&self) -> &str {
        &self.admin.as_ref().expect("a PostgreSQL test database").1
    }

    /// Runs `sql` on the PostgreSQL server's maintenance connection (outside the test
    /// database), as an administrator would.
    pub async fn admin_sql(&self, sql: &str) {
        let (admin_url, _) = self.admin.as_ref().expect("a PostgreSQL test database");
        let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }

    pub async fn drop_database(self) {
        let TestDb { store, admin, .. } = self;
        drop(store);
        if let Some((admin_url, name)) = admin {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("DAVGATE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Every database the suite runs against, each fresh and migrated.
pub async fn databases() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    if let Some(url) = postgres_url() {
        dbs.push(postgres(&url).await);
    }
    dbs
}

/// Every database the suite runs against, each fresh and migrated up to and including
/// migration `version` only: the schema an older davgate left behind, to fill with its
/// data before `store.migrate()` applies the rest.
pub async fn databases_at(version: i64) -> Vec<TestDb> {
    let mut dbs = vec![sqlite_at(Some(version)).await];
    if let Some(url) = postgres_url() {
        dbs.push(postgres_at(&url, Some(version)).await);
    }
    dbs
}

/// The repository's migrations for a backend, those after `version` left out.
async fn migrations_up_to(backend: &str, version: Option<i64>) -> Option<sqlx::migrate::Migrator> {
    let version = version?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut migrator = sqlx::migrate::Migrator::new(dir).await.unwrap();
    let kept: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= version)
        .cloned()
        .collect();
    migrator.migrations = kept.into();
    Some(migrator)
}

pub async fn sqlite() -> TestDb {
    sqlite_at(None).await
}

async fn sqlite_at(version: Option<i64>) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("test.sqlite");
    let url = format!("sqlite://{}", path.display());
    let store = store::open(Some(&format!("{url}?mode=rwc")), dir.path())
        .await
        .unwrap();
    match migrations_up_to("sqlite", version).await {
        Some(migrator) => {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        None => store.migrate().await.unwrap(),
    }
    TestDb {
        label: "sqlite",
        url,
        store,
        admin: None,
        _dir: Some(dir),
    }
}

pub async fn postgres(base_url: &str) -> TestDb {
    postgres_at(base_url, None).await
}

async fn postgres_at(base_url: &str, version: Option<i64>) -> TestDb {
    let name = format!("davgate_t_{}", rand_suffix());
    let mut conn = sqlx::PgConnection::connect(base_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = with_database(base_url, &name);
    let store = store::open(Some(&url), std::path::Path::new("."))
        .await
        .unwrap();
    match migrations_up_to("postgres", version).await {
        Some(migrator) => {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        None => store.migrate().await.unwrap(),
    }
    TestDb {
        label: "postgres",
        url,
        store,
        admin: Some((base_url.to_string(), name)),
        _dir: None,
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

fn rand_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
        .collect()
}
