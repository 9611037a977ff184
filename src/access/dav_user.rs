//! The authenticated user with what every projection asks about them: their groups and
//! their view of the config cascade, gathered once per request.

use crate::config::{ConfigView, ServerConfig};
use crate::shared_state::LoginCache;
use crate::store::{DynStore, StoreResult, User};

#[derive(Debug, Clone)]
pub struct DavUser {
    pub user: User,
    pub groups: Vec<i64>,
    pub config: ConfigView,
}

impl DavUser {
    /// Groups and configuration of `user`, through `cache`.
    pub async fn load(
        store: &DynStore,
        server: &ServerConfig,
        cache: &LoginCache,
        user: User,
    ) -> StoreResult<Self> {
        let (groups, subject) = cache.profile(store, &user).await?;
        Ok(Self::with_profile(user, groups, server.view(&subject)))
    }

    /// With the groups and the view of the cascade read already (by the auth layer).
    pub fn with_profile(user: User, groups: Vec<i64>, config: ConfigView) -> Self {
        DavUser {
            user,
            groups,
            config,
        }
    }
}
