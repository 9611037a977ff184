//! The calendar-query model (RFC 4791 9.7 and 9.6): what a REPORT body asks, parsed by
//! `dav::report` and evaluated by `content::ical`. Times are UTC epoch seconds.

use super::text_match::TextMatch;

/// `CALDAV:time-range`: start inclusive, end exclusive; a missing bound is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// `CALDAV:comp-filter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompFilter {
    /// Component name, upper case: VCALENDAR, VEVENT, VTODO, VJOURNAL, VFREEBUSY, VALARM,
    /// VTIMEZONE.
    pub name: String,
    /// `is-not-defined`: passes when no such component exists; the other tests are absent.
    pub is_not_defined: bool,
    pub time_range: Option<TimeRange>,
    pub prop_filters: Vec<PropFilter>,
    pub comp_filters: Vec<CompFilter>,
}

/// `CALDAV:prop-filter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PropFilter {
    /// Property name, upper case: SUMMARY, UID, ATTENDEE, ...
    pub name: String,
    pub is_not_defined: bool,
    pub time_range: Option<TimeRange>,
    pub text_match: Option<TextMatch>,
    pub param_filters: Vec<ParamFilter>,
}

/// `CALDAV:param-filter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParamFilter {
    /// Parameter name, upper case: PARTSTAT, TZID, ...
    pub name: String,
    pub is_not_defined: bool,
    pub text_match: Option<TextMatch>,
}

/// `CALDAV:calendar-data` in a report or PROPFIND: which parts of each object to return.
/// The default (everything `None`/empty) returns the stored object unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarDataRequest {
    /// `CALDAV:comp` selection rooted at VCALENDAR; None = the whole object.
    pub comp: Option<CompSelection>,
    /// `CALDAV:expand`: recurrence instances in the range as separate components, in UTC.
    pub expand: Option<TimeRange>,
    /// `CALDAV:limit-recurrence-set`: the master plus the overrides that touch the range.
    pub limit_recurrence_set: Option<TimeRange>,
    /// `CALDAV:limit-freebusy-set`: FREEBUSY values of VFREEBUSY limited to the range.
    pub limit_freebusy_set: Option<TimeRange>,
}

/// `CALDAV:comp` with its `allprop`/`prop` and `allcomp`/`comp` children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompSelection {
    pub name: String,
    /// None = `allprop` (or nothing said); Some(names) = only these properties.
    pub props: Option<Vec<PropSelection>>,
    /// None = `allcomp` (or nothing said); Some(comps) = only these sub-components.
    pub comps: Option<Vec<CompSelection>>,
}

/// `CALDAV:prop name=".." novalue=".."`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PropSelection {
    pub name: String,
    pub novalue: bool,
}
