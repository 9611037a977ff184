//! Scheduling preconditions through the real router, on SQLite and PostgreSQL: forced
//! REQUESTs, addresses that name nobody, the organizer kept, one organizer per object, one
//! scheduling object per UID among a user's calendars, stale Schedule-Tags, and events of
//! others that happen to have an invitation's UID.

mod common;

use common::caldav::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::FolderModule;
use http::StatusCode;

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
