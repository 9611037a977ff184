//! The authenticated user with what every projection asks about them: their groups and
//! their view of the config cascade, gathered once per request.

use crate::config::{subject_for, ConfigView, ServerConfig};
use crate::store::{DynStore, StoreResult, User};

#[derive(Debug, Clone)]
pub struct DavUser {
    pub user: User,
    pub groups: Vec<i64>,
    pub config: ConfigView,
}

impl DavUser {
    pub async fn load(store: &DynStore, server: &ServerConfig, user: User) -> StoreResult<Self> {
        let subject = subject_for(store, &user).await?;
        Self::with_config(store, user, server.view(&subject)).await
    }

    /// `load` with the user's view of the cascade read already (by the auth layer).
    pub async fn with_config(
        store: &DynStore,
        user: User,
        config: ConfigView,
    ) -> StoreResult<Self> {
        let groups = store.groups_of(user.context_id, user.id).await?;
        Ok(DavUser {
            user,
            groups,
            config,
        })
    }
}
