//! OPTIONS answered per resource, on SQLite and PostgreSQL: with credentials, `Allow`
//! lists exactly the methods the resource takes, the same list its 405s carry, and no
//! listed method is refused with 405 there; the `DAV` header names the classes that apply
//! (CalDAV's on calendars, CardDAV's on address books). Without credentials the general
//! answer, which tells nothing about the path.

mod common;

use common::caldav::*;
use common::carddav::{book_path, contacts_folder, vcard};
use common::http::*;
use davgate::store::FolderModule;
use http::StatusCode;

async fn options(site: &Site, path: &str, authenticated: bool) -> Answer {
    let mut call = Call::new("OPTIONS", path);
    if authenticated {
        call = call.auth("alice", ALICE_PASSWORD);
    }
    send(&site.app, call).await
}

fn methods(allow: &str) -> Vec<String> {
    let mut listed: Vec<String> = allow.split(',').map(|m| m.trim().to_owned()).collect();
    listed.sort();
    listed
}

/// A request of `method` on `path` that changes nothing the test needs later.
async fn probe(site: &Site, method: &str, path: &str) -> Answer {
    let body = match method {
        "PROPFIND" => r#"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#,
        "PROPPATCH" => {
            r#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Renamed</D:displayname></D:prop></D:set></D:propertyupdate>"#
        }
        "REPORT" => {
            r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"#
        }
        _ => "",
    };
    send(
        &site.app,
        Call::new(method, path)
            .auth("alice", ALICE_PASSWORD)
            .depth("0")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn allow_names_what_the_resource_takes_and_its_405s_agree() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let event_path = format!("{calendar}o.ics");
        put_new(&site, &event_path, &event("o", "O", 1)).await;
        let contact = format!("{book}c.vcf");
        let made = send(
            &site.app,
            Call::new("PUT", &contact)
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/vcard")
                .body(vcard("c", "C", "c@example.com")),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);

        let cases = [
            ("/dav/", "calendar-access"),
            ("/dav/caldav/", "calendar-access"),
            (calendar.as_str(), "calendar-access"),
            (event_path.as_str(), "calendar-access"),
            (book.as_str(), "addressbook"),
            (contact.as_str(), "addressbook"),
        ];
        let general = options(&site, "/dav/", false).await;
        let all_methods = methods(general.header("allow").unwrap());
        for (path, class) in cases {
            let answer = options(&site, path, true).await;
            assert_eq!(answer.status, StatusCode::OK, "{}: {path}", db.label);
            let allow = methods(answer.header("allow").expect("Allow"));
            let dav = answer.header("dav").expect("DAV").to_owned();
            assert!(dav.contains(class), "{path}: DAV {dav}");
            for method in &all_methods {
                // Writes and deletes are left out: the resources are needed further on.
                if ["PUT", "DELETE", "MOVE", "COPY", "MKCOL", "MKCALENDAR"]
                    .contains(&method.as_str())
                {
                    continue;
                }
                let answer = probe(&site, method, path).await;
                if allow.contains(method) {
                    assert_ne!(
                        answer.status,
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{}: {method} {path} is in Allow {allow:?}",
                        db.label
                    );
                } else {
                    assert_eq!(
                        answer.status,
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{}: {method} {path} is not in Allow {allow:?}",
                        db.label
                    );
                    assert_eq!(
                        methods(answer.header("allow").expect("a 405 names the methods")),
                        allow,
                        "{}: the 405 of {method} {path} and OPTIONS agree",
                        db.label
                    );
                }
            }
        }
        // A calendar's DAV header is CalDAV's, an address book's CardDAV's.
        let on_calendar = options(&site, &calendar, true).await;
        assert!(!on_calendar.header("dav").unwrap().contains("addressbook"));
        let on_book = options(&site, &book, true).await;
        assert!(!on_book.header("dav").unwrap().contains("calendar-access"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn without_credentials_options_tells_nothing_about_the_path() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let bobs =
            calendar_path(&default_folder(&db.store, &site.bob, FolderModule::Calendar).await);
        let general = options(&site, "/dav/", false).await;
        for path in [
            bobs.as_str(),
            "/dav/caldav/987654/",
            "/dav/caldav/987654/x.ics",
        ] {
            let answer = options(&site, path, false).await;
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.header("allow"), general.header("allow"), "{path}");
            assert_eq!(answer.header("dav"), general.header("dav"), "{path}");
        }
        // With credentials, another user's calendar answers as one that does not exist.
        let theirs = options(&site, &format!("{bobs}x.ics"), true).await;
        let nothing = options(&site, "/dav/caldav/987654/x.ics", true).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        assert_eq!(nothing.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}
