//! Address books made and removed over CardDAV, as DAVx5 and vdirsyncer do it, on SQLite
//! and PostgreSQL: extended MKCOL (RFC 5689) at `/carddav/<name>/` makes a contact folder
//! of the user's, with the display name and description of the request, all or nothing;
//! DELETE removes one the user administers, never the default contact folder, the global
//! address list or the aggregated collection. Both need CardDAV enabled for the user
//! (the cascade), and a server setting turns creation off.

mod common;

use common::caldav::{assert_precondition, needed_privileges, LAYOUT};
use common::carddav::{book_path, contacts_folder, vcard, AGGREGATED};
use common::http::*;
use davgate::store::GLOBAL_ADDRESS_BOOK;
use http::StatusCode;

const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);
const BOB: (&str, &str) = ("bob", BOB_PASSWORD);

fn mkcol_body(display_name: &str, description: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>
<D:resourcetype><D:collection/><CARD:addressbook/></D:resourcetype>
<D:displayname>{display_name}</D:displayname>
<CARD:addressbook-description>{description}</CARD:addressbook-description>
</D:prop></D:set></D:mkcol>"#
    )
}

async fn call(site: &Site, who: (&str, &str), method: &str, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new(method, path)
            .auth(who.0, who.1)
            .header("content-type", "application/xml; charset=utf-8")
            .depth("1")
            .body(body.to_string()),
    )
    .await
}

/// Extended MKCOL of an address book with this display name and description.
async fn mkcol(
    site: &Site,
    who: (&str, &str),
    path: &str,
    name: &str,
    description: &str,
) -> Answer {
    call(site, who, "MKCOL", path, &mkcol_body(name, description)).await
}

/// (href, displayname, description) of each address book in the user's home.
async fn books(site: &Site, who: (&str, &str)) -> Vec<(String, String, String)> {
    let body = r#"<D:propfind xmlns:D="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><D:prop><D:displayname/><CARD:addressbook-description/></D:prop></D:propfind>"#;
    let answer = call(site, who, "PROPFIND", "/dav/carddav/", body).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    answer
        .multistatus()
        .iter()
        .filter(|r| r.href != "/dav/carddav/")
        .map(|r| {
            let text = |ns, local| match r.prop(ns, local) {
                Some((200, node)) => node.text.clone(),
                _ => String::new(),
            };
            (
                r.href.clone(),
                text(DAV, "displayname"),
                text(CARDDAV, "addressbook-description"),
            )
        })
        .collect()
}

#[tokio::test]
async fn extended_mkcol_makes_an_address_book_of_the_users_own() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let made = mkcol(
            &site,
            ALICE,
            "/dav/carddav/friends/",
            "Friends",
            "People I know",
        )
        .await;
        assert_eq!(
            made.status,
            StatusCode::CREATED,
            "{}: {}",
            db.label,
            String::from_utf8_lossy(&made.body)
        );
        assert_eq!(made.header("location"), Some("/dav/carddav/friends/"));
        assert!(
            books(&site, ALICE).await.contains(&(
                "/dav/carddav/friends/".into(),
                "Friends".into(),
                "People I know".into()
            )),
            "{:?}",
            books(&site, ALICE).await
        );
        let contact = "/dav/carddav/friends/ann.vcf";
        let put = send(
            &site.app,
            Call::new("PUT", contact)
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/vcard")
                .body(vcard("ann", "Ann", "ann@example.com")),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let got = call(&site, ALICE, "GET", contact, "").await;
        assert_eq!(got.status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&got.body).contains("ann@example.com"));

        // bob sees none of it, and the name is his to use too.
        assert_eq!(
            call(&site, BOB, "GET", contact, "").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(!books(&site, BOB)
            .await
            .iter()
            .any(|(href, _, _)| href.contains("friends")));
        let his = mkcol(&site, BOB, "/dav/carddav/friends/", "Bob's", "").await;
        assert_eq!(his.status, StatusCode::CREATED);
        let got = call(&site, ALICE, "GET", contact, "").await;
        assert_eq!(got.status, StatusCode::OK, "alice's book is still hers");

        // The name is taken for alice now.
        let again = mkcol(&site, ALICE, "/dav/carddav/friends/", "Again", "").await;
        assert_eq!(again.status, StatusCode::METHOD_NOT_ALLOWED);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_address_book_that_cannot_be_made_whole_is_not_made() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxPropertyValueBytes", "16")]].concat();
        let site = site(&db.store, &overrides).await;
        let before = books(&site, ALICE).await;
        let long = mkcol(
            &site,
            ALICE,
            "/dav/carddav/long/",
            "A name far beyond sixteen bytes",
            "",
        )
        .await;
        assert_eq!(
            long.status,
            StatusCode::INSUFFICIENT_STORAGE,
            "{}",
            db.label
        );

        let calendar = r#"<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>"#;
        let wrong_kind = call(&site, ALICE, "MKCOL", "/dav/carddav/cal/", calendar).await;
        assert_eq!(wrong_kind.status, StatusCode::FORBIDDEN);
        assert!(parse_xml(&wrong_kind.body).is(DAV, "mkcol-response"));

        // Digits address folders by id; the aggregated book's name, in any case, is taken.
        for name in ["12345", "contacts"] {
            let answer = mkcol(&site, ALICE, &format!("/dav/carddav/{name}/"), "X", "").await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                CARDDAV,
                "addressbook-collection-location-ok",
                &format!("{}: MKCOL /dav/carddav/{name}/", db.label),
            );
        }
        let mkcalendar = call(&site, ALICE, "MKCALENDAR", "/dav/carddav/cal/", "").await;
        assert_precondition(
            &mkcalendar,
            StatusCode::FORBIDDEN,
            CALDAV,
            "calendar-collection-location-ok",
            "MKCALENDAR in the address book home",
        );
        assert_eq!(books(&site, ALICE).await, before, "nothing was created");
        db.drop_database().await;
    }
}

/// alice owns her default contact folder; with a cap of 2 she may make one more.
#[tokio::test]
async fn a_user_owns_at_most_the_configured_number_of_address_books() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxAddressBooksPerUser", "2")]].concat();
        let site = site(&db.store, &overrides).await;
        let first = mkcol(&site, ALICE, "/dav/carddav/one/", "One", "").await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", db.label);
        let second = mkcol(&site, ALICE, "/dav/carddav/two/", "Two", "").await;
        assert_eq!(second.status, StatusCode::INSUFFICIENT_STORAGE);
        assert!(String::from_utf8_lossy(&second.body).contains("at most 2"));
        let hrefs: Vec<String> = books(&site, ALICE).await.into_iter().map(|b| b.0).collect();
        assert!(
            !hrefs.contains(&"/dav/carddav/two/".to_string()),
            "{hrefs:?}"
        );
        let deleted = call(&site, ALICE, "DELETE", "/dav/carddav/one/", "").await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let again = mkcol(&site, ALICE, "/dav/carddav/two/", "Two", "").await;
        assert_eq!(again.status, StatusCode::CREATED, "deleting one makes room");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn delete_removes_an_address_book_the_user_administers_and_no_other() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let made = mkcol(&site, ALICE, "/dav/carddav/old/", "Old", "").await;
        assert_eq!(made.status, StatusCode::CREATED);

        let by_bob = call(&site, BOB, "DELETE", "/dav/carddav/old/", "").await;
        assert_eq!(by_bob.status, StatusCode::NOT_FOUND, "{}", db.label);
        let default = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let refused = call(&site, ALICE, "DELETE", &default, "").await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "the default contact folder stays"
        );
        let gal = call(&site, ALICE, "DELETE", &book_path(GLOBAL_ADDRESS_BOOK), "").await;
        assert_eq!(gal.status, StatusCode::FORBIDDEN);
        assert!(
            !needed_privileges(&gal).is_empty(),
            "{}",
            String::from_utf8_lossy(&gal.body)
        );
        let aggregated = call(&site, ALICE, "DELETE", AGGREGATED, "").await;
        assert_eq!(aggregated.status, StatusCode::FORBIDDEN);
        assert!(!needed_privileges(&aggregated).is_empty());

        let deleted = call(&site, ALICE, "DELETE", "/dav/carddav/old/", "").await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let hrefs: Vec<String> = books(&site, ALICE).await.into_iter().map(|b| b.0).collect();
        assert!(
            !hrefs.contains(&"/dav/carddav/old/".to_string()),
            "{hrefs:?}"
        );
        assert!(hrefs.contains(&default), "{hrefs:?}");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn creation_follows_the_configuration() {
    for db in common::databases().await {
        let off = [LAYOUT, &[("davgate.carddav.addressBookCreation", "false")]].concat();
        let site = site(&db.store, &off).await;
        let answer = mkcol(&site, ALICE, "/dav/carddav/friends/", "Friends", "").await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CARDDAV,
            "addressbook-collection-location-ok",
            &format!("{}: creation turned off", db.label),
        );
        db.drop_database().await;
    }
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let made = mkcol(&site, BOB, "/dav/carddav/friends/", "Friends", "").await;
        assert_eq!(made.status, StatusCode::CREATED);
        // Without CardDAV (the cascade's com.openexchange.carddav.enabled), neither.
        set_user_config(
            &db.store,
            &site.bob,
            "com.openexchange.carddav.enabled",
            "false",
        )
        .await;
        let disabled = mkcol(&site, BOB, "/dav/carddav/more/", "More", "").await;
        assert_eq!(
            disabled.status,
            StatusCode::FORBIDDEN,
            "{}: CardDAV disabled for bob",
            db.label
        );
        let delete = call(&site, BOB, "DELETE", "/dav/carddav/friends/", "").await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN);
        let alice = mkcol(&site, ALICE, "/dav/carddav/friends/", "Friends", "").await;
        assert_eq!(alice.status, StatusCode::CREATED, "alice keeps CardDAV");
        db.drop_database().await;
    }
}
