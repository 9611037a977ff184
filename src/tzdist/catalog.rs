//! The zones the service knows: every IANA name (links included) of the tz database that
//! chrono-tz carries, and the Windows names clients send, which stand for an IANA zone.

use std::str::FromStr;

/// The longest TZID looked up; longer ones are not found without further work.
pub(crate) const MAX_TZID_LENGTH: usize = 128;

/// The tz database version, e.g. `2025b`.
pub(crate) fn version() -> &'static str {
    chrono_tz::IANA_TZDB_VERSION
}

/// A zone a client named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ZoneName<'a> {
    /// The name as the answer carries it in TZID: the IANA name, or the Windows name asked
    /// for (whose data is its IANA zone's).
    pub tzid: &'a str,
    /// The IANA zone whose data it is.
    pub zone: chrono_tz::Tz,
    /// For a name that is not an IANA name of the database: the IANA zone's name
    /// (TZID-ALIAS-OF).
    pub alias_of: Option<&'static str>,
}

/// Resolves a TZID: an IANA name (exact), else a Windows or vendor name calcard knows.
/// Control characters, over-long names and fixed offsets are not zones.
pub(crate) fn resolve(tzid: &str) -> Option<ZoneName<'_>> {
    if tzid.is_empty() || tzid.len() > MAX_TZID_LENGTH || tzid.chars().any(char::is_control) {
        return None;
    }
    if let Ok(zone) = chrono_tz::Tz::from_str(tzid) {
        return Some(ZoneName {
            tzid,
            zone,
            alias_of: None,
        });
    }
    match calcard::common::timezone::Tz::from_str(tzid) {
        Ok(calcard::common::timezone::Tz::Tz(zone)) => Some(ZoneName {
            tzid,
            zone,
            alias_of: Some(zone.name()),
        }),
        _ => None,
    }
}

/// Every IANA name, in the database's order.
pub(crate) fn all() -> impl Iterator<Item = chrono_tz::Tz> {
    chrono_tz::TZ_VARIANTS.iter().copied()
}

/// A `find` pattern: case-insensitive, `*` for any run of characters; without `*` it
/// matches anywhere in the name (a substring).
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    parts: Vec<String>,
    anchored_start: bool,
    anchored_end: bool,
}

/// The longest pattern accepted.
pub(crate) const MAX_PATTERN_LENGTH: usize = 128;

impl Pattern {
    /// None for an empty, over-long or control-character pattern.
    pub fn parse(raw: &str) -> Option<Pattern> {
        if raw.is_empty() || raw.len() > MAX_PATTERN_LENGTH || raw.chars().any(char::is_control) {
            return None;
        }
        let lower = raw.to_lowercase();
        let has_star = lower.contains('*');
        let parts: Vec<String> = lower.split('*').map(str::to_owned).collect();
        if parts.iter().all(String::is_empty) {
            // `*` alone: everything.
            return Some(Pattern {
                parts: Vec::new(),
                anchored_start: false,
                anchored_end: false,
            });
        }
        Some(Pattern {
            anchored_start: has_star && !lower.starts_with('*'),
            anchored_end: has_star && !lower.ends_with('*'),
            parts: parts.into_iter().filter(|p| !p.is_empty()).collect(),
        })
    }

    /// Whether `name` matches (linear in the name times the parts).
    pub fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        let mut rest = name.as_str();
        for (i, part) in self.parts.iter().enumerate() {
            let Some(found) = rest.find(part.as_str()) else {
                return false;
            };
            if i == 0 && self.anchored_start && found != 0 {
                return false;
            }
            rest = &rest[found + part.len()..];
        }
        if self.anchored_end {
            if let Some(last) = self.parts.last() {
                return name.ends_with(last.as_str())
                    && (self.parts.len() > 1 || !self.anchored_start || name == *last);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_patterns() {
        assert_eq!(resolve("Europe/Berlin").unwrap().alias_of, None);
        let windows = resolve("W. Europe Standard Time").unwrap();
        assert_eq!(windows.zone, chrono_tz::Europe::Berlin);
        assert_eq!(windows.alias_of, Some("Europe/Berlin"));
        assert!(resolve("../../etc/passwd").is_none());
        assert!(resolve(&"A".repeat(500)).is_none());
        assert!(resolve("+01:00").is_none());
        let p = Pattern::parse("new_y").unwrap();
        assert!(p.matches("America/New_York"));
        let p = Pattern::parse("america/*").unwrap();
        assert!(p.matches("America/New_York") && !p.matches("US/America/x"));
        let p = Pattern::parse("*york").unwrap();
        assert!(p.matches("America/New_York") && !p.matches("America/New_York2"));
        assert!(Pattern::parse("").is_none());
    }
}
