//! The time ranges of CalDAV reports (RFC 4791 9.9, 9.6.5-9.6.7): `start` and `end`
//! attributes in the iCalendar "date with UTC time" form, read into epoch seconds.

use time::{Date, Month, PrimitiveDateTime, Time};

use super::ReportError;
use crate::content::query::TimeRange;
use crate::dav::document::Element;

/// Which bounds an element must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bounds {
    /// `CALDAV:time-range`: at least one; a missing one is open.
    AtLeastOne,
    /// `expand`, `limit-recurrence-set`, `limit-freebusy-set`: both.
    Both,
}

/// Reads `start` and `end` of `element`. Every violation is a `CALDAV:valid-filter`
/// error naming the element.
pub(super) fn parse_time_range(
    element: &Element,
    bounds: Bounds,
) -> Result<TimeRange, ReportError> {
    let what = &element.name.local;
    let start = element.attribute("start").map(parse_utc).transpose();
    let end = element.attribute("end").map(parse_utc).transpose();
    let (start, end) = match (start, end) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(value), _) | (_, Err(value)) => {
            return Err(ReportError::InvalidFilter(format!(
                "{what}: {value:?} is not a UTC date-time like 20060104T000000Z"
            )))
        }
    };
    match (bounds, start, end) {
        (_, None, None) => Err(ReportError::InvalidFilter(format!(
            "{what} needs a start or an end"
        ))),
        (Bounds::Both, None, _) | (Bounds::Both, _, None) => Err(ReportError::InvalidFilter(
            format!("{what} needs both start and end"),
        )),
        (_, Some(start), Some(end)) if end <= start => Err(ReportError::InvalidFilter(format!(
            "{what}: end must be later than start"
        ))),
        _ => Ok(TimeRange { start, end }),
    }
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch; the text itself as the error.
fn parse_utc(value: &str) -> Result<i64, String> {
    let invalid = || value.to_owned();
    let bytes = value.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return Err(invalid());
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits_at(0..4),
        digits_at(4..6),
        digits_at(6..8),
        digits_at(9..11),
        digits_at(11..13),
        digits_at(13..15),
    ) else {
        return Err(invalid());
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(invalid)?;
    let date = Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| invalid())?;
    let time = Time::from_hms(hour as u8, minute as u8, second as u8).map_err(|_| invalid())?;
    Ok(PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::document::parse_document;

    fn range(xml: &str, bounds: Bounds) -> Result<TimeRange, ReportError> {
        let element = parse_document(xml.as_bytes()).unwrap().unwrap();
        parse_time_range(&element, bounds)
    }

    #[test]
    fn utc_values_become_epoch_seconds() {
        assert_eq!(parse_utc("19700101T000000Z"), Ok(0));
        // 2006-01-04T00:00:00Z, the start of RFC 4791 7.8.1.
        assert_eq!(parse_utc("20060104T000000Z"), Ok(1_136_332_800));
        assert_eq!(parse_utc("20000229T235959Z"), Ok(951_868_799));
    }

    #[test]
    fn other_forms_are_refused() {
        for value in [
            "20060104T000000",
            "20060104",
            "20060104T000000+0100",
            "2006-01-04T00:00:00Z",
            "20060104t000000z",
            "20060230T000000Z",
            "20061304T000000Z",
            "20060104T240000Z",
            "20060104T000060Z",
            "2006010AT000000Z",
            "+0060104T000000Z",
            "",
        ] {
            assert_eq!(parse_utc(value), Err(value.to_owned()), "{value}");
        }
    }

    #[test]
    fn open_ranges_and_both_bounds() {
        let open_end = range(
            r#"<time-range start="20060104T000000Z"/>"#,
            Bounds::AtLeastOne,
        );
        assert_eq!(
            open_end,
            Ok(TimeRange {
                start: Some(1_136_332_800),
                end: None
            })
        );
        let open_start = range(
            r#"<time-range end="19700101T000001Z"/>"#,
            Bounds::AtLeastOne,
        );
        assert_eq!(
            open_start,
            Ok(TimeRange {
                start: None,
                end: Some(1)
            })
        );
        assert!(matches!(
            range(r#"<expand start="20060104T000000Z"/>"#, Bounds::Both),
            Err(ReportError::InvalidFilter(reason)) if reason == "expand needs both start and end"
        ));
        assert!(matches!(
            range("<time-range/>", Bounds::AtLeastOne),
            Err(ReportError::InvalidFilter(reason)) if reason == "time-range needs a start or an end"
        ));
    }

    #[test]
    fn end_must_follow_start() {
        let same = r#"<time-range start="20060104T000000Z" end="20060104T000000Z"/>"#;
        assert!(matches!(
            range(same, Bounds::AtLeastOne),
            Err(ReportError::InvalidFilter(_))
        ));
        let local = r#"<time-range start="20060104T000000" end="20060105T000000Z"/>"#;
        assert!(matches!(
            range(local, Bounds::AtLeastOne),
            Err(ReportError::InvalidFilter(reason)) if reason.contains("\"20060104T000000\"")
        ));
    }
}
