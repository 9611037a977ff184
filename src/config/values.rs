//! Typed property values and the parsers that turn a property's string form into them.
//! Every parser trims surrounding whitespace and explains a rejection in one sentence.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use regex::{Regex, RegexBuilder};

/// Why a property's string form was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl ValueError {
    fn new(reason: impl Into<String>) -> Self {
        ValueError(reason.into())
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// Any text; surrounding whitespace is removed.
pub fn parse_text(raw: &str) -> Result<String, ValueError> {
    Ok(raw.trim().to_owned())
}

/// Text where the empty string means "not set".
pub fn parse_optional_text(raw: &str) -> Result<Option<String>, ValueError> {
    let raw = raw.trim();
    Ok((!raw.is_empty()).then(|| raw.to_owned()))
}

/// `true` or `false`, in any letter case.
pub fn parse_bool(raw: &str) -> Result<bool, ValueError> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if raw.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ValueError::new("expected true or false"))
    }
}

/// A signed whole number.
pub fn parse_i64(raw: &str) -> Result<i64, ValueError> {
    raw.trim()
        .parse()
        .map_err(|_| ValueError::new("expected a whole number"))
}

/// A non-negative whole number.
pub fn parse_u64(raw: &str) -> Result<u64, ValueError> {
    raw.trim()
        .parse()
        .map_err(|_| ValueError::new("expected a non-negative whole number"))
}

/// A non-negative whole number that fits 32 bits.
pub fn parse_u32(raw: &str) -> Result<u32, ValueError> {
    raw.trim()
        .parse()
        .map_err(|_| ValueError::new("expected a non-negative whole number below 2^32"))
}

/// A socket address such as `127.0.0.1:8080` or `[::1]:8080`.
pub fn parse_socket_addr(raw: &str) -> Result<SocketAddr, ValueError> {
    raw.trim()
        .parse()
        .map_err(|_| ValueError::new("expected an address and port such as 127.0.0.1:8080"))
}

/// A file system path; must not be empty.
pub fn parse_path(raw: &str) -> Result<PathBuf, ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ValueError::new("expected a directory path, got nothing"));
    }
    Ok(PathBuf::from(raw))
}

/// A regular expression, matched case-sensitively anywhere in the input.
pub fn parse_regex(raw: &str) -> Result<Regex, ValueError> {
    compiled(raw.trim(), false)
}

/// A regular expression, matched ignoring letter case anywhere in the input.
pub fn parse_regex_ignore_case(raw: &str) -> Result<Regex, ValueError> {
    compiled(raw.trim(), true)
}

/// Patterns are read per request (User-Agent detection) but change only with the
/// configuration, so each distinct pattern is compiled once; a `Regex` clone shares the
/// compiled program. The cache is bounded: past its size it starts afresh.
fn compiled(pattern: &str, ignore_case: bool) -> Result<Regex, ValueError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    const MAX_CACHED: usize = 256;
    static CACHE: OnceLock<Mutex<HashMap<(String, bool), Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (pattern.to_owned(), ignore_case);
    if let Some(regex) = cache.lock().expect("regex cache").get(&key) {
        return Ok(regex.clone());
    }
    let regex = RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| ValueError::new(format!("not a valid regular expression: {e}")))?;
    let mut cache = cache.lock().expect("regex cache");
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(key, regex.clone());
    Ok(regex)
}

/// Comma-separated folder ids; empty entries are skipped, so `""` is the empty list.
pub fn parse_id_list(raw: &str) -> Result<Vec<i64>, ValueError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| ValueError::new(format!("{s:?} is not a numeric folder id")))
        })
        .collect()
}

fn one_of<T: Copy>(raw: &str, choices: &[(&str, T)]) -> Result<T, ValueError> {
    let raw = raw.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(raw))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            ValueError::new(format!("expected one of {}", names.join(", ")))
        })
}

/// `com.openexchange.caldav.interval.start`: how far back synchronised events reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalStart {
    /// The first day of the previous month.
    OneMonth,
    /// The first day of the month six months ago.
    SixMonths,
    /// The first of January of the previous year.
    OneYear,
    /// This many days before today.
    Days(u32),
    /// No lower bound (written as `0`).
    Unlimited,
}

/// Parses `one_month`, `six_months`, `one_year` or a number of days (`0` = unlimited).
pub fn parse_interval_start(raw: &str) -> Result<IntervalStart, ValueError> {
    let trimmed = raw.trim();
    if let Ok(days) = trimmed.parse::<u32>() {
        return Ok(if days == 0 {
            IntervalStart::Unlimited
        } else {
            IntervalStart::Days(days)
        });
    }
    one_of(
        trimmed,
        &[
            ("one_month", IntervalStart::OneMonth),
            ("six_months", IntervalStart::SixMonths),
            ("one_year", IntervalStart::OneYear),
        ],
    )
    .map_err(|e| ValueError::new(format!("{e}, or a number of days")))
}

/// `com.openexchange.caldav.interval.end`: how far ahead synchronised events reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalEnd {
    /// The first of January two years ahead (the end of next year).
    OneYear,
    /// The first of January three years ahead.
    TwoYears,
    /// This many days after today.
    Days(u32),
    /// No upper bound (written as `0`).
    Unlimited,
}

/// Parses `one_year`, `two_years` or a number of days (`0` = unlimited).
pub fn parse_interval_end(raw: &str) -> Result<IntervalEnd, ValueError> {
    let trimmed = raw.trim();
    if let Ok(days) = trimmed.parse::<u32>() {
        return Ok(if days == 0 {
            IntervalEnd::Unlimited
        } else {
            IntervalEnd::Days(days)
        });
    }
    one_of(
        trimmed,
        &[
            ("one_year", IntervalEnd::OneYear),
            ("two_years", IntervalEnd::TwoYears),
        ],
    )
    .map_err(|e| ValueError::new(format!("{e}, or a number of days")))
}

/// `com.openexchange.carddav.exposedCollections`: which address books a client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExposedCollections {
    /// `0`: the aggregated collection for clients matching the user-agent pattern,
    /// one collection per folder for everybody else.
    Auto,
    /// `1`: one collection per folder only.
    FoldersOnly,
    /// `2`: the aggregated collection only.
    AggregatedOnly,
}

/// Parses `0`, `1` or `2`.
pub fn parse_exposed_collections(raw: &str) -> Result<ExposedCollections, ValueError> {
    match raw.trim() {
        "0" => Ok(ExposedCollections::Auto),
        "1" => Ok(ExposedCollections::FoldersOnly),
        "2" => Ok(ExposedCollections::AggregatedOnly),
        _ => Err(ValueError::new(
            "expected 0 (automatic), 1 (folders only) or 2 (aggregated only)",
        )),
    }
}

/// `com.openexchange.carddav.aggregatedCollectionFolders`: what the aggregated
/// address book contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregatedCollectionFolders {
    /// Every visible contact folder.
    All,
    /// Every visible contact folder marked for synchronisation.
    AllSynced,
    /// The default contact folder and the global address list.
    Reduced,
    /// The reduced set, limited to folders marked for synchronisation.
    ReducedSynced,
    /// The default contact folder alone.
    DefaultOnly,
}

/// Parses `all`, `all_synced`, `reduced`, `reduced_synced` or `default_only`.
pub fn parse_aggregated_folders(raw: &str) -> Result<AggregatedCollectionFolders, ValueError> {
    use AggregatedCollectionFolders::*;
    one_of(
        raw,
        &[
            ("all", All),
            ("all_synced", AllSynced),
            ("reduced", Reduced),
            ("reduced_synced", ReducedSynced),
            ("default_only", DefaultOnly),
        ],
    )
}

/// `davgate.logFormat`: how log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Parses `text` or `json`.
pub fn parse_log_format(raw: &str) -> Result<LogFormat, ValueError> {
    one_of(raw, &[("text", LogFormat::Text), ("json", LogFormat::Json)])
}

/// How access log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLogFormat {
    /// A log event like any other, in the format `davgate.logFormat` chooses.
    Log,
    /// Apache's combined log format: one plain line per request on stdout.
    Combined,
}

/// Parses `log` or `combined`.
pub fn parse_access_log_format(raw: &str) -> Result<AccessLogFormat, ValueError> {
    one_of(
        raw,
        &[
            ("log", AccessLogFormat::Log),
            ("combined", AccessLogFormat::Combined),
        ],
    )
}

/// An `http://` or `https://` URL, or the empty string for "not set".
pub fn parse_optional_http_url(raw: &str) -> Result<Option<String>, ValueError> {
    let Some(url) = parse_optional_text(raw)? else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| ValueError::new("expected an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(ValueError::new("the URL names no host"));
    }
    Ok(Some(url))
}

/// An HTTP header name (letters, digits and `-`), kept in lower case.
pub fn parse_header_name(raw: &str) -> Result<http::HeaderName, ValueError> {
    http::HeaderName::from_bytes(raw.trim().to_ascii_lowercase().as_bytes())
        .map_err(|_| ValueError::new("not a valid HTTP header name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert_eq!(parse_optional_http_url(" "), Ok(None));
        assert_eq!(
            parse_optional_http_url("http://collector:4318"),
            Ok(Some("http://collector:4318".into()))
        );
        assert!(parse_optional_http_url("collector:4318").is_err());
        assert!(parse_optional_http_url("https:///v1").is_err());
    }

    #[test]
    fn header_names_are_checked_and_lowered() {
        assert_eq!(
            parse_header_name("X-Request-ID").unwrap().as_str(),
            "x-request-id"
        );
        assert!(parse_header_name("X Request").is_err());
    }

    #[test]
    fn booleans_are_strict_but_case_insensitive() {
        assert_eq!(parse_bool(" TRUE "), Ok(true));
        assert_eq!(parse_bool("false"), Ok(false));
        assert_eq!(
            parse_bool("yes"),
            Err(ValueError("expected true or false".into()))
        );
    }

    #[test]
    fn intervals_accept_names_and_days() {
        assert_eq!(
            parse_interval_start("six_months"),
            Ok(IntervalStart::SixMonths)
        );
        assert_eq!(parse_interval_start("90"), Ok(IntervalStart::Days(90)));
        assert_eq!(parse_interval_start("0"), Ok(IntervalStart::Unlimited));
        let err = parse_interval_start("two_years").unwrap_err();
        assert_eq!(
            err.0,
            "expected one of one_month, six_months, one_year, or a number of days"
        );
        assert_eq!(parse_interval_end("two_years"), Ok(IntervalEnd::TwoYears));
        assert!(parse_interval_end("-3").is_err());
    }

    #[test]
    fn folder_lists_skip_blanks_and_reject_words() {
        assert_eq!(parse_id_list(""), Ok(vec![]));
        assert_eq!(parse_id_list(" 6, 42 ,,"), Ok(vec![6, 42]));
        assert_eq!(
            parse_id_list("6,abc").unwrap_err().0,
            "\"abc\" is not a numeric folder id"
        );
    }

    #[test]
    fn enumerations_name_their_choices() {
        assert_eq!(
            parse_exposed_collections("2"),
            Ok(ExposedCollections::AggregatedOnly)
        );
        assert!(parse_exposed_collections("3").is_err());
        assert_eq!(
            parse_aggregated_folders("Reduced_Synced"),
            Ok(AggregatedCollectionFolders::ReducedSynced)
        );
        assert_eq!(
            parse_aggregated_folders("some").unwrap_err().0,
            "expected one of all, all_synced, reduced, reduced_synced, default_only"
        );
        assert_eq!(parse_log_format("json"), Ok(LogFormat::Json));
    }

    #[test]
    fn optional_text_treats_empty_as_unset() {
        assert_eq!(parse_optional_text("  "), Ok(None));
        assert_eq!(
            parse_optional_text("postgres://db/ox"),
            Ok(Some("postgres://db/ox".into()))
        );
        assert!(parse_socket_addr("localhost").is_err());
        assert!(parse_regex("(unclosed").is_err());
        assert!(parse_regex_ignore_case("abc").unwrap().is_match("xABCx"));
    }

    #[test]
    fn cached_patterns_keep_their_letter_case_rule() {
        let exact = parse_regex("CardBook-cache-test").unwrap();
        let any_case = parse_regex_ignore_case("CardBook-cache-test").unwrap();
        assert!(!exact.is_match("cardbook-cache-test"));
        assert!(any_case.is_match("cardbook-cache-test"));
        assert!(!parse_regex("CardBook-cache-test")
            .unwrap()
            .is_match("cardbook-cache-test"));
        assert!(parse_regex("(unclosed").is_err());
    }
}
