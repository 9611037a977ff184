//! The groupware store: everything davgate keeps in its database, behind one trait `Store`
//! with two backends (PostgreSQL, embedded SQLite) that share their SQL text.
//!
//! `Store` is made of one trait per domain, each declared in its own module:
//! `ContextStore` (contexts, login mappings, attributes), `UserStore` (users, groups,
//! resources), `FolderStore` (folders and permissions), `ObjectStore` (calendar objects
//! and contacts), `PropertyStore` (dead properties), `QuotaStore` (quota usage),
//! `AttachmentStore` (managed attachments), `ChangeLog` (sync tokens and changes),
//! `AppPasswords` (a user's extra, scoped passwords) and `UiSessions` (the browser
//! page's sessions and member counts). A `DynStore` offers
//! all their methods as they are; code that holds a concrete or generic store brings the
//! traits into scope with `use crate::store::prelude::*;`. The SQL implementing each
//! lives in `sql/`, one file and one macro per domain, which `postgres.rs` and
//! `sqlite.rs` each invoke.

mod app_passwords;
mod attachments;
mod changes;
mod contexts;
mod error;
mod folders;
mod maintenance_lock;
mod model;
mod objects;
mod paging;
mod pg_cache_watch;
mod pool_check;
mod postgres;
mod properties;
mod push;
mod quota;
mod sql;
mod sqlite;
mod sqlite_rows;
mod ui_sessions;
mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use app_passwords::{AppPassword, AppPasswords, NewAppPassword};
pub use attachments::{Attachment, AttachmentStore, ATTACHMENT_CHUNK_BYTES};
pub use changes::ChangeLog;
pub use contexts::ContextStore;
pub use error::StoreError;
pub use folders::FolderStore;
pub use maintenance_lock::MaintenanceLock;
pub use model::*;
pub use objects::ObjectStore;
pub use properties::PropertyStore;
pub use push::{ClaimedPush, PushCollection, PushStore, PushSubscription, Registered};
pub use quota::{QuotaLimits, QuotaStore, QuotaUsage, ScopeUsage};
pub use ui_sessions::{UiSession, UiSessions};
pub use users::UserStore;

/// The store's traits, for calling their methods: `use crate::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AppPasswords as _, AttachmentStore as _, ChangeLog as _, ContextStore as _,
        FolderStore as _, ObjectStore as _, PropertyStore as _, PushStore as _, QuotaStore as _,
        Store as _, UiSessions as _, UserStore as _,
    };
}

/// A shared handle to whichever backend the process runs on.
pub type DynStore = Arc<dyn Store>;

pub type StoreResult<T> = Result<T, StoreError>;

/// Which kind of database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// The whole store: every domain, and what concerns the database as a whole.
#[async_trait]
pub trait Store:
    ContextStore
    + UserStore
    + FolderStore
    + ObjectStore
    + PropertyStore
    + QuotaStore
    + AttachmentStore
    + ChangeLog
    + AppPasswords
    + UiSessions
    + PushStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Whether the database answers (readiness).
    async fn ping(&self) -> StoreResult<()>;
    /// The lock of periodic maintenance, if no other process holds it (PostgreSQL: an
    /// advisory lock on a connection of its own; SQLite: always).
    async fn try_maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>>;
    /// A number that every committed write to what the login cache keeps (users, their
    /// aliases and permissions, contexts, login mappings, attributes, groups) moves,
    /// whoever writes (SQLite: the row `cache_generation`, moved by triggers; PostgreSQL:
    /// the notifications triggers send, counted by a listener); an error while it cannot
    /// be known.
    async fn cache_generation(&self) -> StoreResult<i64>;
}

/// How many database connections the process keeps and how long a request waits for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// Also how long an SQLite write waits for the file's write lock.
    pub acquire_timeout: Duration,
    /// How long an unused connection stays open (one always does).
    pub idle_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> PoolSettings {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Opens the store named by `database_url`, or the embedded SQLite file in `data_dir`,
/// with the default pool.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> StoreResult<DynStore> {
    open_with(database_url, data_dir, &PoolSettings::default()).await
}

/// `open` with a pool of `pool`'s size and waits.
pub async fn open_with(
    database_url: Option<&str>,
    data_dir: &Path,
    pool: &PoolSettings,
) -> StoreResult<DynStore> {
    match database_url {
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            Ok(Arc::new(postgres::PgStore::connect(url, pool).await?))
        }
        Some(url) if url.starts_with("sqlite:") => {
            Ok(Arc::new(sqlite::SqliteStore::connect(url, pool).await?))
        }
        Some(other) => Err(StoreError::Invalid(format!(
            "unsupported database URL {other:?}: expected postgres://... or sqlite:..."
        ))),
        None => {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                StoreError::Invalid(format!(
                    "cannot create data directory {}: {e}",
                    data_dir.display()
                ))
            })?;
            let file = data_dir.join("davgate.sqlite");
            Ok(Arc::new(sqlite::SqliteStore::open_file(&file, pool).await?))
        }
    }
}

/// The strong ETag of stored bytes: hex SHA-256 (the PostgreSQL trigger computes the same).
pub fn etag_of(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

pub(crate) fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
