//! Parsing a PUT body with calcard and checking it is one calendar object resource
//! (RFC 4791 4.1) whose dates and recurrence rules can be evaluated.

use calcard::datecalc::rrule::RRule;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty, ICalendarValue,
};
use calcard::{Entry, Parser};
use chrono::TimeZone;

use super::{CalendarError, CalendarObject, ComponentKind};

/// The parsed calendar, its component type, and its zones (built once, here).
pub(super) fn parse(
    data: &[u8],
) -> Result<(ICalendar, ComponentKind, super::zones::Zones), CalendarError> {
    let text = std::str::from_utf8(data)
        .map_err(|_| CalendarError::InvalidData("calendar data is not UTF-8".into()))?;
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if !start
        .get(..15)
        .is_some_and(|head| head.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(CalendarError::InvalidData(
            "calendar data does not start with BEGIN:VCALENDAR".into(),
        ));
    }
    let mut parser = Parser::new(text);
    let ical = loop {
        match parser.entry() {
            Entry::ICalendar(ical) => break ical,
            Entry::InvalidLine(_) => continue,
            other => return Err(CalendarError::InvalidData(describe(&other))),
        }
    };
    if ical.components.first().map(|c| &c.component_type)
        != Some(&ICalendarComponentType::VCalendar)
    {
        return Err(CalendarError::InvalidData("no VCALENDAR".into()));
    }
    loop {
        match parser.entry() {
            Entry::Eof => break,
            Entry::InvalidLine(line) if line.trim().is_empty() => continue,
            Entry::ICalendar(_) => {
                return Err(CalendarError::InvalidObjectResource(
                    "more than one VCALENDAR".into(),
                ))
            }
            other => return Err(CalendarError::InvalidData(describe(&other))),
        }
    }
    let kind = check_resource(&ical)?;
    let zones = super::zones::Zones::new(&ical);
    check_values(&ical, kind, &zones)?;
    Ok((ical, kind, zones))
}

fn describe(entry: &Entry) -> String {
    match entry {
        Entry::InvalidLine(line) => format!("invalid line: {line}"),
        Entry::UnexpectedComponentEnd { expected, found } => format!(
            "END:{} where END:{} was expected",
            found.as_str(),
            expected.as_str()
        ),
        Entry::UnterminatedComponent(name) => format!("{name} is not terminated"),
        Entry::TooManyComponents => "too many components".into(),
        Entry::VCard(_) => "a vCard is not calendar data".into(),
        Entry::Eof => "no calendar data".into(),
        _ => "not iCalendar data".into(),
    }
}

/// The children of the VCALENDAR.
pub(super) fn children(ical: &ICalendar) -> impl Iterator<Item = (usize, &ICalendarComponent)> {
    ical.components[0]
        .component_ids
        .iter()
        .filter_map(|id| Some((*id as usize, ical.components.get(*id as usize)?)))
}

pub(super) fn kind_of(component_type: &ICalendarComponentType) -> Option<ComponentKind> {
    match component_type {
        ICalendarComponentType::VEvent => Some(ComponentKind::Event),
        ICalendarComponentType::VTodo => Some(ComponentKind::Todo),
        ICalendarComponentType::VJournal => Some(ComponentKind::Journal),
        ICalendarComponentType::VFreebusy => Some(ComponentKind::FreeBusy),
        _ => None,
    }
}

fn check_resource(ical: &ICalendar) -> Result<ComponentKind, CalendarError> {
    let invalid = |reason: String| Err(CalendarError::InvalidObjectResource(reason));
    if ical.components[0]
        .entries
        .iter()
        .any(|entry| entry.name == ICalendarProperty::Method)
    {
        return invalid("a stored calendar object must not have METHOD".into());
    }
    let mut kind = None;
    let mut uid: Option<&str> = None;
    let mut recurrence_ids = Vec::new();
    let mut masters = 0;
    for (_, component) in children(ical) {
        if component.component_type == ICalendarComponentType::VTimezone {
            continue;
        }
        let Some(this) = kind_of(&component.component_type) else {
            return invalid(format!(
                "{} is not allowed in a calendar object",
                component.component_type.as_str()
            ));
        };
        if kind.is_some_and(|kind| kind != this) {
            return invalid("components of more than one type".into());
        }
        kind = Some(this);
        let Some(this_uid) = component.uid() else {
            return invalid(format!("{} without UID", this.as_str()));
        };
        if uid.is_some_and(|uid| uid != this_uid) {
            return invalid("components with different UIDs".into());
        }
        uid = Some(this_uid);
        match component.property(&ICalendarProperty::RecurrenceId) {
            Some(entry) => {
                let text = entry.values.first().map(|value| format!("{value:?}"));
                if recurrence_ids.contains(&text) {
                    return invalid("two components with one RECURRENCE-ID".into());
                }
                recurrence_ids.push(text);
            }
            None => masters += 1,
        }
    }
    if masters > 1 {
        return invalid("more than one component without RECURRENCE-ID".into());
    }
    match kind {
        Some(kind) => Ok(kind),
        None => invalid("no VEVENT, VTODO, VJOURNAL or VFREEBUSY".into()),
    }
}

const DATE_PROPERTIES: [ICalendarProperty; 10] = [
    ICalendarProperty::Dtstart,
    ICalendarProperty::Dtend,
    ICalendarProperty::Due,
    ICalendarProperty::RecurrenceId,
    ICalendarProperty::Completed,
    ICalendarProperty::Created,
    ICalendarProperty::Dtstamp,
    ICalendarProperty::LastModified,
    ICalendarProperty::Exdate,
    ICalendarProperty::Rdate,
];

/// Properties holding one date that walks over the object read: a value that does not
/// name a real day and time (month 14, day 55) would be dropped there, turning an
/// override into a second master or an event into one without a start.
const SINGLE_DATES: [ICalendarProperty; 4] = [
    ICalendarProperty::Dtstart,
    ICalendarProperty::Dtend,
    ICalendarProperty::Due,
    ICalendarProperty::RecurrenceId,
];

fn check_values(
    ical: &ICalendar,
    kind: ComponentKind,
    zones: &super::zones::Zones,
) -> Result<(), CalendarError> {
    let invalid = |reason: String| Err(CalendarError::InvalidData(reason));
    for (_, component) in children(ical) {
        if kind_of(&component.component_type).is_none() {
            continue;
        }
        let name = component.component_type.as_str();
        for entry in &component.entries {
            if DATE_PROPERTIES.contains(&entry.name) {
                let parses = !entry.values.is_empty()
                    && entry.values.iter().all(|value| match value {
                        ICalendarValue::PartialDateTime(value) => value.has_date(),
                        ICalendarValue::Period(_) => entry.name == ICalendarProperty::Rdate,
                        _ => false,
                    });
                if !parses {
                    return invalid(format!("{name}: {} is not a date", entry.name.as_str()));
                }
                let real = |value: &ICalendarValue| match value {
                    ICalendarValue::PartialDateTime(value) => {
                        zones.value(value, entry.tz_id()).is_some()
                    }
                    _ => true,
                };
                if !entry.values.iter().all(real) {
                    return invalid(format!(
                        "{name}: {} is not a valid date and time",
                        entry.name.as_str()
                    ));
                }
                // calcard reads a malformed value such as 2024121] as a date and marks
                // the whole property VALUE=DATE, turning its date-times into dates
                // once written out again.
                let timed = entry.values.iter().filter_map(|value| match value {
                    ICalendarValue::PartialDateTime(value) => Some(value.has_time()),
                    _ => None,
                });
                if timed.clone().any(|timed| timed) && timed.clone().any(|timed| !timed) {
                    return invalid(format!(
                        "{name}: {} mixes dates and date-times",
                        entry.name.as_str()
                    ));
                }
                if SINGLE_DATES.contains(&entry.name) && zones.entry(entry).is_none() {
                    return invalid(format!(
                        "{name}: {} is not a valid date and time",
                        entry.name.as_str()
                    ));
                }
            }
            if entry.name == ICalendarProperty::Rrule
                && !matches!(
                    entry.values.first(),
                    Some(ICalendarValue::RecurrenceRule(_))
                )
            {
                return invalid(format!("{name}: RRULE does not parse"));
            }
            if entry.name == ICalendarProperty::Duration
                && !matches!(entry.values.first(), Some(ICalendarValue::Duration(_)))
            {
                return invalid(format!("{name}: DURATION does not parse"));
            }
        }
        let date = |property| {
            component
                .property(&property)
                .and_then(|entry| zones.entry(entry))
        };
        let start = date(ICalendarProperty::Dtstart);
        if kind == ComponentKind::Event && start.is_none() {
            return invalid("VEVENT without DTSTART".into());
        }
        if component.has_property(&ICalendarProperty::Dtend)
            && component.has_property(&ICalendarProperty::Duration)
        {
            return invalid(format!("{name} has both DTEND and DURATION"));
        }
        for end_property in [ICalendarProperty::Dtend, ICalendarProperty::Due] {
            if let (Some(start), Some(end)) = (start, date(end_property.clone())) {
                if zones.utc(&end) < zones.utc(&start) {
                    return invalid(format!(
                        "{name}: {} is before DTSTART",
                        end_property.as_str()
                    ));
                }
            }
        }
        if component.has_property(&ICalendarProperty::Rrule) && start.is_none() {
            return invalid(format!("{name}: RRULE without DTSTART"));
        }
    }
    Ok(())
}

/// Every RRULE must be one calcard can expand from its DTSTART.
pub(super) fn check_recurrence(object: &CalendarObject) -> Result<(), CalendarError> {
    for (_, component) in children(&object.ical) {
        let Some(ICalendarValue::RecurrenceRule(rule)) = component
            .property(&ICalendarProperty::Rrule)
            .and_then(|entry| entry.values.first())
        else {
            continue;
        };
        let start = component
            .property(&ICalendarProperty::Dtstart)
            .and_then(|entry| object.zones.entry(entry))
            .ok_or_else(|| CalendarError::InvalidData("RRULE without DTSTART".into()))?;
        let rrule = RRule::from_floating_ical(rule)
            .ok_or_else(|| CalendarError::InvalidData("RRULE has an invalid UNTIL".into()))?;
        let floating = calcard::common::timezone::Tz::Floating
            .from_local_datetime(&start.local)
            .single()
            .ok_or_else(|| CalendarError::InvalidData("DTSTART is not a valid time".into()))?;
        rrule
            .validate(floating)
            .map_err(|error| CalendarError::InvalidData(format!("RRULE: {error}")))?;
    }
    Ok(())
}
