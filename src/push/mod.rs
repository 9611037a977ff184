//! WebDAV-Push (the draft DAVx5 implements, namespace `https://bitfire.at/webdav-push`):
//! calendars and address books advertise Web Push with the server's VAPID key and a
//! topic (`props`); clients register a push subscription by POST and remove it by DELETE
//! of its registration URL (`registrations`); every change of a subscribed folder leads,
//! after a short window that gathers bulk changes, to one RFC 8291 encrypted, VAPID
//! signed message per subscription carrying the topic and the new sync token
//! (`dispatch`, `message`, `encrypt`, `vapid`). The aggregated address book, a per-user
//! view of several folders, is sent only when its token as the user sees it moved
//! (`aggregated`, with what that costs).

pub mod aggregated;
pub mod dispatch;
pub mod encrypt;
pub mod message;
pub mod props;
pub mod registrations;
pub mod vapid;

use std::time::Duration;

use crate::config::{props as cfg, ServerConfig};
use vapid::VapidKey;

/// The WebDAV-Push namespace.
pub const NS: &str = crate::dav::names::NS_WEBDAV_PUSH;
/// The first path segment of registration URLs (`<prefix>/push-subscriptions/<id>`).
pub const REGISTRATIONS_SEGMENT: &str = "push-subscriptions";

/// What the process needs for WebDAV-Push, built once from the configuration; absent
/// when push is off or no key is configured.
#[derive(Debug, Clone)]
pub struct PushSettings {
    pub key: VapidKey,
    pub subject: Option<String>,
    pub coalesce: Duration,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub allow_http_loopback: bool,
    pub max_per_user: u32,
    pub max_register_bytes: usize,
    pub max_resource_length: usize,
    pub max_expiry_seconds: i64,
}

impl PushSettings {
    /// The settings, or None when push is off; a key that cannot be read is logged and
    /// leaves push off (the rest of the server runs).
    pub fn from_config(config: &ServerConfig) -> Option<Self> {
        if !config.get::<cfg::PushEnabled>() {
            return None;
        }
        let text = config.get::<cfg::PushVapidPrivateKey>()?;
        let key = match VapidKey::parse(&text) {
            Ok(key) => key,
            Err(e) => {
                tracing::error!("{e}; WebDAV-Push is off");
                return None;
            }
        };
        Some(PushSettings {
            key,
            subject: config.get::<cfg::PushSubject>(),
            coalesce: Duration::from_millis(config.get::<cfg::PushCoalesceMillis>().into()),
            timeout: Duration::from_secs(config.get::<cfg::PushTimeoutSeconds>().into()),
            max_attempts: config.get::<cfg::PushMaxAttempts>(),
            allow_http_loopback: config.get::<cfg::PushAllowHttp>(),
            max_per_user: config.get::<cfg::PushMaxSubscriptionsPerUser>(),
            max_register_bytes: config.get::<cfg::PushMaxRegisterBytes>() as usize,
            max_resource_length: config.get::<cfg::PushMaxResourceLength>() as usize,
            max_expiry_seconds: config.get::<cfg::PushMaxExpirySeconds>().into(),
        })
    }
}
