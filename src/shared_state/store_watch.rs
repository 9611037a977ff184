//! Without Redis, a server hears of changes to what its login cache keeps from the store,
//! which keeps a generation of those tables that every committed write moves, by this
//! process, the command line or any other writer (SQLite: a row moved by triggers;
//! PostgreSQL: notifications sent by triggers, counted by a listener). The server reads
//! it every [`INTERVAL`] and drops what it keeps whenever it moved. While that works,
//! entries live `davgate.loginCache.ttlSeconds`, as with a Redis subscription, instead of
//! `unsubscribedTtlMillis`: a change shows within about a second either way, but the
//! requests a client sends after a pause no longer load the user again each time.
//! A read that fails ends the watch until one succeeds (entries live briefly meanwhile).

use std::sync::Weak;
use std::time::Duration;

use super::invalidation::Scope;
use super::login_cache::LoginCache;
use crate::store::DynStore;

/// How often the store's generation is read.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// Watches `store`'s generation for `cache` as long as the cache lives.
pub fn spawn(store: DynStore, cache: Weak<LoginCache>) {
    tokio::spawn(async move {
        let mut seen: Option<i64> = None;
        loop {
            let Some(live) = cache.upgrade() else { return };
            match store.cache_generation().await {
                Ok(generation) => {
                    match seen {
                        None => live.set_watched(true),
                        Some(before) if before != generation => live.drop_local(&Scope::All),
                        Some(_) => {}
                    }
                    seen = Some(generation);
                }
                Err(error) => {
                    if live.is_watched() {
                        tracing::warn!(%error, "the login cache's generation cannot be read: its entries live briefly");
                        live.set_watched(false);
                    }
                    seen = None;
                }
            }
            drop(live);
            tokio::time::sleep(INTERVAL).await;
        }
    });
}
