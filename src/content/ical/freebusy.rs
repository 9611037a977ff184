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

/// An object's busy time in a range would take more instances than it may be expanded
/// to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event has more than {0} instances in the range")]
pub struct TooManyInstances(pub usize);

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

pub(super) fn busy_periods(
    object: &CalendarObject,
    range: &TimeRange,
) -> Result<Vec<BusyPeriod>, TooManyInstances> {
    let from = range.start.unwrap_or(i64::MIN);
    let to = range.end.unwrap_or(i64::MAX);
    let clip = |start: i64, end: i64, kind| {
        (start < to && end > from && end > start).then(|| BusyPeriod {
            start: start.max(from),
            end: end.min(to),
            kind,
        })
    };
    Ok(match object.kind {
        ComponentKind::Event => {
            let until = range.end.or(range.start.map(|start| start + 366 * DAY));
            let expansion = expand(object, until, object.max_instances);
            if !expansion.covered {
                return Err(TooManyInstances(object.max_instances));
            }
            expansion
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
    })
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

/// The busy time of a free-busy-query as objects add theirs, kept merged so that it
/// never holds much more than the periods the answer will list.
#[derive(Debug, Default)]
pub struct BusyTime {
    periods: Vec<BusyPeriod>,
    /// Length after the last merge; the next merge comes when it has doubled.
    merged_len: usize,
    /// Bytes of the FREEBUSY lines of the first `merged_len` periods.
    merged_bytes: usize,
}

/// The longest FREEBUSY line: `FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:<utc>/<utc>` and CRLF.
const LONGEST_LINE: usize = 68;

/// Bytes of the FREEBUSY line listing `period` in the answer.
fn line_bytes(period: &BusyPeriod) -> usize {
    let kind = match period.kind {
        BusyKind::Busy => 0,
        other => ";FBTYPE=".len() + other.as_str().len(),
    };
    // FREEBUSY, the kind, ':', two UTC date-times (16 bytes each), '/', CRLF.
    "FREEBUSY".len() + kind + 1 + 16 + 1 + 16 + 2
}

impl BusyTime {
    pub fn add(&mut self, periods: Vec<BusyPeriod>) {
        self.periods.extend(periods);
        if self.periods.len() > 2 * self.merged_len.max(1024) {
            self.merge_now();
        }
    }

    fn merge_now(&mut self) {
        self.periods = merge(std::mem::take(&mut self.periods));
        self.merged_len = self.periods.len();
        self.merged_bytes = self.periods.iter().map(line_bytes).sum();
    }

    /// Whether the FREEBUSY lines of the answer would take more than `max` bytes. The
    /// periods are merged first when those added since the last merge could make it so.
    pub fn lists_more_than(&mut self, max: usize) -> bool {
        let unmerged = self.periods.len() - self.merged_len;
        if self.merged_bytes + unmerged.saturating_mul(LONGEST_LINE) <= max {
            return false;
        }
        self.merge_now();
        self.merged_bytes > max
    }

    /// Bytes of the FREEBUSY lines the answer will list, merged first.
    pub fn listed_bytes(&mut self) -> usize {
        if self.merged_len != self.periods.len() {
            self.merge_now();
        }
        self.merged_bytes
    }

    /// The VCALENDAR answering the query for `range`.
    pub fn into_calendar(self, range: &TimeRange) -> Vec<u8> {
        freebusy_calendar(range, &self.periods)
    }

    /// The iTIP message (a REPLY to a free/busy request, or a PUBLISH) listing the busy
    /// time in `range`.
    pub fn into_message(self, header: &FreeBusyHeader<'_>, range: &TimeRange) -> Vec<u8> {
        freebusy_message(header, range, &self.periods)
    }
}

/// What an iTIP VFREEBUSY names besides its periods (RFC 5546 3.3.2, 3.3.3): the METHOD
/// of the VCALENDAR, and who asked about whom.
#[derive(Debug, Clone, Copy, Default)]
pub struct FreeBusyHeader<'a> {
    pub method: Option<&'a str>,
    pub organizer: Option<&'a str>,
    pub attendee: Option<&'a str>,
    pub uid: Option<&'a str>,
}

/// Periods of each kind merged where they touch or overlap, ordered by kind and start.
fn merge(mut periods: Vec<BusyPeriod>) -> Vec<BusyPeriod> {
    periods.sort_by_key(|period| (period.kind, period.start, period.end));
    let mut merged: Vec<BusyPeriod> = Vec::with_capacity(periods.len());
    for period in periods {
        match merged.last_mut() {
            Some(last) if last.kind == period.kind && period.start <= last.end => {
                last.end = last.end.max(period.end);
            }
            _ => merged.push(period),
        }
    }
    merged
}

/// A VCALENDAR with one VFREEBUSY for `range`, periods of each kind merged, in UTC.
pub fn freebusy_calendar(range: &TimeRange, periods: &[BusyPeriod]) -> Vec<u8> {
    freebusy_message(&FreeBusyHeader::default(), range, periods)
}

/// `freebusy_calendar` with the METHOD, ORGANIZER, ATTENDEE and UID of `header`.
pub fn freebusy_message(
    header: &FreeBusyHeader<'_>,
    range: &TimeRange,
    periods: &[BusyPeriod],
) -> Vec<u8> {
    let mut merged = merge(periods.to_vec());
    merged.sort_by_key(|period| (period.start, period.kind));
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//davgate//EN\r\n");
    if let Some(method) = header.method {
        out.push_str(&format!("METHOD:{method}\r\n"));
    }
    out.push_str("BEGIN:VFREEBUSY\r\n");
    if let Some(uid) = header.uid {
        push_folded(&mut out, &format!("UID:{}", escape_text(uid)));
    }
    if let Some(organizer) = header.organizer {
        push_folded(
            &mut out,
            &format!("ORGANIZER:{}", without_breaks(organizer)),
        );
    }
    if let Some(attendee) = header.attendee {
        push_folded(&mut out, &format!("ATTENDEE:{}", without_breaks(attendee)));
    }
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
        // BUSY is the default (RFC 5545 3.2.9); iTIP messages name it all the same, as
        // schedulers expect.
        let kind = match period.kind {
            BusyKind::Busy if header.method.is_none() => String::new(),
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

/// A TEXT value escaped (RFC 5545 3.3.11).
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value without the control characters a content line cannot carry.
fn without_breaks(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// `line` and CRLF, folded after at most 75 octets per line (RFC 5545 3.1) without
/// splitting a character.
fn push_folded(out: &mut String, line: &str) {
    let mut room = 75;
    for c in line.chars() {
        if c.len_utf8() > room {
            out.push_str("\r\n ");
            room = 74;
        }
        out.push(c);
        room -= c.len_utf8();
    }
    out.push_str("\r\n");
}
