//! The instances of an object's recurrence set in UTC: DTSTART, RRULE (expanded by calcard),
//! RDATE, minus EXDATE, with overridden instances (RECURRENCE-ID, RANGE=THISANDFUTURE)
//! replacing the ones they override.

use std::collections::{HashMap, HashSet};

use calcard::common::timezone::Tz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarPeriod, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue,
};
use chrono::{NaiveDate, NaiveDateTime};

use super::parse::children;
use super::zones::{local_value, Anchor, DateValue, DAY};
use super::CalendarObject;

/// How an instance ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// DTEND.
    At(i64),
    /// DURATION in seconds.
    Duration(i64),
    /// DUE of a VTODO.
    Due(i64),
    Unset,
}

/// The RECURRENCE-ID an instance has or would have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rid {
    pub utc: i64,
    pub local: NaiveDateTime,
    pub is_date: bool,
}

/// One instance of the object's main component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    /// The component whose properties the instance has.
    pub source: usize,
    /// DTSTART in UTC.
    pub start: Option<i64>,
    /// DTSTART is a DATE.
    pub is_date: bool,
    pub end: End,
    /// Set for instances of a recurring component.
    pub rid: Option<Rid>,
}

impl Occurrence {
    /// The end used for busy time, expansion and the index: DTEND, DTSTART + DURATION,
    /// one day after a DATE start, DUE, or the start itself.
    pub fn effective_end(&self) -> Option<i64> {
        match (self.start, self.end) {
            (_, End::At(end)) | (_, End::Due(end)) => Some(end),
            (Some(start), End::Duration(seconds)) => Some(start + seconds),
            (Some(start), End::Unset) if self.is_date => Some(start + DAY),
            (start, _) => start,
        }
    }

    /// The same instance moved to start at `start`, keeping its length.
    fn moved_to(mut self, start: i64) -> Self {
        if let Some(old) = self.start {
            let shift = start - old;
            self.end = match self.end {
                End::At(end) => End::At(end + shift),
                End::Due(due) => End::Due(due + shift),
                other => other,
            };
        }
        self.start = Some(start);
        self
    }
}

/// Instances found, and how far they reach.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expansion {
    pub occurrences: Vec<Occurrence>,
    /// The whole recurrence set is in `occurrences`.
    pub complete: bool,
    /// Every instance starting before the `until` of the walk is in `occurrences`: the
    /// walk was not cut short by the instance cap.
    pub covered: bool,
}

/// The main components (VEVENT, VTODO, ...) of the object.
pub(crate) fn main_components(object: &CalendarObject) -> Vec<usize> {
    children(&object.ical)
        .filter(|(_, component)| super::parse::kind_of(&component.component_type).is_some())
        .map(|(index, _)| index)
        .collect()
}

pub(crate) fn date_property(
    object: &CalendarObject,
    component: &ICalendarComponent,
    property: ICalendarProperty,
) -> Option<DateValue> {
    component
        .property(&property)
        .and_then(|entry| object.zones.entry(entry))
}

/// The instance a component describes by its own properties.
pub(crate) fn base(object: &CalendarObject, index: usize) -> Occurrence {
    let component = &object.ical.components[index];
    let utc = |property| date_property(object, component, property).map(|v| object.zones.utc(&v));
    let start = date_property(object, component, ICalendarProperty::Dtstart);
    let end = if let Some(end) = utc(ICalendarProperty::Dtend) {
        End::At(end)
    } else if let Some(ICalendarValue::Duration(duration)) = component
        .property(&ICalendarProperty::Duration)
        .and_then(|entry| entry.values.first())
    {
        End::Duration(duration.as_seconds())
    } else if let Some(due) = utc(ICalendarProperty::Due) {
        End::Due(due)
    } else {
        End::Unset
    };
    Occurrence {
        source: index,
        start: start.map(|start| object.zones.utc(&start)),
        is_date: start.is_some_and(|start| start.is_date),
        end,
        rid: recurrence_id(object, component),
    }
}

fn recurrence_id(object: &CalendarObject, component: &ICalendarComponent) -> Option<Rid> {
    let value = date_property(object, component, ICalendarProperty::RecurrenceId)?;
    Some(Rid {
        utc: object.zones.utc(&value),
        local: value.local,
        is_date: value.is_date,
    })
}

/// Whether an override carries `RANGE=THISANDFUTURE`.
pub(super) fn this_and_future(component: &ICalendarComponent) -> bool {
    component
        .property(&ICalendarProperty::RecurrenceId)
        .is_some_and(|entry| entry.has_parameter(&ICalendarParameterName::Range))
}

/// Whether the main component recurs without end (an RRULE with neither COUNT nor
/// UNTIL), so that no walk can find its last instance.
pub(crate) fn is_endless(object: &CalendarObject) -> bool {
    main_components(object).into_iter().any(|index| {
        let component = &object.ical.components[index];
        !component.is_recurrence_override()
            && component
                .properties(&ICalendarProperty::Rrule)
                .any(|entry| match entry.values.first() {
                    Some(ICalendarValue::RecurrenceRule(rule)) => {
                        rule.count.is_none() && rule.until.is_none()
                    }
                    _ => false,
                })
    })
}

/// The instances of the object, at most `max` of the recurrence set (DTSTART, RRULE,
/// RDATE) and every override. With `until`, instances starting at or after it are left
/// out, and the walk stops there.
pub(crate) fn expand(object: &CalendarObject, until: Option<i64>, max: usize) -> Expansion {
    let components = main_components(object);
    let master = components
        .iter()
        .copied()
        .find(|index| !object.ical.components[*index].is_recurrence_override());
    let overrides: Vec<usize> = components
        .iter()
        .copied()
        .filter(|index| Some(*index) != master)
        .collect();
    let Some(master) = master.filter(|index| object.ical.components[*index].is_recurrent()) else {
        // A single component, or overridden instances stored without their master.
        let occurrences = components
            .iter()
            .map(|index| base(object, *index))
            .collect();
        return Expansion {
            occurrences,
            complete: true,
            covered: true,
        };
    };

    let template = base(object, master);
    let component = &object.ical.components[master];
    let Some(dtstart) = date_property(object, component, ICalendarProperty::Dtstart) else {
        return Expansion {
            occurrences: vec![template],
            complete: true,
            covered: true,
        };
    };

    // Overridden instances by RECURRENCE-ID, and the THISANDFUTURE ones in order.
    let mut by_rid: HashMap<i64, usize> = HashMap::new();
    let mut future: Vec<(i64, Occurrence)> = Vec::new();
    for index in &overrides {
        let occurrence = base(object, *index);
        if let Some(rid) = occurrence.rid {
            by_rid.insert(rid.utc, *index);
            if this_and_future(&object.ical.components[*index]) {
                future.push((rid.utc, occurrence));
            }
        }
    }
    future.sort_by_key(|(rid, _)| *rid);
    // An instance moved earlier by THISANDFUTURE must still be found before `until`.
    let earliest_shift = future
        .iter()
        .filter_map(|(rid, o)| o.start.map(|start| start - rid))
        .min()
        .unwrap_or(0)
        .min(0);
    let walk_until = until.map(|until| until - earliest_shift);

    // The recurrence set: DTSTART, RRULE, RDATE.
    let mut starts: Vec<(Rid, Option<i64>)> = vec![(rid_of(object, &dtstart), None)];
    let mut walk = Walk::Ended;
    if let Some(ICalendarValue::RecurrenceRule(rule)) = component
        .property(&ICalendarProperty::Rrule)
        .and_then(|entry| entry.values.first())
    {
        let locals;
        (locals, walk) = rule_starts(object, rule, &dtstart, walk_until, max);
        starts.extend(locals.into_iter().map(|local| {
            let value = DateValue { local, ..dtstart };
            (rid_of(object, &value), None)
        }));
    }
    for entry in component.properties(&ICalendarProperty::Rdate) {
        starts.extend(rdates(object, entry, &dtstart));
    }
    if let Some(until) = walk_until {
        starts.retain(|(rid, _)| rid.utc < until);
    }
    starts.sort_by_key(|(rid, _)| rid.utc);
    starts.dedup_by_key(|(rid, _)| rid.utc);
    let mut complete = walk == Walk::Ended;
    let mut covered = walk != Walk::Capped;
    if starts.len() > max {
        starts.truncate(max);
        complete = false;
        covered = false;
    }

    let (excluded, excluded_dates) = exdates(object, component);
    let mut used = HashSet::new();
    let mut occurrences = Vec::new();
    for (rid, period_end) in starts {
        if excluded.contains(&rid.utc) || excluded_dates.contains(&rid.local.date()) {
            continue;
        }
        if let Some(index) = by_rid.get(&rid.utc) {
            used.insert(*index);
            occurrences.push(base(object, *index));
            continue;
        }
        let occurrence = match future.iter().rev().find(|(from, _)| *from < rid.utc) {
            Some((from, changed)) => {
                let shift = changed.start.map_or(0, |start| start - from);
                let moved = changed.moved_to(rid.utc + shift);
                Occurrence {
                    rid: Some(rid),
                    ..moved
                }
            }
            None => {
                let mut moved = template.moved_to(rid.utc);
                if let Some(end) = period_end {
                    moved.end = End::At(end);
                }
                Occurrence {
                    rid: Some(rid),
                    ..moved
                }
            }
        };
        occurrences.push(occurrence);
    }
    // Overrides whose RECURRENCE-ID is not in the set still describe an instance.
    for index in overrides {
        if !used.contains(&index) {
            occurrences.push(base(object, index));
        }
    }
    Expansion {
        occurrences,
        complete,
        covered,
    }
}

fn rid_of(object: &CalendarObject, value: &DateValue) -> Rid {
    Rid {
        utc: object.zones.utc(value),
        local: value.local,
        is_date: value.is_date,
    }
}

/// RDATE values, each with the end of a PERIOD value.
fn rdates(
    object: &CalendarObject,
    entry: &ICalendarEntry,
    dtstart: &DateValue,
) -> Vec<(Rid, Option<i64>)> {
    let tzid = entry.tz_id();
    let zones = &object.zones;
    let in_zone = |value: &calcard::common::PartialDateTime| {
        let mut parsed = zones.value(value, tzid)?;
        if tzid.is_none() && parsed.anchor == Anchor::Floating && !parsed.is_date {
            parsed.anchor = dtstart.anchor;
        }
        Some(parsed)
    };
    let mut found = Vec::new();
    for value in &entry.values {
        match value {
            ICalendarValue::PartialDateTime(value) => {
                if let Some(parsed) = in_zone(value) {
                    found.push((rid_of(object, &parsed), None));
                }
            }
            ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => {
                if let (Some(start), Some(end)) = (in_zone(start), in_zone(end)) {
                    found.push((rid_of(object, &start), Some(zones.utc(&end))));
                }
            }
            ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                if let Some(start) = in_zone(start) {
                    let rid = rid_of(object, &start);
                    found.push((rid, Some(rid.utc + duration.as_seconds())));
                }
            }
            _ => {}
        }
    }
    found
}

/// EXDATE instants, and the days of EXDATE values that are dates.
fn exdates(
    object: &CalendarObject,
    component: &ICalendarComponent,
) -> (HashSet<i64>, HashSet<NaiveDate>) {
    let mut instants = HashSet::new();
    let mut days = HashSet::new();
    for entry in component.properties(&ICalendarProperty::Exdate) {
        for value in &entry.values {
            if let ICalendarValue::PartialDateTime(value) = value {
                if let Some(parsed) = object.zones.value(value, entry.tz_id()) {
                    if parsed.is_date {
                        days.insert(parsed.local.date());
                    }
                    instants.insert(object.zones.utc(&parsed));
                }
            }
        }
    }
    (instants, days)
}

/// How a walk of an RRULE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// The rule has no more instances.
    Ended,
    /// An instance at or after `until` was reached.
    Reached,
    /// `max` instances were walked before either.
    Capped,
}

/// Local start times of the RRULE, at most `max`, walked by calcard from DTSTART in
/// local time, and how the walk ended.
fn rule_starts(
    object: &CalendarObject,
    rule: &ICalendarRecurrenceRule,
    dtstart: &DateValue,
    until: Option<i64>,
    max: usize,
) -> (Vec<NaiveDateTime>, Walk) {
    let mut rule = rule.clone();
    // UNTIL in UTC is compared with local times by the expansion, so it is given in the
    // local time of DTSTART.
    if let Some(value) = rule.until.as_ref().filter(|until| until.has_zone()) {
        if let Some(parsed) = object.zones.value(value, None) {
            let local = object
                .zones
                .utc_to_local(object.zones.utc(&parsed), dtstart.anchor);
            rule.until = Some(local_value(local, false));
        }
    }
    let calendar = ICalendar {
        components: vec![
            ICalendarComponent {
                component_type: ICalendarComponentType::VCalendar,
                entries: vec![],
                component_ids: vec![1],
            },
            ICalendarComponent {
                component_type: ICalendarComponentType::VEvent,
                entries: vec![
                    ICalendarEntry {
                        name: ICalendarProperty::Dtstart,
                        params: vec![],
                        values: vec![ICalendarValue::PartialDateTime(Box::new(local_value(
                            dtstart.local,
                            false,
                        )))],
                    },
                    ICalendarEntry {
                        name: ICalendarProperty::Rrule,
                        params: vec![],
                        values: vec![ICalendarValue::RecurrenceRule(Box::new(rule))],
                    },
                ],
                component_ids: vec![],
            },
        ],
    };
    // calcard walks from DTSTART each time, so the limit grows geometrically: the walks
    // together cost at most a third more than the last one. One instance beyond `max`
    // tells a rule of exactly `max` instances from a longer one.
    let cap = max.max(1).saturating_add(1);
    let mut limit = 64usize.min(cap);
    loop {
        let expanded = calendar.expand_dates(Tz::Floating, limit);
        let mut locals: Vec<NaiveDateTime> = expanded
            .events
            .iter()
            .map(|event| event.start.naive_local())
            .collect();
        locals.sort();
        if locals.len() < limit {
            return (locals, Walk::Ended);
        }
        let reached = match (until, locals.last()) {
            (Some(until), Some(last)) => object.zones.local_to_utc(*last, dtstart.anchor) >= until,
            _ => false,
        };
        if reached {
            return (locals, Walk::Reached);
        }
        if limit >= cap {
            locals.truncate(max);
            return (locals, Walk::Capped);
        }
        limit = (limit * 4).min(cap);
    }
}
