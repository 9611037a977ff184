//! What a calendar object a client submits must satisfy beyond RFC 4791 4.1, so that
//! davgate never stores what it cannot index, serve or evaluate at bounded cost: the
//! content-line structure within the limits, one UID per component that the store's index
//! takes, no control characters in the values the index keeps, and at most so many
//! attendees and alarms per component.

use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarProperty, ICalendarValue,
};

use super::parse::kind_of;
use super::CalendarError;
use crate::content::limits::ContentLimits;
use crate::content::structure;

/// The text before it is parsed: what `structure::check` refuses. Data that is not
/// UTF-8 is left to the parser, which names that.
pub(super) fn check_text(data: &[u8], limits: &ContentLimits) -> Result<(), CalendarError> {
    match std::str::from_utf8(data) {
        Ok(text) => structure::check(text, limits).map_err(CalendarError::InvalidData),
        Err(_) => Ok(()),
    }
}

/// The parsed object, every component of it.
pub(super) fn check_object(ical: &ICalendar, limits: &ContentLimits) -> Result<(), CalendarError> {
    let invalid = |reason: String| Err(CalendarError::InvalidData(reason));
    for component in &ical.components {
        let name = component.component_type.as_str();
        let mut uids = component
            .entries
            .iter()
            .filter(|entry| entry.name == ICalendarProperty::Uid);
        if let Some(uid) = uids.next() {
            if uids.next().is_some() {
                return invalid(format!("{name} has more than one UID"));
            }
            let text = text_of(uid);
            if text.len() > limits.max_uid_bytes {
                return invalid(format!(
                    "{name}: the UID is longer than {} bytes",
                    limits.max_uid_bytes
                ));
            }
            if structure::has_control(&text) {
                return invalid(format!("{name}: the UID holds a control character"));
            }
        }
        if kind_of(&component.component_type).is_none() {
            continue;
        }
        if let Some(summary) = component
            .entries
            .iter()
            .filter(|entry| entry.name == ICalendarProperty::Summary)
            .find(|entry| structure::has_control(&text_of(entry)))
        {
            return invalid(format!(
                "{name}: {} holds a control character",
                summary.name.as_str()
            ));
        }
        let attendees = component
            .entries
            .iter()
            .filter(|entry| entry.name == ICalendarProperty::Attendee)
            .count();
        if attendees > limits.max_attendees_per_event {
            return Err(CalendarError::TooManyAttendees(format!(
                "{name} has {attendees} attendees; at most {} are taken",
                limits.max_attendees_per_event
            )));
        }
        let alarms = component
            .component_ids
            .iter()
            .filter_map(|id| ical.components.get(*id as usize))
            .filter(|child| child.component_type == ICalendarComponentType::VAlarm)
            .count();
        if alarms > limits.max_alarms_per_event {
            return invalid(format!(
                "{name} has {alarms} alarms; at most {} are taken",
                limits.max_alarms_per_event
            ));
        }
    }
    Ok(())
}

/// A property's values as the index would keep them: decoded text, comma separated.
fn text_of(entry: &ICalendarEntry) -> String {
    entry
        .values
        .iter()
        .map(|value| match value {
            ICalendarValue::Text(text) => text.clone(),
            ICalendarValue::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            other => other.clone().into_text().unwrap_or_default().into_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}
