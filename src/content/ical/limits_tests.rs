//! The content limits on calendar objects: what a submission may hold, and how far the
//! index, filters, expansion and free-busy walk a recurrence, counted in instances.

use super::*;
use crate::content::query::{CompSelection, TimeRange};

fn limits() -> ContentLimits {
    crate::limits::Limits::default().content
}

fn capped(max_instances: usize) -> ContentLimits {
    ContentLimits {
        max_instances,
        ..limits()
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// An event from 2026-03-02 10:00 UTC with `extra` content lines in its VEVENT.
fn event(extra: &str) -> String {
    crlf(&format!(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:e\n\
         DTSTAMP:20260101T000000Z\nDTSTART:20260302T100000Z\nDTEND:20260302T103000Z\n\
         SUMMARY:Event\n{extra}END:VEVENT\nEND:VCALENDAR\n"
    ))
}

fn utc(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .expect("time")
        .and_utc()
        .timestamp()
}

fn range(start: &str, end: &str) -> TimeRange {
    TimeRange {
        start: Some(utc(start)),
        end: Some(utc(end)),
    }
}

fn submitted(text: &str, limits: &ContentLimits) -> Result<CalendarObject, CalendarError> {
    CalendarObject::parse_submitted(text.as_bytes(), limits)
}

fn reason(error: CalendarError) -> String {
    match error {
        CalendarError::InvalidData(reason)
        | CalendarError::InvalidObjectResource(reason)
        | CalendarError::TooManyAttendees(reason) => reason,
    }
}

fn expand_request(range: TimeRange) -> CalendarDataRequest {
    CalendarDataRequest {
        expand: Some(range),
        ..CalendarDataRequest::default()
    }
}

fn instances_in(text: &[u8]) -> usize {
    String::from_utf8_lossy(text)
        .matches("RECURRENCE-ID:")
        .count()
}

// --- what a submission may hold ------------------------------------------------------------

#[test]
fn submissions_are_held_to_the_structure_limits() {
    let deep = event(&format!(
        "{}{}",
        "BEGIN:VALARM\n".repeat(9),
        "END:VALARM\n".repeat(9)
    ));
    assert!(reason(submitted(&deep, &limits()).unwrap_err()).contains("nested more than 10 deep"));
    let unterminated = event("").replace("END:VCALENDAR\r\n", "");
    assert!(reason(submitted(&unterminated, &limits()).unwrap_err()).contains("no END:VCALENDAR"));
    // Read as stored, the same objects parse: another writer may have stored them.
    assert!(CalendarObject::parse(deep.as_bytes(), &limits()).is_ok());
    assert!(CalendarObject::parse(unterminated.as_bytes(), &limits()).is_ok());
}

#[test]
fn one_uid_per_component_within_the_length_limit() {
    let doubled = event("UID:f\n");
    assert_eq!(
        reason(submitted(&doubled, &limits()).unwrap_err()),
        "VEVENT has more than one UID"
    );
    let short = ContentLimits {
        max_uid_bytes: 4,
        ..limits()
    };
    let long = event("").replace("UID:e", "UID:12345");
    assert_eq!(
        reason(submitted(&long, &short).unwrap_err()),
        "VEVENT: the UID is longer than 4 bytes"
    );
    assert!(submitted(&event("").replace("UID:e", "UID:1234"), &short).is_ok());
}

#[test]
fn decoded_control_characters_in_indexed_values_are_refused() {
    let encoded = event("").replace(
        "SUMMARY:Event",
        "SUMMARY;ENCODING=QUOTED-PRINTABLE:Lunch=00time",
    );
    assert_eq!(
        reason(submitted(&encoded, &limits()).unwrap_err()),
        "VEVENT: SUMMARY holds a control character"
    );
    let tab = event("").replace("SUMMARY:Event", "SUMMARY:Tab\there");
    assert!(submitted(&tab, &limits()).is_ok());
}

#[test]
fn attendees_and_alarms_per_component_are_counted() {
    let few = ContentLimits {
        max_attendees_per_event: 2,
        max_alarms_per_event: 1,
        ..limits()
    };
    let attendee = |n: usize| format!("ATTENDEE:mailto:a{n}@example.com\n");
    let three: String = (0..3).map(attendee).collect();
    assert!(matches!(
        submitted(&event(&three), &few),
        Err(CalendarError::TooManyAttendees(reason)) if reason == "VEVENT has 3 attendees; at most 2 are taken"
    ));
    let two: String = (0..2).map(attendee).collect();
    assert!(submitted(&event(&two), &few).is_ok());
    let alarm = "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT5M\nDESCRIPTION:x\nEND:VALARM\n";
    assert_eq!(
        reason(submitted(&event(&alarm.repeat(2)), &few).unwrap_err()),
        "VEVENT has 2 alarms; at most 1 are taken"
    );
    assert!(submitted(&event(alarm), &few).is_ok());
}

// --- walks over stored objects -------------------------------------------------------------

#[test]
fn any_nesting_renders_without_recursion() {
    const DEPTH: usize = 200_000;
    let deep = event(&format!(
        "{}X-INNERMOST:yes\n{}",
        "BEGIN:X-A\n".repeat(DEPTH),
        "END:X-A\n".repeat(DEPTH)
    ));
    let object = CalendarObject::parse(deep.as_bytes(), &limits()).expect("read as stored");
    let request = CalendarDataRequest {
        comp: Some(CompSelection {
            name: "VCALENDAR".into(),
            props: None,
            comps: None,
        }),
        ..CalendarDataRequest::default()
    };
    let text = String::from_utf8(object.render(&request, usize::MAX).unwrap()).unwrap();
    assert_eq!(text.matches("BEGIN:X-A\r\n").count(), DEPTH);
    assert_eq!(text.matches("END:X-A\r\n").count(), DEPTH);
    assert!(text.contains("X-INNERMOST:yes\r\nEND:X-A\r\n"));
    assert!(text.ends_with("END:X-A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"));
}

#[test]
fn expand_answers_too_many_instances_beyond_the_cap() {
    let daily = event("RRULE:FREQ=DAILY;COUNT=20\n");
    let march = range("20260301T000000Z", "20260401T000000Z");
    let at_cap = CalendarObject::parse(daily.as_bytes(), &capped(20)).unwrap();
    let text = at_cap.render(&expand_request(march), usize::MAX).unwrap();
    assert_eq!(instances_in(&text), 20);
    let over = CalendarObject::parse(daily.as_bytes(), &capped(19)).unwrap();
    assert_eq!(
        over.render(&expand_request(march), usize::MAX),
        Err(RenderError::TooManyInstances(19))
    );
    // Instances walked only up to the range's end count: a short range fits.
    let early = range("20260301T000000Z", "20260305T000000Z");
    let text = over.render(&expand_request(early), usize::MAX).unwrap();
    assert_eq!(instances_in(&text), 3);
}

#[test]
fn rdates_count_as_instances() {
    let rdates: String = (1..=30)
        .map(|day| format!("RDATE:202604{day:02}T100000Z\n"))
        .collect();
    let object = CalendarObject::parse(event(&rdates).as_bytes(), &capped(30)).unwrap();
    let april = range("20260301T000000Z", "20260501T000000Z");
    assert_eq!(
        object.render(&expand_request(april), usize::MAX),
        Err(RenderError::TooManyInstances(30))
    );
    let object = CalendarObject::parse(event(&rdates).as_bytes(), &capped(31)).unwrap();
    let text = object.render(&expand_request(april), usize::MAX).unwrap();
    assert_eq!(instances_in(&text), 31);
    // Instances copy no recurrence property of the master.
    assert!(!String::from_utf8_lossy(&text).contains("RDATE"));
}

#[test]
fn rendering_stops_at_the_byte_limit() {
    let daily =
        CalendarObject::parse(event("RRULE:FREQ=DAILY;COUNT=10\n").as_bytes(), &limits()).unwrap();
    let request = expand_request(range("20260301T000000Z", "20260401T000000Z"));
    let whole = daily.render(&request, usize::MAX).unwrap();
    assert_eq!(daily.render(&request, whole.len()).unwrap(), whole);
    assert_eq!(
        daily.render(&request, whole.len() - 1),
        Err(RenderError::TooLarge(whole.len() - 1))
    );
}

#[test]
fn a_time_range_beyond_the_walk_matches_rather_than_drops_the_object() {
    let hourly = event("RRULE:FREQ=HOURLY\n");
    let filter = |range: TimeRange| CompFilter {
        name: "VCALENDAR".into(),
        comp_filters: vec![CompFilter {
            name: "VEVENT".into(),
            time_range: Some(range),
            ..CompFilter::default()
        }],
        ..CompFilter::default()
    };
    let object = CalendarObject::parse(hourly.as_bytes(), &capped(24)).unwrap();
    // The second day is within 24 instances: evaluated, and a gap between instances
    // does not match.
    assert!(object.matches(&filter(range("20260302T120000Z", "20260302T130000Z"))));
    assert!(!object.matches(&filter(range("20260302T104000Z", "20260302T105000Z"))));
    // Days later, the walk stops short of the range: listed, not dropped.
    assert!(object.matches(&filter(range("20260320T104000Z", "20260320T105000Z"))));
    // Before DTSTART nothing is unknown.
    assert!(!object.matches(&filter(range("20260201T000000Z", "20260202T000000Z"))));
}

#[test]
fn the_index_walks_at_most_the_cap() {
    let bounded = event("RRULE:FREQ=DAILY;COUNT=30\n");
    let walked = CalendarObject::parse(bounded.as_bytes(), &capped(30)).unwrap();
    assert_eq!(walked.index().last_end, Some(utc("20260331T103000Z")));
    let cut = CalendarObject::parse(bounded.as_bytes(), &capped(29)).unwrap();
    assert_eq!(cut.index().first_start, Some(utc("20260302T100000Z")));
    assert_eq!(cut.index().last_end, None, "counted as endless");
    // An endless rule is not walked to find an end it does not have.
    let endless = event("RRULE:FREQ=SECONDLY\n");
    let object = CalendarObject::parse(endless.as_bytes(), &capped(1)).unwrap();
    assert_eq!(object.index().first_start, Some(utc("20260302T100000Z")));
    assert_eq!(object.index().last_end, None);
}

#[test]
fn free_busy_beyond_the_cap_is_refused_and_busy_time_stays_merged() {
    let daily = event("RRULE:FREQ=DAILY;COUNT=10\n");
    let march = range("20260301T000000Z", "20260401T000000Z");
    let object = CalendarObject::parse(daily.as_bytes(), &capped(10)).unwrap();
    let periods = object.busy_periods(&march).unwrap();
    assert_eq!(periods.len(), 10);
    let over = CalendarObject::parse(daily.as_bytes(), &capped(9)).unwrap();
    assert_eq!(over.busy_periods(&march), Err(TooManyInstances(9)));

    // Many objects' overlapping periods are merged as they come.
    let mut busy = BusyTime::default();
    for _ in 0..5_000 {
        busy.add(periods.clone());
    }
    let text = String::from_utf8(busy.into_calendar(&march)).unwrap();
    assert_eq!(text.matches("FREEBUSY:").count(), 10);
}

#[test]
fn an_instance_ending_past_year_9999_is_written_as_the_last_moment() {
    // Each yearly instance lasts almost 10,000 years, so its end lies past what a
    // four-digit year can say; the expansion must still be iCalendar a client reads.
    let data = crlf(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:long\n\
         DTSTAMP:20260101T000000Z\nDTSTART:00010101T000000Z\nDTEND:99991231T235959Z\n\
         RRULE:FREQ=YEARLY;UNTIL=99991231T235959Z\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    let object = CalendarObject::parse(data.as_bytes(), &capped(20_000)).expect("parses");
    let request = CalendarDataRequest {
        expand: Some(range("20060101T000000Z", "20080101T000000Z")),
        ..CalendarDataRequest::default()
    };
    let text = String::from_utf8(object.render(&request, 1 << 20).expect("rendered")).unwrap();
    assert!(text.contains("DTEND:99991231T235959Z\r\n"), "{text}");
    let again = CalendarObject::parse(text.as_bytes(), &limits()).expect("the answer parses");
    assert_eq!(again.index().uid, "long");
}
