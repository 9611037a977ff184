//! calendar-data output (RFC 4791 9.6): component and property selection, expansion of
//! recurrences into UTC instances, and limiting of recurrence and free-busy sets.
//!
//! Output is written straight from the parsed object, walking its components with a
//! stack (stored data from other writers may nest without limit) and writing instances
//! one by one without copying the master's properties; it stops at the instance cap and
//! at a byte limit the caller gives.

use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarParameterName, ICalendarPeriod, ICalendarProperty, ICalendarValue, ICalendarValueType,
};

use super::filter::occurrence_overlaps;
use super::instances::{base, expand, this_and_future, End, Occurrence};
use super::parse::kind_of;
use super::zones::{local_value, utc_value};
use super::CalendarObject;
use crate::content::query::{CalendarDataRequest, CompSelection, TimeRange};

/// Why calendar data could not be produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// `expand` would need more instances than the object may be expanded to.
    #[error("the object has more than {0} instances to expand")]
    TooManyInstances(usize),
    /// The output would be longer than the caller allowed.
    #[error("the calendar data would exceed {0} bytes")]
    TooLarge(usize),
}

/// How a component is written: its properties and sub-components as a `CALDAV:comp`
/// selects them (`None`: everything).
type Selection<'a> = Option<&'a CompSelection>;

pub(super) fn render(
    object: &CalendarObject,
    request: &CalendarDataRequest,
    max_bytes: usize,
) -> Result<Vec<u8>, RenderError> {
    if *request == CalendarDataRequest::default() {
        return Ok(object.data.clone());
    }
    let mut out = Output::new(max_bytes);
    let root = &object.ical.components[0];
    let selection = request.comp.as_ref();
    out.begin(&root.component_type);
    for entry in &root.entries {
        out.entry(entry, selection)?;
    }
    if let Some(range) = &request.expand {
        for occurrence in instances(object, range)? {
            let source = &object.ical.components[occurrence.source];
            if let Some(chosen) = chosen(selection, source) {
                write_instance(object, &occurrence, chosen, &mut out)?;
            }
        }
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
            let Some(chosen) = chosen(selection, component) else {
                continue;
            };
            let freebusy = request
                .limit_freebusy_set
                .as_ref()
                .filter(|_| component.component_type == ICalendarComponentType::VFreebusy);
            write_component(object, index, chosen, freebusy, &mut out)?;
        }
    }
    out.end(&root.component_type);
    out.check()?;
    Ok(out.text.into_bytes())
}

/// The selection a child is written with, or None when the parent's selection leaves
/// it out.
fn chosen<'a>(selection: Selection<'a>, child: &ICalendarComponent) -> Option<Selection<'a>> {
    match selection.and_then(|selection| selection.comps.as_ref()) {
        None => Some(None),
        Some(comps) => comps
            .iter()
            .find(|comp| {
                comp.name
                    .eq_ignore_ascii_case(child.component_type.as_str())
            })
            .map(Some),
    }
}

/// Component `index` and everything below it, as `selection` chooses; FREEBUSY values
/// limited to `freebusy` when given.
fn write_component(
    object: &CalendarObject,
    index: usize,
    selection: Selection<'_>,
    freebusy: Option<&TimeRange>,
    out: &mut Output,
) -> Result<(), RenderError> {
    let component = &object.ical.components[index];
    out.begin(&component.component_type);
    for entry in &component.entries {
        match freebusy {
            Some(range) if entry.name == ICalendarProperty::Freebusy => {
                if let Some(limited) = limit_freebusy(object, entry, range) {
                    out.entry(&limited, selection)?;
                }
            }
            _ => out.entry(entry, selection)?,
        }
    }
    write_children(object, component, selection, out)?;
    out.end(&component.component_type);
    Ok(())
}

/// The sub-components of `parent`, depth first, with a stack of its own: the depth of
/// stored data is not bounded.
fn write_children(
    object: &CalendarObject,
    parent: &ICalendarComponent,
    selection: Selection<'_>,
    out: &mut Output,
) -> Result<(), RenderError> {
    let mut stack: Vec<(&ICalendarComponent, Selection<'_>, usize)> = vec![(parent, selection, 0)];
    while let Some((component, selection, next)) = stack.last_mut() {
        let Some(id) = component.component_ids.get(*next) else {
            let (done, _, _) = stack.pop().expect("a component on the stack");
            if stack.is_empty() {
                break;
            }
            out.end(&done.component_type);
            continue;
        };
        *next += 1;
        let child = &object.ical.components[*id as usize];
        let Some(chosen) = chosen(*selection, child) else {
            continue;
        };
        out.begin(&child.component_type);
        for entry in &child.entries {
            out.entry(entry, chosen)?;
        }
        stack.push((child, chosen, 0));
    }
    Ok(())
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

/// The instances overlapping `range` in order of their start; an error when the walk
/// to the end of the range would need more instances than the object may have.
fn instances(object: &CalendarObject, range: &TimeRange) -> Result<Vec<Occurrence>, RenderError> {
    let expansion = expand(object, range.end, object.max_instances);
    if !expansion.covered {
        return Err(RenderError::TooManyInstances(object.max_instances));
    }
    let mut occurrences: Vec<Occurrence> = expansion
        .occurrences
        .into_iter()
        .filter(|occurrence| occurrence_overlaps(object, occurrence, range))
        .collect();
    occurrences.sort_by_key(|occurrence| occurrence.start);
    Ok(occurrences)
}

/// One instance as a component of its own in UTC: the properties of its source component
/// without the recurrence rules, its own start and end, and a RECURRENCE-ID.
fn write_instance(
    object: &CalendarObject,
    occurrence: &Occurrence,
    selection: Selection<'_>,
    out: &mut Output,
) -> Result<(), RenderError> {
    let source = &object.ical.components[occurrence.source];
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
    out.begin(&source.component_type);
    for entry in &source.entries {
        let replacement = match entry.name {
            ICalendarProperty::Rrule
            | ICalendarProperty::Rdate
            | ICalendarProperty::Exdate
            | ICalendarProperty::Exrule
            | ICalendarProperty::RecurrenceId => continue,
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
        match replacement {
            Some(value) => {
                let moved = ICalendarEntry {
                    name: entry.name.clone(),
                    params: without_tzid(entry),
                    values: vec![ICalendarValue::PartialDateTime(Box::new(value))],
                };
                out.entry(&moved, selection)?;
            }
            None if entry.tz_id().is_some() => out.entry(&in_utc(object, entry), selection)?,
            None => out.entry(entry, selection)?,
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
        out.entry(&entry, selection)?;
    }
    write_children(object, source, selection, out)?;
    out.end(&source.component_type);
    out.check()
}

fn without_tzid(entry: &ICalendarEntry) -> Vec<ICalendarParameter> {
    entry
        .params
        .iter()
        .filter(|param| param.name != ICalendarParameterName::Tzid)
        .cloned()
        .collect()
}

/// A property with a TZID, its date-times in UTC, since expanded output carries no
/// VTIMEZONE.
fn in_utc(object: &CalendarObject, entry: &ICalendarEntry) -> ICalendarEntry {
    let tzid = entry.tz_id();
    let values = entry
        .values
        .iter()
        .map(|value| match value {
            ICalendarValue::PartialDateTime(date) => match object.zones.value(date, tzid) {
                Some(parsed) if !parsed.is_date => {
                    ICalendarValue::PartialDateTime(Box::new(utc_value(object.zones.utc(&parsed))))
                }
                _ => value.clone(),
            },
            other => other.clone(),
        })
        .collect();
    ICalendarEntry {
        name: entry.name.clone(),
        params: without_tzid(entry),
        values,
    }
}

/// A FREEBUSY property with only the periods that overlap `range` (RFC 4791 9.6.7);
/// None when none does.
fn limit_freebusy(
    object: &CalendarObject,
    entry: &ICalendarEntry,
    range: &TimeRange,
) -> Option<ICalendarEntry> {
    let utc = |value: &calcard::common::PartialDateTime| {
        object
            .zones
            .value(value, None)
            .map(|value| object.zones.utc(&value))
    };
    let values: Vec<ICalendarValue> = entry
        .values
        .iter()
        .filter(|value| {
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
        })
        .cloned()
        .collect();
    (!values.is_empty()).then(|| ICalendarEntry {
        name: entry.name.clone(),
        params: entry.params.clone(),
        values,
    })
}

/// iCalendar text being written, never longer than `max` bytes.
struct Output {
    text: String,
    max: usize,
}

impl Output {
    fn new(max: usize) -> Self {
        Output {
            text: String::new(),
            max,
        }
    }

    fn begin(&mut self, component: &ICalendarComponentType) {
        self.boundary("BEGIN:", component);
    }

    fn end(&mut self, component: &ICalendarComponentType) {
        self.boundary("END:", component);
    }

    fn boundary(&mut self, which: &str, component: &ICalendarComponentType) {
        self.text.push_str(which);
        self.text.push_str(component.as_str());
        self.text.push_str("\r\n");
    }

    /// `entry` as `selection` asks: whole, without its value (`novalue`), or not at all.
    fn entry(
        &mut self,
        entry: &ICalendarEntry,
        selection: Selection<'_>,
    ) -> Result<(), RenderError> {
        let chosen = match selection.and_then(|selection| selection.props.as_ref()) {
            None => Some(false),
            Some(props) => props
                .iter()
                .find(|prop| entry.name.as_str().eq_ignore_ascii_case(&prop.name))
                .map(|prop| prop.novalue),
        };
        match chosen {
            // Writing into a String cannot fail.
            Some(false) => {
                let _ = entry.write_to(&mut self.text);
            }
            Some(true) => {
                let bare = ICalendarEntry {
                    name: entry.name.clone(),
                    params: entry.params.clone(),
                    values: Vec::new(),
                };
                let _ = bare.write_to(&mut self.text);
            }
            None => {}
        }
        self.check()
    }

    fn check(&self) -> Result<(), RenderError> {
        if self.text.len() > self.max {
            return Err(RenderError::TooLarge(self.max));
        }
        Ok(())
    }
}
