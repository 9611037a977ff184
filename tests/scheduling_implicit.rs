//! Implicit scheduling (RFC 6638 3.2) through the real router, on SQLite and PostgreSQL:
//! an organizer's PUT invites the attendees of her context (copies in their calendars, a
//! REQUEST in their inboxes), rooms answer by themselves, attendees outside get a
//! SCHEDULE-STATUS saying what became of their message; attendees' answers reach the
//! organizer's copy and the other attendees'; changes, removals and deletions follow.

mod common;

use common::caldav::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::FolderModule;
use http::StatusCode;

#[tokio::test]
async fn invitations_answers_changes_and_cancellations() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let ctx = alice.context_id;
        add_room1(store, ctx).await;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = format!("{}plan.ics", calendar_path(&calendar));
        let attendees = [
            "CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com",
            "CN=Carol;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@example.com",
            "CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION:mailto:room1@example.com",
            "PARTSTAT=NEEDS-ACTION:mailto:outside@example.org",
        ];
        let created = put(&site, &path, &meeting("plan", "Plan", 2, &attendees), &[]).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let first_tag = created
            .header("schedule-tag")
            .expect("Schedule-Tag")
            .to_owned();
        assert_eq!(
            created.header("etag"),
            None,
            "the stored copy differs from the body"
        );

        // Bob and carol have it, waiting for their answer, and a REQUEST each.
        for user in [bob, &carol] {
            let mine = copy(store, user, "plan").await.expect("a copy");
            let address = format!("mailto:{}", user.mail);
            assert_eq!(attendee_state(&mine, &address).0, "NEEDS-ACTION");
            assert!(!String::from_utf8_lossy(&mine.data).contains("SCHEDULE-STATUS"));
            assert_eq!(
                with_method(&inbox(store, user).await, "REQUEST", "plan").len(),
                1
            );
        }
        // Alice's copy: delivered, the room accepted, no relay for outside.
        let organizer_copy = copy(store, alice, "plan").await.unwrap();
        assert_eq!(
            organizer_copy.schedule_tag.as_deref(),
            Some(&first_tag[1..first_tag.len() - 1])
        );
        let state = |a| attendee_state(&organizer_copy, a);
        assert_eq!(state("mailto:bob@example.com").1.as_deref(), Some("1.2"));
        assert_eq!(state("mailto:carol@example.com").1.as_deref(), Some("1.2"));
        assert_eq!(
            state("mailto:room1@example.com"),
            ("ACCEPTED".into(), Some("1.2".into()))
        );
        assert_eq!(
            state("mailto:outside@example.org").1.as_deref(),
            Some("5.2")
        );
        assert_eq!(
            with_method(&inbox(store, alice).await, "REPLY", "plan").len(),
            1
        );

        // Bob accepts from his calendar.
        let bob_copy = copy(store, bob, "plan").await.unwrap();
        let bob_path = path_of(&bob_copy);
        let read = get_as(&site, ("bob", BOB_PASSWORD), &bob_path).await;
        let bob_tag = read
            .header("schedule-tag")
            .expect("Schedule-Tag on GET")
            .to_owned();
        let body = accepted_like_apple(
            std::str::from_utf8(&read.body).unwrap(),
            "mailto:bob@example.com",
            "ACCEPTED",
        );
        let answer = put_as(
            &site,
            ("bob", BOB_PASSWORD),
            &bob_path,
            &body,
            &[("if-schedule-tag-match", bob_tag.clone())],
        )
        .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
        assert_eq!(
            answer.header("schedule-tag"),
            Some(bob_tag.as_str()),
            "a reply keeps the tag"
        );
        let organizer_copy = copy(store, alice, "plan").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:bob@example.com").0,
            "ACCEPTED"
        );
        assert_eq!(
            organizer_copy.schedule_tag.as_deref(),
            Some(&first_tag[1..first_tag.len() - 1]),
            "the organizer's tag stays when only a participation changes"
        );
        let carol_copy = copy(store, &carol, "plan").await.unwrap();
        assert_eq!(
            attendee_state(&carol_copy, "mailto:bob@example.com").0,
            "ACCEPTED"
        );
        let replies = inbox(store, alice).await;
        let bob_reply: Vec<_> = with_method(&replies, "REPLY", "plan")
            .into_iter()
            .filter(|m| m.contains("mailto:bob@example.com"))
            .collect();
        assert_eq!(bob_reply.len(), 1);
        assert!(
            bob_reply[0].contains("PARTSTAT=ACCEPTED"),
            "{}",
            bob_reply[0]
        );
        assert!(!bob_reply[0].contains("carol"), "{}", bob_reply[0]);

        // Alice's client sends the event again as it last read it: bob's answer stays.
        let resent = put(&site, &path, &meeting("plan", "Plan", 2, &attendees), &[]).await;
        assert_eq!(resent.status, StatusCode::NO_CONTENT);
        let organizer_copy = copy(store, alice, "plan").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:bob@example.com").0,
            "ACCEPTED"
        );
        assert_eq!(
            with_method(&inbox(store, bob).await, "REQUEST", "plan").len(),
            1
        );

        // Alice moves the event: copies follow, bob's tag changes, his stale one fails.
        let moved = put(&site, &path, &meeting("plan", "Plan", 3, &attendees), &[]).await;
        assert_eq!(moved.status, StatusCode::NO_CONTENT);
        assert_ne!(moved.header("schedule-tag"), Some(first_tag.as_str()));
        let bob_copy = copy(store, bob, "plan").await.unwrap();
        assert!(String::from_utf8_lossy(&bob_copy.data)
            .contains(&format!("DTSTART:{}T100000Z", day(3))));
        assert_ne!(
            bob_copy.schedule_tag.as_deref(),
            Some(&bob_tag[1..bob_tag.len() - 1])
        );
        let carol_copy = copy(store, &carol, "plan").await.unwrap();
        assert!(String::from_utf8_lossy(&carol_copy.data)
            .contains(&format!("DTSTART:{}T100000Z", day(3))));
        let stale = put_as(
            &site,
            ("bob", BOB_PASSWORD),
            &bob_path,
            &body,
            &[("if-schedule-tag-match", bob_tag.clone())],
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

        // Bob may not rename it.
        let current = String::from_utf8(copy(store, bob, "plan").await.unwrap().data).unwrap();
        let renamed = current.replace("SUMMARY:Plan", "SUMMARY:Mine");
        let refused = put_as(&site, ("bob", BOB_PASSWORD), &bob_path, &renamed, &[]).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            CALDAV,
            "allowed-attendee-scheduling-object-change",
            "bob renames",
        );

        // Alice removes carol: her copy goes, a CANCEL comes.
        let without_carol = [attendees[0], attendees[2], attendees[3]];
        let answer = put(
            &site,
            &path,
            &meeting("plan", "Plan", 3, &without_carol),
            &[],
        )
        .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert!(copy(store, &carol, "plan").await.is_none());
        assert_eq!(
            with_method(&inbox(store, &carol).await, "CANCEL", "plan").len(),
            1
        );

        // Bob deletes his copy: alice learns he declined.
        let bob_copy = copy(store, bob, "plan").await.unwrap();
        assert_eq!(
            delete_as(&site, ("bob", BOB_PASSWORD), &path_of(&bob_copy))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let organizer_copy = copy(store, alice, "plan").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:bob@example.com").0,
            "DECLINED"
        );
        let replies = inbox(store, alice).await;
        assert!(with_method(&replies, "REPLY", "plan")
            .iter()
            .any(|m| m.contains("PARTSTAT=DECLINED") && m.contains("mailto:bob@example.com")));

        // Alice deletes: the room's booking goes and bob gets a CANCEL too.
        let answer = send(
            &site.app,
            Call::new("DELETE", &path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert_eq!(
            with_method(&inbox(store, bob).await, "CANCEL", "plan").len(),
            1
        );
        let room = store.resources(ctx).await.unwrap().remove(0);
        let booking = room.calendar_folder.expect("a booking calendar");
        assert!(store
            .object_by_uid(ctx, booking, "plan")
            .await
            .unwrap()
            .is_none());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_busy_room_declines_and_client_scheduled_attendees_get_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let ctx = alice.context_id;
        add_room1(store, ctx).await;
        let calendar = calendar_path(&default_folder(store, alice, FolderModule::Calendar).await);
        let room = ["CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION:mailto:room1@example.com"];
        put_new(
            &site,
            &format!("{calendar}one.ics"),
            &meeting("one", "One", 1, &room),
        )
        .await;
        let two = [
            room[0],
            "SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com",
        ];
        put_new(
            &site,
            &format!("{calendar}two.ics"),
            &meeting("two", "Two", 1, &two),
        )
        .await;
        let first = copy(store, alice, "one").await.unwrap();
        assert_eq!(
            attendee_state(&first, "mailto:room1@example.com").0,
            "ACCEPTED"
        );
        let second = copy(store, alice, "two").await.unwrap();
        assert_eq!(
            attendee_state(&second, "mailto:room1@example.com").0,
            "DECLINED"
        );
        // Bob, scheduled by alice's client, got nothing from the server.
        assert!(copy(store, bob, "two").await.is_none());
        assert!(inbox(store, bob).await.is_empty());
        assert_eq!(attendee_state(&second, "mailto:bob@example.com").1, None);
        // Another day is free.
        put_new(
            &site,
            &format!("{calendar}three.ics"),
            &meeting("three", "Three", 4, &room),
        )
        .await;
        let third = copy(store, alice, "three").await.unwrap();
        assert_eq!(
            attendee_state(&third, "mailto:room1@example.com").0,
            "ACCEPTED"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_group_attendee_expands_to_its_members() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let ctx = alice.context_id;
        let group = store
            .create_group(ctx, "team", "Team", &[bob.id, carol.id])
            .await
            .unwrap();
        let calendar = calendar_path(&default_folder(store, alice, FolderModule::Calendar).await);
        let group_address = format!("/dav/principals/groups/{}/", group.id);
        let attendees = [
            format!("CUTYPE=GROUP;PARTSTAT=NEEDS-ACTION:{group_address}"),
            "PARTSTAT=NEEDS-ACTION:mailto:bob@example.com".to_owned(),
        ];
        let attendees: Vec<&str> = attendees.iter().map(String::as_str).collect();
        put_new(
            &site,
            &format!("{calendar}team.ics"),
            &meeting("team", "Team", 1, &attendees),
        )
        .await;
        let organizer_copy = copy(store, alice, "team").await.unwrap();
        let view = scheduling_view(&organizer_copy);
        let addresses = view.attendee_addresses();
        assert_eq!(
            addresses
                .iter()
                .filter(|a| a.eq_ignore_ascii_case("mailto:bob@example.com"))
                .count(),
            1,
            "bob is not added twice: {addresses:?}"
        );
        let carol_line = view.instances[0]
            .attendee("mailto:carol@example.com")
            .expect("carol added");
        assert_eq!(carol_line.member, [group_address]);
        for user in [bob, &carol] {
            assert!(copy(store, user, "team").await.is_some());
            assert_eq!(
                with_method(&inbox(store, user).await, "REQUEST", "team").len(),
                1
            );
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn fifty_attendees_accepting_at_once_all_show_at_the_organizer() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let alice = &site.alice;
        let mut users = Vec::new();
        for n in 0..50 {
            users.push(add_user(&site, &format!("guest{n}"), &format!("guest{n}-Secret-9")).await);
        }
        let lines: Vec<String> = users
            .iter()
            .map(|u| format!("PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}", u.mail))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let calendar = calendar_path(&default_folder(store, alice, FolderModule::Calendar).await);
        put_new(
            &site,
            &format!("{calendar}all.ics"),
            &meeting("all", "All hands", 1, &lines),
        )
        .await;
        // Each reads its copy (logging in once), then all answer at the same moment.
        let mut bodies = Vec::new();
        for user in &users {
            let mine = copy(store, user, "all").await.unwrap();
            let password = format!("{}-Secret-9", user.login);
            let read = get_as(&site, (&user.login, &password), &path_of(&mine)).await;
            assert_eq!(read.status, StatusCode::OK);
            let body = accepted_like_apple(
                std::str::from_utf8(&read.body).unwrap(),
                &format!("mailto:{}", user.mail),
                "ACCEPTED",
            );
            bodies.push((user.login.clone(), password, path_of(&mine), body));
        }
        let tasks: Vec<_> = bodies
            .into_iter()
            .map(|(login, password, path, body)| {
                let app = site.app.clone();
                tokio::spawn(async move {
                    let call = Call::new("PUT", &path)
                        .auth(&login, &password)
                        .header("content-type", "text/calendar")
                        .body(body.into_bytes());
                    send(&app, call).await.status
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), StatusCode::NO_CONTENT);
        }
        let organizer_copy = copy(store, alice, "all").await.unwrap();
        for user in &users {
            let address = format!("mailto:{}", user.mail);
            assert_eq!(
                attendee_state(&organizer_copy, &address).0,
                "ACCEPTED",
                "{address}"
            );
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn declining_one_instance_overrides_it_at_the_organizer() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let calendar = calendar_path(&default_folder(store, alice, FolderModule::Calendar).await);
        let series = meeting(
            "daily",
            "Daily",
            1,
            &["PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com"],
        )
        .replace("SUMMARY:Daily", "SUMMARY:Daily\r\nRRULE:FREQ=DAILY;COUNT=5");
        put_new(&site, &format!("{calendar}daily.ics"), &series).await;
        let mine = copy(store, bob, "daily").await.unwrap();
        let text = String::from_utf8(mine.data.clone()).unwrap();
        // Bob's client adds an override of the third day where he declines.
        let d = day(3);
        let master_start = text.find("BEGIN:VEVENT").unwrap();
        let master_end = text.find("END:VEVENT").unwrap() + "END:VEVENT\r\n".len();
        let master = &text[master_start..master_end];
        let instance = master
            .replace("RRULE:FREQ=DAILY;COUNT=5\r\n", "")
            .replace(
                &format!("DTSTART:{}T100000Z", day(1)),
                &format!("DTSTART:{d}T100000Z\r\nRECURRENCE-ID:{d}T100000Z"),
            )
            .replace(
                &format!("DTEND:{}T110000Z", day(1)),
                &format!("DTEND:{d}T110000Z"),
            )
            .replace(
                "PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob",
                "PARTSTAT=DECLINED:mailto:bob",
            );
        let body = format!("{}{}{}", &text[..master_end], instance, &text[master_end..]);
        let answer = put_as(&site, ("bob", BOB_PASSWORD), &path_of(&mine), &body, &[]).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
        let organizer_copy = copy(store, alice, "daily").await.unwrap();
        let view = scheduling_view(&organizer_copy);
        assert_eq!(
            view.instances.len(),
            2,
            "{}",
            String::from_utf8_lossy(&organizer_copy.data)
        );
        assert_eq!(
            view.instances[0]
                .attendee("mailto:bob@example.com")
                .unwrap()
                .partstat,
            "NEEDS-ACTION"
        );
        let overridden = &view.instances[1];
        assert_eq!(
            overridden.recurrence_id.as_deref(),
            Some(format!("{d}T100000Z").as_str())
        );
        assert_eq!(
            overridden
                .attendee("mailto:bob@example.com")
                .unwrap()
                .partstat,
            "DECLINED"
        );
        let replies = inbox(store, alice).await;
        let reply = with_method(&replies, "REPLY", "daily");
        assert_eq!(reply.len(), 1);
        assert!(
            reply[0].contains(&format!("RECURRENCE-ID:{d}T100000Z")),
            "{}",
            reply[0]
        );
        db.drop_database().await;
    }
}

/// An answer updates the organizer's copy always, and the other attendees' copies up to
/// `davgate.limits.maxCopiesUpdatedPerReply`: with 1, of carol's and dave's copies one
/// learns bob's answer and the other does not, while alice's shows it.
#[tokio::test]
async fn an_answer_updates_other_copies_within_the_bound() {
    for db in common::databases().await {
        let mut overrides = LAYOUT.to_vec();
        overrides.push(("davgate.limits.maxCopiesUpdatedPerReply", "1"));
        let site = site(&db.store, &overrides).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let dave = add_user(&site, "dave", "dave-Secret-4").await;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = format!("{}bounded.ics", calendar_path(&calendar));
        let attendees = [
            "PARTSTAT=NEEDS-ACTION:mailto:bob@example.com",
            "PARTSTAT=NEEDS-ACTION:mailto:carol@example.com",
            "PARTSTAT=NEEDS-ACTION:mailto:dave@example.com",
        ];
        let created = put(
            &site,
            &path,
            &meeting("bounded", "Bounded", 2, &attendees),
            &[],
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);

        let bob_copy = copy(store, bob, "bounded").await.unwrap();
        let read = get_as(&site, ("bob", BOB_PASSWORD), &path_of(&bob_copy)).await;
        let body = accepted_like_apple(
            std::str::from_utf8(&read.body).unwrap(),
            "mailto:bob@example.com",
            "ACCEPTED",
        );
        let answer = put_as(
            &site,
            ("bob", BOB_PASSWORD),
            &path_of(&bob_copy),
            &body,
            &[],
        )
        .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);

        let organizer = copy(store, alice, "bounded").await.unwrap();
        assert_eq!(
            attendee_state(&organizer, "mailto:bob@example.com").0,
            "ACCEPTED"
        );
        let mut seen_by_others = Vec::new();
        for user in [&carol, &dave] {
            let theirs = copy(store, user, "bounded").await.unwrap();
            seen_by_others.push(attendee_state(&theirs, "mailto:bob@example.com").0);
        }
        seen_by_others.sort();
        assert_eq!(seen_by_others, ["ACCEPTED", "NEEDS-ACTION"], "{}", db.label);
    }
}
