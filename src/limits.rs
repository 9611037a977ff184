//! The limits of `config::props::limits`, read once at start: what one client may cost the
//! process. Each part is handed to the module that enforces it.

use std::time::Duration;

use crate::config::{props, ServerConfig};

/// Every limit of the process.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connections: ConnectionLimits,
    pub logins: LoginLimits,
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

/// What logging in may cost (auth): password checks, and failed logins counted.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_concurrent_password_checks: usize,
    pub password_check_queue: usize,
    /// 0: not counted.
    pub failures_per_login: u32,
    /// 0: not counted.
    pub failures_per_address: u32,
    pub failure_window: Duration,
    pub max_tracked_keys: usize,
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
            logins: LoginLimits {
                max_concurrent_password_checks: config
                    .get::<props::MaxConcurrentPasswordChecks>()
                    .max(1) as usize,
                password_check_queue: config.get::<props::PasswordCheckQueue>() as usize,
                failures_per_login: config.get::<props::LoginFailuresPerLogin>(),
                failures_per_address: config.get::<props::LoginFailuresPerAddress>(),
                failure_window: seconds(config.get::<props::LoginFailureWindowSeconds>()),
                max_tracked_keys: config.get::<props::LoginThrottleMaxKeys>().max(1) as usize,
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
