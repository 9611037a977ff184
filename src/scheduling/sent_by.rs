//! Writes by a delegate (RFC 5545 3.2.18): when a user writes into another user's
//! calendar and is scheduled as its owner (a write delegate organizing or answering on
//! her behalf), the owner's ORGANIZER or ATTENDEE line names the writer in SENT-BY, so
//! that attendees and the organizer see who acted. The owner's own writes keep what her
//! client sends.

use super::itip::{components_mut, same_address};
use super::lines::Component;

/// Sets `SENT-BY="mailto:<sender_mail>"` on every `property` line (ORGANIZER or
/// ATTENDEE) of `cal` whose address is `address`; nothing for a sender without a mail.
pub fn set_sent_by(cal: &mut Component, property: &str, address: &str, sender_mail: &str) {
    if sender_mail.trim().is_empty() {
        return;
    }
    let sender = format!("mailto:{}", sender_mail.trim());
    for component in components_mut(cal) {
        for line in &mut component.props {
            if line.name == property && same_address(&line.value, address) {
                line.set_param("SENT-BY", vec![sender.clone()]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::lines::parse;

    #[test]
    fn only_the_calendar_users_line_names_the_sender() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n\
            ORGANIZER;CN=Alice:mailto:alice@example.com\r\n\
            ATTENDEE;PARTSTAT=ACCEPTED:mailto:ALICE@example.com\r\n\
            ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut cal = parse(text).unwrap();
        set_sent_by(
            &mut cal,
            "ORGANIZER",
            "mailto:alice@example.com",
            "dan@example.com",
        );
        let event = &cal.children[0];
        assert_eq!(
            event.prop("ORGANIZER").unwrap().param("SENT-BY"),
            Some("mailto:dan@example.com")
        );
        assert!(event
            .props
            .iter()
            .filter(|l| l.name == "ATTENDEE")
            .all(|l| l.param("SENT-BY").is_none()));
        set_sent_by(
            &mut cal,
            "ATTENDEE",
            "mailto:alice@example.com",
            "dan@example.com",
        );
        let attendees: Vec<Option<&str>> = cal.children[0]
            .props
            .iter()
            .filter(|l| l.name == "ATTENDEE")
            .map(|l| l.param("SENT-BY"))
            .collect();
        assert_eq!(attendees, [Some("mailto:dan@example.com"), None]);
        let rendered = cal.render();
        assert!(
            rendered.contains("SENT-BY=\"mailto:dan@example.com\""),
            "{rendered}"
        );
    }
}
