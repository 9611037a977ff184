//! The examples of RFC 4791 section 7.8 and 7.10 against the RFC's own objects.

use super::*;

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
