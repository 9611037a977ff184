//! What a calendar object must be to be stored, beyond the RFC 4791 examples of `tests`:
//! values whose text parses but means nothing.

use super::*;

fn limits() -> ContentLimits {
    crate::limits::Limits::default().content
}

fn calendar(body: &str) -> Vec<u8> {
    format!("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{body}END:VCALENDAR\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

#[test]
fn an_override_whose_recurrence_id_is_no_real_date_is_refused() {
    // Month 14, day 55: it would be expanded as a second master without RECURRENCE-ID.
    let data = calendar(
        "BEGIN:VEVENT\nUID:a\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T100000Z\n\
         RRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nDTSTAMP:20240101T000000Z\nRECURRENCE-ID:20241455T100000Z\n\
         DTSTART:20240102T120000Z\nEND:VEVENT\n",
    );
    match CalendarObject::parse_submitted(&data, &limits()) {
        Err(CalendarError::InvalidData(reason)) => {
            assert_eq!(reason, "VEVENT: RECURRENCE-ID is not a valid date and time")
        }
        other => panic!("accepted or refused otherwise: {other:?}"),
    }
}

#[test]
fn a_start_or_due_that_is_no_real_date_is_refused() {
    for (kind, property) in [("VTODO", "DUE"), ("VTODO", "DTSTART"), ("VEVENT", "DTEND")] {
        let start = if kind == "VEVENT" {
            "DTSTART:20240101T100000Z\n"
        } else {
            ""
        };
        let data = calendar(&format!(
            "BEGIN:{kind}\nUID:a\nDTSTAMP:20240101T000000Z\n{start}{property}:20240231T100000Z\n\
             END:{kind}\n"
        ));
        match CalendarObject::parse_submitted(&data, &limits()) {
            Err(CalendarError::InvalidData(reason)) => assert_eq!(
                reason,
                format!("{kind}: {property} is not a valid date and time")
            ),
            other => panic!("{kind} {property}: {other:?}"),
        }
    }
}

#[test]
fn an_rdate_or_exdate_value_that_is_no_real_date_is_refused() {
    // 2024121] is read as the date 2024-12-01 and would turn the other values into
    // dates when written back; month 14 names no date at all.
    for (property, values, reason) in [
        (
            "RDATE",
            "20240102T090000Z,2024121]T040000Z",
            "mixes dates and date-times",
        ),
        (
            "EXDATE",
            "20240102T090000Z,20241455T090000Z",
            "is not a valid date and time",
        ),
    ] {
        let data = calendar(&format!(
            "BEGIN:VEVENT\nUID:a\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T090000Z\n\
             RRULE:FREQ=DAILY;COUNT=3\n{property}:{values}\nEND:VEVENT\n"
        ));
        match CalendarObject::parse_submitted(&data, &limits()) {
            Err(CalendarError::InvalidData(error)) => {
                assert_eq!(error, format!("VEVENT: {property} {reason}"))
            }
            other => panic!("{property}: {other:?}"),
        }
    }
}
