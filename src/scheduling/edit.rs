//! Edits scheduling makes to stored calendar objects: an attendee's PARTSTAT (in the
//! master or one instance, making the override from the master when there is none),
//! SCHEDULE-STATUS on attendees, and what an attendee may change in her own copy
//! (RFC 6638 3.2.2.1). Pure, on the content-line model.

use chrono::NaiveDateTime;

use super::itip::{components, components_mut, recurrence_id, same_address};
use super::lines::{Component, Line};

/// What an attendee's reply says about her participation in one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    pub partstat: String,
    pub delegated_to: Vec<String>,
}

impl Participation {
    pub fn of(line: &Line) -> Participation {
        Participation {
            partstat: line
                .param("PARTSTAT")
                .unwrap_or("NEEDS-ACTION")
                .to_ascii_uppercase(),
            delegated_to: line.param_values("DELEGATED-TO").to_vec(),
        }
    }

    fn apply(&self, line: &mut Line) {
        line.set_param("PARTSTAT", vec![self.partstat.clone()]);
        if self.delegated_to.is_empty() {
            line.remove_param("DELEGATED-TO");
        } else {
            line.set_param("DELEGATED-TO", self.delegated_to.clone());
        }
        if self.partstat != "NEEDS-ACTION" {
            line.remove_param("RSVP");
        }
    }
}

/// Sets `address`'s participation in the component `instance` (None: the master) of
/// `cal`. An instance without an override gets one made from the master. False when she
/// is not an attendee there (nothing changed).
pub fn set_participation(
    cal: &mut Component,
    address: &str,
    instance: Option<&str>,
    participation: &Participation,
) -> bool {
    let wanted = instance.map(|r| r.trim().to_ascii_uppercase());
    let exists = components(cal).any(|c| recurrence_id(c) == wanted);
    if !exists {
        let Some(rid) = instance else { return false };
        let Some(made) = override_from_master(cal, rid) else {
            return false;
        };
        cal.children.push(made);
    }
    let mut changed = false;
    for component in components_mut(cal).filter(|c| recurrence_id(c) == wanted) {
        for line in &mut component.props {
            if line.name == "ATTENDEE" && same_address(&line.value, address) {
                participation.apply(line);
                changed = true;
            }
        }
    }
    changed
}

/// Sets SCHEDULE-STATUS of `address` on every component it attends.
pub fn set_schedule_status(cal: &mut Component, address: &str, status: &str) {
    for component in components_mut(cal) {
        for line in &mut component.props {
            if line.name == "ATTENDEE" && same_address(&line.value, address) {
                line.set_param("SCHEDULE-STATUS", vec![status.to_owned()]);
            }
        }
    }
}

/// Removes SCHEDULE-FORCE-SEND everywhere: it asks for one delivery, not for every one.
pub fn clear_force_send(cal: &mut Component) {
    for component in components_mut(cal) {
        for line in &mut component.props {
            line.remove_param("SCHEDULE-FORCE-SEND");
        }
    }
}

fn parse_time(value: &str) -> Option<(NaiveDateTime, bool, bool)> {
    let value = value.trim();
    let utc = value.ends_with('Z');
    let bare = value.trim_end_matches('Z');
    if bare.len() == 8 {
        let date = chrono::NaiveDate::parse_from_str(bare, "%Y%m%d").ok()?;
        return Some((date.and_hms_opt(0, 0, 0)?, false, utc));
    }
    NaiveDateTime::parse_from_str(bare, "%Y%m%dT%H%M%S")
        .ok()
        .map(|t| (t, true, utc))
}

fn format_time(time: NaiveDateTime, timed: bool, utc: bool) -> String {
    match (timed, utc) {
        (false, _) => time.format("%Y%m%d").to_string(),
        (true, false) => time.format("%Y%m%dT%H%M%S").to_string(),
        (true, true) => time.format("%Y%m%dT%H%M%SZ").to_string(),
    }
}

/// The override of the master's instance `rid`: the master without its recurrence
/// rules, starting at `rid` and lasting as long as the master.
pub fn override_from_master(cal: &Component, rid: &str) -> Option<Component> {
    let master = components(cal).find(|c| c.prop("RECURRENCE-ID").is_none())?;
    let start_line = master.prop("DTSTART")?;
    let (start, _, _) = parse_time(&start_line.value)?;
    let (instance_start, timed, utc) = parse_time(rid)?;
    let mut made = master.clone();
    made.props.retain(|l| {
        !matches!(
            l.name.as_str(),
            "RRULE" | "RDATE" | "EXDATE" | "EXRULE" | "DTSTART" | "DTEND"
        )
    });
    let mut dtstart = start_line.clone();
    dtstart.value = format_time(instance_start, timed, utc);
    let mut recurrence = dtstart.clone();
    recurrence.name = "RECURRENCE-ID".into();
    made.props.insert(0, recurrence);
    made.props.insert(0, dtstart);
    if let Some(end_line) = master.prop("DTEND") {
        if let Some((end, _, _)) = parse_time(&end_line.value) {
            let mut dtend = end_line.clone();
            dtend.value = format_time(instance_start + (end - start), timed, utc);
            made.props.push(dtend);
        }
    }
    Some(made)
}

/// Properties an attendee may change in her copy (RFC 6638 3.2.2.1), beside her own
/// participation and alarms.
fn attendee_may_change(name: &str) -> bool {
    matches!(
        name,
        "DTSTAMP" | "LAST-MODIFIED" | "TRANSP" | "CREATED" | "COMPLETED"
    ) || name.starts_with("X-")
}

/// A component as the attendee rule compares it: without alarms and the properties she
/// may change; ORGANIZER and ATTENDEEs by address alone (their parameters are
/// participation, what the server keeps, or what clients add for display, none of which
/// reaches anyone else); properties in a stable order.
fn organizer_controlled(component: &Component) -> Vec<Line> {
    let mut lines: Vec<Line> = component
        .props
        .iter()
        .filter(|l| !attendee_may_change(&l.name))
        .cloned()
        .map(|mut line| {
            if line.name == "ATTENDEE" || line.name == "ORGANIZER" {
                line.params.clear();
                line.value = line.value.trim().to_ascii_lowercase();
            }
            line
        })
        .collect();
    lines.sort_by(|a, b| (&a.name, &a.value).cmp(&(&b.name, &b.value)));
    lines
}

/// Whether an attendee's new copy changes only what she may (RFC 6638 3.2.2.1): for each
/// component of the old copy the same organizer-controlled content; new overrides only
/// for instances of the master, differing from it only as she may. The reason otherwise.
pub fn attendee_change_allowed(old: &Component, new: &Component) -> Result<(), String> {
    for component in components(new) {
        let rid = recurrence_id(component);
        let before = match components(old).find(|c| recurrence_id(c) == rid) {
            Some(before) => before.clone(),
            None => {
                let Some(rid) = rid.as_deref() else {
                    return Err("the master component was added".into());
                };
                override_from_master(old, rid)
                    .ok_or_else(|| format!("an override for {rid}, not an instance"))?
            }
        };
        let instance_times = ["DTSTART", "DTEND", "RECURRENCE-ID"];
        let (mut a, mut b) = (
            organizer_controlled(&before),
            organizer_controlled(component),
        );
        if rid.is_some() && !components(old).any(|c| recurrence_id(c) == rid) {
            // A new override's times are written by the client; only its start must
            // stay the instance's.
            let start = component.value("DTSTART").map(str::trim);
            if start.map(str::to_ascii_uppercase) != rid {
                return Err("a new override moves its instance".into());
            }
            a.retain(|l| !instance_times.contains(&l.name.as_str()));
            b.retain(|l| !instance_times.contains(&l.name.as_str()));
        }
        if a != b {
            let differs = a.iter().zip(b.iter()).find(|(x, y)| x != y).map_or_else(
                || "the set of properties".to_owned(),
                |(x, _)| x.name.clone(),
            );
            return Err(format!("an attendee may not change {differs}"));
        }
    }
    for component in components(old) {
        let rid = recurrence_id(component);
        if !components(new).any(|c| recurrence_id(c) == rid) {
            return Err("an attendee may not remove a component".into());
        }
    }
    Ok(())
}

/// Her new copy with every other attendee's participation as the stored copy has it:
/// the server keeps those current (RFC 6638 3.2.2.1), a client's may be stale.
pub fn keep_others_participation(old: &Component, new: &mut Component, me: &str) {
    for component in components_mut(new) {
        let rid = recurrence_id(component);
        let source = components(old)
            .find(|c| recurrence_id(c) == rid)
            .or_else(|| components(old).find(|c| c.prop("RECURRENCE-ID").is_none()));
        let Some(source) = source else { continue };
        for line in &mut component.props {
            if line.name != "ATTENDEE" || same_address(&line.value, me) {
                continue;
            }
            if let Some(stored) = source
                .props
                .iter()
                .find(|l| l.name == "ATTENDEE" && same_address(&l.value, &line.value))
            {
                Participation::of(stored).apply(line);
            }
        }
    }
}

/// `address`'s participation in every component of `cal` she attends, by RECURRENCE-ID.
pub fn participations(cal: &Component, address: &str) -> Vec<(Option<String>, Participation)> {
    components(cal)
        .filter_map(|c| {
            let line = c
                .props
                .iter()
                .find(|l| l.name == "ATTENDEE" && same_address(&l.value, address))?;
            Some((recurrence_id(c), Participation::of(line)))
        })
        .collect()
}

/// Carries the attendee's own alarms and TRANSP from her previous copy into a new one
/// the organizer's change produced, component by component.
pub fn keep_personal(previous: &Component, next: &mut Component) {
    for component in components_mut(next) {
        let rid = recurrence_id(component);
        let Some(before) = components(previous).find(|c| recurrence_id(c) == rid) else {
            continue;
        };
        component.children.retain(|c| c.name != "VALARM");
        component.children.extend(
            before
                .children
                .iter()
                .filter(|c| c.name == "VALARM")
                .cloned(),
        );
        if let Some(transp) = before.prop("TRANSP") {
            let transp = transp.clone();
            component.remove("TRANSP");
            component.props.push(transp);
        }
    }
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
