//! The limits of `config::props::limits`, read once at start: what one client may cost the
//! process. Each part is handed to the module that enforces it.

use std::time::Duration;

use crate::config::{props, ServerConfig};
use crate::dav::BodyLimits;

/// Every limit of the process.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connections: ConnectionLimits,
    /// What one request body may hold.
    pub bodies: BodyLimits,
    /// Large request bodies parsed at once off the async workers.
    pub body_parse_threads: usize,
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
    fn shipped_body_limits_are_the_parsers_defaults() {
        // Parsers called without a budget (tests, tools) apply the same bounds.
        assert_eq!(Limits::default().bodies, BodyLimits::default());
    }
}
