//! Quotas (RFC 4331) through the real router, on SQLite and PostgreSQL: the quota
//! properties of homes and collections following PUT and DELETE, OX's per-context
//! object quotas and davgate's byte quota refusing writes with 507
//! DAV:quota-not-exceeded (sequentially and under 20 concurrent PUTs), usage kept by
//! triggers for any writer of the tables, and MOVE and COPY counted against the owner of
//! the target.

mod common;

use common::caldav::*;
use common::carddav::{book_path, contacts_folder, put_vcard, vcard};
use common::http::*;
use common::quota::*;
use davgate::store::{FolderModule, Permission, Role};
use http::StatusCode;

const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);
const BOB: (&str, &str) = ("bob", BOB_PASSWORD);

/// Calendar and address book homes and collections show the owner's bytes, which PUT
/// and DELETE move; available bytes follow `davgate.quota.bytes`; a sharee sees neither
/// on the owner's collection, and allprop leaves both out.
#[tokio::test]
async fn quota_properties_follow_puts_and_deletes() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let alice = &site.alice;
        set_user_config(store, alice, "davgate.quota.bytes", "100000").await;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let book = contacts_folder(store, alice).await;
        let places = [
            "/dav/caldav/".to_owned(),
            calendar_path(&calendar),
            "/dav/carddav/".to_owned(),
            book_path(book.id),
            "/dav/carddav/Contacts/".to_owned(),
        ];
        for place in &places {
            assert_eq!(
                quota_of(&site, ALICE, place).await,
                (Some(0), Some(100000)),
                "{} {place}",
                db.label
            );
        }

        let event_path = format!("{}lunch.ics", calendar_path(&calendar));
        put_new(&site, &event_path, &event("lunch", "Lunch", 2)).await;
        let card_path = format!("{}carol.vcf", book_path(book.id));
        let card = put_vcard(
            &site,
            "alice",
            &card_path,
            &vcard("carol", "Carol C", "c@example.org"),
        )
        .await;
        assert_eq!(card.status, StatusCode::CREATED);
        let stored = get(&site, &event_path).await.body.len() as i64
            + get(&site, &card_path).await.body.len() as i64;
        for place in &places {
            assert_eq!(
                quota_of(&site, ALICE, place).await,
                (Some(stored), Some(100000 - stored)),
                "{} {place}",
                db.label
            );
        }
        assert_eq!(usage(store, alice).await.objects, 2);

        // Bob, sharing alice's calendar, learns nothing of her storage.
        store
            .set_permission(
                alice.context_id,
                calendar.id,
                Permission::for_role(site.bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        assert_eq!(
            quota_of(&site, BOB, &calendar_path(&calendar)).await,
            (None, None)
        );
        // His own home shows his own (empty) folders, without a byte quota of his.
        assert_eq!(quota_of(&site, BOB, "/dav/caldav/").await, (Some(0), None));

        // allprop does not carry them (RFC 4331 3).
        let all = send(
            &site.app,
            Call::new("PROPFIND", "/dav/caldav/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(
                    r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>"#,
                ),
        )
        .await;
        let responses = all.multistatus();
        assert_eq!(
            responses[0].prop(DAV, "quota-used-bytes").map(|p| p.0),
            None
        );

        for path in [&event_path, &card_path] {
            let deleted = send(
                &site.app,
                Call::new("DELETE", path).auth("alice", ALICE_PASSWORD),
            )
            .await;
            assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        }
        for place in &places {
            assert_eq!(quota_of(&site, ALICE, place).await, (Some(0), Some(100000)));
        }
    }
}

/// OX's calendar quota counts the events of the whole context: PUTs stop at it with 507
/// and the message says nothing is left, storing nothing; replacing an event and other
/// modules still work; a delete makes room. The byte quota refuses a PUT that needs more
/// than is left and says how much is.
#[tokio::test]
async fn sequential_puts_stop_at_the_quota() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let ctx = site.alice.context_id;
        set_context_config(store, ctx, "com.openexchange.quota.calendar", "3").await;
        let calendar = default_folder(store, &site.alice, FolderModule::Calendar).await;
        let path = |n: usize| format!("{}e{n}.ics", calendar_path(&calendar));
        for n in 0..3 {
            put_new(&site, &path(n), &event(&format!("e{n}"), "Event", 1)).await;
        }
        let refused = put(&site, &path(3), &event("e3", "One too many", 1), &[]).await;
        let reason = assert_over_quota(&refused, db.label);
        assert!(
            reason.contains("calendar quota of 3 objects") && reason.contains("0 left"),
            "{reason}"
        );
        assert_eq!(get(&site, &path(3)).await.status, StatusCode::NOT_FOUND);

        // Bob's calendar is in the same context: the quota is the context's.
        let bobs = default_folder(store, &site.bob, FolderModule::Calendar).await;
        let bob_put = send(
            &site.app,
            Call::new("PUT", &format!("{}b.ics", calendar_path(&bobs)))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("b", "Bob's", 1)),
        )
        .await;
        assert_over_quota(&bob_put, "bob in the same context");

        // Replacing is no new object; tasks have a quota of their own (unlimited).
        let replaced = put(&site, &path(0), &event("e0", "Renamed", 1), &[]).await;
        assert_eq!(
            replaced.status,
            StatusCode::NO_CONTENT,
            "{:?}",
            replaced.body
        );
        let tasks = default_folder(store, &site.alice, FolderModule::Tasks).await;
        put_new(
            &site,
            &format!("{}t.ics", calendar_path(&tasks)),
            &task("t", "Todo"),
        )
        .await;

        let deleted = send(
            &site.app,
            Call::new("DELETE", &path(1)).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        put_new(&site, &path(3), &event("e3", "Now there is room", 1)).await;
        assert_eq!(
            store.context_usage(ctx, "calendar").await.unwrap().objects,
            3
        );

        // The byte quota: what alice holds plus 100 bytes.
        let held = usage(store, &site.alice).await.bytes;
        set_user_config(
            store,
            &site.alice,
            "davgate.quota.bytes",
            &(held + 100).to_string(),
        )
        .await;
        set_context_config(store, ctx, "com.openexchange.quota.calendar", "-1").await;
        let big = event("big", &"x".repeat(400), 1);
        let refused = put(&site, &path(4), &big, &[]).await;
        let reason = assert_over_quota(&refused, "bytes");
        assert!(reason.contains("100 bytes left"), "{reason}");
        assert_eq!(get(&site, &path(4)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(usage(store, &site.alice).await.bytes, held);
        // A smaller replacement always passes, even over the quota.
        let smaller = put(&site, &path(0), &event("e0", "S", 1), &[]).await;
        assert_eq!(smaller.status, StatusCode::NO_CONTENT);
    }
}

/// 20 PUTs at once against a quota of 10 events: exactly 10 stored, the others 507, and
/// the usage the store keeps agrees with what is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_never_exceed_the_quota() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let ctx = site.alice.context_id;
        set_context_config(store, ctx, "com.openexchange.quota.calendar", "10").await;
        let calendar = default_folder(store, &site.alice, FolderModule::Calendar).await;
        // One request first: its credentials are then accepted at once, as a client's
        // are after its first request.
        assert_eq!(quota_of(&site, ALICE, "/dav/caldav/").await.0, Some(0));
        let puts = (0..20).map(|n| {
            let site = &site;
            let path = format!("{}race{n}.ics", calendar_path(&calendar));
            async move { put(site, &path, &event(&format!("race{n}"), "Race", 1), &[]).await }
        });
        let answers = futures::future::join_all(puts).await;
        let created = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED)
            .count();
        for answer in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
            assert_over_quota(answer, db.label);
        }
        assert_eq!(created, 10, "{}", db.label);

        let stored: Vec<_> = store
            .objects_by_names(
                ctx,
                calendar.id,
                &(0..20).map(|n| format!("race{n}.ics")).collect::<Vec<_>>(),
            )
            .await
            .unwrap();
        assert_eq!(stored.len(), 10);
        let bytes: i64 = stored.iter().map(|o| o.data.len() as i64).sum();
        let kept = usage(store, &site.alice).await;
        assert_eq!((kept.objects, kept.bytes), (10, bytes), "{}", db.label);
        let context = store.context_usage(ctx, "calendar").await.unwrap();
        assert_eq!((context.objects, context.bytes), (10, bytes));
    }
}

/// Another writer of the tables (plain SQL on a connection of its own) moves the usage
/// too: inserts, payload updates, deletes, a folder given to another owner and a folder
/// deleted with its members; davgate then refuses by what that writer stored.
#[tokio::test]
async fn foreign_writers_are_counted() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let ctx = alice.context_id;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let insert = |name: &str, data: &[u8]| {
            format!(
                "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, \
                 created_at, modified_at) VALUES ({ctx}, {}, '{name}', '{name}', 'VEVENT', {}, 0, 0)",
                calendar.id,
                db.blob_literal(data)
            )
        };
        db.raw_sql(&insert("f1.ics", &[b'a'; 300])).await;
        db.raw_sql(&insert("f2.ics", &[b'b'; 200])).await;
        assert_eq!(
            usage(store, alice).await,
            davgate::store::QuotaUsage {
                bytes: 500,
                objects: 2
            }
        );
        db.raw_sql(&format!(
            "UPDATE objects SET data = {} WHERE context_id = {ctx} AND resource_name = 'f1.ics'",
            db.blob_literal(&[b'c'; 50])
        ))
        .await;
        assert_eq!(usage(store, alice).await.bytes, 250);
        db.raw_sql(&format!(
            "DELETE FROM objects WHERE context_id = {ctx} AND resource_name = 'f2.ics'"
        ))
        .await;
        assert_eq!(
            usage(store, alice).await,
            davgate::store::QuotaUsage {
                bytes: 50,
                objects: 1
            }
        );

        // The byte quota is reached by what the other writer stored.
        set_user_config(store, alice, "davgate.quota.bytes", "60").await;
        let refused = put(
            &site,
            &format!("{}mine.ics", calendar_path(&calendar)),
            &event("mine", "Mine", 1),
            &[],
        )
        .await;
        let reason = assert_over_quota(&refused, db.label);
        assert!(reason.contains("10 bytes left"), "{reason}");

        // The folder given to bob takes its usage along; deleted, it gives it back.
        db.raw_sql(&format!(
            "UPDATE folders SET owner_id = {} WHERE context_id = {ctx} AND id = {}",
            bob.id, calendar.id
        ))
        .await;
        assert_eq!(usage(store, alice).await.bytes, 0);
        assert_eq!(
            usage(store, bob).await,
            davgate::store::QuotaUsage {
                bytes: 50,
                objects: 1
            }
        );
        db.raw_sql(&format!(
            "DELETE FROM folders WHERE context_id = {ctx} AND id = {}",
            calendar.id
        ))
        .await;
        assert_eq!(
            usage(store, bob).await,
            davgate::store::QuotaUsage::default()
        );
        assert_eq!(
            store.context_usage(ctx, "calendar").await.unwrap().objects,
            0
        );
    }
}

/// MOVE and COPY into a calendar bob shares with alice count against bob's quota, whose
/// numbers alice's refusal does not reveal; the event stays where it was. With room, the
/// MOVE takes the bytes from alice's usage to bob's.
#[tokio::test]
async fn moves_count_against_the_owner_of_the_target() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let mine = default_folder(store, alice, FolderModule::Calendar).await;
        let bobs = default_folder(store, bob, FolderModule::Calendar).await;
        store
            .set_permission(
                bob.context_id,
                bobs.id,
                Permission::for_role(alice.id, false, Role::Author),
            )
            .await
            .unwrap();
        let source = format!("{}trip.ics", calendar_path(&mine));
        let target = format!("{}trip.ics", calendar_path(&bobs));
        put_new(&site, &source, &event("trip", "Trip", 3)).await;
        let size = usage(store, alice).await.bytes;
        set_user_config(store, bob, "davgate.quota.bytes", "17").await;
        for method in ["MOVE", "COPY"] {
            let refused = send(
                &site.app,
                Call::new(method, &source)
                    .auth("alice", ALICE_PASSWORD)
                    .header("destination", target.clone()),
            )
            .await;
            let reason = assert_over_quota(&refused, method);
            assert!(reason.contains("owner"), "{reason}");
            assert!(!reason.contains("17"), "bob's quota stays his: {reason}");
            assert_eq!(get(&site, &source).await.status, StatusCode::OK);
            assert_eq!(get(&site, &target).await.status, StatusCode::NOT_FOUND);
        }
        assert_eq!(usage(store, bob).await.bytes, 0);

        set_user_config(store, bob, "davgate.quota.bytes", &size.to_string()).await;
        let moved = send(
            &site.app,
            Call::new("MOVE", &source)
                .auth("alice", ALICE_PASSWORD)
                .header("destination", target.clone()),
        )
        .await;
        assert_eq!(moved.status, StatusCode::CREATED, "{:?}", moved.body);
        assert_eq!(usage(store, alice).await.bytes, 0);
        assert_eq!(usage(store, bob).await.bytes, size);
        // Moving it back within alice's unlimited quota, and bob's usage drops again.
        let back = send(
            &site.app,
            Call::new("MOVE", &target)
                .auth("alice", ALICE_PASSWORD)
                .header("destination", source.clone()),
        )
        .await;
        assert_eq!(back.status, StatusCode::CREATED, "{:?}", back.body);
        assert_eq!(usage(store, bob).await.bytes, 0);
    }
}

/// Invitations are held to the attendee's quota: a copy that does not fit is not stored,
/// the organizer's SCHEDULE-STATUS says delivery failed (5.1) and no REQUEST reaches the
/// inbox; with room, the next change is delivered.
#[tokio::test]
async fn deliveries_respect_the_attendees_quota() {
    use common::scheduling::{attendee_state, copy, inbox, meeting, with_method};
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        set_user_config(store, bob, "davgate.quota.bytes", "10").await;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = format!("{}plan.ics", calendar_path(&calendar));
        let attendees = ["PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com"];
        put_new(&site, &path, &meeting("plan", "Plan", 2, &attendees)).await;
        assert!(copy(store, bob, "plan").await.is_none(), "{}", db.label);
        assert!(with_method(&inbox(store, bob).await, "REQUEST", "plan").is_empty());
        let organizer_copy = copy(store, alice, "plan").await.unwrap();
        assert_eq!(
            attendee_state(&organizer_copy, "mailto:bob@example.com")
                .1
                .as_deref(),
            Some("5.1")
        );
        assert_eq!(usage(store, bob).await.bytes, 0);

        set_user_config(store, bob, "davgate.quota.bytes", "-1").await;
        let changed = put(
            &site,
            &path,
            &meeting("plan", "Plan v2", 3, &attendees),
            &[],
        )
        .await;
        assert!(changed.status.is_success(), "{:?}", changed.body);
        assert!(copy(store, bob, "plan").await.is_some());
        assert_eq!(
            with_method(&inbox(store, bob).await, "REQUEST", "plan").len(),
            1
        );
    }
}

/// Migration 0013 counts what a store of the version before it holds.
#[tokio::test]
async fn the_migration_counts_what_is_stored() {
    for db in common::databases_at(11).await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let calendar = default_folder(store, &site.alice, FolderModule::Calendar).await;
        for name in ["a", "b", "c"] {
            put_new(
                &site,
                &format!("{}{name}.ics", calendar_path(&calendar)),
                &event(name, name, 1),
            )
            .await;
        }
        let book = contacts_folder(store, &site.bob).await;
        let card = put_vcard(
            &site,
            "bob",
            &format!("{}x.vcf", book_path(book.id)),
            &vcard("x", "X Y", "x@example.org"),
        )
        .await;
        assert_eq!(card.status, StatusCode::CREATED);
        store.migrate().await.unwrap();

        let stored = |names: &'static [&'static str], folder| async move {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            store
                .objects_by_names(site.alice.context_id, folder, &names)
                .await
                .unwrap()
                .iter()
                .map(|o| o.data.len() as i64)
                .sum::<i64>()
        };
        let alices = stored(&["a.ics", "b.ics", "c.ics"], calendar.id).await;
        let bobs = stored(&["x.vcf"], book.id).await;
        assert_eq!(
            usage(store, &site.alice).await,
            davgate::store::QuotaUsage {
                bytes: alices,
                objects: 3
            }
        );
        assert_eq!(
            usage(store, &site.bob).await,
            davgate::store::QuotaUsage {
                bytes: bobs,
                objects: 1
            }
        );
        let ctx = site.alice.context_id;
        assert_eq!(
            store.context_usage(ctx, "calendar").await.unwrap().objects,
            3
        );
        // bob's card and the two users' entries in the global address list.
        assert_eq!(
            store.context_usage(ctx, "contacts").await.unwrap().objects,
            3
        );
    }
}
