//! The DNS records of RFC 6764 for a davgate deployment, in zone-file syntax: SRV records
//! that name the host and port of each service and TXT records with the DAV root's path.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::http::paths::DavPaths;

/// A host or domain name as it may stand in a zone file: LDH labels (RFC 1123), stored in
/// lower case and without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName(String);

/// Why a string is not usable as a domain or host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error(
        "{0:?} is a URL: give the name alone, without the scheme (http:// or https://) and path"
    )]
    Url(String),
    #[error("{0:?} is a mail address: give only the domain after the @")]
    MailAddress(String),
    #[error("{0:?} carries a port: give the name alone and the port with --port or --plain-port")]
    WithPort(String),
    #[error("{0:?} is an IP address: SRV records point at a host name (RFC 2782), which needs A/AAAA records of its own")]
    IpAddress(String),
    #[error("{name:?} is not a domain name: it is {len} characters long, at most 253 are allowed")]
    TooLong { name: String, len: usize },
    #[error(
        "{0:?} is not a domain name: it has an empty label (two dots in a row, or a leading dot)"
    )]
    EmptyLabel(String),
    #[error("{name:?} is not a domain name: the label {label:?} is longer than 63 characters")]
    LabelTooLong { name: String, label: String },
    #[error("{name:?} is not a domain name: {character:?} is not allowed (letters, digits and '-' only)")]
    BadCharacter { name: String, character: char },
    #[error("{name:?} is not a domain name: the label {label:?} starts or ends with '-'")]
    EdgeHyphen { name: String, label: String },
}

impl DomainName {
    /// Reads a name as an operator types it; one trailing dot is accepted and dropped.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let name = raw.trim();
        if name.is_empty() || name == "." {
            return Err(NameError::Empty);
        }
        if name.contains("://") || name.contains('/') {
            return Err(NameError::Url(name.to_owned()));
        }
        if name.contains('@') {
            return Err(NameError::MailAddress(name.to_owned()));
        }
        let unbracketed = name.trim_start_matches('[').trim_end_matches(']');
        if unbracketed.parse::<IpAddr>().is_ok() {
            return Err(NameError::IpAddress(name.to_owned()));
        }
        if let Some((host, port)) = name.rsplit_once(':') {
            if !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NameError::WithPort(name.to_owned()));
            }
        }
        let bare = name.strip_suffix('.').unwrap_or(name);
        if bare.len() > 253 {
            return Err(NameError::TooLong {
                name: name.to_owned(),
                len: bare.len(),
            });
        }
        for label in bare.split('.') {
            if label.is_empty() {
                return Err(NameError::EmptyLabel(name.to_owned()));
            }
            if label.len() > 63 {
                return Err(NameError::LabelTooLong {
                    name: name.to_owned(),
                    label: label.to_owned(),
                });
            }
            if let Some(character) = label
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
            {
                return Err(NameError::BadCharacter {
                    name: name.to_owned(),
                    character,
                });
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(NameError::EdgeHyphen {
                    name: name.to_owned(),
                    label: label.to_owned(),
                });
            }
        }
        Ok(Self(bare.to_ascii_lowercase()))
    }

    /// The name without the trailing dot, as in URLs and mail addresses.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute name as a zone file writes it, with the trailing dot.
    pub fn absolute(&self) -> String {
        format!("{}.", self.0)
    }
}

impl std::fmt::Display for DomainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two services RFC 6764 makes discoverable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    CalDav,
    CardDav,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::CalDav, Service::CardDav];

    pub fn label(self) -> &'static str {
        match self {
            Service::CalDav => "CalDAV",
            Service::CardDav => "CardDAV",
        }
    }

    /// The lower-case name used in SRV owner names and well-known URIs.
    pub fn key(self) -> &'static str {
        match self {
            Service::CalDav => "caldav",
            Service::CardDav => "carddav",
        }
    }
}

/// How a service is reached: over TLS (`_caldavs`, https) or in the clear (`_caldav`, http).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tls,
    Plain,
}

impl Transport {
    pub fn scheme(self) -> &'static str {
        match self {
            Transport::Tls => "https",
            Transport::Plain => "http",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tls => 443,
            Transport::Plain => 80,
        }
    }
}

/// The owner name of a service's SRV and TXT records under `domain`, e.g.
/// `_caldavs._tcp.example.com.`.
pub fn service_owner(service: Service, transport: Transport, domain: &DomainName) -> String {
    let suffix = match transport {
        Transport::Tls => "s",
        Transport::Plain => "",
    };
    format!("_{}{suffix}._tcp.{}", service.key(), domain.absolute())
}

/// The path of the DAV root as clients see it, the value of the TXT records' `path` key.
pub fn dav_root_path(paths: &DavPaths) -> String {
    paths.external("/")
}

/// Everything the records say, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryRecords {
    pub domain: DomainName,
    pub host: DomainName,
    /// The HTTPS port; `None` publishes TLS as not offered.
    pub tls_port: Option<u16>,
    /// The plain HTTP port; `None` publishes plain HTTP as not offered.
    pub plain_port: Option<u16>,
    pub ttl: u32,
    pub paths: DavPaths,
}

/// Why no records can be printed for these settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    #[error("--domain: {0}")]
    Domain(NameError),
    #[error("--host: {0}")]
    Host(NameError),
    #[error("neither TLS nor plain HTTP would be offered: --no-tls needs --plain-port")]
    NothingOffered,
    #[error("the DAV root path {path:?} is longer than a TXT record string can hold (255 bytes with \"path=\")")]
    PathTooLong { path: String },
}

impl DiscoveryRecords {
    pub fn new(
        domain: &str,
        host: &str,
        tls_port: Option<u16>,
        plain_port: Option<u16>,
        ttl: u32,
        paths: DavPaths,
    ) -> Result<Self, RecordsError> {
        let domain = DomainName::parse(domain).map_err(RecordsError::Domain)?;
        let host = DomainName::parse(host).map_err(RecordsError::Host)?;
        if tls_port.is_none() && plain_port.is_none() {
            return Err(RecordsError::NothingOffered);
        }
        let path = dav_root_path(&paths);
        if path.len() + "path=".len() > 255 {
            return Err(RecordsError::PathTooLong { path });
        }
        Ok(Self {
            domain,
            host,
            tls_port,
            plain_port,
            ttl,
            paths,
        })
    }

    /// The records with comments, ready to paste into the zone of `domain`.
    pub fn zone_text(&self) -> String {
        let path = dav_root_path(&self.paths);
        let shown = |prefix: &str| {
            if prefix.is_empty() {
                "/".to_owned()
            } else {
                prefix.to_owned()
            }
        };
        let width = service_owner(Service::CardDav, Transport::Tls, &self.domain).len();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "; CalDAV/CardDAV service discovery (RFC 6764) for addresses user@{}.",
            self.domain
        );
        let _ = writeln!(
            out,
            "; Add these records to the zone of {}. A client given only an address looks up",
            self.domain
        );
        let _ = writeln!(
            out,
            "; the SRV record of a service for host and port, then its TXT record for the path."
        );
        let _ = writeln!(out, "; DAV root as clients see it: {path}");
        let _ = writeln!(
            out,
            ";   (com.openexchange.dav.prefixPath={}, com.openexchange.dav.proxyPrefixPath={})",
            shown(self.paths.mount_prefix()),
            shown(self.paths.proxy_prefix())
        );
        let _ = writeln!(
            out,
            "; {} needs A/AAAA records of its own (not a CNAME: RFC 2782); they are not printed here.",
            self.host.absolute()
        );
        if self.tls_port.is_none() {
            let _ = writeln!(
                out,
                "; TLS is published as not offered: clients send passwords in the clear. Use this"
            );
            let _ = writeln!(out, "; only for test zones.");
        }
        for transport in [Transport::Tls, Transport::Plain] {
            let port = match transport {
                Transport::Tls => self.tls_port,
                Transport::Plain => self.plain_port,
            };
            for service in Service::ALL {
                let owner = service_owner(service, transport, &self.domain);
                let over = match transport {
                    Transport::Tls => "over TLS (https)",
                    Transport::Plain => "without TLS (plain http)",
                };
                out.push('\n');
                match port {
                    Some(port) => {
                        let _ = writeln!(
                            out,
                            "; {} {over}: the host and port clients connect to.",
                            service.label()
                        );
                        let _ = writeln!(
                            out,
                            "{owner:<width$} {ttl} IN SRV 0 1 {port} {host}",
                            ttl = self.ttl,
                            host = self.host.absolute()
                        );
                        let _ = writeln!(
                            out,
                            "; {} {over}: the path of the DAV root on that host.",
                            service.label()
                        );
                        let _ = writeln!(
                            out,
                            "{owner:<width$} {ttl} IN TXT {value}",
                            ttl = self.ttl,
                            value = character_string(&format!("path={path}"))
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "; {} {over} is not offered: the target \".\" tells clients so (RFC 6764 section 3).",
                            service.label()
                        );
                        let _ =
                            writeln!(out, "{owner:<width$} {ttl} IN SRV 0 0 0 .", ttl = self.ttl);
                    }
                }
            }
        }
        out
    }
}

/// A zone-file character-string (RFC 1035 section 5.1): quoted, with `"` and `\` escaped
/// and bytes outside printable ASCII written as `\DDD`.
fn character_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for byte in value.bytes() {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(byte as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(prefix: &str, proxy: &str, tls: Option<u16>, plain: Option<u16>) -> String {
        DiscoveryRecords::new(
            "example.com",
            "dav.example.com",
            tls,
            plain,
            3600,
            DavPaths::new(prefix, proxy),
        )
        .unwrap()
        .zone_text()
    }

    /// The record lines alone, comments and blank lines dropped, spaces collapsed.
    fn record_lines(zone: &str) -> Vec<String> {
        zone.lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with(';'))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn dav_vhost_layout_publishes_the_root_path() {
        // Deployment (1): the proxy maps / to /servlet/dav/, clients see the DAV root at /.
        let zone = records("/servlet/dav", "/servlet/dav", Some(443), None);
        assert_eq!(
            record_lines(&zone),
            [
                "_caldavs._tcp.example.com. 3600 IN SRV 0 1 443 dav.example.com.",
                "_caldavs._tcp.example.com. 3600 IN TXT \"path=/\"",
                "_carddavs._tcp.example.com. 3600 IN SRV 0 1 443 dav.example.com.",
                "_carddavs._tcp.example.com. 3600 IN TXT \"path=/\"",
                "_caldav._tcp.example.com. 3600 IN SRV 0 0 0 .",
                "_carddav._tcp.example.com. 3600 IN SRV 0 0 0 .",
            ]
        );
    }

    #[test]
    fn prefix_passed_through_publishes_the_prefix() {
        // Deployment (2): the proxy passes /dav through unchanged.
        let zone = records("/dav", "/", Some(443), None);
        let lines = record_lines(&zone);
        assert!(lines.contains(&"_caldavs._tcp.example.com. 3600 IN TXT \"path=/dav/\"".into()));
        assert!(lines.contains(&"_carddavs._tcp.example.com. 3600 IN TXT \"path=/dav/\"".into()));
        assert!(zone.contains(
            "com.openexchange.dav.prefixPath=/dav, com.openexchange.dav.proxyPrefixPath=/)"
        ));
    }

    #[test]
    fn hidden_part_of_the_prefix_stays_in_the_path() {
        // The proxy adds /servlet/dav; clients still see /hidden.
        let zone = records("/servlet/dav/hidden", "/servlet/dav", Some(443), None);
        assert!(record_lines(&zone)
            .contains(&"_caldavs._tcp.example.com. 3600 IN TXT \"path=/hidden/\"".into()));
    }

    #[test]
    fn plain_http_is_advertised_only_when_asked() {
        let zone = records("/dav", "/", Some(8443), Some(8080));
        let lines = record_lines(&zone);
        assert!(lines
            .contains(&"_caldavs._tcp.example.com. 3600 IN SRV 0 1 8443 dav.example.com.".into()));
        assert!(lines
            .contains(&"_caldav._tcp.example.com. 3600 IN SRV 0 1 8080 dav.example.com.".into()));
        assert!(lines.contains(&"_carddav._tcp.example.com. 3600 IN TXT \"path=/dav/\"".into()));
        assert!(!lines.iter().any(|line| line.ends_with(" 0 0 0 .")));
    }

    #[test]
    fn tls_not_offered_is_published_with_the_dot_target_and_a_warning() {
        let zone = records("/dav", "/", None, Some(8080));
        let lines = record_lines(&zone);
        assert!(lines.contains(&"_caldavs._tcp.example.com. 3600 IN SRV 0 0 0 .".into()));
        assert!(lines.contains(&"_carddavs._tcp.example.com. 3600 IN SRV 0 0 0 .".into()));
        assert!(!lines
            .iter()
            .any(|l| l.starts_with("_caldavs._tcp.example.com. 3600 IN TXT")));
        assert!(zone.contains("passwords in the clear"));
    }

    #[test]
    fn every_record_has_a_comment_above_it() {
        let zone = records("/dav", "/", Some(443), None);
        let lines: Vec<&str> = zone.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with('_') {
                assert!(lines[i - 1].starts_with(';'), "no comment above {line:?}");
            }
        }
    }

    #[test]
    fn txt_values_are_escaped() {
        assert_eq!(character_string("path=/a\"b\\c/"), "\"path=/a\\\"b\\\\c/\"");
        assert_eq!(character_string("path=/ä/"), "\"path=/\\195\\164/\"");
    }

    #[test]
    fn names_are_checked_with_a_reason() {
        assert_eq!(
            DomainName::parse("Example.COM.").unwrap().absolute(),
            "example.com."
        );
        let cases = [
            ("", "empty"),
            ("https://dav.example.com/", "without the scheme"),
            ("alice@example.com", "mail address"),
            ("dav.example.com:443", "--port"),
            ("192.0.2.10", "IP address"),
            ("2001:db8::10", "IP address"),
            ("dav..example.com", "empty label"),
            ("exa mple.com", "' ' is not allowed"),
            ("_dav.example.com", "'_' is not allowed"),
            ("-dav.example.com", "starts or ends with '-'"),
        ];
        for (raw, reason) in cases {
            let err = DomainName::parse(raw).unwrap_err().to_string();
            assert!(err.contains(reason), "{raw:?}: {err}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(matches!(
            DomainName::parse(&long_label),
            Err(NameError::LabelTooLong { .. })
        ));
    }

    #[test]
    fn nothing_offered_is_refused() {
        let err = DiscoveryRecords::new(
            "example.com",
            "dav.example.com",
            None,
            None,
            3600,
            DavPaths::default(),
        )
        .unwrap_err();
        assert_eq!(err, RecordsError::NothingOffered);
    }
}
