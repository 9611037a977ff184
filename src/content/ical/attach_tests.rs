use super::*;

const RECURRING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n\
BEGIN:VEVENT\r\nUID:r1\r\nDTSTAMP:20261201T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20261203T100000\r\nRRULE:FREQ=DAILY;COUNT=5\r\n\
SUMMARY:A long summary that is folded over two lines because it is longer than\r\n  \
seventy-five octets\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n\
END:VEVENT\r\nBEGIN:VEVENT\r\nUID:r1\r\nDTSTAMP:20261201T000000Z\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20261204T100000\r\n\
DTSTART;TZID=Europe/Berlin:20261204T120000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn attach(id: &str) -> ManagedAttach {
    ManagedAttach {
        managed_id: id.into(),
        filename: "plan; v2.pdf".into(),
        fmttype: "application/pdf".into(),
        size: 1234,
        url: "https://dav.example.com/dav/caldav/7/r1.ics.attachments/".to_owned() + id,
    }
}

fn text(data: &[u8]) -> &str {
    std::str::from_utf8(data).unwrap()
}

#[test]
fn an_attach_line_quotes_what_needs_it_and_folds_at_75_octets() {
    let line = attach("abc").content_line();
    assert!(line.starts_with("ATTACH;MANAGED-ID=abc;FILENAME=\"plan; v2.pdf\";FMTTYPE="));
    assert!(line.lines().all(|l| l.len() <= 75), "{line}");
    assert_eq!(
        managed_ids(format!("BEGIN:VEVENT\r\n{line}").as_bytes()),
        ["abc"]
    );
    let odd = ManagedAttach {
        filename: "a\"b\u{7}c".into(),
        ..attach("x")
    };
    assert!(odd.content_line().contains("FILENAME=abc;"));
}

#[test]
fn adding_without_rid_reaches_every_component_and_keeps_the_rest() {
    let added = add(RECURRING.as_bytes(), &attach("m1"), None).unwrap();
    let added = text(&added);
    assert_eq!(added.matches("MANAGED-ID=m1").count(), 2);
    // The alarm keeps its place; the ATTACH goes at the end of the event, after it.
    assert!(added.contains("END:VALARM\r\nATTACH;MANAGED-ID=m1"));
    assert!(added.contains("than\r\n  seventy-five"));
    assert_eq!(managed_ids(added.as_bytes()), ["m1"]);
}

#[test]
fn rids_name_the_master_and_overridden_instances_in_utc() {
    let master = add(RECURRING.as_bytes(), &attach("m1"), Some(&[Rid::Master])).unwrap();
    let master = text(&master);
    assert_eq!(master.matches("MANAGED-ID=m1").count(), 1);
    assert!(master.find("MANAGED-ID").unwrap() < master.find("RECURRENCE-ID").unwrap());

    // 10:00 in Berlin on 4 December is 09:00 UTC.
    let rids = parse_rids("20261204T090000Z").unwrap();
    let instance = add(RECURRING.as_bytes(), &attach("i1"), Some(&rids)).unwrap();
    let instance = text(&instance);
    assert_eq!(instance.matches("MANAGED-ID=i1").count(), 1);
    assert!(instance.find("MANAGED-ID").unwrap() > instance.find("RECURRENCE-ID").unwrap());

    let missing = parse_rids("20261205T090000Z").unwrap();
    assert_eq!(
        add(RECURRING.as_bytes(), &attach("i1"), Some(&missing)),
        Err(AttachEditError::NoSuchInstance("20261205T090000Z".into()))
    );
    assert_eq!(parse_rids("tomorrow"), None);
    assert_eq!(
        parse_rids("M,20261204"),
        Some(vec![Rid::Master, Rid::Instance("20261204".into())])
    );
}

#[test]
fn replacing_and_removing_touch_only_the_named_attachment() {
    let both = add(RECURRING.as_bytes(), &attach("a"), None).unwrap();
    let both = add(&both, &attach("b"), Some(&[Rid::Master])).unwrap();
    assert_eq!(managed_ids(&both), ["a", "b"]);

    let replaced = replace(&both, "a", &attach("c")).unwrap();
    assert_eq!(managed_ids(&replaced), ["c", "b"]);
    assert_eq!(text(&replaced).matches("MANAGED-ID=c").count(), 2);

    let rids = parse_rids("20261204T090000Z").unwrap();
    let one_removed = remove(&replaced, "c", Some(&rids)).unwrap();
    assert_eq!(text(&one_removed).matches("MANAGED-ID=c").count(), 1);
    let all_removed = remove(&one_removed, "c", None).unwrap();
    assert_eq!(managed_ids(&all_removed), ["b"]);
    assert_eq!(
        remove(&all_removed, "c", None),
        Err(AttachEditError::NoSuchAttachment)
    );
    assert_eq!(
        replace(&all_removed, "zzz", &attach("d")),
        Err(AttachEditError::NoSuchAttachment)
    );
    // Everything else is as it was.
    let original_lines: Vec<&str> = RECURRING.split("\r\n").collect();
    let lines: Vec<&str> = text(&all_removed)
        .split("\r\n")
        .filter(|l| !l.starts_with("ATTACH") && !l.starts_with(' '))
        .collect();
    let kept: Vec<&str> = original_lines
        .into_iter()
        .filter(|l| !l.starts_with(' '))
        .collect();
    assert_eq!(lines, kept);
}

#[test]
fn managed_ids_are_read_from_folded_and_quoted_parameters() {
    let data =
        "BEGIN:VEVENT\r\nATTACH;FMTTYPE=text/plain;MANAG\r\n ED-ID=\"x:1\";SIZE=3:https://h/a\r\n\
ATTACH:https://example.com/not-managed\r\nATTACH;managed-id=y2:https://h/b\r\nEND:VEVENT\r\n";
    assert_eq!(managed_ids(data.as_bytes()), ["x:1", "y2"]);
    assert!(managed_ids(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").is_empty());
}
