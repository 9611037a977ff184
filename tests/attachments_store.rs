//! The store's managed attachments (RFC 8607) on SQLite and PostgreSQL: bytes written in
//! chunks and read back in order, counted in the owner's quota usage and held to a byte
//! limit chunk by chunk, references from calendar objects that follow moves, and the
//! attachment removed with the last object referring to it.

mod common;

use common::caldav::*;
use common::http::*;
use common::quota::usage;
use davgate::store::{
    FolderModule, QuotaUsage, StoreError, WriteCondition, WriteObject, ATTACHMENT_CHUNK_BYTES,
};
use futures::TryStreamExt;

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn event_row(name: &str) -> WriteObject {
    WriteObject {
        resource_name: format!("{name}.ics"),
        uid: name.to_owned(),
        component: "VEVENT".into(),
        data: event(name, name, 1).into_bytes(),
        start_at: None,
        end_at: None,
        display_name: None,
        user_id: None,
    }
}

#[tokio::test]
async fn chunks_round_trip_and_count_in_the_owners_usage() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let alice = &site.alice;
        let ctx = alice.context_id;
        store
            .create_attachment(ctx, alice.id, "m1", "report.pdf", "application/pdf")
            .await
            .unwrap();
        let parts = [
            bytes(ATTACHMENT_CHUNK_BYTES, 1),
            bytes(ATTACHMENT_CHUNK_BYTES, 2),
            bytes(10, 3),
        ];
        for (seq, part) in parts.iter().enumerate() {
            store
                .append_attachment_chunk(ctx, "m1", seq as i64, part, None)
                .await
                .unwrap();
        }
        let total = parts.iter().map(Vec::len).sum::<usize>() as i64;
        assert_eq!(store.finish_attachment(ctx, "m1").await.unwrap(), total);
        let read: Vec<Vec<u8>> = store
            .attachment_chunks(ctx, "m1")
            .try_collect()
            .await
            .unwrap();
        assert_eq!(read, parts.to_vec(), "{}", db.label);
        let found = store.attachment(ctx, "m1").await.unwrap().unwrap();
        assert_eq!(
            (
                found.filename.as_str(),
                found.fmttype.as_str(),
                found.size,
                found.complete
            ),
            ("report.pdf", "application/pdf", total, true)
        );
        assert_eq!(
            usage(store, alice).await,
            QuotaUsage {
                bytes: total,
                objects: 1
            }
        );
        // A complete attachment takes no more chunks.
        assert!(matches!(
            store
                .append_attachment_chunk(ctx, "m1", 3, b"late", None)
                .await,
            Err(StoreError::NotFound)
        ));
        store.discard_attachment(ctx, "m1").await.unwrap();
        assert_eq!(usage(store, alice).await, QuotaUsage::default());
        assert!(store.attachment(ctx, "m1").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn an_upload_stops_at_the_byte_quota() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let alice = &site.alice;
        let ctx = alice.context_id;
        store
            .create_attachment(ctx, alice.id, "big", "big.bin", "application/octet-stream")
            .await
            .unwrap();
        let limit = Some(1000);
        store
            .append_attachment_chunk(ctx, "big", 0, &bytes(600, 0), limit)
            .await
            .unwrap();
        let refused = store
            .append_attachment_chunk(ctx, "big", 1, &bytes(600, 1), limit)
            .await;
        match refused {
            Err(StoreError::QuotaExceeded(reason)) => {
                assert!(reason.contains("400 bytes"), "{reason}")
            }
            other => panic!("{}: {other:?}", db.label),
        }
        assert_eq!(
            usage(store, alice).await.bytes,
            600,
            "the refused chunk is not stored"
        );
        let kept: Vec<Vec<u8>> = store
            .attachment_chunks(ctx, "big")
            .try_collect()
            .await
            .unwrap();
        assert_eq!(kept.len(), 1);
        store.discard_attachment(ctx, "big").await.unwrap();
        assert_eq!(usage(store, alice).await, QuotaUsage::default());
    }
}

#[tokio::test]
async fn the_last_object_referring_to_an_attachment_takes_it_along() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let alice = &site.alice;
        let ctx = alice.context_id;
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let other = default_folder(store, &site.bob, FolderModule::Calendar).await;
        for name in ["one", "two"] {
            store
                .put_object(
                    ctx,
                    calendar.id,
                    &event_row(name),
                    WriteCondition::MustNotExist,
                )
                .await
                .unwrap();
        }
        store
            .create_attachment(ctx, alice.id, "shared", "a.txt", "text/plain")
            .await
            .unwrap();
        store
            .append_attachment_chunk(ctx, "shared", 0, b"hello", None)
            .await
            .unwrap();
        store.finish_attachment(ctx, "shared").await.unwrap();
        for name in ["one.ics", "two.ics"] {
            store
                .link_attachment(ctx, "shared", calendar.id, name)
                .await
                .unwrap();
        }
        assert!(matches!(
            store
                .link_attachment(ctx, "shared", calendar.id, "none.ics")
                .await,
            Err(StoreError::NotFound)
        ));

        // A move takes the reference along.
        store
            .move_object(
                ctx,
                calendar.id,
                "one.ics",
                other.id,
                "moved.ics",
                WriteCondition::Unconditional,
                false,
            )
            .await
            .unwrap();
        assert_eq!(
            store.attachment_refs(ctx, "shared").await.unwrap(),
            vec![
                (calendar.id, "two.ics".to_owned()),
                (other.id, "moved.ics".to_owned())
            ]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        store
            .delete_object(ctx, calendar.id, "two.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        assert!(
            store.attachment(ctx, "shared").await.unwrap().is_some(),
            "{}",
            db.label
        );
        store
            .delete_object(ctx, other.id, "moved.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        assert!(
            store.attachment(ctx, "shared").await.unwrap().is_none(),
            "{}",
            db.label
        );
        let chunks: Vec<Vec<u8>> = store
            .attachment_chunks(ctx, "shared")
            .try_collect()
            .await
            .unwrap();
        assert!(chunks.is_empty());
        assert_eq!(usage(store, alice).await, QuotaUsage::default());
    }
}
