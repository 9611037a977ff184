//! RFC 4791's calendar-query examples (7.8) against the calendar of its Appendix B, and the
//! validation, time-range, recurrence, output and free-busy rules around them.

mod index;
mod recurrence;
mod rfc4791;
mod todos_alarms;
mod validation;
mod zones;

use super::*;
use crate::content::query::{
    CalendarDataRequest, CompFilter, CompSelection, ParamFilter, PropFilter, PropSelection,
    TimeRange,
};
use crate::content::text_match::{Collation, MatchType, TextMatch};

/// The built-in defaults of the content limits.
fn limits() -> ContentLimits {
    crate::limits::Limits::default().content
}

const NAMES: [&str; 8] = [
    "abcd1", "abcd2", "abcd3", "abcd4", "abcd5", "abcd6", "abcd7", "abcd8",
];

fn fixture(name: &str) -> CalendarObject {
    let path = format!(
        "{}/tests/fixtures/rfc4791/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = std::fs::read(&path).expect("fixture");
    CalendarObject::parse_submitted(&data, &limits())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// `20060104T000000Z` as epoch seconds.
fn t(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .expect("time")
        .and_utc()
        .timestamp()
}

fn range(start: &str, end: &str) -> TimeRange {
    TimeRange {
        start: Some(t(start)),
        end: Some(t(end)),
    }
}

fn calendar(children: Vec<CompFilter>) -> CompFilter {
    CompFilter {
        name: "VCALENDAR".into(),
        comp_filters: children,
        ..CompFilter::default()
    }
}

fn comp(name: &str) -> CompFilter {
    CompFilter {
        name: name.into(),
        ..CompFilter::default()
    }
}

fn text(value: &str) -> TextMatch {
    TextMatch {
        text: value.into(),
        collation: Collation::AsciiCasemap,
        match_type: MatchType::Contains,
        negate: false,
    }
}

fn matching(filter: &CompFilter) -> Vec<&'static str> {
    NAMES
        .iter()
        .copied()
        .filter(|name| fixture(name).matches(filter))
        .collect()
}

fn parse(text: &str) -> CalendarObject {
    let data = text.replace('\n', "\r\n");
    CalendarObject::parse_submitted(data.as_bytes(), &limits())
        .unwrap_or_else(|error| panic!("{error}"))
}

fn rendered(object: &CalendarObject, request: &CalendarDataRequest) -> String {
    String::from_utf8(object.render(request, usize::MAX).expect("rendered")).expect("utf-8")
}

/// Unfolded lines of iCalendar text.
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}
