//! iCalendar calendar object resources for CalDAV: validation on write, the index columns,
//! recurrence-aware time ranges, calendar-query filters, calendar-data output and free-busy.

pub mod attach;
mod filter;
mod freebusy;
mod freebusy_request;
mod index;
mod instances;
mod parse;
pub mod private;
mod render;
mod submission;
mod timezone_refs;
mod zones;

use calcard::icalendar::ICalendar;

use super::limits::ContentLimits;
use super::query::{CalendarDataRequest, CompFilter, TimeRange};

pub use freebusy::{
    freebusy_calendar, freebusy_message, BusyTime, FreeBusyHeader, TooManyInstances,
};
pub use freebusy_request::{FreeBusyRequest, FreeBusyRequestError};
pub use render::RenderError;
pub use timezone_refs::TimezoneRefs;
pub use zones::ical_utc;

/// Why a calendar object was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Not parseable iCalendar (answered with `CALDAV:valid-calendar-data`).
    #[error("invalid calendar data: {0}")]
    InvalidData(String),
    /// Parseable, but not one calendar object resource as RFC 4791 4.1 defines it
    /// (answered with `CALDAV:valid-calendar-object-resource`).
    #[error("invalid calendar object resource: {0}")]
    InvalidObjectResource(String),
    /// A component with more ATTENDEEs than an instance may have (answered with
    /// `CALDAV:max-attendees-per-instance`).
    #[error("{0}")]
    TooManyAttendees(String),
}

/// The type of the components a calendar object holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    Event,
    Todo,
    Journal,
    FreeBusy,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "VEVENT",
            Self::Todo => "VTODO",
            Self::Journal => "VJOURNAL",
            Self::FreeBusy => "VFREEBUSY",
        }
    }
}

/// The index columns stored beside the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectIndex {
    pub uid: String,
    pub component: ComponentKind,
    /// Earliest start of any instance in UTC; None when the object has no start at all.
    pub first_start: Option<i64>,
    /// Latest end of any instance in UTC; None when unbounded (an endless RRULE) or when
    /// the object has no time at all (then it is in every range).
    pub last_end: Option<i64>,
    pub summary: Option<String>,
}

/// How busy a period is (`FBTYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BusyKind {
    Busy,
    Tentative,
    Unavailable,
}

impl BusyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "BUSY",
            Self::Tentative => "BUSY-TENTATIVE",
            Self::Unavailable => "BUSY-UNAVAILABLE",
        }
    }
}

/// One busy period in UTC epoch seconds, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusyPeriod {
    pub start: i64,
    pub end: i64,
    pub kind: BusyKind,
}

/// A validated calendar object resource: the client's bytes and their parsed form.
#[derive(Debug, Clone)]
pub struct CalendarObject {
    data: Vec<u8>,
    ical: ICalendar,
    kind: ComponentKind,
    /// Built on first use: walking a long recurrence costs time that reads which only
    /// filter or render never need to pay.
    index: std::sync::OnceLock<ObjectIndex>,
    zones: zones::Zones,
    /// The most instances any walk over the recurrence set may produce.
    max_instances: usize,
}

impl CalendarObject {
    /// Parses and validates a calendar object resource (RFC 4791 4.1): one VCALENDAR
    /// without METHOD, components of one type (VEVENT, VTODO, VJOURNAL or VFREEBUSY) plus
    /// VTIMEZONEs, all with one UID, dates that parse, no DTEND before DTSTART and a
    /// usable RRULE. This is how stored objects are read: their structure is not held to
    /// `limits` (another writer may have stored them), but no walk over the recurrence set
    /// produces more than `limits.max_instances` instances.
    pub fn parse(data: &[u8], limits: &ContentLimits) -> Result<CalendarObject, CalendarError> {
        let (ical, kind, zones) = parse::parse(data)?;
        let object = CalendarObject {
            data: data.to_vec(),
            ical,
            kind,
            index: std::sync::OnceLock::new(),
            zones,
            max_instances: limits.max_instances.max(1),
        };
        parse::check_recurrence(&object)?;
        Ok(object)
    }

    /// Parses a calendar object a client submits: what `parse` checks, and what davgate
    /// stores (`submission`): terminated components nested and numbered within
    /// `limits`, no control characters, one UID per component and not longer than the
    /// limit, at most so many attendees and alarms per component, and every TZID with its
    /// VTIMEZONE or naming a known zone (RFC 7809).
    pub fn parse_submitted(
        data: &[u8],
        limits: &ContentLimits,
    ) -> Result<CalendarObject, CalendarError> {
        submission::check_text(data, limits)?;
        let object = Self::parse(data, limits)?;
        submission::check_object(&object.ical, limits)?;
        timezone_refs::check_references(&object.ical)?;
        Ok(object)
    }

    /// Evaluates floating times and dates in `tzid` (the collection's
    /// `calendar-timezone`) instead of UTC. An unknown zone leaves UTC in place.
    pub fn with_floating_zone(mut self, tzid: &str) -> Self {
        self.zones.set_floating(tzid);
        self
    }

    /// The bytes the object was parsed from.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn index(&self) -> &ObjectIndex {
        self.index.get_or_init(|| index::build(self))
    }

    /// Whether the object passes a calendar-query filter rooted at VCALENDAR
    /// (RFC 4791 9.7), with recurring components expanded for time ranges.
    pub fn matches(&self, filter: &CompFilter) -> bool {
        filter::matches(self, filter)
    }

    /// Whether any instance of the object's components overlaps `range` (RFC 4791 9.9).
    pub fn overlaps(&self, range: &TimeRange) -> bool {
        filter::overlaps(self, range)
    }

    /// calendar-data output (RFC 4791 9.6): the stored bytes for the default request,
    /// otherwise the selected, expanded or limited object as iCalendar text of at most
    /// `max_bytes` bytes, with at most the object's instance cap of instances.
    pub fn render(
        &self,
        request: &CalendarDataRequest,
        max_bytes: usize,
    ) -> Result<Vec<u8>, RenderError> {
        render::render(self, request, max_bytes)
    }

    /// Whether a main component recurs (RRULE or RDATE), so that time ranges, `expand`
    /// and free-busy walk its instances.
    pub fn is_recurring(&self) -> bool {
        instances::main_components(self)
            .into_iter()
            .any(|index| self.ical.components[index].is_recurrent())
    }

    /// Whether `render` returns the stored bytes as they are.
    pub fn renders_as_stored(request: &CalendarDataRequest) -> bool {
        *request == CalendarDataRequest::default()
    }

    /// The object's busy time within `range` for a free-busy-query (RFC 4791 7.10); an
    /// error when the range holds more instances than the object may be expanded to.
    pub fn busy_periods(&self, range: &TimeRange) -> Result<Vec<BusyPeriod>, TooManyInstances> {
        freebusy::busy_periods(self, range)
    }
}

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod validation_tests;
