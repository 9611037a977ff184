//! The index columns of a calendar object: UID, component type, summary, and the span of
//! the whole recurrence set, which is never narrower than the real one.

use calcard::icalendar::{ICalendarProperty, ICalendarValue};

use super::instances::{base, expand, is_endless, main_components, Occurrence};
use super::zones::date_utc;
use super::{CalendarObject, ComponentKind, ObjectIndex};

pub(super) fn build(object: &CalendarObject) -> ObjectIndex {
    let components = main_components(object);
    let master = components
        .iter()
        .map(|index| &object.ical.components[*index])
        .find(|component| !component.is_recurrence_override())
        .or_else(|| {
            components
                .first()
                .map(|index| &object.ical.components[*index])
        });
    let uid = master
        .and_then(|component| component.uid())
        .unwrap_or_default()
        .to_string();
    let summary = master
        .and_then(|component| component.property(&ICalendarProperty::Summary))
        .and_then(|entry| entry.values.first())
        .and_then(ICalendarValue::as_text)
        .map(str::to_string);
    let (first_start, last_end) = span(object);
    ObjectIndex {
        uid,
        component: object.kind,
        first_start,
        last_end,
        summary,
    }
}

/// The first start and last end of the recurrence set. An endless recurrence is walked
/// only as far as its first instance; any other as far as the instance cap allows, and
/// counts as unbounded when that does not reach its end.
fn span(object: &CalendarObject) -> (Option<i64>, Option<i64>) {
    let horizon = date_utc(2200, 1, 1);
    let endless = is_endless(object);
    let until = if endless {
        main_components(object)
            .into_iter()
            .filter_map(|index| base(object, index).start)
            .min()
            .map(|start| start + 1)
    } else {
        Some(horizon)
    };
    let expansion = expand(object, until, object.max_instances);
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    let mut timeless = false;
    for occurrence in &expansion.occurrences {
        match bounds(object, occurrence) {
            Some((start, end)) => {
                first = Some(first.map_or(start, |first| first.min(start)));
                last = Some(last.map_or(end, |last| last.max(end)));
            }
            None => timeless = true,
        }
    }
    if timeless {
        return (None, None);
    }
    if endless || !expansion.complete {
        last = None;
    }
    (first, last)
}

/// The earliest and latest time an instance can match a time range (RFC 4791 9.9).
fn bounds(object: &CalendarObject, occurrence: &Occurrence) -> Option<(i64, i64)> {
    let end = occurrence.effective_end();
    match object.kind {
        ComponentKind::Event | ComponentKind::Journal => {
            let start = occurrence.start?;
            Some((start, end.unwrap_or(start).max(start)))
        }
        ComponentKind::Todo => {
            let component = &object.ical.components[occurrence.source];
            let mut times: Vec<i64> = occurrence.start.into_iter().chain(end).collect();
            for property in [ICalendarProperty::Completed, ICalendarProperty::Created] {
                if let Some(value) = super::instances::date_property(object, component, property) {
                    times.push(object.zones.utc(&value));
                }
            }
            if occurrence.start.is_none() && end.is_none() {
                // Only COMPLETED/CREATED: CREATED alone matches every later range.
                let created_only = component.has_property(&ICalendarProperty::Created)
                    && !component.has_property(&ICalendarProperty::Completed);
                if created_only || times.is_empty() {
                    return None;
                }
            }
            Some((*times.iter().min()?, *times.iter().max()?))
        }
        ComponentKind::FreeBusy => {
            let component = &object.ical.components[occurrence.source];
            let mut times: Vec<i64> = occurrence.start.into_iter().chain(end).collect();
            for super::BusyPeriod { start, end, .. } in
                super::freebusy::stored_periods(object, component)
            {
                times.push(start);
                times.push(end);
            }
            Some((*times.iter().min()?, *times.iter().max()?))
        }
    }
}
