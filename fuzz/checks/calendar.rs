//! iCalendar: what a PUT does with a calendar object (structure checks, parse within the
//! limits, the index row), and what reports do with stored ones (calendar-query filters,
//! calendar-data with selection, expansion and limited recurrence sets, free-busy).

use davgate::caldav::write::stored_row;
use davgate::content::ical::{CalendarObject, RenderError};
use davgate::content::query::{CalendarDataRequest, CompFilter, CompSelection, TimeRange};
use davgate::dav::{parse_report_within, Budget, ReportRequest};
use davgate::store::WriteObject;

use super::{has_reason, limits, split};

/// 2000-01-01 and 2040-01-01 in UTC: where the ranges of the expand and free-busy
/// targets fall when the input does not choose them.
const FROM: i64 = 946_684_800;
const TO: i64 = 2_208_988_800;

/// Zones at both ends of the offsets floating times may be evaluated in (a
/// collection's `calendar-timezone`).
const FLOATING_ZONES: [&str; 2] = ["Pacific/Kiritimati", "Etc/GMT+12"];

/// PUT of a calendar object: accepted objects stay within the content limits, are
/// indexed under their UID, and render as iCalendar that parses back to the same UID,
/// component type and start.
pub fn ical_ingest(data: &[u8]) {
    let limits = limits();
    let content = &limits.content;
    // The read path takes whatever parses, without the structure checks.
    if let Ok(stored) = CalendarObject::parse(data, content) {
        let _ = stored.index();
        let _ = stored.is_recurring();
    }
    let object = match CalendarObject::parse_submitted(data, content) {
        Ok(object) => object,
        Err(error) => return has_reason(&error),
    };
    assert!(
        CalendarObject::parse(data, content).is_ok(),
        "an accepted object does not read back"
    );
    let index = object.index().clone();
    assert!(
        !index.uid.is_empty(),
        "an object without a UID was accepted"
    );
    assert!(
        index.uid.len() <= content.max_uid_bytes,
        "a UID of {} bytes",
        index.uid.len()
    );
    if let (Some(start), Some(end)) = (index.first_start, index.last_end) {
        assert!(
            start <= end,
            "indexed as ending at {end} before starting at {start}"
        );
    }
    let row = stored_row("event.ics", &object, Some(1));
    assert_eq!(row.uid, index.uid);
    assert_eq!(row.component, index.component.as_str());

    let whole = CalendarDataRequest {
        comp: Some(CompSelection {
            name: "VCALENDAR".into(),
            props: None,
            comps: None,
        }),
        ..CalendarDataRequest::default()
    };
    let text = match object.render(&whole, limits.max_report_calendar_data_bytes) {
        Ok(text) => text,
        Err(RenderError::TooLarge(max)) => {
            assert!(
                data.len() * 2 > max,
                "{} bytes rendered over {max}",
                data.len()
            );
            return;
        }
        Err(error) => panic!("rendering all of an accepted object: {error}"),
    };
    let components = text
        .split(|byte| *byte == b'\n')
        .filter(|line| line.starts_with(b"BEGIN:"))
        .count();
    assert!(
        components <= content.max_components,
        "{components} components"
    );
    let again = CalendarObject::parse(&text, content).unwrap_or_else(|error| {
        panic!(
            "the rendered object does not parse ({error}):\n{}",
            String::from_utf8_lossy(&text)
        )
    });
    let reindexed = again.index();
    assert_eq!(reindexed.uid, index.uid, "the UID changed in rendering");
    assert_eq!(reindexed.component, index.component);
    assert_eq!(
        reindexed.first_start, index.first_start,
        "the start moved in rendering"
    );
}

/// calendar-query: a REPORT body and a stored object, split at the first NUL. The
/// filter decides the same twice, and an object it matches is never one the store's
/// index would have skipped.
pub fn ical_filter(data: &[u8]) {
    let (body, ics) = split(data);
    let limits = limits();
    let Ok(ReportRequest::CalendarQuery { filter, .. }) =
        parse_report_within(body, &Budget::new(limits.bodies))
    else {
        return;
    };
    let Ok(object) = CalendarObject::parse(ics, &limits.content) else {
        return;
    };
    let row = stored_row("event.ics", &object, None);
    let zones = [None, Some(FLOATING_ZONES[0]), Some(FLOATING_ZONES[1])];
    for zone in zones {
        let object = match zone {
            Some(tzid) => object.clone().with_floating_zone(tzid),
            None => object.clone(),
        };
        let matched = object.matches(&filter);
        assert_eq!(
            object.matches(&filter),
            matched,
            "the filter decided twice differently"
        );
        if matched {
            assert_store_keeps(&row, &filter, zone);
        }
    }
}

/// What the store narrows a calendar-query to (the single comp-filter below VCALENDAR,
/// its component and time range) keeps every object the filter matches.
fn assert_store_keeps(row: &WriteObject, filter: &CompFilter, zone: Option<&str>) {
    let [only] = filter.comp_filters.as_slice() else {
        return;
    };
    if only.is_not_defined {
        return;
    }
    assert_eq!(
        only.name, row.component,
        "a {} matched a {} filter",
        row.component, only.name
    );
    if let Some(range) = only.time_range {
        assert!(
            window_keeps(row, &range),
            "the store skips a match of {range:?} (floating in {zone:?}): indexed {:?}..{:?}",
            row.start_at,
            row.end_at
        );
    }
}

/// The store's time-window condition on an object row (`store::sql`).
fn window_keeps(row: &WriteObject, range: &TimeRange) -> bool {
    let start = range.start.unwrap_or(i64::MIN);
    let end = range.end.unwrap_or(i64::MAX);
    row.start_at.is_none_or(|at| at < end)
        && row
            .end_at
            .is_none_or(|at| at > start || (Some(at) == row.start_at && at >= start))
}

/// calendar-data in a REPORT: a body asking for calendar-data and a stored object, split
/// at the first NUL. Output stays within the byte limit and the instance cap, and
/// output of whole components parses again.
pub fn ical_render(data: &[u8]) {
    let (body, ics) = split(data);
    let limits = limits();
    let Ok(request) = parse_report_within(body, &Budget::new(limits.bodies)) else {
        return;
    };
    let props = match request {
        ReportRequest::CalendarMultiget { props, .. }
        | ReportRequest::CalendarQuery { props, .. }
        | ReportRequest::SyncCollection { props, .. } => props,
        _ => return,
    };
    let Some(request) = props.calendar_data else {
        return;
    };
    let Ok(object) = CalendarObject::parse(ics, &limits.content) else {
        return;
    };
    check_render(
        &object,
        &request,
        limits.max_report_calendar_data_bytes / 16,
    );
}

fn check_render(object: &CalendarObject, request: &CalendarDataRequest, max_bytes: usize) {
    let max_instances = limits().content.max_instances;
    let text = match object.render(request, max_bytes) {
        Ok(text) => text,
        Err(RenderError::TooManyInstances(cap)) => {
            assert_eq!(cap, max_instances, "refused at another cap");
            return;
        }
        Err(RenderError::TooLarge(max)) => return assert_eq!(max, max_bytes),
    };
    if CalendarObject::renders_as_stored(request) {
        return assert_eq!(text, object.data(), "the stored bytes changed");
    }
    assert!(
        text.len() <= max_bytes,
        "{} bytes over the limit {max_bytes}",
        text.len()
    );
    let main = object.index().component.as_str();
    let begin = format!("BEGIN:{main}");
    let instances = top_level(&text, &begin);
    if request.expand.is_some() {
        // The cap bounds the recurrence set; overridden instances come on top, each a
        // component of the stored object.
        let stored = top_level(object.data(), &begin);
        assert!(
            instances <= max_instances + stored,
            "{instances} instances written from {stored} components"
        );
    }
    if request.comp.is_none() && request.limit_freebusy_set.is_none() && instances > 0 {
        // Whole components: the same object, or its instances.
        let again = CalendarObject::parse(&text, &limits().content).unwrap_or_else(|error| {
            panic!(
                "calendar-data does not parse ({error}):\n{}",
                String::from_utf8_lossy(&text)
            )
        });
        assert_eq!(again.index().uid, object.index().uid, "the UID changed");
    }
}

/// How many `begin` lines (`BEGIN:VEVENT`) stand directly in the VCALENDAR of `text`;
/// components nested in them (stored data may nest anything) do not count.
fn top_level(text: &[u8], begin: &str) -> usize {
    let mut depth = 0usize;
    let mut count = 0;
    for line in text.split(|byte| *byte == b'\n') {
        let line = line.trim_ascii_end();
        if line.starts_with(b"BEGIN:") {
            if depth == 1 && line == begin.as_bytes() {
                count += 1;
            }
            depth += 1;
        } else if line.starts_with(b"END:") {
            depth = depth.saturating_sub(1);
        }
    }
    count
}

/// A range from the first bytes of an input, and the rest: a start in 2000..2040 and a
/// length of up to about three years, or the whole 2000..2040 when the input is short.
fn range_and_rest(data: &[u8]) -> (TimeRange, &[u8]) {
    match data {
        [a, b, c, rest @ ..] if !data.starts_with(b"BEGIN") => {
            let start = FROM + i64::from(u16::from_le_bytes([*a, *b])) * 20_000;
            let length = 3600 + i64::from(*c) * 400_000;
            let range = TimeRange {
                start: Some(start),
                end: Some(start + length),
            };
            (range, rest)
        }
        _ => (whole_range(), data),
    }
}

fn whole_range() -> TimeRange {
    TimeRange {
        start: Some(FROM),
        end: Some(TO),
    }
}

/// expand and limit-recurrence-set of a stored object: at most the instance cap of
/// instances, each in the range, and the object's UID on every one. An input starting
/// with `BEGIN` is expanded over 2000..2040; otherwise its first three bytes choose the
/// range.
pub fn ical_expand(data: &[u8]) {
    let (range, ics) = range_and_rest(data);
    let limits = limits();
    let Ok(object) = CalendarObject::parse(ics, &limits.content) else {
        return;
    };
    let _ = object.is_recurring();
    let max_bytes = limits.max_report_calendar_data_bytes;
    for request in [
        CalendarDataRequest {
            expand: Some(range),
            ..CalendarDataRequest::default()
        },
        CalendarDataRequest {
            limit_recurrence_set: Some(range),
            ..CalendarDataRequest::default()
        },
    ] {
        check_render(&object, &request, max_bytes);
    }
    // The overlap test over the same range agrees with what expand writes.
    let expanded = object.render(
        &CalendarDataRequest {
            expand: Some(range),
            ..CalendarDataRequest::default()
        },
        max_bytes,
    );
    if let Ok(text) = expanded {
        let main = format!("BEGIN:{}", object.index().component.as_str());
        let any = text
            .split(|byte| *byte == b'\n')
            .any(|line| line.trim_ascii_end() == main.as_bytes());
        if any {
            assert!(
                object.overlaps(&range),
                "expand wrote instances outside {range:?}"
            );
        }
    }
}

/// free-busy-query over a stored object: busy periods are non-empty, ordered, inside
/// the range; the VFREEBUSY built from them is one VCALENDAR; and an object with busy time is one
/// the store's window keeps.
pub fn ical_freebusy(data: &[u8]) {
    let (range, ics) = range_and_rest(data);
    let limits = limits();
    let Ok(object) = CalendarObject::parse(ics, &limits.content) else {
        return;
    };
    let periods = match object.busy_periods(&range) {
        Ok(periods) => periods,
        Err(error) => {
            assert_eq!(error.0, limits.content.max_instances);
            return has_reason(&error);
        }
    };
    let (from, to) = (range.start.unwrap(), range.end.unwrap());
    for period in &periods {
        assert!(period.start < period.end, "{period:?}");
        assert!(
            from <= period.start && period.end <= to,
            "{period:?} outside {range:?}"
        );
    }
    if !periods.is_empty() {
        let row = stored_row("event.ics", &object, None);
        assert!(
            window_keeps(&row, &range),
            "busy in {range:?} but indexed {:?}..{:?}",
            row.start_at,
            row.end_at
        );
    }
    let mut busy = davgate::content::ical::BusyTime::default();
    busy.add(periods);
    let answer = busy.into_calendar(&range);
    let text = String::from_utf8(answer).expect("a free-busy answer in UTF-8");
    assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
    assert!(text.trim_end().ends_with("END:VCALENDAR"), "{text}");
}
