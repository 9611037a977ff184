//! A folder's address book answers at `/carddav/<folder id>/` exactly when the address
//! book home lists it, on SQLite and PostgreSQL: for every folder of the context
//! (contact folders or not, visible or not, used for sync or not, hidden with
//! `ignoreFolders` or not), as each user.

mod common;

use common::carddav::*;
use common::http::*;
use davgate::store::{
    Attribute, FolderUpdate, Permission, Role, ALL_USERS_GROUP, GLOBAL_ADDRESS_BOOK,
};
use http::StatusCode;

const NAME: &str = r#"<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>"#;

async fn listed(site: &Site, login: &str) -> Vec<String> {
    let answer = send(
        &site.app,
        call("PROPFIND", "/dav/carddav/", login)
            .header("user-agent", DAVX5)
            .depth("1")
            .body(NAME),
    )
    .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    sorted(
        answer
            .multistatus()
            .into_iter()
            .map(|r| r.href)
            .filter(|h| h != "/dav/carddav/")
            .collect(),
    )
}

fn sorted(mut hrefs: Vec<String>) -> Vec<String> {
    hrefs.sort();
    hrefs
}

#[tokio::test]
async fn a_folder_address_book_answers_exactly_when_the_home_lists_it() {
    for db in common::databases().await {
        let site = site(&db.store, common::caldav::LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let ctx = alice.context_id;
        let team = new_contact_folder(
            &db.store,
            ctx,
            Some(bob.id),
            "Team",
            None,
            vec![
                Permission::for_role(bob.id, false, Role::Administrator),
                Permission::for_role(alice.id, false, Role::Author),
            ],
        )
        .await;
        let everyone = vec![Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer)];
        let partners =
            new_contact_folder(&db.store, ctx, None, "Partners", None, everyone.clone()).await;
        let archive = new_contact_folder(&db.store, ctx, None, "Archive", None, everyone).await;
        db.store
            .update_folder(
                ctx,
                archive,
                FolderUpdate {
                    used_for_sync: Some(false),
                    ..FolderUpdate::default()
                },
            )
            .await
            .unwrap();
        // Owned by alice, but only bob holds a permission on it.
        let handed_over = new_contact_folder(
            &db.store,
            ctx,
            Some(alice.id),
            "Handed over",
            None,
            vec![Permission::for_role(bob.id, false, Role::Author)],
        )
        .await;
        db.store
            .set_attribute(
                ctx,
                Some(alice.id),
                &Attribute::config("com.openexchange.carddav.ignoreFolders", "6", false),
            )
            .await
            .unwrap();
        let alice_default = contacts_folder(&db.store, alice).await.id;
        let bob_default = contacts_folder(&db.store, bob).await.id;
        let expected = [
            ("alice", vec![alice_default, team, partners]),
            (
                "bob",
                vec![
                    bob_default,
                    team,
                    partners,
                    handed_over,
                    GLOBAL_ADDRESS_BOOK,
                ],
            ),
        ];
        // Every folder of the context, calendars, tasks and system folders included.
        let folders = db.store.folders(ctx).await.unwrap();
        assert!(folders.len() > 8, "{}", folders.len());
        for (login, books) in expected {
            let listing = listed(&site, login).await;
            assert_eq!(
                listing,
                sorted(books.into_iter().map(book_path).collect()),
                "{login} on {}",
                db.label
            );
            let mut reachable = Vec::new();
            for folder in &folders {
                let path = book_path(folder.id);
                let answer = send(
                    &site.app,
                    call("PROPFIND", &path, login).depth("0").body(NAME),
                )
                .await;
                match answer.status {
                    StatusCode::MULTI_STATUS => reachable.push(path),
                    StatusCode::NOT_FOUND => {}
                    other => panic!("{login} {path} on {}: {other}", db.label),
                }
            }
            assert_eq!(sorted(reachable), listing, "{login} on {}", db.label);
        }
        db.drop_database().await;
    }
}
