//! Calendar names are their owner's: MKCALENDAR never takes a folder id, one user's
//! names neither block nor reveal another's, and a sharee addresses another user's named
//! calendar by its folder id, in the home listing and in paths alike.

use davgate::store::{FolderModule, FolderType, NewFolder, Permission, Role, User, PRIVATE_ROOT};
use http::StatusCode;

use super::{display_name, home_hrefs, mkcalendar, ALICE, BOB};
use crate::common;
use crate::common::caldav::*;
use crate::common::http::*;

async fn private_calendar(site: &Site, owner: &User, name: &str) -> davgate::store::Folder {
    site.store
        .create_folder(
            owner.context_id,
            NewFolder {
                parent_id: PRIVATE_ROOT,
                module: FolderModule::Calendar,
                folder_type: FolderType::Private,
                owner_id: Some(owner.id),
                name: name.into(),
                color: None,
                description: None,
                permissions: vec![Permission::for_role(owner.id, false, Role::Administrator)],
                sort_order: None,
                dav_name: None,
            },
        )
        .await
        .unwrap()
}

/// Bob tries to create calendars at the id of alice's calendar, which he cannot see,
/// and at an id not handed out yet. Both are refused alike, and alice keeps reaching
/// her calendar and the one that later gets the other id.
#[tokio::test]
async fn mkcalendar_at_a_folder_id_is_refused_whether_or_not_the_folder_exists() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let what = db.label;
        let hers = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let latest = private_calendar(&site, &site.alice, "Latest").await;
        let unassigned = latest.id + 5;

        let at_hers = mkcalendar(&site, BOB, &calendar_path(&hers), Some("Mine now")).await;
        assert_precondition(
            &at_hers,
            StatusCode::FORBIDDEN,
            CALDAV,
            "calendar-collection-location-ok",
            what,
        );
        let at_unassigned = mkcalendar(
            &site,
            BOB,
            &format!("/dav/caldav/{unassigned}/"),
            Some("Mine later"),
        )
        .await;
        // The same answer whether or not a folder has the id.
        assert_eq!(at_unassigned.status, at_hers.status, "{what}");
        assert_eq!(at_unassigned.body, at_hers.body, "{what}");

        assert_eq!(
            display_name(&site, ALICE, &calendar_path(&hers)).await,
            Ok(hers.name.clone()),
            "{what}: alice's calendar is still hers"
        );
        let mut later = private_calendar(&site, &site.alice, "Later").await;
        while later.id < unassigned {
            later = private_calendar(&site, &site.alice, "Later").await;
        }
        assert_eq!(later.id, unassigned, "{what}");
        assert_eq!(
            display_name(&site, ALICE, &calendar_path(&later)).await,
            Ok("Later".into()),
            "{what}: the folder that got the id is reachable under it"
        );
        let bobs = home_hrefs(&site, BOB).await;
        assert!(
            !bobs.contains(&calendar_path(&hers)) && !bobs.contains(&calendar_path(&later)),
            "{what}: {bobs:?}"
        );
        db.drop_database().await;
    }
}

/// Alice and bob both call a calendar "work": each gets their own, and neither learns
/// that the other uses the name.
#[tokio::test]
async fn calendar_names_are_per_user() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let what = db.label;
        let path = "/dav/caldav/work/";
        let alices = mkcalendar(&site, ALICE, path, Some("Alice at work")).await;
        assert_eq!(alices.status, StatusCode::CREATED, "{what}");
        let bobs = mkcalendar(&site, BOB, path, Some("Bob at work")).await;
        assert_eq!(
            bobs.status,
            StatusCode::CREATED,
            "{what}: {}",
            String::from_utf8_lossy(&bobs.body)
        );
        assert_eq!(
            display_name(&site, ALICE, path).await,
            Ok("Alice at work".into()),
            "{what}"
        );
        assert_eq!(
            display_name(&site, BOB, path).await,
            Ok("Bob at work".into()),
            "{what}"
        );

        let member = format!("{path}standup.ics");
        put_new(&site, &member, &event("standup", "Standup", 1)).await;
        let as_bob = send(&site.app, Call::new("GET", &member).auth(BOB.0, BOB.1)).await;
        assert_eq!(as_bob.status, StatusCode::NOT_FOUND, "{what}");

        // The name is taken for alice only, by her own calendar.
        let again = mkcalendar(&site, ALICE, path, None).await;
        assert_precondition(
            &again,
            StatusCode::FORBIDDEN,
            DAV,
            "resource-must-be-null",
            what,
        );
        assert_eq!(
            home_hrefs(&site, ALICE)
                .await
                .iter()
                .filter(|h| *h == path)
                .count(),
            1,
            "{what}"
        );
        db.drop_database().await;
    }
}

/// Bob shares his calendar "team" with alice: she finds it under its folder id, which
/// her home lists and which answers; the name stays bob's, and alice may use it for a
/// calendar of her own.
#[tokio::test]
async fn a_sharee_addresses_a_named_calendar_by_its_folder_id() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let what = db.label;
        let named = "/dav/caldav/team/";
        assert_eq!(
            mkcalendar(&site, BOB, named, Some("Team")).await.status,
            StatusCode::CREATED,
            "{what}"
        );
        let team = db
            .store
            .folders(site.bob.context_id)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.owner_id == Some(site.bob.id) && f.dav_name.as_deref() == Some("team"))
            .expect("bob's calendar has the name he chose")
            .id;
        db.store
            .set_permission(
                site.bob.context_id,
                team,
                Permission::for_role(site.alice.id, false, Role::Author),
            )
            .await
            .unwrap();
        let by_id = format!("/dav/caldav/{team}/");

        let listed = home_hrefs(&site, ALICE).await;
        assert!(listed.contains(&by_id), "{what}: {listed:?}");
        assert!(!listed.contains(&named.to_owned()), "{what}: {listed:?}");
        assert_eq!(
            display_name(&site, ALICE, &by_id).await,
            Ok("Bob Builder: Team".into()),
            "{what}"
        );
        put_new(
            &site,
            &format!("{by_id}shared.ics"),
            &event("shared", "Shared", 2),
        )
        .await;
        assert_eq!(
            display_name(&site, ALICE, named).await,
            Err(404),
            "{what}: bob's name means nothing to alice"
        );

        // For bob the calendar has one URL, the name he chose.
        assert_eq!(
            display_name(&site, BOB, named).await,
            Ok("Team".into()),
            "{what}"
        );
        assert_eq!(display_name(&site, BOB, &by_id).await, Err(404), "{what}");
        let got = send(
            &site.app,
            Call::new("GET", &format!("{named}shared.ics")).auth(BOB.0, BOB.1),
        )
        .await;
        assert_eq!(
            got.status,
            StatusCode::OK,
            "{what}: alice's event in bob's calendar"
        );

        assert_eq!(
            mkcalendar(&site, ALICE, named, Some("Alice's team"))
                .await
                .status,
            StatusCode::CREATED,
            "{what}"
        );
        let listed = home_hrefs(&site, ALICE).await;
        assert!(
            listed.contains(&by_id) && listed.contains(&named.to_owned()),
            "{what}: {listed:?}"
        );
        assert_eq!(
            display_name(&site, ALICE, named).await,
            Ok("Alice's team".into()),
            "{what}"
        );
        assert_eq!(
            display_name(&site, BOB, named).await,
            Ok("Team".into()),
            "{what}"
        );
        db.drop_database().await;
    }
}

/// MKCALENDAR stops at davgate.limits.maxCalendarsPerUser calendars and task lists of
/// the user's own (here 3: the default calendar, the default task list and one more),
/// so no client grows a calendar home, and every PROPFIND of it, without end.
#[tokio::test]
async fn mkcalendar_stops_at_the_calendars_a_user_may_own() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("davgate.limits.maxCalendarsPerUser", "3"),
            ],
        )
        .await;
        let what = db.label;
        let third = mkcalendar(&site, ALICE, "/dav/caldav/third/", None).await;
        assert_eq!(third.status, StatusCode::CREATED, "{what}");
        let fourth = mkcalendar(&site, ALICE, "/dav/caldav/fourth/", None).await;
        assert_eq!(
            fourth.status,
            StatusCode::INSUFFICIENT_STORAGE,
            "{what}: {}",
            String::from_utf8_lossy(&fourth.body)
        );
        assert!(
            String::from_utf8_lossy(&fourth.body).contains("at most 3"),
            "{what}"
        );
        assert_eq!(
            display_name(&site, ALICE, "/dav/caldav/fourth/").await,
            Err(404),
            "{what}"
        );
        // Another user's calendars are counted for that user alone.
        let bobs = mkcalendar(&site, BOB, "/dav/caldav/fourth/", None).await;
        assert_eq!(bobs.status, StatusCode::CREATED, "{what}");
        // Deleting one makes room again.
        let deleted = send(
            &site.app,
            Call::new("DELETE", "/dav/caldav/third/").auth(ALICE.0, ALICE.1),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{what}");
        let again = mkcalendar(&site, ALICE, "/dav/caldav/fourth/", None).await;
        assert_eq!(again.status, StatusCode::CREATED, "{what}");
        db.drop_database().await;
    }
}
