use super::*;
use crate::scheduling::itip::view;
use crate::scheduling::lines::parse;

const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20260105T100000\r\nDTEND;TZID=Europe/Berlin:20260105T113000\r\n\
RRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Standup\r\n\
ORGANIZER:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

fn series() -> Component {
    parse(SERIES).unwrap()
}

fn declined() -> Participation {
    Participation {
        partstat: "DECLINED".into(),
        delegated_to: vec![],
    }
}

#[test]
fn a_reply_for_the_master_sets_partstat_there() {
    let mut cal = series();
    let accepted = Participation {
        partstat: "ACCEPTED".into(),
        delegated_to: vec![],
    };
    assert!(set_participation(
        &mut cal,
        "MAILTO:BOB@example.com",
        None,
        &accepted
    ));
    let view = view(&cal).unwrap();
    let bob = view.instances[0]
        .attendee("mailto:bob@example.com")
        .unwrap();
    assert_eq!(bob.partstat, "ACCEPTED");
    assert!(!bob.rsvp);
    assert_eq!(
        view.instances[0]
            .attendee("mailto:carol@example.com")
            .unwrap()
            .partstat,
        "NEEDS-ACTION"
    );
    assert!(!set_participation(
        &mut cal,
        "mailto:zed@example.com",
        None,
        &accepted
    ));
}

#[test]
fn an_instance_reply_makes_an_override_from_the_master() {
    let mut cal = series();
    assert!(set_participation(
        &mut cal,
        "mailto:bob@example.com",
        Some("20260107T100000"),
        &declined()
    ));
    let view = view(&cal).unwrap();
    assert_eq!(view.instances.len(), 2);
    let made = &view.instances[1];
    assert_eq!(made.recurrence_id.as_deref(), Some("20260107T100000"));
    assert_eq!(
        made.attendee("mailto:bob@example.com").unwrap().partstat,
        "DECLINED"
    );
    assert_eq!(
        view.instances[0]
            .attendee("mailto:bob@example.com")
            .unwrap()
            .partstat,
        "NEEDS-ACTION"
    );
    let component = &cal.children[1];
    assert_eq!(component.value("DTSTART"), Some("20260107T100000"));
    assert_eq!(
        component.prop("DTSTART").unwrap().param("TZID"),
        Some("Europe/Berlin")
    );
    assert_eq!(component.value("DTEND"), Some("20260107T113000"));
    assert!(component.prop("RRULE").is_none());
    assert_eq!(
        component.prop("RECURRENCE-ID").unwrap().param("TZID"),
        Some("Europe/Berlin")
    );
    // A second reply for the same instance edits the override just made.
    let accepted = Participation {
        partstat: "ACCEPTED".into(),
        delegated_to: vec![],
    };
    set_participation(
        &mut cal,
        "mailto:bob@example.com",
        Some("20260107T100000"),
        &accepted,
    );
    assert_eq!(cal.children.len(), 2);
}

#[test]
fn schedule_status_and_force_send() {
    let mut cal = parse(&SERIES.replace(
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol",
        "ATTENDEE;SCHEDULE-FORCE-SEND=REQUEST;PARTSTAT=NEEDS-ACTION:mailto:carol",
    ))
    .unwrap();
    set_schedule_status(&mut cal, "mailto:Carol@example.com", "1.2");
    clear_force_send(&mut cal);
    let carol = view(&cal).unwrap().instances[0]
        .attendee("mailto:carol@example.com")
        .cloned()
        .unwrap();
    assert_eq!(carol.schedule_status.as_deref(), Some("1.2"));
    assert_eq!(carol.force_send, None);
}

#[test]
fn an_attendee_may_change_her_participation_alarms_and_transparency() {
    let old = series();
    let mine = SERIES
        .replace(
            "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob",
        )
        .replace(
            "SUMMARY:Standup\r\n",
            "SUMMARY:Standup\r\nTRANSP:TRANSPARENT\r\nX-APPLE-TRAVEL:1\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n",
        )
        .replace("DTSTAMP:20260101T000000Z", "DTSTAMP:20260103T000000Z");
    assert_eq!(
        attendee_change_allowed(&old, &parse(&mine).unwrap()),
        Ok(())
    );
    let renamed = SERIES.replace("SUMMARY:Standup", "SUMMARY:Mine");
    let refused = attendee_change_allowed(&old, &parse(&renamed).unwrap()).unwrap_err();
    assert!(refused.contains("SUMMARY"), "{refused}");
    let moved = SERIES.replace("20260105T100000\r\n", "20260105T090000\r\n");
    assert!(attendee_change_allowed(&old, &parse(&moved).unwrap()).is_err());
    let uninvited = SERIES.replace(
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com\r\n",
        "",
    );
    assert!(attendee_change_allowed(&old, &parse(&uninvited).unwrap()).is_err());
}

#[test]
fn an_attendee_may_add_an_override_that_only_declines() {
    let old = series();
    let mut new = series();
    set_participation(
        &mut new,
        "mailto:bob@example.com",
        Some("20260107T100000"),
        &declined(),
    );
    assert_eq!(attendee_change_allowed(&old, &new), Ok(()));
    let mut moved = series();
    set_participation(
        &mut moved,
        "mailto:bob@example.com",
        Some("20260107T100000"),
        &declined(),
    );
    moved.children[1].set_value("SUMMARY", "Other");
    assert!(attendee_change_allowed(&old, &moved).is_err());
    let mut bogus = series();
    let mut extra = override_from_master(&bogus, "20260107T100000").unwrap();
    extra.set_value("DTSTART", "20260107T150000");
    bogus.children.push(extra);
    assert!(attendee_change_allowed(&old, &bogus).is_err());
}

#[test]
fn her_copy_keeps_the_stored_participation_of_others() {
    let mut stored = series();
    let accepted = Participation {
        partstat: "ACCEPTED".into(),
        delegated_to: vec![],
    };
    set_participation(&mut stored, "mailto:carol@example.com", None, &accepted);
    let mut sent = series();
    set_participation(&mut sent, "mailto:bob@example.com", None, &declined());
    keep_others_participation(&stored, &mut sent, "mailto:bob@example.com");
    let view = view(&sent).unwrap();
    assert_eq!(
        view.instances[0]
            .attendee("mailto:carol@example.com")
            .unwrap()
            .partstat,
        "ACCEPTED"
    );
    assert_eq!(
        view.instances[0]
            .attendee("mailto:bob@example.com")
            .unwrap()
            .partstat,
        "DECLINED"
    );
    assert_eq!(
        participations(&sent, "mailto:bob@example.com"),
        [(None, declined())]
    );
}

#[test]
fn a_new_copy_keeps_her_alarms_and_transparency() {
    let previous = parse(&SERIES.replace(
        "SUMMARY:Standup\r\n",
        "SUMMARY:Standup\r\nTRANSP:TRANSPARENT\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT9M\r\nEND:VALARM\r\n",
    ))
    .unwrap();
    let mut next = parse(&SERIES.replace("SUMMARY:Standup", "SUMMARY:Moved")).unwrap();
    keep_personal(&previous, &mut next);
    let text = next.render();
    assert!(text.contains("TRIGGER:-PT9M"), "{text}");
    assert!(text.contains("TRANSP:TRANSPARENT"), "{text}");
    assert!(text.contains("SUMMARY:Moved"), "{text}");
}
