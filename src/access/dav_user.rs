//! The authenticated user with what every projection asks about them: their groups and
//! their view of the config cascade, gathered once per request.

use crate::config::ConfigView;
use crate::store::User;

#[derive(Debug, Clone)]
pub struct DavUser {
    pub user: User,
    pub groups: Vec<i64>,
    pub config: ConfigView,
}

impl DavUser {
    /// With the groups and the view of the cascade read already (by the auth layer).
    pub fn with_profile(user: User, groups: Vec<i64>, config: ConfigView) -> Self {
        DavUser {
            user,
            groups,
            config,
        }
    }
}
