//! Telling every replica that logins, users, attributes, groups or login mappings changed.
//! A change increments the cache generation in Redis (every shared entry of an older one
//! is a miss from then on) and publishes its scope on the channel `<prefix>invalidate`.
//! Each server subscribes, drops what it holds within the scope, and reconnects after
//! losing Redis; while it is not subscribed its entries live only briefly.

use std::sync::Weak;
use std::time::Duration;

use deadpool_redis::redis;
use futures::StreamExt;

use super::link::{RedisDown, RedisLink, RETRY_INTERVAL};
use super::login_cache::LoginCache;

/// The Redis key (under the prefix) of the cache generation counter.
pub const GENERATION_KEY: &str = "cache:generation";
/// The channel (under the prefix) invalidations are published on.
pub const CHANNEL: &str = "invalidate";
/// How often a subscribed server checks that Redis still answers; a silent outage is
/// noticed within this and the command timeout.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// What a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything: logins may resolve differently (users created, mappings changed).
    All,
    /// Everything about the users of one context (context attributes, groups).
    Context(i64),
    /// One user: password, enabled flag, permissions, attributes.
    User(i64, i64),
}

impl Scope {
    pub fn encode(&self) -> String {
        match self {
            Scope::All => "all".to_owned(),
            Scope::Context(c) => format!("context:{c}"),
            Scope::User(c, u) => format!("user:{c}:{u}"),
        }
    }

    /// A message read back; anything unknown counts as `All`, the safe side.
    pub fn decode(text: &str) -> Scope {
        let parts: Vec<&str> = text.split(':').collect();
        let number = |s: &str| s.parse::<i64>().ok();
        match parts.as_slice() {
            ["context", c] => number(c).map_or(Scope::All, Scope::Context),
            ["user", c, u] => match (number(c), number(u)) {
                (Some(c), Some(u)) => Scope::User(c, u),
                _ => Scope::All,
            },
            _ => Scope::All,
        }
    }
}

/// Increments the generation and publishes `scope`, in one transaction.
pub async fn announce(link: &RedisLink, scope: &Scope) -> Result<(), RedisDown> {
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("INCR")
        .arg(link.key(GENERATION_KEY))
        .ignore()
        .cmd("PUBLISH")
        .arg(link.key(CHANNEL))
        .arg(scope.encode())
        .ignore();
    link.query::<()>(pipe).await
}

/// Keeps `cache` subscribed to the invalidation channel for as long as the cache lives,
/// reconnecting after an outage (at most once a second).
pub fn spawn_subscriber(link: std::sync::Arc<RedisLink>, cache: Weak<LoginCache>) {
    tokio::spawn(async move {
        let mut renewed = false;
        loop {
            if cache.strong_count() == 0 {
                return;
            }
            match subscribe(&link, &cache, renewed).await {
                Ok(()) => return,
                Err(error) => {
                    if let Some(cache) = cache.upgrade() {
                        if cache.is_subscribed() {
                            cache.set_subscribed(false);
                        }
                    }
                    link.record(Err(&error));
                }
            }
            renewed = true;
            tokio::time::sleep(RETRY_INTERVAL).await;
        }
    });
}

/// One subscription: returns Ok when the cache is gone, Err when Redis was lost.
/// `renewed`: an earlier subscription was lost or never came up.
async fn subscribe(
    link: &RedisLink,
    cache: &Weak<LoginCache>,
    renewed: bool,
) -> Result<(), String> {
    let timeout = link.timeout();
    let mut pubsub = tokio::time::timeout(timeout, link.client().get_async_pubsub())
        .await
        .map_err(|_| "no connection within the timeout".to_owned())?
        .map_err(|e| e.to_string())?;
    tokio::time::timeout(timeout, pubsub.subscribe(link.key(CHANNEL)))
        .await
        .map_err(|_| "no subscription within the timeout".to_owned())?
        .map_err(|e| e.to_string())?;
    if renewed {
        // Changes made while Redis was away were announced to nobody, and the shared
        // entries written before them are still there: a new generation makes every
        // entry written before this subscription a miss.
        link.query::<i64>(redis::cmd("INCR").arg(link.key(GENERATION_KEY)).clone())
            .await
            .map_err(|_| "redis does not answer".to_owned())?;
    }
    link.record(Ok(()));
    match cache.upgrade() {
        Some(cache) => cache.set_subscribed(true),
        None => return Ok(()),
    }
    tracing::debug!("subscribed to cache invalidations");
    let mut messages = pubsub.into_on_message();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else {
                    return Err("the subscription's connection closed".to_owned());
                };
                let Some(cache) = cache.upgrade() else { return Ok(()) };
                let text: String = message.get_payload().unwrap_or_default();
                cache.drop_local(&Scope::decode(&text));
            }
            _ = heartbeat.tick() => {
                if cache.strong_count() == 0 {
                    return Ok(());
                }
                if link.query::<String>(redis::cmd("PING")).await.is_err() {
                    return Err("redis does not answer".to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_survive_the_channel_and_garbage_means_everything() {
        for scope in [Scope::All, Scope::Context(7), Scope::User(7, -3)] {
            assert_eq!(Scope::decode(&scope.encode()), scope);
        }
        assert_eq!(Scope::decode("user:1"), Scope::All);
        assert_eq!(Scope::decode("context:x"), Scope::All);
        assert_eq!(Scope::decode(""), Scope::All);
    }
}
