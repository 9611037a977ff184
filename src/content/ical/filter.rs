//! calendar-query filters (RFC 4791 9.7) evaluated on one object, with the time-range
//! rules of RFC 4791 9.9 applied to every instance of a recurring component.

use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarRelated, ICalendarValue,
};

use super::instances::{base, date_property, expand, End, Occurrence};
use super::parse::kind_of;
use super::zones::DAY;
use super::{CalendarObject, ComponentKind};
use crate::content::query::{CompFilter, ParamFilter, PropFilter, TimeRange};

/// How far alarms may lie from their instance and still be found.
const ALARM_REACH: i64 = 366 * DAY;

pub(super) fn matches(object: &CalendarObject, filter: &CompFilter) -> bool {
    if !filter.name.eq_ignore_ascii_case("VCALENDAR") {
        return filter.is_not_defined;
    }
    if filter.is_not_defined {
        return false;
    }
    if let Some(range) = &filter.time_range {
        if !overlaps(object, range) {
            return false;
        }
    }
    rest_matches(object, 0, filter, None)
}

pub(super) fn overlaps(object: &CalendarObject, range: &TimeRange) -> bool {
    let filter = CompFilter {
        name: object.kind.as_str().to_string(),
        time_range: Some(*range),
        ..CompFilter::default()
    };
    comp_matches(object, 0, &filter, None)
}

/// Properties and sub-components of component `index` against `filter`.
fn rest_matches(
    object: &CalendarObject,
    index: usize,
    filter: &CompFilter,
    occurrence: Option<&Occurrence>,
) -> bool {
    let component = &object.ical.components[index];
    filter
        .prop_filters
        .iter()
        .all(|prop| prop_matches(object, component, prop))
        && filter
            .comp_filters
            .iter()
            .all(|child| comp_matches(object, index, child, occurrence))
}

/// A comp-filter on the children of component `parent`.
fn comp_matches(
    object: &CalendarObject,
    parent: usize,
    filter: &CompFilter,
    occurrence: Option<&Occurrence>,
) -> bool {
    let children: Vec<usize> = object.ical.components[parent]
        .component_ids
        .iter()
        .map(|id| *id as usize)
        .filter(|id| {
            object.ical.components[*id]
                .component_type
                .as_str()
                .eq_ignore_ascii_case(&filter.name)
        })
        .collect();
    if filter.is_not_defined {
        return children.is_empty();
    }
    let is_main = parent == 0
        && children
            .first()
            .is_some_and(|id| kind_of(&object.ical.components[*id].component_type).is_some());
    if is_main && needs_instances(filter) {
        let (until, open) = window(filter);
        let expansion = expand(object, until, object.max_instances);
        let found = expansion
            .occurrences
            .iter()
            .any(|occurrence| occurrence_matches(object, filter, occurrence));
        // An endless recurrence continues past what was walked.
        let continues = open
            && !expansion.complete
            && filter.prop_filters.is_empty()
            && filter.comp_filters.is_empty();
        // A recurrence the instance cap stopped before the range may have instances in
        // it: the object is listed rather than silently missing, if its components pass
        // the rest of the filter.
        let unknown = !expansion.covered
            && children
                .iter()
                .any(|id| rest_matches(object, *id, filter, occurrence));
        return found || continues || unknown;
    }
    children.iter().any(|id| {
        let in_range = match &filter.time_range {
            None => true,
            Some(range) => component_in_range(object, *id, occurrence, range),
        };
        in_range && rest_matches(object, *id, filter, occurrence)
    })
}

fn occurrence_matches(
    object: &CalendarObject,
    filter: &CompFilter,
    occurrence: &Occurrence,
) -> bool {
    let in_range = match &filter.time_range {
        None => true,
        Some(range) => occurrence_overlaps(object, occurrence, range),
    };
    in_range && rest_matches(object, occurrence.source, filter, Some(occurrence))
}

fn component_in_range(
    object: &CalendarObject,
    index: usize,
    occurrence: Option<&Occurrence>,
    range: &TimeRange,
) -> bool {
    let component = &object.ical.components[index];
    match &component.component_type {
        ICalendarComponentType::VAlarm => match occurrence {
            Some(occurrence) => alarm_times(object, component, occurrence)
                .into_iter()
                .any(|time| point_in(range, time)),
            None => false,
        },
        other if kind_of(other).is_some() => {
            occurrence_overlaps(object, &base(object, index), range)
        }
        _ => false,
    }
}

/// Whether a filter (or one below it) has a time range, so instances must be expanded.
fn needs_instances(filter: &CompFilter) -> bool {
    filter.time_range.is_some() || filter.comp_filters.iter().any(needs_instances)
}

/// How far instances are expanded for a filter, and whether a range in it is open-ended.
fn window(filter: &CompFilter) -> (Option<i64>, bool) {
    let mut ends = Vec::new();
    let mut starts = Vec::new();
    let mut open = false;
    let mut alarms = false;
    collect(filter, &mut ends, &mut starts, &mut open, &mut alarms, true);
    let reach = if alarms { ALARM_REACH } else { 0 };
    if open {
        let from = starts.into_iter().max().unwrap_or(0);
        return (
            Some(from.max(ends.into_iter().max().unwrap_or(0)) + 2 * ALARM_REACH),
            true,
        );
    }
    (ends.into_iter().max().map(|end| end + reach), false)
}

fn collect(
    filter: &CompFilter,
    ends: &mut Vec<i64>,
    starts: &mut Vec<i64>,
    open: &mut bool,
    alarms: &mut bool,
    top: bool,
) {
    if let Some(range) = &filter.time_range {
        if !top {
            *alarms = true;
        }
        match range.end {
            Some(end) => ends.push(end),
            None => *open = true,
        }
        starts.extend(range.start);
    }
    for child in &filter.comp_filters {
        collect(child, ends, starts, open, alarms, false);
    }
}

fn point_in(range: &TimeRange, time: i64) -> bool {
    range.start.is_none_or(|start| start <= time) && range.end.is_none_or(|end| end > time)
}

/// RFC 4791 9.9 for one instance.
pub(super) fn occurrence_overlaps(
    object: &CalendarObject,
    occurrence: &Occurrence,
    range: &TimeRange,
) -> bool {
    let from = range.start.unwrap_or(i64::MIN);
    let to = range.end.unwrap_or(i64::MAX);
    let component = &object.ical.components[occurrence.source];
    match object.kind {
        ComponentKind::Event | ComponentKind::Journal => {
            let Some(start) = occurrence.start else {
                return false;
            };
            let end = occurrence.effective_end().unwrap_or(start);
            if end > start {
                from < end && to > start
            } else {
                from <= start && to > start
            }
        }
        ComponentKind::Todo => {
            let utc = |property| {
                date_property(object, component, property).map(|value| object.zones.utc(&value))
            };
            match (occurrence.start, occurrence.end) {
                (Some(start), End::Duration(seconds)) => {
                    let end = start + seconds;
                    from <= end && (to > start || to >= end)
                }
                (Some(start), End::Due(due)) => {
                    (from < due || from <= start) && (to > start || to >= due)
                }
                (Some(start), _) => from <= start && to > start,
                (None, End::Due(due)) => from < due && to >= due,
                (None, _) => {
                    match (
                        utc(ICalendarProperty::Completed),
                        utc(ICalendarProperty::Created),
                    ) {
                        (Some(completed), Some(created)) => {
                            (from <= created || from <= completed)
                                && (to >= created || to >= completed)
                        }
                        (Some(completed), None) => from <= completed && to >= completed,
                        (None, Some(created)) => to > created,
                        (None, None) => true,
                    }
                }
            }
        }
        ComponentKind::FreeBusy => {
            if let (Some(start), End::At(end)) = (occurrence.start, occurrence.end) {
                return from <= end && to > start;
            }
            super::freebusy::stored_periods(object, component)
                .iter()
                .any(|period| from < period.end && to > period.start)
        }
    }
}

/// When the alarms of `alarm` trigger for one instance, repetitions included.
fn alarm_times(
    object: &CalendarObject,
    alarm: &ICalendarComponent,
    occurrence: &Occurrence,
) -> Vec<i64> {
    let Some(trigger) = alarm.property(&ICalendarProperty::Trigger) else {
        return Vec::new();
    };
    let first = match trigger.values.first() {
        Some(ICalendarValue::Duration(offset)) => {
            let related_end = trigger
                .parameters(&ICalendarParameterName::Related)
                .any(|value| {
                    matches!(
                        value,
                        ICalendarParameterValue::Related(ICalendarRelated::End)
                    )
                });
            let anchor = if related_end {
                occurrence.effective_end()
            } else {
                occurrence.start.or_else(|| occurrence.effective_end())
            };
            match anchor {
                Some(anchor) => anchor + offset.as_seconds(),
                None => return Vec::new(),
            }
        }
        Some(ICalendarValue::PartialDateTime(value)) => {
            match object.zones.value(value, trigger.tz_id()) {
                Some(value) => object.zones.utc(&value),
                None => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    let repeat = alarm
        .property(&ICalendarProperty::Repeat)
        .and_then(|entry| entry.values.first())
        .and_then(ICalendarValue::as_integer)
        .unwrap_or(0)
        .clamp(0, 1000);
    let interval = match alarm
        .property(&ICalendarProperty::Duration)
        .and_then(|entry| entry.values.first())
    {
        Some(ICalendarValue::Duration(duration)) => duration.as_seconds(),
        _ => 0,
    };
    let mut times = vec![first];
    if interval > 0 {
        times.extend((1..=repeat).map(|n| first + n * interval));
    }
    times
}

fn prop_matches(
    object: &CalendarObject,
    component: &ICalendarComponent,
    filter: &PropFilter,
) -> bool {
    let mut entries = component
        .entries
        .iter()
        .filter(|entry| entry.name.as_str().eq_ignore_ascii_case(&filter.name))
        .peekable();
    if filter.is_not_defined {
        return entries.peek().is_none();
    }
    entries.any(|entry| {
        filter
            .time_range
            .as_ref()
            .is_none_or(|range| property_in_range(object, entry, range))
            && filter
                .text_match
                .as_ref()
                .is_none_or(|text| text.matches(&value_text(entry)))
            && filter
                .param_filters
                .iter()
                .all(|param| param_matches(entry, param))
    })
}

/// A date or date-time property against a time range (RFC 4791 9.9, last rule).
fn property_in_range(object: &CalendarObject, entry: &ICalendarEntry, range: &TimeRange) -> bool {
    entry.values.iter().any(|value| {
        let ICalendarValue::PartialDateTime(value) = value else {
            return false;
        };
        let Some(value) = object.zones.value(value, entry.tz_id()) else {
            return false;
        };
        let time = object.zones.utc(&value);
        if value.is_date {
            range.start.is_none_or(|start| start < time + DAY)
                && range.end.is_none_or(|end| end > time)
        } else {
            point_in(range, time)
        }
    })
}

/// The text a text-match sees: the property's values, unescaped, comma separated.
fn value_text(entry: &ICalendarEntry) -> String {
    entry
        .values
        .iter()
        .map(|value| match value.as_text() {
            Some(text) => text.to_string(),
            None => value.clone().into_text().unwrap_or_default().into_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn param_matches(entry: &ICalendarEntry, filter: &ParamFilter) -> bool {
    let mut params = entry
        .params
        .iter()
        .filter(|param| param.name.as_str().eq_ignore_ascii_case(&filter.name))
        .peekable();
    if filter.is_not_defined {
        return params.peek().is_none();
    }
    params.any(|param| {
        filter.text_match.as_ref().is_none_or(|text| {
            let value = match &param.value {
                ICalendarParameterValue::Integer(number) => number.to_string(),
                ICalendarParameterValue::Duration(duration) => duration.to_string(),
                ICalendarParameterValue::Bool(_) if param.name == ICalendarParameterName::Range => {
                    "THISANDFUTURE".to_string()
                }
                other => other.as_text().unwrap_or_default().to_string(),
            };
            text.matches(&value)
        })
    })
}
