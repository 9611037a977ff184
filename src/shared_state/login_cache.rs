//! The cache of what every authenticated request loads: the user a login resolves to
//! (password hash and enabled flag included) and the user's profile (context, context
//! and user attributes, groups). Three levels: the process (bounded), Redis (shared by
//! replicas, when configured) and the store.
//!
//! How long the process may keep an entry depends on whether it hears of changes:
//! subscribed to the Redis channel, or (without Redis) watching the store's generation of
//! what the cache holds (`store_watch`), `davgate.loginCache.ttlSeconds`; otherwise (an
//! outage, the generation unknown) `davgate.loginCache.unsubscribedTtlMillis`, so a
//! change made by the command line, another process, shows within that time. Redis
//! entries are tagged with a generation counter that every invalidation increments: an
//! entry from an older generation is a miss, whoever wrote it and whenever.
//!
//! Only logins that name a user are cached; the argon2 check still runs against the
//! cached hash, so a cached entry never lets a wrong password in.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use deadpool_redis::redis;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::invalidation::{announce, Scope};
use super::link::RedisLink;
use super::records::{Generational, Profile, UserRecord};
use crate::auth::resolve_login;
use crate::config::CascadeSubject;
use crate::store::{ContextId, DynStore, StoreResult, User, UserId};

/// How long entries live, and how many the process keeps.
#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    pub ttl: Duration,
    pub unsubscribed_ttl: Duration,
    pub max_entries: usize,
}

struct Stamped<T> {
    value: T,
    stored: Instant,
}

#[derive(Default)]
struct Local {
    logins: HashMap<[u8; 32], Stamped<User>>,
    profiles: HashMap<(ContextId, UserId), Stamped<Profile>>,
    /// Incremented by every invalidation: what was loaded under an older epoch is not
    /// stored, as it may predate the change.
    epoch: u64,
}

pub struct LoginCache {
    link: Option<Arc<RedisLink>>,
    settings: CacheSettings,
    subscribed: AtomicBool,
    /// Whether the store's generation is watched (`store_watch`), without Redis.
    watched: AtomicBool,
    local: Mutex<Local>,
}

/// Drops entries that are expired when `map` is full, then the oldest eighth.
fn make_room<K: Copy + Eq + Hash, T>(map: &mut HashMap<K, Stamped<T>>, max: usize, ttl: Duration) {
    if map.len() < max {
        return;
    }
    map.retain(|_, e| e.stored.elapsed() < ttl);
    if map.len() < max {
        return;
    }
    let mut by_age: Vec<(Instant, K)> = map.iter().map(|(k, e)| (e.stored, *k)).collect();
    let cut = (max / 8).clamp(1, by_age.len());
    by_age.select_nth_unstable_by_key(cut - 1, |(stored, _)| *stored);
    for (_, key) in &by_age[..cut] {
        map.remove(key);
    }
}

impl LoginCache {
    pub fn new(link: Option<Arc<RedisLink>>, settings: CacheSettings) -> Self {
        LoginCache {
            link,
            settings: CacheSettings {
                max_entries: settings.max_entries.max(1),
                ..settings
            },
            subscribed: AtomicBool::new(false),
            watched: AtomicBool::new(false),
            local: Mutex::new(Local::default()),
        }
    }

    fn local(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long an entry of the process is good for now.
    fn local_ttl(&self) -> Duration {
        let live =
            self.subscribed.load(Ordering::SeqCst) && self.link.as_ref().is_some_and(|l| l.is_up());
        if live || self.watched.load(Ordering::SeqCst) {
            self.settings.ttl
        } else {
            self.settings.unsubscribed_ttl
        }
    }

    /// Whether invalidations are heard now. Both ways, whatever the process holds is
    /// dropped: coming up, invalidations may have been missed; going down, entries kept
    /// long must not outlive the channel.
    pub fn set_subscribed(&self, subscribed: bool) {
        self.subscribed.store(subscribed, Ordering::SeqCst);
        self.drop_local(&Scope::All);
    }

    pub fn is_subscribed(&self) -> bool {
        self.subscribed.load(Ordering::SeqCst)
    }

    /// Whether the store's generation is read now (`store_watch`); both ways, whatever
    /// the process holds is dropped, as for the subscription.
    pub fn set_watched(&self, watched: bool) {
        self.watched.store(watched, Ordering::SeqCst);
        self.drop_local(&Scope::All);
    }

    pub fn is_watched(&self) -> bool {
        self.watched.load(Ordering::SeqCst)
    }

    /// Forgets what the process holds within `scope`.
    pub fn drop_local(&self, scope: &Scope) {
        let mut local = self.local();
        local.epoch += 1;
        match *scope {
            Scope::All => {
                local.logins.clear();
                local.profiles.clear();
            }
            Scope::Context(context) => {
                local.logins.retain(|_, e| e.value.context_id != context);
                local.profiles.retain(|(c, _), _| *c != context);
            }
            Scope::User(context, user) => {
                local
                    .logins
                    .retain(|_, e| (e.value.context_id, e.value.id) != (context, user));
                local.profiles.remove(&(context, user));
            }
        }
    }

    /// Entries held by the process: (logins, profiles).
    pub fn len(&self) -> (usize, usize) {
        let local = self.local();
        (local.logins.len(), local.profiles.len())
    }

    /// A change was made here: forgotten in this process, and (with Redis) in every
    /// replica's and in Redis.
    pub async fn invalidate(&self, scope: Scope) {
        self.drop_local(&scope);
        if let Some(link) = &self.link {
            if announce(link, &scope).await.is_err() {
                tracing::warn!(?scope, "could not announce a change to other replicas: they see it once their entries expire");
            }
        }
    }

    /// The user `login` names, as `auth::resolve_login` finds it.
    pub async fn user(&self, store: &DynStore, login: &str) -> StoreResult<Option<User>> {
        let digest: [u8; 32] = Sha256::digest(login.as_bytes()).into();
        let ttl = self.local_ttl();
        let epoch = {
            let local = self.local();
            if let Some(entry) = local.logins.get(&digest) {
                if entry.stored.elapsed() < ttl {
                    return Ok(Some(entry.value.clone()));
                }
            }
            local.epoch
        };
        let key = format!("cache:login:{}", hex::encode(digest));
        let (generation, shared) = self.shared::<UserRecord>(&key).await;
        if let Some(record) = shared {
            let user = User::from(record);
            self.keep_login(digest, epoch, &user, ttl);
            return Ok(Some(user));
        }
        let user = resolve_login(store, login).await?;
        if let Some(user) = &user {
            self.keep_login(digest, epoch, user, ttl);
            if let Some(generation) = generation {
                self.share(&key, generation, &UserRecord::from(user)).await;
            }
        }
        Ok(user)
    }

    /// `user`'s groups and view of the config cascade inputs.
    pub async fn profile(
        &self,
        store: &DynStore,
        user: &User,
    ) -> StoreResult<(Vec<i64>, CascadeSubject)> {
        let id = (user.context_id, user.id);
        let ttl = self.local_ttl();
        let epoch = {
            let local = self.local();
            if let Some(entry) = local.profiles.get(&id) {
                if entry.stored.elapsed() < ttl {
                    return Ok((entry.value.groups(), entry.value.subject(user)));
                }
            }
            local.epoch
        };
        let key = format!("cache:profile:{}:{}", id.0, id.1);
        let (generation, shared) = self.shared::<Profile>(&key).await;
        let profile = match shared {
            Some(profile) => profile,
            None => {
                let context = store.context(user.context_id).await?;
                let context_attributes = store.attributes(user.context_id, None).await?;
                let user_attributes = store.attributes(user.context_id, Some(user.id)).await?;
                let groups = store.groups_of(user.context_id, user.id).await?;
                let profile = Profile::new(
                    context.id,
                    context.name,
                    context_attributes,
                    user_attributes,
                    groups,
                );
                if let Some(generation) = generation {
                    self.share(&key, generation, &profile).await;
                }
                profile
            }
        };
        let answer = (profile.groups(), profile.subject(user));
        if !ttl.is_zero() {
            let mut local = self.local();
            if local.epoch == epoch {
                make_room(&mut local.profiles, self.settings.max_entries, ttl);
                let stored = Instant::now();
                local.profiles.insert(
                    id,
                    Stamped {
                        value: profile,
                        stored,
                    },
                );
            }
        }
        Ok(answer)
    }

    fn keep_login(&self, digest: [u8; 32], epoch: u64, user: &User, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let mut local = self.local();
        if local.epoch == epoch {
            make_room(&mut local.logins, self.settings.max_entries, ttl);
            let value = user.clone();
            let stored = Instant::now();
            local.logins.insert(digest, Stamped { value, stored });
        }
    }

    /// The current generation and the entry `key` if it is of that generation. The
    /// generation is None when Redis could not be asked (nothing is written back then).
    async fn shared<T: DeserializeOwned>(&self, key: &str) -> (Option<i64>, Option<T>) {
        let Some(link) = &self.link else {
            return (None, None);
        };
        let mut get = redis::cmd("MGET");
        get.arg(link.key(super::invalidation::GENERATION_KEY))
            .arg(link.key(key));
        let Ok((generation, text)) = link.query::<(Option<i64>, Option<String>)>(get).await else {
            return (None, None);
        };
        let generation = generation.unwrap_or(0);
        let entry = text
            .and_then(|t| serde_json::from_str::<Generational<T>>(&t).ok())
            .filter(|e| e.generation == generation)
            .map(|e| e.value);
        (Some(generation), entry)
    }

    /// Stores `value` in Redis as loaded under `generation`.
    async fn share<T: Serialize>(&self, key: &str, generation: i64, value: &T) {
        let Some(link) = &self.link else { return };
        if self.settings.ttl.is_zero() {
            return;
        }
        let Ok(text) = serde_json::to_string(&Generational { generation, value }) else {
            return;
        };
        let mut set = redis::cmd("SET");
        set.arg(link.key(key))
            .arg(text)
            .arg("EX")
            .arg(self.settings.ttl.as_secs().max(1));
        let _: Result<(), _> = link.query(set).await;
    }
}
