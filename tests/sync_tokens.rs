//! Sync tokens are client input: on SQLite and PostgreSQL, a token davgate did not issue
//! (another sequence, other folders, another size) gets 403 `DAV:valid-sync-token` and
//! reveals nothing about folders the user may not read, on calendars, folder address
//! books and the aggregated address book.

mod common;

use common::caldav::{assert_precondition, calendar_path, default_folder, LAYOUT};
use common::carddav::*;
use common::http::*;
use davgate::store::{FolderId, FolderModule, Permission, Role};
use http::StatusCode;

async fn sync(site: &Site, login: &str, path: &str, token: &str) -> Answer {
    send(
        &site.app,
        call("REPORT", path, login)
            .depth("1")
            .body(sync_body(token, None)),
    )
    .await
}

/// The sequence and folders of an aggregated collection's token.
fn span(token: &str) -> (i64, Vec<FolderId>) {
    let rest = token
        .strip_prefix("http://davgate.org/ns/sync/")
        .unwrap_or_else(|| panic!("not a davgate token: {token}"));
    let (seq, folders) = rest.split_once("/f").expect("an aggregated token");
    let folders = folders
        .split('.')
        .filter(|id| !id.is_empty())
        .map(|id| id.parse().unwrap())
        .collect();
    (seq.parse().unwrap(), folders)
}

fn span_token(seq: i64, folders: &[FolderId]) -> String {
    let ids: Vec<String> = folders.iter().map(FolderId::to_string).collect();
    format!("http://davgate.org/ns/sync/{seq}/f{}", ids.join("."))
}

fn assert_refused(answer: &Answer, what: &str) {
    assert_precondition(answer, StatusCode::FORBIDDEN, DAV, "valid-sync-token", what);
}

/// A token naming folders alice may not read (bob's private address book and calendar)
/// or that are no address books (her own calendar) is refused, and no member name of
/// those folders appears in the answer; so is a token naming 100,000 folders or one
/// with an id of 100,000 digits.
#[tokio::test]
async fn aggregated_tokens_name_only_address_books_the_user_may_read() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let ctx = site.alice.context_id;
        let bobs_book = new_contact_folder(
            &db.store,
            ctx,
            Some(site.bob.id),
            "Private",
            None,
            vec![Permission::for_role(
                site.bob.id,
                false,
                Role::Administrator,
            )],
        )
        .await;
        let put = put_vcard(
            &site,
            "bob",
            &format!("{}secret-contact.vcf", book_path(bobs_book)),
            &vcard("secret-contact", "Secret Person", "secret@example.com"),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let bobs_calendar = default_folder(&db.store, &site.bob, FolderModule::Calendar).await;
        let put = send(
            &site.app,
            call(
                "PUT",
                &format!("{}secret-meeting.ics", calendar_path(&bobs_calendar)),
                "bob",
            )
            .header("content-type", "text/calendar")
            .body(common::caldav::event("secret-meeting", "Secret", 1)),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let alices_calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        common::caldav::put_new(
            &site,
            &format!("{}own-event.ics", calendar_path(&alices_calendar)),
            &common::caldav::event("own-event", "Own", 1),
        )
        .await;

        let initial = sync(&site, "alice", AGGREGATED, "").await;
        assert_eq!(initial.status, StatusCode::MULTI_STATUS);
        let (seq, folders) = span(&initial.sync_token());
        for (extra, what) in [
            (bobs_book, "bob's private address book"),
            (bobs_calendar.id, "bob's calendar"),
            (alices_calendar.id, "alice's own calendar"),
            (999_999, "a folder that does not exist"),
        ] {
            let mut crafted = folders.clone();
            crafted.push(extra);
            crafted.sort_unstable();
            let answer = sync(&site, "alice", AGGREGATED, &span_token(seq, &crafted)).await;
            assert_refused(&answer, &format!("{}: {what}", db.label));
            let body = String::from_utf8_lossy(&answer.body);
            for secret in ["secret-contact", "secret-meeting", "own-event"] {
                assert!(!body.contains(secret), "{what}: {secret} in {body}");
            }
        }

        let many: Vec<FolderId> = (1..=100_000).collect();
        let answer = sync(&site, "alice", AGGREGATED, &span_token(seq, &many)).await;
        assert_refused(&answer, &format!("{}: 100,000 folders", db.label));
        let long_id = format!("http://davgate.org/ns/sync/{seq}/f{}", "7".repeat(100_000));
        let answer = sync(&site, "alice", AGGREGATED, &long_id).await;
        assert_refused(&answer, &format!("{}: an id of 100,000 digits", db.label));

        // The token alice was given still works.
        let again = sync(&site, "alice", AGGREGATED, &initial.sync_token()).await;
        assert_eq!(again.status, StatusCode::MULTI_STATUS, "{}", db.label);
        db.drop_database().await;
    }
}

/// A folder that left the aggregated collection because alice may no longer read it
/// (bob stopped sharing it) tells her nothing of what is in it now, not even the names
/// of contacts bob added after: her client is told to sync afresh, and that sync lists
/// what she may read.
#[tokio::test]
async fn a_folder_no_longer_shared_makes_the_client_sync_afresh() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let ctx = site.alice.context_id;
        let team = new_contact_folder(
            &db.store,
            ctx,
            Some(site.bob.id),
            "Team",
            None,
            vec![
                Permission::for_role(site.bob.id, false, Role::Administrator),
                Permission::for_role(site.alice.id, false, Role::Viewer),
            ],
        )
        .await;
        let put = put_vcard(
            &site,
            "bob",
            &format!("{}tina.vcf", book_path(team)),
            &vcard("tina", "Tina Team", "tina@example.com"),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let initial = sync(&site, "alice", AGGREGATED, "").await;
        let token = initial.sync_token();
        assert!(span(&token).1.contains(&team));
        db.store
            .remove_permission(ctx, team, site.alice.id, false)
            .await
            .unwrap();
        let put = put_vcard(
            &site,
            "bob",
            &format!("{}after-unsharing.vcf", book_path(team)),
            &vcard("after-unsharing", "New Member", "new@example.com"),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);

        let answer = sync(&site, "alice", AGGREGATED, &token).await;
        assert_refused(&answer, db.label);
        assert!(!String::from_utf8_lossy(&answer.body).contains("after-unsharing"));
        let fresh = sync(&site, "alice", AGGREGATED, "").await;
        let hrefs: Vec<String> = fresh.multistatus().into_iter().map(|r| r.href).collect();
        assert!(
            hrefs.iter().all(|h| !h.contains(&format!("/{team}~"))),
            "{hrefs:?}"
        );
        db.drop_database().await;
    }
}

/// `davgate.limits.maxSyncTokenFolders` bounds the folders a token may name, but never
/// below what the aggregated collection spans, so a token davgate issued always works.
#[tokio::test]
async fn the_folder_limit_never_refuses_a_token_davgate_issued() {
    for db in common::databases().await {
        let mut overrides = LAYOUT.to_vec();
        overrides.push(("davgate.limits.maxSyncTokenFolders", "1"));
        let site = site(&db.store, &overrides).await;
        let ctx = site.alice.context_id;
        let shared = new_contact_folder(
            &db.store,
            ctx,
            Some(site.bob.id),
            "Shared",
            None,
            vec![
                Permission::for_role(site.bob.id, false, Role::Administrator),
                Permission::for_role(site.alice.id, false, Role::Viewer),
            ],
        )
        .await;
        set_user_config(
            &db.store,
            &site.alice,
            "com.openexchange.carddav.ignoreFolders",
            &shared.to_string(),
        )
        .await;
        let initial = sync(&site, "alice", AGGREGATED, "").await;
        let token = initial.sync_token();
        let (seq, folders) = span(&token);
        assert!(folders.len() > 1, "{token}");
        let again = sync(&site, "alice", AGGREGATED, &token).await;
        assert_eq!(again.status, StatusCode::MULTI_STATUS, "{}", db.label);
        // One folder more than the collection spans and the limit allow, though alice
        // may read it.
        let mut more = folders.clone();
        more.push(shared);
        more.sort_unstable();
        let answer = sync(&site, "alice", AGGREGATED, &span_token(seq, &more)).await;
        assert_refused(&answer, db.label);
        db.drop_database().await;
    }
}

/// A calendar's or folder address book's token is one sequence number in the form
/// davgate writes it, no higher than the context's current sequence.
#[tokio::test]
async fn folder_tokens_are_a_sequence_davgate_wrote() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        for collection in [&calendar, &book] {
            let initial = sync(&site, "alice", collection, "").await;
            assert_eq!(initial.status, StatusCode::MULTI_STATUS);
            let token = initial.sync_token();
            let seq: i64 = token
                .strip_prefix("http://davgate.org/ns/sync/")
                .unwrap()
                .parse()
                .unwrap();
            let current = db.store.current_seq(site.alice.context_id).await.unwrap();
            let long = format!("http://davgate.org/ns/sync/{}", "1".repeat(100_000));
            for bad in [
                format!("http://davgate.org/ns/sync/{}", current + 1),
                format!("http://davgate.org/ns/sync/{}", i64::MAX),
                "http://davgate.org/ns/sync/99999999999999999999999".to_string(),
                format!("http://davgate.org/ns/sync/-{seq}"),
                format!("http://davgate.org/ns/sync/+{seq}"),
                format!("http://davgate.org/ns/sync/0{seq}"),
                format!("http://davgate.org/ns/sync/{seq}x"),
                format!("http://davgate.org/ns/sync/{seq}/f"),
                "http://davgate.org/ns/sync/".to_string(),
                long,
            ] {
                let answer = sync(&site, "alice", collection, &bad).await;
                let what = format!("{}: {collection} {}", db.label, &bad[..bad.len().min(60)]);
                assert_refused(&answer, &what);
            }
            let again = sync(&site, "alice", collection, &token).await;
            assert_eq!(again.status, StatusCode::MULTI_STATUS);
        }
        db.drop_database().await;
    }
}
