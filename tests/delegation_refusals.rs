//! Calendar delegation on SQLite and PostgreSQL, what is refused: a PROPPATCH of a proxy
//! group by anyone but its owner, hrefs that name no user of her context, too many
//! members, herself, other properties; other contexts never reach her groups; a read
//! delegate cannot write; and only enabled owners' default calendars with a permission
//! of the user's own make her a delegate.

mod common;

use common::caldav::*;
use common::delegation::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::{FolderModule, Permission, Role, User};
use http::StatusCode;

#[tokio::test]
async fn refusals_change_nothing() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("davgate.limits.maxProxyGroupMembers", "2"),
            ],
        )
        .await;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let dan = add_user(&site, "dan", "dan-Secret-4").await;
        let outsider =
            other_context_user(&db.store, "other.org", "eve", "Eve", "eve-Secret-5").await;
        // Two contexts: logins name theirs.
        const ALICE_AT: (&str, &str) = ("alice@example.com", ALICE_PASSWORD);
        const BOB_AT: (&str, &str) = ("bob@example.com", BOB_PASSWORD);
        let store = &db.store;
        let write_group = proxy(alice, "write");
        let unchanged = default_folder(store, alice, FolderModule::Calendar)
            .await
            .permissions;

        // Only the owner names her delegates.
        let answer = proppatch(
            &site,
            BOB_AT,
            &write_group,
            &member_set_body(&[principal(bob)]),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "bob",
        );

        // Hrefs that name no user of her context: another context's user (by login,
        // and by an id her context does not have), a group, an address, a calendar.
        let team = store
            .create_group(alice.context_id, "team", "Team", &[bob.id])
            .await
            .unwrap();
        for href in [
            "/dav/principals/users/eve/".to_string(),
            "/dav/principals/users/999999/".to_string(),
            format!("/dav/principals/groups/{}/", team.id),
            "mailto:bob@example.com".to_string(),
            "/dav/caldav/".to_string(),
        ] {
            let answer = proppatch(
                &site,
                ALICE_AT,
                &write_group,
                &member_set_body(&[principal(bob), href.clone()]),
            )
            .await;
            let response = only(&answer);
            assert_eq!(
                response.status_of(DAV, "group-member-set"),
                Some(403),
                "{href}"
            );
            let error = response.node.child(DAV, "error").expect("DAV:error");
            assert!(error.child(DAV, "recognized-principal").is_some(), "{href}");
        }
        let _ = outsider;

        // More members than the limit.
        let answer = proppatch(
            &site,
            ALICE_AT,
            &write_group,
            &member_set_body(&[principal(bob), principal(&carol), principal(&dan)]),
        )
        .await;
        assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(507));
        // Herself, and properties a proxy group does not have.
        let answer = proppatch(
            &site,
            ALICE_AT,
            &write_group,
            &member_set_body(&[principal(alice)]),
        )
        .await;
        assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(409));
        let answer = proppatch(
            &site,
            ALICE_AT,
            &write_group,
            r#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Mine</D:displayname><D:group-member-set><D:href>/dav/principals/users/bob/</D:href></D:group-member-set></D:prop></D:set></D:propertyupdate>"#,
        )
        .await;
        let response = only(&answer);
        assert_eq!(response.status_of(DAV, "displayname"), Some(403));
        assert_eq!(response.status_of(DAV, "group-member-set"), Some(424));

        assert_eq!(
            default_folder(store, alice, FolderModule::Calendar)
                .await
                .permissions,
            unchanged,
            "{}: nothing changed",
            db.label
        );

        // Another context's user never reaches alice's groups: by login they are not
        // there, and by id the path names a user of eve's own context, if any.
        let eve = ("eve@other.org", "eve-Secret-5");
        let by_login = propfind(
            &site,
            eve,
            "/dav/principals/users/alice/calendar-proxy-write/",
            "0",
        )
        .await;
        assert_eq!(by_login.status, StatusCode::NOT_FOUND, "{}", db.label);
        let by_id = propfind(&site, eve, &write_group, "0").await;
        let text = String::from_utf8_lossy(&by_id.body);
        assert!(
            !text.contains("Alice") && !text.contains(&principal(bob)),
            "{}: {text}",
            db.label
        );

        // A read delegate (named by login, as some clients do) reads but cannot write.
        let answer = proppatch(
            &site,
            ALICE_AT,
            &proxy(alice, "read"),
            &member_set_body(&["/dav/principals/users/bob/".to_string()]),
        )
        .await;
        assert_eq!(only(&answer).status_of(DAV, "group-member-set"), Some(200));
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let path = format!("{}by-bob.ics", calendar_path(&calendar));
        let refused = put_as(&site, BOB_AT, &path, &event("by-bob", "Mine", 2), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", db.label);
        assert_eq!(
            store
                .object(alice.context_id, calendar.id, "by-bob.ics")
                .await
                .unwrap(),
            None
        );
        db.drop_database().await;
    }
}

/// Whom a user acts for: default calendars of enabled users with a permission of hers,
/// nothing else, from the store on both backends.
#[tokio::test]
async fn only_enabled_owners_default_calendars_make_a_delegate() {
    use davgate::store::{FolderType, NewFolder, UserUpdate};
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        let dan = add_user(&site, "dan", "dan-Secret-4").await;
        let erin = add_user(&site, "erin", "erin-Secret-6").await;
        let store = &db.store;
        let ctx = alice.context_id;
        let grant = |owner: User, permission: Permission| async move {
            let calendar = default_folder(store, &owner, FolderModule::Calendar).await;
            store
                .set_permission(ctx, calendar.id, permission)
                .await
                .unwrap();
        };
        grant(
            alice.clone(),
            Permission::for_role(bob.id, false, Role::Viewer),
        )
        .await;
        // Through a group only: no delegation.
        let team = store
            .create_group(ctx, "team", "Team", &[bob.id])
            .await
            .unwrap();
        grant(
            erin.clone(),
            Permission::for_role(team.id, true, Role::Author),
        )
        .await;
        // A disabled owner delegates nothing.
        grant(
            dan.clone(),
            Permission::for_role(bob.id, false, Role::Author),
        )
        .await;
        store
            .update_user(
                ctx,
                dan.id,
                UserUpdate {
                    enabled: Some(false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Another calendar than her default one is sharing, not delegation.
        let default = default_folder(store, &carol, FolderModule::Calendar).await;
        store
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: default.parent_id,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(carol.id),
                    name: "Side".into(),
                    color: None,
                    description: None,
                    permissions: vec![
                        Permission::for_role(carol.id, false, Role::Administrator),
                        Permission::for_role(bob.id, false, Role::Author),
                    ],
                    sort_order: None,
                    dav_name: None,
                },
            )
            .await
            .unwrap();

        let granting = store.default_calendars_granting(ctx, bob.id).await.unwrap();
        assert_eq!(
            granting,
            [(alice.id, Permission::for_role(bob.id, false, Role::Viewer))],
            "{}",
            db.label
        );
        let mine = only(&propfind(&site, BOB, &principal(bob), "0").await);
        assert_eq!(
            mine.found(CALENDARSERVER, "calendar-proxy-read-for")
                .hrefs(),
            [principal(alice)]
        );
        assert!(mine
            .found(CALENDARSERVER, "calendar-proxy-write-for")
            .hrefs()
            .is_empty());
        assert_eq!(
            mine.found(DAV, "group-membership").hrefs(),
            [
                format!("/dav/principals/groups/{}/", team.id),
                proxy(alice, "read")
            ]
        );
        db.drop_database().await;
    }
}
