//! The initial sync reads each member's latest change sequence from its own row
//! (`objects.change_seq`, migration 0009), on SQLite and PostgreSQL: members written by
//! an older davgate are backfilled without counting as changes, members written before
//! the change log existed come first with sequence 0, and every later write, move and
//! rename keeps the row's sequence equal to the one in the change log.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::{FolderModule, MemberFilter, SyncMember};
use futures::TryStreamExt as _;

/// The last migration before `objects.change_seq`.
const BEFORE_CHANGE_SEQ: i64 = 7;

async fn initial(db: &common::TestDb, context: i64, folder: i64) -> Vec<SyncMember> {
    db.store
        .sync_stream(context, &[folder], 0, MemberFilter::default())
        .try_collect()
        .await
        .unwrap()
}

/// The live members' sequences as the change log has them.
async fn logged(db: &common::TestDb, context: i64, folder: i64) -> Vec<(String, i64)> {
    let mut changes: Vec<(String, i64)> = db
        .store
        .changes_since(context, folder, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| !c.deleted && !c.resource_name.is_empty())
        .map(|c| (c.resource_name, c.seq))
        .collect();
    changes.sort_by_key(|c| c.1);
    changes
}

fn listed(members: &[SyncMember]) -> Vec<(String, i64)> {
    members
        .iter()
        .map(|m| (m.resource_name.clone(), m.seq))
        .collect()
}

#[tokio::test]
async fn members_keep_the_sequence_of_their_latest_change_across_the_migration() {
    for db in common::databases_at(BEFORE_CHANGE_SEQ).await {
        let what = db.label;
        // Today's code writes through the store, whose object rows carry the Schedule-Tag
        // column of a later migration (0011): it is there while the rows are written and
        // gone again before the migrations run, as on a store of that version.
        db.raw_sql("ALTER TABLE objects ADD COLUMN schedule_tag TEXT")
            .await;
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let (ctx, folder) = (calendar.context_id, calendar.id);
        let base = calendar_path(&calendar);
        for name in ["a", "b", "c", "gone", "old"] {
            put_new(&site, &format!("{base}{name}.ics"), &event(name, name, 1)).await;
        }
        // b changed again; gone deleted; old as if written before the change log.
        put(
            &site,
            &format!("{base}b.ics"),
            &event("b", "b again", 2),
            &[],
        )
        .await;
        let deleted = send(
            &site.app,
            Call::new("DELETE", &format!("{base}gone.ics")).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status.as_u16(), 204);
        db.raw_sql(&format!(
            "DELETE FROM changes WHERE context_id = {ctx} AND folder_id = {folder} \
             AND resource_name = 'old.ics'"
        ))
        .await;
        let before = db.store.current_seq(ctx).await.unwrap();

        db.raw_sql("ALTER TABLE objects DROP COLUMN schedule_tag")
            .await;
        db.store.migrate().await.unwrap();
        assert_eq!(
            db.store.current_seq(ctx).await.unwrap(),
            before,
            "{what}: the backfill is no change"
        );
        let members = initial(&db, ctx, folder).await;
        let mut expected = vec![("old.ics".to_string(), 0)];
        expected.extend(logged(&db, ctx, folder).await);
        assert_eq!(
            listed(&members),
            expected,
            "{what}: unlogged first, then by sequence"
        );
        assert_eq!(members.len(), 4, "{what}: a, b, c and old, not gone");

        // Written after the migration: a new member, an update, a rename by MOVE.
        put_new(&site, &format!("{base}new.ics"), &event("new", "new", 1)).await;
        put(
            &site,
            &format!("{base}a.ics"),
            &event("a", "a again", 3),
            &[],
        )
        .await;
        let moved = send(
            &site.app,
            Call::new("MOVE", &format!("{base}c.ics"))
                .auth("alice", ALICE_PASSWORD)
                .header("Destination", format!("{base}renamed.ics")),
        )
        .await;
        assert_eq!(moved.status.as_u16(), 201, "{what}: MOVE");
        db.raw_sql(&format!(
            "UPDATE objects SET display_name = 'by another writer' WHERE context_id = {ctx} \
             AND folder_id = {folder} AND resource_name = 'b.ics'"
        ))
        .await;

        let members = initial(&db, ctx, folder).await;
        let mut expected = vec![("old.ics".to_string(), 0)];
        expected.extend(logged(&db, ctx, folder).await);
        assert_eq!(listed(&members), expected, "{what}: after later writes");
        let names: Vec<&str> = members.iter().map(|m| m.resource_name.as_str()).collect();
        assert_eq!(
            names,
            ["old.ics", "new.ics", "a.ics", "renamed.ics", "b.ics"],
            "{what}: in the order of their latest changes"
        );

        // What the client sees: the same members from an empty token, nothing since.
        let answer = report(&site, &base, &sync_body("", None)).await;
        assert_eq!(answer.multistatus().len(), 5, "{what}");
        let again = report(&site, &base, &sync_body(&answer.sync_token(), None)).await;
        assert!(again.multistatus().is_empty(), "{what}");
        db.drop_database().await;
    }
}
