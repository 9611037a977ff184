//! Time zones, floating times and all-day events in time ranges.

use super::*;

fn event_at(start_line: &str, extra: &str) -> CalendarObject {
    parse(&format!(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
{extra}BEGIN:VEVENT
UID:zone-test
DTSTAMP:20240101T000000Z
{start_line}
DURATION:PT1H
END:VEVENT
END:VCALENDAR
"
    ))
}

const WINDOWS_VTIMEZONE: &str = "BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
";

#[test]
fn windows_zone_names_with_and_without_vtimezone() {
    for extra in [WINDOWS_VTIMEZONE, ""] {
        // 10:00 in Berlin in summer is 08:00 UTC, in winter 09:00 UTC.
        let summer = event_at(
            "DTSTART;TZID=W. Europe Standard Time:20240701T100000",
            extra,
        );
        assert_eq!(summer.index().first_start, Some(t("20240701T080000Z")));
        let winter = event_at(
            "DTSTART;TZID=W. Europe Standard Time:20240115T100000",
            extra,
        );
        assert_eq!(winter.index().first_start, Some(t("20240115T090000Z")));
    }
}

#[test]
fn iana_zone_without_vtimezone() {
    let object = event_at("DTSTART;TZID=America/New_York:20240315T090000", "");
    assert_eq!(object.index().first_start, Some(t("20240315T130000Z")));
    assert!(object.overlaps(&range("20240315T130000Z", "20240315T133000Z")));
    assert!(!object.overlaps(&range("20240315T090000Z", "20240315T130000Z")));
}

#[test]
fn floating_time_is_utc_unless_a_zone_is_given() {
    let object = event_at("DTSTART:20240315T090000", "");
    assert_eq!(object.index().first_start, Some(t("20240315T090000Z")));
    assert!(object.overlaps(&range("20240315T090000Z", "20240315T093000Z")));
    let in_tokyo = object.with_floating_zone("Asia/Tokyo");
    assert!(in_tokyo.overlaps(&range("20240315T000000Z", "20240315T003000Z")));
    assert!(!in_tokyo.overlaps(&range("20240315T090000Z", "20240315T093000Z")));
}

#[test]
fn all_day_event_lasts_one_day() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:all-day
DTSTAMP:20240101T000000Z
DTSTART;VALUE=DATE:20240320
SUMMARY:Spring
END:VEVENT
END:VCALENDAR
",
    );
    assert_eq!(object.index().first_start, Some(t("20240320T000000Z")));
    assert_eq!(object.index().last_end, Some(t("20240321T000000Z")));
    assert!(object.overlaps(&range("20240320T230000Z", "20240321T010000Z")));
    assert!(!object.overlaps(&range("20240321T000000Z", "20240321T010000Z")));
    assert!(!object.overlaps(&range("20240319T000000Z", "20240320T000000Z")));
}

#[test]
fn zero_duration_events_follow_the_9_9_table() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:instant
DTSTAMP:20240101T000000Z
DTSTART:20240320T100000Z
END:VEVENT
END:VCALENDAR
",
    );
    // start <= DTSTART AND end > DTSTART
    assert!(object.overlaps(&range("20240320T100000Z", "20240320T110000Z")));
    assert!(!object.overlaps(&range("20240320T090000Z", "20240320T100000Z")));
    assert!(!object.overlaps(&range("20240320T100001Z", "20240320T110000Z")));
}

#[test]
fn timed_event_overlap_is_exclusive_at_both_ends() {
    let object = fixture("abcd1"); // 2 January 15:00-16:00 UTC
    assert!(object.overlaps(&range("20060102T155959Z", "20060102T170000Z")));
    assert!(!object.overlaps(&range("20060102T160000Z", "20060102T170000Z")));
    assert!(!object.overlaps(&range("20060102T140000Z", "20060102T150000Z")));
    assert!(object.overlaps(&TimeRange {
        start: None,
        end: Some(t("20060102T150001Z"))
    }));
}
