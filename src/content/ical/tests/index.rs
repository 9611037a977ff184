//! The index a stored object gets: first start and last end of the whole recurrence set.

use super::*;

#[test]
fn index_of_the_rfc_objects() {
    let index = fixture("abcd2").index().clone();
    assert_eq!(index.uid, "00959BC664CA650E933C892C@example.com");
    assert_eq!(index.component, ComponentKind::Event);
    assert_eq!(index.component.as_str(), "VEVENT");
    assert_eq!(index.summary.as_deref(), Some("Event #2"));
    // Five daily instances at 12:00 EST; the last (6 Jan) is overridden to 14:00-15:00.
    assert_eq!(index.first_start, Some(t("20060102T170000Z")));
    assert_eq!(index.last_end, Some(t("20060106T200000Z")));

    let todo = fixture("abcd6").index().clone();
    assert_eq!(todo.component, ComponentKind::Todo);
    assert_eq!(todo.first_start, Some(t("20051223T122322Z")));
    assert_eq!(todo.last_end, Some(t("20051225T000000Z")));
}

#[test]
fn index_of_an_endless_rule_is_unbounded() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly
DTSTAMP:20240101T000000Z
DTSTART:20240101T090000Z
DURATION:PT1H
RRULE:FREQ=WEEKLY
END:VEVENT
END:VCALENDAR
",
    );
    assert_eq!(object.index().first_start, Some(t("20240101T090000Z")));
    assert_eq!(object.index().last_end, None);
    // Far in the future, an instance is still found.
    assert!(object.overlaps(&range("20990105T000000Z", "20990112T000000Z")));
    assert!(object.overlaps(&TimeRange {
        start: Some(t("21500101T000000Z")),
        end: None
    }));
}

#[test]
fn index_includes_an_override_moved_past_the_rule() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:moved
DTSTAMP:20240101T000000Z
DTSTART:20240101T090000Z
DTEND:20240101T100000Z
RRULE:FREQ=DAILY;UNTIL=20240103T090000Z
END:VEVENT
BEGIN:VEVENT
UID:moved
DTSTAMP:20240101T000000Z
RECURRENCE-ID:20240102T090000Z
DTSTART:20240301T090000Z
DTEND:20240301T100000Z
SEQUENCE:2
END:VEVENT
END:VCALENDAR
",
    );
    assert_eq!(object.index().first_start, Some(t("20240101T090000Z")));
    assert_eq!(object.index().last_end, Some(t("20240301T100000Z")));
    // The moved instance is no longer on 2 January, but is on 1 March.
    assert!(!object.overlaps(&range("20240102T000000Z", "20240103T000000Z")));
    assert!(object.overlaps(&range("20240301T000000Z", "20240302T000000Z")));
    // UNTIL is inclusive: 3 January is the last instance.
    assert!(object.overlaps(&range("20240103T000000Z", "20240104T000000Z")));
    assert!(!object.overlaps(&range("20240104T000000Z", "20240105T000000Z")));
}

#[test]
fn task_without_dates_is_always_in_range() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTODO
UID:plain-task
DTSTAMP:20240101T000000Z
SUMMARY:Some day
END:VTODO
END:VCALENDAR
",
    );
    assert_eq!(object.index().first_start, None);
    assert_eq!(object.index().last_end, None);
    assert!(object.overlaps(&range("19000101T000000Z", "19000102T000000Z")));
}
