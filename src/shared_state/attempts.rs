//! `RedisAttempts`: failed and successful logins counted in Redis, so every replica
//! throttles on the same counts. Each key is a digest (no login is stored in Redis) under
//! the configured prefix; a failure is one atomic script (INCR, and the window's expiry on
//! the first one). Every count is kept in the process too, and read from there while
//! Redis is unreachable, so throttling goes on with what this replica saw.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_redis::redis;
use sha2::{Digest, Sha256};

use super::link::RedisLink;
use crate::auth::{AttemptKey, AttemptStore, AttemptStoreError, LocalAttempts, Window};

/// Counts each key's failure and opens its window on the first one, in one step.
const ADD_FAILURES: &str = r"
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return #KEYS
";

pub struct RedisAttempts {
    link: Arc<RedisLink>,
    local: LocalAttempts,
}

impl RedisAttempts {
    /// Counts in Redis through `link`, and in the process for at most `max_keys` keys.
    pub fn new(link: Arc<RedisLink>, max_keys: usize) -> Self {
        RedisAttempts {
            link,
            local: LocalAttempts::new(max_keys),
        }
    }

    /// The Redis key of `key`: `<prefix>attempts:<f|s>:<sha256 hex>`.
    fn redis_key(&self, kind: &str, key: &AttemptKey) -> String {
        let mut h = Sha256::new();
        key.hash_into(&mut h);
        self.link
            .key(&format!("attempts:{kind}:{}", hex::encode(h.finalize())))
    }
}

fn millis(duration: Duration) -> u64 {
    (duration.as_millis() as u64).max(1)
}

#[async_trait]
impl AttemptStore for RedisAttempts {
    async fn failures(
        &self,
        keys: &[AttemptKey],
    ) -> Result<Vec<Option<Window>>, AttemptStoreError> {
        let mut pipe = redis::pipe();
        for key in keys {
            let name = self.redis_key("f", key);
            pipe.cmd("GET").arg(&name).cmd("PTTL").arg(&name);
        }
        let answer: Result<Vec<(Option<u32>, i64)>, _> = self.link.query(pipe).await;
        match answer {
            Ok(pairs) if pairs.len() == keys.len() => Ok(pairs
                .into_iter()
                .map(|(count, ttl)| match count {
                    Some(failures) if ttl > 0 => Some(Window {
                        failures,
                        remaining: Duration::from_millis(ttl as u64),
                    }),
                    _ => None,
                })
                .collect()),
            _ => self.local.failures(keys).await,
        }
    }

    async fn add_failures(
        &self,
        keys: &[AttemptKey],
        window: Duration,
    ) -> Result<(), AttemptStoreError> {
        self.local.add_failures(keys, window).await?;
        if keys.is_empty() || window.is_zero() {
            return Ok(());
        }
        let mut script = redis::cmd("EVAL");
        script.arg(ADD_FAILURES).arg(keys.len());
        for key in keys {
            script.arg(self.redis_key("f", key));
        }
        script.arg(millis(window));
        // Unreachable: the local count above is what throttles meanwhile.
        let _: Result<i64, _> = self.link.query(script).await;
        Ok(())
    }

    async fn add_success(&self, key: &AttemptKey, ttl: Duration) -> Result<(), AttemptStoreError> {
        self.local.add_success(key, ttl).await?;
        if ttl.is_zero() {
            return Ok(());
        }
        let mut set = redis::cmd("SET");
        set.arg(self.redis_key("s", key))
            .arg(1)
            .arg("PX")
            .arg(millis(ttl));
        let _: Result<(), _> = self.link.query(set).await;
        Ok(())
    }

    async fn succeeded(&self, key: &AttemptKey) -> Result<bool, AttemptStoreError> {
        let mut exists = redis::cmd("EXISTS");
        exists.arg(self.redis_key("s", key));
        match self.link.query::<bool>(exists).await {
            Ok(true) => Ok(true),
            // Remembered here while Redis was away, or Redis is away now.
            _ => self.local.succeeded(key).await,
        }
    }
}
