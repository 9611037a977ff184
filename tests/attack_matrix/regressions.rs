//! Focused tests of answers the attack matrix found wrong and that were fixed, each on
//! the plain two-user site.

use davgate::store::FolderModule;
use http::StatusCode;

use crate::common::caldav::{
    assert_precondition, calendar_path, default_folder, needed_privileges, LAYOUT,
};
use crate::common::carddav::{book_path, contacts_folder};
use crate::common::http::*;

const MKCALENDAR: &str = r#"<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>New</D:displayname></D:prop></D:set></C:mkcalendar>"#;
const MKCOL: &str = r#"<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>"#;

/// LOCK, UNLOCK, PATCH and methods nobody defined are implemented on no resource:
/// 501 (RFC 7231 4.1), the same on a collection the user owns, one she may not see and
/// one that does not exist, so the answer tells nothing about the path. Without
/// credentials the answer stays 401.
#[tokio::test]
async fn methods_implemented_nowhere_answer_501_whatever_the_path() {
    for db in crate::common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let own =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let bobs =
            calendar_path(&default_folder(&db.store, &site.bob, FolderModule::Calendar).await);
        for method in ["LOCK", "UNLOCK", "PATCH", "FROBNICATE"] {
            for path in ["/dav/", own.as_str(), bobs.as_str(), "/dav/caldav/nothing/"] {
                let answer = send(
                    &site.app,
                    Call::new(method, path).auth("alice", ALICE_PASSWORD),
                )
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::NOT_IMPLEMENTED,
                    "{}: {method} {path}",
                    db.label
                );
            }
            let anonymous = send(&site.app, Call::new(method, &own)).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", db.label);
        }
        let options = send(&site.app, Call::new("OPTIONS", "/dav/")).await;
        let allow = options.header("allow").expect("OPTIONS names the methods");
        let methods: Vec<&str> = allow.split(", ").collect();
        assert!(
            !methods.contains(&"LOCK") && !methods.contains(&"PATCH"),
            "{allow}"
        );
        // POST is implemented (by the scheduling outbox), so the general answer names it.
        assert!(methods.contains(&"POST"), "{allow}");
    }
}

/// MKCOL and MKCALENDAR make calendars in the calendar home only. Below a calendar or an
/// address book (a member path, taken or free) and in the address book home (davgate
/// makes no address books) the location does not allow it: 403 (RFC 4918 9.3.1, RFC
/// 4791 5.3.1), the same whether another user's folder has the id or none does. On an
/// existing collection MKCOL stays 405, with the Allow of that collection (RFC 4918
/// 9.3.1), and MKCALENDAR is 403 `DAV:resource-must-be-null` (RFC 4791 5.3.1.1).
#[tokio::test]
async fn collections_are_made_only_where_the_home_allows_them() {
    for db in crate::common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let bobs_book = book_path(contacts_folder(&db.store, &site.bob).await.id);
        let nowhere = [
            format!("{calendar}new.ics"),
            format!("{book}new.vcf"),
            "/dav/carddav/new-book/".to_string(),
            bobs_book,
            "/dav/carddav/987654/".to_string(),
        ];
        for (method, body) in [("MKCALENDAR", MKCALENDAR), ("MKCOL", MKCOL)] {
            for path in &nowhere {
                let answer = send(
                    &site.app,
                    Call::new(method, path)
                        .auth("alice", ALICE_PASSWORD)
                        .body(body),
                )
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{}: {method} {path}: {}",
                    db.label,
                    String::from_utf8_lossy(&answer.body)
                );
            }
            for path in ["/dav/", calendar.as_str(), book.as_str()] {
                let answer = send(
                    &site.app,
                    Call::new(method, path)
                        .auth("alice", ALICE_PASSWORD)
                        .body(body),
                )
                .await;
                if method == "MKCALENDAR" {
                    assert_precondition(
                        &answer,
                        StatusCode::FORBIDDEN,
                        DAV,
                        "resource-must-be-null",
                        &format!("{}: {method} {path}", db.label),
                    );
                    continue;
                }
                assert_eq!(
                    answer.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{}: {method} {path}",
                    db.label
                );
                let get = send(
                    &site.app,
                    Call::new("GET", path).auth("alice", ALICE_PASSWORD),
                )
                .await;
                assert_eq!(
                    answer.header("allow"),
                    get.header("allow"),
                    "{}: {path} names the same methods whichever it refuses",
                    db.label
                );
            }
        }
    }
}

/// The aggregated address book grants nobody DAV:write-properties (its privilege set
/// says so), so a PROPPATCH is refused with DAV:need-privileges naming it, as on any
/// other collection the user may not change.
#[tokio::test]
async fn the_aggregated_address_book_refuses_proppatch_with_need_privileges() {
    for db in crate::common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let answer = send(
            &site.app,
            Call::new("PROPPATCH", "/dav/carddav/Contacts/")
                .auth("alice", ALICE_PASSWORD)
                .body(r#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Mine</D:displayname></D:prop></D:set></D:propertyupdate>"#),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", db.label);
        assert_eq!(
            needed_privileges(&answer),
            vec![(
                "/dav/carddav/Contacts/".to_string(),
                "write-properties".to_string()
            )],
            "{}",
            db.label
        );
    }
}
