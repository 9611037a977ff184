//! The collections page of the browser UI through the real router, on SQLite and
//! PostgreSQL: what it lists (with the URL a client needs), creating, renaming,
//! recolouring, deleting, sharing and unsharing, and that folders of other users and
//! contexts are neither listed nor changeable.

mod common;

use common::caldav::{default_folder, LAYOUT};
use common::http::*;
use common::scheduling::add_user;
use common::ui::*;
use davgate::store::{
    DynStore, Folder, FolderModule, FolderType, NewFolder, Permission, Role, User, PRIVATE_ROOT,
};
use http::StatusCode;

/// The folders `owner` owns, by name.
async fn owned(store: &DynStore, owner: &User, name: &str) -> Option<Folder> {
    store
        .folders(owner.context_id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.owner_id == Some(owner.id) && f.name == name)
}

#[tokio::test]
async fn create_rename_recolour_and_delete() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let made = browser
            .post(
                app,
                &format!("{UI}/collections"),
                &[
                    ("csrf", &csrf),
                    ("kind", "calendar"),
                    ("name", "Trips"),
                    ("color", "#aa3300"),
                ],
            )
            .await;
        assert_eq!(
            made.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            db.label,
            made.text()
        );
        let trips = owned(&site.store, &site.alice, "Trips")
            .await
            .expect("created");
        assert_eq!(trips.module, FolderModule::Calendar);
        assert_eq!(trips.color.as_deref(), Some("#aa3300"));

        // Listed with its URL for clients, and a CalDAV client finds it there.
        let page = browser.get(app, &format!("{UI}/?note=created")).await;
        let text = page.text();
        assert!(text.contains("The collection was created."));
        let url = format!("http://{HOST}/dav/caldav/{}/", trips.id);
        assert!(text.contains(&format!("value=\"{url}\"")), "{text}");
        let propfind = send(
            app,
            Call::new("PROPFIND", &format!("/dav/caldav/{}/", trips.id))
                .auth("alice", ALICE_PASSWORD)
                .depth("0"),
        )
        .await;
        assert_eq!(propfind.status, StatusCode::MULTI_STATUS);
        assert!(String::from_utf8_lossy(&propfind.body).contains("Trips"));

        // An address book and a task list too.
        for (kind, name) in [("addressbook", "Club"), ("tasks", "Chores")] {
            let made = browser
                .post(
                    app,
                    &format!("{UI}/collections"),
                    &[("csrf", &csrf), ("kind", kind), ("name", name)],
                )
                .await;
            assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        }
        let club = owned(&site.store, &site.alice, "Club").await.unwrap();
        assert_eq!(club.module, FolderModule::Contacts);
        assert_eq!(
            owned(&site.store, &site.alice, "Chores")
                .await
                .unwrap()
                .module,
            FolderModule::Tasks
        );
        let text = browser.get(app, &format!("{UI}/")).await.text();
        assert!(text.contains(&format!("http://{HOST}/dav/carddav/{}/", club.id)));

        // Bad input is refused with the reason and changes nothing.
        let refused = browser
            .post(
                app,
                &format!("{UI}/collections/{}", trips.id),
                &[("csrf", &csrf), ("name", "  "), ("color", "")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.text().contains("a name of 1 to 200 characters"));
        let refused = browser
            .post(
                app,
                &format!("{UI}/collections/{}", trips.id),
                &[("csrf", &csrf), ("name", "Trips"), ("color", "red;")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            owned(&site.store, &site.alice, "Trips")
                .await
                .unwrap()
                .color
                .as_deref(),
            Some("#aa3300")
        );

        let renamed = browser
            .post(
                app,
                &format!("{UI}/collections/{}", trips.id),
                &[("csrf", &csrf), ("name", "Journeys"), ("color", "#0055ff")],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.text());
        let journeys = site
            .store
            .folder(site.alice.context_id, trips.id)
            .await
            .unwrap();
        assert_eq!(journeys.name, "Journeys");
        assert_eq!(journeys.color.as_deref(), Some("#0055ff"));

        // The default calendar cannot be deleted; her own new one can.
        let default = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let refused = browser
            .post(
                app,
                &format!("{UI}/collections/{}/delete", default.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(site
            .store
            .folder(site.alice.context_id, default.id)
            .await
            .is_ok());
        let deleted = browser
            .post(
                app,
                &format!("{UI}/collections/{}/delete", trips.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(site
            .store
            .folder(site.alice.context_id, trips.id)
            .await
            .is_err());
        let text = browser.get(app, &format!("{UI}/")).await.text();
        assert!(!text.contains(&format!("id=\"collection-{}\"", trips.id)));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn share_and_unshare() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let (alice, bob) = (&site.alice, &site.bob);
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, alice, FolderModule::Calendar).await;
        let share = format!("{UI}/collections/{}/share", calendar.id);

        for (user, role, reason) in [
            (
                "nobody",
                "viewer",
                "there is no user nobody in your organisation",
            ),
            ("bob", "owner", "the role is viewer or author"),
            ("alice", "viewer", "the owner has the collection already"),
        ] {
            let refused = browser
                .post(
                    app,
                    &share,
                    &[("csrf", &csrf), ("user", user), ("role", role)],
                )
                .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{user}");
            assert!(refused.text().contains(reason), "{}", refused.text());
        }

        let shared = browser
            .post(
                app,
                &share,
                &[
                    ("csrf", &csrf),
                    ("user", "bob@example.com"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(
            shared.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            db.label,
            shared.text()
        );
        let folder = site
            .store
            .folder(alice.context_id, calendar.id)
            .await
            .unwrap();
        let bobs = folder
            .permissions
            .iter()
            .find(|p| p.entity == bob.id)
            .expect("bob's permission");
        assert!(!bobs.admin && bobs.write == 0 && bobs.read > 0);
        let text = browser.get(app, &format!("{UI}/")).await.text();
        assert!(text.contains("Bob Builder (viewer)"), "{text}");

        // Bob sees it as shared with him, may not change it.
        let mut bobs_browser = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
        let bob_csrf = bobs_browser.csrf(app).await;
        let bob_page = bobs_browser.get(app, &format!("{UI}/")).await.text();
        assert!(bob_page.contains(&format!("id=\"collection-{}\"", calendar.id)));
        assert!(bob_page.contains("shared with you"));
        let calendar_path = format!("/dav/caldav/{}/", calendar.id);
        let bob_propfind = || {
            send(
                app,
                Call::new("PROPFIND", &calendar_path)
                    .auth("bob", BOB_PASSWORD)
                    .depth("0"),
            )
        };
        assert_eq!(bob_propfind().await.status, StatusCode::MULTI_STATUS);
        let refused = bobs_browser
            .post(
                app,
                &format!("{UI}/collections/{}", calendar.id),
                &[("csrf", &bob_csrf), ("name", "Mine now"), ("color", "")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = bobs_browser
            .post(
                app,
                &format!("{UI}/collections/{}/unshare", calendar.id),
                &[("csrf", &bob_csrf), ("entity", &alice.id.to_string())],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            site.store
                .folder(alice.context_id, calendar.id)
                .await
                .unwrap()
                .name,
            calendar.name
        );

        // Author replaces viewer; unsharing removes it.
        let author = browser
            .post(
                app,
                &share,
                &[("csrf", &csrf), ("user", "bob"), ("role", "author")],
            )
            .await;
        assert_eq!(author.status, StatusCode::SEE_OTHER);
        let folder = site
            .store
            .folder(alice.context_id, calendar.id)
            .await
            .unwrap();
        assert_eq!(
            folder
                .permissions
                .iter()
                .filter(|p| p.entity == bob.id)
                .count(),
            1
        );
        assert!(folder
            .permissions
            .iter()
            .any(|p| p.entity == bob.id && p.write > 0));
        let unshared = browser
            .post(
                app,
                &format!("{UI}/collections/{}/unshare", calendar.id),
                &[("csrf", &csrf), ("entity", &bob.id.to_string())],
            )
            .await;
        assert_eq!(unshared.status, StatusCode::SEE_OTHER);
        let folder = site
            .store
            .folder(alice.context_id, calendar.id)
            .await
            .unwrap();
        assert!(!folder.permissions.iter().any(|p| p.entity == bob.id));
        let bob_page = bobs_browser.get(app, &format!("{UI}/")).await.text();
        assert!(!bob_page.contains(&format!("id=\"collection-{}\"", calendar.id)));
        assert_eq!(bob_propfind().await.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn sharing_is_bounded_and_can_be_switched_off() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("davgate.limits.maxShareesPerCollection", "1"),
            ],
        )
        .await;
        let app = &site.app;
        add_user(&site, "carol", "carol-Secret-3").await;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let share = format!("{UI}/collections/{}/share", calendar.id);
        let first = browser
            .post(
                app,
                &share,
                &[("csrf", &csrf), ("user", "bob"), ("role", "viewer")],
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
        let second = browser
            .post(
                app,
                &share,
                &[("csrf", &csrf), ("user", "carol"), ("role", "viewer")],
            )
            .await;
        assert_eq!(second.status, StatusCode::CONFLICT, "{}", db.label);
        assert!(second.text().contains("at most 1 users"));
        // Changing the role of one already there is no new sharee.
        let again = browser
            .post(
                app,
                &share,
                &[("csrf", &csrf), ("user", "bob"), ("role", "author")],
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);

        set_user_config(&site.store, &site.alice, "davgate.ui.sharing", "false").await;
        let off = browser
            .post(
                app,
                &share,
                &[("csrf", &csrf), ("user", "bob"), ("role", "viewer")],
            )
            .await;
        assert_eq!(off.status, StatusCode::FORBIDDEN);
        assert!(!browser
            .get(app, &format!("{UI}/"))
            .await
            .text()
            .contains("Share with"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn folders_of_others_are_neither_listed_nor_changeable() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let outsider =
            other_context_user(&site.store, "other.org", "olga", "Olga", "olga-Secret-4").await;
        let bobs = default_folder(&site.store, &site.bob, FolderModule::Calendar).await;
        // Folder ids are numbered per context: olga's must be one alice's context does
        // not use, or it would name a folder of alice's context.
        let taken: Vec<i64> = site
            .store
            .folders(site.alice.context_id)
            .await
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect();
        let mut olgas = default_folder(&site.store, &outsider, FolderModule::Calendar).await;
        while taken.contains(&olgas.id) {
            olgas = site
                .store
                .create_folder(
                    outsider.context_id,
                    NewFolder {
                        parent_id: PRIVATE_ROOT,
                        module: FolderModule::Calendar,
                        folder_type: FolderType::Private,
                        owner_id: Some(outsider.id),
                        name: format!("Olga's {}", olgas.id),
                        color: None,
                        description: None,
                        sort_order: None,
                        dav_name: None,
                        permissions: vec![Permission::for_role(
                            outsider.id,
                            false,
                            Role::Administrator,
                        )],
                    },
                )
                .await
                .unwrap();
        }
        let mut browser = Browser::logged_in(app, "alice@example.com", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let text = browser.get(app, &format!("{UI}/")).await.text();
        for folder in [&bobs, &olgas] {
            assert!(
                !text.contains(&format!("collection-{}\"", folder.id)),
                "{}",
                db.label
            );
        }
        // Every change to them is answered as if they were not there.
        for (folder, owner) in [(&bobs, &site.bob), (&olgas, &outsider)] {
            let base = format!("{UI}/collections/{}", folder.id);
            let bob_id = site.bob.id.to_string();
            let attempts: [(String, Vec<(&str, &str)>); 4] = [
                (
                    base.clone(),
                    vec![("csrf", &csrf), ("name", "Taken"), ("color", "")],
                ),
                (format!("{base}/delete"), vec![("csrf", &csrf)]),
                (
                    format!("{base}/share"),
                    vec![("csrf", &csrf), ("user", "alice"), ("role", "author")],
                ),
                (
                    format!("{base}/unshare"),
                    vec![("csrf", &csrf), ("entity", &bob_id)],
                ),
            ];
            for (path, fields) in attempts {
                let answer = browser.post(app, &path, &fields).await;
                assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
                assert!(answer.text().contains("there is no such collection"));
            }
            let after = site
                .store
                .folder(owner.context_id, folder.id)
                .await
                .unwrap();
            assert_eq!(&after, folder);
        }
        // A folder id that does not exist at all answers the same.
        let none = browser
            .post(
                app,
                &format!("{UI}/collections/999999/delete"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}
