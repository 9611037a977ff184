use super::*;
use crate::scheduling::lines::parse;

const MEETING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:m1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\n\
DTEND:20260105T110000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nSEQUENCE:2\r\nSUMMARY:Plan\r\n\
ORGANIZER;CN=Alice:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-STATUS=1.2:mailto:Bob@Example.com\r\n\
ATTENDEE;SCHEDULE-AGENT=CLIENT;ROLE=OPT-PARTICIPANT:mailto:carol@example.com\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:m1\r\nRECURRENCE-ID:20260107T100000Z\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART:20260107T120000Z\r\nDTEND:20260107T130000Z\r\nSEQUENCE:2\r\nSUMMARY:Plan\r\n\
ORGANIZER;CN=Alice:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:dave@example.com\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

fn meeting() -> Component {
    parse(MEETING).unwrap()
}

#[test]
fn the_view_reads_organizer_attendees_and_their_parameters() {
    let view = view(&meeting()).unwrap();
    assert_eq!(view.uid, "m1");
    assert_eq!(view.component, "VEVENT");
    assert!(view.is_scheduling());
    assert!(!view.organizers_differ());
    assert_eq!(view.organizer(), Some("mailto:alice@example.com"));
    let master = &view.instances[0];
    assert_eq!(master.recurrence_id, None);
    let bob = master.attendee("MAILTO:bob@example.COM").unwrap();
    assert_eq!(bob.partstat, "NEEDS-ACTION");
    assert!(bob.rsvp);
    assert_eq!(bob.schedule_status.as_deref(), Some("1.2"));
    let carol = master.attendee("mailto:carol@example.com").unwrap();
    assert_eq!(carol.agent, Agent::Client);
    assert_eq!(carol.role.as_deref(), Some("OPT-PARTICIPANT"));
    assert_eq!(carol.partstat, "NEEDS-ACTION");
    assert_eq!(
        view.instances[1].recurrence_id.as_deref(),
        Some("20260107T100000Z")
    );
    assert_eq!(
        view.attendee_addresses(),
        [
            "mailto:alice@example.com",
            "mailto:Bob@Example.com",
            "mailto:carol@example.com",
            "mailto:dave@example.com"
        ]
    );
    // The override has no bob: the master does not speak for it.
    assert!(view
        .effective("mailto:bob@example.com", Some("20260107T100000Z"))
        .is_none());
    assert!(view
        .effective("mailto:bob@example.com", Some("20260106T100000Z"))
        .is_some());
}

#[test]
fn an_event_without_other_attendees_is_no_scheduling_object() {
    let alone = MEETING
        .replace("ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-STATUS=1.2:mailto:Bob@Example.com\r\n", "")
        .replace("ATTENDEE;SCHEDULE-AGENT=CLIENT;ROLE=OPT-PARTICIPANT:mailto:carol@example.com\r\n", "")
        .replace("ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:dave@example.com\r\n", "");
    assert!(!view(&parse(&alone).unwrap()).unwrap().is_scheduling());
    let unorganized = MEETING.replace("ORGANIZER;CN=Alice:mailto:alice@example.com\r\n", "");
    assert!(!view(&parse(&unorganized).unwrap()).unwrap().is_scheduling());
    let two = MEETING.replacen(
        "ORGANIZER;CN=Alice:mailto:alice@example.com",
        "ORGANIZER:mailto:mallory@example.com",
        1,
    );
    assert!(view(&parse(&two).unwrap()).unwrap().organizers_differ());
}

#[test]
fn addresses_compare_without_case_on_mailto_only() {
    assert!(same_address("mailto:A@B.org", " MAILTO:a@b.ORG "));
    assert!(same_address("/principals/users/3/", "/principals/users/3"));
    assert!(!same_address(
        "/principals/users/3/",
        "/Principals/users/3/"
    ));
    assert!(!same_address("mailto:a@b.org", "mailto:a@c.org"));
}

#[test]
fn a_request_leaves_out_alarms_and_server_parameters() {
    let message = request(&meeting(), "mailto:bob@example.com").unwrap();
    assert_eq!(message.value("METHOD"), Some("REQUEST"));
    let text = message.render();
    assert!(!text.contains("SCHEDULE-"), "{text}");
    assert!(!text.contains("VALARM"), "{text}");
    // Bob is not in the moved instance: the master excludes it.
    assert_eq!(components(&message).count(), 1);
    let master = components(&message).next().unwrap();
    assert_eq!(master.value("EXDATE"), Some("20260107T100000Z"));
    assert!(text.contains("RSVP=TRUE"), "{text}");
}

#[test]
fn a_request_to_an_attendee_of_one_instance_carries_only_that_override() {
    let message = request(&meeting(), "mailto:dave@example.com").unwrap();
    let parts: Vec<_> = components(&message).collect();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].value("RECURRENCE-ID"), Some("20260107T100000Z"));
    assert!(request(&meeting(), "mailto:nobody@example.com").is_none());
    let copy = attendee_copy(&meeting(), "mailto:dave@example.com").unwrap();
    assert_eq!(copy.value("METHOD"), None);
    assert_eq!(components(&copy).count(), 1);
}

#[test]
fn a_cancel_supersedes_the_last_request() {
    let message = cancel(&meeting(), "mailto:bob@example.com", "20260102T000000Z").unwrap();
    assert_eq!(message.value("METHOD"), Some("CANCEL"));
    let master = components(&message).next().unwrap();
    assert_eq!(master.value("STATUS"), Some("CANCELLED"));
    assert_eq!(master.value("SEQUENCE"), Some("3"));
    assert_eq!(master.value("DTSTAMP"), Some("20260102T000000Z"));
}

#[test]
fn a_reply_carries_only_the_replying_attendee() {
    let message = reply(
        &meeting(),
        "mailto:bob@example.com",
        None,
        "20260102T000000Z",
    )
    .unwrap();
    assert_eq!(message.value("METHOD"), Some("REPLY"));
    let parts: Vec<_> = components(&message).collect();
    assert_eq!(parts.len(), 1);
    let part = parts[0];
    let names: Vec<&str> = part.props.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "UID",
            "SEQUENCE",
            "DTSTART",
            "ORGANIZER",
            "DTSTAMP",
            "ATTENDEE"
        ]
    );
    let attendee = part.prop("ATTENDEE").unwrap();
    assert_eq!(attendee.value, "mailto:Bob@Example.com");
    assert_eq!(attendee.param("SCHEDULE-STATUS"), None);
    assert_eq!(attendee.param("RSVP"), None);
    let only_override = reply(
        &meeting(),
        "mailto:dave@example.com",
        Some(&[Some("20260107T100000Z".into())]),
        "20260102T000000Z",
    )
    .unwrap();
    let parts: Vec<_> = components(&only_override).collect();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].value("RECURRENCE-ID"), Some("20260107T100000Z"));
    assert!(reply(&meeting(), "mailto:dave@example.com", Some(&[None]), "x").is_none());
}
