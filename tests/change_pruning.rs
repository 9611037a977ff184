//! The change log's periodic pruning (`davgate::change_pruning`), on SQLite and
//! PostgreSQL: deletions older than the retention are forgotten, a sync token from before
//! them gets 403 `DAV:valid-sync-token`, a fresh sync from an empty token lists the
//! members; and on PostgreSQL only one process prunes at a time.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::change_pruning::{prune_once, PruneRun};
use davgate::store::{self, FolderModule};
use http::StatusCode;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn members(answer: &Answer) -> Vec<(String, Option<u16>)> {
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut members: Vec<_> = answer
        .multistatus()
        .into_iter()
        .map(|r| (r.href, r.status))
        .collect();
    members.sort();
    members
}

#[tokio::test]
async fn pruned_deletions_make_older_tokens_resync_from_scratch() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for name in ["keep", "drop"] {
            put_new(&site, &format!("{base}{name}.ics"), &event(name, name, 1)).await;
        }
        let old_token = report(&site, &base, &sync_body("", None))
            .await
            .sync_token();
        let deleted = send(
            &site.app,
            Call::new("DELETE", &format!("{base}drop.ics")).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);

        // A retention that keeps the deletion changes nothing.
        let kept = prune_once(&db.store, now() - 3600).await.unwrap();
        assert_eq!(kept, PruneRun::Pruned { tombstones: 0 }, "{}", db.label);
        let answer = report(&site, &base, &sync_body(&old_token, None)).await;
        assert_eq!(
            members(&answer),
            vec![(format!("{base}drop.ics"), Some(404))],
            "{}: the deletion is still reported",
            db.label
        );

        // Past the retention, the deletion is forgotten and the old token with it.
        // A minute ahead: the database's clock and rounding of the deletion time do not matter.
        let pruned = prune_once(&db.store, now() + 60).await.unwrap();
        assert_eq!(pruned, PruneRun::Pruned { tombstones: 1 }, "{}", db.label);
        let answer = report(&site, &base, &sync_body(&old_token, None)).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "valid-sync-token",
            db.label,
        );
        put_new(&site, &format!("{base}late.ics"), &event("late", "late", 1)).await;
        let fresh = report(&site, &base, &sync_body("", None)).await;
        assert_eq!(
            members(&fresh),
            vec![
                (format!("{base}keep.ics"), None),
                (format!("{base}late.ics"), None)
            ],
            "{}: an empty token lists the members",
            db.label
        );
        // The new token works.
        let next = report(&site, &base, &sync_body(&fresh.sync_token(), None)).await;
        assert_eq!(members(&next), vec![], "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn on_postgres_one_process_prunes_at_a_time() {
    let Some(url) = common::postgres_url() else {
        eprintln!("DAVGATE_TEST_DATABASE_URL is not set: the pruning lock is not checked");
        return;
    };
    let db = common::postgres(&url).await;
    let other = store::open(Some(&db.url), std::path::Path::new("."))
        .await
        .unwrap();

    let held = db
        .store
        .try_maintenance_lock()
        .await
        .unwrap()
        .expect("the lock is free at first");
    assert!(
        other.try_maintenance_lock().await.unwrap().is_none(),
        "a second process does not get the lock"
    );
    assert_eq!(
        prune_once(&other, now() + 1).await.unwrap(),
        PruneRun::Skipped,
        "the other replica skips its round"
    );
    held.release().await;
    assert!(matches!(
        prune_once(&other, now() + 1).await.unwrap(),
        PruneRun::Pruned { .. }
    ));

    // A process that dies holding it (its session ends) does not keep it.
    let held = other.try_maintenance_lock().await.unwrap().unwrap();
    drop(held);
    let mut taken = None;
    for _ in 0..50 {
        taken = db.store.try_maintenance_lock().await.unwrap();
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    taken
        .expect("the lock is free once its holder's session ended")
        .release()
        .await;

    // Two rounds started at once: one runs, or they run one after the other; never
    // both at the same time, and neither fails.
    let (a, b) = tokio::join!(
        prune_once(&db.store, now() + 1),
        prune_once(&other, now() + 1)
    );
    let runs = [a.unwrap(), b.unwrap()];
    assert!(
        runs.iter().any(|r| matches!(r, PruneRun::Pruned { .. })),
        "{runs:?}"
    );
    drop(other);
    db.drop_database().await;
}
