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
        let groups = store.groups_of(user.context_id, user.id).await?;
        let subject = subject_for(store, &user).await?;
        let config = server.view(&subject);
        Ok(DavUser {
            user,
            groups,
            config,
        })
    }
}
