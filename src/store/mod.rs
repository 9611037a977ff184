//! The groupware store: contexts, users, groups, resources, folders, objects, change log.
//! One trait, two backends (PostgreSQL, embedded SQLite) sharing their SQL text.

mod error;
mod maintenance_lock;
mod model;
mod paging;
mod postgres;
mod sql;
mod sqlite;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;

pub use error::StoreError;
pub use maintenance_lock::MaintenanceLock;
pub use model::*;

/// A shared handle to whichever backend the process runs on.
pub type DynStore = Arc<dyn Store>;

pub type StoreResult<T> = Result<T, StoreError>;

/// Which kind of database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Whether the database answers (readiness).
    async fn ping(&self) -> StoreResult<()>;

    // contexts
    async fn create_context(&self, new: NewContext) -> StoreResult<Context>;
    async fn context(&self, id: ContextId) -> StoreResult<Context>;
    async fn context_by_name(&self, name: &str) -> StoreResult<Context>;
    async fn contexts(&self) -> StoreResult<Vec<Context>>;
    async fn delete_context(&self, id: ContextId) -> StoreResult<()>;
    async fn add_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()>;
    async fn remove_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()>;
    /// The context a login mapping (a domain, or the context name) selects.
    async fn context_for_mapping(&self, mapping: &str) -> StoreResult<Option<ContextId>>;

    // attributes of a context (user None) or a user: taxonomy/types, config/<property>
    async fn set_attribute(
        &self,
        context: ContextId,
        user: Option<UserId>,
        attribute: &Attribute,
    ) -> StoreResult<()>;
    async fn remove_attribute(
        &self,
        context: ContextId,
        user: Option<UserId>,
        name: &str,
    ) -> StoreResult<()>;
    async fn attributes(
        &self,
        context: ContextId,
        user: Option<UserId>,
    ) -> StoreResult<Vec<Attribute>>;

    // users
    async fn create_user(&self, context: ContextId, new: NewUser) -> StoreResult<User>;
    async fn user(&self, context: ContextId, id: UserId) -> StoreResult<User>;
    async fn user_by_login(&self, context: ContextId, login: &str) -> StoreResult<Option<User>>;
    /// Users whose primary mail or an alias is `address`, in any context.
    async fn users_by_mail(&self, address: &str) -> StoreResult<Vec<User>>;
    async fn users(&self, context: ContextId) -> StoreResult<Vec<User>>;
    /// The display names of these users, in one query; unknown ids are absent.
    async fn display_names(
        &self,
        context: ContextId,
        ids: &[UserId],
    ) -> StoreResult<std::collections::HashMap<UserId, String>>;
    async fn update_user(
        &self,
        context: ContextId,
        id: UserId,
        update: UserUpdate,
    ) -> StoreResult<User>;
    async fn delete_user(&self, context: ContextId, id: UserId) -> StoreResult<()>;

    // groups and resources
    async fn create_group(
        &self,
        context: ContextId,
        name: &str,
        display_name: &str,
        members: &[UserId],
    ) -> StoreResult<Group>;
    async fn set_group_members(
        &self,
        context: ContextId,
        group: i64,
        members: &[UserId],
    ) -> StoreResult<()>;
    async fn groups(&self, context: ContextId) -> StoreResult<Vec<Group>>;
    async fn group_by_name(&self, context: ContextId, name: &str) -> StoreResult<Option<Group>>;
    /// Ids of the groups `user` belongs to.
    async fn groups_of(&self, context: ContextId, user: UserId) -> StoreResult<Vec<i64>>;
    async fn create_resource(
        &self,
        context: ContextId,
        name: &str,
        display_name: &str,
        mail: &str,
        kind: ResourceKind,
    ) -> StoreResult<Resource>;
    async fn resources(&self, context: ContextId) -> StoreResult<Vec<Resource>>;

    // folders
    async fn create_folder(&self, context: ContextId, new: NewFolder) -> StoreResult<Folder>;
    async fn folder(&self, context: ContextId, id: FolderId) -> StoreResult<Folder>;
    async fn folders(&self, context: ContextId) -> StoreResult<Vec<Folder>>;
    /// The folder of `owner` that a DAV client created under the path segment
    /// `dav_name`; other users' names are never consulted.
    async fn folder_by_dav_name(
        &self,
        context: ContextId,
        owner: UserId,
        dav_name: &str,
    ) -> StoreResult<Option<FolderId>>;
    /// The folder `id` if `user` may see it (as `visible_folders` decides); None alike
    /// for a folder the user may not see and for one that does not exist, in the same
    /// single query, so neither answer nor timing tells them apart.
    async fn visible_folder(
        &self,
        context: ContextId,
        user: UserId,
        id: FolderId,
    ) -> StoreResult<Option<Folder>>;
    /// Folders `user` may see: a permission for the user, for one of the user's groups
    /// or for all users, with at least the "see folder" level.
    async fn visible_folders(&self, context: ContextId, user: UserId) -> StoreResult<Vec<Folder>>;
    /// The user's default folder of a module (where new objects land when no folder is named).
    async fn default_folder(
        &self,
        context: ContextId,
        user: UserId,
        module: FolderModule,
    ) -> StoreResult<Option<Folder>>;
    async fn update_folder(
        &self,
        context: ContextId,
        id: FolderId,
        update: FolderUpdate,
    ) -> StoreResult<Folder>;
    /// Adds or replaces the permission of `permission.entity`.
    async fn set_permission(
        &self,
        context: ContextId,
        folder: FolderId,
        permission: Permission,
    ) -> StoreResult<()>;
    async fn remove_permission(
        &self,
        context: ContextId,
        folder: FolderId,
        entity: i64,
        is_group: bool,
    ) -> StoreResult<()>;
    async fn delete_folder(&self, context: ContextId, id: FolderId) -> StoreResult<()>;

    // calendar objects and contacts
    /// Writes `object` under `condition`, checked atomically with the write.
    async fn put_object(
        &self,
        context: ContextId,
        folder: FolderId,
        object: &WriteObject,
        condition: WriteCondition,
    ) -> StoreResult<WriteOutcome>;
    async fn object(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
    ) -> StoreResult<Option<StoredObject>>;
    async fn object_by_uid(
        &self,
        context: ContextId,
        folder: FolderId,
        uid: &str,
    ) -> StoreResult<Option<StoredObject>>;
    /// Deletes a member; `IfMatch` deletes only that version.
    async fn delete_object(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        condition: WriteCondition,
    ) -> StoreResult<()>;

    /// Members matching `filter` without their payload, ordered by resource name, read a
    /// page at a time as the consumer takes them. No connection is held between pages, so
    /// a paused consumer costs the database nothing; each member appears at most once, as
    /// it is when its page is read.
    fn object_summary_stream(
        &self,
        context: ContextId,
        folder: FolderId,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<ObjectSummary>>;
    /// Members matching `filter` with their payload, ordered by resource name, read in
    /// pages like `object_summary_stream` (as many objects as fit in a few MiB each).
    fn object_stream(
        &self,
        context: ContextId,
        folder: FolderId,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<StoredObject>>;
    /// The named members, ordered by resource name: one query per batch of up to 500
    /// names; names without a member are simply absent.
    async fn objects_by_names(
        &self,
        context: ContextId,
        folder: FolderId,
        names: &[String],
    ) -> StoreResult<Vec<StoredObject>>;
    /// Moves a member to `to`/`to_name` (another folder, another name or both) in one
    /// transaction, with its dead properties. `condition` is checked against the source,
    /// `overwrite` against the target (false and a target exists: PreconditionFailed);
    /// the UID must be free in the target folder (UidConflict). The change log gets a
    /// tombstone for the source and a new member in the target. Returns the etag (the
    /// payload is unchanged) and whether the target was created.
    #[allow(clippy::too_many_arguments)]
    async fn move_object(
        &self,
        context: ContextId,
        from: FolderId,
        name: &str,
        to: FolderId,
        to_name: &str,
        condition: WriteCondition,
        overwrite: bool,
    ) -> StoreResult<WriteOutcome>;

    // dead properties of collections (resource_name '') and members
    /// The dead properties of several collections (not their members) in one query,
    /// each collection's within `bounds` (what lies beyond is not even read);
    /// collections without any are absent.
    async fn collections_dead_properties_within(
        &self,
        context: ContextId,
        folders: &[FolderId],
        bounds: DeadPropertyBounds,
    ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>>;
    /// `collections_dead_properties_within` without bounds.
    async fn collections_dead_properties(
        &self,
        context: ContextId,
        folders: &[FolderId],
    ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>> {
        self.collections_dead_properties_within(context, folders, DeadPropertyBounds::NONE)
            .await
    }
    /// The dead properties of a collection (`resource_name` '') or member within
    /// `bounds`, ordered by namespace and name.
    async fn dead_properties_within(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        bounds: DeadPropertyBounds,
    ) -> StoreResult<Vec<DeadProperty>>;
    /// `dead_properties_within` without bounds.
    async fn dead_properties(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
    ) -> StoreResult<Vec<DeadProperty>> {
        self.dead_properties_within(context, folder, resource_name, DeadPropertyBounds::NONE)
            .await
    }
    /// Removes `remove` (namespace, name), then sets `set`, in one transaction. NotFound
    /// when the folder, or the named member, does not exist. OverLimit, with nothing
    /// written, when a value set is larger than `bounds` allow, or when afterwards the
    /// resource holds more properties or bytes (counting values within the value bound)
    /// than `bounds` allow and more than it held before; so a resource stored beyond
    /// them can always shrink. A change to a collection's dead properties is a change of
    /// the folder (it moves the ctag).
    async fn update_dead_properties_within(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        set: &[DeadProperty],
        remove: &[(String, String)],
        bounds: DeadPropertyBounds,
    ) -> StoreResult<()>;
    /// `update_dead_properties_within` without bounds.
    async fn update_dead_properties(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        set: &[DeadProperty],
        remove: &[(String, String)],
    ) -> StoreResult<()> {
        self.update_dead_properties_within(
            context,
            folder,
            resource_name,
            set,
            remove,
            DeadPropertyBounds::NONE,
        )
        .await
    }

    // change log
    /// The context's current sequence: a sync token valid on every replica.
    async fn current_seq(&self, context: ContextId) -> StoreResult<i64>;
    /// The sequence of the latest change in a folder (members or the folder itself).
    async fn folder_seq(&self, context: ContextId, folder: FolderId) -> StoreResult<i64>;
    /// `folder_seq` of several folders in one query; folders without changes are absent.
    async fn folder_seqs(
        &self,
        context: ContextId,
        folders: &[FolderId],
    ) -> StoreResult<std::collections::HashMap<FolderId, i64>>;
    /// Latest change per member of `folder` after `since`; InvalidSyncToken below the floor.
    async fn changes_since(
        &self,
        context: ContextId,
        folder: FolderId,
        since: i64,
    ) -> StoreResult<Vec<Change>>;
    /// Fails with InvalidSyncToken when `since` is below the floor or above the current
    /// sequence.
    async fn check_sync_token(&self, context: ContextId, since: i64) -> StoreResult<()>;
    /// Members of `folders` changed after `since`, ordered by sequence, read in pages like
    /// `object_summary_stream`: live members matching `filter` with their current etag
    /// and size, and every tombstone; each with its creator, so the caller can leave out
    /// what the user may not read. Since 0 (initial sync, always accepted) lists live
    /// members only. Any other invalid token is the stream's first and only item
    /// (InvalidSyncToken). Changes made after the stream's first page are not listed.
    /// Take the next token with `folder_seq` before opening the stream: a change racing
    /// with it is then reported again rather than missed.
    fn sync_stream(
        &self,
        context: ContextId,
        folders: &[FolderId],
        since: i64,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<SyncMember>>;
    /// Drops tombstones changed before `before` (epoch seconds) and raises the floor.
    async fn prune_changes(&self, context: ContextId, before: i64) -> StoreResult<u64>;
    /// The lock of periodic maintenance, if no other process holds it (PostgreSQL: an
    /// advisory lock on a connection of its own; SQLite: always).
    async fn try_maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>>;
}

/// How many database connections the process keeps and how long a request waits for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// Also how long an SQLite write waits for the file's write lock.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> PoolSettings {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(2),
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
