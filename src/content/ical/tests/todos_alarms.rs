//! The VTODO rows of the RFC 4791 9.9 table, VALARM and property time ranges, and
//! parameter filters.

use super::*;

fn todo(lines: &str) -> CalendarObject {
    parse(&format!(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTODO
UID:task
DTSTAMP:20240101T000000Z
{lines}
END:VTODO
END:VCALENDAR
"
    ))
}

#[test]
fn vtodo_time_range_table() {
    let day = |d: u32| t(&format!("202403{d:02}T000000Z"));
    let within = |object: &CalendarObject, from: u32, to: u32| {
        object.overlaps(&TimeRange {
            start: Some(day(from)),
            end: Some(day(to)),
        })
    };
    // DTSTART + DURATION: start <= DTSTART+DURATION AND (end > DTSTART OR end >= DTSTART+DURATION)
    let with_duration = todo("DTSTART:20240310T000000Z\nDURATION:P2D");
    assert!(within(&with_duration, 12, 13));
    assert!(!within(&with_duration, 13, 14));
    assert!(!within(&with_duration, 9, 10));
    // DTSTART + DUE
    let with_due = todo("DTSTART:20240310T000000Z\nDUE:20240312T000000Z");
    assert!(within(&with_due, 11, 12));
    assert!(!within(&with_due, 12, 13));
    assert!(!within(&with_due, 8, 10));
    // DTSTART only: start <= DTSTART AND end > DTSTART
    let start_only = todo("DTSTART:20240310T000000Z");
    assert!(within(&start_only, 10, 11));
    assert!(!within(&start_only, 9, 10));
    // DUE only: start < DUE AND end >= DUE
    let due_only = todo("DUE:20240310T000000Z");
    assert!(within(&due_only, 9, 10));
    assert!(!within(&due_only, 10, 11));
    // COMPLETED and CREATED
    let both = todo("COMPLETED:20240315T000000Z\nCREATED:20240305T000000Z");
    assert!(within(&both, 1, 5));
    assert!(within(&both, 15, 20));
    assert!(!within(&both, 16, 20));
    // COMPLETED only: start <= COMPLETED AND end >= COMPLETED
    let completed = todo("COMPLETED:20240315T000000Z");
    assert!(within(&completed, 14, 15));
    assert!(!within(&completed, 16, 17));
    // CREATED only: end > CREATED
    let created = todo("CREATED:20240305T000000Z");
    assert!(within(&created, 20, 21));
    assert!(!within(&created, 1, 5));
    assert_eq!(created.index().last_end, None);
}

#[test]
fn valarm_time_range_follows_each_instance() {
    let object = parse(
        "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:alarmed
DTSTAMP:20240101T000000Z
DTSTART:20240101T100000Z
DURATION:PT1H
RRULE:FREQ=DAILY;COUNT=3
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Soon
TRIGGER:-PT15M
END:VALARM
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Over
TRIGGER;RELATED=END:PT5M
END:VALARM
END:VEVENT
END:VCALENDAR
",
    );
    let alarm_in = |start: &str, end: &str| {
        object.matches(&calendar(vec![CompFilter {
            comp_filters: vec![CompFilter {
                time_range: Some(range(start, end)),
                ..comp("VALARM")
            }],
            ..comp("VEVENT")
        }]))
    };
    assert!(alarm_in("20240103T094500Z", "20240103T094600Z"));
    assert!(alarm_in("20240102T110500Z", "20240102T110600Z"));
    assert!(!alarm_in("20240104T094500Z", "20240104T094600Z"));
    assert!(!alarm_in("20240102T100000Z", "20240102T110000Z"));
}

#[test]
fn property_time_range_on_completed() {
    let filter = |start: &str, end: &str| {
        calendar(vec![CompFilter {
            prop_filters: vec![PropFilter {
                name: "COMPLETED".into(),
                time_range: Some(range(start, end)),
                ..PropFilter::default()
            }],
            ..comp("VTODO")
        }])
    };
    assert_eq!(
        matching(&filter("20051223T000000Z", "20051224T000000Z")),
        ["abcd6"]
    );
    assert!(matching(&filter("20051224T000000Z", "20051225T000000Z")).is_empty());
}

#[test]
fn is_not_defined_and_param_filters() {
    let no_alarm = calendar(vec![CompFilter {
        comp_filters: vec![CompFilter {
            is_not_defined: true,
            ..comp("VALARM")
        }],
        ..comp("VTODO")
    }]);
    assert_eq!(matching(&no_alarm), ["abcd6", "abcd7"]);
    let chair = calendar(vec![CompFilter {
        prop_filters: vec![PropFilter {
            name: "ATTENDEE".into(),
            param_filters: vec![ParamFilter {
                name: "ROLE".into(),
                is_not_defined: true,
                text_match: None,
            }],
            ..PropFilter::default()
        }],
        ..comp("VEVENT")
    }]);
    // Lisa's ATTENDEE has no ROLE.
    assert_eq!(matching(&chair), ["abcd3"]);
    let no_event = calendar(vec![CompFilter {
        is_not_defined: true,
        ..comp("VEVENT")
    }]);
    assert_eq!(
        matching(&no_event),
        ["abcd4", "abcd5", "abcd6", "abcd7", "abcd8"]
    );
}
