//! Sharing calendars and address books from DAV clients (Apple's calendarserver-sharing)
//! through the real router, on SQLite and PostgreSQL: a `CS:share` POST as macOS Calendar
//! sends it becomes the sharee's OX permission (read: viewer, read-write: author), which
//! the sharee's home, her writes and `CS:invite` show; permissions set in the store show
//! in `CS:invite` too; removing a sharee takes the collection from her home and her
//! syncs; and every refused request changes nothing.

mod common;

use common::caldav::*;
use common::carddav::{book_path, new_contact_folder, vcard, AGGREGATED};
use common::http::*;
use common::scheduling::add_user;
use common::sharing::*;
use davgate::store::{FolderModule, Permission, Role};
use http::StatusCode;

#[tokio::test]
async fn macos_share_requests_give_the_access_they_name() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let alice_login = ("alice", ALICE_PASSWORD);
        let bob_login = ("bob", BOB_PASSWORD);
        put_new(&site, &format!("{path}a.ics"), &event("a", "Alice's", 1)).await;
        assert!(!home_hrefs(&site, bob_login, "/dav/caldav/")
            .await
            .contains(&path));

        // OPTIONS tells clients they may share.
        let options = send(
            &site.app,
            Call::new("OPTIONS", &path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert!(options
            .header("dav")
            .unwrap()
            .contains("calendarserver-sharing"));
        assert!(options.header("allow").unwrap().contains("POST"));
        let modes = propfind(&site, alice_login, &path, "0", "<B:allowed-sharing-modes/>").await;
        let (status, modes) = modes.multistatus()[0]
            .prop(CALENDARSERVER, "allowed-sharing-modes")
            .map(|(s, n)| (s, n.clone()))
            .unwrap();
        assert_eq!(status, 200);
        assert!(modes.child(CALENDARSERVER, "can-be-shared").is_some());

        // Read-write: bob sees the calendar and writes into it; the store has an author.
        let answer = post(
            &site,
            alice_login,
            &path,
            &macos_share("bob@example.com", "Bob Builder", "read-write"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(home_hrefs(&site, bob_login, "/dav/caldav/")
            .await
            .contains(&path));
        assert!(permissions(store, alice, calendar.id)
            .await
            .contains(&Permission::for_role(bob.id, false, Role::Author)));
        let written = send(
            &site.app,
            Call::new("PUT", &format!("{path}b.ics"))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("b", "Bob's", 2)),
        )
        .await;
        assert_eq!(written.status, StatusCode::CREATED, "{}", db.label);

        // Carol reads only; alice sees both sharees, each sharee only herself.
        let answer = post(
            &site,
            alice_login,
            &path,
            &macos_share("carol@example.com", "Carol", "read"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(permissions(store, alice, calendar.id)
            .await
            .contains(&Permission::for_role(carol.id, false, Role::Viewer)));
        let alice_principal = format!("/dav/principals/users/{}/", alice.id);
        let bob_mail = "mailto:bob@example.com".to_string();
        let carol_mail = "mailto:carol@example.com".to_string();
        let (organizer, mut users) = invite(&site, alice_login, &path).await.expect("shared");
        users.sort();
        assert_eq!(organizer, alice_principal);
        assert_eq!(
            users,
            vec![
                (bob_mail.clone(), "read-write".into()),
                (carol_mail.clone(), "read".into())
            ]
        );
        assert_eq!(
            invite(&site, bob_login, &path).await,
            Some((
                alice_principal.clone(),
                vec![(bob_mail.clone(), "read-write".into())]
            ))
        );
        assert_eq!(
            invite(&site, ("carol", CAROL_PASSWORD), &path).await,
            Some((alice_principal.clone(), vec![(carol_mail, "read".into())]))
        );
        let refused = send(
            &site.app,
            Call::new("PUT", &format!("{path}c.ics"))
                .auth("carol", CAROL_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("c", "Carol's", 3)),
        )
        .await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "read only",
        );

        // Bob downgraded to read in the same way: his writes are refused now.
        let answer = post(
            &site,
            alice_login,
            &path,
            &macos_share("bob@example.com", "Bob Builder", "read"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(permissions(store, alice, calendar.id)
            .await
            .contains(&Permission::for_role(bob.id, false, Role::Viewer)));
        let refused = send(
            &site.app,
            Call::new("PUT", &format!("{path}b.ics"))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("b", "Bob's again", 2)),
        )
        .await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "downgraded",
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn permissions_set_in_the_store_show_in_the_invite() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let calendar = default_folder(&db.store, alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let alice_login = ("alice", ALICE_PASSWORD);
        assert_eq!(
            invite(&site, alice_login, &path).await,
            None,
            "not shared yet"
        );
        db.store
            .set_permission(
                alice.context_id,
                calendar.id,
                Permission::for_role(bob.id, false, Role::Author),
            )
            .await
            .unwrap();
        let (_, users) = invite(&site, alice_login, &path).await.expect("shared");
        assert_eq!(
            users,
            vec![("mailto:bob@example.com".into(), "read-write".into())]
        );
        db.store
            .set_permission(
                alice.context_id,
                calendar.id,
                Permission::for_role(bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let (_, users) = invite(&site, alice_login, &path).await.expect("shared");
        assert_eq!(
            users,
            vec![("mailto:bob@example.com".into(), "read".into())]
        );
        // The sharee may not share it on (empty modes).
        let modes = propfind(
            &site,
            ("bob", BOB_PASSWORD),
            &path,
            "0",
            "<B:allowed-sharing-modes/>",
        )
        .await;
        let (status, value) = modes.multistatus()[0]
            .prop(CALENDARSERVER, "allowed-sharing-modes")
            .map(|(s, n)| (s, n.children.len()))
            .unwrap();
        assert_eq!((status, value), (200, 0));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn unsharing_takes_the_collections_away_from_the_sharee() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let alice_login = ("alice", ALICE_PASSWORD);
        let bob_login = ("bob", BOB_PASSWORD);
        let calendar = default_folder(&db.store, alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let team = new_contact_folder(
            &db.store,
            alice.context_id,
            Some(alice.id),
            "Team",
            None,
            vec![Permission::for_role(alice.id, false, Role::Administrator)],
        )
        .await;
        let book = book_path(team);
        for (uid, name) in [("tom", "Tom T"), ("tina", "Tina T")] {
            let made = send(
                &site.app,
                Call::new("PUT", &format!("{book}{uid}.vcf"))
                    .auth("alice", ALICE_PASSWORD)
                    .header("content-type", "text/vcard")
                    .body(vcard(uid, name, &format!("{uid}@team.example"))),
            )
            .await;
            assert_eq!(made.status, StatusCode::CREATED);
        }
        let bob_mail = "mailto:bob@example.com";
        for target in [&path, &book] {
            let answer = post(
                &site,
                alice_login,
                target,
                &share_body(&set(bob_mail, "read")),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{target}");
        }
        assert!(home_hrefs(&site, bob_login, "/dav/caldav/")
            .await
            .contains(&path));
        assert!(home_hrefs(&site, bob_login, "/dav/carddav/")
            .await
            .contains(&book));
        let sync = |token: String| {
            let site = &site;
            async move {
                send(
                    &site.app,
                    Call::new("REPORT", AGGREGATED)
                        .auth("bob", BOB_PASSWORD)
                        .depth("1")
                        .body(sync_body(&token, None)),
                )
                .await
            }
        };
        let first = sync(String::new()).await;
        assert_eq!(first.status, StatusCode::MULTI_STATUS);
        let team_members: Vec<String> = first
            .multistatus()
            .into_iter()
            .map(|r| r.href)
            .filter(|href| href.contains(&format!("{team}~")))
            .collect();
        assert_eq!(
            team_members.len(),
            2,
            "{}: alice's contacts reach bob",
            db.label
        );

        // Removing bob (by his principal URL) takes both away.
        let principal = format!("/dav/principals/users/{}/", bob.id);
        for target in [&path, &book] {
            let answer = post(&site, alice_login, target, &share_body(&remove(&principal))).await;
            assert_eq!(answer.status, StatusCode::OK, "{target}");
            assert_eq!(
                invite(&site, alice_login, target).await,
                None,
                "{target} no longer shared"
            );
        }
        assert!(!home_hrefs(&site, bob_login, "/dav/caldav/")
            .await
            .contains(&path));
        assert!(!home_hrefs(&site, bob_login, "/dav/carddav/")
            .await
            .contains(&book));
        let gone = send(
            &site.app,
            Call::new("REPORT", &path)
                .auth("bob", BOB_PASSWORD)
                .depth("1")
                .body(sync_body("", None)),
        )
        .await;
        assert_eq!(
            gone.status,
            StatusCode::NOT_FOUND,
            "as for a calendar that is gone"
        );
        // The aggregated collection's old token names a folder bob may no longer read: the
        // client is told to sync afresh, and that sync has none of alice's contacts.
        let stale = sync(first.sync_token()).await;
        assert_precondition(
            &stale,
            StatusCode::FORBIDDEN,
            DAV,
            "valid-sync-token",
            "unshared",
        );
        let afresh = sync(String::new()).await;
        assert!(afresh
            .multistatus()
            .iter()
            .all(|r| !r.href.contains(&format!("{team}~"))));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn refused_share_requests_change_nothing() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[LAYOUT, &[("davgate.limits.maxShareesPerRequest", "3")]].concat(),
        )
        .await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        add_user(&site, "carol", CAROL_PASSWORD).await;
        let oscar =
            other_context_user(store, "other.example", "oscar", "Oscar", OSCAR_PASSWORD).await;
        let group = store
            .create_group(alice.context_id, "team", "Team", &[bob.id])
            .await
            .unwrap();
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        // Two contexts: logins name their domain.
        let alice_login = ("alice@example.com", ALICE_PASSWORD);
        store
            .set_permission(
                alice.context_id,
                calendar.id,
                Permission::for_role(bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let before = permissions(store, alice, calendar.id).await;
        let carol = "mailto:carol@example.com";

        // A sharee who may only read, and somebody who does not see the calendar.
        let answer = post(
            &site,
            ("bob@example.com", BOB_PASSWORD),
            &path,
            &share_body(&set(carol, "read")),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "viewer",
        );
        assert_eq!(
            needed_privileges(&answer),
            vec![(path.clone(), "write-acl".to_string())]
        );
        let answer = post(
            &site,
            ("carol@example.com", CAROL_PASSWORD),
            &path,
            &share_body(&set(carol, "read")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);

        // Sharees that cannot be: each refusal keeps carol's valid set from being made.
        let unknown = "mailto:nobody@example.com";
        let other_context = format!("mailto:{}", oscar.mail);
        for (sharee, what) in [
            (unknown.to_string(), "unknown address"),
            (other_context.clone(), "another context's user"),
            (
                format!("/dav/principals/users/{}/", oscar.id + 1000),
                "unknown principal",
            ),
            (format!("/dav/principals/groups/{}/", group.id), "a group"),
            (
                "mailto:alice.l@example.com".to_string(),
                "the owner, by her alias",
            ),
        ] {
            let body = share_body(&format!(
                "{}{}",
                set(carol, "read-write"),
                set(&sharee, "read")
            ));
            let answer = post(&site, alice_login, &path, &body).await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "recognized-principal",
                what,
            );
            assert_eq!(
                permissions(store, alice, calendar.id).await,
                before,
                "{what}"
            );
        }
        // Another context's user gets the very answer an unknown address gets.
        assert_eq!(
            refusal(&site, &path, unknown).await,
            refusal(&site, &path, &other_context).await
        );
        // The owner's own permission cannot be removed.
        let answer = post(
            &site,
            alice_login,
            &path,
            &share_body(&remove("mailto:alice@example.com")),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "recognized-principal",
            "owner",
        );

        // Too many sharees, malformed bodies, a body that is no XML.
        let four = share_body(
            &[carol, carol, carol, carol]
                .map(|c| set(c, "read"))
                .concat(),
        );
        let answer = post(&site, alice_login, &path, &four).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(
            String::from_utf8_lossy(&answer.body).contains("davgate.limits.maxShareesPerRequest")
        );
        for (body, what) in [
            (String::new(), "no body"),
            (
                r#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#.to_string(),
                "no CS:share",
            ),
            (share_body(""), "no set or remove"),
            (
                share_body("<CS:set><CS:read/></CS:set>"),
                "set without href",
            ),
            (
                share_body(&format!("<CS:set><D:href>{carol}</D:href></CS:set>")),
                "set without access",
            ),
            (
                share_body("<CS:remove><CS:read/></CS:remove>"),
                "remove without href",
            ),
            ("<CS:share".to_string(), "not well-formed"),
        ] {
            let answer = post(&site, alice_login, &path, &body).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{what}");
        }
        let answer = send(
            &site.app,
            Call::new("POST", &path)
                .auth("alice@example.com", ALICE_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("x", "X", 1)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(permissions(store, alice, calendar.id).await, before);

        // The aggregated address book and the scheduling inbox are never shared: the book
        // takes POST for push registrations only, and nobody may change its access.
        let answer = post(
            &site,
            alice_login,
            AGGREGATED,
            &share_body(&set(carol, "read")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let body = String::from_utf8_lossy(&answer.body);
        assert!(body.contains("need-privileges"), "{body}");
        let inbox = "/dav/caldav/schedule-inbox/";
        let answer = post(&site, alice_login, inbox, &share_body(&set(carol, "read"))).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
        // Removing somebody without access changes nothing and is no error.
        let answer = post(&site, alice_login, &path, &share_body(&remove(unknown))).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(permissions(store, alice, calendar.id).await, before);
        db.drop_database().await;
    }
}
