//! The SQL both backends run: one text, expanded once per sqlx driver, so PostgreSQL and
//! SQLite share every statement and differ only in migrations and connection setup.

/// The tables that link an entity to a list of values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Link {
    Aliases,
    Modules,
    Members,
}

impl Link {
    /// Table, owner column and value column; fixed names, never input.
    pub(crate) fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Link::Aliases => ("user_aliases", "user_id", "alias"),
            Link::Modules => ("user_permissions", "user_id", "module"),
            Link::Members => ("group_members", "group_id", "user_id"),
        }
    }
}

/// Which users a load covers; `$2` carries the id or login.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserScope<'a> {
    All,
    Id(i64),
    Login(&'a str),
}

impl UserScope<'_> {
    /// The filter on `users` and on the tables keyed by `user_id`.
    pub(crate) fn clauses(self) -> (&'static str, &'static str) {
        match self {
            UserScope::All => ("", ""),
            UserScope::Id(_) => (" AND id = $2", " AND user_id = $2"),
            UserScope::Login(_) => (
                " AND login = $2",
                " AND user_id IN (SELECT id FROM users WHERE context_id = $1 AND login = $2)",
            ),
        }
    }
}

/// Which folders a load covers; `$2` carries the folder or user id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FolderScope {
    All,
    Id(i64),
    /// Folders with a permission of at least "see folder" for the user, one of the
    /// user's groups, or all users.
    VisibleTo(i64),
    /// The one folder with this id, if the user (the first value) may see it.
    VisibleOne(i64, i64),
}

/// The visibility test on a folder row `f`; entity 0 is `ALL_USERS_GROUP`.
const _: () = assert!(super::ALL_USERS_GROUP == 0);
pub(crate) const VISIBLE_TO_USER: &str = " AND EXISTS (SELECT 1 FROM folder_permissions p \
     WHERE p.context_id = f.context_id AND p.folder_id = f.id AND (p.folder_perm >= 1 OR p.is_admin) AND ( \
       (p.is_group = FALSE AND p.entity = $2) \
       OR (p.is_group AND p.entity = 0) \
       OR (p.is_group AND EXISTS (SELECT 1 FROM group_members g WHERE g.context_id = p.context_id \
           AND g.group_id = p.entity AND g.user_id = $2))))";

/// `VISIBLE_TO_USER` for the one folder whose id is `$3`.
const VISIBLE_ONE: &str = " AND f.id = $3 AND EXISTS (SELECT 1 FROM folder_permissions p \
     WHERE p.context_id = f.context_id AND p.folder_id = f.id AND (p.folder_perm >= 1 OR p.is_admin) AND ( \
       (p.is_group = FALSE AND p.entity = $2) \
       OR (p.is_group AND p.entity = 0) \
       OR (p.is_group AND EXISTS (SELECT 1 FROM group_members g WHERE g.context_id = p.context_id \
           AND g.group_id = p.entity AND g.user_id = $2))))";

impl FolderScope {
    /// The filter on `folders f`.
    pub(crate) fn clause(self) -> &'static str {
        match self {
            FolderScope::All => "",
            FolderScope::Id(_) => " AND f.id = $2",
            FolderScope::VisibleTo(_) => VISIBLE_TO_USER,
            FolderScope::VisibleOne(..) => VISIBLE_ONE,
        }
    }
}

/// A value bound to a statement built for one page of a listing, which must own its data
/// (the listing outlives the call that opened it).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// The largest number of names one `IN (...)` list carries.
pub(crate) const NAMES_PER_BATCH: usize = 500;

/// The conditions `filter` puts on the objects row `o`, each starting with ` AND `; their
/// values are appended to `args`, whose length numbers the placeholders.
pub(crate) fn member_filter_sql(filter: &super::MemberFilter, args: &mut Vec<Arg>) -> String {
    let mut sql = String::new();
    if let Some((start, end)) = filter.window {
        args.push(Arg::Int(start));
        let start_param = args.len();
        args.push(Arg::Int(end));
        let end_param = args.len();
        // Open sides count as overlapping; a single instant counts when it lies inside.
        sql.push_str(&format!(
            " AND (o.start_at IS NULL OR o.start_at < ${end_param}) \
             AND (o.end_at IS NULL OR o.end_at > ${start_param} \
                  OR (o.end_at = o.start_at AND o.start_at >= ${start_param}))"
        ));
    }
    if let Some(component) = &filter.component {
        args.push(Arg::Text(component.clone()));
        sql.push_str(&format!(" AND o.component = ${}", args.len()));
    }
    sql
}

/// The dead properties matching `condition` (on `dead_properties`, with its values from
/// `$5` on) within bounds: values of at most `$2` bytes, and of those per resource the
/// first `$3` by name whose bytes add up to at most `$4`; `$1` is the context. Larger
/// values are filtered by their length alone, so they are never read.
pub(crate) fn bounded_dead_properties_sql(condition: &str) -> String {
    format!(
        "SELECT folder_id, namespace, name, value FROM ( \
           SELECT folder_id, resource_name, namespace, name, value, \
             ROW_NUMBER() OVER (PARTITION BY folder_id, resource_name ORDER BY namespace, name) AS n, \
             SUM(octet_length(value)) OVER (PARTITION BY folder_id, resource_name ORDER BY namespace, name \
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running \
           FROM dead_properties \
           WHERE context_id = $1 AND octet_length(value) <= $2 AND {condition} \
         ) bounded WHERE n <= $3 AND running <= $4 \
         ORDER BY folder_id, namespace, name"
    )
}

/// How many times a write runs when the database gives up on it because of concurrent
/// writers (a deadlock victim, SQLite's write lock still held after the busy timeout).
const WRITE_ATTEMPTS: u32 = 4;

/// Runs `attempt`, again after a short pause while it fails with `Contention`, at most
/// `WRITE_ATTEMPTS` times. Each attempt is a transaction of its own that wrote nothing.
pub(crate) async fn retrying<T, F, Fut>(mut attempt: F) -> super::StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = super::StoreResult<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(super::StoreError::Contention(_)) if tries < WRITE_ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(10 << tries)).await;
            }
            outcome => return outcome,
        }
    }
}

/// `$first, $first+1, ...` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Implements `Store` for `$store` (a struct with `pool: sqlx::Pool<$db>`), in the module
/// that invokes it; that module brings the store's types into scope (`use super::*`).
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $backend:expr, $migrator:expr) => {
        use sqlx::Row as _;

        use $crate::store::sql::{
            bounded_dead_properties_sql, member_filter_sql, placeholders, retrying, Arg,
            FolderScope, Link, UserScope, NAMES_PER_BATCH,
        };

        const CONTEXT_COLUMNS: &str = "id, name, enabled";
        const USER_COLUMNS: &str =
            "context_id, id, login, mail, display_name, password_hash, enabled";
        const FOLDER_COLUMNS: &str = "f.context_id, f.id, f.parent_id, f.module, f.folder_type, \
             f.owner_id, f.name, f.color, f.description, f.is_default, f.subscribed, \
             f.used_for_sync, f.sort_order, f.dav_name";
        const OBJECT_COLUMNS: &str = "folder_id, resource_name, uid, component, etag, data, \
             start_at, end_at, display_name, user_id, modified_at";

        type Row = <$db as sqlx::Database>::Row;
        type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>;

        /// Binds a scope's `$2`.
        trait BindScope<'q> {
            fn bind(self, query: Query<'q>) -> Query<'q>;
        }

        impl<'q> BindScope<'q> for UserScope<'q> {
            fn bind(self, query: Query<'q>) -> Query<'q> {
                match self {
                    UserScope::All => query,
                    UserScope::Id(id) => query.bind(id),
                    UserScope::Login(login) => query.bind(login),
                }
            }
        }

        impl<'q> BindScope<'q> for FolderScope {
            fn bind(self, query: Query<'q>) -> Query<'q> {
                match self {
                    FolderScope::All => query,
                    FolderScope::Id(id) | FolderScope::VisibleTo(id) => query.bind(id),
                    FolderScope::VisibleOne(user, id) => query.bind(user).bind(id),
                }
            }
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

        fn context_from(row: &Row) -> StoreResult<Context> {
            Ok(Context {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                enabled: row.try_get("enabled")?,
                login_mappings: Vec::new(),
            })
        }

        fn user_from(row: &Row) -> StoreResult<User> {
            Ok(User {
                context_id: row.try_get("context_id")?,
                id: row.try_get("id")?,
                login: row.try_get("login")?,
                mail: row.try_get("mail")?,
                aliases: Vec::new(),
                display_name: row.try_get("display_name")?,
                password_hash: row.try_get("password_hash")?,
                enabled: row.try_get("enabled")?,
                permissions: Vec::new(),
            })
        }

        fn folder_from(row: &Row) -> StoreResult<Folder> {
            Ok(Folder {
                context_id: row.try_get("context_id")?,
                id: row.try_get("id")?,
                parent_id: row.try_get("parent_id")?,
                module: parse_text(row.try_get("module")?)?,
                folder_type: parse_text(row.try_get("folder_type")?)?,
                owner_id: row.try_get("owner_id")?,
                name: row.try_get("name")?,
                color: row.try_get("color")?,
                description: row.try_get("description")?,
                is_default: row.try_get("is_default")?,
                subscribed: row.try_get("subscribed")?,
                used_for_sync: row.try_get("used_for_sync")?,
                sort_order: row.try_get("sort_order")?,
                dav_name: row.try_get("dav_name")?,
                permissions: Vec::new(),
            })
        }

        /// The permission a folder row joined with `folder_permissions` carries, if any.
        fn permission_from(row: &Row) -> StoreResult<Option<Permission>> {
            let Some(entity) = row.try_get::<Option<i64>, _>("entity")? else {
                return Ok(None);
            };
            Ok(Some(Permission {
                entity,
                is_group: row.try_get("is_group")?,
                folder: row.try_get("folder_perm")?,
                read: row.try_get("read_perm")?,
                write: row.try_get("write_perm")?,
                delete: row.try_get("delete_perm")?,
                admin: row.try_get("is_admin")?,
            }))
        }

        fn object_from(row: &Row) -> StoreResult<StoredObject> {
            Ok(StoredObject {
                folder_id: row.try_get("folder_id")?,
                resource_name: row.try_get("resource_name")?,
                uid: row.try_get("uid")?,
                component: row.try_get("component")?,
                etag: row.try_get("etag")?,
                data: row.try_get("data")?,
                start_at: row.try_get("start_at")?,
                end_at: row.try_get("end_at")?,
                display_name: row.try_get("display_name")?,
                user_id: row.try_get("user_id")?,
                modified_at: row.try_get("modified_at")?,
            })
        }

        fn summary_from(row: &Row) -> StoreResult<ObjectSummary> {
            Ok(ObjectSummary {
                resource_name: row.try_get("resource_name")?,
                uid: row.try_get("uid")?,
                etag: row.try_get("etag")?,
                size: row.try_get("size")?,
                modified_at: row.try_get("modified_at")?,
                user_id: row.try_get("user_id")?,
            })
        }

        fn sync_member_from(row: &Row) -> StoreResult<SyncMember> {
            Ok(SyncMember {
                folder_id: row.try_get("folder_id")?,
                resource_name: row.try_get("resource_name")?,
                seq: row.try_get("seq")?,
                deleted: row.try_get("deleted")?,
                etag: row.try_get("etag")?,
                size: row.try_get("size")?,
                modified_at: row.try_get("modified_at")?,
                creator: row.try_get("creator")?,
            })
        }

        fn dead_property_from(row: &Row) -> StoreResult<DeadProperty> {
            Ok(DeadProperty {
                namespace: row.try_get("namespace")?,
                name: row.try_get("name")?,
                value: row.try_get("value")?,
            })
        }

        fn bind_arg<'q>(query: Query<'q>, arg: Arg) -> Query<'q> {
            match arg {
                Arg::Int(value) => query.bind(value),
                Arg::Text(value) => query.bind(value),
            }
        }

        /// Checks the sync token `since` against the change log's floor; returns the
        /// context's current sequence.
        async fn check_token(pool: &sqlx::Pool<$db>, context: ContextId, since: i64) -> StoreResult<i64> {
            let row = sqlx::query("SELECT seq, floor_seq FROM context_counters WHERE context_id = $1")
                .bind(context)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?;
            let (current, floor): (i64, i64) = (row.try_get("seq")?, row.try_get("floor_seq")?);
            if since < floor || since > current || since < 0 {
                return Err(StoreError::InvalidSyncToken(since));
            }
            Ok(current)
        }

        $crate::store::paging::impl_paged_listings!($store, $db);

        impl $store {
            /// Users of a context with their aliases and modules: three queries whatever
            /// the count, each limited to the users in `scope`.
            async fn load_users(&self, context: ContextId, scope: UserScope<'_>) -> StoreResult<Vec<User>> {
                let (users_clause, links_clause) = scope.clauses();
                let users_sql =
                    format!("SELECT {USER_COLUMNS} FROM users WHERE context_id = $1{users_clause} ORDER BY id");
                let rows = scope.bind(sqlx::query(&users_sql).bind(context)).fetch_all(&self.pool).await?;
                let mut users = rows.iter().map(user_from).collect::<StoreResult<Vec<_>>>()?;
                if users.is_empty() {
                    return Ok(users);
                }
                let aliases_sql = format!(
                    "SELECT user_id, alias AS value FROM user_aliases WHERE context_id = $1{links_clause} ORDER BY alias"
                );
                let modules_sql = format!(
                    "SELECT user_id, module AS value FROM user_permissions WHERE context_id = $1{links_clause} ORDER BY module"
                );
                let mut aliases = self.values_by_user(context, &aliases_sql, scope).await?;
                let mut modules = self.values_by_user(context, &modules_sql, scope).await?;
                for user in &mut users {
                    user.aliases = aliases.remove(&user.id).unwrap_or_default();
                    user.permissions = modules.remove(&user.id).unwrap_or_default();
                }
                Ok(users)
            }

            async fn values_by_user(
                &self,
                context: ContextId,
                sql: &str,
                scope: UserScope<'_>,
            ) -> StoreResult<std::collections::HashMap<UserId, Vec<String>>> {
                let rows = scope.bind(sqlx::query(sql).bind(context)).fetch_all(&self.pool).await?;
                let mut by_user: std::collections::HashMap<UserId, Vec<String>> = Default::default();
                for row in &rows {
                    by_user.entry(row.try_get("user_id")?).or_default().push(row.try_get("value")?);
                }
                Ok(by_user)
            }

            /// Folders of a context in `scope` with their permissions, in one statement: a
            /// folder deleted meanwhile is either read whole or not at all, never without
            /// its permissions.
            async fn load_folders(&self, context: ContextId, scope: FolderScope) -> StoreResult<Vec<Folder>> {
                let folders_clause = scope.clause();
                let sql = format!(
                    "SELECT {FOLDER_COLUMNS}, p.entity, p.is_group, p.folder_perm, p.read_perm, \
                     p.write_perm, p.delete_perm, p.is_admin \
                     FROM folders f LEFT JOIN folder_permissions p \
                     ON p.context_id = f.context_id AND p.folder_id = f.id \
                     WHERE f.context_id = $1{folders_clause} ORDER BY f.id, p.is_group, p.entity"
                );
                let rows = scope.bind(sqlx::query(&sql).bind(context)).fetch_all(&self.pool).await?;
                let mut folders: Vec<Folder> = Vec::new();
                for row in &rows {
                    let id: FolderId = row.try_get("id")?;
                    if folders.last().is_none_or(|f| f.id != id) {
                        folders.push(folder_from(row)?);
                    }
                    if let (Some(folder), Some(permission)) = (folders.last_mut(), permission_from(row)?) {
                        folder.permissions.push(permission);
                    }
                }
                Ok(folders)
            }

            /// One attempt at `move_object`, in one transaction.
            #[allow(clippy::too_many_arguments)]
            async fn move_once(
                &self,
                context: ContextId,
                from: FolderId,
                name: &str,
                to: FolderId,
                to_name: &str,
                condition: &WriteCondition,
                overwrite: bool,
            ) -> StoreResult<WriteOutcome> {
                let mut tx = self.begin_locked(context).await?;
                let source = sqlx::query(
                    "SELECT uid, etag, user_id FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(from)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let (uid, etag): (String, String) = (source.try_get("uid")?, source.try_get("etag")?);
                let author: Option<UserId> = source.try_get("user_id")?;
                match condition {
                    WriteCondition::MustNotExist => return Err(StoreError::PreconditionFailed),
                    WriteCondition::IfMatch(expected) if *expected != etag => {
                        return Err(StoreError::PreconditionFailed)
                    }
                    WriteCondition::AuthoredBy(expected) if *expected != author => {
                        return Err(StoreError::PreconditionFailed)
                    }
                    _ => {}
                }
                let replaced = sqlx::query(
                    "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(to)
                .bind(to_name)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if replaced && !overwrite {
                    return Err(StoreError::PreconditionFailed);
                }
                let moved: Result<String, sqlx::Error> = sqlx::query_scalar(
                    "UPDATE objects SET folder_id = $4, resource_name = $5, modified_at = $6 \
                     WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 RETURNING etag",
                )
                .bind(context)
                .bind(from)
                .bind(name)
                .bind(to)
                .bind(to_name)
                .bind(now_epoch())
                .fetch_one(&mut *tx)
                .await;
                match moved {
                    Ok(etag) => {
                        tx.commit().await?;
                        Ok(WriteOutcome { etag, created: !replaced })
                    }
                    Err(e) => {
                        tx.rollback().await?;
                        Err(self.write_error(e, context, to, &uid).await)
                    }
                }
            }

            /// Objects of `folder` with the given names (at most `NAMES_PER_BATCH`).
            async fn objects_batch(
                &self,
                context: ContextId,
                folder: FolderId,
                names: &[&String],
            ) -> StoreResult<Vec<StoredObject>> {
                let sql = format!(
                    "SELECT {OBJECT_COLUMNS} FROM objects WHERE context_id = $1 AND folder_id = $2 \
                     AND resource_name IN ({})",
                    placeholders(3, names.len())
                );
                let mut query = sqlx::query(&sql).bind(context).bind(folder);
                for name in names {
                    query = query.bind(name.as_str());
                }
                let rows = query.fetch_all(&self.pool).await?;
                rows.iter().map(object_from).collect()
            }

            async fn uid_conflict(
                &self,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreError {
                match self.object_by_uid(context, folder, uid).await {
                    Ok(Some(other)) => StoreError::UidConflict {
                        resource_name: other.resource_name,
                    },
                    Ok(None) => StoreError::PreconditionFailed,
                    Err(e) => e,
                }
            }

            async fn write_error(
                &self,
                err: sqlx::Error,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreError {
                match err.as_database_error() {
                    Some(db) if db.is_unique_violation() => {
                        self.uid_conflict(context, folder, uid).await
                    }
                    Some(db) if db.is_foreign_key_violation() => StoreError::NotFound,
                    _ => StoreError::from(err),
                }
            }

            async fn object_exists<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                name: &str,
            ) -> StoreResult<bool>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let found: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(folder)
                .bind(name)
                .fetch_one(executor)
                .await?;
                Ok(found > 0)
            }

            /// Replaces the named member if `condition` holds (`MustNotExist` never does).
            ///
            /// This and `insert_object` read their `RETURNING` row with `fetch_all`, which
            /// steps the statement to its end: SQLite runs its WAL auto-checkpoint only when
            /// a statement completes, not when it is reset after its first row as
            /// `fetch_optional` does. Cut short, writes would leave the WAL growing with
            /// every write, and every page read searching all of it.
            async fn update_object<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
                condition: &WriteCondition,
            ) -> Result<Option<String>, sqlx::Error>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                // $13: the etag that must match; $14: whether the author must be $15.
                let (expected_etag, expected_author) = match condition {
                    WriteCondition::IfMatch(etag) => (Some(etag.as_str()), None),
                    WriteCondition::AuthoredBy(author) => (None, Some(*author)),
                    WriteCondition::Unconditional => (None, None),
                    WriteCondition::MustNotExist => return Ok(None),
                };
                sqlx::query_scalar(
                    "UPDATE objects SET uid = $4, component = $5, data = $6, etag = $7, \
                     start_at = $8, end_at = $9, display_name = $10, user_id = $11, modified_at = $12 \
                     WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 \
                     AND ($13 IS NULL OR etag = $13) \
                     AND (NOT $14 OR user_id = $15 OR (user_id IS NULL AND $15 IS NULL)) RETURNING etag",
                )
                .bind(context)
                .bind(folder)
                .bind(&object.resource_name)
                .bind(&object.uid)
                .bind(&object.component)
                .bind(&object.data)
                .bind(etag)
                .bind(object.start_at)
                .bind(object.end_at)
                .bind(&object.display_name)
                .bind(object.user_id)
                .bind(now_epoch())
                .bind(expected_etag)
                .bind(expected_author.is_some())
                .bind(expected_author.flatten())
                .fetch_all(executor)
                .await
                .map(|etags| etags.into_iter().next())
            }

            /// Creates the named member unless it exists.
            async fn insert_object<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
            ) -> Result<Option<String>, sqlx::Error>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let now = now_epoch();
                sqlx::query_scalar(
                    "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, \
                     etag, start_at, end_at, display_name, user_id, created_at, modified_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                     ON CONFLICT (context_id, folder_id, resource_name) DO NOTHING RETURNING etag",
                )
                .bind(context)
                .bind(folder)
                .bind(&object.resource_name)
                .bind(&object.uid)
                .bind(&object.component)
                .bind(&object.data)
                .bind(etag)
                .bind(object.start_at)
                .bind(object.end_at)
                .bind(&object.display_name)
                .bind(object.user_id)
                .bind(now)
                .fetch_all(executor)
                .await
                .map(|etags| etags.into_iter().next())
            }

            /// Replaces the values linked to `owner` in one of the link tables (aliases,
            /// module permissions, group members) inside the caller's transaction.
            async fn replace_links<T>(
                tx: &mut sqlx::Transaction<'static, $db>,
                link: Link,
                context: ContextId,
                owner: i64,
                values: &[T],
            ) -> StoreResult<()>
            where
                T: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + std::fmt::Display + Sync,
            {
                let (table, owner_column, value_column) = link.columns();
                sqlx::query(&format!("DELETE FROM {table} WHERE context_id = $1 AND {owner_column} = $2"))
                    .bind(context)
                    .bind(owner)
                    .execute(&mut **tx)
                    .await?;
                let insert = format!(
                    "INSERT INTO {table} (context_id, {owner_column}, {value_column}) VALUES ($1, $2, $3)"
                );
                for value in values {
                    sqlx::query(&insert)
                        .bind(context)
                        .bind(owner)
                        .bind(value)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| unique_or(e, format!("{value_column} {value}")))?;
                }
                Ok(())
            }

            /// The member of `folder` whose `column` (resource_name or uid, both unique) is `key`.
            async fn object_where(
                &self,
                context: ContextId,
                folder: FolderId,
                column: &'static str,
                key: &str,
            ) -> StoreResult<Option<StoredObject>> {
                let sql = format!(
                    "SELECT {OBJECT_COLUMNS} FROM objects WHERE context_id = $1 AND folder_id = $2 AND {column} = $3"
                );
                let row = sqlx::query(&sql)
                    .bind(context)
                    .bind(folder)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(object_from).transpose()
            }

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
                let mut tx = self.pool.begin().await?;
                Self::lock_context(&mut tx, context).await?;
                Ok(tx)
            }

            /// One attempt at `put_object`, in one transaction under the context's lock.
            async fn put_once(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
                condition: &WriteCondition,
            ) -> StoreResult<WriteOutcome> {
                let mut tx = self.begin_locked(context).await?;
                let mut written = Self::update_object(&mut *tx, context, folder, object, etag, condition)
                    .await
                    .map(|etag| etag.map(|etag| WriteOutcome { etag, created: false }));
                if matches!(written, Ok(None))
                    && matches!(condition, WriteCondition::MustNotExist | WriteCondition::Unconditional)
                {
                    written = Self::insert_object(&mut *tx, context, folder, object, etag)
                        .await
                        .map(|etag| etag.map(|etag| WriteOutcome { etag, created: true }));
                }
                match written {
                    Ok(Some(outcome)) => {
                        tx.commit().await?;
                        Ok(outcome)
                    }
                    // The member is not as the condition wants it (no writer of this
                    // context can have come between: the lock orders them all).
                    Ok(None) => Err(StoreError::PreconditionFailed),
                    Err(e) => {
                        drop(tx);
                        Err(self.write_error(e, context, folder, &object.uid).await)
                    }
                }
            }

            /// One attempt at `delete_object`, in one transaction under the context's lock.
            async fn delete_once(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                condition: &WriteCondition,
            ) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                let (expected_etag, expected_author) = match condition {
                    WriteCondition::IfMatch(etag) => (Some(etag.as_str()), None),
                    WriteCondition::AuthoredBy(author) => (None, Some(*author)),
                    WriteCondition::Unconditional => (None, None),
                    WriteCondition::MustNotExist => {
                        return if Self::object_exists(&mut *tx, context, folder, resource_name).await? {
                            Err(StoreError::PreconditionFailed)
                        } else {
                            Err(StoreError::NotFound)
                        };
                    }
                };
                let done = sqlx::query(
                    "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 \
                     AND ($4 IS NULL OR etag = $4) \
                     AND (NOT $5 OR user_id = $6 OR (user_id IS NULL AND $6 IS NULL))",
                )
                .bind(context)
                .bind(folder)
                .bind(resource_name)
                .bind(expected_etag)
                .bind(expected_author.is_some())
                .bind(expected_author.flatten())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    tx.commit().await?;
                    Ok(())
                } else if *condition != WriteCondition::Unconditional
                    && Self::object_exists(&mut *tx, context, folder, resource_name).await?
                {
                    Err(StoreError::PreconditionFailed)
                } else {
                    Err(StoreError::NotFound)
                }
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

            /// How many dead properties `resource_name` holds and their bytes, counting
            /// only values within `bounds.max_value_bytes` (larger ones are never served).
            async fn dead_property_usage(
                tx: &mut sqlx::Transaction<'static, $db>,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                bounds: DeadPropertyBounds,
            ) -> StoreResult<(i64, i64)> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, COALESCE(SUM(octet_length(value)), 0) AS bytes \
                     FROM dead_properties WHERE context_id = $1 AND folder_id = $2 \
                     AND resource_name = $3 AND octet_length(value) <= $4",
                )
                .bind(context)
                .bind(folder)
                .bind(resource_name)
                .bind(bounds.max_value_bytes)
                .fetch_one(&mut **tx)
                .await?;
                Ok((row.try_get("n")?, row.try_get("bytes")?))
            }

            async fn insert_folder(
                tx: &mut sqlx::Transaction<'static, $db>,
                context: ContextId,
                id: FolderId,
                new: &NewFolder,
                is_default: bool,
            ) -> StoreResult<()> {
                let now = now_epoch();
                sqlx::query(
                    "INSERT INTO folders (context_id, id, parent_id, module, folder_type, owner_id, name, \
                     color, description, is_default, subscribed, used_for_sync, sort_order, dav_name, created_at, modified_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE, TRUE, $11, $13, $12, $12)",
                )
                .bind(context)
                .bind(id)
                .bind(new.parent_id)
                .bind(new.module.as_str())
                .bind(new.folder_type.as_str())
                .bind(new.owner_id)
                .bind(&new.name)
                .bind(&new.color)
                .bind(&new.description)
                .bind(is_default)
                .bind(new.sort_order)
                .bind(now)
                .bind(&new.dav_name)
                .execute(&mut **tx)
                .await
                .map_err(|e| unique_or(e, format!("folder {id}")))?;
                for permission in &new.permissions {
                    Self::upsert_permission(&mut **tx, context, id, permission).await?;
                }
                Ok(())
            }

            async fn upsert_permission<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                p: &Permission,
            ) -> StoreResult<()>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                sqlx::query(
                    "INSERT INTO folder_permissions (context_id, folder_id, entity, is_group, \
                     folder_perm, read_perm, write_perm, delete_perm, is_admin) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (context_id, folder_id, entity, is_group) DO UPDATE SET \
                     folder_perm = excluded.folder_perm, read_perm = excluded.read_perm, \
                     write_perm = excluded.write_perm, delete_perm = excluded.delete_perm, \
                     is_admin = excluded.is_admin",
                )
                .bind(context)
                .bind(folder)
                .bind(p.entity)
                .bind(p.is_group)
                .bind(p.folder)
                .bind(p.read)
                .bind(p.write)
                .bind(p.delete)
                .bind(p.admin)
                .execute(executor)
                .await
                .map_err(|e| unique_or(e, format!("permission on folder {folder}")))?;
                Ok(())
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

            async fn create_context(&self, new: NewContext) -> StoreResult<Context> {
                let mut tx = self.pool.begin().await?;
                let id = match new.id {
                    Some(id) => id,
                    None => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) + 1 FROM contexts")
                        .fetch_one(&mut *tx)
                        .await?,
                };
                if id <= 0 {
                    return Err(StoreError::Invalid(format!("context id {id} must be positive")));
                }
                sqlx::query("INSERT INTO contexts (id, name, enabled, created_at) VALUES ($1, $2, TRUE, $3)")
                    .bind(id)
                    .bind(&new.name)
                    .bind(now_epoch())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or(e, format!("context {} or id {id}", new.name)))?;
                for mapping in &new.login_mappings {
                    sqlx::query("INSERT INTO login_mappings (mapping, context_id) VALUES ($1, $2)")
                        .bind(mapping)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| unique_or(e, format!("login mapping {mapping}")))?;
                }
                let all_users_read = Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer);
                let system = [
                    (PRIVATE_ROOT, 0, FolderModule::System, FolderType::Private, "Private folders"),
                    (PUBLIC_ROOT, 0, FolderModule::System, FolderType::Public, "Public folders"),
                    (GLOBAL_ADDRESS_BOOK, PUBLIC_ROOT, FolderModule::Contacts, FolderType::Public, "Global Address Book"),
                ];
                for (folder_id, parent_id, module, folder_type, name) in system {
                    let folder = NewFolder {
                        parent_id,
                        module,
                        folder_type,
                        owner_id: None,
                        name: name.to_string(),
                        color: None,
                        description: None,
                        sort_order: None,
                        dav_name: None,
                        permissions: vec![all_users_read],
                    };
                    Self::insert_folder(&mut tx, id, folder_id, &folder, false).await?;
                }
                tx.commit().await?;
                self.context(id).await
            }

            async fn context(&self, id: ContextId) -> StoreResult<Context> {
                let sql = format!("SELECT {CONTEXT_COLUMNS} FROM contexts WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut context = context_from(&row)?;
                context.login_mappings = sqlx::query_scalar(
                    "SELECT mapping FROM login_mappings WHERE context_id = $1 ORDER BY mapping",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(context)
            }

            async fn context_by_name(&self, name: &str) -> StoreResult<Context> {
                let id: i64 = sqlx::query_scalar("SELECT id FROM contexts WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                self.context(id).await
            }

            async fn contexts(&self) -> StoreResult<Vec<Context>> {
                let sql = format!("SELECT {CONTEXT_COLUMNS} FROM contexts ORDER BY id");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                let mut contexts = rows.iter().map(context_from).collect::<StoreResult<Vec<_>>>()?;
                let mappings = sqlx::query("SELECT context_id, mapping FROM login_mappings ORDER BY mapping")
                    .fetch_all(&self.pool)
                    .await?;
                for row in &mappings {
                    let id: ContextId = row.try_get("context_id")?;
                    if let Some(context) = contexts.iter_mut().find(|c| c.id == id) {
                        context.login_mappings.push(row.try_get("mapping")?);
                    }
                }
                Ok(contexts)
            }

            async fn delete_context(&self, id: ContextId) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                // Counters go first so the change triggers of the cascade record nothing.
                sqlx::query("DELETE FROM context_counters WHERE context_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let deleted = sqlx::query("DELETE FROM contexts WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if deleted.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM changes WHERE context_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO login_mappings (mapping, context_id) VALUES ($1, $2)")
                    .bind(mapping)
                    .bind(context)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| unique_or(e, format!("login mapping {mapping}")))?;
                Ok(())
            }

            async fn remove_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()> {
                let done = sqlx::query("DELETE FROM login_mappings WHERE mapping = $1 AND context_id = $2")
                    .bind(mapping)
                    .bind(context)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn context_for_mapping(&self, mapping: &str) -> StoreResult<Option<ContextId>> {
                Ok(sqlx::query_scalar("SELECT context_id FROM login_mappings WHERE mapping = $1")
                    .bind(mapping)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_attribute(
                &self,
                context: ContextId,
                user: Option<UserId>,
                attribute: &Attribute,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO attributes (context_id, user_id, name, value, is_final) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (context_id, user_id, name) \
                     DO UPDATE SET value = excluded.value, is_final = excluded.is_final",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .bind(&attribute.name)
                .bind(&attribute.value)
                .bind(attribute.is_final)
                .execute(&self.pool)
                .await
                .map_err(|e| unique_or(e, attribute.name.clone()))?;
                Ok(())
            }

            async fn remove_attribute(
                &self,
                context: ContextId,
                user: Option<UserId>,
                name: &str,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "DELETE FROM attributes WHERE context_id = $1 AND user_id = $2 AND name = $3",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .bind(name)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn attributes(
                &self,
                context: ContextId,
                user: Option<UserId>,
            ) -> StoreResult<Vec<Attribute>> {
                let rows = sqlx::query(
                    "SELECT name, value, is_final FROM attributes \
                     WHERE context_id = $1 AND user_id = $2 ORDER BY name",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Attribute {
                            name: row.try_get("name")?,
                            value: row.try_get("value")?,
                            is_final: row.try_get("is_final")?,
                        })
                    })
                    .collect()
            }

            async fn create_user(&self, context: ContextId, new: NewUser) -> StoreResult<User> {
                let mut tx = self.pool.begin().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query(
                    "INSERT INTO users (context_id, id, login, mail, display_name, password_hash, enabled) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE)",
                )
                .bind(context)
                .bind(id)
                .bind(&new.login)
                .bind(&new.mail)
                .bind(&new.display_name)
                .bind(&new.password_hash)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("user {} or mail {}", new.login, new.mail)))?;
                Self::replace_links(&mut tx, Link::Aliases, context, id, &new.aliases).await?;
                let modules: Vec<String> = new.permissions.iter().map(|m| m.to_ascii_lowercase()).collect();
                Self::replace_links(&mut tx, Link::Modules, context, id, &modules).await?;
                for default in &new.default_folders {
                    let folder_id = Self::next_id(&mut *tx, context, "next_folder_id").await?;
                    let folder = NewFolder {
                        parent_id: PRIVATE_ROOT,
                        module: default.module,
                        folder_type: FolderType::Private,
                        owner_id: Some(id),
                        name: default.name.clone(),
                        color: None,
                        description: None,
                        sort_order: None,
                        dav_name: None,
                        permissions: vec![Permission::for_role(id, false, Role::Administrator)],
                    };
                    Self::insert_folder(&mut tx, context, folder_id, &folder, true).await?;
                }
                if let Some(entry) = &new.address_book_entry {
                    let entry = WriteObject { user_id: Some(id), ..entry.clone() };
                    let etag = etag_of(&entry.data);
                    Self::insert_object(&mut *tx, context, GLOBAL_ADDRESS_BOOK, &entry, &etag)
                        .await
                        .map_err(|e| unique_or(e, format!("address book entry {}", entry.uid)))?;
                }
                tx.commit().await?;
                self.user(context, id).await
            }

            async fn user(&self, context: ContextId, id: UserId) -> StoreResult<User> {
                self.load_users(context, UserScope::Id(id)).await?.pop().ok_or(StoreError::NotFound)
            }

            async fn user_by_login(&self, context: ContextId, login: &str) -> StoreResult<Option<User>> {
                Ok(self.load_users(context, UserScope::Login(login)).await?.pop())
            }

            async fn users_by_mail(&self, address: &str) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(
                    "SELECT context_id, id FROM users WHERE LOWER(mail) = LOWER($1) \
                     UNION SELECT context_id, user_id AS id FROM user_aliases WHERE LOWER(alias) = LOWER($1) \
                     ORDER BY context_id, id",
                )
                .bind(address)
                .fetch_all(&self.pool)
                .await?;
                // Usually one match: a mail address or alias names one user per context.
                let mut users = Vec::with_capacity(rows.len());
                for row in rows {
                    users.push(self.user(row.try_get("context_id")?, row.try_get("id")?).await?);
                }
                Ok(users)
            }

            async fn users(&self, context: ContextId) -> StoreResult<Vec<User>> {
                self.load_users(context, UserScope::All).await
            }

            async fn update_user(
                &self,
                context: ContextId,
                id: UserId,
                update: UserUpdate,
            ) -> StoreResult<User> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE users SET display_name = COALESCE($3, display_name), mail = COALESCE($4, mail), \
                     password_hash = COALESCE($5, password_hash), enabled = COALESCE($6, enabled) \
                     WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(id)
                .bind(&update.display_name)
                .bind(&update.mail)
                .bind(&update.password_hash)
                .bind(update.enabled)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("mail {:?}", update.mail)))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if let Some(aliases) = &update.aliases {
                    Self::replace_links(&mut tx, Link::Aliases, context, id, aliases).await?;
                }
                if let Some(modules) = &update.permissions {
                    let modules: Vec<String> = modules.iter().map(|m| m.to_ascii_lowercase()).collect();
                    Self::replace_links(&mut tx, Link::Modules, context, id, &modules).await?;
                }
                tx.commit().await?;
                self.user(context, id).await
            }

            async fn delete_user(&self, context: ContextId, id: UserId) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                sqlx::query("DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND user_id = $3")
                    .bind(context)
                    .bind(GLOBAL_ADDRESS_BOOK)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM folders WHERE context_id = $1 AND owner_id = $2 AND folder_type = 'private'")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM folder_permissions WHERE context_id = $1 AND entity = $2 AND is_group = FALSE")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM attributes WHERE context_id = $1 AND user_id = $2")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM users WHERE context_id = $1 AND id = $2")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_group(
                &self,
                context: ContextId,
                name: &str,
                display_name: &str,
                members: &[UserId],
            ) -> StoreResult<Group> {
                let mut tx = self.pool.begin().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query("INSERT INTO user_groups (context_id, id, name, display_name) VALUES ($1, $2, $3, $4)")
                    .bind(context)
                    .bind(id)
                    .bind(name)
                    .bind(display_name)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or(e, format!("group {name}")))?;
                Self::replace_links(&mut tx, Link::Members, context, id, members).await?;
                tx.commit().await?;
                Ok(Group {
                    context_id: context,
                    id,
                    name: name.to_string(),
                    display_name: display_name.to_string(),
                    members: members.to_vec(),
                })
            }

            async fn set_group_members(
                &self,
                context: ContextId,
                group: i64,
                members: &[UserId],
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::replace_links(&mut tx, Link::Members, context, group, members).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn groups(&self, context: ContextId) -> StoreResult<Vec<Group>> {
                let rows = sqlx::query(
                    "SELECT id, name, display_name FROM user_groups WHERE context_id = $1 ORDER BY id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                let members = sqlx::query(
                    "SELECT group_id, user_id FROM group_members WHERE context_id = $1 ORDER BY user_id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                let mut groups = Vec::with_capacity(rows.len());
                for row in &rows {
                    let id: i64 = row.try_get("id")?;
                    let mut group = Group {
                        context_id: context,
                        id,
                        name: row.try_get("name")?,
                        display_name: row.try_get("display_name")?,
                        members: Vec::new(),
                    };
                    for m in &members {
                        if m.try_get::<i64, _>("group_id")? == id {
                            group.members.push(m.try_get("user_id")?);
                        }
                    }
                    groups.push(group);
                }
                Ok(groups)
            }

            async fn group_by_name(&self, context: ContextId, name: &str) -> StoreResult<Option<Group>> {
                Ok(self.groups(context).await?.into_iter().find(|g| g.name == name))
            }

            async fn groups_of(&self, context: ContextId, user: UserId) -> StoreResult<Vec<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT group_id FROM group_members WHERE context_id = $1 AND user_id = $2 ORDER BY group_id",
                )
                .bind(context)
                .bind(user)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_resource(
                &self,
                context: ContextId,
                name: &str,
                display_name: &str,
                mail: &str,
                kind: ResourceKind,
            ) -> StoreResult<Resource> {
                let mut tx = self.pool.begin().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query(
                    "INSERT INTO resources (context_id, id, name, display_name, mail, kind) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(context)
                .bind(id)
                .bind(name)
                .bind(display_name)
                .bind(mail)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("resource {name}")))?;
                tx.commit().await?;
                Ok(Resource {
                    context_id: context,
                    id,
                    name: name.to_string(),
                    display_name: display_name.to_string(),
                    mail: mail.to_string(),
                    kind,
                })
            }

            async fn resources(&self, context: ContextId) -> StoreResult<Vec<Resource>> {
                let rows = sqlx::query(
                    "SELECT id, name, display_name, mail, kind FROM resources WHERE context_id = $1 ORDER BY id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Resource {
                            context_id: context,
                            id: row.try_get("id")?,
                            name: row.try_get("name")?,
                            display_name: row.try_get("display_name")?,
                            mail: row.try_get("mail")?,
                            kind: parse_text(row.try_get("kind")?)?,
                        })
                    })
                    .collect()
            }

            async fn create_folder(&self, context: ContextId, new: NewFolder) -> StoreResult<Folder> {
                let mut tx = self.pool.begin().await?;
                let id = Self::next_id(&mut *tx, context, "next_folder_id").await?;
                let parent: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM folders WHERE context_id = $1 AND id = $2")
                        .bind(context)
                        .bind(new.parent_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if parent.is_none() {
                    return Err(StoreError::Invalid(format!("parent folder {} does not exist", new.parent_id)));
                }
                Self::insert_folder(&mut tx, context, id, &new, false).await?;
                tx.commit().await?;
                self.folder(context, id).await
            }

            async fn folder(&self, context: ContextId, id: FolderId) -> StoreResult<Folder> {
                self.load_folders(context, FolderScope::Id(id)).await?.pop().ok_or(StoreError::NotFound)
            }

            async fn folders(&self, context: ContextId) -> StoreResult<Vec<Folder>> {
                self.load_folders(context, FolderScope::All).await
            }

            async fn folder_by_dav_name(
                &self,
                context: ContextId,
                owner: UserId,
                dav_name: &str,
            ) -> StoreResult<Option<FolderId>> {
                Ok(sqlx::query_scalar(
                    "SELECT id FROM folders WHERE context_id = $1 AND owner_id = $2 AND dav_name = $3",
                )
                .bind(context)
                .bind(owner)
                .bind(dav_name)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn visible_folder(
                &self,
                context: ContextId,
                user: UserId,
                id: FolderId,
            ) -> StoreResult<Option<Folder>> {
                // With its permissions in the same statement: a folder deleted meanwhile is
                // gone as a whole, never seen without the permissions that made it visible.
                Ok(self
                    .load_folders(context, FolderScope::VisibleOne(user, id))
                    .await?
                    .pop())
            }

            async fn visible_folders(&self, context: ContextId, user: UserId) -> StoreResult<Vec<Folder>> {
                self.load_folders(context, FolderScope::VisibleTo(user)).await
            }

            async fn default_folder(
                &self,
                context: ContextId,
                user: UserId,
                module: FolderModule,
            ) -> StoreResult<Option<Folder>> {
                let id: Option<FolderId> = sqlx::query_scalar(
                    "SELECT id FROM folders WHERE context_id = $1 AND owner_id = $2 AND module = $3 \
                     AND is_default ORDER BY id LIMIT 1",
                )
                .bind(context)
                .bind(user)
                .bind(module.as_str())
                .fetch_optional(&self.pool)
                .await?;
                match id {
                    Some(id) => Ok(self.load_folders(context, FolderScope::Id(id)).await?.pop()),
                    None => Ok(None),
                }
            }

            async fn update_folder(
                &self,
                context: ContextId,
                id: FolderId,
                update: FolderUpdate,
            ) -> StoreResult<Folder> {
                // One statement: only the columns the update names change, so two
                // concurrent updates of different properties both take effect. The
                // clearable columns carry a flag saying whether they are set.
                let mut tx = self.begin_locked(context).await?;
                let done = sqlx::query(
                    "UPDATE folders SET name = COALESCE($3, name), \
                     color = CASE WHEN $4 THEN $5 ELSE color END, \
                     description = CASE WHEN $6 THEN $7 ELSE description END, \
                     subscribed = COALESCE($8, subscribed), \
                     used_for_sync = COALESCE($9, used_for_sync), \
                     sort_order = CASE WHEN $10 THEN $11 ELSE sort_order END, \
                     modified_at = $12 WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(id)
                .bind(update.name)
                .bind(update.color.is_some())
                .bind(update.color.flatten())
                .bind(update.description.is_some())
                .bind(update.description.flatten())
                .bind(update.subscribed)
                .bind(update.used_for_sync)
                .bind(update.sort_order.is_some())
                .bind(update.sort_order.flatten())
                .bind(now_epoch())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                self.folder(context, id).await
            }

            async fn set_permission(
                &self,
                context: ContextId,
                folder: FolderId,
                permission: Permission,
            ) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                Self::upsert_permission(&mut *tx, context, folder, &permission).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_permission(
                &self,
                context: ContextId,
                folder: FolderId,
                entity: i64,
                is_group: bool,
            ) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                let done = sqlx::query(
                    "DELETE FROM folder_permissions WHERE context_id = $1 AND folder_id = $2 \
                     AND entity = $3 AND is_group = $4",
                )
                .bind(context)
                .bind(folder)
                .bind(entity)
                .bind(is_group)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn delete_folder(&self, context: ContextId, id: FolderId) -> StoreResult<()> {
                // Members (leaving tombstones), then the collection's dead properties, then
                // the folder: its own tombstone is the last change recorded, whatever order
                // the database runs cascades in.
                retrying(|| async move {
                    let mut tx = self.begin_locked(context).await?;
                    for sql in [
                        "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2",
                        "DELETE FROM dead_properties WHERE context_id = $1 AND folder_id = $2",
                    ] {
                        sqlx::query(sql).bind(context).bind(id).execute(&mut *tx).await?;
                    }
                    let done = sqlx::query("DELETE FROM folders WHERE context_id = $1 AND id = $2")
                        .bind(context)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn put_object(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                condition: WriteCondition,
            ) -> StoreResult<WriteOutcome> {
                let etag = etag_of(&object.data);
                retrying(|| self.put_once(context, folder, object, &etag, &condition)).await
            }

            async fn object(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
            ) -> StoreResult<Option<StoredObject>> {
                self.object_where(context, folder, "resource_name", resource_name).await
            }

            async fn object_by_uid(
                &self,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreResult<Option<StoredObject>> {
                self.object_where(context, folder, "uid", uid).await
            }

            async fn delete_object(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                condition: WriteCondition,
            ) -> StoreResult<()> {
                retrying(|| self.delete_once(context, folder, resource_name, &condition)).await
            }

            fn object_summary_stream(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<ObjectSummary>> {
                self.summary_pages(context, folder, filter)
            }

            fn object_stream(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<StoredObject>> {
                self.object_pages(context, folder, filter)
            }

            async fn objects_by_names(
                &self,
                context: ContextId,
                folder: FolderId,
                names: &[String],
            ) -> StoreResult<Vec<StoredObject>> {
                let mut wanted: Vec<&String> = names.iter().collect();
                wanted.sort();
                wanted.dedup();
                let mut found = Vec::new();
                for batch in wanted.chunks(NAMES_PER_BATCH) {
                    found.extend(self.objects_batch(context, folder, batch).await?);
                }
                found.sort_by(|a, b| a.resource_name.cmp(&b.resource_name));
                Ok(found)
            }

            async fn move_object(
                &self,
                context: ContextId,
                from: FolderId,
                name: &str,
                to: FolderId,
                to_name: &str,
                condition: WriteCondition,
                overwrite: bool,
            ) -> StoreResult<WriteOutcome> {
                if from == to && name == to_name {
                    return Err(StoreError::Invalid(format!("{name} cannot be moved onto itself")));
                }
                retrying(|| self.move_once(context, from, name, to, to_name, &condition, overwrite)).await
            }

            async fn collections_dead_properties_within(
                &self,
                context: ContextId,
                folders: &[FolderId],
                bounds: DeadPropertyBounds,
            ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>> {
                let mut by_folder: std::collections::HashMap<FolderId, Vec<DeadProperty>> =
                    Default::default();
                if folders.is_empty() {
                    return Ok(by_folder);
                }
                let sql = bounded_dead_properties_sql(&format!(
                    "resource_name = '' AND folder_id IN ({})",
                    placeholders(5, folders.len())
                ));
                let mut query = sqlx::query(&sql)
                    .bind(context)
                    .bind(bounds.max_value_bytes)
                    .bind(bounds.max_count)
                    .bind(bounds.max_total_bytes);
                for folder in folders {
                    query = query.bind(*folder);
                }
                for row in query.fetch_all(&self.pool).await? {
                    by_folder.entry(row.try_get("folder_id")?).or_default().push(dead_property_from(&row)?);
                }
                Ok(by_folder)
            }

            async fn dead_properties_within(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                bounds: DeadPropertyBounds,
            ) -> StoreResult<Vec<DeadProperty>> {
                let sql = bounded_dead_properties_sql("folder_id = $5 AND resource_name = $6");
                let rows = sqlx::query(&sql)
                    .bind(context)
                    .bind(bounds.max_value_bytes)
                    .bind(bounds.max_count)
                    .bind(bounds.max_total_bytes)
                    .bind(folder)
                    .bind(resource_name)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(dead_property_from).collect()
            }

            async fn update_dead_properties_within(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                set: &[DeadProperty],
                remove: &[(String, String)],
                bounds: DeadPropertyBounds,
            ) -> StoreResult<()> {
                if let Some(large) = set
                    .iter()
                    .find(|p| p.value.len() as i64 > bounds.max_value_bytes)
                {
                    return Err(StoreError::OverLimit(format!(
                        "the value of {{{}}}{} is larger than {} bytes",
                        large.namespace, large.name, bounds.max_value_bytes
                    )));
                }
                let mut tx = self.begin_locked(context).await?;
                let exists = if resource_name.is_empty() {
                    let found: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM folders WHERE context_id = $1 AND id = $2")
                            .bind(context)
                            .bind(folder)
                            .fetch_one(&mut *tx)
                            .await?;
                    found > 0
                } else {
                    Self::object_exists(&mut *tx, context, folder, resource_name).await?
                };
                if !exists {
                    return Err(StoreError::NotFound);
                }
                let before =
                    Self::dead_property_usage(&mut tx, context, folder, resource_name, bounds).await?;
                for (namespace, name) in remove {
                    sqlx::query(
                        "DELETE FROM dead_properties WHERE context_id = $1 AND folder_id = $2 \
                         AND resource_name = $3 AND namespace = $4 AND name = $5",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(resource_name)
                    .bind(namespace)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                }
                for property in set {
                    sqlx::query(
                        "INSERT INTO dead_properties (context_id, folder_id, resource_name, namespace, name, value) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (context_id, folder_id, resource_name, namespace, name) \
                         DO UPDATE SET value = excluded.value",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(resource_name)
                    .bind(&property.namespace)
                    .bind(&property.name)
                    .bind(&property.value)
                    .execute(&mut *tx)
                    .await?;
                }
                let after =
                    Self::dead_property_usage(&mut tx, context, folder, resource_name, bounds).await?;
                // Only growth beyond a bound is refused: a resource stored beyond one (before
                // the bound existed, or by another writer) may still shrink.
                if after.0 > bounds.max_count && after.0 > before.0 {
                    return Err(StoreError::OverLimit(format!(
                        "a resource holds at most {} dead properties",
                        bounds.max_count
                    )));
                }
                if after.1 > bounds.max_total_bytes && after.1 > before.1 {
                    return Err(StoreError::OverLimit(format!(
                        "the dead properties of a resource hold at most {} bytes",
                        bounds.max_total_bytes
                    )));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn check_sync_token(&self, context: ContextId, since: i64) -> StoreResult<()> {
                check_token(&self.pool, context, since).await.map(|_| ())
            }

            fn sync_stream(
                &self,
                context: ContextId,
                folders: &[FolderId],
                since: i64,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<SyncMember>> {
                if folders.is_empty() {
                    use futures::StreamExt as _;
                    return futures::stream::empty().boxed();
                }
                self.sync_pages(context, folders, since, filter)
            }

            async fn current_seq(&self, context: ContextId) -> StoreResult<i64> {
                sqlx::query_scalar("SELECT seq FROM context_counters WHERE context_id = $1")
                    .bind(context)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn display_names(
                &self,
                context: ContextId,
                ids: &[UserId],
            ) -> StoreResult<std::collections::HashMap<UserId, String>> {
                if ids.is_empty() {
                    return Ok(Default::default());
                }
                let sql = format!(
                    "SELECT id, display_name FROM users WHERE context_id = $1 AND id IN ({})",
                    placeholders(2, ids.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for id in ids {
                    query = query.bind(*id);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| Ok((row.try_get("id")?, row.try_get("display_name")?)))
                    .collect()
            }

            async fn folder_seqs(
                &self,
                context: ContextId,
                folders: &[FolderId],
            ) -> StoreResult<std::collections::HashMap<FolderId, i64>> {
                if folders.is_empty() {
                    return Ok(Default::default());
                }
                // One probe of the (context, folder, seq) index per folder, as
                // `folder_seq` does; MAX under GROUP BY would read every change.
                let sql = format!(
                    "SELECT f.id AS folder_id, (SELECT c.seq FROM changes c \
                     WHERE c.context_id = f.context_id AND c.folder_id = f.id \
                     ORDER BY c.seq DESC LIMIT 1) AS seq \
                     FROM folders f WHERE f.context_id = $1 AND f.id IN ({})",
                    placeholders(2, folders.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for folder in folders {
                    query = query.bind(*folder);
                }
                let mut seqs = std::collections::HashMap::new();
                for row in query.fetch_all(&self.pool).await? {
                    let seq: Option<i64> = row.try_get("seq")?;
                    if let Some(seq) = seq {
                        seqs.insert(row.try_get("folder_id")?, seq);
                    }
                }
                Ok(seqs)
            }

            async fn folder_seq(&self, context: ContextId, folder: FolderId) -> StoreResult<i64> {
                // The newest entry of the (context, folder, seq) index: one index probe,
                // whatever the planner knows about the table.
                let seq: Option<i64> = sqlx::query_scalar(
                    "SELECT seq FROM changes WHERE context_id = $1 AND folder_id = $2 \
                     ORDER BY seq DESC LIMIT 1",
                )
                .bind(context)
                .bind(folder)
                .fetch_optional(&self.pool)
                .await?;
                Ok(seq.unwrap_or(0))
            }

            async fn changes_since(
                &self,
                context: ContextId,
                folder: FolderId,
                since: i64,
            ) -> StoreResult<Vec<Change>> {
                check_token(&self.pool, context, since).await?;
                let rows = sqlx::query(
                    "SELECT resource_name, seq, deleted FROM changes \
                     WHERE context_id = $1 AND folder_id = $2 AND seq > $3 ORDER BY seq",
                )
                .bind(context)
                .bind(folder)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Change {
                            resource_name: row.try_get("resource_name")?,
                            seq: row.try_get("seq")?,
                            deleted: row.try_get("deleted")?,
                        })
                    })
                    .collect()
            }

            async fn try_maintenance_lock(&self) -> StoreResult<Option<MaintenanceLock>> {
                self.maintenance_lock().await
            }

            async fn prune_changes(&self, context: ContextId, before: i64) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let floor = Self::lock_context(&mut tx, context).await?;
                let newest_pruned: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(seq) FROM changes WHERE context_id = $1 AND deleted AND changed_at < $2",
                )
                .bind(context)
                .bind(before)
                .fetch_one(&mut *tx)
                .await?;
                let Some(newest_pruned) = newest_pruned else {
                    return Ok(0);
                };
                let done = sqlx::query(
                    "DELETE FROM changes WHERE context_id = $1 AND deleted AND seq <= $2",
                )
                .bind(context)
                .bind(newest_pruned)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE context_counters SET floor_seq = $2 WHERE context_id = $1")
                    .bind(context)
                    .bind(newest_pruned.max(floor))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use impl_sql_store;
