//! Folders, their permissions, and which folders a user may see.

use async_trait::async_trait;

use super::*;

/// Folders and their permissions.
#[async_trait]
pub trait FolderStore: Send + Sync {
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
    /// What the path segment `segment` may name among the folders `user` may see, in one
    /// query: the user's own folder a DAV client created under that name (first), and
    /// the folder `id` (what the segment reads as, if it is an id). Other users' names
    /// are never consulted.
    async fn visible_folders_named(
        &self,
        context: ContextId,
        user: UserId,
        segment: &str,
        id: Option<FolderId>,
    ) -> StoreResult<Vec<Folder>>;
    /// The user's default folder of a module (as `default_folder`) if the user may see
    /// it (as `visible_folder`), in one query.
    async fn visible_default_folder(
        &self,
        context: ContextId,
        user: UserId,
        module: FolderModule,
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
    /// Takes the client-chosen path segment from folder `id`, which is then addressed by
    /// its id.
    async fn clear_dav_name(&self, context: ContextId, id: FolderId) -> StoreResult<()>;
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
    /// Sets `set` (each replacing its entity's permission) and removes the permissions
    /// of the users `remove`, all in one transaction: every change is made or none.
    /// Removing a user without a permission changes nothing. `NotFound` when the folder
    /// is gone.
    async fn change_permissions(
        &self,
        context: ContextId,
        folder: FolderId,
        set: &[Permission],
        remove: &[UserId],
    ) -> StoreResult<()>;
    /// The default calendars of other enabled users that carry a permission of `user`
    /// herself (not through a group): each owner, once, with that permission, ordered
    /// by owner. One query, whoever many owners there are.
    async fn default_calendars_granting(
        &self,
        context: ContextId,
        user: UserId,
    ) -> StoreResult<Vec<(UserId, Permission)>>;
    /// Makes `permissions` the folder's permissions, in one transaction: entities not
    /// among them lose theirs, and permissions that stay as they were are not written
    /// (no change is logged for them). `NotFound` when the folder is not there.
    async fn replace_permissions(
        &self,
        context: ContextId,
        folder: FolderId,
        permissions: Vec<Permission>,
    ) -> StoreResult<()>;
    async fn delete_folder(&self, context: ContextId, id: FolderId) -> StoreResult<()>;
}
