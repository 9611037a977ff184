//! The scheduling mailboxes around the inbox, through the real router and the store, on
//! SQLite and PostgreSQL: the calendar home lists both, the outbox holds nothing, a
//! principal points to her own, the mailboxes' names are no calendars', and the store
//! operations behind them.

mod common;

use common::caldav::*;
use common::http::*;
use common::mailboxes::*;
use davgate::store::{FolderModule, FolderType, NewFolder, Permission, Role, PRIVATE_ROOT};
use http::StatusCode;

#[tokio::test]
async fn the_calendar_home_lists_both_mailboxes() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (ctx, alice) = (site.alice.context_id, site.alice.id);
        for round in ["before any delivery", "after a delivery"] {
            let answer = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
            let responses = answer.multistatus();
            let inbox = find(&responses, INBOX);
            assert!(
                resource_types(inbox).contains(&(CALDAV.into(), "schedule-inbox".into())),
                "{round}"
            );
            assert!(!resource_types(inbox).contains(&(CALDAV.into(), "calendar".into())));
            let outbox = find(&responses, OUTBOX);
            assert!(resource_types(outbox).contains(&(CALDAV.into(), "schedule-outbox".into())));
            assert_eq!(responses.iter().filter(|r| r.href == INBOX).count(), 1);
            assert_eq!(responses.iter().filter(|r| r.href == OUTBOX).count(), 1);
            match davgate::scheduling::inbox::existing_inbox_folder(&site.store, ctx, alice)
                .await
                .unwrap()
            {
                // Reading the mailboxes wrote nothing.
                None => {
                    assert_eq!(round, "before any delivery");
                    let listing = propfind(&site, "alice", ALICE_PASSWORD, INBOX, "1").await;
                    assert_eq!(hrefs(&listing.multistatus()), [INBOX]);
                    assert!(sync(&site, "").await.multistatus().is_empty());
                    assert!(
                        davgate::scheduling::inbox::existing_inbox_folder(&site.store, ctx, alice)
                            .await
                            .unwrap()
                            .is_none(),
                        "{}: reads made the inbox's folder",
                        db.label
                    );
                    deliver_to(&site, &site.alice, "first").await;
                }
                // No calendar is the inbox's folder, in either home.
                Some(folder) => {
                    assert_eq!(round, "after a delivery");
                    let by_id = format!("/dav/caldav/{}/", folder.id);
                    assert!(responses.iter().all(|r| r.href != by_id));
                    let books =
                        propfind(&site, "alice", ALICE_PASSWORD, "/dav/carddav/", "1").await;
                    let by_id = format!("/dav/carddav/{}/", folder.id);
                    assert!(books.multistatus().iter().all(|r| r.href != by_id));
                }
            }
        }
    }
}

#[tokio::test]
async fn the_outbox_is_there_and_holds_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let answer = propfind(&site, "bob", BOB_PASSWORD, OUTBOX, "1").await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(
            hrefs(&responses),
            [OUTBOX],
            "Depth 1 lists the outbox alone"
        );
        let outbox = &responses[0];
        assert_eq!(
            resource_types(outbox),
            vec![
                (DAV.to_string(), "collection".to_string()),
                (CALDAV.to_string(), "schedule-outbox".to_string())
            ]
        );
        assert_eq!(outbox.found(DAV, "displayname").text, "Outbox");
        assert_eq!(
            outbox.href_of(DAV, "owner"),
            format!("/dav/principals/users/{}/", site.bob.id)
        );
        let mut privileges = outbox.privileges();
        privileges.sort();
        assert_eq!(
            privileges,
            [
                "read",
                "read-current-user-privilege-set",
                "schedule-send",
                "schedule-send-freebusy",
                "schedule-send-invite",
                "schedule-send-reply",
            ]
        );
        let options = send(
            &site.app,
            Call::new("OPTIONS", OUTBOX).auth("bob", BOB_PASSWORD),
        )
        .await;
        assert_eq!(options.header("allow"), Some("OPTIONS, POST, PROPFIND"));
        let below = send(
            &site.app,
            Call::new("GET", &format!("{OUTBOX}x.ics")).auth("bob", BOB_PASSWORD),
        )
        .await;
        assert_eq!(below.status, StatusCode::NOT_FOUND);
        let put = send(
            &site.app,
            Call::new("PUT", &format!("{OUTBOX}x.ics"))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar; charset=utf-8")
                .body(event("x", "X", 1)),
        )
        .await;
        assert_eq!(put.status, StatusCode::FORBIDDEN);
        assert_eq!(
            needed_privileges(&put),
            [(OUTBOX.to_string(), "bind".to_string())]
        );
    }
}

#[tokio::test]
async fn the_mailboxes_names_make_no_calendars() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        for path in [INBOX, OUTBOX] {
            let answer = send(
                &site.app,
                Call::new("MKCALENDAR", path).auth("alice", ALICE_PASSWORD),
            )
            .await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "resource-must-be-null",
                &format!("{}: MKCALENDAR {path}", db.label),
            );
            let mkcol = send(
                &site.app,
                Call::new("MKCOL", path).auth("alice", ALICE_PASSWORD),
            )
            .await;
            assert_eq!(mkcol.status, StatusCode::METHOD_NOT_ALLOWED, "MKCOL {path}");
        }
        let below = send(
            &site.app,
            Call::new("MKCALENDAR", &format!("{INBOX}sub/")).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_precondition(
            &below,
            StatusCode::FORBIDDEN,
            CALDAV,
            "calendar-collection-location-ok",
            "MKCALENDAR below the inbox",
        );
        let listing = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
        for response in listing.multistatus() {
            if response.href == INBOX || response.href == OUTBOX {
                assert!(!resource_types(&response).contains(&(CALDAV.into(), "calendar".into())));
            }
        }
    }
}

#[tokio::test]
async fn a_calendar_once_named_schedule_inbox_keeps_working_by_id() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let alice = &site.alice;
        let named = db
            .store
            .create_folder(
                alice.context_id,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(alice.id),
                    name: "Old inbox calendar".into(),
                    color: None,
                    description: None,
                    sort_order: None,
                    dav_name: Some("schedule-inbox".into()),
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                },
            )
            .await
            .unwrap();
        let by_id = calendar_path(&named);
        // Listed by id before anything touched the inbox.
        let listing = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
        let responses = listing.multistatus();
        let calendar = find(&responses, &by_id);
        assert!(resource_types(calendar).contains(&(CALDAV.into(), "calendar".into())));
        let inbox = find(&responses, INBOX);
        assert!(resource_types(inbox).contains(&(CALDAV.into(), "schedule-inbox".into())));

        let put = put_new(&site, &format!("{by_id}e.ics"), &event("e-1", "Kept", 1)).await;
        assert_eq!(put.status, StatusCode::CREATED, "{}", db.label);
        assert_eq!(
            get(&site, &format!("{by_id}e.ics")).await.status,
            StatusCode::OK
        );
        // Deliveries go to the real inbox, not to the calendar.
        let (href, _) = deliver_to(&site, alice, "after-rename").await;
        assert_eq!(get(&site, &href).await.status, StatusCode::OK);
        let in_calendar = propfind(&site, "alice", ALICE_PASSWORD, &by_id, "1").await;
        assert_eq!(
            hrefs(&in_calendar.multistatus()),
            [by_id.clone(), format!("{by_id}e.ics")]
        );
    }
}

#[tokio::test]
async fn her_principal_points_to_her_mailboxes_only() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let body = r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:schedule-inbox-URL/><C:schedule-outbox-URL/></D:prop></D:propfind>"#;
        let own = format!("/dav/principals/users/{}/", site.alice.id);
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &own)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(body),
        )
        .await;
        let principal = &answer.multistatus()[0];
        assert_eq!(
            principal.href_of(CALDAV, "schedule-inbox-URL"),
            INBOX,
            "{}",
            db.label
        );
        assert_eq!(principal.href_of(CALDAV, "schedule-outbox-URL"), OUTBOX);
        // Bob's principal as alice sees it: her mailbox paths are not his.
        let other = format!("/dav/principals/users/{}/", site.bob.id);
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &other)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(body),
        )
        .await;
        let principal = &answer.multistatus()[0];
        assert_eq!(principal.status_of(CALDAV, "schedule-inbox-URL"), Some(404));
        assert_eq!(
            principal.status_of(CALDAV, "schedule-outbox-URL"),
            Some(404)
        );
    }
}

/// The names of a folder's members, sorted.
async fn member_names(site: &Site, folder: davgate::store::FolderId) -> Vec<String> {
    use futures::TryStreamExt;
    let mut names: Vec<String> = site
        .store
        .object_summary_stream(site.alice.context_id, folder, Default::default())
        .map_ok(|summary| summary.resource_name)
        .try_collect()
        .await
        .unwrap();
    names.sort();
    names
}

#[tokio::test]
async fn keep_newest_deletes_the_oldest_members_of_one_folder_with_tombstones() {
    use futures::TryStreamExt;
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (ctx, alice) = (site.alice.context_id, &site.alice);
        let calendar = default_folder(&db.store, alice, FolderModule::Calendar).await;
        let other = put_new(
            &site,
            &format!("{}keep.ics", calendar_path(&calendar)),
            &event("k", "K", 1),
        )
        .await;
        assert_eq!(other.status, StatusCode::CREATED);
        let inbox = davgate::scheduling::inbox::inbox_folder(&db.store, ctx, alice.id)
            .await
            .unwrap();
        let since = db.store.folder_seq(ctx, inbox.id).await.unwrap();
        // Names in the opposite order of delivery: age is the order of writing.
        let mut written = Vec::new();
        for name in ["z.ics", "y.ics", "x.ics", "w.ics"] {
            let object = davgate::store::WriteObject {
                resource_name: name.into(),
                uid: name.into(),
                component: "VEVENT".into(),
                data: request(name, "Keep").into_bytes(),
                start_at: None,
                end_at: None,
                display_name: None,
                user_id: None,
            };
            db.store
                .put_object(
                    ctx,
                    inbox.id,
                    &object,
                    davgate::store::WriteCondition::MustNotExist,
                )
                .await
                .unwrap();
            written.push(name.to_string());
        }
        assert_eq!(
            db.store.keep_newest(ctx, inbox.id, 10).await.unwrap(),
            0,
            "{}",
            db.label
        );
        assert_eq!(db.store.keep_newest(ctx, inbox.id, 2).await.unwrap(), 2);
        assert_eq!(member_names(&site, inbox.id).await, ["w.ics", "x.ics"]);
        // The deletions are changes a sync reports.
        let changes: Vec<davgate::store::SyncMember> = db
            .store
            .sync_stream(ctx, &[inbox.id], since, Default::default())
            .try_collect()
            .await
            .unwrap();
        let mut deleted: Vec<String> = changes
            .iter()
            .filter(|m| m.deleted)
            .map(|m| m.resource_name.clone())
            .collect();
        deleted.sort();
        assert_eq!(deleted, ["y.ics", "z.ics"]);
        // Other folders are left alone.
        assert_eq!(member_names(&site, calendar.id).await, ["keep.ics"]);
    }
}

#[tokio::test]
async fn clear_dav_name_leaves_the_folder_to_its_id() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (ctx, alice) = (site.alice.context_id, &site.alice);
        let named = db
            .store
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(alice.id),
                    name: "Named".into(),
                    color: None,
                    description: None,
                    sort_order: None,
                    dav_name: Some("named".into()),
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                },
            )
            .await
            .unwrap();
        db.store.clear_dav_name(ctx, named.id).await.unwrap();
        assert_eq!(
            db.store
                .folder_by_dav_name(ctx, alice.id, "named")
                .await
                .unwrap(),
            None,
            "{}",
            db.label
        );
        assert_eq!(db.store.folder(ctx, named.id).await.unwrap().dav_name, None);
        assert!(matches!(
            db.store.clear_dav_name(ctx, 999_999).await,
            Err(davgate::store::StoreError::NotFound)
        ));
    }
}
