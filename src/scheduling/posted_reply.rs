//! An iTIP REPLY (RFC 5546 3.2.3) a calendar user posts to her outbox instead of writing
//! her copy: what kind of scheduling message a posted body is, and the answer a REPLY
//! carries (one attendee, her participation per component). Pure.

use super::attendee::Changes;
use super::edit::Participation;
use super::itip::{components, recurrence_id, same_address};
use super::lines::Component;

/// The participation statuses a REPLY to an event may carry (RFC 5546 3.2.3).
const ANSWERS: [&str; 4] = ["ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"];

/// What a message posted to the outbox is.
#[derive(Debug, PartialEq, Eq)]
pub enum Posted {
    /// A free/busy request, or something for its parser to name what is wrong with.
    FreeBusy,
    /// METHOD:REPLY with VEVENTs.
    Reply,
    /// A message implicit scheduling sends on PUT and DELETE, never by POST.
    NotByPost(String),
    /// Not a scheduling message (`CALDAV:valid-scheduling-message`).
    Malformed(String),
}

/// Sorts the parsed VCALENDAR `cal` by METHOD and component.
pub fn classify(cal: &Component) -> Posted {
    if cal.name != "VCALENDAR" {
        return Posted::FreeBusy;
    }
    let names: Vec<&str> = components(cal).map(|c| c.name.as_str()).collect();
    if names.is_empty() || names.contains(&"VFREEBUSY") {
        return Posted::FreeBusy;
    }
    let Some(method) = cal.value("METHOD").map(|m| m.trim().to_ascii_uppercase()) else {
        return Posted::Malformed("a scheduling message needs a METHOD".into());
    };
    let first = names[0];
    if names.iter().any(|n| *n != first) {
        return Posted::Malformed("a scheduling message holds components of one type".into());
    }
    match (method.as_str(), first) {
        ("REPLY", "VEVENT") => Posted::Reply,
        ("REPLY", other) => Posted::NotByPost(format!(
            "replies are processed for VEVENT only, not for {other}"
        )),
        ("REQUEST" | "CANCEL" | "ADD" | "COUNTER" | "DECLINECOUNTER" | "REFRESH", _) => {
            Posted::NotByPost(format!(
                "a {method} of a {first} is sent by writing the calendar object \
                 (implicit scheduling), not by POST to the outbox"
            ))
        }
        _ => Posted::NotByPost(format!(
            "METHOD:{method} of a {first} is not processed by the outbox"
        )),
    }
}

/// The answer a REPLY carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedReply {
    pub uid: String,
    pub organizer: String,
    /// The replying attendee's address, as written.
    pub attendee: String,
    /// Her participation per RECURRENCE-ID (None: the master).
    pub changes: Changes,
}

/// Reads a METHOD:REPLY VCALENDAR of VEVENTs: every component with the same UID and
/// ORGANIZER, exactly one ATTENDEE (the same in all) with an answer as PARTSTAT, and no
/// RECURRENCE-ID twice. The error says what is wrong.
pub fn read(cal: &Component) -> Result<PostedReply, String> {
    let mut uid: Option<&str> = None;
    let mut organizer: Option<&str> = None;
    let mut attendee: Option<&str> = None;
    let mut changes: Changes = Vec::new();
    for component in components(cal) {
        let this_uid = component
            .value("UID")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or("every component of a REPLY needs a UID")?;
        if uid.is_some_and(|u| u != this_uid) {
            return Err("all components of a REPLY have the same UID".into());
        }
        uid = Some(this_uid);
        let organizers: Vec<&str> = component
            .props
            .iter()
            .filter(|l| l.name == "ORGANIZER")
            .map(|l| l.value.trim())
            .collect();
        let [this_organizer] = organizers[..] else {
            return Err("every component of a REPLY needs exactly one ORGANIZER".into());
        };
        if organizer.is_some_and(|o| !same_address(o, this_organizer)) {
            return Err("all components of a REPLY have the same ORGANIZER".into());
        }
        organizer = Some(this_organizer);
        let attendees: Vec<_> = component
            .props
            .iter()
            .filter(|l| l.name == "ATTENDEE")
            .collect();
        let [line] = attendees[..] else {
            return Err("every component of a REPLY needs exactly one ATTENDEE".into());
        };
        let address = line.value.trim();
        if attendee.is_some_and(|a| !same_address(a, address)) {
            return Err("a REPLY answers for one ATTENDEE in all its components".into());
        }
        attendee = Some(address);
        let participation = Participation::of(line);
        if !ANSWERS.contains(&participation.partstat.as_str()) {
            return Err(format!(
                "the PARTSTAT of a REPLY is one of {}, not {}",
                ANSWERS.join(", "),
                participation.partstat
            ));
        }
        let rid = recurrence_id(component);
        if changes.iter().any(|(r, _)| *r == rid) {
            return Err("a REPLY answers for each instance once".into());
        }
        changes.push((rid, participation));
    }
    match (uid, organizer, attendee) {
        (Some(uid), Some(organizer), Some(attendee)) => Ok(PostedReply {
            uid: uid.to_owned(),
            organizer: organizer.to_owned(),
            attendee: attendee.to_owned(),
            changes,
        }),
        _ => Err("a REPLY needs a VEVENT".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::lines::parse;

    fn cal(method: &str, body: &str) -> Component {
        parse(&format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{method}{body}END:VCALENDAR\r\n"
        ))
        .unwrap()
    }

    const ACCEPT: &str = "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20260101T000000Z\r\n\
        ORGANIZER:mailto:alice@example.com\r\n\
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\nEND:VEVENT\r\n";

    #[test]
    fn messages_are_told_apart() {
        assert_eq!(classify(&cal("METHOD:REPLY\r\n", ACCEPT)), Posted::Reply);
        let freebusy = "BEGIN:VFREEBUSY\r\nUID:f\r\nEND:VFREEBUSY\r\n";
        assert_eq!(
            classify(&cal("METHOD:REQUEST\r\n", freebusy)),
            Posted::FreeBusy
        );
        assert_eq!(classify(&cal("METHOD:REQUEST\r\n", "")), Posted::FreeBusy);
        assert!(matches!(
            classify(&cal("METHOD:REQUEST\r\n", ACCEPT)),
            Posted::NotByPost(_)
        ));
        assert!(matches!(
            classify(&cal("METHOD:CANCEL\r\n", ACCEPT)),
            Posted::NotByPost(_)
        ));
        let todo = ACCEPT.replace("VEVENT", "VTODO");
        assert!(matches!(
            classify(&cal("METHOD:REPLY\r\n", &todo)),
            Posted::NotByPost(_)
        ));
        assert!(matches!(classify(&cal("", ACCEPT)), Posted::Malformed(_)));
        let mixed = format!("{ACCEPT}{todo}");
        assert!(matches!(
            classify(&cal("METHOD:REPLY\r\n", &mixed)),
            Posted::Malformed(_)
        ));
    }

    #[test]
    fn a_reply_gives_her_answer_per_instance() {
        let instance = ACCEPT
            .replace("UID:u1\r\n", "UID:u1\r\nRECURRENCE-ID:20260105T100000Z\r\n")
            .replace("ACCEPTED", "DECLINED");
        let reply = read(&cal("METHOD:REPLY\r\n", &format!("{ACCEPT}{instance}"))).unwrap();
        assert_eq!(reply.uid, "u1");
        assert_eq!(reply.organizer, "mailto:alice@example.com");
        assert_eq!(reply.attendee, "mailto:bob@example.com");
        let statuses: Vec<_> = reply
            .changes
            .iter()
            .map(|(rid, p)| (rid.as_deref(), p.partstat.as_str()))
            .collect();
        assert_eq!(
            statuses,
            [(None, "ACCEPTED"), (Some("20260105T100000Z"), "DECLINED")]
        );
    }

    #[test]
    fn a_reply_that_breaks_a_rule_is_refused() {
        let bad = [
            ACCEPT.replace("UID:u1\r\n", ""),
            ACCEPT.replace("ORGANIZER:mailto:alice@example.com\r\n", ""),
            ACCEPT.replace("ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\n", ""),
            ACCEPT.replace(
                "END:VEVENT",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@example.com\r\nEND:VEVENT",
            ),
            ACCEPT.replace("ACCEPTED", "NEEDS-ACTION"),
            ACCEPT.replace("PARTSTAT=ACCEPTED", "RSVP=TRUE"),
            format!("{ACCEPT}{}", ACCEPT.replace("bob@", "carol@")),
            format!("{ACCEPT}{}", ACCEPT.replace("UID:u1", "UID:u2")),
            format!("{ACCEPT}{ACCEPT}"),
        ];
        for body in bad {
            assert!(read(&cal("METHOD:REPLY\r\n", &body)).is_err(), "{body}");
        }
    }
}
