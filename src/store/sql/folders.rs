//! Folders and their permissions, and which folders a user may see, in SQL for both
//! backends.

/// Which folders a load covers; `$2` carries the folder or user id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FolderScope<'a> {
    All,
    Id(i64),
    /// Folders with a permission of at least "see folder" for the user, one of the
    /// user's groups, or all users.
    VisibleTo(i64),
    /// The one folder with this id, if the user (the first value) may see it.
    VisibleOne(i64, i64),
    /// What a path segment may name for the user (the first value), among the folders
    /// the user may see: the user's own folder a DAV client created under that name, and
    /// the folder whose id the segment is (None: the segment is no id).
    VisibleNamed(i64, Option<i64>, &'a str),
    /// The user's first default folder of a module, if the user may see it.
    VisibleDefault(i64, &'a str),
}

/// The visibility test on a folder row `f`; entity 0 is `ALL_USERS_GROUP`.
const _: () = assert!(crate::store::ALL_USERS_GROUP == 0);
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

/// `VISIBLE_TO_USER` for the user's folder named `$4` by a client and the folder `$3`.
const VISIBLE_NAMED: &str = " AND ((f.owner_id = $2 AND f.dav_name = $4) OR f.id = $3) \
     AND EXISTS (SELECT 1 FROM folder_permissions p \
     WHERE p.context_id = f.context_id AND p.folder_id = f.id AND (p.folder_perm >= 1 OR p.is_admin) AND ( \
       (p.is_group = FALSE AND p.entity = $2) \
       OR (p.is_group AND p.entity = 0) \
       OR (p.is_group AND EXISTS (SELECT 1 FROM group_members g WHERE g.context_id = p.context_id \
           AND g.group_id = p.entity AND g.user_id = $2))))";

/// `VISIBLE_TO_USER` for the first default folder of the module `$3` the user owns.
const VISIBLE_DEFAULT: &str = " AND f.id = (SELECT d.id FROM folders d WHERE d.context_id = $1 \
       AND d.owner_id = $2 AND d.module = $3 AND d.is_default ORDER BY d.id LIMIT 1) \
     AND EXISTS (SELECT 1 FROM folder_permissions p \
     WHERE p.context_id = f.context_id AND p.folder_id = f.id AND (p.folder_perm >= 1 OR p.is_admin) AND ( \
       (p.is_group = FALSE AND p.entity = $2) \
       OR (p.is_group AND p.entity = 0) \
       OR (p.is_group AND EXISTS (SELECT 1 FROM group_members g WHERE g.context_id = p.context_id \
           AND g.group_id = p.entity AND g.user_id = $2))))";

impl FolderScope<'_> {
    /// The filter on `folders f`.
    pub(crate) fn clause(self) -> &'static str {
        match self {
            FolderScope::All => "",
            FolderScope::Id(_) => " AND f.id = $2",
            FolderScope::VisibleTo(_) => VISIBLE_TO_USER,
            FolderScope::VisibleOne(..) => VISIBLE_ONE,
            FolderScope::VisibleNamed(..) => VISIBLE_NAMED,
            FolderScope::VisibleDefault(..) => VISIBLE_DEFAULT,
        }
    }
}

/// Implements `FolderStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_folder_store {
    ($store:ty, $db:ty) => {
        use $crate::store::sql::FolderScope;

        const FOLDER_COLUMNS: &str = "f.context_id, f.id, f.parent_id, f.module, f.folder_type, \
             f.owner_id, f.name, f.color, f.description, f.is_default, f.subscribed, \
             f.used_for_sync, f.sort_order, f.dav_name";

        impl<'q> BindScope<'q> for FolderScope<'q> {
            fn bind(self, query: Query<'q>) -> Query<'q> {
                match self {
                    FolderScope::All => query,
                    FolderScope::Id(id) | FolderScope::VisibleTo(id) => query.bind(id),
                    FolderScope::VisibleOne(user, id) => query.bind(user).bind(id),
                    FolderScope::VisibleNamed(user, id, name) => query.bind(user).bind(id).bind(name),
                    FolderScope::VisibleDefault(user, module) => query.bind(user).bind(module),
                }
            }
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

        impl $store {
            /// Folders of a context in `scope` with their permissions, in one statement: a
            /// folder deleted meanwhile is either read whole or not at all, never without
            /// its permissions.
            async fn load_folders(&self, context: ContextId, scope: FolderScope<'_>) -> StoreResult<Vec<Folder>> {
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
        impl FolderStore for $store {
            async fn create_folder(&self, context: ContextId, new: NewFolder) -> StoreResult<Folder> {
                let mut tx = self.begin_write().await?;
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

            async fn visible_folders_named(
                &self,
                context: ContextId,
                user: UserId,
                segment: &str,
                id: Option<FolderId>,
            ) -> StoreResult<Vec<Folder>> {
                let scope = FolderScope::VisibleNamed(user, id, segment);
                let mut folders = self.load_folders(context, scope).await?;
                // The user's own name first, as a path segment names it before an id.
                folders.sort_by_key(|f| !(f.owner_id == Some(user) && f.dav_name.as_deref() == Some(segment)));
                Ok(folders)
            }

            async fn visible_default_folder(
                &self,
                context: ContextId,
                user: UserId,
                module: FolderModule,
            ) -> StoreResult<Option<Folder>> {
                let scope = FolderScope::VisibleDefault(user, module.as_str());
                Ok(self.load_folders(context, scope).await?.pop())
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

            async fn clear_dav_name(&self, context: ContextId, id: FolderId) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                let done = sqlx::query(
                    "UPDATE folders SET dav_name = NULL, modified_at = $3 WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(id)
                .bind(now_epoch())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
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

            async fn change_permissions(
                &self,
                context: ContextId,
                folder: FolderId,
                set: &[Permission],
                remove: &[UserId],
            ) -> StoreResult<()> {
                retrying(|| async move {
                    let mut tx = self.begin_locked(context).await?;
                    let exists = sqlx::query("SELECT id FROM folders WHERE context_id = $1 AND id = $2")
                        .bind(context)
                        .bind(folder)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    for user in remove {
                        sqlx::query(
                            "DELETE FROM folder_permissions WHERE context_id = $1 \
                             AND folder_id = $2 AND entity = $3 AND is_group = FALSE",
                        )
                        .bind(context)
                        .bind(folder)
                        .bind(*user)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for permission in set {
                        Self::upsert_permission(&mut *tx, context, folder, permission).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn default_calendars_granting(
                &self,
                context: ContextId,
                user: UserId,
            ) -> StoreResult<Vec<(UserId, Permission)>> {
                let rows = sqlx::query(
                    "SELECT f.owner_id, p.entity, p.is_group, p.folder_perm, p.read_perm, \
                     p.write_perm, p.delete_perm, p.is_admin \
                     FROM folders f JOIN folder_permissions p \
                     ON p.context_id = f.context_id AND p.folder_id = f.id \
                     JOIN users u ON u.context_id = f.context_id AND u.id = f.owner_id \
                     WHERE f.context_id = $1 AND f.module = $3 AND f.is_default \
                     AND p.is_group = FALSE AND p.entity = $2 AND f.owner_id <> $2 AND u.enabled \
                     ORDER BY f.owner_id, f.id",
                )
                .bind(context)
                .bind(user)
                .bind(FolderModule::Calendar.as_str())
                .fetch_all(&self.pool)
                .await?;
                let mut granted: Vec<(UserId, Permission)> = Vec::new();
                for row in &rows {
                    let owner: UserId = row.try_get("owner_id")?;
                    // An owner's first default calendar is the one `default_folder` names.
                    if granted.last().is_some_and(|(o, _)| *o == owner) {
                        continue;
                    }
                    if let Some(permission) = permission_from(row)? {
                        granted.push((owner, permission));
                    }
                }
                Ok(granted)
            }

            async fn replace_permissions(
                &self,
                context: ContextId,
                folder: FolderId,
                permissions: Vec<Permission>,
            ) -> StoreResult<()> {
                let wanted = &permissions;
                retrying(|| async move {
                    let mut tx = self.begin_locked(context).await?;
                    let rows = sqlx::query(
                        "SELECT f.id, p.entity, p.is_group, p.folder_perm, p.read_perm, \
                         p.write_perm, p.delete_perm, p.is_admin FROM folders f \
                         LEFT JOIN folder_permissions p ON p.context_id = f.context_id AND p.folder_id = f.id \
                         WHERE f.context_id = $1 AND f.id = $2",
                    )
                    .bind(context)
                    .bind(folder)
                    .fetch_all(&mut *tx)
                    .await?;
                    if rows.is_empty() {
                        return Err(StoreError::NotFound);
                    }
                    let mut current = Vec::with_capacity(rows.len());
                    for row in &rows {
                        current.extend(permission_from(row)?);
                    }
                    let same_entity = |a: &Permission, b: &Permission| a.entity == b.entity && a.is_group == b.is_group;
                    for old in current.iter().filter(|old| !wanted.iter().any(|p| same_entity(p, old))) {
                        sqlx::query(
                            "DELETE FROM folder_permissions WHERE context_id = $1 AND folder_id = $2 \
                             AND entity = $3 AND is_group = $4",
                        )
                        .bind(context)
                        .bind(folder)
                        .bind(old.entity)
                        .bind(old.is_group)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for permission in wanted.iter().filter(|p| !current.contains(p)) {
                        Self::upsert_permission(&mut *tx, context, folder, permission).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await
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
        }
    };
}

pub(crate) use impl_folder_store;
