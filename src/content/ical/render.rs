//! calendar-data output (RFC 4791 9.6): component and property selection, expansion of
//! recurrences into UTC instances, and limiting of recurrence and free-busy sets.

use calcard::icalendar::{
    ICalendarComponentType, ICalendarEntry, ICalendarParameter, ICalendarParameterName,
    ICalendarPeriod, ICalendarProperty, ICalendarValue, ICalendarValueType,
};

use super::filter::occurrence_overlaps;
use super::instances::{base, expand, this_and_future, End, Occurrence};
use super::parse::kind_of;
use super::zones::{local_value, utc_value};
use super::CalendarObject;
use crate::content::query::{CalendarDataRequest, CompSelection, TimeRange};

const MAX_INSTANCES: usize = 100_000;

/// A component ready to be written.
struct Node {
    component_type: ICalendarComponentType,
    entries: Vec<ICalendarEntry>,
    children: Vec<Node>,
}

pub(super) fn render(object: &CalendarObject, request: &CalendarDataRequest) -> Vec<u8> {
    if *request == CalendarDataRequest::default() {
        return object.data.clone();
    }
    let root = &object.ical.components[0];
    let mut children = Vec::new();
    if let Some(range) = &request.expand {
        children.extend(expanded(object, range));
    } else {
        for id in &root.component_ids {
            let index = *id as usize;
            let component = &object.ical.components[index];
            if kind_of(&component.component_type).is_some() {
                if let Some(range) = &request.limit_recurrence_set {
                    if !in_recurrence_set(object, index, range) {
                        continue;
                    }
                }
            }
            children.push(node(object, index));
        }
    }
    if let Some(range) = &request.limit_freebusy_set {
        for child in &mut children {
            if child.component_type == ICalendarComponentType::VFreebusy {
                limit_freebusy(object, child, range);
            }
        }
    }
    let top = Node {
        component_type: ICalendarComponentType::VCalendar,
        entries: root.entries.clone(),
        children,
    };
    let mut out = String::new();
    write(&top, request.comp.as_ref(), &mut out);
    out.into_bytes()
}

fn node(object: &CalendarObject, index: usize) -> Node {
    let component = &object.ical.components[index];
    Node {
        component_type: component.component_type.clone(),
        entries: component.entries.clone(),
        children: component
            .component_ids
            .iter()
            .map(|id| node(object, *id as usize))
            .collect(),
    }
}

/// A limited recurrence set keeps the master and the overridden instances that touch
/// the range (RFC 4791 9.6.6).
fn in_recurrence_set(object: &CalendarObject, index: usize, range: &TimeRange) -> bool {
    let component = &object.ical.components[index];
    if !component.is_recurrence_override() {
        return true;
    }
    let occurrence = base(object, index);
    let changes_later = this_and_future(component)
        && occurrence
            .rid
            .is_some_and(|rid| range.end.is_none_or(|end| rid.utc < end));
    changes_later || occurrence_overlaps(object, &occurrence, range)
}

/// The instances overlapping `range`, each a component of its own in UTC.
fn expanded(object: &CalendarObject, range: &TimeRange) -> Vec<Node> {
    let mut occurrences: Vec<Occurrence> = expand(object, range.end, MAX_INSTANCES)
        .occurrences
        .into_iter()
        .filter(|occurrence| occurrence_overlaps(object, occurrence, range))
        .collect();
    occurrences.sort_by_key(|occurrence| occurrence.start);
    occurrences
        .iter()
        .map(|occurrence| instance_node(object, occurrence))
        .collect()
}

fn instance_node(object: &CalendarObject, occurrence: &Occurrence) -> Node {
    let mut node = node(object, occurrence.source);
    node.entries.retain(|entry| {
        !matches!(
            entry.name,
            ICalendarProperty::Rrule
                | ICalendarProperty::Rdate
                | ICalendarProperty::Exdate
                | ICalendarProperty::Exrule
                | ICalendarProperty::RecurrenceId
        )
    });
    let date = |utc: i64| {
        if occurrence.is_date {
            let local = object
                .zones
                .utc_to_local(utc, super::zones::Anchor::Floating);
            local_value(local, true)
        } else {
            utc_value(utc)
        }
    };
    for entry in &mut node.entries {
        let replacement = match entry.name {
            ICalendarProperty::Dtstart => occurrence.start.map(date),
            ICalendarProperty::Dtend => match occurrence.end {
                End::At(end) => Some(date(end)),
                _ => None,
            },
            ICalendarProperty::Due => match occurrence.end {
                End::Due(due) => Some(date(due)),
                _ => None,
            },
            _ => None,
        };
        if let Some(value) = replacement {
            entry.values = vec![ICalendarValue::PartialDateTime(Box::new(value))];
            entry
                .params
                .retain(|param| param.name != ICalendarParameterName::Tzid);
        } else {
            to_utc(object, entry);
        }
    }
    if let Some(rid) = occurrence.rid {
        let value = if rid.is_date {
            local_value(rid.local, true)
        } else {
            utc_value(rid.utc)
        };
        let mut entry = ICalendarEntry::new(ICalendarProperty::RecurrenceId);
        if rid.is_date {
            entry = entry.with_param(ICalendarParameter::new(
                ICalendarParameterName::Value,
                ICalendarValueType::Date,
            ));
        }
        entry.values = vec![ICalendarValue::PartialDateTime(Box::new(value))];
        node.entries.push(entry);
    }
    node
}

/// Date-times with a TZID become UTC, since expanded output carries no VTIMEZONE.
fn to_utc(object: &CalendarObject, entry: &mut ICalendarEntry) {
    let Some(tzid) = entry.tz_id().map(str::to_string) else {
        return;
    };
    for value in &mut entry.values {
        if let ICalendarValue::PartialDateTime(date) = value {
            if let Some(parsed) = object.zones.value(date, Some(&tzid)) {
                if !parsed.is_date {
                    **date = utc_value(object.zones.utc(&parsed));
                }
            }
        }
    }
    entry
        .params
        .retain(|param| param.name != ICalendarParameterName::Tzid);
}

/// Keeps the FREEBUSY periods that overlap `range` (RFC 4791 9.6.7).
fn limit_freebusy(object: &CalendarObject, node: &mut Node, range: &TimeRange) {
    let utc = |value: &calcard::common::PartialDateTime| {
        object
            .zones
            .value(value, None)
            .map(|value| object.zones.utc(&value))
    };
    for entry in &mut node.entries {
        if entry.name != ICalendarProperty::Freebusy {
            continue;
        }
        entry.values.retain(|value| {
            let ICalendarValue::Period(period) = value else {
                return true;
            };
            let (start, end) = match period {
                ICalendarPeriod::Range { start, end } => (utc(start), utc(end)),
                ICalendarPeriod::Duration { start, duration } => {
                    let start = utc(start);
                    (start, start.map(|start| start + duration.as_seconds()))
                }
            };
            match (start, end) {
                (Some(start), Some(end)) => {
                    range.start.is_none_or(|from| end > from)
                        && range.end.is_none_or(|to| start < to)
                }
                _ => false,
            }
        });
    }
    node.entries
        .retain(|entry| entry.name != ICalendarProperty::Freebusy || !entry.values.is_empty());
}

fn write(node: &Node, selection: Option<&CompSelection>, out: &mut String) {
    let name = node.component_type.as_str();
    out.push_str("BEGIN:");
    out.push_str(name);
    out.push_str("\r\n");
    for entry in &node.entries {
        let chosen = match selection.and_then(|selection| selection.props.as_ref()) {
            None => Some(false),
            Some(props) => props
                .iter()
                .find(|prop| entry.name.as_str().eq_ignore_ascii_case(&prop.name))
                .map(|prop| prop.novalue),
        };
        match chosen {
            Some(false) => {
                let _ = entry.write_to(out);
            }
            Some(true) => {
                let mut bare = entry.clone();
                bare.values.clear();
                let _ = bare.write_to(out);
            }
            None => {}
        }
    }
    for child in &node.children {
        match selection.and_then(|selection| selection.comps.as_ref()) {
            None => write(child, None, out),
            Some(comps) => {
                if let Some(chosen) = comps.iter().find(|comp| {
                    comp.name
                        .eq_ignore_ascii_case(child.component_type.as_str())
                }) {
                    write(child, Some(chosen), out);
                }
            }
        }
    }
    out.push_str("END:");
    out.push_str(name);
    out.push_str("\r\n");
}
