//! What is refused as calendar data or as a calendar object resource.

use super::*;

fn refused(text: &str) -> CalendarError {
    CalendarObject::parse_submitted(text.replace('\n', "\r\n").as_bytes(), &limits())
        .expect_err("refused")
}

#[test]
fn garbage_and_vcards_are_not_calendar_data() {
    assert!(matches!(
        refused("hello world\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        CalendarObject::parse_submitted(&[0xff, 0xfe, 0x00], &limits()),
        Err(CalendarError::InvalidData(_))
    ));
    assert!(matches!(
        refused("BEGIN:VCARD\nVERSION:4.0\nFN:Alice\nEND:VCARD\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:not-a-date\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:20240101T100000Z\nDTEND:20240101T090000Z\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
    assert!(matches!(
        refused("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART:20240101T100000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\nEND:VCALENDAR\n"),
        CalendarError::InvalidData(_)
    ));
}

#[test]
fn objects_breaking_4_1_are_invalid_resources() {
    let event = |uid: &str| {
        format!("BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T100000Z\nEND:VEVENT\n")
    };
    let wrap = |body: &str, head: &str| {
        format!("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n")
    };
    let two_uids = wrap(&format!("{}{}", event("a"), event("b")), "");
    assert!(matches!(
        refused(&two_uids),
        CalendarError::InvalidObjectResource(_)
    ));
    let method = wrap(&event("a"), "METHOD:REQUEST\n");
    assert!(matches!(
        refused(&method),
        CalendarError::InvalidObjectResource(_)
    ));
    let mixed = wrap(
        &format!(
            "{}BEGIN:VTODO\nUID:a\nDTSTAMP:20240101T000000Z\nEND:VTODO\n",
            event("a")
        ),
        "",
    );
    assert!(matches!(
        refused(&mixed),
        CalendarError::InvalidObjectResource(_)
    ));
    let no_uid = wrap(
        "BEGIN:VEVENT\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T100000Z\nEND:VEVENT\n",
        "",
    );
    assert!(matches!(
        refused(&no_uid),
        CalendarError::InvalidObjectResource(_)
    ));
    let empty = wrap("", "");
    assert!(matches!(
        refused(&empty),
        CalendarError::InvalidObjectResource(_)
    ));
    // One UID, master and override: fine.
    let fine = wrap(
        &format!(
            "{}BEGIN:VEVENT\nUID:a\nDTSTAMP:20240101T000000Z\nRECURRENCE-ID:20240101T100000Z\nDTSTART:20240101T120000Z\nEND:VEVENT\n",
            event("a")
        ),
        "",
    );
    assert!(
        CalendarObject::parse_submitted(fine.replace('\n', "\r\n").as_bytes(), &limits()).is_ok()
    );
}

#[test]
fn every_rfc_object_parses_with_its_uid() {
    let uids: Vec<String> = NAMES
        .iter()
        .map(|name| fixture(name).index().uid.clone())
        .collect();
    assert_eq!(uids[0], "74855313FA803DA593CD579A@example.com");
    assert_eq!(uids[7], "76ef34-54a3d2@example.com");
    assert_eq!(fixture("abcd8").index().component, ComponentKind::FreeBusy);
}
