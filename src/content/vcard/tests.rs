//! Validation, accessors, media types and address-data output. The filter rules are
//! tested in `filter_tests.rs`.

use super::*;

/// A vCard from its content lines, CRLF-terminated, framed by BEGIN/END.
pub(super) fn card(lines: &[&str]) -> String {
    let mut text = String::from("BEGIN:VCARD\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VCARD\r\n");
    text
}

pub(super) fn contact(lines: &[&str]) -> ContactObject {
    let text = card(lines);
    ContactObject::parse(text.as_bytes()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

fn refused(text: &str) -> VCardError {
    ContactObject::parse(text.as_bytes()).expect_err(text)
}

#[test]
fn accepts_3_0_and_4_0() {
    let v3 = contact(&["VERSION:3.0", "FN:Jane", "N:Doe;Jane;;;", "UID:a-1"]);
    assert_eq!(v3.version(), VCardVersion::V3);
    assert_eq!(v3.uid(), Some("a-1"));
    let v4 = contact(&["VERSION:4.0", "FN:Jane"]);
    assert_eq!(v4.version(), VCardVersion::V4);
    assert_eq!(v4.uid(), None, "a vCard without UID is accepted");
    // LF line ends, a byte order mark and trailing blank lines are fine.
    let relaxed = "\u{feff}BEGIN:VCARD\nVERSION:3.0\nFN:X\nEND:VCARD\n\n";
    assert!(ContactObject::parse(relaxed.as_bytes()).is_ok());
}

#[test]
fn refuses_what_is_not_one_vcard_with_a_specific_reason() {
    let two = format!(
        "{}{}",
        card(&["VERSION:3.0", "FN:A"]),
        card(&["VERSION:3.0", "FN:B"])
    );
    let nested = card(&["VERSION:3.0", "FN:A", "BEGIN:VCARD", "VERSION:3.0", "FN:B"]);
    let cases: Vec<(String, VCardError, &str)> = vec![
        (two, VCardError::SeveralVCards, "two vCards in one resource"),
        (
            nested,
            VCardError::SeveralVCards,
            "two vCards in one resource",
        ),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\n".into(),
            VCardError::Unterminated,
            "BEGIN:VCARD without END:VCARD",
        ),
        (
            format!("{}garbage\r\n", card(&["VERSION:3.0", "FN:A"])),
            VCardError::TrailingContent("garbage".into()),
            "content after END:VCARD: \"garbage\"",
        ),
        (
            card(&["VERSION:3.0", "FN:A", "this line has no colon"]),
            VCardError::InvalidLine("this line has no colon".into()),
            "invalid vCard line: \"this line has no colon\"",
        ),
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n".into(),
            VCardError::NotVCard,
            "vCard data must start with BEGIN:VCARD",
        ),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCALENDAR\r\n".into(),
            VCardError::InvalidLine("END:VCALENDAR".into()),
            "invalid vCard line: \"END:VCALENDAR\"",
        ),
        (
            card(&["FN:A"]),
            VCardError::MissingVersion,
            "VERSION missing",
        ),
        (
            card(&["VERSION:3.0", "VERSION:4.0", "FN:A"]),
            VCardError::SeveralVersions,
            "more than one VERSION",
        ),
        (
            card(&["VERSION:2.1", "FN:A"]),
            VCardError::UnsupportedVersion("2.1".into()),
            "VERSION 2.1: CardDAV needs vCard 3.0 or 4.0",
        ),
    ];
    for (text, error, message) in cases {
        let err = refused(&text);
        assert_eq!(err, error, "{text}");
        assert_eq!(err.to_string(), message);
    }
    assert_eq!(
        ContactObject::parse(b"BEGIN:VCARD\r\nFN:\xff\r\nEND:VCARD\r\n").unwrap_err(),
        VCardError::NotUtf8
    );
}

#[test]
fn errors_tell_unsupported_data_from_invalid_data() {
    assert!(!refused(&card(&["VERSION:3.0", "FN:A", "junk"])).is_unsupported());
    assert!(!VCardError::NotUtf8.is_unsupported());
    assert!(refused(&card(&["VERSION:2.1", "FN:A"])).is_unsupported());
    assert!(media_type_version("text/calendar")
        .unwrap_err()
        .is_unsupported());
}

#[test]
fn display_name_falls_back_from_fn_to_n_to_org() {
    let with_fn = contact(&["VERSION:3.0", "FN:Dr. Jane Doe", "N:Doe;Jane;;Dr.;"]);
    assert_eq!(with_fn.display_name().as_deref(), Some("Dr. Jane Doe"));
    let with_n = contact(&["VERSION:3.0", "FN:", "N:Doe;Jane;Q.;Dr.;PhD"]);
    assert_eq!(
        with_n.display_name().as_deref(),
        Some("Dr. Jane Q. Doe PhD")
    );
    let with_org = contact(&["VERSION:4.0", "ORG:Example\\, Inc.;Sales"]);
    assert_eq!(with_org.display_name().as_deref(), Some("Example, Inc."));
    assert_eq!(contact(&["VERSION:4.0", "UID:x"]).display_name(), None);
}

#[test]
fn versions_by_name() {
    assert_eq!(VCardVersion::from_text("3.0"), Some(VCardVersion::V3));
    assert_eq!(VCardVersion::from_text(" 4.0 "), Some(VCardVersion::V4));
    assert_eq!(VCardVersion::from_text("2.1"), None);
    assert_eq!(VCardVersion::V3.as_str(), "3.0");
    assert_eq!(VCardVersion::V4.as_str(), "4.0");
}

#[test]
fn media_types_name_an_optional_version() {
    for (content_type, version) in [
        ("text/vcard", None),
        ("text/vcard; charset=utf-8", None),
        ("TEXT/VCARD;Version=4.0", Some(VCardVersion::V4)),
        (
            "text/vcard; version=\"3.0\"; charset=UTF-8",
            Some(VCardVersion::V3),
        ),
        ("text/x-vcard", None),
        ("text/directory; profile=vCard; charset=us-ascii", None),
        ("text/x-vcard;version=3.0", Some(VCardVersion::V3)),
    ] {
        assert_eq!(
            media_type_version(content_type),
            Ok(version),
            "{content_type}"
        );
    }
    for content_type in [
        "text/calendar",
        "application/vcard+json",
        "text/vcard; version=2.1",
        "text/vcard; charset=iso-8859-1",
        "",
    ] {
        assert!(
            matches!(
                media_type_version(content_type),
                Err(VCardError::UnsupportedMediaType(_))
            ),
            "{content_type}"
        );
    }
}

#[test]
fn accept_headers_pick_the_preferred_version() {
    for (accept, version) in [
        (None, None),
        (Some("text/vcard; version=4.0"), Some(VCardVersion::V4)),
        (
            Some("text/vcard;version=3.0, */*;q=0.1"),
            Some(VCardVersion::V3),
        ),
        (
            Some("text/vcard;version=3.0;q=0.5, text/vcard;version=4.0"),
            Some(VCardVersion::V4),
        ),
        (
            Some("text/vcard;version=4.0;q=0.9,text/vcard;version=3.0;q=0.9"),
            Some(VCardVersion::V4),
        ),
        (Some("TEXT/VCARD; VERSION=3.0"), Some(VCardVersion::V3)),
        (Some("text/x-vcard;version=4.0"), Some(VCardVersion::V4)),
        // The client takes any version.
        (Some("text/vcard"), None),
        (Some("*/*"), None),
        (Some("*/*, text/vcard;version=4.0;q=0.5"), None),
        (Some("text/html, application/xml"), None),
        // Versions the server does not have are no preference.
        (Some("text/vcard;version=2.1"), None),
        // Excluding one version asks for the other.
        (
            Some("text/vcard;version=3.0;q=0, */*"),
            Some(VCardVersion::V4),
        ),
    ] {
        assert_eq!(negotiate(accept), version, "{accept:?}");
    }
}

const PHOTO: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn apple_contact() -> String {
    card(&[
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iOS 17.0//EN",
        "N:Doe;Jane;Q.;Dr.;",
        "FN:Dr. Jane Q. Doe",
        "ORG:Example\\, Inc.;Sales",
        "EMAIL;type=INTERNET;type=WORK;type=pref:jane@example.com",
        "item1.EMAIL;type=INTERNET:jd@home.example",
        "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;type=CELL;type=VOICE:+1 555 0100",
        "ADR;type=HOME:;;1 Main St;Springfield;IL;62701;USA",
        "NOTE:Grüße\\, und bis bald",
        "BDAY:1980-05-17",
        &format!("PHOTO;ENCODING=b;TYPE=PNG:{PHOTO}"),
        "UID:5C1D2E3F-0000-4000-8000-000000000001",
    ])
}

fn render(data: &str, version: Option<VCardVersion>, props: Option<&[&str]>) -> String {
    let request = AddressDataRequest {
        version,
        props: props.map(|names| names.iter().map(|name| name.to_string()).collect()),
    };
    String::from_utf8(ContactObject::render(data.as_bytes(), &request)).unwrap()
}

/// Content lines unfolded, so assertions do not depend on where the writer folds.
fn unfolded(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn has_line(text: &str, line: &str) -> bool {
    unfolded(text).iter().any(|own| own == line)
}

#[test]
fn stored_bytes_come_back_unchanged_when_nothing_is_converted() {
    // Odd spellings a rewrite would normalise: lower-case parameters, LF line ends.
    let stored = "BEGIN:VCARD\nVERSION:3.0\nFN:Jane\nEMAIL;type=work:j@x.example\nEND:VCARD\n";
    assert_eq!(render(stored, None, None), stored);
    assert_eq!(render(stored, Some(VCardVersion::V3), None), stored);
    // Stored data that no longer parses is still served as stored.
    let foreign = "BEGIN:VCARD\nVERSION:2.1\nFN:Old\nEND:VCARD\n";
    assert_eq!(render(foreign, Some(VCardVersion::V4), None), foreign);
}

#[test]
fn a_property_selection_in_the_stored_version_keeps_the_lines_as_stored() {
    let stored = card(&[
        "VERSION:3.0",
        "UID:u-1",
        "NICKNAME:me",
        "FN:Cyrus Daboo",
        "EMAIL;type=work:daboo@example.com",
        "item1.EMAIL:other@example.com",
        "NOTE:a long note folded",
        " over two lines",
        "TEL:+1 555",
    ]);
    let out = render(&stored, None, Some(&["EMAIL", "NOTE"]));
    assert_eq!(
        out,
        card(&[
            "VERSION:3.0",
            "UID:u-1",
            "EMAIL;type=work:daboo@example.com",
            "item1.EMAIL:other@example.com",
            "NOTE:a long note folded",
            " over two lines",
        ])
    );
    // A group prefix selects that group only; names compare without case.
    let out = render(&stored, Some(VCardVersion::V3), Some(&["ITEM1.EMAIL"]));
    assert_eq!(
        out,
        card(&["VERSION:3.0", "UID:u-1", "item1.EMAIL:other@example.com"])
    );
}

#[test]
fn three_to_four_and_back_keeps_the_contact() {
    let stored = apple_contact();
    let v4 = render(&stored, Some(VCardVersion::V4), None);
    for line in [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "N:Doe;Jane;Q.;Dr.;",
        "FN:Dr. Jane Q. Doe",
        "ORG:Example\\, Inc.;Sales",
        "EMAIL;TYPE=INTERNET,WORK;PREF=1:jane@example.com",
        "item1.EMAIL;TYPE=INTERNET:jd@home.example",
        "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;TYPE=CELL,VOICE:+1 555 0100",
        "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA",
        "NOTE:Grüße\\, und bis bald",
        "BDAY:19800517",
        &format!("PHOTO:data:image/png;base64,{PHOTO}"),
        "UID:5C1D2E3F-0000-4000-8000-000000000001",
        "END:VCARD",
    ] {
        assert!(has_line(&v4, line), "{line} missing in\n{v4}");
    }
    assert_eq!(unfolded(&v4).len(), 16, "{v4}");
    assert_eq!(
        ContactObject::parse(v4.as_bytes()).unwrap().version(),
        VCardVersion::V4
    );

    let v3 = render(&v4, Some(VCardVersion::V3), None);
    for line in [
        "VERSION:3.0",
        "N:Doe;Jane;Q.;Dr.;",
        "FN:Dr. Jane Q. Doe",
        "EMAIL;TYPE=INTERNET,WORK,pref:jane@example.com",
        "item1.EMAIL;TYPE=INTERNET:jd@home.example",
        "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;TYPE=CELL,VOICE:+1 555 0100",
        "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA",
        // calcard marks non-ASCII text with CHARSET in 3.0.
        "NOTE;CHARSET=UTF-8:Grüße\\, und bis bald",
        "BDAY:1980-05-17",
        &format!("PHOTO;ENCODING=b;TYPE=PNG:{PHOTO}"),
        "UID:5C1D2E3F-0000-4000-8000-000000000001",
    ] {
        assert!(has_line(&v3, line), "{line} missing in\n{v3}");
    }
}

#[test]
fn four_to_three_writes_inline_data_and_preference_the_3_0_way() {
    let stored = card(&[
        "VERSION:4.0",
        "FN:Jane",
        "EMAIL;TYPE=work;PREF=1:jane@example.com",
        "EMAIL;TYPE=home;PREF=2:jane@home.example",
        "PHOTO:data:image/jpeg;base64,/9j/4AAQ",
        "UID:urn:uuid:0e2f5e3a-1111-4222-8333-944444444444",
    ]);
    let v3 = render(&stored, Some(VCardVersion::V3), None);
    assert!(
        has_line(&v3, "EMAIL;TYPE=WORK,pref:jane@example.com"),
        "{v3}"
    );
    // 3.0 has no ranks below the preferred one.
    assert!(has_line(&v3, "EMAIL;TYPE=HOME:jane@home.example"), "{v3}");
    assert!(has_line(&v3, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ"), "{v3}");
    assert!(has_line(
        &v3,
        "UID:urn:uuid:0e2f5e3a-1111-4222-8333-944444444444"
    ));
}

#[test]
fn apple_groups_survive_conversion() {
    let members = [
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:11111111-2222-4333-8444-555555555555",
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:66666666-7777-4888-9999-000000000000",
    ];
    let stored = card(&[
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//AddressBook 6.0//EN",
        "N:Team",
        "FN:Team",
        "X-ADDRESSBOOKSERVER-KIND:group",
        members[0],
        members[1],
        "UID:group-1",
    ]);
    let v4 = render(&stored, Some(VCardVersion::V4), None);
    let back = render(&v4, Some(VCardVersion::V3), None);
    for text in [&v4, &back] {
        assert!(has_line(text, "X-ADDRESSBOOKSERVER-KIND:group"), "{text}");
        for member in members {
            assert!(has_line(text, member), "{member} missing in\n{text}");
        }
        let group = ContactObject::parse(text.as_bytes()).unwrap();
        assert_eq!(group.uid(), Some("group-1"));
    }
}

#[test]
fn a_converted_selection_keeps_version_and_uid() {
    let out = render(
        &apple_contact(),
        Some(VCardVersion::V4),
        Some(&["FN", "EMAIL"]),
    );
    assert_eq!(
        unfolded(&out),
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "FN:Dr. Jane Q. Doe",
            "EMAIL;TYPE=INTERNET,WORK;PREF=1:jane@example.com",
            "item1.EMAIL;TYPE=INTERNET:jd@home.example",
            "UID:5C1D2E3F-0000-4000-8000-000000000001",
            "END:VCARD",
        ]
    );
}
