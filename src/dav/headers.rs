//! The request headers WebDAV adds or leans on: Depth, If-Match / If-None-Match /
//! If-Schedule-Tag-Match, Overwrite, Destination, and the Prefer / Brief hints.

use http::header::{HeaderMap, HeaderName, IF_MATCH, IF_NONE_MATCH};

pub const DEPTH: HeaderName = HeaderName::from_static("depth");
pub const OVERWRITE: HeaderName = HeaderName::from_static("overwrite");
pub const DESTINATION: HeaderName = HeaderName::from_static("destination");
pub const PREFER: HeaderName = HeaderName::from_static("prefer");
pub const BRIEF: HeaderName = HeaderName::from_static("brief");
pub const IF_SCHEDULE_TAG_MATCH: HeaderName = HeaderName::from_static("if-schedule-tag-match");

/// A header the request carries but that cannot be understood; the HTTP layer answers
/// 400 with this as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("Depth must be 0, 1 or infinity, got {0:?}")]
    Depth(String),
    #[error("malformed entity tag list in {header}: {value:?}")]
    EntityTags { header: &'static str, value: String },
    #[error("Overwrite must be T or F, got {0:?}")]
    Overwrite(String),
    #[error("Destination must be an absolute URL or path, got {0:?}")]
    Destination(String),
    #[error("{0} is sent more than once")]
    Repeated(&'static str),
    #[error("{0} is not visible ASCII")]
    NotAscii(&'static str),
}

/// The value of a header that may appear once, as text.
fn single<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    label: &'static str,
) -> Result<Option<&'a str>, HeaderError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(HeaderError::Repeated(label));
    }
    value
        .to_str()
        .map(|value| Some(value.trim()))
        .map_err(|_| HeaderError::NotAscii(label))
}

/// How far a PROPFIND, REPORT, COPY or DELETE reaches below the request target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Zero,
    One,
    Infinity,
}

impl Depth {
    /// The request's Depth, or `default` when there is none (each method has its own
    /// default: infinity for PROPFIND per RFC 4918, 0 for most REPORTs).
    pub fn from_headers(headers: &HeaderMap, default: Depth) -> Result<Depth, HeaderError> {
        match single(headers, &DEPTH, "Depth")? {
            None => Ok(default),
            Some(value) => Self::parse(value),
        }
    }

    pub fn parse(value: &str) -> Result<Depth, HeaderError> {
        match value.trim() {
            "0" => Ok(Self::Zero),
            "1" => Ok(Self::One),
            other if other.eq_ignore_ascii_case("infinity") => Ok(Self::Infinity),
            other => Err(HeaderError::Depth(other.to_owned())),
        }
    }
}

/// An entity tag as sent in a conditional header, without its quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    pub weak: bool,
    pub opaque: String,
}

impl EntityTag {
    pub fn strong(opaque: impl Into<String>) -> Self {
        Self {
            weak: false,
            opaque: opaque.into(),
        }
    }

    /// The strong comparison of RFC 9110 8.8.3.2 against the resource's current etag,
    /// given quoted (as in `DAV:getetag`) or bare.
    pub fn strong_matches(&self, current: &str) -> bool {
        !self.weak && self.opaque == unquote(current)
    }

    /// The weak comparison: opaque tags equal, weakness ignored.
    pub fn weak_matches(&self, current: &str) -> bool {
        self.opaque == unquote(current)
    }
}

fn unquote(etag: &str) -> &str {
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    etag.strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(etag)
}

/// The value of `If-Match` or `If-None-Match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtagCondition {
    /// `*`: any current representation.
    Any,
    Tags(Vec<EntityTag>),
}

impl EtagCondition {
    /// Whether an `If-Match` with this value lets the request proceed, given the
    /// target's current etag (`None` when the target does not exist).
    pub fn if_match_passes(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (_, None) => false,
            (Self::Any, Some(_)) => true,
            (Self::Tags(tags), Some(current)) => tags.iter().any(|t| t.strong_matches(current)),
        }
    }

    /// Whether an `If-None-Match` with this value lets the request proceed;
    /// `If-None-Match: *` is how clients ask to create without overwriting.
    pub fn if_none_match_passes(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (_, None) => true,
            (Self::Any, Some(_)) => false,
            (Self::Tags(tags), Some(current)) => !tags.iter().any(|t| t.weak_matches(current)),
        }
    }
}

/// The request's `If-Match`, if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<EtagCondition>, HeaderError> {
    etag_condition(headers, &IF_MATCH, "If-Match")
}

/// The request's `If-None-Match`, if any.
pub fn if_none_match(headers: &HeaderMap) -> Result<Option<EtagCondition>, HeaderError> {
    etag_condition(headers, &IF_NONE_MATCH, "If-None-Match")
}

/// The request's `If-Schedule-Tag-Match` (RFC 6638 3.2.10 and 8.3): exactly one strong
/// tag, to compare with [`EntityTag::strong_matches`] against the resource's current
/// `Schedule-Tag`. `*`, weak tags and lists are malformed.
pub fn if_schedule_tag_match(headers: &HeaderMap) -> Result<Option<EntityTag>, HeaderError> {
    let label = "If-Schedule-Tag-Match";
    let Some(value) = single(headers, &IF_SCHEDULE_TAG_MATCH, label)? else {
        return Ok(None);
    };
    let opaque = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|opaque| !opaque.contains('"'))
        .ok_or_else(|| HeaderError::EntityTags {
            header: label,
            value: value.to_owned(),
        })?;
    Ok(Some(EntityTag::strong(opaque)))
}

/// Joins every occurrence of the header (a list may be split over several lines) and
/// parses `*` or a comma-separated list of entity tags.
fn etag_condition(
    headers: &HeaderMap,
    name: &HeaderName,
    label: &'static str,
) -> Result<Option<EtagCondition>, HeaderError> {
    let mut joined: Option<String> = None;
    for value in headers.get_all(name) {
        let value = value.to_str().map_err(|_| HeaderError::NotAscii(label))?;
        match &mut joined {
            Some(all) => {
                all.push(',');
                all.push_str(value);
            }
            None => joined = Some(value.to_owned()),
        }
    }
    let Some(value) = joined else {
        return Ok(None);
    };
    let malformed = || HeaderError::EntityTags {
        header: label,
        value: value.clone(),
    };
    if value.trim() == "*" {
        return Ok(Some(EtagCondition::Any));
    }
    let mut tags = Vec::new();
    let mut rest = value.as_str();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let (weak, after_weak) = match rest.strip_prefix("W/") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        let quoted = after_weak.strip_prefix('"').ok_or_else(malformed)?;
        let end = quoted.find('"').ok_or_else(malformed)?;
        tags.push(EntityTag {
            weak,
            opaque: quoted[..end].to_owned(),
        });
        rest = &quoted[end + 1..];
        let next = rest.trim_start_matches([' ', '\t']);
        if !(next.is_empty() || next.starts_with(',')) {
            return Err(malformed());
        }
    }
    if tags.is_empty() {
        return Err(malformed());
    }
    Ok(Some(EtagCondition::Tags(tags)))
}

/// `Overwrite` for COPY and MOVE: true unless the client sent `F` (RFC 4918 10.6).
pub fn overwrite(headers: &HeaderMap) -> Result<bool, HeaderError> {
    match single(headers, &OVERWRITE, "Overwrite")? {
        None => Ok(true),
        Some("T" | "t") => Ok(true),
        Some("F" | "f") => Ok(false),
        Some(other) => Err(HeaderError::Overwrite(other.to_owned())),
    }
}

/// The `Destination` of a COPY or MOVE (RFC 4918 10.3): an absolute URL, or an absolute
/// path on the request's own host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRef {
    /// The host (and port) an absolute URL names; None for a path.
    pub authority: Option<http::uri::Authority>,
    /// The path, still percent-encoded, without a query.
    pub path: String,
}

/// The request's `Destination`, if any.
pub fn destination(headers: &HeaderMap) -> Result<Option<DestinationRef>, HeaderError> {
    let Some(value) = single(headers, &DESTINATION, "Destination")? else {
        return Ok(None);
    };
    let invalid = || HeaderError::Destination(value.to_owned());
    let path = reference_path(value).ok_or_else(invalid)?;
    let uri: http::Uri = value.parse().map_err(|_| invalid())?;
    Ok(Some(DestinationRef {
        authority: uri.authority().cloned(),
        path,
    }))
}

/// Whether an absolute URL's `authority` names the host `host` (a `Host` header's
/// value): host names compared without case and without a final dot, ports with 80 and
/// 443 standing for "none given", since a TLS-terminating proxy may stand between the
/// client's scheme and this server's.
pub fn names_host(authority: &http::uri::Authority, host: &str) -> bool {
    let Ok(host) = host.trim().parse::<http::uri::Authority>() else {
        return false;
    };
    let bare = |name: &str| name.trim_end_matches('.').to_ascii_lowercase();
    let port = |port: Option<u16>| port.filter(|p| *p != 80 && *p != 443);
    bare(authority.host()) == bare(host.host())
        && port(authority.port_u16()) == port(host.port_u16())
}

/// The path of an absolute URL or absolute path (a `Destination`, a multiget `DAV:href`),
/// still percent-encoded, without its query; None for anything else.
pub fn reference_path(value: &str) -> Option<String> {
    let uri: http::Uri = value.trim().parse().ok()?;
    if uri.scheme().is_none() && !value.trim().starts_with('/') {
        return None;
    }
    let path = uri.path();
    Some(if path.is_empty() { "/" } else { path }.to_owned())
}

/// Whether the client asked for a multistatus without 404 propstats and bodies it did
/// not need: `Prefer: return=minimal` (RFC 7240 4.2, RFC 8144) or the older `Brief: t`.
pub fn prefers_minimal(headers: &HeaderMap) -> bool {
    let brief = headers.get_all(BRIEF).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|value| value.trim().eq_ignore_ascii_case("t"))
    });
    brief
        || headers
            .get_all(PREFER)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|preference| {
                let token = preference.split(';').next().unwrap_or_default();
                let mut parts = token.splitn(2, '=');
                let key = parts.next().unwrap_or_default().trim();
                let value = parts.next().unwrap_or_default().trim().trim_matches('"');
                key.eq_ignore_ascii_case("return") && value.eq_ignore_ascii_case("minimal")
            })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn depth_values_and_default() {
        let get = |value: &str| Depth::from_headers(&headers(&[("Depth", value)]), Depth::Zero);
        assert_eq!(get("0"), Ok(Depth::Zero));
        assert_eq!(get("1"), Ok(Depth::One));
        assert_eq!(get("infinity"), Ok(Depth::Infinity));
        assert_eq!(get("Infinity "), Ok(Depth::Infinity));
        assert_eq!(get("2"), Err(HeaderError::Depth("2".into())));
        assert_eq!(get(""), Err(HeaderError::Depth("".into())));
        assert_eq!(
            Depth::from_headers(&HeaderMap::new(), Depth::Infinity),
            Ok(Depth::Infinity)
        );
        assert_eq!(
            Depth::from_headers(&headers(&[("Depth", "0"), ("Depth", "1")]), Depth::Zero),
            Err(HeaderError::Repeated("Depth"))
        );
    }

    #[test]
    fn if_schedule_tag_match_is_one_strong_tag() {
        let get = |values: &[&str]| {
            let pairs: Vec<(&str, &str)> = values
                .iter()
                .map(|value| ("If-Schedule-Tag-Match", *value))
                .collect();
            if_schedule_tag_match(&headers(&pairs))
        };
        assert_eq!(get(&[]), Ok(None));
        let tag = get(&[r#" "sched-12" "#]).unwrap().unwrap();
        assert_eq!(tag, EntityTag::strong("sched-12"));
        assert!(tag.strong_matches(r#""sched-12""#));
        assert!(!tag.strong_matches(r#""sched-13""#));
        for bad in ["*", r#"W/"a""#, r#""a", "b""#, "a", r#""a"#, r#""a"b""#] {
            assert_eq!(
                get(&[bad]),
                Err(HeaderError::EntityTags {
                    header: "If-Schedule-Tag-Match",
                    value: bad.to_owned()
                }),
                "{bad}"
            );
        }
        assert_eq!(
            get(&[r#""a""#, r#""b""#]),
            Err(HeaderError::Repeated("If-Schedule-Tag-Match"))
        );
    }

    #[test]
    fn if_match_lists_and_star() {
        assert_eq!(if_match(&HeaderMap::new()), Ok(None));
        assert_eq!(
            if_match(&headers(&[("If-Match", "*")])),
            Ok(Some(EtagCondition::Any))
        );
        assert_eq!(
            if_match(&headers(&[("If-Match", r#""a1", W/"b2" ,"c,3""#)])),
            Ok(Some(EtagCondition::Tags(vec![
                EntityTag::strong("a1"),
                EntityTag {
                    weak: true,
                    opaque: "b2".into()
                },
                EntityTag::strong("c,3"),
            ])))
        );
        assert_eq!(
            if_none_match(&headers(&[
                ("If-None-Match", r#""a""#),
                ("If-None-Match", r#""b""#)
            ])),
            Ok(Some(EtagCondition::Tags(vec![
                EntityTag::strong("a"),
                EntityTag::strong("b"),
            ])))
        );
    }

    #[test]
    fn malformed_etag_lists_are_errors() {
        for value in [
            "abc",
            r#""unterminated"#,
            r#""a" "b""#,
            ",",
            r#"*, "a""#,
            r#"W/a"#,
        ] {
            assert!(
                matches!(
                    if_match(&headers(&[("If-Match", value)])),
                    Err(HeaderError::EntityTags { .. })
                ),
                "{value}"
            );
        }
    }

    #[test]
    fn if_match_uses_strong_comparison() {
        let condition = EtagCondition::Tags(vec![
            EntityTag::strong("v1"),
            EntityTag {
                weak: true,
                opaque: "v2".into(),
            },
        ]);
        assert!(condition.if_match_passes(Some("\"v1\"")));
        assert!(condition.if_match_passes(Some("v1")));
        assert!(!condition.if_match_passes(Some("\"v2\"")));
        assert!(!condition.if_match_passes(Some("\"v3\"")));
        assert!(!condition.if_match_passes(None));
        assert!(EtagCondition::Any.if_match_passes(Some("\"x\"")));
        assert!(!EtagCondition::Any.if_match_passes(None));
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        let condition = EtagCondition::Tags(vec![EntityTag {
            weak: true,
            opaque: "v2".into(),
        }]);
        assert!(!condition.if_none_match_passes(Some("\"v2\"")));
        assert!(condition.if_none_match_passes(Some("\"v1\"")));
        assert!(condition.if_none_match_passes(None));
        assert!(!EtagCondition::Any.if_none_match_passes(Some("\"x\"")));
        assert!(EtagCondition::Any.if_none_match_passes(None));
    }

    #[test]
    fn overwrite_defaults_to_true() {
        assert_eq!(overwrite(&HeaderMap::new()), Ok(true));
        assert_eq!(overwrite(&headers(&[("Overwrite", "T")])), Ok(true));
        assert_eq!(overwrite(&headers(&[("Overwrite", "F")])), Ok(false));
        assert_eq!(
            overwrite(&headers(&[("Overwrite", "no")])),
            Err(HeaderError::Overwrite("no".into()))
        );
    }

    #[test]
    fn destination_is_an_authority_and_a_path() {
        let get = |value: &str| {
            destination(&headers(&[("Destination", value)]))
                .map(|d| d.map(|d| (d.authority.map(|a| a.to_string()), d.path)))
        };
        assert_eq!(
            get("https://dav.example.com/dav/caldav/7/a%20b.ics"),
            Ok(Some((
                Some("dav.example.com".into()),
                "/dav/caldav/7/a%20b.ics".into()
            )))
        );
        assert_eq!(
            get("http://[::1]:8080/caldav/7/?x=1"),
            Ok(Some((Some("[::1]:8080".into()), "/caldav/7/".into())))
        );
        assert_eq!(
            get("https://dav.example.com"),
            Ok(Some((Some("dav.example.com".into()), "/".into())))
        );
        assert_eq!(
            get("/caldav/8/b.ics"),
            Ok(Some((None, "/caldav/8/b.ics".into())))
        );
        assert_eq!(
            get("caldav/8/b.ics"),
            Err(HeaderError::Destination("caldav/8/b.ics".into()))
        );
        assert!(get("http://bad host/").is_err());
        assert_eq!(destination(&HeaderMap::new()), Ok(None));
    }

    #[test]
    fn a_destination_names_the_requests_host_up_to_case_and_default_ports() {
        let authority = |a: &str| a.parse::<http::uri::Authority>().unwrap();
        let same = [
            ("dav.example.com", "dav.example.com"),
            ("DAV.Example.com", "dav.example.COM"),
            ("dav.example.com:443", "dav.example.com"),
            ("dav.example.com", "dav.example.com:80"),
            ("dav.example.com.", "dav.example.com"),
            ("dav.example.com:8443", "dav.example.com:8443"),
            ("[::1]:8080", "[::1]:8080"),
            ("user@dav.example.com", "dav.example.com"),
        ];
        for (destination, host) in same {
            assert!(
                names_host(&authority(destination), host),
                "{destination} {host}"
            );
        }
        let other = [
            ("other.example.com", "dav.example.com"),
            ("dav.example.com:8443", "dav.example.com"),
            ("dav.example.com", "dav.example.com:8080"),
            ("dav.example.com.evil.org", "dav.example.com"),
            ("dav.example.com", "not a host"),
            ("dav.example.com", ""),
        ];
        for (destination, host) in other {
            assert!(
                !names_host(&authority(destination), host),
                "{destination} {host}"
            );
        }
    }

    #[test]
    fn minimal_return_preference() {
        assert!(prefers_minimal(&headers(&[("Prefer", "return=minimal")])));
        assert!(prefers_minimal(&headers(&[(
            "Prefer",
            "handling=lenient, return = \"minimal\"; foo=bar"
        )])));
        assert!(prefers_minimal(&headers(&[
            ("Prefer", "respond-async"),
            ("Prefer", "return=minimal")
        ])));
        assert!(prefers_minimal(&headers(&[("Brief", "t")])));
        assert!(prefers_minimal(&headers(&[("Brief", "T")])));
        assert!(!prefers_minimal(&headers(&[("Brief", "f")])));
        assert!(!prefers_minimal(&headers(&[(
            "Prefer",
            "return=representation"
        )])));
        assert!(!prefers_minimal(&headers(&[("Prefer", "minimal")])));
        assert!(!prefers_minimal(&HeaderMap::new()));
    }
}
