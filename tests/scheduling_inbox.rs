//! The scheduling inbox (RFC 6638 2.2) through the real router, on SQLite and
//! PostgreSQL: messages delivered to a user's schedule-inbox are listed, served byte
//! for byte, synced and deleted by her alone, and the inbox keeps its newest messages.

mod common;

use common::caldav::*;
use common::http::*;
use common::mailboxes::*;
use davgate::scheduling::inbox::deliver_within;
use davgate::store::FolderModule;
use http::StatusCode;

#[tokio::test]
async fn delivered_messages_are_listed_and_served_byte_for_byte() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (first, first_bytes) = deliver_to(&site, &site.alice, "m-1").await;
        let (second, second_bytes) = deliver_to(&site, &site.alice, "m-2").await;

        let answer = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "1").await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(
            hrefs(&responses),
            {
                let mut expected = vec![INBOX.to_string(), first.clone(), second.clone()];
                expected.sort();
                expected
            },
            "{}",
            db.label
        );
        let inbox = find(&responses, INBOX);
        assert_eq!(
            resource_types(inbox),
            vec![
                (DAV.to_string(), "collection".to_string()),
                (CALDAV.to_string(), "schedule-inbox".to_string())
            ]
        );
        assert_eq!(inbox.found(DAV, "displayname").text, "Inbox");
        let mut privileges = inbox.privileges();
        privileges.sort();
        assert_eq!(
            privileges,
            [
                "read",
                "read-current-user-privilege-set",
                "schedule-deliver",
                "schedule-deliver-invite",
                "schedule-deliver-reply",
                "schedule-query-freebusy",
                "unbind",
            ]
        );
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        assert_eq!(
            inbox.href_of(CALDAV, "schedule-default-calendar-URL"),
            calendar_path(&calendar)
        );
        assert_eq!(
            inbox.href_of(DAV, "owner"),
            format!("/dav/principals/users/{}/", site.alice.id)
        );
        let components: Vec<_> = inbox
            .found(CALDAV, "supported-calendar-component-set")
            .children_named(CALDAV, "comp")
            .map(|c| c.attribute("name").unwrap_or_default().to_string())
            .collect();
        assert_eq!(components, ["VEVENT", "VTODO"]);
        let reports: Vec<String> = {
            let mut out = Vec::new();
            for supported in inbox
                .found(DAV, "supported-report-set")
                .children_named(DAV, "supported-report")
            {
                let report = supported.child(DAV, "report").expect("a report");
                out.extend(report.children.iter().map(|c| c.local.clone()));
            }
            out.sort();
            out
        };
        assert_eq!(reports, ["calendar-multiget", "sync-collection"]);
        assert_eq!(inbox.status_of(DAV, "sync-token"), Some(200));

        for (href, bytes) in [(&first, &first_bytes), (&second, &second_bytes)] {
            let member = find(&responses, href);
            assert!(resource_types(member).is_empty(), "{href}");
            assert_eq!(
                member.found(DAV, "getcontentlength").text,
                bytes.len().to_string()
            );
            assert!(member
                .found(DAV, "getcontenttype")
                .text
                .starts_with("text/calendar"));
            assert!(!member.found(DAV, "getlastmodified").text.is_empty());
            let etag = member.found(DAV, "getetag").text.clone();

            let got = get(&site, href).await;
            assert_eq!(got.status, StatusCode::OK, "{}: GET {href}", db.label);
            assert_eq!(&got.body[..], bytes.as_bytes(), "byte for byte");
            assert_eq!(got.header("etag"), Some(etag.as_str()));
            assert!(got
                .header("content-type")
                .unwrap()
                .starts_with("text/calendar"));

            let head = send(
                &site.app,
                Call::new("HEAD", href).auth("alice", ALICE_PASSWORD),
            )
            .await;
            assert_eq!(head.status, StatusCode::OK);
            assert!(head.body.is_empty());
            assert_eq!(head.header("etag"), Some(etag.as_str()));

            let one = propfind(&site, "alice", ALICE_PASSWORD, href, "0").await;
            assert_eq!(one.status, StatusCode::MULTI_STATUS);
            assert_eq!(one.multistatus()[0].found(DAV, "getetag").text, etag);
        }

        // Depth 0: the inbox alone.
        let alone = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "0").await;
        assert_eq!(hrefs(&alone.multistatus()), [INBOX]);
        // A message that is not there.
        let missing = get(&site, &format!("{INBOX}nothing.ics")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn multiget_serves_the_messages_with_their_method() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (href, bytes) = deliver_to(&site, &site.alice, "mg-1").await;
        let body = format!(
            r#"<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>{href}</D:href><D:href>{INBOX}absent.ics</D:href></C:calendar-multiget>"#
        );
        let answer = report(&site, INBOX, &body).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        let found = find(&responses, &href);
        let data = &found.found(CALDAV, "calendar-data").text;
        assert_eq!(data.replace("\r\n", "\n"), bytes.replace("\r\n", "\n"));
        assert!(data.contains("METHOD:REQUEST"));
        assert_eq!(
            find(&responses, &format!("{INBOX}absent.ics")).status,
            Some(404)
        );

        // calendar-query reads calendar object resources, which messages are not.
        let query = r#"<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>"#;
        let refused = report(&site, INBOX, query).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            DAV,
            "supported-report",
            "calendar-query on the inbox",
        );
    }
}

#[tokio::test]
async fn sync_reports_new_and_deleted_messages_and_the_ctag_follows() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let before = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "0").await;
        let ctag_empty = ctag(&before);
        let initial = sync(&site, "").await;
        assert!(
            initial.multistatus().is_empty(),
            "{}: a new inbox is empty",
            db.label
        );
        let token = initial.sync_token();

        let (href, _) = deliver_to(&site, &site.alice, "s-1").await;
        let after_delivery = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "0").await;
        let ctag_one = ctag(&after_delivery);
        assert_ne!(ctag_one, ctag_empty, "a delivery changes the ctag");

        let changes = sync(&site, &token).await;
        let responses = changes.multistatus();
        assert_eq!(hrefs(&responses), [href.as_str()], "{}", db.label);
        assert_eq!(responses[0].status_of(DAV, "getetag"), Some(200));
        let token = changes.sync_token();

        let deleted = send(
            &site.app,
            Call::new("DELETE", &href).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let after_delete = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "0").await;
        assert_ne!(ctag(&after_delete), ctag_one, "a deletion changes the ctag");

        let changes = sync(&site, &token).await;
        let responses = changes.multistatus();
        assert_eq!(hrefs(&responses), [href.as_str()]);
        assert_eq!(responses[0].status, Some(404), "the deletion is reported");
        assert_eq!(get(&site, &href).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn delete_honours_if_match_and_put_is_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (href, bytes) = deliver_to(&site, &site.alice, "d-1").await;
        let etag = get(&site, &href).await.header("etag").unwrap().to_owned();

        let stale = send(
            &site.app,
            Call::new("DELETE", &href)
                .auth("alice", ALICE_PASSWORD)
                .header("if-match", "\"not-the-etag\""),
        )
        .await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "{}",
            db.label
        );
        assert_eq!(get(&site, &href).await.status, StatusCode::OK);

        // Clients cannot write into the inbox: only deliveries do.
        let put = send(
            &site.app,
            Call::new("PUT", &href)
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/calendar; charset=utf-8")
                .body(event("other", "Mine", 1)),
        )
        .await;
        assert_eq!(put.status, StatusCode::FORBIDDEN);
        assert_eq!(
            needed_privileges(&put),
            [(INBOX.to_string(), "bind".to_string())]
        );
        let new = send(
            &site.app,
            Call::new("PUT", &format!("{INBOX}new.ics"))
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/calendar; charset=utf-8")
                .body(event("new", "Mine", 1)),
        )
        .await;
        assert_eq!(new.status, StatusCode::FORBIDDEN);
        assert_eq!(
            get(&site, &format!("{INBOX}new.ics")).await.status,
            StatusCode::NOT_FOUND
        );
        let unchanged = get(&site, &href).await;
        assert_eq!(
            &unchanged.body[..],
            bytes.as_bytes(),
            "PUT left the message alone"
        );

        let deleted = send(
            &site.app,
            Call::new("DELETE", &href)
                .auth("alice", ALICE_PASSWORD)
                .header("if-match", etag.as_str()),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(get(&site, &href).await.status, StatusCode::NOT_FOUND);

        // The inbox itself stays.
        let gone = send(
            &site.app,
            Call::new("DELETE", INBOX).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(gone.status, StatusCode::FORBIDDEN);
        let options = send(
            &site.app,
            Call::new("OPTIONS", INBOX).auth("alice", ALICE_PASSWORD),
        )
        .await;
        let allow = options.header("allow").unwrap_or_default().to_owned();
        for method in ["PROPFIND", "PROPPATCH", "REPORT", "DELETE"] {
            assert!(allow.contains(method), "{allow}");
        }
        for method in ["PUT", "MKCALENDAR", "POST"] {
            assert!(!allow.contains(method), "{allow}");
        }
        let member = send(
            &site.app,
            Call::new("OPTIONS", &href).auth("alice", ALICE_PASSWORD),
        )
        .await;
        let allow = member.header("allow").unwrap_or_default().to_owned();
        for method in ["GET", "HEAD", "DELETE", "PROPFIND"] {
            assert!(allow.contains(method), "{allow}");
        }
    }
}

#[tokio::test]
async fn nobody_sees_another_users_messages() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice_href, _) = deliver_to(&site, &site.alice, "secret-1").await;
        let (bob_href, _) = deliver_to(&site, &site.bob, "for-bob").await;

        // Bob's inbox path is his own: alice's message is not in it.
        let listing = propfind(&site, "bob", BOB_PASSWORD, INBOX, "1").await;
        assert_eq!(
            hrefs(&listing.multistatus()),
            {
                let mut expected = vec![INBOX.to_string(), bob_href.clone()];
                expected.sort();
                expected
            },
            "{}",
            db.label
        );
        assert!(!String::from_utf8_lossy(&listing.body).contains("secret-1"));
        for method in ["GET", "HEAD", "PROPFIND", "DELETE"] {
            let answer = send(
                &site.app,
                Call::new(method, &alice_href)
                    .auth("bob", BOB_PASSWORD)
                    .depth("0"),
            )
            .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} as bob");
        }
        let multiget = format!(
            r#"<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop><D:href>{alice_href}</D:href></C:calendar-multiget>"#
        );
        let answer = send(
            &site.app,
            Call::new("REPORT", INBOX)
                .auth("bob", BOB_PASSWORD)
                .body(multiget),
        )
        .await;
        assert_eq!(answer.multistatus()[0].status, Some(404));
        let synced = send(
            &site.app,
            Call::new("REPORT", INBOX)
                .auth("bob", BOB_PASSWORD)
                .body(sync_body("", None)),
        )
        .await;
        assert_eq!(hrefs(&synced.multistatus()), [bob_href.as_str()]);

        // Nor is alice's inbox a calendar anyone reaches by its folder id, alice included.
        let folder = davgate::scheduling::inbox::inbox_folder(
            &site.store,
            site.alice.context_id,
            site.alice.id,
        )
        .await
        .unwrap();
        let by_id = format!("/dav/caldav/{}/", folder.id);
        for (login, password) in [("alice", ALICE_PASSWORD), ("bob", BOB_PASSWORD)] {
            let answer = propfind(&site, login, password, &by_id, "0").await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{login}");
            let message = alice_href.rsplit('/').next().unwrap();
            let got = send(
                &site.app,
                Call::new("GET", &format!("{by_id}{message}")).auth(login, password),
            )
            .await;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{login}");
        }
        // Alice still has hers.
        assert_eq!(get(&site, &alice_href).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_inbox_keeps_its_newest_messages() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let alice = &site.alice;
        let token = sync(&site, "").await.sync_token();
        let mut names = Vec::new();
        for n in 0..5 {
            let message = request(&format!("l-{n}"), "Limited");
            let name = deliver_within(
                &site.store,
                alice.context_id,
                alice.id,
                "VEVENT",
                None,
                message.as_bytes(),
                3,
            )
            .await
            .unwrap();
            names.push(format!("{INBOX}{name}"));
        }
        let listing = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "1").await;
        let mut expected: Vec<String> = names[2..].to_vec();
        expected.push(INBOX.to_string());
        expected.sort();
        assert_eq!(hrefs(&listing.multistatus()), expected, "{}", db.label);
        for gone in &names[..2] {
            assert_eq!(get(&site, gone).await.status, StatusCode::NOT_FOUND);
        }
        // A client that synced before sees only what is left.
        let changes = sync(&site, &token).await;
        let live: Vec<String> = changes
            .multistatus()
            .into_iter()
            .filter(|r| r.status.is_none())
            .map(|r| r.href)
            .collect();
        let mut kept = names[2..].to_vec();
        kept.sort();
        let mut live_sorted = live.clone();
        live_sorted.sort();
        assert_eq!(live_sorted, kept);
    }
}

#[tokio::test]
async fn proppatch_keeps_client_properties_and_protects_the_live_ones() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let proppatch = |body: String| {
            send(
                &site.app,
                Call::new("PROPPATCH", INBOX)
                    .auth("alice", ALICE_PASSWORD)
                    .body(body),
            )
        };
        let both = format!(
            r#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:example:client"><D:set><D:prop><X:seen>42</X:seen><C:schedule-default-calendar-URL><D:href>/dav/caldav/{}/</D:href></C:schedule-default-calendar-URL></D:prop></D:set></D:propertyupdate>"#,
            calendar.id
        );
        let answer = proppatch(both).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let response = &answer.multistatus()[0];
        assert_eq!(
            response.status_of(CALDAV, "schedule-default-calendar-URL"),
            Some(403)
        );
        assert_eq!(response.status_of("urn:example:client", "seen"), Some(424));

        let dead = r#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:client"><D:set><D:prop><X:seen>42</X:seen></D:prop></D:set></D:propertyupdate>"#;
        let answer = proppatch(dead.to_string()).await;
        assert_eq!(
            answer.multistatus()[0].status_of("urn:example:client", "seen"),
            Some(200)
        );
        let read = send(
            &site.app,
            Call::new("PROPFIND", INBOX)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:client"><D:prop><X:seen/><D:displayname/></D:prop></D:propfind>"#),
        )
        .await;
        let inbox = &read.multistatus()[0];
        assert_eq!(inbox.found("urn:example:client", "seen").text, "42");
        assert_eq!(inbox.found(DAV, "displayname").text, "Inbox");
        // Bob's inbox is his own: alice's property is not on it.
        let his = send(
            &site.app,
            Call::new("PROPFIND", INBOX)
                .auth("bob", BOB_PASSWORD)
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:client"><D:prop><X:seen/></D:prop></D:propfind>"#),
        )
        .await;
        assert_eq!(
            his.multistatus()[0].status_of("urn:example:client", "seen"),
            Some(404)
        );
    }
}
