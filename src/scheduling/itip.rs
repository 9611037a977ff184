//! The scheduling view of a calendar object (RFC 6638 3.1, RFC 5545 ORGANIZER/ATTENDEE)
//! and the iTIP messages built from it (RFC 5546 3.2): REQUEST, CANCEL and REPLY. Pure:
//! no store, no clock beyond the DTSTAMP it is given.

use super::lines::{Component, Line};

/// Parameters that steer the server and never leave it in a message (RFC 6638 7).
const SERVER_PARAMS: [&str; 3] = ["SCHEDULE-AGENT", "SCHEDULE-STATUS", "SCHEDULE-FORCE-SEND"];

/// Who handles scheduling for an attendee or organizer (RFC 6638 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Server,
    Client,
    None,
}

/// One ATTENDEE of one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub address: String,
    pub partstat: String,
    pub role: Option<String>,
    pub rsvp: bool,
    pub cutype: String,
    pub agent: Agent,
    pub force_send: Option<String>,
    pub schedule_status: Option<String>,
    pub member: Vec<String>,
}

impl Attendee {
    pub fn of(line: &Line) -> Attendee {
        Attendee {
            address: line.value.trim().to_owned(),
            partstat: line
                .param("PARTSTAT")
                .unwrap_or("NEEDS-ACTION")
                .to_ascii_uppercase(),
            role: line.param("ROLE").map(str::to_ascii_uppercase),
            rsvp: line
                .param("RSVP")
                .is_some_and(|v| v.eq_ignore_ascii_case("TRUE")),
            cutype: line
                .param("CUTYPE")
                .unwrap_or("INDIVIDUAL")
                .to_ascii_uppercase(),
            agent: agent_of(line),
            force_send: line
                .param("SCHEDULE-FORCE-SEND")
                .map(str::to_ascii_uppercase),
            schedule_status: line.param("SCHEDULE-STATUS").map(str::to_owned),
            member: line.param_values("MEMBER").to_vec(),
        }
    }
}

fn agent_of(line: &Line) -> Agent {
    match line.param("SCHEDULE-AGENT") {
        Some(v) if v.eq_ignore_ascii_case("CLIENT") => Agent::Client,
        Some(v) if v.eq_ignore_ascii_case("NONE") => Agent::None,
        _ => Agent::Server,
    }
}

/// One scheduled component: the master (no RECURRENCE-ID) or an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub recurrence_id: Option<String>,
    pub organizer: Option<String>,
    pub organizer_agent: Agent,
    pub attendees: Vec<Attendee>,
}

impl Instance {
    pub fn attendee(&self, address: &str) -> Option<&Attendee> {
        self.attendees
            .iter()
            .find(|a| same_address(&a.address, address))
    }
}

/// The scheduling view of a whole calendar object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub uid: String,
    pub component: String,
    pub instances: Vec<Instance>,
}

impl View {
    /// The ORGANIZER, when every component names the same one (or none names any).
    pub fn organizer(&self) -> Option<&str> {
        self.instances.iter().find_map(|i| i.organizer.as_deref())
    }

    /// Whether components name different organizers
    /// (`CALDAV:same-organizer-in-all-components`).
    pub fn organizers_differ(&self) -> bool {
        let mut named = self.instances.iter().filter_map(|i| i.organizer.as_deref());
        match named.next() {
            Some(first) => named.any(|other| !same_address(first, other)),
            None => false,
        }
    }

    /// Whether the object is a scheduling object resource (RFC 6638 3.1): it has an
    /// ORGANIZER and at least one ATTENDEE that is not the organizer.
    pub fn is_scheduling(&self) -> bool {
        let Some(organizer) = self.organizer() else {
            return false;
        };
        self.instances
            .iter()
            .flat_map(|i| &i.attendees)
            .any(|a| !same_address(&a.address, organizer))
    }

    /// Every distinct attendee address of any component, in order of appearance.
    pub fn attendee_addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for attendee in self.instances.iter().flat_map(|i| &i.attendees) {
            if !out.iter().any(|a| same_address(a, &attendee.address)) {
                out.push(attendee.address.clone());
            }
        }
        out
    }

    /// The attendee `address` in the instance `recurrence_id`, falling back to the master
    /// for an instance without an override.
    pub fn effective(&self, address: &str, recurrence_id: Option<&str>) -> Option<&Attendee> {
        let instance = self
            .instances
            .iter()
            .find(|i| i.recurrence_id.as_deref() == recurrence_id)
            .or_else(|| self.instances.iter().find(|i| i.recurrence_id.is_none()))?;
        instance.attendee(address)
    }
}

/// Whether two calendar user addresses are the same: `mailto:` compared without regard
/// to case, others exactly (without surrounding blanks and a trailing slash).
pub fn same_address(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    match (super::addresses::mail_of(a), super::addresses::mail_of(b)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => a.trim_end_matches('/') == b.trim_end_matches('/'),
        _ => false,
    }
}

/// The scheduled components of a VCALENDAR (all but VTIMEZONE).
pub fn components(cal: &Component) -> impl Iterator<Item = &Component> {
    cal.children.iter().filter(|c| c.name != "VTIMEZONE")
}

pub fn components_mut(cal: &mut Component) -> impl Iterator<Item = &mut Component> {
    cal.children.iter_mut().filter(|c| c.name != "VTIMEZONE")
}

/// The RECURRENCE-ID of a component as scheduling compares it (value, upper case).
pub fn recurrence_id(component: &Component) -> Option<String> {
    component
        .value("RECURRENCE-ID")
        .map(|v| v.trim().to_ascii_uppercase())
}

/// The view of a parsed calendar object; None when it holds no component.
pub fn view(cal: &Component) -> Option<View> {
    let first = components(cal).next()?;
    let instances = components(cal)
        .map(|component| Instance {
            recurrence_id: recurrence_id(component),
            organizer: component.value("ORGANIZER").map(|v| v.trim().to_owned()),
            organizer_agent: component.prop("ORGANIZER").map_or(Agent::Server, agent_of),
            attendees: component
                .props
                .iter()
                .filter(|line| line.name == "ATTENDEE")
                .map(Attendee::of)
                .collect(),
        })
        .collect();
    Some(View {
        uid: first.value("UID").unwrap_or_default().to_owned(),
        component: first.name.clone(),
        instances,
    })
}

/// Removes the parameters that never leave the server from ORGANIZER and ATTENDEEs.
fn scrub(component: &mut Component) {
    for line in &mut component.props {
        if line.name == "ATTENDEE" || line.name == "ORGANIZER" {
            for param in SERVER_PARAMS {
                line.remove_param(param);
            }
        }
    }
}

/// A VCALENDAR for `method` with the object's calendar-level properties and zones.
fn envelope(cal: &Component, method: &str) -> Component {
    let mut out = Component::new("VCALENDAR");
    out.props.push(Line::new("VERSION", "2.0"));
    out.props.push(Line::new(
        "PRODID",
        cal.value("PRODID").unwrap_or("-//davgate//scheduling//EN"),
    ));
    if let Some(scale) = cal.value("CALSCALE") {
        out.props.push(Line::new("CALSCALE", scale));
    }
    out.props.push(Line::new("METHOD", method));
    out.children.extend(
        cal.children
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .cloned(),
    );
    out
}

fn has_attendee(component: &Component, address: &str) -> bool {
    component
        .props
        .iter()
        .any(|line| line.name == "ATTENDEE" && same_address(&line.value, address))
}

/// The components `recipient` is invited to as the organizer's copy has them, without
/// alarms or server parameters: the master when she attends it (with an EXDATE for each
/// override she is not in) and the overrides she attends. None when she attends none.
/// `recipient` None: every component (a REQUEST to all).
fn invited_components(cal: &Component, recipient: Option<&str>) -> Option<Vec<Component>> {
    let attends = |c: &Component| recipient.is_none_or(|r| has_attendee(c, r));
    let master_attended = components(cal).any(|c| c.prop("RECURRENCE-ID").is_none() && attends(c));
    let mut out = Vec::new();
    let mut excluded: Vec<Line> = Vec::new();
    for component in components(cal) {
        let is_override = component.prop("RECURRENCE-ID").is_some();
        if attends(component) {
            let mut copy = component.clone();
            copy.children.retain(|c| c.name != "VALARM");
            scrub(&mut copy);
            out.push(copy);
        } else if is_override && master_attended {
            let rid = component.prop("RECURRENCE-ID").expect("an override");
            let mut exdate = rid.clone();
            exdate.name = "EXDATE".into();
            excluded.push(exdate);
        }
    }
    if let Some(master) = out.iter_mut().find(|c| c.prop("RECURRENCE-ID").is_none()) {
        master.props.extend(excluded);
    }
    (!out.is_empty()).then_some(out)
}

/// The calendar object an attendee's calendar holds: what she is invited to, no METHOD.
pub fn attendee_copy(cal: &Component, recipient: &str) -> Option<Component> {
    let mut out = envelope(cal, "");
    out.props.retain(|line| line.name != "METHOD");
    out.children
        .extend(invited_components(cal, Some(recipient))?);
    Some(out)
}

/// METHOD:REQUEST to `recipient` (RFC 5546 3.2.2): the components she is invited to.
pub fn request(cal: &Component, recipient: &str) -> Option<Component> {
    let mut out = envelope(cal, "REQUEST");
    out.children
        .extend(invited_components(cal, Some(recipient))?);
    Some(out)
}

/// METHOD:CANCEL to `recipient` (RFC 5546 3.2.5) for the components she was invited to
/// in `cal`: each with STATUS:CANCELLED and a SEQUENCE one higher than `cal` had, so
/// that it supersedes the last REQUEST.
pub fn cancel(cal: &Component, recipient: &str, dtstamp: &str) -> Option<Component> {
    let mut out = envelope(cal, "CANCEL");
    for mut component in invited_components(cal, Some(recipient))? {
        let sequence = component
            .value("SEQUENCE")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        component.set_value("SEQUENCE", (sequence + 1).to_string());
        component.set_value("STATUS", "CANCELLED");
        component.set_value("DTSTAMP", dtstamp);
        out.children.push(component);
    }
    Some(out)
}

/// METHOD:REPLY from `attendee` (RFC 5546 3.2.3) for the components of `cal` whose
/// RECURRENCE-ID is in `instances` (None: every component she attends): ORGANIZER,
/// her ATTENDEE only, UID, RECURRENCE-ID, SEQUENCE, DTSTAMP and DTSTART.
pub fn reply(
    cal: &Component,
    attendee: &str,
    instances: Option<&[Option<String>]>,
    dtstamp: &str,
) -> Option<Component> {
    let mut out = envelope(cal, "REPLY");
    for component in components(cal) {
        if instances.is_some_and(|wanted| !wanted.contains(&recurrence_id(component))) {
            continue;
        }
        let Some(me) = component
            .props
            .iter()
            .find(|l| l.name == "ATTENDEE" && same_address(&l.value, attendee))
        else {
            continue;
        };
        let mut part = Component::new(&component.name);
        for name in ["UID", "RECURRENCE-ID", "SEQUENCE", "DTSTART", "ORGANIZER"] {
            part.props
                .extend(component.props.iter().filter(|l| l.name == name).cloned());
        }
        part.props.push(Line::new("DTSTAMP", dtstamp));
        let mut me = me.clone();
        me.remove_param("RSVP");
        part.props.push(me);
        scrub(&mut part);
        out.children.push(part);
    }
    (!out.children.iter().all(|c| c.name == "VTIMEZONE")).then_some(out)
}

/// The SUMMARY of the first component, for inbox names and mail subjects.
pub fn summary(cal: &Component) -> Option<String> {
    components(cal)
        .find_map(|c| c.value("SUMMARY"))
        .map(str::to_owned)
}

/// Now as an iCalendar UTC date-time, for DTSTAMP.
pub fn dtstamp_now() -> String {
    crate::content::ical::ical_utc(crate::store::now_epoch())
}

#[cfg(test)]
#[path = "itip_tests.rs"]
mod tests;
