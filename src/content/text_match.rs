//! `text-match` as CalDAV (RFC 4791 9.7.5) and CardDAV (RFC 6352 10.5.4) define it,
//! with the collations of RFC 4790 that both require.

/// How two strings are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Collation {
    /// `i;ascii-casemap`: ASCII letters compared without case (the CalDAV default).
    #[default]
    AsciiCasemap,
    /// `i;unicode-casemap` (RFC 5051): Unicode simple case folding.
    UnicodeCasemap,
    /// `i;octet`: byte for byte.
    Octet,
}

impl Collation {
    /// The collation named in a request, or None when the server does not support it
    /// (the client then gets `supported-collation`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "i;ascii-casemap" => Some(Self::AsciiCasemap),
            "i;unicode-casemap" => Some(Self::UnicodeCasemap),
            "i;octet" => Some(Self::Octet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::AsciiCasemap => "i;ascii-casemap",
            Self::UnicodeCasemap => "i;unicode-casemap",
            Self::Octet => "i;octet",
        }
    }
}

/// Where the text must occur (CardDAV's `match-type`; CalDAV always uses `Contains`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchType {
    Equals,
    #[default]
    Contains,
    StartsWith,
    EndsWith,
}

impl MatchType {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "equals" => Some(Self::Equals),
            "contains" => Some(Self::Contains),
            "starts-with" => Some(Self::StartsWith),
            "ends-with" => Some(Self::EndsWith),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    pub text: String,
    pub collation: Collation,
    pub match_type: MatchType,
    /// `negate-condition="yes"`: the test passes when the text does not match.
    pub negate: bool,
}
