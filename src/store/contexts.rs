//! The contexts (tenants) of the store, the login mappings that select them, and the
//! attributes of a context or a user (taxonomy/types, config/<property>).

use async_trait::async_trait;

use super::*;

/// Contexts, login mappings and attributes.
#[async_trait]
pub trait ContextStore: Send + Sync {
    async fn create_context(&self, new: NewContext) -> StoreResult<Context>;
    async fn context(&self, id: ContextId) -> StoreResult<Context>;
    async fn context_by_name(&self, name: &str) -> StoreResult<Context>;
    async fn contexts(&self) -> StoreResult<Vec<Context>>;
    async fn delete_context(&self, id: ContextId) -> StoreResult<()>;
    async fn add_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()>;
    async fn remove_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()>;
    /// The context a login mapping (a domain, or the context name) selects.
    async fn context_for_mapping(&self, mapping: &str) -> StoreResult<Option<ContextId>>;

    // attributes of a context (user None) or a user
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
}
