//! The connection to Redis: a small pool with short timeouts and a health flag. Every
//! command either answers within the timeout or counts as an outage; an outage is logged
//! once (warn) and its end once (info), and while it lasts Redis is tried at most once a
//! second, so requests never wait on it and callers fall back to what the process knows.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_redis::redis::{self, FromRedisValue};
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};

/// While Redis is down, how often one command is let through to see whether it is back.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Connections to Redis a process holds at most (commands are short; requests wait for a
/// connection no longer than the command timeout).
const POOL_SIZE: usize = 16;

/// Redis could not be asked, or did not answer in time.
#[derive(Debug, thiserror::Error)]
#[error("redis unavailable")]
pub struct RedisDown;

/// Checks `davgate.redisUrl`: empty (no Redis) or a URL the Redis client accepts.
pub fn parse_redis_url(raw: &str) -> Result<Option<String>, crate::config::values::ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    redis::Client::open(raw)
        .map(|_| Some(raw.to_owned()))
        .map_err(|e| crate::config::values::ValueError(format!("not a Redis URL: {e}")))
}

/// A pool of connections to one Redis, the key prefix and whether Redis answers.
pub struct RedisLink {
    pool: Pool,
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    health: Health,
}

impl RedisLink {
    /// A link to the Redis at `url` (checked by `parse_redis_url`); connects lazily.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Arc<Self>, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let mut config = Config::from_url(url);
        config.pool = Some(PoolConfig {
            max_size: POOL_SIZE,
            timeouts: Timeouts {
                wait: Some(timeout),
                create: Some(timeout),
                recycle: Some(timeout),
            },
            ..PoolConfig::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(RedisLink {
            pool,
            client,
            prefix: prefix.to_owned(),
            timeout,
            health: Health::default(),
        }))
    }

    /// `name` under the configured prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The client, for the connection the invalidation subscription keeps open.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the last command reached Redis.
    pub fn is_up(&self) -> bool {
        self.health.up.load(Ordering::SeqCst)
    }

    /// Runs one command or pipeline within the timeout. Fails at once while an outage is
    /// known and no retry is due.
    pub async fn query<T: FromRedisValue>(&self, command: impl RedisQuery) -> Result<T, RedisDown> {
        if !self.health.may_try() {
            return Err(RedisDown);
        }
        let attempt = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            command.run(&mut conn).await.map_err(|e| e.to_string())
        };
        let outcome = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
        };
        match outcome {
            Ok(value) => {
                self.health.answered();
                Ok(value)
            }
            Err(error) => {
                self.health.failed(&error);
                Err(RedisDown)
            }
        }
    }

    /// Records the outcome of work done outside `query` (the subscription).
    pub fn record(&self, outcome: Result<(), &str>) {
        match outcome {
            Ok(()) => self.health.answered(),
            Err(error) => self.health.failed(error),
        }
    }
}

/// A command or a pipeline.
pub trait RedisQuery: Send {
    fn run<T: FromRedisValue>(
        self,
        conn: &mut deadpool_redis::Connection,
    ) -> impl Future<Output = redis::RedisResult<T>> + Send;
}

impl RedisQuery for redis::Cmd {
    async fn run<T: FromRedisValue>(
        self,
        conn: &mut deadpool_redis::Connection,
    ) -> redis::RedisResult<T> {
        self.query_async(conn).await
    }
}

impl RedisQuery for redis::Pipeline {
    async fn run<T: FromRedisValue>(
        self,
        conn: &mut deadpool_redis::Connection,
    ) -> redis::RedisResult<T> {
        self.query_async(conn).await
    }
}

/// Up or down, with the outage logged once at its start and once at its end.
struct Health {
    up: AtomicBool,
    /// Milliseconds since `epoch` of the last attempt made while down.
    last_try: AtomicU64,
    epoch: Instant,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            up: AtomicBool::new(true),
            last_try: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl Health {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn may_try(&self) -> bool {
        if self.up.load(Ordering::SeqCst) {
            return true;
        }
        let now = self.now_ms();
        let last = self.last_try.load(Ordering::SeqCst);
        now.saturating_sub(last) >= RETRY_INTERVAL.as_millis() as u64
            && self
                .last_try
                .compare_exchange(last, now, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
    }

    fn answered(&self) {
        if !self.up.swap(true, Ordering::SeqCst) {
            tracing::info!("redis reachable again: shared login counts and cache resume");
        }
    }

    fn failed(&self, error: &str) {
        self.last_try.store(self.now_ms(), Ordering::SeqCst);
        if self.up.swap(false, Ordering::SeqCst) {
            tracing::warn!(%error, "redis unreachable: each replica counts failed logins and caches on its own until it is back");
        }
    }
}
