//! What strict clients and conformance suites expect when a collection cannot be made or a
//! resource cannot be created where they ask, on SQLite and PostgreSQL: 409 below a
//! missing collection (RFC 4918 9.3.1, 9.7.1), 415 for a MKCOL body that is not XML (RFC
//! 4918 9.3), MKCALENDAR's own preconditions (RFC 4791 5.3.1.1), a component set that
//! cannot be honoured whole refused whole (RFC 4791 5.3.1, RFC 5689 3), and
//! `DAV:need-privileges` on a write into the read-only global address list.

mod common;

use common::caldav::*;
use common::carddav::{book_path, contacts_folder, vcard};
use common::http::*;
use davgate::store::{FolderModule, GLOBAL_ADDRESS_BOOK};
use http::StatusCode;

fn mkcalendar(components: &[&str]) -> String {
    let comps: String = components
        .iter()
        .map(|c| format!(r#"<C:comp name="{c}"/>"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Both</D:displayname><C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"#
    )
}

fn extended_mkcol(components: &[&str]) -> String {
    let comps: String = components
        .iter()
        .map(|c| format!(r#"<C:comp name="{c}"/>"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Both</D:displayname><C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set></D:prop></D:set></D:mkcol>"#
    )
}

async fn as_alice(site: &Site, method: &str, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new(method, path)
            .auth("alice", ALICE_PASSWORD)
            .header("content-type", "application/xml; charset=utf-8")
            .body(body.to_string()),
    )
    .await
}

/// The displaynames of the collections in alice's calendar home.
async fn home_names(site: &Site) -> Vec<String> {
    let answer = send(
        &site.app,
        Call::new("PROPFIND", "/dav/caldav/")
            .auth("alice", ALICE_PASSWORD)
            .depth("1")
            .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>"#),
    )
    .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    answer
        .multistatus()
        .iter()
        .filter_map(|r| {
            r.prop(DAV, "displayname")
                .map(|(_, node)| node.text.clone())
        })
        .collect()
}

#[tokio::test]
async fn nothing_is_created_below_a_collection_that_is_not_there() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let bobs =
            calendar_path(&default_folder(&db.store, &site.bob, FolderModule::Calendar).await);
        let cases = [
            (
                "PUT",
                "/dav/caldav/no-such-calendar/a.ics".to_string(),
                event("a", "A", 1),
            ),
            ("PUT", format!("{bobs}a.ics"), event("a", "A", 1)),
            ("PUT", format!("{calendar}sub/a.ics"), event("a", "A", 1)),
            (
                "PUT",
                "/dav/carddav/987654/a.vcf".to_string(),
                vcard("a", "A", "a@example.com"),
            ),
            (
                "MKCOL",
                "/dav/caldav/no-such-calendar/sub/".to_string(),
                String::new(),
            ),
            (
                "MKCALENDAR",
                format!("{calendar}sub/deeper/"),
                String::new(),
            ),
        ];
        for (method, path, body) in cases {
            let answer = as_alice(&site, method, &path, &body).await;
            assert_eq!(
                answer.status,
                StatusCode::CONFLICT,
                "{}: {method} {path}: {}",
                db.label,
                String::from_utf8_lossy(&answer.body)
            );
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn mkcalendar_where_something_is_or_inside_a_calendar_names_the_precondition() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        put_new(&site, &format!("{calendar}taken.ics"), &event("t", "T", 1)).await;
        for path in [calendar.clone(), "/dav/caldav/".into(), book.clone()] {
            let answer = as_alice(&site, "MKCALENDAR", &path, &mkcalendar(&["VEVENT"])).await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "resource-must-be-null",
                &format!("{}: MKCALENDAR {path}", db.label),
            );
        }
        for (method, path) in [
            ("MKCALENDAR", format!("{calendar}inner/")),
            ("MKCOL", format!("{calendar}inner/")),
            ("MKCALENDAR", format!("{calendar}taken.ics")),
        ] {
            let answer = as_alice(&site, method, &path, "").await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                CALDAV,
                "calendar-collection-location-ok",
                &format!("{}: {method} {path}", db.label),
            );
        }
        let answer = as_alice(&site, "MKCOL", &format!("{book}inner/"), "").await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CARDDAV,
            "addressbook-collection-location-ok",
            &format!("{}: MKCOL inside an address book", db.label),
        );
        let taken = get(&site, &format!("{calendar}taken.ics")).await;
        assert_eq!(taken.status, StatusCode::OK, "the member is still there");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_mkcol_body_that_is_not_xml_is_unsupported_media() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        for (content_type, body) in [
            ("xzy-foo/bar", "afafafaf"),
            ("text/plain", "<D:mkcol xmlns:D=\"DAV:\"/>"),
            ("application/xml", "this is not xml"),
        ] {
            for method in ["MKCOL", "MKCALENDAR"] {
                let answer = send(
                    &site.app,
                    Call::new(method, "/dav/caldav/typed/")
                        .auth("alice", ALICE_PASSWORD)
                        .header("content-type", content_type)
                        .body(body.to_string()),
                )
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "{}: {method} with {content_type} {body:?}",
                    db.label
                );
            }
        }
        assert!(!home_names(&site).await.contains(&"typed".to_string()));
        // Malformed XML stays a bad request (RFC 4918 8.2).
        let malformed = as_alice(
            &site,
            "MKCOL",
            "/dav/caldav/typed/",
            "<D:mkcol xmlns:D=\"DAV:\">",
        )
        .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_component_set_that_cannot_be_honoured_whole_creates_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let before = home_names(&site).await;
        for (method, body, root) in [
            (
                "MKCALENDAR",
                mkcalendar(&["VEVENT", "VTODO"]),
                (CALDAV, "mkcalendar-response"),
            ),
            (
                "MKCOL",
                extended_mkcol(&["VEVENT", "VTODO"]),
                (DAV, "mkcol-response"),
            ),
            (
                "MKCALENDAR",
                mkcalendar(&["VJOURNAL"]),
                (CALDAV, "mkcalendar-response"),
            ),
            (
                "MKCALENDAR",
                mkcalendar(&[]),
                (CALDAV, "mkcalendar-response"),
            ),
        ] {
            let answer = as_alice(&site, method, "/dav/caldav/both/", &body).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{}: {method} {body}",
                db.label
            );
            let xml = parse_xml(&answer.body);
            assert!(
                xml.is(root.0, root.1),
                "{}",
                String::from_utf8_lossy(&answer.body)
            );
            let statuses: Vec<(String, u16)> = xml
                .children_named(DAV, "propstat")
                .flat_map(|propstat| {
                    let status = status_code(&propstat.child(DAV, "status").unwrap().text);
                    propstat
                        .child(DAV, "prop")
                        .unwrap()
                        .children
                        .iter()
                        .map(move |p| (p.local.clone(), status))
                        .collect::<Vec<_>>()
                })
                .collect();
            assert!(
                statuses.contains(&("supported-calendar-component-set".into(), 403)),
                "{statuses:?}"
            );
            assert!(
                statuses.contains(&("displayname".into(), 424)),
                "{statuses:?}"
            );
            let missing = get(&site, "/dav/caldav/both/").await;
            assert_ne!(missing.status, StatusCode::OK);
        }
        assert_eq!(home_names(&site).await, before, "nothing was created");

        // One component, with or without a VTIMEZONE beside it, is honoured: VTODO alone
        // makes a task list, which then takes tasks.
        let made = as_alice(
            &site,
            "MKCALENDAR",
            "/dav/caldav/todo/",
            &mkcalendar(&["VTODO", "VTIMEZONE"]),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let put = put(&site, "/dav/caldav/todo/t.ics", &task("t", "T"), &[]).await;
        assert_eq!(
            put.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&put.body)
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_new_contact_in_the_global_address_list_needs_a_privilege_alice_lacks() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let gal = book_path(GLOBAL_ADDRESS_BOOK);
        let answer = send(
            &site.app,
            Call::new("PUT", &format!("{gal}new.vcf"))
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/vcard")
                .body(vcard("new", "New", "new@example.com")),
        )
        .await;
        let needed = needed_privileges(&answer);
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(
            !needed.is_empty(),
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        db.drop_database().await;
    }
}
