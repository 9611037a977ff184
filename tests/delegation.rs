//! Calendar delegation (Apple's calendar-proxy) on SQLite and PostgreSQL: the owner names
//! her delegates by PROPPATCH of the calendar-proxy-read / -write groups below her
//! principal, as macOS Calendar does, which sets permissions on her default calendar;
//! permissions set in the groupware show as members; the delegate's principal lists
//! whom she acts for; a write delegate organizes and answers invitations for the owner
//! with SENT-BY. What is refused is in tests/delegation_refusals.rs.

mod common;

use common::caldav::*;
use common::delegation::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::{FolderModule, Permission, Role};
use http::StatusCode;

#[tokio::test]
async fn the_owner_names_delegates_and_the_delegate_sees_whom_she_acts_for() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let store = &db.store;
        let write_group = proxy(alice, "write");

        // Depth 1 on her principal lists both groups (Apple looks for them there).
        let listed = propfind(&site, ALICE, &principal(alice), "1").await;
        let mut hrefs: Vec<String> = listed.multistatus().into_iter().map(|r| r.href).collect();
        hrefs.sort();
        assert_eq!(
            hrefs,
            [principal(alice), proxy(alice, "read"), write_group.clone()],
            "{}",
            db.label
        );

        let answer = proppatch(
            &site,
            ALICE,
            &write_group,
            &member_set_body(&[principal(bob)]),
        )
        .await;
        let response = only(&answer);
        assert_eq!(response.status_of(DAV, "group-member-set"), Some(200));
        assert_eq!(
            permission_of(store, alice, bob).await,
            Some(Permission::for_role(bob.id, false, Role::Author)),
            "{}: a write delegate gets the author level",
            db.label
        );

        let group = only(&propfind(&site, ALICE, &write_group, "0").await);
        assert_eq!(
            group.found(DAV, "group-member-set").hrefs(),
            [principal(bob)]
        );
        let types = group.found(DAV, "resourcetype");
        assert!(types.child(DAV, "principal").is_some());
        assert!(types
            .child(CALENDARSERVER, "calendar-proxy-write")
            .is_some());
        assert!(group.privileges().contains(&"write-properties".to_string()));
        let read_group = only(&propfind(&site, ALICE, &proxy(alice, "read"), "0").await);
        assert!(read_group.found(DAV, "group-member-set").hrefs().is_empty());

        // Bob's principal says whom he acts for, and that he is in her write group.
        let mine = only(&propfind(&site, BOB, &principal(bob), "0").await);
        assert_eq!(
            mine.found(CALENDARSERVER, "calendar-proxy-write-for")
                .hrefs(),
            [principal(alice)]
        );
        assert!(mine
            .found(CALENDARSERVER, "calendar-proxy-read-for")
            .hrefs()
            .is_empty());
        assert_eq!(
            mine.found(DAV, "group-membership").hrefs(),
            std::slice::from_ref(&write_group)
        );
        // Nobody else learns it from his principal.
        let seen_by_alice = only(&propfind(&site, ALICE, &principal(bob), "0").await);
        assert!(seen_by_alice
            .found(DAV, "group-membership")
            .hrefs()
            .is_empty());
        assert_eq!(
            seen_by_alice.status_of(CALENDARSERVER, "calendar-proxy-write-for"),
            Some(404)
        );

        // iOS expands calendar-proxy-write-for into the owner's name and addresses.
        let expanded = send(
            &site.app,
            Call::new("REPORT", &principal(bob))
                .auth("bob", BOB_PASSWORD)
                .depth("0")
                .body(IOS_PROXY_FOR),
        )
        .await;
        let response = only(&expanded);
        let write_for = response.found(CALENDARSERVER, "calendar-proxy-write-for");
        let owner = write_for.child(DAV, "response").expect("expanded");
        assert_eq!(owner.hrefs(), [principal(alice)]);
        let mut inner = Vec::new();
        owner.all_hrefs(&mut inner);
        assert!(
            inner.contains(&"mailto:alice@example.com".to_string()),
            "{inner:?}"
        );
        let text = format!("{owner:?}");
        assert!(text.contains("Alice Liddell"), "{text}");
        let read_for = response.found(CALENDARSERVER, "calendar-proxy-read-for");
        assert!(read_for.children.is_empty());
        // Her client expands the members of her group into their names.
        let expanded = send(
            &site.app,
            Call::new("REPORT", &write_group)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(
                    r#"<A:expand-property xmlns:A="DAV:"><A:property name="group-member-set"><A:property name="displayname"/><A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/></A:property></A:expand-property>"#,
                ),
        )
        .await;
        let members = only(&expanded);
        let member = members
            .found(DAV, "group-member-set")
            .child(DAV, "response")
            .expect("expanded");
        assert_eq!(member.hrefs(), [principal(bob)]);
        let text = format!("{member:?}");
        assert!(
            text.contains("Bob Builder") && text.contains("mailto:bob@example.com"),
            "{text}"
        );

        // Moved to read access, as macOS does it: into the read group, out of the write
        // group.
        for (group, members) in [
            (proxy(alice, "read"), vec![principal(bob)]),
            (write_group.clone(), vec![]),
        ] {
            let answer = proppatch(&site, ALICE, &group, &member_set_body(&members)).await;
            assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(200));
        }
        assert_eq!(
            permission_of(store, alice, bob).await,
            Some(Permission::for_role(bob.id, false, Role::Viewer)),
            "{}",
            db.label
        );
        let mine = only(&propfind(&site, BOB, &principal(bob), "0").await);
        assert_eq!(
            mine.found(CALENDARSERVER, "calendar-proxy-read-for")
                .hrefs(),
            [principal(alice)]
        );
        // The last one out loses the permission on her calendar.
        let answer = proppatch(&site, ALICE, &proxy(alice, "read"), &member_set_body(&[])).await;
        assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(200));
        assert_eq!(permission_of(store, alice, bob).await, None, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn permissions_set_in_the_groupware_show_as_members() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let dan = add_user(&site, "dan", "dan-Secret-4").await;
        let store = &db.store;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let ctx = alice.context_id;
        store
            .set_permission(
                ctx,
                calendar.id,
                Permission::for_role(bob.id, false, Role::Reviewer),
            )
            .await
            .unwrap();
        store
            .set_permission(
                ctx,
                calendar.id,
                Permission::for_role(carol.id, false, Role::Administrator),
            )
            .await
            .unwrap();
        // A group's permission (all users here) makes nobody a delegate.
        store
            .set_permission(
                ctx,
                calendar.id,
                Permission::for_role(0, true, Role::Author),
            )
            .await
            .unwrap();

        let read = only(&propfind(&site, ALICE, &proxy(alice, "read"), "0").await);
        assert_eq!(
            read.found(DAV, "group-member-set").hrefs(),
            [principal(bob)]
        );
        let write = only(&propfind(&site, ALICE, &proxy(alice, "write"), "0").await);
        assert_eq!(
            write.found(DAV, "group-member-set").hrefs(),
            [principal(&carol)]
        );
        let carols = only(&propfind(&site, CAROL, &principal(&carol), "0").await);
        assert_eq!(
            carols
                .found(CALENDARSERVER, "calendar-proxy-write-for")
                .hrefs(),
            [principal(alice)]
        );

        // Dan may look the group up (every user of the context may), but who shares
        // alice's calendar is not his to know; nor may he change it.
        let dans_view =
            only(&propfind(&site, ("dan", "dan-Secret-4"), &proxy(alice, "write"), "0").await);
        assert_eq!(dans_view.status_of(DAV, "group-member-set"), Some(404));
        assert_eq!(dans_view.privileges(), ["read"]);
        let _ = dan;
        db.drop_database().await;
    }
}

/// An event organized by `organizer` (a user of the site), inviting `attendee`.
fn meeting_of(uid: &str, organizer: &str, attendee: &str) -> String {
    let d = day(3);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:Review\r\nORGANIZER:mailto:{organizer}\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:{organizer}\r\n\
         ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn unfolded(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n ", "")
}

#[tokio::test]
async fn a_write_delegate_invites_and_answers_for_the_owner() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let store = &db.store;
        let answer = proppatch(
            &site,
            ALICE,
            &proxy(alice, "write"),
            &member_set_body(&[principal(bob)]),
        )
        .await;
        assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(200));
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;

        // Bob invites carol in alice's name, from alice's calendar.
        let path = format!("{}by-bob.ics", calendar_path(&calendar));
        let body = meeting_of("by-bob", "alice@example.com", "carol@example.com");
        let created = put_as(&site, BOB, &path, &body, &[]).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            db.label,
            String::from_utf8_lossy(&created.body)
        );
        let sent_by = "SENT-BY=\"mailto:bob@example.com\"";
        let carols = copy(store, &carol, "by-bob")
            .await
            .expect("carol is invited");
        let text = unfolded(&carols.data);
        let organizer = text
            .lines()
            .find(|l| l.starts_with("ORGANIZER"))
            .unwrap_or_default();
        assert!(organizer.contains(sent_by), "{organizer}");
        assert!(
            organizer.ends_with("mailto:alice@example.com"),
            "{organizer}"
        );
        let requests = inbox(store, &carol).await;
        let request = with_method(&requests, "REQUEST", "by-bob");
        assert_eq!(request.len(), 1);
        assert!(request[0].contains(sent_by), "{}", request[0]);
        // The organizer's copy is alice's, and says who wrote it.
        let alices = copy(store, alice, "by-bob").await.expect("alice's copy");
        assert!(unfolded(&alices.data).contains(sent_by));

        // Carol invites alice; bob accepts in alice's calendar.
        let carols_calendar = default_folder(store, &carol, FolderModule::Calendar).await;
        let invite = put_as(
            &site,
            CAROL,
            &format!("{}review.ics", calendar_path(&carols_calendar)),
            &meeting_of("review", "carol@example.com", "alice@example.com"),
            &[],
        )
        .await;
        assert_eq!(invite.status, StatusCode::CREATED, "{}", db.label);
        let alices = copy(store, alice, "review")
            .await
            .expect("alice is invited");
        let alices_path = path_of(&alices);
        let read = get_as(&site, BOB, &alices_path).await;
        assert_eq!(read.status, StatusCode::OK, "{}", db.label);
        let tag = read
            .header("schedule-tag")
            .expect("Schedule-Tag")
            .to_owned();
        let accepted = accepted_like_apple(
            std::str::from_utf8(&read.body).unwrap(),
            "mailto:alice@example.com",
            "ACCEPTED",
        );
        let answer = put_as(
            &site,
            BOB,
            &alices_path,
            &accepted,
            &[("if-schedule-tag-match", tag)],
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::NO_CONTENT,
            "{}: {}",
            db.label,
            String::from_utf8_lossy(&answer.body)
        );
        let organizers = copy(store, &carol, "review").await.unwrap();
        assert_eq!(
            attendee_state(&organizers, "mailto:alice@example.com").0,
            "ACCEPTED"
        );
        let replies = inbox(store, &carol).await;
        let reply = with_method(&replies, "REPLY", "review");
        assert_eq!(reply.len(), 1, "{}", db.label);
        let attendee = reply[0]
            .lines()
            .find(|l| l.starts_with("ATTENDEE"))
            .unwrap_or_default();
        assert!(attendee.contains(sent_by), "{attendee}");
        assert!(attendee.ends_with("mailto:alice@example.com"), "{attendee}");

        // Deleting for her declines (her answer) and cancels (her own event), each
        // saying who did it.
        let deleted = delete_as(&site, BOB, &alices_path).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", db.label);
        let organizers = copy(store, &carol, "review").await.unwrap();
        assert_eq!(
            attendee_state(&organizers, "mailto:alice@example.com").0,
            "DECLINED"
        );
        let replies = inbox(store, &carol).await;
        let declined: Vec<_> = with_method(&replies, "REPLY", "review")
            .into_iter()
            .filter(|m| m.contains("PARTSTAT=DECLINED"))
            .collect();
        assert_eq!(declined.len(), 1, "{}", db.label);
        assert!(declined[0].contains(sent_by), "{}", declined[0]);
        let deleted = delete_as(&site, BOB, &path).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", db.label);
        let messages = inbox(store, &carol).await;
        let cancel = with_method(&messages, "CANCEL", "by-bob");
        assert_eq!(cancel.len(), 1, "{}", db.label);
        assert!(cancel[0].contains(sent_by), "{}", cancel[0]);
        db.drop_database().await;
    }
}
