//! What replicas share through Redis (`davgate.redisUrl`): failed-login counts, the
//! cache of what logging in and a user's configuration load, and the channel that
//! invalidates it. Without Redis, or while it is unreachable, each process counts and
//! caches on its own (briefly); no request fails and readiness does not depend on Redis.

mod attempts;
mod invalidation;
mod link;
mod login_cache;
mod records;
mod store_watch;

pub use attempts::RedisAttempts;
pub use invalidation::Scope;
pub use link::{parse_redis_url, RedisDown, RedisLink};
pub use login_cache::{CacheSettings, LoginCache};

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{AttemptStore, LocalAttempts};
use crate::config::{props, ServerConfig};
use crate::limits::LoginLimits;
use crate::store::DynStore;

/// The Redis link (if configured) and the login cache built on it, one per process.
pub struct SharedState {
    link: Option<Arc<RedisLink>>,
    cache: Arc<LoginCache>,
}

impl SharedState {
    /// From the configuration; a subscription to invalidations is started when there is
    /// a Redis and a Tokio runtime to run it on.
    pub fn from_config(config: &ServerConfig, limits: &LoginLimits) -> Self {
        let link = link_from_config(config);
        let settings = CacheSettings {
            ttl: Duration::from_secs(config.get::<props::LoginCacheTtlSeconds>().into()),
            unsubscribed_ttl: Duration::from_millis(
                config
                    .get::<props::LoginCacheUnsubscribedTtlMillis>()
                    .into(),
            ),
            max_entries: limits.cache_max_entries,
        };
        let cache = Arc::new(LoginCache::new(link.clone(), settings));
        if let Some(link) = &link {
            if tokio::runtime::Handle::try_current().is_ok() {
                invalidation::spawn_subscriber(link.clone(), Arc::downgrade(&cache));
            }
        }
        SharedState { link, cache }
    }

    /// Where failed logins are counted: Redis when configured, else the process.
    pub fn attempts(&self, limits: &LoginLimits) -> Arc<dyn AttemptStore> {
        match &self.link {
            Some(link) => Arc::new(RedisAttempts::new(link.clone(), limits.max_tracked_keys)),
            None => Arc::new(LocalAttempts::new(limits.max_tracked_keys)),
        }
    }

    pub fn cache(&self) -> &Arc<LoginCache> {
        &self.cache
    }

    /// Without Redis, has the login cache hear of changes from `store`, where it keeps a
    /// generation of them (`store_watch`); with Redis the subscription does.
    pub fn watch_store(&self, store: &DynStore) {
        if self.link.is_none() && tokio::runtime::Handle::try_current().is_ok() {
            store_watch::spawn(store.clone(), Arc::downgrade(&self.cache));
        }
    }
}

fn link_from_config(config: &ServerConfig) -> Option<Arc<RedisLink>> {
    let url = config.get::<props::RedisUrl>()?;
    let prefix = config.get::<props::RedisKeyPrefix>();
    let timeout = Duration::from_millis(config.get::<props::RedisTimeoutMillis>().max(1).into());
    match RedisLink::new(&url, &prefix, timeout) {
        Ok(link) => Some(link),
        Err(error) => {
            tracing::error!(%error, "davgate.redisUrl cannot be used: running without Redis");
            None
        }
    }
}

/// Announces a change made outside a server (the command line) to every server sharing
/// the configured Redis. Without Redis there is nothing to tell: servers hear of it from
/// the store (`store_watch`), or keep entries only for
/// `davgate.loginCache.unsubscribedTtlMillis` while they cannot.
pub async fn announce_change(config: &ServerConfig, scope: Scope) -> Result<(), RedisDown> {
    match link_from_config(config) {
        Some(link) => invalidation::announce(&link, &scope).await,
        None => Ok(()),
    }
}
