//! The limits of `config::props::limits`, read once at start: what one client may cost the
//! process. Each part is handed to the module that enforces it.

use std::time::Duration;

use crate::config::{props, ServerConfig};
use crate::store::PoolSettings;

/// Every limit of the process.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connections: ConnectionLimits,
    pub database: DatabaseLimits,
}

/// What a connection and one request on it may hold.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub write_timeout: Duration,
    pub request_timeout: Duration,
    pub max_request_body_bytes: usize,
}

/// What a request may wait for the database.
#[derive(Debug, Clone)]
pub struct DatabaseLimits {
    pub connections: u32,
    pub acquire_timeout: Duration,
    pub retry_after: Duration,
}

impl DatabaseLimits {
    /// The store's pool as these limits size it.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.connections,
            acquire_timeout: self.acquire_timeout,
        }
    }
}

impl Limits {
    pub fn from_config(config: &ServerConfig) -> Limits {
        let seconds = |value: u32| Duration::from_secs(value.max(1).into());
        Limits {
            connections: ConnectionLimits {
                max_connections: config.get::<props::MaxConnections>().max(1) as usize,
                header_read_timeout: seconds(config.get::<props::HeaderReadTimeoutSeconds>()),
                write_timeout: seconds(config.get::<props::WriteTimeoutSeconds>()),
                request_timeout: seconds(config.get::<props::RequestTimeoutSeconds>()),
                max_request_body_bytes: usize::try_from(config.get::<props::MaxRequestBodyBytes>())
                    .unwrap_or(usize::MAX),
            },
            database: DatabaseLimits {
                connections: config.get::<props::DatabaseConnections>().max(1),
                acquire_timeout: Duration::from_millis(
                    config
                        .get::<props::DatabaseAcquireTimeoutMillis>()
                        .max(1)
                        .into(),
                ),
                retry_after: seconds(config.get::<props::DatabaseRetryAfterSeconds>()),
            },
        }
    }
}

impl Default for Limits {
    /// The built-in defaults of every limit.
    fn default() -> Limits {
        Limits::from_config(&ServerConfig::defaults())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pool_is_the_one_the_limits_describe() {
        assert_eq!(Limits::default().database.pool(), PoolSettings::default());
    }
}
