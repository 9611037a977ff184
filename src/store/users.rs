//! The users, groups and resources of a context.

use async_trait::async_trait;

use super::*;

/// Users, groups and resources of a context.
#[async_trait]
pub trait UserStore: Send + Sync {
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
    /// The mail address and display name of these users, in one query; unknown ids are
    /// absent.
    async fn user_cards(&self, context: ContextId, ids: &[UserId]) -> StoreResult<Vec<UserCard>>;
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
    /// Records `folder` as the resource's booking calendar unless it has one already;
    /// gives the folder that is recorded afterwards (the earlier one, if any).
    async fn set_resource_calendar(
        &self,
        context: ContextId,
        resource: i64,
        folder: FolderId,
    ) -> StoreResult<FolderId>;
    /// Whether the resource accepts invitations by itself.
    async fn set_resource_auto_accept(
        &self,
        context: ContextId,
        resource: i64,
        auto_accept: bool,
    ) -> StoreResult<()>;
}
