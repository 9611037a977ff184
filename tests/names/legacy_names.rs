//! Names an earlier davgate stored, when client-chosen calendar names were unique per
//! context and won over folder ids: after the migration every name keeps working for its
//! owner, a folder id shadowed by another user's name is its folder's again, and names
//! no path can carry any more (`..`) give way to ones that can.

use davgate::store::PRIVATE_ROOT;
use davgate::store::{Folder, FolderModule, FolderType, NewFolder, Permission, Role, User};
use http::StatusCode;

use super::{display_name, home_hrefs, ALICE, BOB};
use crate::common;
use crate::common::caldav::*;
use crate::common::http::*;

/// The last migration before names became per owner.
const BEFORE_PER_OWNER_NAMES: i64 = 4;

async fn named_calendar(site: &Site, owner: &User, name: &str, dav_name: &str) -> Folder {
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
                dav_name: Some(dav_name.into()),
            },
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn names_stored_before_they_were_per_owner_keep_working_for_their_owner() {
    for db in common::databases_at(BEFORE_PER_OWNER_NAMES).await {
        // Today's store writes the Schedule-Tag column of a later migration (0011): it is
        // there while the rows are written and gone again before the migrations run.
        db.raw_sql("ALTER TABLE objects ADD COLUMN schedule_tag TEXT")
            .await;
        let site = site(&db.store, LAYOUT).await;
        let what = db.label;
        let (alice, bob) = (site.alice.clone(), site.bob.clone());
        let hers = default_folder(&db.store, &alice, FolderModule::Calendar).await;
        // What MKCALENDAR stored: alice's "holidays"; bob's calendar at the id of alice's
        // calendar, which then shadowed it; alice's calendar at "..".
        let holidays = named_calendar(&site, &alice, "Holidays", "holidays").await;
        let taken = named_calendar(&site, &bob, "Taken", &hers.id.to_string()).await;
        let dots = named_calendar(&site, &alice, "Dots", "..").await;
        // And a member PUT at "..", with a dead property.
        let data = event("dots", "Dots", 1);
        db.raw_sql(&format!(
            "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, \
             user_id, created_at, modified_at) VALUES ({}, {}, '..', 'dots', 'VEVENT', {}, {}, 0, 0); \
             INSERT INTO dead_properties (context_id, folder_id, resource_name, namespace, name, value) \
             VALUES ({0}, {1}, '..', 'urn:x', 'note', 'kept')",
            alice.context_id,
            hers.id,
            db.blob_literal(data.as_bytes()),
            alice.id,
        ))
        .await;

        // SQLite, unlike PostgreSQL, could store a NUL in a name.
        let nul = event("nul", "Nul", 1);
        if db.label == "sqlite" {
            db.raw_sql(&format!(
                "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, \
                 user_id, created_at, modified_at) VALUES ({}, {}, 'a' || char(0) || 'b.ics', 'nul', \
                 'VEVENT', {}, {}, 0, 0)",
                alice.context_id,
                hers.id,
                db.blob_literal(nul.as_bytes()),
                alice.id,
            ))
            .await;
        }

        db.raw_sql("ALTER TABLE objects DROP COLUMN schedule_tag")
            .await;
        db.store.migrate().await.unwrap();

        let hers_path = calendar_path(&hers);
        assert_eq!(
            display_name(&site, ALICE, &hers_path).await,
            Ok(hers.name.clone()),
            "{what}: alice's calendar is hers again"
        );
        assert_eq!(
            display_name(&site, ALICE, "/dav/caldav/holidays/").await,
            Ok("Holidays".into()),
            "{what}"
        );
        assert_eq!(
            display_name(&site, BOB, &hers_path).await,
            Ok("Taken".into()),
            "{what}: bob's name still names his calendar, for him"
        );
        assert_eq!(
            display_name(&site, ALICE, &calendar_path(&dots)).await,
            Ok("Dots".into()),
            "{what}: by id now"
        );
        let alices = home_hrefs(&site, ALICE).await;
        for path in [&hers_path, "/dav/caldav/holidays/", &calendar_path(&dots)] {
            assert!(
                alices.iter().any(|h| h == path),
                "{what}: {path} in {alices:?}"
            );
        }
        assert!(
            !alices.contains(&calendar_path(&taken)) && !alices.contains(&calendar_path(&holidays)),
            "{what}: {alices:?}"
        );

        // The member named ".." is listed, and answers, under its new name.
        let etag = db
            .store
            .objects_by_names(alice.context_id, hers.id, &["..".into()])
            .await
            .unwrap();
        assert!(etag.is_empty(), "{what}: no member is named .. any more");
        let members = send(
            &site.app,
            Call::new("PROPFIND", &hers_path)
                .auth(ALICE.0, ALICE.1)
                .depth("1")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#),
        )
        .await
        .multistatus();
        let renamed: Vec<&str> = members
            .iter()
            .map(|r| r.href.as_str())
            .filter(|h| h.starts_with(&format!("{hers_path}dotdot-")))
            .collect();
        assert_eq!(renamed.len(), 1, "{what}: {members:?}");
        let answer = get(&site, renamed[0]).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}");
        assert_eq!(answer.body.as_ref(), data.as_bytes(), "{what}");
        let with_nul: Vec<&str> = members
            .iter()
            .map(|r| r.href.as_str())
            .filter(|h| h.starts_with(&format!("{hers_path}nul-")))
            .collect();
        if db.label == "sqlite" {
            assert_eq!(with_nul.len(), 1, "{what}: {members:?}");
            assert_eq!(get(&site, with_nul[0]).await.body.as_ref(), nul.as_bytes());
        }
        assert!(
            members.iter().all(|r| !r.href.contains("%00")),
            "{what}: {members:?}"
        );
        let name = renamed[0].rsplit('/').next().unwrap();
        let props = db
            .store
            .dead_properties(alice.context_id, hers.id, name)
            .await
            .unwrap();
        assert_eq!(
            props.len(),
            1,
            "{what}: the member's dead property moved with it"
        );

        // When alice shares her calendar with bob, his own name still wins for him: his
        // home lists the path once, for his calendar.
        db.store
            .set_permission(
                alice.context_id,
                hers.id,
                Permission::for_role(bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let bobs = home_hrefs(&site, BOB).await;
        assert_eq!(
            bobs.iter().filter(|h| **h == hers_path).count(),
            1,
            "{what}: {bobs:?}"
        );
        assert_eq!(
            display_name(&site, BOB, &hers_path).await,
            Ok("Taken".into()),
            "{what}"
        );
        db.drop_database().await;
    }
}
