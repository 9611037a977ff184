//! What a login may do: the main password and bearer tokens may do everything; an app
//! password may be limited to CalDAV or CardDAV, and to reading. The request layer asks
//! `refusal` once per request, before the path is resolved.

use std::fmt;
use std::str::FromStr;

/// Which protocol's paths a login may use. The principals, the root and the other entry
/// points serve discovery and are open to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocols {
    All,
    CalDav,
    CardDav,
}

impl Protocols {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocols::All => "all",
            Protocols::CalDav => "caldav",
            Protocols::CardDav => "carddav",
        }
    }
}

impl FromStr for Protocols {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(Protocols::All),
            "caldav" => Ok(Protocols::CalDav),
            "carddav" => Ok(Protocols::CardDav),
            other => Err(format!(
                "unknown scope {other:?}: expected all, caldav or carddav"
            )),
        }
    }
}

/// The scope of a login: its protocols, and whether it may only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginScope {
    pub protocols: Protocols,
    pub read_only: bool,
}

/// The methods a read-only login may use: they change nothing.
const READING_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"];

impl LoginScope {
    /// Everything: the main password and bearer tokens.
    pub const FULL: LoginScope = LoginScope {
        protocols: Protocols::All,
        read_only: false,
    };

    /// Why a request with `method` on the path whose first segment below the prefix is
    /// `first_segment` lies outside this scope; None when it lies within.
    pub fn refusal(&self, method: &str, first_segment: Option<&str>) -> Option<&'static str> {
        match (self.protocols, first_segment) {
            (Protocols::CalDav, Some("carddav")) => {
                return Some("this app password is for CalDAV only, not for address books")
            }
            (Protocols::CardDav, Some("caldav")) => {
                return Some("this app password is for CardDAV only, not for calendars")
            }
            _ => {}
        }
        if self.read_only && !READING_METHODS.contains(&method) {
            return Some("this app password may only read: it cannot change anything");
        }
        None
    }
}

impl fmt::Display for LoginScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.protocols.as_str())?;
        if self.read_only {
            f.write_str(", read-only")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_refuse_the_other_protocol_and_writes() {
        let caldav = LoginScope {
            protocols: Protocols::CalDav,
            read_only: false,
        };
        assert!(caldav.refusal("PUT", Some("caldav")).is_none());
        assert!(caldav.refusal("PROPFIND", Some("carddav")).is_some());
        assert!(caldav.refusal("PROPFIND", Some("principals")).is_none());
        assert!(caldav.refusal("PROPFIND", None).is_none());
        let card_reader = LoginScope {
            protocols: Protocols::CardDav,
            read_only: true,
        };
        assert!(card_reader.refusal("REPORT", Some("carddav")).is_none());
        assert!(card_reader.refusal("PUT", Some("carddav")).is_some());
        assert!(card_reader.refusal("GET", Some("caldav")).is_some());
        assert!(card_reader
            .refusal("PROPPATCH", Some("principals"))
            .is_some());
        for method in ["PUT", "DELETE", "MKCOL", "MOVE", "PROPPATCH"] {
            assert!(LoginScope::FULL.refusal(method, Some("carddav")).is_none());
        }
        assert_eq!(card_reader.to_string(), "carddav, read-only");
        assert_eq!("CalDAV".parse::<Protocols>(), Ok(Protocols::CalDav));
        assert!("both".parse::<Protocols>().is_err());
    }
}
