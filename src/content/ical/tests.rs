//! RFC 4791's calendar-query examples (7.8) against the calendar of its Appendix B, and the
//! validation, time-range, recurrence, output and free-busy rules around them.

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

// --- RFC 4791 7.8 --------------------------------------------------------------------

#[test]
fn rfc_7_8_1_events_by_time_range() {
    let filter = calendar(vec![CompFilter {
        time_range: Some(range("20060104T000000Z", "20060105T000000Z")),
        ..comp("VEVENT")
    }]);
    assert_eq!(matching(&filter), ["abcd2", "abcd3"]);

    // The partial retrieval asked for in the example.
    let request = CalendarDataRequest {
        comp: Some(CompSelection {
            name: "VCALENDAR".into(),
            props: Some(vec![PropSelection {
                name: "VERSION".into(),
                novalue: false,
            }]),
            comps: Some(vec![
                CompSelection {
                    name: "VEVENT".into(),
                    props: Some(
                        [
                            "SUMMARY",
                            "UID",
                            "DTSTART",
                            "DTEND",
                            "DURATION",
                            "RRULE",
                            "RDATE",
                            "EXRULE",
                            "EXDATE",
                            "RECURRENCE-ID",
                        ]
                        .iter()
                        .map(|name| PropSelection {
                            name: (*name).into(),
                            novalue: false,
                        })
                        .collect(),
                    ),
                    comps: None,
                },
                CompSelection {
                    name: "VTIMEZONE".into(),
                    props: None,
                    comps: None,
                },
            ]),
        }),
        ..CalendarDataRequest::default()
    };
    let out = lines(&rendered(&fixture("abcd3"), &request));
    assert!(out.contains(&"VERSION:2.0".to_string()));
    assert!(!out.iter().any(|line| line.starts_with("PRODID")));
    assert!(out.contains(&"SUMMARY:Event #3".to_string()));
    assert!(out.contains(&"DTSTART;TZID=US/Eastern:20060104T100000".to_string()));
    assert!(!out.iter().any(|line| line.starts_with("ATTENDEE")));
    assert!(!out.iter().any(|line| line.starts_with("DTSTAMP")));
    assert!(out.contains(&"TZID:US/Eastern".to_string()));
    assert!(out.contains(&"TZOFFSETTO:-0400".to_string()));
}

#[test]
fn rfc_7_8_2_limit_recurrence_set() {
    let window = range("20060103T000000Z", "20060105T000000Z");
    let filter = calendar(vec![CompFilter {
        time_range: Some(window),
        ..comp("VEVENT")
    }]);
    assert_eq!(matching(&filter), ["abcd2", "abcd3"]);
    let request = CalendarDataRequest {
        limit_recurrence_set: Some(window),
        ..CalendarDataRequest::default()
    };
    let out = lines(&rendered(&fixture("abcd2"), &request));
    assert!(out.contains(&"SUMMARY:Event #2".to_string()));
    assert!(out.contains(&"SUMMARY:Event #2 bis".to_string()));
    assert!(!out.contains(&"SUMMARY:Event #2 bis bis".to_string()));
    assert!(out.contains(&"RRULE:FREQ=DAILY;COUNT=5".to_string()));
}

#[test]
fn rfc_7_8_3_expanded_retrieval() {
    let window = range("20060103T000000Z", "20060105T000000Z");
    let filter = calendar(vec![CompFilter {
        time_range: Some(window),
        ..comp("VEVENT")
    }]);
    assert_eq!(matching(&filter), ["abcd2", "abcd3"]);
    let request = CalendarDataRequest {
        expand: Some(window),
        ..CalendarDataRequest::default()
    };
    let out = lines(&rendered(&fixture("abcd2"), &request));
    let begins = out.iter().filter(|line| *line == "BEGIN:VEVENT").count();
    assert_eq!(begins, 2, "{out:?}");
    let values = |name: &str| -> Vec<String> {
        out.iter()
            .filter_map(|line| line.strip_prefix(name))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        values("RECURRENCE-ID:"),
        ["20060103T170000Z", "20060104T170000Z"]
    );
    assert_eq!(values("DTSTART:"), ["20060103T170000Z", "20060104T190000Z"]);
    assert_eq!(values("SUMMARY:"), ["Event #2", "Event #2 bis"]);
    assert!(!out.iter().any(|line| line.starts_with("RRULE")));
    assert!(!out.iter().any(|line| line == "BEGIN:VTIMEZONE"));
    assert!(!out.iter().any(|line| line.contains("TZID")));

    let single = lines(&rendered(&fixture("abcd3"), &request));
    assert!(single.contains(&"DTSTART:20060104T150000Z".to_string()));
    assert!(!single.iter().any(|line| line.starts_with("RECURRENCE-ID")));
}

#[test]
fn rfc_7_8_4_limit_freebusy_set() {
    let window = range("20060102T000000Z", "20060103T000000Z");
    let filter = calendar(vec![CompFilter {
        time_range: Some(window),
        ..comp("VFREEBUSY")
    }]);
    assert_eq!(matching(&filter), ["abcd8"]);
    let request = CalendarDataRequest {
        limit_freebusy_set: Some(window),
        ..CalendarDataRequest::default()
    };
    let out = lines(&rendered(&fixture("abcd8"), &request));
    let freebusy: Vec<&String> = out
        .iter()
        .filter(|line| line.starts_with("FREEBUSY"))
        .collect();
    assert_eq!(
        freebusy,
        ["FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060102T100000Z/20060102T120000Z"]
    );
}

#[test]
fn rfc_7_8_5_todos_by_alarm_time_range() {
    let filter = calendar(vec![CompFilter {
        comp_filters: vec![CompFilter {
            time_range: Some(range("20060106T100000Z", "20060107T100000Z")),
            ..comp("VALARM")
        }],
        ..comp("VTODO")
    }]);
    assert_eq!(matching(&filter), ["abcd5"]);
}

#[test]
fn rfc_7_8_6_event_by_uid() {
    let filter = calendar(vec![CompFilter {
        prop_filters: vec![PropFilter {
            name: "UID".into(),
            text_match: Some(TextMatch {
                collation: Collation::Octet,
                ..text("DC6C50A017428C5216A2F1CD@example.com")
            }),
            ..PropFilter::default()
        }],
        ..comp("VEVENT")
    }]);
    assert_eq!(matching(&filter), ["abcd3"]);
}

#[test]
fn rfc_7_8_7_events_by_partstat() {
    let filter = calendar(vec![CompFilter {
        prop_filters: vec![PropFilter {
            name: "ATTENDEE".into(),
            text_match: Some(text("mailto:lisa@example.com")),
            param_filters: vec![ParamFilter {
                name: "PARTSTAT".into(),
                is_not_defined: false,
                text_match: Some(text("NEEDS-ACTION")),
            }],
            ..PropFilter::default()
        }],
        ..comp("VEVENT")
    }]);
    assert_eq!(matching(&filter), ["abcd3"]);
}

#[test]
fn rfc_7_8_8_events_only() {
    assert_eq!(
        matching(&calendar(vec![comp("VEVENT")])),
        ["abcd1", "abcd2", "abcd3"]
    );
}

#[test]
fn rfc_7_8_9_pending_todos() {
    let filter = calendar(vec![CompFilter {
        prop_filters: vec![
            PropFilter {
                name: "COMPLETED".into(),
                is_not_defined: true,
                ..PropFilter::default()
            },
            PropFilter {
                name: "STATUS".into(),
                text_match: Some(TextMatch {
                    negate: true,
                    ..text("CANCELLED")
                }),
                ..PropFilter::default()
            },
        ],
        ..comp("VTODO")
    }]);
    assert_eq!(matching(&filter), ["abcd4", "abcd5"]);
}

#[test]
fn rfc_7_8_10_filters_on_any_property() {
    // RFC 4791 7.8.10 shows a server refusing a filter on X-ABC-GUID. davgate filters on
    // any property: "ABC" occurs in no X-ABC-GUID value, while abcd3's value is found.
    let on_guid = |needle: &str| {
        calendar(vec![CompFilter {
            prop_filters: vec![PropFilter {
                name: "X-ABC-GUID".into(),
                text_match: Some(text(needle)),
                ..PropFilter::default()
            }],
            ..comp("VEVENT")
        }])
    };
    assert!(matching(&on_guid("ABC")).is_empty());
    assert_eq!(matching(&on_guid("E1CX5Dr-0007ym")), ["abcd3"]);
}

#[test]
fn rfc_7_10_1_free_busy_query() {
    let window = range("20060104T140000Z", "20060105T220000Z");
    let mut periods: Vec<BusyPeriod> = NAMES
        .iter()
        .flat_map(|name| fixture(name).busy_periods(&window).expect("busy time"))
        .collect();
    periods.sort();
    let expected = vec![
        BusyPeriod {
            start: t("20060104T150000Z"),
            end: t("20060104T160000Z"),
            kind: BusyKind::Tentative,
        },
        BusyPeriod {
            start: t("20060104T190000Z"),
            end: t("20060104T200000Z"),
            kind: BusyKind::Busy,
        },
        BusyPeriod {
            start: t("20060105T100000Z"),
            end: t("20060105T120000Z"),
            kind: BusyKind::Unavailable,
        },
        BusyPeriod {
            start: t("20060105T170000Z"),
            end: t("20060105T180000Z"),
            kind: BusyKind::Busy,
        },
    ];
    assert_eq!(periods, expected);
    let out = String::from_utf8(freebusy_calendar(&window, &periods)).unwrap();
    let out = lines(&out);
    assert!(out.contains(&"DTSTART:20060104T140000Z".to_string()));
    assert!(out.contains(&"DTEND:20060105T220000Z".to_string()));
    // Every period of the RFC's answer, one FREEBUSY line each, and nothing else.
    let freebusy: Vec<&String> = out.iter().filter(|l| l.starts_with("FREEBUSY")).collect();
    assert_eq!(
        freebusy,
        [
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060104T150000Z/20060104T160000Z",
            "FREEBUSY:20060104T190000Z/20060104T200000Z",
            "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20060105T100000Z/20060105T120000Z",
            "FREEBUSY:20060105T170000Z/20060105T180000Z",
        ]
    );
}

#[test]
fn default_request_returns_the_stored_bytes() {
    let data = std::fs::read(format!(
        "{}/tests/fixtures/rfc4791/abcd2.ics",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let object = CalendarObject::parse(&data, &limits()).unwrap();
    assert_eq!(
        object.render(&CalendarDataRequest::default(), 0).unwrap(),
        data
    );
}

// --- index ---------------------------------------------------------------------------

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

// --- time zones, floating and all-day ---------------------------------------------------

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

// --- recurrence --------------------------------------------------------------------------

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

// --- VTODO rows of the 9.9 table, VALARM, property time ranges -----------------------

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

// --- validation ---------------------------------------------------------------------------

fn refused(text: &str) -> CalendarError {
    CalendarObject::parse_submitted(text.replace('\n', "\r\n").as_bytes(), &limits())
        .expect_err("refused")
}

#[test]
fn garbage_and_vcards_are_not_calendar_data() {
    assert!(matches!(
        refused("hello world\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        CalendarObject::parse_submitted(&[0xff, 0xfe, 0x00], &limits()),
        Err(CalendarError::InvalidData(_))
    ));
    assert!(matches!(
        refused("BEGIN:VCARD\nVERSION:4.0\nFN:Alice\nEND:VCARD\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:not-a-date\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:20240101T100000Z\nDTEND:20240101T090000Z\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:20240101T100000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
}

#[test]
fn objects_breaking_4_1_are_invalid_resources() {
    let event = |uid: &str| {
        format!("BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T100000Z\nEND:VEVENT\n")
    };
    let wrap = |body: &str, head: &str| {
        format!("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n")
    };
    let two_uids = wrap(&format!("{}{}", event("a"), event("b")), "");
    assert!(matches!(
        refused(&two_uids),
        CalendarError::InvalidObjectResource(_)
    ));
    let method = wrap(&event("a"), "METHOD:REQUEST\n");
    assert!(matches!(
        refused(&method),
        CalendarError::InvalidObjectResource(_)
    ));
    let mixed = wrap(
        &format!(
            "{}BEGIN:VTODO\nUID:a\nDTSTAMP:20240101T000000Z\nEND:VTODO\n",
            event("a")
        ),
        "",
    );
    assert!(matches!(
        refused(&mixed),
        CalendarError::InvalidObjectResource(_)
    ));
    let no_uid = wrap(
        "BEGIN:VEVENT\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T100000Z\nEND:VEVENT\n",
        "",
    );
    assert!(matches!(
        refused(&no_uid),
        CalendarError::InvalidObjectResource(_)
    ));
    let empty = wrap("", "");
    assert!(matches!(
        refused(&empty),
        CalendarError::InvalidObjectResource(_)
    ));
    // One UID, master and override: fine.
    let fine = wrap(
        &format!(
            "{}BEGIN:VEVENT\nUID:a\nDTSTAMP:20240101T000000Z\nRECURRENCE-ID:20240101T100000Z\nDTSTART:20240101T120000Z\nEND:VEVENT\n",
            event("a")
        ),
        "",
    );
    assert!(
        CalendarObject::parse_submitted(fine.replace('\n', "\r\n").as_bytes(), &limits()).is_ok()
    );
}

#[test]
fn every_rfc_object_parses_with_its_uid() {
    let uids: Vec<String> = NAMES
        .iter()
        .map(|name| fixture(name).index().uid.clone())
        .collect();
    assert_eq!(uids[0], "74855313FA803DA593CD579A@example.com");
    assert_eq!(uids[7], "76ef34-54a3d2@example.com");
    assert_eq!(fixture("abcd8").index().component, ComponentKind::FreeBusy);
}
