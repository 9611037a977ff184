//! What a vCard PUT must not store, through the real router on SQLite and PostgreSQL: an
//! unterminated vCard, two UIDs, control characters (also when quoted-printable decodes
//! to them), UIDs beyond the limit and more properties than a component may hold.

mod common;

use common::carddav::*;
use common::http::*;
use http::StatusCode;

/// The `<reason>` davgate puts beside a precondition.
fn reason(answer: &Answer) -> String {
    parse_xml(&answer.body)
        .child("http://davgate.org/ns/", "reason")
        .map(|reason| reason.text.clone())
        .unwrap_or_default()
}

/// PUT refused with 403 `CARDDAV:valid-address-data` and a reason holding `because`,
/// leaving nothing at the path.
async fn assert_refused(site: &Site, path: &str, body: &str, because: &str) {
    let answer = put_vcard(site, "alice", path, body).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "{path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let root = parse_xml(&answer.body);
    assert!(
        root.child(CARDDAV, "valid-address-data").is_some(),
        "{path}: {root:?}"
    );
    let reason = reason(&answer);
    assert!(
        reason.contains(because),
        "{path}: reason {reason:?} does not say {because:?}"
    );
    let get = send(&site.app, call("GET", path, "alice")).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND, "{path}: nothing stored");
}

#[tokio::test]
async fn unterminated_vcards_and_doubled_uids_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, common::caldav::LAYOUT).await;
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let whole = vcard("whole", "Whole Person", "whole@example.com");
        assert_refused(
            &site,
            &format!("{book}open.vcf"),
            &whole.replace("END:VCARD\r\n", ""),
            "END:VCARD",
        )
        .await;
        assert_refused(
            &site,
            &format!("{book}doubled.vcf"),
            &whole.replace("UID:whole\r\n", "UID:whole\r\nUID:other\r\n"),
            "more than one UID",
        )
        .await;
        let answer = put_vcard(&site, "alice", &format!("{book}whole.vcf"), &whole).await;
        assert_eq!(answer.status, StatusCode::CREATED);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn control_characters_in_vcards_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, common::caldav::LAYOUT).await;
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let nul = vcard("nul", "Nul\u{0}Person", "nul@example.com");
        assert_refused(&site, &format!("{book}nul.vcf"), &nul, "U+0000").await;
        let bell = vcard("bell", "Bell\u{7}Person", "bell@example.com");
        assert_refused(&site, &format!("{book}bell.vcf"), &bell, "U+0007").await;
        // A NUL only quoted-printable decoding produces, in the name the index keeps.
        let encoded = vcard("encoded", "x", "encoded@example.com")
            .replace("FN:x", "FN;ENCODING=QUOTED-PRINTABLE:Nul=00Person");
        assert_refused(
            &site,
            &format!("{book}encoded.vcf"),
            &encoded,
            "control character",
        )
        .await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn vcard_uids_and_properties_are_bounded() {
    for db in common::databases().await {
        let site = site(&db.store, common::caldav::LAYOUT).await;
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let huge = "u".repeat(3000);
        assert_refused(
            &site,
            &format!("{book}huge.vcf"),
            &vcard(&huge, "Huge Uid", "huge@example.com"),
            "UID is longer than 1024",
        )
        .await;
        let crowded = vcard("crowded", "Crowded Card", "crowded@example.com").replace(
            "END:VCARD",
            &format!("{}END:VCARD", "NOTE:x\r\n".repeat(10_000)),
        );
        assert_refused(
            &site,
            &format!("{book}crowded.vcf"),
            &crowded,
            "VCARD has more than 10000 properties",
        )
        .await;
        // An Apple group of 5,000 members is one line per member.
        let members: String = (0..5000)
            .map(|i| format!("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:member-{i}\r\n"))
            .collect();
        let group = format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:group\r\nFN:Everyone\r\nN:Everyone;;;;\r\n\
             X-ADDRESSBOOKSERVER-KIND:group\r\n{members}END:VCARD\r\n"
        );
        let answer = put_vcard(&site, "alice", &format!("{book}group.vcf"), &group).await;
        assert_eq!(answer.status, StatusCode::CREATED);
        db.drop_database().await;
    }
}
