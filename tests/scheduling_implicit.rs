//! Implicit scheduling (RFC 6638 3.2) through the real router, on SQLite and PostgreSQL:
//! an organizer's PUT invites the attendees of her context (copies in their calendars, a
//! REQUEST in their inboxes), rooms answer by themselves, attendees outside get a
//! SCHEDULE-STATUS saying what became of their message; attendees' answers reach the
//! organizer's copy and the other attendees'; changes, removals and deletions follow.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::provision::create_user;
use davgate::scheduling::inbox::inbox_folder;
use davgate::scheduling::itip::{view, View};
use davgate::scheduling::lines::parse;
use davgate::store::{DynStore, FolderModule, MemberFilter, ResourceKind, StoredObject, User};
use futures::TryStreamExt;
use http::StatusCode;

const CAROL_PASSWORD: &str = "carol-Secret-3";

/// An event of alice's from 10:00 to 11:00 UTC `days` from today with these ATTENDEE
/// lines (alice attends too).
fn meeting(uid: &str, summary: &str, days: i64, attendees: &[&str]) -> String {
    let d = day(days);
    let mut lines = String::new();
    for attendee in attendees {
        lines.push_str(&format!("ATTENDEE;{attendee}\r\n"));
    }
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:{summary}\r\nORGANIZER;CN=Alice Liddell:mailto:alice@example.com\r\n\
         ATTENDEE;CN=Alice Liddell;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
         {lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

async fn add_user(site: &Site, login: &str, password: &str) -> User {
    create_user(
        &site.store,
        site.alice.context_id,
        user_spec(login, &format!("{login}@example.com"), &[], login, password),
    )
    .await
    .unwrap()
}

/// The user's copy of `uid` in her default calendar.
async fn copy(store: &DynStore, user: &User, uid: &str) -> Option<StoredObject> {
    let calendar = default_folder(store, user, FolderModule::Calendar).await;
    store
        .object_by_uid(user.context_id, calendar.id, uid)
        .await
        .unwrap()
}

fn scheduling_view(object: &StoredObject) -> View {
    view(&parse(std::str::from_utf8(&object.data).unwrap()).unwrap()).unwrap()
}

/// PARTSTAT and SCHEDULE-STATUS of `address` in the master of `object`.
fn attendee_state(object: &StoredObject, address: &str) -> (String, Option<String>) {
    let view = scheduling_view(object);
    let attendee = view.instances[0]
        .attendee(address)
        .unwrap_or_else(|| panic!("{address} in {}", String::from_utf8_lossy(&object.data)));
    (attendee.partstat.clone(), attendee.schedule_status.clone())
}

/// The iTIP messages in the user's inbox, as text.
async fn inbox(store: &DynStore, user: &User) -> Vec<String> {
    let folder = inbox_folder(store, user.context_id, user.id).await.unwrap();
    store
        .object_stream(user.context_id, folder.id, MemberFilter::default())
        .map_ok(|o| String::from_utf8(o.data).unwrap().replace("\r\n ", ""))
        .try_collect()
        .await
        .unwrap()
}

fn with_method<'a>(messages: &'a [String], method: &str, uid: &str) -> Vec<&'a String> {
    messages
        .iter()
        .filter(|m| {
            m.contains(&format!("METHOD:{method}\r\n")) && m.contains(&format!("UID:{uid}"))
        })
        .collect()
}

fn path_of(object: &StoredObject) -> String {
    format!("/dav/caldav/{}/{}", object.folder_id, object.resource_name)
}

async fn put_as(
    site: &Site,
    (login, password): (&str, &str),
    path: &str,
    body: &str,
    headers: &[(&'static str, String)],
) -> Answer {
    let mut call = Call::new("PUT", path)
        .auth(login, password)
        .header("content-type", "text/calendar; charset=utf-8")
        .body(body.as_bytes().to_vec());
    for (name, value) in headers {
        call = call.header(name, value.clone());
    }
    send(&site.app, call).await
}

async fn get_as(site: &Site, (login, password): (&str, &str), path: &str) -> Answer {
    send(&site.app, Call::new("GET", path).auth(login, password)).await
}

async fn delete_as(site: &Site, (login, password): (&str, &str), path: &str) -> Answer {
    send(&site.app, Call::new("DELETE", path).auth(login, password)).await
}

/// What an Apple client sends when its user accepts: the copy as read, PARTSTAT set on
/// her ATTENDEE (parameters as Apple writes them), a new DTSTAMP, X- properties and an
/// alarm of her own.
fn accepted_like_apple(copy: &str, address: &str, partstat: &str) -> String {
    let mut out = String::new();
    let text = copy.replace("\r\n ", "");
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("ATTENDEE") && upper.ends_with(&address.to_ascii_uppercase()) {
            out.push_str(&format!(
                "ATTENDEE;CN=Someone;CUTYPE=INDIVIDUAL;EMAIL={};PARTSTAT={partstat}:{address}\r\n",
                &address[7..]
            ));
        } else if upper.starts_with("DTSTAMP") {
            out.push_str("DTSTAMP:20260301T120000Z\r\n");
        } else if upper == "END:VEVENT" {
            out.push_str("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nTRANSP:OPAQUE\r\n");
            out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\n");
            out.push_str("END:VEVENT\r\n");
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out
}

#[tokio::test]
async fn invitations_answers_changes_and_cancellations() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let ctx = alice.context_id;
        store
            .create_resource(
                ctx,
                "room1",
                "Room 1",
                "room1@example.com",
                ResourceKind::Room,
            )
            .await
            .unwrap();
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
        store
            .create_resource(
                ctx,
                "room1",
                "Room 1",
                "room1@example.com",
                ResourceKind::Room,
            )
            .await
            .unwrap();
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

#[tokio::test]
async fn forced_requests_unknown_addresses_and_scheduling_preconditions() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = format!("{}sync.ics", calendar_path(&calendar));
        let attendees = [
            "PARTSTAT=NEEDS-ACTION:mailto:bob@example.com",
            "PARTSTAT=NEEDS-ACTION:mailto:nobody@example.com",
        ];
        put_new(&site, &path, &meeting("sync", "Sync", 1, &attendees)).await;
        let organizer_copy = copy(store, alice, "sync").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:nobody@example.com")
                .1
                .as_deref(),
            Some("3.7"),
            "an address of the context's domain that names nobody"
        );
        // The same event again sends nothing new; SCHEDULE-FORCE-SEND does.
        let same = put(&site, &path, &meeting("sync", "Sync", 1, &attendees), &[]).await;
        assert_eq!(same.status, StatusCode::NO_CONTENT);
        assert_eq!(
            with_method(&inbox(store, bob).await, "REQUEST", "sync").len(),
            1
        );
        let forced = [
            "SCHEDULE-FORCE-SEND=REQUEST;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com",
            attendees[1],
        ];
        let again = put(&site, &path, &meeting("sync", "Sync", 1, &forced), &[]).await;
        assert_eq!(again.status, StatusCode::NO_CONTENT);
        assert_eq!(
            with_method(&inbox(store, bob).await, "REQUEST", "sync").len(),
            2
        );
        let organizer_copy = copy(store, alice, "sync").await.unwrap();
        assert!(!String::from_utf8_lossy(&organizer_copy.data).contains("SCHEDULE-FORCE-SEND"));

        // Alice cannot hand her event to another organizer.
        let handed = meeting("sync", "Sync", 1, &attendees).replace(
            "ORGANIZER;CN=Alice Liddell:mailto:alice@example.com",
            "ORGANIZER:mailto:bob@example.com",
        );
        let refused = put(&site, &path, &handed, &[]).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            CALDAV,
            "allowed-organizer-scheduling-object-change",
            "another organizer",
        );
        // Components naming different organizers are refused.
        let mixed = meeting("mixed", "Mixed", 1, &attendees).replace(
            "END:VEVENT\r\nEND:VCALENDAR",
            &format!(
                "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:mixed\r\nDTSTAMP:20260101T000000Z\r\n\
                 RECURRENCE-ID:{d}T100000Z\r\nDTSTART:{d}T120000Z\r\nDTEND:{d}T130000Z\r\n\
                 ORGANIZER:mailto:bob@example.com\r\nATTENDEE:mailto:alice@example.com\r\n\
                 END:VEVENT\r\nEND:VCALENDAR",
                d = day(1)
            ),
        );
        put_refused(
            &site,
            &format!("{}mixed.ics", calendar_path(&calendar)),
            &mixed,
            StatusCode::FORBIDDEN,
            (CALDAV, "same-organizer-in-all-components"),
        )
        .await;

        // Bob cannot keep a second copy in another calendar of his.
        store
            .create_folder(
                bob.context_id,
                davgate::store::NewFolder {
                    parent_id: davgate::store::PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: davgate::store::FolderType::Private,
                    owner_id: Some(bob.id),
                    name: "Second".into(),
                    color: None,
                    description: None,
                    sort_order: None,
                    dav_name: Some("second".into()),
                    permissions: vec![davgate::store::Permission::for_role(
                        bob.id,
                        false,
                        davgate::store::Role::Administrator,
                    )],
                },
            )
            .await
            .unwrap();
        let bob_copy = copy(store, bob, "sync").await.unwrap();
        let twice = put_as(
            &site,
            ("bob", BOB_PASSWORD),
            "/dav/caldav/second/sync.ics",
            std::str::from_utf8(&bob_copy.data).unwrap(),
            &[],
        )
        .await;
        assert_precondition(
            &twice,
            StatusCode::FORBIDDEN,
            CALDAV,
            "unique-scheduling-object-resource",
            "a second copy",
        );

        // A DELETE with a stale Schedule-Tag fails and leaves the copy.
        let stale = send(
            &site.app,
            Call::new("DELETE", &path_of(&bob_copy))
                .auth("bob", BOB_PASSWORD)
                .header("if-schedule-tag-match", "\"st-stale\""),
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        assert!(copy(store, bob, "sync").await.is_some());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_invitation_never_replaces_another_event_with_its_uid() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let alice_calendar = default_folder(store, alice, FolderModule::Calendar).await;
        put_new(
            &site,
            &format!("{}mine.ics", calendar_path(&alice_calendar)),
            &event("mine", "Mine", 1),
        )
        .await;
        let own = copy(store, alice, "mine").await.unwrap();
        // Bob invites alice to an event with that UID, then deletes it.
        let bob_calendar = default_folder(store, bob, FolderModule::Calendar).await;
        let bob_path = format!("/dav/caldav/{}/theirs.ics", bob_calendar.id);
        let invitation = meeting(
            "mine",
            "Theirs",
            2,
            &["PARTSTAT=NEEDS-ACTION:mailto:alice.l@example.com"],
        )
        .replace(
            "ORGANIZER;CN=Alice Liddell:mailto:alice@example.com",
            "ORGANIZER:mailto:bob@example.com",
        )
        .replace(
            "ATTENDEE;CN=Alice Liddell;PARTSTAT=ACCEPTED:mailto:alice@example.com",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com",
        );
        let answer = put_as(&site, ("bob", BOB_PASSWORD), &bob_path, &invitation, &[]).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        let organizer_copy = copy(store, bob, "mine").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:alice.l@example.com")
                .1
                .as_deref(),
            Some("5.3")
        );
        assert_eq!(copy(store, alice, "mine").await.unwrap().data, own.data);
        assert!(inbox(store, alice).await.is_empty());
        let deleted = delete_as(&site, ("bob", BOB_PASSWORD), &bob_path).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(copy(store, alice, "mine").await.unwrap().data, own.data);
        db.drop_database().await;
    }
}
