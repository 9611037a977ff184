//! The limits of `config::props::limits`, read once at start: what one client may cost the
//! process. Each part is handed to the module that enforces it.

use std::time::Duration;

use crate::config::{props, ServerConfig};
use crate::content::limits::ContentLimits;
use crate::dav::BodyLimits;
use crate::store::PoolSettings;

/// Every limit of the process.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connections: ConnectionLimits,
    pub database: DatabaseLimits,
    pub logins: LoginLimits,
    pub sync: SyncLimits,
    pub names: NameLimits,
    pub properties: PropertyLimits,
    pub collections: CollectionLimits,
    /// What a calendar object or vCard may hold, and what evaluating one may cost.
    pub content: ContentLimits,
    /// Bytes of calendar data one report may generate (expanded or selected output;
    /// stored data sent as it is does not count).
    pub max_report_calendar_data_bytes: usize,
    /// Principals one principal search (RFC 3744 or calendarserver) lists.
    pub max_principal_search_results: usize,
    /// ACEs one ACL request may carry.
    pub max_aces_per_request: usize,
    /// `CS:set` and `CS:remove` elements of one sharing request.
    pub max_sharees_per_request: usize,
    /// Free/busy lookups (scheduling outbox, Internet free/busy).
    pub freebusy: FreeBusyLimits,
    /// What one request body may hold.
    pub bodies: BodyLimits,
    /// Large request bodies parsed at once off the async workers.
    pub body_parse_threads: usize,
    /// Managed attachments (RFC 8607).
    pub attachments: AttachmentLimits,
}

/// How large and how many managed attachments a calendar object may have.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentLimits {
    pub max_bytes: u64,
    pub max_per_resource: usize,
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
    pub idle_timeout: Duration,
    pub retry_after: Duration,
}

impl DatabaseLimits {
    /// The store's pool as these limits size it.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.connections,
            acquire_timeout: self.acquire_timeout,
            idle_timeout: self.idle_timeout,
        }
    }
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
    /// Resolved logins cached in the process, and as many users' configurations.
    pub cache_max_entries: usize,
}

/// What a sync token a client sends back may name.
#[derive(Debug, Clone)]
pub struct SyncLimits {
    /// Folders an aggregated address book's token may name (at least as many as the
    /// address book spans when the token is checked).
    pub max_token_folders: usize,
}

/// What a name a client chooses may be.
#[derive(Debug, Clone)]
pub struct NameLimits {
    /// Bytes of a new member's or calendar's name.
    pub max_resource_name_bytes: usize,
}

/// What the properties a client sets may hold.
#[derive(Debug, Clone)]
pub struct PropertyLimits {
    /// Bytes of one property value (dead, or kept on the folder).
    pub max_value_bytes: usize,
    /// Bytes of a dead property's namespace URI and local name together.
    pub max_name_bytes: usize,
    /// Dead properties of one resource.
    pub max_dead_per_resource: usize,
    /// Bytes of all dead property values of one resource.
    pub max_dead_bytes_per_resource: usize,
}

/// How many collections a client may create.
#[derive(Debug, Clone)]
pub struct CollectionLimits {
    /// Calendars and task lists one user may own when creating another.
    pub max_calendars_per_user: usize,
    /// Contact folders one user may own when creating another address book.
    pub max_address_books_per_user: usize,
    /// Messages a user's scheduling inbox keeps (the oldest beyond go).
    pub max_inbox_messages: usize,
    /// Other attendees' copies one attendee's answer updates.
    pub max_copies_updated_per_reply: usize,
    /// Members one PROPPATCH of a proxy group may name.
    pub max_proxy_group_members: usize,
    /// Users one collection may be shared with through the browser page.
    pub max_sharees_per_collection: usize,
    /// Items one import of the browser page stores at most.
    pub max_import_items: usize,
}

/// The longest key PostgreSQL's B-tree indexes take is about 2.7 KB; a name and a
/// property name of at most this many bytes each keep every index row below it.
pub const MAX_INDEXED_NAME_BYTES: usize = 1024;

impl Limits {
    pub fn from_config(config: &ServerConfig) -> Limits {
        let seconds = |value: u32| Duration::from_secs(value.max(1).into());
        let count = |value: u32| usize::try_from(value).unwrap_or(usize::MAX);
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
                idle_timeout: seconds(config.get::<props::DatabaseIdleSeconds>().max(1)),
                retry_after: seconds(config.get::<props::DatabaseRetryAfterSeconds>()),
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
                cache_max_entries: config.get::<props::LoginCacheMaxEntries>().max(1) as usize,
            },
            sync: SyncLimits {
                max_token_folders: config.get::<props::MaxSyncTokenFolders>() as usize,
            },
            names: NameLimits {
                max_resource_name_bytes: indexed(config.get::<props::MaxResourceNameBytes>()),
            },
            properties: PropertyLimits {
                max_value_bytes: config.get::<props::MaxPropertyValueBytes>() as usize,
                max_name_bytes: indexed(config.get::<props::MaxPropertyNameBytes>()),
                max_dead_per_resource: config.get::<props::MaxDeadPropertiesPerResource>() as usize,
                max_dead_bytes_per_resource: config.get::<props::MaxDeadPropertyBytesPerResource>()
                    as usize,
            },
            collections: CollectionLimits {
                max_calendars_per_user: config.get::<props::MaxCalendarsPerUser>() as usize,
                max_address_books_per_user: config.get::<props::MaxAddressBooksPerUser>() as usize,
                max_inbox_messages: config.get::<props::MaxInboxMessages>().max(1) as usize,
                max_copies_updated_per_reply: config.get::<props::MaxCopiesUpdatedPerReply>()
                    as usize,
                max_proxy_group_members: config.get::<props::MaxProxyGroupMembers>() as usize,
                max_sharees_per_collection: config.get::<props::MaxShareesPerCollection>() as usize,
                max_import_items: config.get::<props::MaxImportItems>() as usize,
            },
            content: content_limits(config),
            max_report_calendar_data_bytes: usize::try_from(
                config.get::<props::MaxReportCalendarDataBytes>(),
            )
            .unwrap_or(usize::MAX),
            max_principal_search_results: config.get::<props::MaxPrincipalSearchResults>() as usize,
            max_aces_per_request: count(config.get::<props::MaxAcesPerRequest>()),
            max_sharees_per_request: count(config.get::<props::MaxShareesPerRequest>()).max(1),
            freebusy: FreeBusyLimits {
                max_recipients: count(config.get::<props::MaxFreeBusyRecipients>()),
                max_range_days: count(config.get::<props::MaxFreeBusyRangeDays>()),
            },
            bodies: BodyLimits {
                max_elements: count(config.get::<props::MaxXmlElements>()),
                max_attributes_per_element: count(
                    config.get::<props::MaxXmlAttributesPerElement>(),
                ),
                max_namespace_declarations: count(
                    config.get::<props::MaxXmlNamespaceDeclarations>(),
                ),
                max_properties: count(config.get::<props::MaxPropertiesPerRequest>()),
                max_hrefs: count(config.get::<props::MaxHrefsPerRequest>()),
                max_filter_elements: count(config.get::<props::MaxFilterElements>()),
            },
            body_parse_threads: count(config.get::<props::BodyParseThreads>()).max(1),
            attachments: AttachmentLimits {
                max_bytes: config.get::<props::MaxAttachmentBytes>().max(1),
                max_per_resource: count(config.get::<props::MaxAttachmentsPerResource>()),
            },
        }
    }
}

/// What one free/busy lookup may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBusyLimits {
    /// ATTENDEEs of one request to the scheduling outbox.
    pub max_recipients: usize,
    /// Days one lookup may span.
    pub max_range_days: usize,
}

/// A configured name length, at most what the indexes hold.
fn indexed(bytes: u32) -> usize {
    (bytes as usize).min(MAX_INDEXED_NAME_BYTES)
}

// Calendar and vCard content -------------------------------------------------

/// The store indexes UIDs; PostgreSQL refuses an index entry of more than about 2,700
/// bytes, so no configuration may let a longer UID through.
const STORABLE_UID_BYTES: usize = 2000;

fn content_limits(config: &ServerConfig) -> ContentLimits {
    let count = |value: u32| (value as usize).max(1);
    ContentLimits {
        max_nesting: count(config.get::<props::MaxComponentNesting>()),
        max_components: count(config.get::<props::MaxComponentsPerObject>()),
        max_properties_per_component: count(config.get::<props::MaxPropertiesPerComponent>()),
        max_attendees_per_event: count(config.get::<props::MaxAttendeesPerEvent>()),
        max_alarms_per_event: config.get::<props::MaxAlarmsPerEvent>() as usize,
        max_uid_bytes: count(config.get::<props::MaxUidLength>()).min(STORABLE_UID_BYTES),
        max_instances: count(config.get::<props::MaxRecurrenceInstances>()),
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

    #[test]
    fn shipped_body_limits_are_the_parsers_defaults() {
        // Parsers called without a budget (tests, tools) apply the same bounds.
        assert_eq!(Limits::default().bodies, BodyLimits::default());
    }
}
