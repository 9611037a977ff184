//! The limits of `config::props::limits`, read once at start: what one client may cost the
//! process. Each part is handed to the module that enforces it.

use std::time::Duration;

use crate::config::{props, ServerConfig};
use crate::content::limits::ContentLimits;

/// Every limit of the process.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connections: ConnectionLimits,
    /// What a calendar object or vCard may hold, and what evaluating one may cost.
    pub content: ContentLimits,
    /// Bytes of calendar data one report may generate (expanded or selected output;
    /// stored data sent as it is does not count).
    pub max_report_calendar_data_bytes: usize,
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
            content: content_limits(config),
            max_report_calendar_data_bytes: usize::try_from(
                config.get::<props::MaxReportCalendarDataBytes>(),
            )
            .unwrap_or(usize::MAX),
        }
    }
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
