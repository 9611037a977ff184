//! Busy time for free-busy-query (RFC 4791 7.10): what an object contributes, and the
//! VFREEBUSY answer built from everyone's periods.

use calcard::icalendar::{
    ICalendarComponent, ICalendarFreeBusyType, ICalendarParameterName, ICalendarParameterValue,
    ICalendarPeriod, ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};

use super::instances::{expand, main_components};
use super::zones::{ical_utc, DAY};
use super::{BusyKind, BusyPeriod, CalendarObject, ComponentKind};
use crate::content::query::TimeRange;

/// Instances expanded at most for one free-busy query.
const MAX_INSTANCES: usize = 100_000;

/// The FREEBUSY periods of a stored VFREEBUSY, FBTYPE=FREE left out.
pub(super) fn stored_periods(
    object: &CalendarObject,
    component: &ICalendarComponent,
) -> Vec<BusyPeriod> {
    let mut periods = Vec::new();
    for entry in component.properties(&ICalendarProperty::Freebusy) {
        let kind = match entry.parameter(&ICalendarParameterName::Fbtype) {
            Some(ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::Free)) => continue,
            Some(ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::BusyTentative)) => {
                BusyKind::Tentative
            }
            Some(ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::BusyUnavailable)) => {
                BusyKind::Unavailable
            }
            _ => BusyKind::Busy,
        };
        for value in &entry.values {
            let ICalendarValue::Period(period) = value else {
                continue;
            };
            let (start, end) = match period {
                ICalendarPeriod::Range { start, end } => {
                    let start = object.zones.value(start, None);
                    let end = object.zones.value(end, None);
                    match (start, end) {
                        (Some(start), Some(end)) => {
                            (object.zones.utc(&start), object.zones.utc(&end))
                        }
                        _ => continue,
                    }
                }
                ICalendarPeriod::Duration { start, duration } => {
                    match object.zones.value(start, None) {
                        Some(start) => {
                            let start = object.zones.utc(&start);
                            (start, start + duration.as_seconds())
                        }
                        None => continue,
                    }
                }
            };
            periods.push(BusyPeriod { start, end, kind });
        }
    }
    periods
}

pub(super) fn busy_periods(object: &CalendarObject, range: &TimeRange) -> Vec<BusyPeriod> {
    let from = range.start.unwrap_or(i64::MIN);
    let to = range.end.unwrap_or(i64::MAX);
    let clip = |start: i64, end: i64, kind| {
        (start < to && end > from && end > start).then(|| BusyPeriod {
            start: start.max(from),
            end: end.min(to),
            kind,
        })
    };
    match object.kind {
        ComponentKind::Event => {
            let until = range.end.or(range.start.map(|start| start + 366 * DAY));
            expand(object, until, MAX_INSTANCES)
                .occurrences
                .iter()
                .filter_map(|occurrence| {
                    let component = &object.ical.components[occurrence.source];
                    let kind = busy_kind(component)?;
                    clip(occurrence.start?, occurrence.effective_end()?, kind)
                })
                .collect()
        }
        ComponentKind::FreeBusy => main_components(object)
            .into_iter()
            .flat_map(|index| stored_periods(object, &object.ical.components[index]))
            .filter_map(|period| clip(period.start, period.end, period.kind))
            .collect(),
        ComponentKind::Todo | ComponentKind::Journal => Vec::new(),
    }
}

/// How busy an event makes its attendee; None for transparent and cancelled events.
fn busy_kind(component: &ICalendarComponent) -> Option<BusyKind> {
    if component.transparency() == Some(&ICalendarTransparency::Transparent) {
        return None;
    }
    match component.status() {
        Some(ICalendarStatus::Cancelled) => None,
        Some(ICalendarStatus::Tentative) => Some(BusyKind::Tentative),
        _ => Some(BusyKind::Busy),
    }
}

/// A VCALENDAR with one VFREEBUSY for `range`, periods of each kind merged, in UTC.
pub fn freebusy_calendar(range: &TimeRange, periods: &[BusyPeriod]) -> Vec<u8> {
    let mut sorted = periods.to_vec();
    sorted.sort_by_key(|period| (period.kind, period.start, period.end));
    let mut merged: Vec<BusyPeriod> = Vec::new();
    for period in sorted {
        match merged.last_mut() {
            Some(last) if last.kind == period.kind && period.start <= last.end => {
                last.end = last.end.max(period.end);
            }
            _ => merged.push(period),
        }
    }
    merged.sort_by_key(|period| (period.start, period.kind));
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//davgate//EN\r\n");
    out.push_str("BEGIN:VFREEBUSY\r\n");
    out.push_str(&format!(
        "DTSTAMP:{}\r\n",
        ical_utc(chrono::Utc::now().timestamp())
    ));
    if let Some(start) = range.start {
        out.push_str(&format!("DTSTART:{}\r\n", ical_utc(start)));
    }
    if let Some(end) = range.end {
        out.push_str(&format!("DTEND:{}\r\n", ical_utc(end)));
    }
    for period in merged {
        let kind = match period.kind {
            BusyKind::Busy => String::new(),
            other => format!(";FBTYPE={}", other.as_str()),
        };
        out.push_str(&format!(
            "FREEBUSY{kind}:{}/{}\r\n",
            ical_utc(period.start),
            ical_utc(period.end)
        ));
    }
    out.push_str("END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    out.into_bytes()
}
