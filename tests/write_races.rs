//! Writers racing each other through the real router, on SQLite and PostgreSQL: deleting
//! a calendar while PUTs land in it, and unconditional PUTs and DELETEs of one resource.
//! Contention is the store's to resolve: no request may end in a 500 (deadlock, busy
//! database, pool time-out), an unconditional write never fails with 412, a PUT into a
//! calendar deleted under it gets 409 (or 404 when it goes mid-write), and every write the
//! server acknowledged is stored.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::caldav::{event, put_new, LAYOUT};
use common::http::{send, site, Answer, Call, Site, ALICE_PASSWORD};
use davgate::store::{FolderId, FolderModule, FolderType, NewFolder, Permission, Role};
use http::StatusCode;
use tokio::sync::Barrier;

/// Rounds per scenario: enough for the races to show on both stores.
const ROUNDS: usize = 20;

/// A new calendar of alice's, with `members` events in it.
async fn calendar_with(site: &Site, members: usize) -> (FolderId, String) {
    let folder = site
        .store
        .create_folder(
            site.alice.context_id,
            NewFolder {
                parent_id: davgate::store::PRIVATE_ROOT,
                module: FolderModule::Calendar,
                folder_type: FolderType::Private,
                owner_id: Some(site.alice.id),
                name: "Racing".into(),
                color: None,
                description: None,
                sort_order: None,
                dav_name: None,
                permissions: vec![Permission::for_role(
                    site.alice.id,
                    false,
                    Role::Administrator,
                )],
            },
        )
        .await
        .unwrap();
    let path = format!("/dav/caldav/{}/", folder.id);
    for i in 0..members {
        put_new(
            site,
            &format!("{path}old{i}.ics"),
            &event(&format!("old{i}"), "old", 1),
        )
        .await;
    }
    (folder.id, path)
}

/// One request as alice, started together with the others behind `barrier`.
fn spawn_call(
    site: &Arc<Site>,
    barrier: &Arc<Barrier>,
    method: &'static str,
    path: String,
    body: Option<String>,
) -> tokio::task::JoinHandle<(String, Answer)> {
    let (site, barrier) = (site.clone(), barrier.clone());
    tokio::spawn(async move {
        barrier.wait().await;
        let mut call = Call::new(method, &path).auth("alice", ALICE_PASSWORD);
        if let Some(body) = &body {
            call = call
                .header("content-type", "text/calendar; charset=utf-8")
                .body(body.as_bytes().to_vec());
        }
        let answer = send(&site.app, call).await;
        (path, answer)
    })
}

fn describe(method: &str, path: &str, answer: &Answer) -> String {
    format!(
        "{method} {path}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_calendar_while_puts_land_in_it() {
    for db in common::databases().await {
        let site = Arc::new(site(&db.store, LAYOUT).await);
        for round in 0..ROUNDS {
            let (_, calendar) = calendar_with(&site, 6).await;
            let barrier = Arc::new(Barrier::new(13));
            let mut puts = Vec::new();
            for i in 0..6 {
                // Replacing members the DELETE removes, and creating new ones.
                let body = event(&format!("old{i}"), &format!("round {round}"), 2);
                puts.push(spawn_call(
                    &site,
                    &barrier,
                    "PUT",
                    format!("{calendar}old{i}.ics"),
                    Some(body),
                ));
                let body = event(&format!("new{i}"), "new", 3);
                puts.push(spawn_call(
                    &site,
                    &barrier,
                    "PUT",
                    format!("{calendar}new{i}.ics"),
                    Some(body),
                ));
            }
            let delete = spawn_call(&site, &barrier, "DELETE", calendar.clone(), None);
            for put in puts {
                let (path, answer) = put.await.unwrap();
                // A PUT that finds the calendar gone gets 409 (RFC 4918 9.7.1); one whose
                // calendar goes while it writes gets 404; never 403 or 500.
                assert!(
                    [
                        StatusCode::CREATED,
                        StatusCode::NO_CONTENT,
                        StatusCode::CONFLICT,
                        StatusCode::NOT_FOUND
                    ]
                    .contains(&answer.status),
                    "{}: round {round}, {}",
                    db.label,
                    describe("PUT", &path, &answer)
                );
            }
            let (path, answer) = delete.await.unwrap();
            assert_eq!(
                answer.status,
                StatusCode::NO_CONTENT,
                "{}: round {round}, {}",
                db.label,
                describe("DELETE", &path, &answer)
            );
            let gone = send(
                &site.app,
                Call::new("PROPFIND", &calendar)
                    .auth("alice", ALICE_PASSWORD)
                    .depth("0"),
            )
            .await;
            assert_eq!(
                gone.status,
                StatusCode::NOT_FOUND,
                "{}: the calendar is gone",
                db.label
            );
        }
        drop(site);
        db.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unconditional_writes_of_one_resource_win_or_lose_whole() {
    for db in common::databases().await {
        let site = Arc::new(site(&db.store, LAYOUT).await);
        let (_, calendar) = calendar_with(&site, 0).await;
        let writers = 8;
        for round in 0..ROUNDS {
            let path = format!("{calendar}shared{round}.ics");
            // First writers of a new resource, then writers of an existing one racing an
            // unconditional DELETE; each time, writers of resources of their own beside them.
            for phase in ["create", "replace"] {
                let deletes = usize::from(phase == "replace");
                let barrier = Arc::new(Barrier::new(2 * writers + deletes));
                let mut shared = Vec::new();
                let mut own = Vec::new();
                for i in 0..writers {
                    let body = event(&format!("shared{round}"), &format!("{phase} {i}"), 1);
                    shared.push(spawn_call(
                        &site,
                        &barrier,
                        "PUT",
                        path.clone(),
                        Some(body.clone()),
                    ));
                    let own_path = format!("{calendar}own-{round}-{phase}-{i}.ics");
                    let own_body = event(&format!("own-{round}-{phase}-{i}"), "own", 1);
                    own.push((
                        own_body.clone(),
                        spawn_call(&site, &barrier, "PUT", own_path, Some(own_body)),
                    ));
                }
                let delete = (deletes == 1)
                    .then(|| spawn_call(&site, &barrier, "DELETE", path.clone(), None));
                let mut created = 0;
                let mut etags: HashMap<String, String> = HashMap::new();
                for (i, writer) in shared.into_iter().enumerate() {
                    let (path, answer) = writer.await.unwrap();
                    assert!(
                        [StatusCode::CREATED, StatusCode::NO_CONTENT].contains(&answer.status),
                        "{}: round {round}, {phase} {i}: {}",
                        db.label,
                        describe("PUT", &path, &answer)
                    );
                    created += usize::from(answer.status == StatusCode::CREATED);
                    let etag = answer.header("etag").expect("an ETag").to_string();
                    etags.insert(etag, format!("{phase} {i}"));
                }
                if let Some(delete) = delete {
                    let (path, answer) = delete.await.unwrap();
                    assert!(
                        [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND].contains(&answer.status),
                        "{}: round {round}: {}",
                        db.label,
                        describe("DELETE", &path, &answer)
                    );
                } else {
                    assert_eq!(
                        created, 1,
                        "{}: round {round}: one writer creates",
                        db.label
                    );
                }
                // Whatever is stored now is one acknowledged write, whole.
                let stored = send(
                    &site.app,
                    Call::new("GET", &path).auth("alice", ALICE_PASSWORD),
                )
                .await;
                if stored.status == StatusCode::OK {
                    let etag = stored.header("etag").unwrap();
                    let summary = etags.get(etag).unwrap_or_else(|| {
                        panic!(
                            "{}: round {round}: stored ETag {etag} was never acknowledged",
                            db.label
                        )
                    });
                    assert!(
                        String::from_utf8_lossy(&stored.body)
                            .contains(&format!("SUMMARY:{summary}\r\n")),
                        "{}: round {round}: the stored body is the write of {summary}",
                        db.label
                    );
                } else {
                    assert_eq!(
                        stored.status,
                        StatusCode::NOT_FOUND,
                        "{}: round {round}",
                        db.label
                    );
                    assert!(
                        deletes == 1,
                        "{}: round {round}: a created resource vanished",
                        db.label
                    );
                }
                for (body, writer) in own {
                    let (path, answer) = writer.await.unwrap();
                    assert_eq!(
                        answer.status,
                        StatusCode::CREATED,
                        "{}: {}",
                        db.label,
                        describe("PUT", &path, &answer)
                    );
                    let stored = send(
                        &site.app,
                        Call::new("GET", &path).auth("alice", ALICE_PASSWORD),
                    )
                    .await;
                    assert_eq!(
                        stored.status,
                        StatusCode::OK,
                        "{}: {path} was acknowledged",
                        db.label
                    );
                    assert_eq!(stored.body, body.as_bytes(), "{}: {path}", db.label);
                }
            }
        }
        drop(site);
        db.drop_database().await;
    }
}

/// The store's condition for writes without a client condition: the member still has the
/// author the permission was checked against, whatever else changed.
#[tokio::test]
async fn writes_conditioned_on_the_author_ignore_other_changes() {
    use davgate::store::{StoreError, WriteCondition, WriteObject};
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (folder, _) = calendar_with(&site, 0).await;
        let (store, context) = (&site.store, site.alice.context_id);
        let (alice, bob) = (Some(site.alice.id), Some(site.bob.id));
        let version = |summary: &str, author| WriteObject {
            resource_name: "m.ics".into(),
            uid: "m".into(),
            component: "VEVENT".into(),
            data: event("m", summary, 1).into_bytes(),
            start_at: None,
            end_at: None,
            display_name: None,
            user_id: author,
        };
        let put = |summary: &'static str, condition| {
            let object = version(summary, alice);
            async move { store.put_object(context, folder, &object, condition).await }
        };
        assert!(matches!(
            put("first", WriteCondition::AuthoredBy(alice)).await,
            Err(StoreError::PreconditionFailed)
        ));
        assert!(
            put("first", WriteCondition::MustNotExist)
                .await
                .unwrap()
                .created
        );
        // Another writer's change keeps the author, so the condition still holds.
        put("second", WriteCondition::Unconditional).await.unwrap();
        let third = put("third", WriteCondition::AuthoredBy(alice))
            .await
            .unwrap();
        assert!(!third.created);
        assert!(matches!(
            put("fourth", WriteCondition::AuthoredBy(bob)).await,
            Err(StoreError::PreconditionFailed)
        ));
        let stored = store
            .object(context, folder, "m.ics")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.etag, third.etag, "{}", db.label);
        assert_eq!(stored.user_id, alice, "{}", db.label);

        assert!(matches!(
            store
                .delete_object(context, folder, "m.ics", WriteCondition::AuthoredBy(bob))
                .await,
            Err(StoreError::PreconditionFailed)
        ));
        store
            .delete_object(context, folder, "m.ics", WriteCondition::AuthoredBy(alice))
            .await
            .unwrap();
        assert!(matches!(
            store
                .delete_object(context, folder, "m.ics", WriteCondition::AuthoredBy(alice))
                .await,
            Err(StoreError::NotFound)
        ));
        drop(site);
        db.drop_database().await;
    }
}
