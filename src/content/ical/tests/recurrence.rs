//! Recurrence sets: EXDATE, RDATE, overrides and THISANDFUTURE in time ranges.

use super::*;

const RECURRING: &str = "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:standup
DTSTAMP:20240101T000000Z
DTSTART;TZID=Europe/Berlin:20240304T090000
DURATION:PT15M
RRULE:FREQ=DAILY;COUNT=10
EXDATE;TZID=Europe/Berlin:20240306T090000
RDATE;TZID=Europe/Berlin:20240320T170000
SUMMARY:Standup
END:VEVENT
END:VCALENDAR
";

#[test]
fn exdate_removes_and_rdate_adds_instances() {
    let object = parse(RECURRING);
    // 4 March 09:00 Berlin = 08:00 UTC.
    assert!(object.overlaps(&range("20240304T080000Z", "20240304T081500Z")));
    assert!(!object.overlaps(&range("20240306T000000Z", "20240307T000000Z")));
    assert!(object.overlaps(&range("20240307T000000Z", "20240308T000000Z")));
    // COUNT=10 ends on 13 March; 14 March has nothing.
    assert!(object.overlaps(&range("20240313T000000Z", "20240314T000000Z")));
    assert!(!object.overlaps(&range("20240314T000000Z", "20240315T000000Z")));
    // RDATE: 20 March 17:00 Berlin = 16:00 UTC.
    assert!(object.overlaps(&range("20240320T160000Z", "20240320T161500Z")));
    assert_eq!(object.index().last_end, Some(t("20240320T161500Z")));
}

#[test]
fn instances_keep_wall_time_across_daylight_saving() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:dst
DTSTAMP:20240101T000000Z
DTSTART;TZID=Europe/Berlin:20240329T090000
DURATION:PT1H
RRULE:FREQ=DAILY;UNTIL=20240402T070000Z
END:VEVENT
END:VCALENDAR
",
    );
    // Before the change 09:00 is 08:00 UTC, after it 07:00 UTC.
    assert!(object.overlaps(&range("20240329T080000Z", "20240329T081000Z")));
    assert!(object.overlaps(&range("20240401T070000Z", "20240401T071000Z")));
    assert!(!object.overlaps(&range("20240401T080000Z", "20240401T090000Z")));
    // UNTIL 07:00 UTC is 09:00 Berlin on 2 April: that instance is the last.
    assert!(object.overlaps(&range("20240402T070000Z", "20240402T071000Z")));
    assert!(!object.overlaps(&range("20240403T000000Z", "20240404T000000Z")));
}

const MOVED: &str = "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:series
DTSTAMP:20240101T000000Z
DTSTART:20240101T100000Z
DURATION:PT1H
RRULE:FREQ=WEEKLY;COUNT=6
SUMMARY:Series
SEQUENCE:0
END:VEVENT
BEGIN:VEVENT
UID:series
DTSTAMP:20240101T000000Z
RECURRENCE-ID:20240108T100000Z
DTSTART:20240110T150000Z
DURATION:PT1H
SUMMARY:Moved
SEQUENCE:3
END:VEVENT
BEGIN:VEVENT
UID:series
DTSTAMP:20240101T000000Z
RECURRENCE-ID;RANGE=THISANDFUTURE:20240122T100000Z
DTSTART:20240122T120000Z
DURATION:PT2H
SUMMARY:Later
SEQUENCE:3
END:VEVENT
END:VCALENDAR
";

#[test]
fn overridden_instance_moves_into_and_out_of_a_range() {
    let object = parse(MOVED);
    assert!(!object.overlaps(&range("20240108T000000Z", "20240109T000000Z")));
    assert!(object.overlaps(&range("20240110T150000Z", "20240110T160000Z")));
    let moved = calendar(vec![CompFilter {
        time_range: Some(range("20240110T000000Z", "20240111T000000Z")),
        prop_filters: vec![PropFilter {
            name: "SUMMARY".into(),
            text_match: Some(text("moved")),
            ..PropFilter::default()
        }],
        ..comp("VEVENT")
    }]);
    assert!(object.matches(&moved));
    // The master's properties do not match where the override is.
    let series = calendar(vec![CompFilter {
        time_range: Some(range("20240110T000000Z", "20240111T000000Z")),
        prop_filters: vec![PropFilter {
            name: "SUMMARY".into(),
            text_match: Some(TextMatch {
                match_type: MatchType::Equals,
                ..text("series")
            }),
            ..PropFilter::default()
        }],
        ..comp("VEVENT")
    }]);
    assert!(!object.matches(&series));
}

#[test]
fn this_and_future_moves_every_later_instance() {
    let object = parse(MOVED);
    // 22 January itself and the 29 January instance move to 12:00-14:00.
    for day in ["20240122", "20240129", "20240205"] {
        let at = |time: &str| t(&format!("{day}T{time}Z"));
        assert!(object.overlaps(&TimeRange {
            start: Some(at("130000")),
            end: Some(at("133000"))
        }));
        assert!(!object.overlaps(&TimeRange {
            start: Some(at("100000")),
            end: Some(at("110000"))
        }));
    }
    // 15 January is before the change.
    assert!(object.overlaps(&range("20240115T100000Z", "20240115T110000Z")));
    let request = CalendarDataRequest {
        expand: Some(range("20240128T000000Z", "20240130T000000Z")),
        ..CalendarDataRequest::default()
    };
    let out = lines(&rendered(&object, &request));
    assert!(out.contains(&"RECURRENCE-ID:20240129T100000Z".to_string()));
    assert!(out.contains(&"DTSTART:20240129T120000Z".to_string()));
    assert!(out.contains(&"SUMMARY:Later".to_string()));
}
