use super::*;
use crate::content::query::{CompSelection, ParamFilter, PropFilter, PropSelection};
use crate::content::text_match::{Collation, MatchType, TextMatch};
use crate::dav::names::PropName;

// Instants used by the RFC 4791 examples, as epoch seconds.
const JAN_02: i64 = 1_136_160_000; // 20060102T000000Z
const JAN_03: i64 = 1_136_246_400; // 20060103T000000Z
const JAN_04: i64 = 1_136_332_800; // 20060104T000000Z
const JAN_05: i64 = 1_136_419_200; // 20060105T000000Z
const HOUR: i64 = 3600;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

pub(super) fn parse(name: &str) -> ReportRequest {
    parse_report(&fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn range(start: i64, end: i64) -> Option<TimeRange> {
    Some(TimeRange {
        start: Some(start),
        end: Some(end),
    })
}

/// VCALENDAR holding one comp-filter.
fn vcalendar(inner: CompFilter) -> CompFilter {
    CompFilter {
        name: "VCALENDAR".into(),
        comp_filters: vec![inner],
        ..Default::default()
    }
}

fn comp(name: &str) -> CompFilter {
    CompFilter {
        name: name.into(),
        ..Default::default()
    }
}

pub(super) fn prop_names(names: &[PropName]) -> PropfindRequest {
    PropfindRequest::Prop(names.to_vec())
}

fn etag_and_data() -> PropfindRequest {
    prop_names(&[PropName::dav("getetag"), PropName::caldav("calendar-data")])
}

fn query(name: &str) -> (ReportProps, CompFilter, Option<String>) {
    match parse(name) {
        ReportRequest::CalendarQuery {
            props,
            filter,
            timezone,
        } => (props, filter, timezone),
        other => panic!("{name}: expected calendar-query, got {other:?}"),
    }
}

pub(super) fn error(body: &str) -> ReportError {
    parse_report(body.as_bytes()).expect_err(body)
}

/// A calendar-query with this filter content inside `<C:filter>`.
fn filter_error(filter: &str) -> ReportError {
    error(&format!(
        r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>{filter}</C:filter></C:calendar-query>"#
    ))
}

fn in_vevent(inner: &str) -> String {
    format!(
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{inner}</C:comp-filter></C:comp-filter>"#
    )
}

#[test]
fn rfc4791_partial_retrieval_by_time_range() {
    let (props, filter, timezone) = query("requests/rfc4791-7.8.1-partial-retrieval.xml");
    assert_eq!(props.request, etag_and_data());
    let prop = |name: &str| PropSelection {
        name: name.into(),
        novalue: false,
    };
    let expected = CompSelection {
        name: "VCALENDAR".into(),
        props: Some(vec![prop("VERSION")]),
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
                    .into_iter()
                    .map(prop)
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
    };
    assert_eq!(
        props.calendar_data,
        Some(CalendarDataRequest {
            comp: Some(expected),
            ..Default::default()
        })
    );
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            time_range: range(JAN_04, JAN_05),
            ..comp("VEVENT")
        })
    );
    assert_eq!(timezone, None);
}

#[test]
fn rfc4791_limit_recurrence_set_expand_and_limit_freebusy_set() {
    let (props, filter, _) = query("requests/rfc4791-7.8.2-limit-recurrence-set.xml");
    assert_eq!(
        props.request,
        prop_names(&[PropName::caldav("calendar-data")])
    );
    assert_eq!(
        props.calendar_data,
        Some(CalendarDataRequest {
            limit_recurrence_set: range(JAN_03, JAN_05),
            ..Default::default()
        })
    );
    assert_eq!(filter.comp_filters[0].time_range, range(JAN_03, JAN_05));

    let (props, _, _) = query("requests/rfc4791-7.8.3-expand.xml");
    assert_eq!(
        props.calendar_data,
        Some(CalendarDataRequest {
            expand: range(JAN_03, JAN_05),
            ..Default::default()
        })
    );

    let (props, filter, _) = query("requests/rfc4791-7.8.4-limit-freebusy-set.xml");
    assert_eq!(
        props.calendar_data,
        Some(CalendarDataRequest {
            limit_freebusy_set: range(JAN_02, JAN_03),
            ..Default::default()
        })
    );
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            time_range: range(JAN_02, JAN_03),
            ..comp("VFREEBUSY")
        })
    );
}

#[test]
fn rfc4791_todos_by_alarm_time_range() {
    let (props, filter, _) = query("requests/rfc4791-7.8.5-alarm-time-range.xml");
    assert_eq!(props.request, etag_and_data());
    // <C:calendar-data/> alone: the whole object.
    assert_eq!(props.calendar_data, Some(CalendarDataRequest::default()));
    let jan_06_10h = JAN_04 + 2 * 24 * HOUR + 10 * HOUR;
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            comp_filters: vec![CompFilter {
                time_range: range(jan_06_10h, jan_06_10h + 24 * HOUR),
                ..comp("VALARM")
            }],
            ..comp("VTODO")
        })
    );
}

#[test]
fn rfc4791_event_by_uid_uses_octet_collation() {
    let (_, filter, _) = query("requests/rfc4791-7.8.6-event-by-uid.xml");
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            prop_filters: vec![PropFilter {
                name: "UID".into(),
                text_match: Some(TextMatch {
                    text: "DC6C50A017428C5216A2F1CD@example.com".into(),
                    collation: Collation::Octet,
                    match_type: MatchType::Contains,
                    negate: false,
                }),
                ..Default::default()
            }],
            ..comp("VEVENT")
        })
    );
}

#[test]
fn rfc4791_events_only_and_pending_todos() {
    let (_, filter, _) = query("requests/rfc4791-7.8.8-events-only.xml");
    assert_eq!(filter, vcalendar(comp("VEVENT")));

    let (_, filter, _) = query("requests/rfc4791-7.8.9-pending-todos.xml");
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            prop_filters: vec![
                PropFilter {
                    name: "COMPLETED".into(),
                    is_not_defined: true,
                    ..Default::default()
                },
                PropFilter {
                    name: "STATUS".into(),
                    text_match: Some(TextMatch {
                        text: "CANCELLED".into(),
                        collation: Collation::AsciiCasemap,
                        match_type: MatchType::Contains,
                        negate: true,
                    }),
                    ..Default::default()
                },
            ],
            ..comp("VTODO")
        })
    );
}

#[test]
fn rfc4791_unsupported_property_still_parses() {
    // Whether X-ABC-GUID can be queried (CALDAV:supported-filter) is the evaluator's
    // decision; the body itself is a valid filter.
    let (_, filter, _) = query("requests/rfc4791-7.8.10-unsupported-property.xml");
    let prop = &filter.comp_filters[0].prop_filters[0];
    assert_eq!(prop.name, "X-ABC-GUID");
    assert_eq!(prop.text_match.as_ref().unwrap().text, "ABC");
}

#[test]
fn rfc4791_calendar_multiget() {
    assert_eq!(
        parse("requests/rfc4791-7.9.1-multiget.xml"),
        ReportRequest::CalendarMultiget {
            props: ReportProps {
                request: etag_and_data(),
                calendar_data: Some(CalendarDataRequest::default()),
                address_data: None,
            },
            hrefs: vec![
                "/bernard/work/abcd1.ics".into(),
                "/bernard/work/mtg1.ics".into()
            ],
        }
    );
}

#[test]
fn rfc4791_free_busy_query() {
    assert_eq!(
        parse("requests/rfc4791-7.10.1-free-busy.xml"),
        ReportRequest::FreeBusyQuery {
            range: TimeRange {
                start: Some(JAN_04 + 14 * HOUR),
                end: Some(JAN_05 + 22 * HOUR),
            }
        }
    );
}

#[test]
fn rfc6578_sync_collection() {
    let props = ReportProps {
        request: prop_names(&[
            PropName::dav("getetag"),
            PropName::new(
                Namespace::Other("urn:ns.example.com:boxschema".into()),
                "bigbox",
            ),
        ]),
        calendar_data: None,
        address_data: None,
    };
    assert_eq!(
        parse("requests/rfc6578-3.8-initial-sync.xml"),
        ReportRequest::SyncCollection {
            sync_token: None,
            sync_level: SyncLevel::One,
            limit: None,
            props: props.clone(),
        }
    );
    assert_eq!(
        parse("requests/rfc6578-3.10-sync-with-limit.xml"),
        ReportRequest::SyncCollection {
            sync_token: Some("http://example.com/ns/sync/1233".into()),
            sync_level: SyncLevel::One,
            limit: Some(100),
            props,
        }
    );
    let infinite = br#"<sync-collection xmlns="DAV:"><sync-token> t </sync-token><sync-level>infinite</sync-level><prop/></sync-collection>"#;
    assert!(matches!(
        parse_report(infinite),
        Ok(ReportRequest::SyncCollection {
            sync_token: Some(token),
            sync_level: SyncLevel::Infinite,
            ..
        }) if token == "t"
    ));
}

#[test]
fn real_client_bodies() {
    assert_eq!(
        parse("clients/calendar-multiget.xml"),
        ReportRequest::CalendarMultiget {
            props: ReportProps {
                request: etag_and_data(),
                calendar_data: Some(CalendarDataRequest::default()),
                address_data: None,
            },
            hrefs: vec![
                "/dav/caldav/FOLDER/OBJECT-1.ics".into(),
                "/dav/caldav/FOLDER/OBJECT-2.ics".into()
            ],
        }
    );
    assert_eq!(
        parse("clients/sync-collection-initial.xml"),
        ReportRequest::SyncCollection {
            sync_token: None,
            sync_level: SyncLevel::One,
            limit: None,
            props: ReportProps {
                request: prop_names(&[PropName::dav("getetag")]),
                calendar_data: None,
                address_data: None,
            },
        }
    );
    let (props, filter, _) = query("clients/thunderbird-calendar-query.xml");
    assert_eq!(props.request, prop_names(&[PropName::dav("getetag")]));
    assert_eq!(props.calendar_data, None);
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            time_range: range(1_735_689_600, 1_738_368_000), // January 2025
            ..comp("VEVENT")
        })
    );
    assert_eq!(
        parse("clients/addressbook-multiget.xml"),
        ReportRequest::AddressbookMultiget {
            props: ReportProps {
                request: prop_names(&[
                    PropName::dav("getcontenttype"),
                    PropName::dav("getetag"),
                    PropName::carddav("address-data"),
                ]),
                calendar_data: None,
                address_data: Some(AddressDataRequest::default()),
            },
            hrefs: vec![
                "/dav/carddav/Contacts/CONTACT-1.vcf".into(),
                "/dav/carddav/Contacts/CONTACT-2.vcf".into()
            ],
        }
    );
}

#[test]
fn unusual_prefixes_default_namespaces_and_names_in_lower_case() {
    let (props, filter, timezone) = query("requests/unusual-prefixes-calendar-query.xml");
    assert_eq!(props.request, etag_and_data());
    assert_eq!(
        props.calendar_data,
        Some(CalendarDataRequest {
            comp: Some(CompSelection {
                name: "VCALENDAR".into(),
                props: None,
                comps: Some(vec![CompSelection {
                    name: "VEVENT".into(),
                    props: Some(vec![PropSelection {
                        name: "SUMMARY".into(),
                        novalue: true
                    }]),
                    comps: None,
                }]),
            }),
            ..Default::default()
        })
    );
    let text = |text: &str, collation| TextMatch {
        text: text.into(),
        collation,
        match_type: MatchType::Contains,
        negate: false,
    };
    assert_eq!(
        filter,
        vcalendar(CompFilter {
            prop_filters: vec![
                PropFilter {
                    name: "ATTENDEE".into(),
                    text_match: Some(text("mailto:lisa@example.com", Collation::UnicodeCasemap)),
                    param_filters: vec![ParamFilter {
                        name: "PARTSTAT".into(),
                        is_not_defined: false,
                        text_match: Some(text("NEEDS-ACTION", Collation::AsciiCasemap)),
                    }],
                    ..Default::default()
                },
                PropFilter {
                    name: "DTSTART".into(),
                    time_range: Some(TimeRange {
                        start: None,
                        end: Some(JAN_05)
                    }),
                    ..Default::default()
                },
            ],
            comp_filters: vec![CompFilter {
                is_not_defined: true,
                ..comp("VALARM")
            }],
            ..comp("VEVENT")
        })
    );
    assert_eq!(
        timezone.as_deref(),
        Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR")
    );
}

#[test]
fn expand_property_reads_nested_properties_within_their_depth() {
    let body = r#"<D:expand-property xmlns:D="DAV:"><D:property name="principal-URL"><D:property name="displayname"/></D:property><D:property name="email-address-set" namespace="http://calendarserver.org/ns/"/></D:expand-property>"#;
    let Ok(ReportRequest::ExpandProperty(properties)) = parse_report(body.as_bytes()) else {
        panic!("not an expand-property");
    };
    assert_eq!(properties.len(), 2);
    assert_eq!(properties[0].name, ElementName::dav("principal-URL"));
    assert_eq!(
        properties[0].expand[0].name,
        ElementName::dav("displayname")
    );
    assert_eq!(properties[1].name.local, "email-address-set");
    assert!(properties[1].expand.is_empty());
    // Empty, or nested deeper than MAX_EXPAND_DEPTH: refused.
    assert!(parse_report(br#"<D:expand-property xmlns:D="DAV:"/>"#).is_err());
    let deep = format!(
        r#"<D:expand-property xmlns:D="DAV:">{}{}</D:expand-property>"#,
        r#"<D:property name="a">"#.repeat(4),
        "</D:property>".repeat(4)
    );
    assert!(parse_report(deep.as_bytes()).is_err());
}

#[test]
fn other_reports_are_unsupported() {
    for (body, name) in [
        (
            r#"<D:acl-principal-prop-set xmlns:D="DAV:"/>"#,
            ElementName::dav("acl-principal-prop-set"),
        ),
        (
            r#"<calendar-query xmlns="DAV:"><filter/></calendar-query>"#,
            ElementName::dav("calendar-query"),
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:x"/>"#,
            ElementName::new(Namespace::Other("urn:x".into()), "calendar-multiget"),
        ),
    ] {
        assert_eq!(
            parse_report(body.as_bytes()),
            Ok(ReportRequest::Unsupported(name))
        );
    }
}

#[test]
fn malformed_bodies_are_400_with_a_reason() {
    let cases: &[(&str, &str)] = &[
        ("", "REPORT needs a request body"),
        ("<a>", "missing end tag"),
        (
            r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#,
            "needs a {urn:ietf:params:xml:ns:caldav}filter element",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop xmlns:D="DAV:"/></C:calendar-multiget>"#,
            "needs at least one {DAV:}href",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav"><D:href xmlns:D="DAV:"> </D:href></C:calendar-multiget>"#,
            "empty {DAV:}href",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:allprop/><D:prop/><D:href>/a</D:href></C:calendar-multiget>"#,
            "must hold at most one of prop, allprop, propname",
        ),
        (
            r#"<D:sync-collection xmlns:D="DAV:"><D:prop/></D:sync-collection>"#,
            "needs a {DAV:}sync-token element",
        ),
        (
            r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>2</D:sync-level></D:sync-collection>"#,
            "sync-level must be 1 or infinite",
        ),
        (
            r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:limit><D:nresults>-1</D:nresults></D:limit></D:sync-collection>"#,
            "nresults must be a number",
        ),
        (
            r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:limit/></D:sync-collection>"#,
            "limit needs an nresults element",
        ),
        (
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#,
            "needs a {urn:ietf:params:xml:ns:caldav}time-range element",
        ),
        (
            r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"/>"#,
            "needs a {urn:ietf:params:xml:ns:carddav}filter element",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data><C:expand start="20060103T000000Z" end="20060105T000000Z"/><C:limit-recurrence-set start="20060103T000000Z" end="20060105T000000Z"/></C:calendar-data></D:prop><D:href>/a</D:href></C:calendar-multiget>"#,
            "both expand and limit-recurrence-set",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data><C:comp name="VCALENDAR"><C:allcomp/><C:comp name="VEVENT"/></C:comp></C:calendar-data></D:prop><D:href>/a</D:href></C:calendar-multiget>"#,
            "holds both allcomp and comp",
        ),
        (
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data><C:comp/></C:calendar-data></D:prop><D:href>/a</D:href></C:calendar-multiget>"#,
            "comp without a name",
        ),
    ];
    for (body, reason) in cases {
        let err = parse_report(body.as_bytes()).expect_err(body);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_eq!(err.precondition(), None, "{body}");
        assert!(err.to_string().contains(reason), "{body}: {err}");
    }
}

#[test]
fn filters_breaking_rfc4791_are_valid_filter_errors() {
    let time_range = |attrs: &str| in_vevent(&format!("<C:time-range {attrs}/>"));
    let cases = [
        (String::new(), "exactly one comp-filter"),
        (
            r#"<C:comp-filter name="VCALENDAR"/><C:comp-filter name="VCALENDAR"/>"#.into(),
            "exactly one comp-filter",
        ),
        (
            r#"<C:comp-filter name="VEVENT"/>"#.into(),
            "VEVENT cannot be the outermost component",
        ),
        (
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:comp-filter name="VEVENT"/></C:comp-filter></C:comp-filter>"#.into(),
            "VEVENT cannot be a component of VTODO",
        ),
        (
            r#"<C:comp-filter name="VCALENDAR"><C:comp-filter/></C:comp-filter>"#.into(),
            "comp-filter without a name",
        ),
        (time_range(""), "time-range needs a start or an end"),
        (
            time_range(r#"start="20060104T000000""#),
            "is not a UTC date-time",
        ),
        (
            time_range(r#"start="2006-01-04T00:00:00Z""#),
            "is not a UTC date-time",
        ),
        (
            time_range(r#"start="20060105T000000Z" end="20060104T000000Z""#),
            "end must be later than start",
        ),
        (
            in_vevent(r#"<C:time-range start="20060104T000000Z"/><C:time-range end="20060105T000000Z"/>"#),
            "more than one time-range",
        ),
        (
            in_vevent(r#"<C:is-not-defined/><C:prop-filter name="UID"/>"#),
            "is-not-defined cannot be combined",
        ),
        (
            in_vevent(r#"<C:prop-filter name="SUMMARY"><C:time-range start="20060104T000000Z"/></C:prop-filter>"#),
            "only applies to date and time properties",
        ),
        (
            in_vevent(r#"<C:prop-filter name="DTSTART"><C:time-range start="20060104T000000Z"/><C:text-match>x</C:text-match></C:prop-filter>"#),
            "time-range and text-match cannot be combined",
        ),
        (
            in_vevent(r#"<C:prop-filter name="UID"><C:is-not-defined/><C:text-match>x</C:text-match></C:prop-filter>"#),
            "is-not-defined cannot be combined",
        ),
        (
            in_vevent(r#"<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:is-not-defined/><C:text-match>x</C:text-match></C:param-filter></C:prop-filter>"#),
            "is-not-defined cannot be combined with text-match",
        ),
        (
            in_vevent(r#"<C:prop-filter name="STATUS"><C:text-match negate-condition="true">x</C:text-match></C:prop-filter>"#),
            "negate-condition must be yes or no",
        ),
    ];
    for (filter, reason) in cases {
        let err = filter_error(&filter);
        assert!(
            matches!(&err, ReportError::InvalidFilter(r) if r.contains(reason)),
            "{filter}: {err:?}"
        );
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.precondition(), Some(Precondition::CalendarValidFilter));
    }
}

#[test]
fn calendar_data_ranges_need_start_and_end() {
    for element in [
        r#"<C:expand start="20060103T000000Z"/>"#,
        r#"<C:limit-recurrence-set end="20060105T000000Z"/>"#,
        r#"<C:limit-freebusy-set/>"#,
        r#"<C:expand start="20060103T000000Z" end="20060103"/>"#,
    ] {
        let body = format!(
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data>{element}</C:calendar-data></D:prop><D:href>/a</D:href></C:calendar-multiget>"#
        );
        let err = error(&body);
        assert_eq!(
            err.precondition(),
            Some(Precondition::CalendarValidFilter),
            "{element}: {err:?}"
        );
    }
}

#[test]
fn unknown_collation_is_supported_collation() {
    let err = filter_error(&in_vevent(
        r#"<C:prop-filter name="SUMMARY"><C:text-match collation="i;basic">x</C:text-match></C:prop-filter>"#,
    ));
    assert_eq!(err, ReportError::UnsupportedCollation("i;basic".into()));
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
    let precondition = err.precondition().unwrap();
    assert_eq!(precondition, Precondition::CalendarSupportedCollation);
    let body = String::from_utf8(precondition.to_xml()).unwrap();
    assert!(
        body.ends_with("<C:supported-collation/></D:error>"),
        "{body}"
    );
}

#[test]
fn calendar_data_in_another_media_type_is_refused() {
    for attributes in [
        r#"content-type="application/calendar+json""#,
        r#"version="1.0""#,
    ] {
        let body = format!(
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data {attributes}/></D:prop><D:href>/a</D:href></C:calendar-multiget>"#
        );
        let err = error(&body);
        assert!(matches!(err, ReportError::UnsupportedCalendarData(_)));
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            err.precondition(),
            Some(Precondition::SupportedCalendarData)
        );
    }
}
