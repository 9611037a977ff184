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

impl TextMatch {
    /// Whether `value` passes the test: the text found in it as the match type says,
    /// compared under the collation, inverted by `negate`.
    pub fn matches(&self, value: &str) -> bool {
        self.finds(value) != self.negate
    }

    /// Whether any of `values` holds the text, inverted by `negate` once for them all
    /// (CardDAV tests a property or parameter with several values as one).
    pub fn matches_any<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> bool {
        values.into_iter().any(|value| self.finds(value)) != self.negate
    }

    /// Whether the text is in `value` as the match type says, under the collation,
    /// without `negate`.
    fn finds(&self, value: &str) -> bool {
        match self.collation {
            Collation::Octet => self.match_type.test(value, &self.text),
            Collation::AsciiCasemap => self
                .match_type
                .test(&value.to_ascii_lowercase(), &self.text.to_ascii_lowercase()),
            Collation::UnicodeCasemap => self
                .match_type
                .test(&value.to_lowercase(), &self.text.to_lowercase()),
        }
    }
}

impl MatchType {
    fn test(self, value: &str, text: &str) -> bool {
        match self {
            Self::Equals => value == text,
            Self::Contains => value.contains(text),
            Self::StartsWith => value.starts_with(text),
            Self::EndsWith => value.ends_with(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str, collation: Collation, match_type: MatchType, negate: bool) -> TextMatch {
        TextMatch {
            text: text.into(),
            collation,
            match_type,
            negate,
        }
    }

    #[test]
    fn ascii_casemap_ignores_ascii_case_only() {
        let m = text(
            "needs-ACTION",
            Collation::AsciiCasemap,
            MatchType::Contains,
            false,
        );
        assert!(m.matches("NEEDS-ACTION"));
        assert!(m.matches("x-needs-action-y"));
        let umlaut = text("ä", Collation::AsciiCasemap, MatchType::Contains, false);
        assert!(!umlaut.matches("Ä"));
        assert!(umlaut.matches("ä"));
    }

    #[test]
    fn unicode_casemap_folds_beyond_ascii() {
        let m = text(
            "straße",
            Collation::UnicodeCasemap,
            MatchType::Equals,
            false,
        );
        assert!(m.matches("STRAßE"));
        let umlaut = text(
            "Ärger",
            Collation::UnicodeCasemap,
            MatchType::StartsWith,
            false,
        );
        assert!(umlaut.matches("ärgerlich"));
    }

    #[test]
    fn octet_is_exact() {
        let m = text("Event", Collation::Octet, MatchType::Contains, false);
        assert!(m.matches("My Event"));
        assert!(!m.matches("my event"));
    }

    #[test]
    fn match_types() {
        let starts = text("abc", Collation::Octet, MatchType::StartsWith, false);
        assert!(starts.matches("abcdef") && !starts.matches("xabc"));
        let ends = text("def", Collation::Octet, MatchType::EndsWith, false);
        assert!(ends.matches("abcdef") && !ends.matches("defx"));
        let equals = text("abc", Collation::AsciiCasemap, MatchType::Equals, false);
        assert!(equals.matches("ABC") && !equals.matches("abcd"));
    }

    #[test]
    fn negate_inverts_the_result() {
        let m = text(
            "CANCELLED",
            Collation::AsciiCasemap,
            MatchType::Contains,
            true,
        );
        assert!(m.matches("NEEDS-ACTION"));
        assert!(!m.matches("cancelled"));
    }

    #[test]
    fn unknown_collation_is_refused() {
        assert_eq!(Collation::from_name("i;basic"), None);
        assert_eq!(
            Collation::from_name("i;unicode-casemap"),
            Some(Collation::UnicodeCasemap)
        );
    }
}
