//! WebDAV-Push subscriptions in the store across migration 0017, on SQLite and
//! PostgreSQL: a folder subscription and its pending message made before it survive
//! (SQLite rebuilds both tables); afterwards a user's aggregated address book
//! subscription is registered once per push resource, counts towards the user's limit,
//! is marked by changes of contacts folders only (whoever's, and folders deleted), and
//! keeps the token last sent.

mod common;

use common::caldav::default_folder;
use common::carddav::new_contact_folder;
use common::http::*;
use davgate::store::{
    ClaimedPush, DynStore, FolderId, FolderModule, PushCollection, PushSubscription, Registered,
    WriteCondition, WriteObject,
};

/// The last migration before aggregated subscriptions.
const BEFORE_AGGREGATED: i64 = 16;

const KEY: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const SECRET: &str = "BTBZMqHH6r4Tts7J_aSIgg";

fn aggregated(id: &str, context: i64, user: i64, resource: &str) -> PushSubscription {
    PushSubscription {
        id: id.into(),
        context_id: context,
        collection: PushCollection::AggregatedContacts,
        user_id: user,
        push_resource: resource.into(),
        public_key: KEY.into(),
        auth_secret: SECRET.into(),
        created_at: 0,
        expires_at: i64::MAX,
        last_token: Some("registered".into()),
    }
}

async fn write(store: &DynStore, context: i64, folder: FolderId, name: &str) {
    let object = WriteObject {
        resource_name: name.into(),
        uid: name.into(),
        component: "VCARD".into(),
        data: format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{name}\r\nFN:{name}\r\nEND:VCARD\r\n")
            .into_bytes(),
        start_at: None,
        end_at: None,
        display_name: None,
        user_id: None,
    };
    store
        .put_object(context, folder, &object, WriteCondition::Unconditional)
        .await
        .unwrap();
}

/// Claims what is pending now, whatever its age; each claimed row is released
/// (delivered) before the next call.
async fn claim_all(store: &DynStore) -> Vec<ClaimedPush> {
    let now = i64::MAX / 4;
    let claimed = store.claim_push(now, 0, 1, 100).await.unwrap();
    for claim in &claimed {
        store
            .push_delivered(&claim.subscription.id, claim.generation, now, None)
            .await
            .unwrap();
    }
    claimed
}

fn ids(claimed: &[ClaimedPush]) -> Vec<&str> {
    let mut ids: Vec<&str> = claimed.iter().map(|c| c.subscription.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn aggregated_subscriptions_are_marked_by_contacts_changes_only() {
    for db in common::databases_at(BEFORE_AGGREGATED).await {
        let what = db.label;
        let site = site(&db.store, &[]).await;
        let store = &db.store;
        let ctx = site.alice.context_id;
        let calendar = default_folder(store, &site.alice, FolderModule::Calendar)
            .await
            .id;
        let alices = default_folder(store, &site.alice, FolderModule::Contacts)
            .await
            .id;
        let bobs = default_folder(store, &site.bob, FolderModule::Contacts)
            .await
            .id;
        // A folder subscription with a message pending, as 0015 stored them.
        db.raw_sql(&format!(
            "INSERT INTO push_subscriptions (id, context_id, folder_id, user_id, push_resource, \
             public_key, auth_secret, created_at, expires_at) VALUES ('old', {ctx}, {calendar}, \
             {}, 'https://push.example.net/old', '{KEY}', '{SECRET}', 0, {})",
            site.alice.id,
            i64::MAX
        ))
        .await;
        db.raw_sql(
            "INSERT INTO push_pending (subscription_id, due_at, generation) VALUES ('old', 0, 3)",
        )
        .await;

        store.migrate().await.unwrap();
        let kept = claim_all(store).await;
        assert_eq!(kept.len(), 1, "{what}");
        assert_eq!(kept[0].generation, 3, "{what}");
        assert_eq!(
            kept[0].subscription.collection,
            PushCollection::Folder(calendar),
            "{what}"
        );
        assert_eq!(kept[0].subscription.last_token, None, "{what}");

        // Registered once per user and push resource; all kinds count towards the limit.
        let first = aggregated("agg", ctx, site.alice.id, "https://push.example.net/a");
        assert_eq!(
            store.register_push(&first, 2).await.unwrap(),
            Registered::Stored("agg".into())
        );
        let again = aggregated(
            "agg-again",
            ctx,
            site.alice.id,
            "https://push.example.net/a",
        );
        assert_eq!(
            store.register_push(&again, 2).await.unwrap(),
            Registered::Stored("agg".into()),
            "{what}"
        );
        let third = aggregated("agg-3", ctx, site.alice.id, "https://push.example.net/b");
        assert_eq!(
            store.register_push(&third, 2).await.unwrap(),
            Registered::TooMany,
            "{what}"
        );
        let bobs_own = aggregated("agg-bob", ctx, site.bob.id, "https://push.example.net/a");
        assert_eq!(
            store.register_push(&bobs_own, 2).await.unwrap(),
            Registered::Stored("agg-bob".into()),
            "{what}: the same push resource on another user's book"
        );

        // A calendar change marks the calendar's subscription only; a change in anyone's
        // contacts folder marks every aggregated one of the context.
        write(store, ctx, calendar, "event.ics").await;
        assert_eq!(ids(&claim_all(store).await), ["old"], "{what}");
        write(store, ctx, bobs, "bobs.vcf").await;
        let claimed = claim_all(store).await;
        assert_eq!(ids(&claimed), ["agg", "agg-bob"], "{what}");
        let alices_claim = claimed.iter().find(|c| c.subscription.id == "agg").unwrap();
        assert_eq!(
            alices_claim.subscription.last_token.as_deref(),
            Some("registered")
        );

        // The token sent is kept; a change during sending keeps the row pending.
        write(store, ctx, alices, "alices.vcf").await;
        let now = i64::MAX / 4;
        let claimed = store.claim_push(now, 0, 1, 100).await.unwrap();
        assert_eq!(ids(&claimed), ["agg", "agg-bob"], "{what}");
        write(store, ctx, alices, "alices-2.vcf").await;
        for claim in &claimed {
            store
                .push_delivered(
                    &claim.subscription.id,
                    claim.generation,
                    now,
                    Some("sent-1"),
                )
                .await
                .unwrap();
        }
        let claimed = claim_all(store).await;
        assert_eq!(
            ids(&claimed),
            ["agg", "agg-bob"],
            "{what}: changed while sending"
        );
        assert!(claimed
            .iter()
            .all(|c| c.subscription.last_token.as_deref() == Some("sent-1")));

        // A new contacts folder and a deleted one mark them too; nothing is left after.
        let folder =
            new_contact_folder(store, ctx, Some(site.bob.id), "Bob's other", None, vec![]).await;
        assert_eq!(ids(&claim_all(store).await), ["agg", "agg-bob"], "{what}");
        store.delete_folder(ctx, folder).await.unwrap();
        assert_eq!(ids(&claim_all(store).await), ["agg", "agg-bob"], "{what}");
        assert!(claim_all(store).await.is_empty(), "{what}");

        // Unregistered, it is marked no more.
        assert!(store
            .unregister_push(ctx, site.alice.id, "agg")
            .await
            .unwrap());
        write(store, ctx, bobs, "bobs-2.vcf").await;
        assert_eq!(ids(&claim_all(store).await), ["agg-bob"], "{what}");
        db.drop_database().await;
    }
}

/// The same push resource registered for one calendar by several requests at once (a
/// client that retries, two devices of one account): every request succeeds with the
/// one registration, which counts once towards the user's limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_registrations_racing_each_other_all_get_the_one_registration() {
    for db in common::databases().await {
        let what = db.label;
        let site = site(&db.store, &[]).await;
        let ctx = site.alice.context_id;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar)
            .await
            .id;
        let racing = (0..8).map(|i| {
            let store = db.store.clone();
            let subscription = PushSubscription {
                id: format!("race-{i}"),
                collection: PushCollection::Folder(calendar),
                ..aggregated("", ctx, site.alice.id, "https://push.example.net/race")
            };
            tokio::spawn(async move { store.register_push(&subscription, 2).await })
        });
        let outcomes: Vec<Registered> = futures::future::join_all(racing)
            .await
            .into_iter()
            .map(|joined| joined.unwrap().unwrap_or_else(|e| panic!("{what}: {e}")))
            .collect();
        let Registered::Stored(kept) = &outcomes[0] else {
            panic!("{what}: {outcomes:?}");
        };
        assert!(
            outcomes
                .iter()
                .all(|o| *o == Registered::Stored(kept.clone())),
            "{what}: {outcomes:?}"
        );
        // One registration held: a second push resource still fits a limit of two.
        let other = PushSubscription {
            id: "other".into(),
            collection: PushCollection::Folder(calendar),
            ..aggregated("", ctx, site.alice.id, "https://push.example.net/other")
        };
        assert_eq!(
            db.store.register_push(&other, 2).await.unwrap(),
            Registered::Stored("other".into()),
            "{what}"
        );
        db.drop_database().await;
    }
}
