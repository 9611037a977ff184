//! One conformance suite for every store backend: SQLite always, PostgreSQL when
//! DAVGATE_TEST_DATABASE_URL is set.

mod common;

use std::sync::Arc;

use davgate::store::*;

async fn context(store: &DynStore, name: &str) -> Context {
    store
        .create_context(NewContext {
            id: None,
            name: name.to_string(),
            login_mappings: vec![name.to_string()],
        })
        .await
        .unwrap()
}

fn new_user(login: &str, domain: &str) -> NewUser {
    NewUser {
        login: login.to_string(),
        mail: format!("{login}@{domain}"),
        aliases: vec![],
        display_name: login.to_uppercase(),
        password_hash: "hash".into(),
        permissions: vec!["calendar".into(), "contacts".into(), "tasks".into()],
        default_folders: vec![
            DefaultFolder {
                module: FolderModule::Calendar,
                name: "Calendar".into(),
            },
            DefaultFolder {
                module: FolderModule::Contacts,
                name: "Contacts".into(),
            },
            DefaultFolder {
                module: FolderModule::Tasks,
                name: "Tasks".into(),
            },
        ],
        address_book_entry: Some(event_like(
            "VCARD",
            &format!("{login}-gal.vcf"),
            &format!("gal-{login}"),
            "BEGIN:VCARD\r\nEND:VCARD\r\n",
        )),
    }
}

fn event_like(component: &str, name: &str, uid: &str, body: &str) -> WriteObject {
    WriteObject {
        resource_name: name.to_string(),
        uid: uid.to_string(),
        component: component.to_string(),
        data: body.as_bytes().to_vec(),
        start_at: Some(1_700_000_000),
        end_at: Some(1_700_003_600),
        display_name: None,
        user_id: None,
    }
}

fn event(name: &str, uid: &str, summary: &str) -> WriteObject {
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\nDTSTART:20231114T220000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    event_like("VEVENT", name, uid, &body)
}

async fn default_folder(
    store: &DynStore,
    ctx: ContextId,
    user: UserId,
    module: FolderModule,
) -> Folder {
    store
        .default_folder(ctx, user, module)
        .await
        .unwrap()
        .expect("default folder")
}

/// Every member of a folder, in name order.
async fn summaries(store: &DynStore, ctx: ContextId, folder: FolderId) -> Vec<ObjectSummary> {
    use futures::TryStreamExt;
    store
        .object_summary_stream(ctx, folder, MemberFilter::default())
        .try_collect()
        .await
        .unwrap()
}

/// Context example.com with alice, and her default calendar.
async fn alice_and_calendar(store: &DynStore) -> (ContextId, User, FolderId) {
    let ctx = context(store, "example.com").await.id;
    let alice = store
        .create_user(ctx, new_user("alice", "example.com"))
        .await
        .unwrap();
    let cal = default_folder(store, ctx, alice.id, FolderModule::Calendar)
        .await
        .id;
    (ctx, alice, cal)
}

#[tokio::test]
async fn contexts_mappings_and_system_folders() {
    for db in common::databases().await {
        let s = &db.store;
        let a = context(s, "a.example").await;
        let b = s
            .create_context(NewContext {
                id: Some(42),
                name: "b.example".into(),
                login_mappings: vec!["b.example".into(), "b.test".into()],
            })
            .await
            .unwrap();
        assert_eq!(b.id, 42, "{}", db.label);
        assert_eq!(
            b.login_mappings,
            vec!["b.example".to_string(), "b.test".to_string()]
        );
        assert_eq!(s.context_for_mapping("b.test").await.unwrap(), Some(42));
        assert_eq!(s.context_for_mapping("nowhere").await.unwrap(), None);
        assert_eq!(s.context_by_name("a.example").await.unwrap().id, a.id);
        assert!(matches!(
            s.create_context(NewContext {
                id: None,
                name: "a.example".into(),
                login_mappings: vec![]
            })
            .await,
            Err(StoreError::AlreadyExists(_))
        ));
        assert!(matches!(
            s.add_login_mapping(a.id, "b.test").await,
            Err(StoreError::AlreadyExists(_))
        ));
        s.add_login_mapping(a.id, "alias.example").await.unwrap();
        assert_eq!(
            s.context_for_mapping("alias.example").await.unwrap(),
            Some(a.id)
        );
        s.remove_login_mapping(a.id, "alias.example").await.unwrap();
        assert_eq!(s.context_for_mapping("alias.example").await.unwrap(), None);

        let folders = s.folders(a.id).await.unwrap();
        let gal = folders
            .iter()
            .find(|f| f.id == GLOBAL_ADDRESS_BOOK)
            .expect("global address list");
        assert_eq!(
            (gal.module, gal.folder_type),
            (FolderModule::Contacts, FolderType::Public)
        );
        let everyone = gal
            .permissions
            .iter()
            .find(|p| p.is_group && p.entity == ALL_USERS_GROUP)
            .unwrap();
        assert!(everyone.can_see() && everyone.read == level::ALL && everyone.write == level::NONE);
        assert!(
            folders.iter().any(|f| f.id == PRIVATE_ROOT)
                && folders.iter().any(|f| f.id == PUBLIC_ROOT)
        );
        assert_eq!(s.contexts().await.unwrap().len(), 2);

        s.delete_context(42).await.unwrap();
        assert!(matches!(s.context(42).await, Err(StoreError::NotFound)));
        assert_eq!(s.context_for_mapping("b.test").await.unwrap(), None);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn users_default_folders_and_address_book_entry() {
    for db in common::databases().await {
        let s = &db.store;
        let ctx = context(s, "example.com").await.id;
        let mut spec = new_user("alice", "example.com");
        spec.aliases = vec!["a.liddell@example.com".into()];
        let alice = s.create_user(ctx, spec).await.unwrap();
        let bob = s
            .create_user(ctx, new_user("bob", "example.com"))
            .await
            .unwrap();
        assert_ne!(alice.id, bob.id);
        assert_eq!(alice.aliases, vec!["a.liddell@example.com".to_string()]);
        assert!(alice.has_module("Calendar") && !alice.has_module("infostore"));

        assert_eq!(
            s.user_by_login(ctx, "alice").await.unwrap().unwrap().id,
            alice.id
        );
        assert!(s.user_by_login(ctx, "carol").await.unwrap().is_none());
        let by_alias = s.users_by_mail("A.Liddell@Example.com").await.unwrap();
        assert_eq!(
            by_alias.iter().map(|u| u.id).collect::<Vec<_>>(),
            vec![alice.id],
            "{}",
            db.label
        );
        assert_eq!(
            s.users_by_mail("bob@example.com").await.unwrap()[0].id,
            bob.id
        );
        assert!(matches!(
            s.create_user(ctx, new_user("alice", "other.com")).await,
            Err(StoreError::AlreadyExists(_))
        ));

        let visible = s.visible_folders(ctx, alice.id).await.unwrap();
        for module in [
            FolderModule::Calendar,
            FolderModule::Contacts,
            FolderModule::Tasks,
        ] {
            assert!(
                visible
                    .iter()
                    .any(|f| f.module == module && f.owner_id == Some(alice.id) && f.is_default),
                "{module}"
            );
        }
        for module in [
            FolderModule::Calendar,
            FolderModule::Contacts,
            FolderModule::Tasks,
        ] {
            let default = s
                .default_folder(ctx, alice.id, module)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (default.module, default.owner_id, default.is_default),
                (module, Some(alice.id), true)
            );
            assert!(
                visible.contains(&default),
                "{module}: the default folder is visible"
            );
        }
        assert!(s
            .default_folder(ctx, alice.id, FolderModule::System)
            .await
            .unwrap()
            .is_none());
        assert!(
            visible.iter().all(|f| f.owner_id != Some(bob.id)),
            "bob's private folders are not alice's"
        );
        assert!(visible.iter().any(|f| f.id == GLOBAL_ADDRESS_BOOK));

        let gal = summaries(s, ctx, GLOBAL_ADDRESS_BOOK).await;
        assert_eq!(gal.len(), 2);
        let entry = s
            .object(ctx, GLOBAL_ADDRESS_BOOK, "alice-gal.vcf")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.user_id, Some(alice.id));

        let updated = s
            .update_user(
                ctx,
                alice.id,
                UserUpdate {
                    display_name: Some("Alice L.".into()),
                    aliases: Some(vec!["al@example.com".into()]),
                    permissions: Some(vec!["calendar".into(), "infostore".into()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.display_name, "Alice L.");
        assert_eq!(updated.aliases, vec!["al@example.com".to_string()]);
        assert!(updated.has_module("infostore") && !updated.has_module("contacts"));
        assert!(s
            .users_by_mail("a.liddell@example.com")
            .await
            .unwrap()
            .is_empty());

        s.delete_user(ctx, bob.id).await.unwrap();
        assert_eq!(s.users(ctx).await.unwrap().len(), 1);
        assert!(s
            .object(ctx, GLOBAL_ADDRESS_BOOK, "bob-gal.vcf")
            .await
            .unwrap()
            .is_none());
        assert!(s
            .folders(ctx)
            .await
            .unwrap()
            .iter()
            .all(|f| f.owner_id != Some(bob.id)));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn groups_resources_and_attributes() {
    for db in common::databases().await {
        let s = &db.store;
        let ctx = context(s, "example.com").await.id;
        let alice = s
            .create_user(ctx, new_user("alice", "example.com"))
            .await
            .unwrap();
        let bob = s
            .create_user(ctx, new_user("bob", "example.com"))
            .await
            .unwrap();
        let staff = s
            .create_group(ctx, "staff", "Staff", &[alice.id])
            .await
            .unwrap();
        assert_eq!(s.groups_of(ctx, alice.id).await.unwrap(), vec![staff.id]);
        s.set_group_members(ctx, staff.id, &[alice.id, bob.id])
            .await
            .unwrap();
        assert_eq!(
            s.group_by_name(ctx, "staff")
                .await
                .unwrap()
                .unwrap()
                .members,
            vec![alice.id, bob.id]
        );
        assert!(matches!(
            s.create_group(ctx, "staff", "Again", &[]).await,
            Err(StoreError::AlreadyExists(_))
        ));

        let room = s
            .create_resource(
                ctx,
                "room1",
                "Room 1",
                "room1@example.com",
                ResourceKind::Room,
            )
            .await
            .unwrap();
        assert_eq!(s.resources(ctx).await.unwrap(), vec![room]);

        let attr = |name: &str, value: &str, is_final| Attribute {
            name: name.into(),
            value: value.into(),
            is_final,
        };
        s.set_attribute(ctx, None, &attr("taxonomy/types", "premium,beta", false))
            .await
            .unwrap();
        s.set_attribute(
            ctx,
            None,
            &attr(
                "config/com.openexchange.carddav.exposedCollections",
                "2",
                true,
            ),
        )
        .await
        .unwrap();
        s.set_attribute(
            ctx,
            Some(alice.id),
            &attr(
                "config/com.openexchange.carddav.exposedCollections",
                "1",
                false,
            ),
        )
        .await
        .unwrap();
        s.set_attribute(ctx, None, &attr("taxonomy/types", "premium", false))
            .await
            .unwrap();
        let context_attrs = s.attributes(ctx, None).await.unwrap();
        assert_eq!(
            context_attrs,
            vec![
                attr(
                    "config/com.openexchange.carddav.exposedCollections",
                    "2",
                    true
                ),
                attr("taxonomy/types", "premium", false),
            ]
        );
        assert_eq!(s.attributes(ctx, Some(alice.id)).await.unwrap().len(), 1);
        assert!(s.attributes(ctx, Some(bob.id)).await.unwrap().is_empty());
        s.remove_attribute(
            ctx,
            Some(alice.id),
            "config/com.openexchange.carddav.exposedCollections",
        )
        .await
        .unwrap();
        assert!(matches!(
            s.remove_attribute(ctx, Some(alice.id), "nothing").await,
            Err(StoreError::NotFound)
        ));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn folders_share_rename_and_delete() {
    for db in common::databases().await {
        let s = &db.store;
        let ctx = context(s, "example.com").await.id;
        let alice = s
            .create_user(ctx, new_user("alice", "example.com"))
            .await
            .unwrap();
        let bob = s
            .create_user(ctx, new_user("bob", "example.com"))
            .await
            .unwrap();
        let carol = s
            .create_user(ctx, new_user("carol", "example.com"))
            .await
            .unwrap();
        let team = s
            .create_group(ctx, "team", "Team", &[carol.id])
            .await
            .unwrap();

        let trips = s
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(alice.id),
                    name: "Trips ✈".into(),
                    color: Some("#ff0000".into()),
                    description: None,
                    sort_order: Some(3),
                    dav_name: None,
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                },
            )
            .await
            .unwrap();
        assert!(
            trips.id >= 20,
            "folder ids start where OX's user folders do"
        );
        assert_eq!(trips.sort_order, Some(3), "{}", db.label);
        assert!(!s
            .visible_folders(ctx, bob.id)
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == trips.id));

        s.set_permission(
            ctx,
            trips.id,
            Permission::parse_level(bob.id, false, "viewer").unwrap(),
        )
        .await
        .unwrap();
        s.set_permission(
            ctx,
            trips.id,
            Permission::for_role(team.id, true, Role::Author),
        )
        .await
        .unwrap();
        let seen_by_bob = s.visible_folders(ctx, bob.id).await.unwrap();
        let shared = seen_by_bob
            .iter()
            .find(|f| f.id == trips.id)
            .expect("shared with bob");
        assert_eq!(shared.permissions.len(), 3);
        assert!(
            s.visible_folders(ctx, carol.id)
                .await
                .unwrap()
                .iter()
                .any(|f| f.id == trips.id),
            "through the group"
        );

        let renamed = s
            .update_folder(
                ctx,
                trips.id,
                FolderUpdate {
                    name: Some("Travel".into()),
                    color: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.color.clone()),
            ("Travel", None)
        );
        assert_eq!(renamed.sort_order, Some(3), "untouched when not named");
        let reordered = s
            .update_folder(
                ctx,
                trips.id,
                FolderUpdate {
                    sort_order: Some(Some(7)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(reordered.sort_order, Some(7));
        assert_eq!(s.folder(ctx, trips.id).await.unwrap().sort_order, Some(7));
        let cleared = s
            .update_folder(
                ctx,
                trips.id,
                FolderUpdate {
                    sort_order: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (cleared.sort_order, cleared.name.as_str()),
            (None, "Travel")
        );

        s.remove_permission(ctx, trips.id, bob.id, false)
            .await
            .unwrap();
        assert!(!s
            .visible_folders(ctx, bob.id)
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == trips.id));

        s.put_object(
            ctx,
            trips.id,
            &event("a.ics", "a", "A"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.delete_folder(ctx, trips.id).await.unwrap();
        assert!(matches!(
            s.folder(ctx, trips.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.object(ctx, trips.id, "a.ics").await.unwrap().is_none());
        assert!(matches!(
            s.delete_folder(ctx, trips.id).await,
            Err(StoreError::NotFound)
        ));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn permissions_are_replaced_as_a_whole_and_unchanged_ones_stay_untouched() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let bob = s
            .create_user(ctx, new_user("bob", "example.com"))
            .await
            .unwrap();
        let team = s.create_group(ctx, "team", "Team", &[]).await.unwrap();
        let owner = Permission::for_role(alice.id, false, Role::Administrator);
        let bob_reads = Permission::for_role(bob.id, false, Role::Viewer);
        let team_writes = Permission::for_role(team.id, true, Role::Author);
        s.set_permission(ctx, cal, bob_reads).await.unwrap();
        let sorted = |mut p: Vec<Permission>| {
            p.sort_by_key(|p| (p.is_group, p.entity));
            p
        };

        s.replace_permissions(ctx, cal, vec![owner, team_writes])
            .await
            .unwrap();
        assert_eq!(
            sorted(s.folder(ctx, cal).await.unwrap().permissions),
            vec![owner, team_writes],
            "{}: bob's permission is gone, the group's is there",
            db.label
        );
        assert!(!s
            .visible_folders(ctx, bob.id)
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == cal));

        // The same set again writes nothing: the folder's sync token stays.
        let seq = s.folder_seq(ctx, cal).await.unwrap();
        s.replace_permissions(ctx, cal, vec![team_writes, owner])
            .await
            .unwrap();
        assert_eq!(s.folder_seq(ctx, cal).await.unwrap(), seq);
        // A changed level is written and moves it.
        let team_reads = Permission::for_role(team.id, true, Role::Viewer);
        s.replace_permissions(ctx, cal, vec![owner, team_reads])
            .await
            .unwrap();
        assert!(s.folder_seq(ctx, cal).await.unwrap() > seq);
        assert_eq!(
            sorted(s.folder(ctx, cal).await.unwrap().permissions),
            vec![owner, team_reads]
        );

        // A folder that is not there changes nothing.
        assert!(matches!(
            s.replace_permissions(ctx, 999_999, vec![owner]).await,
            Err(StoreError::NotFound)
        ));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn conditional_object_writes() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;

        let v1 = event("meeting.ics", "uid-1", "v1");
        let created = s
            .put_object(ctx, cal, &v1, WriteCondition::MustNotExist)
            .await
            .unwrap();
        assert!(created.created);
        assert_eq!(created.etag, etag_of(&v1.data));
        assert!(matches!(
            s.put_object(ctx, cal, &v1, WriteCondition::MustNotExist)
                .await,
            Err(StoreError::PreconditionFailed)
        ));

        let v2 = event("meeting.ics", "uid-1", "v2");
        let updated = s
            .put_object(ctx, cal, &v2, WriteCondition::IfMatch(created.etag.clone()))
            .await
            .unwrap();
        assert!(!updated.created);
        assert_ne!(updated.etag, created.etag);
        let v3 = event("meeting.ics", "uid-1", "v3");
        assert!(
            matches!(
                s.put_object(ctx, cal, &v3, WriteCondition::IfMatch(created.etag.clone()))
                    .await,
                Err(StoreError::PreconditionFailed)
            ),
            "a stale etag must not overwrite"
        );
        assert_eq!(
            s.object(ctx, cal, "meeting.ics")
                .await
                .unwrap()
                .unwrap()
                .data,
            v2.data
        );
        assert!(matches!(
            s.put_object(
                ctx,
                cal,
                &event("missing.ics", "x", "x"),
                WriteCondition::IfMatch("abc".into())
            )
            .await,
            Err(StoreError::PreconditionFailed)
        ));

        // The resource name is the client's; a second name for the same UID conflicts.
        match s
            .put_object(
                ctx,
                cal,
                &event("other-name.ics", "uid-1", "dup"),
                WriteCondition::MustNotExist,
            )
            .await
        {
            Err(StoreError::UidConflict { resource_name }) => {
                assert_eq!(resource_name, "meeting.ics")
            }
            other => panic!("{}: expected a UID conflict, got {other:?}", db.label),
        }
        match s
            .put_object(
                ctx,
                cal,
                &event("other-name.ics", "uid-1", "dup"),
                WriteCondition::Unconditional,
            )
            .await
        {
            Err(StoreError::UidConflict { resource_name }) => {
                assert_eq!(resource_name, "meeting.ics")
            }
            other => panic!("{}: expected a UID conflict, got {other:?}", db.label),
        }
        let by_uid = s.object_by_uid(ctx, cal, "uid-1").await.unwrap().unwrap();
        assert_eq!(by_uid.resource_name, "meeting.ics");

        let replaced = s
            .put_object(ctx, cal, &v3, WriteCondition::Unconditional)
            .await
            .unwrap();
        assert!(!replaced.created);
        let fresh = s
            .put_object(
                ctx,
                cal,
                &event("new.ics", "uid-2", "n"),
                WriteCondition::Unconditional,
            )
            .await
            .unwrap();
        assert!(fresh.created);
        assert!(
            matches!(
                s.put_object(
                    ctx,
                    9999,
                    &event("x.ics", "x", "x"),
                    WriteCondition::MustNotExist
                )
                .await,
                Err(StoreError::NotFound)
            ),
            "{}: writing into a missing folder",
            db.label
        );

        assert!(
            matches!(
                s.delete_object(
                    ctx,
                    cal,
                    "meeting.ics",
                    WriteCondition::IfMatch(created.etag.clone())
                )
                .await,
                Err(StoreError::PreconditionFailed)
            ),
            "{}: delete with a stale etag",
            db.label
        );
        s.delete_object(
            ctx,
            cal,
            "meeting.ics",
            WriteCondition::IfMatch(replaced.etag.clone()),
        )
        .await
        .unwrap();
        assert!(matches!(
            s.delete_object(ctx, cal, "meeting.ics", WriteCondition::Unconditional)
                .await,
            Err(StoreError::NotFound)
        ));
        let names: Vec<String> = summaries(s, ctx, cal)
            .await
            .into_iter()
            .map(|o| o.resource_name)
            .collect();
        assert_eq!(names, vec!["new.ics".to_string()]);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn unicode_and_one_mebibyte_payloads_round_trip() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;

        let unicode = event("Tëst 日本語 🎉.ics", "uid-ü-🎉", "Zürich — 東京 🎉 \u{0}");
        s.put_object(ctx, cal, &unicode, WriteCondition::MustNotExist)
            .await
            .unwrap();
        let back = s
            .object(ctx, cal, "Tëst 日本語 🎉.ics")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.data, unicode.data);
        assert_eq!(back.uid, "uid-ü-🎉");

        let mut big = event("big.ics", "big", "");
        big.data = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
        let outcome = s
            .put_object(ctx, cal, &big, WriteCondition::MustNotExist)
            .await
            .unwrap();
        let back = s.object(ctx, cal, "big.ics").await.unwrap().unwrap();
        assert_eq!(back.data.len(), 1024 * 1024);
        assert!(back.data == big.data, "{}: 1 MiB payload changed", db.label);
        assert_eq!(back.etag, outcome.etag);
        let summary = summaries(s, ctx, cal).await;
        assert_eq!(
            summary
                .iter()
                .find(|o| o.resource_name == "big.ics")
                .unwrap()
                .size,
            1024 * 1024
        );

        // Names that JSON and SQL quote, read by name in one call (the list is bound as
        // one value), with the binary payload among them.
        let quoted = ["a\"b.ics", "back\\slash.ics", "it's.ics", "[1, \"2\"].ics"];
        for (i, name) in quoted.iter().enumerate() {
            s.put_object(
                ctx,
                cal,
                &event(name, &format!("quoted-{i}"), ""),
                WriteCondition::MustNotExist,
            )
            .await
            .unwrap();
        }
        let mut wanted: Vec<String> = quoted.iter().map(|name| name.to_string()).collect();
        wanted.extend(["Tëst 日本語 🎉.ics".to_string(), "big.ics".to_string()]);
        let found = s.objects_by_names(ctx, cal, &wanted).await.unwrap();
        let mut found_names: Vec<&str> = found.iter().map(|o| o.resource_name.as_str()).collect();
        found_names.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(found_names, wanted, "{}", db.label);
        let big_back = found.iter().find(|o| o.resource_name == "big.ics").unwrap();
        assert!(
            big_back.data == big.data,
            "{}: 1 MiB payload changed by name",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn change_log_follows_writes_and_tombstones() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        let start = s.current_seq(ctx).await.unwrap();
        let ctag0 = s.folder_seq(ctx, cal).await.unwrap();

        s.put_object(
            ctx,
            cal,
            &event("a.ics", "a", "A"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.put_object(
            ctx,
            cal,
            &event("b.ics", "b", "B"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        let token = s.current_seq(ctx).await.unwrap();
        assert_eq!(token, start + 2, "{}: one step per change", db.label);
        assert!(s.folder_seq(ctx, cal).await.unwrap() > ctag0);
        let first = s.changes_since(ctx, cal, start).await.unwrap();
        assert_eq!(
            first
                .iter()
                .map(|c| c.resource_name.as_str())
                .collect::<Vec<_>>(),
            vec!["a.ics", "b.ics"]
        );

        s.put_object(
            ctx,
            cal,
            &event("a.ics", "a", "A2"),
            WriteCondition::Unconditional,
        )
        .await
        .unwrap();
        s.delete_object(ctx, cal, "b.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        let later = s.changes_since(ctx, cal, token).await.unwrap();
        assert_eq!(
            later,
            vec![
                Change {
                    resource_name: "a.ics".into(),
                    seq: token + 1,
                    deleted: false
                },
                Change {
                    resource_name: "b.ics".into(),
                    seq: token + 2,
                    deleted: true
                },
            ]
        );
        assert!(s
            .changes_since(ctx, cal, token + 2)
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            s.changes_since(ctx, cal, token + 100).await,
            Err(StoreError::InvalidSyncToken(_))
        ));

        // Folder renames and shares are changes of the folder itself.
        let before_rename = s.current_seq(ctx).await.unwrap();
        s.update_folder(
            ctx,
            cal,
            FolderUpdate {
                name: Some("Work".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let folder_changes = s.changes_since(ctx, cal, before_rename).await.unwrap();
        assert_eq!(folder_changes.len(), 1);
        assert_eq!(folder_changes[0].resource_name, "");

        // Pruning tombstones invalidates tokens older than them.
        let pruned = s.prune_changes(ctx, i64::MAX).await.unwrap();
        assert_eq!(pruned, 1);
        assert!(matches!(
            s.changes_since(ctx, cal, start).await,
            Err(StoreError::InvalidSyncToken(_))
        ));
        assert!(s.changes_since(ctx, cal, token + 2).await.is_ok());
        db.drop_database().await;
    }
}

/// The size of `name` as a PROPFIND listing and an initial sync give it.
async fn listed_sizes(s: &DynStore, ctx: ContextId, folder: FolderId, name: &str) -> (i64, i64) {
    use futures::TryStreamExt;
    let summaries: Vec<ObjectSummary> = s
        .object_summary_stream(ctx, folder, MemberFilter::default())
        .try_collect()
        .await
        .unwrap();
    let members: Vec<SyncMember> = s
        .sync_stream(ctx, &[folder], 0, MemberFilter::default())
        .try_collect()
        .await
        .unwrap();
    let summary = summaries.iter().find(|m| m.resource_name == name).unwrap();
    let member = members.iter().find(|m| m.resource_name == name).unwrap();
    (summary.size, member.size.unwrap())
}

#[tokio::test]
async fn writes_through_plain_sql_move_the_change_log() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let token = s.current_seq(ctx).await.unwrap();

        db.raw_sql(&format!(
            "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, created_at, modified_at) \
             VALUES ({ctx}, {cal}, 'foreign.ics', 'foreign', 'VEVENT', {}, 0, 0)",
            db.blob_literal(b"BEGIN")
        )).await;
        let after_insert = s.current_seq(ctx).await.unwrap();
        assert!(
            after_insert > token,
            "{}: a foreign insert moves the sequence",
            db.label
        );
        let inserted = s.object(ctx, cal, "foreign.ics").await.unwrap().unwrap();
        assert!(
            !inserted.etag.is_empty(),
            "{}: a foreign insert gets an etag",
            db.label
        );
        assert_eq!(
            listed_sizes(s, ctx, cal, "foreign.ics").await,
            (5, 5),
            "{}: listings give a foreign insert's size",
            db.label
        );
        let changes = s.changes_since(ctx, cal, token).await.unwrap();
        assert!(changes
            .iter()
            .any(|c| c.resource_name == "foreign.ics" && !c.deleted));

        db.raw_sql(&format!(
            "UPDATE objects SET data = {} WHERE context_id = {ctx} AND folder_id = {cal} AND resource_name = 'foreign.ics'",
            db.blob_literal(b"END")
        )).await;
        let updated = s.object(ctx, cal, "foreign.ics").await.unwrap().unwrap();
        assert_eq!(updated.data, b"END");
        assert_eq!(
            listed_sizes(s, ctx, cal, "foreign.ics").await,
            (3, 3),
            "{}: listings follow a foreign update's size",
            db.label
        );
        assert_ne!(
            updated.etag, inserted.etag,
            "{}: changed bytes get a new etag",
            db.label
        );
        assert!(s
            .changes_since(ctx, cal, after_insert)
            .await
            .unwrap()
            .iter()
            .any(|c| c.resource_name == "foreign.ics"));
        let before_delete = s.current_seq(ctx).await.unwrap();

        db.raw_sql(&format!(
            "DELETE FROM objects WHERE context_id = {ctx} AND folder_id = {cal}"
        ))
        .await;
        assert_eq!(
            s.changes_since(ctx, cal, before_delete).await.unwrap(),
            vec![Change {
                resource_name: "foreign.ics".into(),
                seq: before_delete + 1,
                deleted: true
            }]
        );

        let before_move = s.current_seq(ctx).await.unwrap();
        s.put_object(
            ctx,
            cal,
            &event("m.ics", "m", "M"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        db.raw_sql(&format!("UPDATE objects SET folder_id = {tasks} WHERE context_id = {ctx} AND resource_name = 'm.ics'")).await;
        let left = s.changes_since(ctx, cal, before_move).await.unwrap();
        assert!(
            left.iter().any(|c| c.resource_name == "m.ics" && c.deleted),
            "{}: a moved member leaves as deleted",
            db.label
        );
        let arrived = s.changes_since(ctx, tasks, before_move).await.unwrap();
        assert!(arrived
            .iter()
            .any(|c| c.resource_name == "m.ics" && !c.deleted));
        db.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_conditional_writes_have_exactly_one_winner() {
    for db in common::databases().await {
        let s = db.store.clone();
        let (ctx, _, cal) = alice_and_calendar(&s).await;

        let racers = 24;
        let barrier = Arc::new(tokio::sync::Barrier::new(racers));
        let mut tasks = Vec::new();
        for i in 0..racers {
            let (s, barrier) = (s.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                s.put_object(
                    ctx,
                    cal,
                    &event("race.ics", "race", &format!("writer {i}")),
                    WriteCondition::MustNotExist,
                )
                .await
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(outcome) => winners.push(outcome),
                Err(StoreError::PreconditionFailed) => {}
                Err(other) => panic!("{}: unexpected {other:?}", db.label),
            }
        }
        assert_eq!(winners.len(), 1, "{}: exactly one creator wins", db.label);
        let base = winners[0].etag.clone();

        let barrier = Arc::new(tokio::sync::Barrier::new(racers));
        let mut tasks = Vec::new();
        for i in 0..racers {
            let (s, barrier, base) = (s.clone(), barrier.clone(), base.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let body = event("race.ics", "race", &format!("update {i}"));
                s.put_object(ctx, cal, &body, WriteCondition::IfMatch(base))
                    .await
                    .map(|o| (i, o))
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(won) => winners.push(won),
                Err(StoreError::PreconditionFailed) => {}
                Err(other) => panic!("{}: unexpected {other:?}", db.label),
            }
        }
        assert_eq!(winners.len(), 1, "{}: exactly one updater wins", db.label);
        let stored = s.object(ctx, cal, "race.ics").await.unwrap().unwrap();
        assert_eq!(
            stored.data,
            event("race.ics", "race", &format!("update {}", winners[0].0)).data
        );
        db.drop_database().await;
    }
}

/// A member with the given recurrence-set bounds; its UID is its name.
fn timed(name: &str, component: &str, start: Option<i64>, end: Option<i64>) -> WriteObject {
    WriteObject {
        start_at: start,
        end_at: end,
        ..event_like(component, name, name, &format!("{component} {name}"))
    }
}

/// `count` members named m10001.ics, m10002.ics, ... written in one plain SQL statement.
async fn bulk_members(db: &common::TestDb, ctx: ContextId, folder: FolderId, count: usize) {
    let payload = db.blob_literal(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    bulk_members_of(db, ctx, folder, count, &payload).await;
}

/// Like `bulk_members`, each member's data being the SQL expression `payload`.
async fn bulk_members_of(
    db: &common::TestDb,
    ctx: ContextId,
    folder: FolderId,
    count: usize,
    payload: &str,
) {
    db.raw_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, created_at, modified_at) \
         SELECT {ctx}, {folder}, 'm' || CAST(10000 + i AS TEXT) || '.ics', 'u' || CAST(i AS TEXT), 'VEVENT', {payload}, 0, 0 FROM n"
    ))
    .await;
}

fn bulk_name(i: usize) -> String {
    format!("m{}.ics", 10000 + i)
}

async fn names_of<T>(
    stream: futures::stream::BoxStream<'static, StoreResult<T>>,
    name: fn(&T) -> &str,
) -> Vec<String> {
    use futures::TryStreamExt;
    let items: Vec<T> = stream.try_collect().await.unwrap();
    items.iter().map(|i| name(i).to_string()).collect()
}

fn window(start: i64, end: i64) -> MemberFilter {
    MemberFilter {
        window: Some((start, end)),
        component: None,
    }
}

#[tokio::test]
async fn member_streams_cover_exactly_the_window_and_component() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let members = [
            timed("a-ends-at-window-start.ics", "VEVENT", Some(100), Some(200)),
            timed("b-overlaps-start.ics", "VEVENT", Some(150), Some(250)),
            timed("c-inside.ics", "VEVENT", Some(300), Some(400)),
            timed("d-open-start.ics", "VEVENT", None, Some(250)),
            timed("e-open-end.ics", "VEVENT", Some(350), None),
            timed("f-starts-at-window-end.ics", "VEVENT", Some(500), Some(600)),
            timed("g-undated-task.ics", "VTODO", None, None),
            timed(
                "h-instant-at-window-start.ics",
                "VEVENT",
                Some(200),
                Some(200),
            ),
            timed("i-open-end-after.ics", "VEVENT", Some(600), None),
            timed("j-open-start-before.ics", "VEVENT", None, Some(150)),
            timed("k-covers-window.ics", "VTODO", Some(0), Some(1000)),
        ];
        // Written out of order: the streams sort by name.
        for m in members.iter().rev() {
            s.put_object(ctx, cal, m, WriteCondition::MustNotExist)
                .await
                .unwrap();
        }
        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        s.put_object(
            ctx,
            tasks,
            &timed("c-inside.ics", "VTODO", Some(300), Some(400)),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();

        fn summary_name(o: &ObjectSummary) -> &str {
            &o.resource_name
        }
        fn object_name(o: &StoredObject) -> &str {
            &o.resource_name
        }
        let all: Vec<String> = members.iter().map(|m| m.resource_name.clone()).collect();
        assert_eq!(
            names_of(
                s.object_summary_stream(ctx, cal, MemberFilter::default()),
                summary_name
            )
            .await,
            all,
            "{}",
            db.label
        );
        let in_window = vec![
            "b-overlaps-start.ics",
            "c-inside.ics",
            "d-open-start.ics",
            "e-open-end.ics",
            "g-undated-task.ics",
            "h-instant-at-window-start.ics",
            "k-covers-window.ics",
        ];
        assert_eq!(
            names_of(
                s.object_summary_stream(ctx, cal, window(200, 500)),
                summary_name
            )
            .await,
            in_window,
            "{}",
            db.label
        );
        assert_eq!(
            names_of(s.object_stream(ctx, cal, window(200, 500)), object_name).await,
            in_window,
            "{}",
            db.label
        );
        let tasks_in_window = MemberFilter {
            window: Some((200, 500)),
            component: Some("VTODO".into()),
        };
        assert_eq!(
            names_of(s.object_stream(ctx, cal, tasks_in_window), object_name).await,
            vec!["g-undated-task.ics", "k-covers-window.ics"]
        );
        let events = MemberFilter {
            window: None,
            component: Some("VEVENT".into()),
        };
        assert_eq!(
            names_of(s.object_summary_stream(ctx, cal, events), summary_name)
                .await
                .len(),
            9
        );

        // The streamed values are the stored ones, member by member.
        use futures::TryStreamExt;
        let objects: Vec<StoredObject> = s
            .object_stream(ctx, cal, MemberFilter::default())
            .try_collect()
            .await
            .unwrap();
        let listed = summaries(s, ctx, cal).await;
        assert_eq!(
            objects.iter().map(object_name).collect::<Vec<_>>(),
            all,
            "{}",
            db.label
        );
        assert_eq!(
            listed.iter().map(summary_name).collect::<Vec<_>>(),
            all,
            "{}",
            db.label
        );
        for (object, summary) in objects.iter().zip(&listed) {
            let written = members
                .iter()
                .find(|m| m.resource_name == object.resource_name)
                .unwrap();
            assert_eq!(object.data, written.data);
            assert_eq!(
                (object.start_at, object.end_at),
                (written.start_at, written.end_at)
            );
            assert_eq!(summary.etag, etag_of(&written.data));
            assert_eq!(summary.size, written.data.len() as i64);
        }
        assert!(
            names_of(
                s.object_stream(ctx, 9999, MemberFilter::default()),
                object_name
            )
            .await
            .is_empty(),
            "a missing folder has no members"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn large_streams_are_read_as_consumed_and_stop_when_dropped() {
    use futures::StreamExt;
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        bulk_members(&db, ctx, cal, 2000).await;

        let mut count = 0;
        let mut previous = String::new();
        let mut stream = s.object_summary_stream(ctx, cal, MemberFilter::default());
        while let Some(summary) = stream.next().await {
            let summary = summary.unwrap();
            assert!(summary.resource_name > previous, "{}: ordered", db.label);
            assert!(!summary.etag.is_empty());
            previous = summary.resource_name;
            count += 1;
        }
        assert_eq!(count, 2000, "{}", db.label);

        // More abandoned streams than the pool has connections: each must give its
        // connection back when dropped, or the store would stall.
        let abandon = async {
            for _ in 0..24 {
                let first: Vec<String> = s
                    .object_stream(ctx, cal, MemberFilter::default())
                    .take(3)
                    .map(|o| o.unwrap().resource_name)
                    .collect()
                    .await;
                assert_eq!(first, vec![bulk_name(1), bulk_name(2), bulk_name(3)]);
                let mut held = s.object_stream(ctx, cal, MemberFilter::default());
                held.next().await.unwrap().unwrap();
                drop(held);
            }
            s.object(ctx, cal, &bulk_name(2000)).await.unwrap().unwrap()
        };
        let last = tokio::time::timeout(std::time::Duration::from_secs(60), abandon)
            .await
            .unwrap_or_else(|_| panic!("{}: dropped streams kept their connections", db.label));
        assert_eq!(last.resource_name, bulk_name(2000));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn objects_by_names_reads_in_batches_and_skips_missing_names() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        bulk_members(&db, ctx, cal, 1200).await;

        let mut names: Vec<String> = (1..=1200).rev().map(bulk_name).collect();
        names.extend((1..=60).map(|i| format!("missing-{i}.ics")));
        names.push(bulk_name(7));
        let found = s.objects_by_names(ctx, cal, &names).await.unwrap();
        let expected: Vec<String> = (1..=1200).map(bulk_name).collect();
        assert_eq!(
            found
                .iter()
                .map(|o| o.resource_name.clone())
                .collect::<Vec<_>>(),
            expected,
            "{}",
            db.label
        );
        assert_eq!(found[0].data, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");

        let few = s
            .objects_by_names(ctx, cal, &[bulk_name(5), "nope.ics".into(), bulk_name(3)])
            .await
            .unwrap();
        assert_eq!(
            few.iter()
                .map(|o| o.resource_name.as_str())
                .collect::<Vec<_>>(),
            vec![bulk_name(3), bulk_name(5)]
        );
        assert!(s.objects_by_names(ctx, cal, &[]).await.unwrap().is_empty());
        db.drop_database().await;
    }
}

async fn sync(
    s: &DynStore,
    ctx: ContextId,
    folder: FolderId,
    since: i64,
    filter: MemberFilter,
) -> Vec<SyncMember> {
    use futures::TryStreamExt;
    s.sync_stream(ctx, &[folder], since, filter)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn sync_stream_initial_and_incremental() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        let a = timed("a.ics", "VEVENT", Some(100), Some(200));
        let b = timed("b.ics", "VEVENT", Some(100), Some(200));
        let gone = timed("gone.ics", "VEVENT", Some(100), Some(200));
        for m in [&gone, &b, &a] {
            s.put_object(ctx, cal, m, WriteCondition::MustNotExist)
                .await
                .unwrap();
        }
        s.delete_object(ctx, cal, "gone.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        s.put_object(
            ctx,
            tasks,
            &timed("moving.ics", "VTODO", None, None),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();

        let token = s.current_seq(ctx).await.unwrap();
        let initial = sync(s, ctx, cal, 0, MemberFilter::default()).await;
        assert_eq!(
            initial
                .iter()
                .map(|m| m.resource_name.as_str())
                .collect::<Vec<_>>(),
            vec!["b.ics", "a.ics"],
            "{}: live members in change order, no tombstones",
            db.label
        );
        for (member, written) in initial.iter().zip([&b, &a]) {
            assert!(!member.deleted && member.seq > 0 && member.seq <= token);
            assert_eq!(member.etag, Some(etag_of(&written.data)));
            assert_eq!(member.size, Some(written.data.len() as i64));
        }

        // Changes after the token: an update, a delete, a move in, a member outside the
        // window, and a rename of the folder (not a member).
        let a2 = WriteObject {
            data: b"VEVENT a.ics, second version".to_vec(),
            ..a.clone()
        };
        let updated = s
            .put_object(ctx, cal, &a2, WriteCondition::Unconditional)
            .await
            .unwrap();
        s.delete_object(ctx, cal, "b.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        s.move_object(
            ctx,
            tasks,
            "moving.ics",
            cal,
            "moved.ics",
            WriteCondition::Unconditional,
            false,
        )
        .await
        .unwrap();
        s.put_object(
            ctx,
            cal,
            &timed("late.ics", "VEVENT", Some(5000), Some(6000)),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.update_folder(
            ctx,
            cal,
            FolderUpdate {
                name: Some("Renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        let later = sync(s, ctx, cal, token, MemberFilter::default()).await;
        let seen: Vec<(&str, bool, Option<&str>)> = later
            .iter()
            .map(|m| (m.resource_name.as_str(), m.deleted, m.etag.as_deref()))
            .collect();
        let moved_etag = etag_of(&timed("moving.ics", "VTODO", None, None).data);
        let late_etag = etag_of(&timed("late.ics", "VEVENT", Some(5000), Some(6000)).data);
        assert_eq!(
            seen,
            vec![
                ("a.ics", false, Some(updated.etag.as_str())),
                ("b.ics", true, None),
                ("moved.ics", false, Some(moved_etag.as_str())),
                ("late.ics", false, Some(late_etag.as_str())),
            ],
            "{}",
            db.label
        );
        assert!(later.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(later[0].size, Some(a2.data.len() as i64));
        assert_eq!(later[1].size, None);

        let windowed = sync(s, ctx, cal, token, window(0, 1000)).await;
        assert_eq!(
            windowed
                .iter()
                .map(|m| m.resource_name.as_str())
                .collect::<Vec<_>>(),
            vec!["a.ics", "b.ics", "moved.ics"],
            "{}: live members outside the filter left out, tombstones kept",
            db.label
        );
        let initial_windowed = sync(s, ctx, cal, 0, window(0, 1000)).await;
        assert_eq!(
            initial_windowed
                .iter()
                .map(|m| m.resource_name.as_str())
                .collect::<Vec<_>>(),
            vec!["a.ics", "moved.ics"]
        );
        let left = sync(s, ctx, tasks, token, MemberFilter::default()).await;
        assert_eq!(
            left.iter()
                .map(|m| (m.resource_name.as_str(), m.deleted))
                .collect::<Vec<_>>(),
            vec![("moving.ics", true)],
            "{}: a member moved away is a tombstone where it was",
            db.label
        );

        // Tokens: the current one is valid and empty; beyond it or below the floor is not.
        let now = s.current_seq(ctx).await.unwrap();
        s.check_sync_token(ctx, now).await.unwrap();
        assert!(sync(s, ctx, cal, now, MemberFilter::default())
            .await
            .is_empty());
        for bad in [now + 1, -1] {
            assert!(matches!(
                s.check_sync_token(ctx, bad).await,
                Err(StoreError::InvalidSyncToken(t)) if t == bad
            ));
            use futures::StreamExt;
            let items: Vec<_> = s
                .sync_stream(ctx, &[cal], bad, MemberFilter::default())
                .collect()
                .await;
            assert!(
                matches!(items.as_slice(), [Err(StoreError::InvalidSyncToken(_))]),
                "{}: {items:?}",
                db.label
            );
        }
        s.prune_changes(ctx, i64::MAX).await.unwrap();
        assert!(matches!(
            s.check_sync_token(ctx, token).await,
            Err(StoreError::InvalidSyncToken(_))
        ));
        s.check_sync_token(ctx, now).await.unwrap();
        s.check_sync_token(ctx, 0).await.unwrap_err();
        assert_eq!(
            sync(s, ctx, cal, 0, MemberFilter::default()).await.len(),
            3,
            "{}: an initial sync needs no token, pruned or not",
            db.label
        );
        db.drop_database().await;
    }
}

fn prop(namespace: &str, name: &str, value: &str) -> DeadProperty {
    DeadProperty {
        namespace: namespace.into(),
        name: name.into(),
        value: value.into(),
    }
}

#[tokio::test]
async fn sync_stream_reads_several_folders_in_one_sequence() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        let other = default_folder(s, ctx, alice.id, FolderModule::Contacts)
            .await
            .id;
        // Written alternately, so that only an ordering across folders interleaves them.
        for (folder, name, component) in [
            (cal, "1.ics", "VEVENT"),
            (tasks, "2.ics", "VTODO"),
            (cal, "3.ics", "VEVENT"),
            (other, "4.vcf", "VCARD"),
            (tasks, "5.ics", "VTODO"),
        ] {
            s.put_object(
                ctx,
                folder,
                &timed(name, component, None, None),
                WriteCondition::MustNotExist,
            )
            .await
            .unwrap();
        }
        let token = s.current_seq(ctx).await.unwrap();
        let read = |since| {
            let s = s.clone();
            async move {
                use futures::TryStreamExt;
                s.sync_stream(ctx, &[tasks, cal], since, MemberFilter::default())
                    .try_collect::<Vec<SyncMember>>()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| (m.folder_id, m.resource_name, m.deleted))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            read(0).await,
            vec![
                (cal, "1.ics".to_string(), false),
                (tasks, "2.ics".to_string(), false),
                (cal, "3.ics".to_string(), false),
                (tasks, "5.ics".to_string(), false),
            ],
            "{}: both folders in change order, the third left out",
            db.label
        );
        s.delete_object(ctx, tasks, "2.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        s.put_object(
            ctx,
            other,
            &timed("6.vcf", "VCARD", None, None),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.put_object(
            ctx,
            cal,
            &timed("1.ics", "VEVENT", Some(1), Some(2)),
            WriteCondition::Unconditional,
        )
        .await
        .unwrap();
        assert_eq!(
            read(token).await,
            vec![
                (tasks, "2.ics".to_string(), true),
                (cal, "1.ics".to_string(), false),
            ],
            "{}",
            db.label
        );
        use futures::StreamExt;
        assert!(s
            .sync_stream(ctx, &[], 0, MemberFilter::default())
            .next()
            .await
            .is_none());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn dead_properties_set_replace_remove_and_follow_their_member() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        const APPLE: &str = "http://apple.com/ns/ical/";
        const MINE: &str = "urn:example:x";

        let ctag = s.folder_seq(ctx, cal).await.unwrap();
        s.update_dead_properties(
            ctx,
            cal,
            "",
            &[
                prop(MINE, "note", "<b>ünïcode</b>"),
                prop(APPLE, "refreshrate", "P1D"),
            ],
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            s.dead_properties(ctx, cal, "").await.unwrap(),
            vec![
                prop(APPLE, "refreshrate", "P1D"),
                prop(MINE, "note", "<b>ünïcode</b>")
            ],
            "{}",
            db.label
        );
        assert!(
            s.folder_seq(ctx, cal).await.unwrap() > ctag,
            "{}: a collection's properties move its ctag",
            db.label
        );

        s.update_dead_properties(
            ctx,
            cal,
            "",
            &[prop(APPLE, "refreshrate", "PT1H")],
            &[
                (MINE.to_string(), "note".to_string()),
                (MINE.to_string(), "never-set".to_string()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            s.dead_properties(ctx, cal, "").await.unwrap(),
            vec![prop(APPLE, "refreshrate", "PT1H")]
        );

        // A member's properties: only for a member that exists, kept apart from the
        // collection's, carried along by a move, gone with the member.
        assert!(matches!(
            s.update_dead_properties(ctx, cal, "nobody.ics", &[prop(MINE, "a", "1")], &[])
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.update_dead_properties(ctx, 9999, "", &[prop(MINE, "a", "1")], &[])
                .await,
            Err(StoreError::NotFound)
        ));
        s.put_object(
            ctx,
            cal,
            &event("p.ics", "p", "P"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.update_dead_properties(ctx, cal, "p.ics", &[prop(MINE, "tag", "red")], &[])
            .await
            .unwrap();
        assert_eq!(
            s.dead_properties(ctx, cal, "p.ics").await.unwrap(),
            vec![prop(MINE, "tag", "red")]
        );
        assert_eq!(s.dead_properties(ctx, cal, "").await.unwrap().len(), 1);

        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        s.move_object(
            ctx,
            cal,
            "p.ics",
            tasks,
            "q.ics",
            WriteCondition::Unconditional,
            false,
        )
        .await
        .unwrap();
        assert!(s
            .dead_properties(ctx, cal, "p.ics")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.dead_properties(ctx, tasks, "q.ics").await.unwrap(),
            vec![prop(MINE, "tag", "red")],
            "{}: properties move with their member",
            db.label
        );
        s.delete_object(ctx, tasks, "q.ics", WriteCondition::Unconditional)
            .await
            .unwrap();
        s.put_object(
            ctx,
            tasks,
            &event("q.ics", "q", "Q"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        assert!(
            s.dead_properties(ctx, tasks, "q.ics")
                .await
                .unwrap()
                .is_empty(),
            "{}: a new member under an old name starts without properties",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn move_object_checks_conditions_and_logs_both_folders() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let work = s
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(alice.id),
                    name: "Work".into(),
                    color: None,
                    description: None,
                    sort_order: None,
                    dav_name: None,
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                },
            )
            .await
            .unwrap()
            .id;
        let m = event("m.ics", "m", "M");
        let written = s
            .put_object(ctx, cal, &m, WriteCondition::MustNotExist)
            .await
            .unwrap();
        s.put_object(
            ctx,
            work,
            &event("taken.ics", "t", "T"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        let still_there = |label: &'static str| async move {
            let src = s.object(ctx, cal, "m.ics").await.unwrap();
            assert!(src.is_some(), "{}: {label}: source kept", db.label);
        };

        let moving = |to_name: &'static str, condition: WriteCondition, overwrite: bool| {
            s.move_object(ctx, cal, "m.ics", work, to_name, condition, overwrite)
        };
        assert!(matches!(
            moving("x.ics", WriteCondition::IfMatch("stale".into()), true).await,
            Err(StoreError::PreconditionFailed)
        ));
        still_there("stale etag").await;
        assert!(matches!(
            moving("x.ics", WriteCondition::MustNotExist, true).await,
            Err(StoreError::PreconditionFailed)
        ));
        assert!(matches!(
            moving("taken.ics", WriteCondition::Unconditional, false).await,
            Err(StoreError::PreconditionFailed)
        ));
        still_there("no overwrite").await;
        assert_eq!(
            s.object(ctx, work, "taken.ics").await.unwrap().unwrap().uid,
            "t",
            "{}: the target is untouched",
            db.label
        );

        s.put_object(
            ctx,
            work,
            &event("same-uid.ics", "m", "M elsewhere"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        match moving("x.ics", WriteCondition::Unconditional, true).await {
            Err(StoreError::UidConflict { resource_name }) => {
                assert_eq!(resource_name, "same-uid.ics")
            }
            other => panic!("{}: expected a UID conflict, got {other:?}", db.label),
        }
        still_there("UID conflict").await;
        s.delete_object(ctx, work, "same-uid.ics", WriteCondition::Unconditional)
            .await
            .unwrap();

        let before = s.current_seq(ctx).await.unwrap();
        let moved = moving(
            "taken.ics",
            WriteCondition::IfMatch(written.etag.clone()),
            true,
        )
        .await
        .unwrap();
        assert_eq!(
            moved,
            WriteOutcome {
                etag: written.etag.clone(),
                created: false
            },
            "{}: replaced the target, same bytes, same etag",
            db.label
        );
        assert!(s.object(ctx, cal, "m.ics").await.unwrap().is_none());
        let target = s.object(ctx, work, "taken.ics").await.unwrap().unwrap();
        assert_eq!((target.uid.as_str(), &target.data), ("m", &m.data));
        let source_log = s.changes_since(ctx, cal, before).await.unwrap();
        assert_eq!(
            source_log
                .iter()
                .map(|c| (c.resource_name.as_str(), c.deleted))
                .collect::<Vec<_>>(),
            vec![("m.ics", true)],
            "{}",
            db.label
        );
        assert!(s
            .changes_since(ctx, work, before)
            .await
            .unwrap()
            .iter()
            .any(|c| c.resource_name == "taken.ics" && !c.deleted));

        // A rename within one folder creates the new name.
        let renamed = s
            .move_object(
                ctx,
                work,
                "taken.ics",
                work,
                "renamed.ics",
                WriteCondition::Unconditional,
                false,
            )
            .await
            .unwrap();
        assert!(renamed.created);
        assert!(s.object(ctx, work, "renamed.ics").await.unwrap().is_some());
        assert!(matches!(
            s.move_object(
                ctx,
                work,
                "renamed.ics",
                work,
                "renamed.ics",
                WriteCondition::Unconditional,
                true
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.move_object(
                ctx,
                work,
                "absent.ics",
                cal,
                "x.ics",
                WriteCondition::Unconditional,
                true
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(
            matches!(
                s.move_object(
                    ctx,
                    work,
                    "renamed.ics",
                    9999,
                    "x.ics",
                    WriteCondition::Unconditional,
                    true
                )
                .await,
                Err(StoreError::NotFound)
            ),
            "{}: into a missing folder",
            db.label
        );
        assert!(s.object(ctx, work, "renamed.ics").await.unwrap().is_some());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn deleting_a_folder_logs_its_tombstone_and_removes_its_content() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        for name in ["a.ics", "b.ics"] {
            s.put_object(
                ctx,
                cal,
                &event(name, name, name),
                WriteCondition::MustNotExist,
            )
            .await
            .unwrap();
        }
        s.update_dead_properties(ctx, cal, "", &[prop("urn:x", "p", "1")], &[])
            .await
            .unwrap();
        s.update_dead_properties(ctx, cal, "a.ics", &[prop("urn:x", "p", "2")], &[])
            .await
            .unwrap();
        let before = s.current_seq(ctx).await.unwrap();

        s.delete_folder(ctx, cal).await.unwrap();
        let log = s.changes_since(ctx, cal, before).await.unwrap();
        let folder_row = log.iter().find(|c| c.resource_name.is_empty());
        assert!(
            matches!(folder_row, Some(Change { deleted: true, .. })),
            "{}: {log:?}",
            db.label
        );
        assert_eq!(
            log.iter().map(|c| c.seq).max(),
            folder_row.map(|c| c.seq),
            "the folder's tombstone is its last change"
        );
        for name in ["a.ics", "b.ics"] {
            assert!(log.iter().any(|c| c.resource_name == name && c.deleted));
            assert!(s.object(ctx, cal, name).await.unwrap().is_none());
        }
        for name in ["", "a.ics"] {
            assert!(
                s.dead_properties(ctx, cal, name).await.unwrap().is_empty(),
                "{}: dead properties of {name:?} left behind",
                db.label
            );
        }
        db.drop_database().await;
    }
}

/// Objects larger than a listing's page budget (4 MiB) are listed whole, one per page,
/// and smaller ones several per page, none lost at a page boundary.
#[tokio::test]
async fn object_listings_page_large_objects_whole() {
    use futures::TryStreamExt;
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        let sizes = [5 << 20, 3 << 20, 3 << 20, 1 << 20, 5 << 20, 10, 3 << 20];
        for (i, size) in sizes.iter().enumerate() {
            let mut object = event(&bulk_name(i + 1), &format!("u{i}"), "big");
            object.data.resize(*size, b'x');
            s.put_object(ctx, cal, &object, WriteCondition::MustNotExist)
                .await
                .unwrap();
        }
        let listed: Vec<StoredObject> = s
            .object_stream(ctx, cal, MemberFilter::default())
            .try_collect()
            .await
            .unwrap();
        let listed: Vec<(String, usize)> = listed
            .into_iter()
            .map(|o| (o.resource_name, o.data.len()))
            .collect();
        let expected: Vec<(String, usize)> = sizes
            .iter()
            .enumerate()
            .map(|(i, size)| (bulk_name(i + 1), *size))
            .collect();
        assert_eq!(listed, expected, "{}", db.label);
        db.drop_database().await;
    }
}

/// Whether the store's database runs a statement for a stream: on PostgreSQL an active
/// query reading objects; on SQLite a read snapshot that keeps a checkpoint from copying
/// the whole write-ahead log.
async fn stream_query_open(db: &common::TestDb, ctx: ContextId, folder: FolderId) -> bool {
    use sqlx::{Connection, Row};
    if db.url.starts_with("sqlite:") {
        // A fresh write after the stream's snapshot, then a checkpoint that cannot wait.
        db.raw_sql(&format!(
            "UPDATE folders SET modified_at = modified_at + 1 WHERE context_id = {ctx} AND id = {folder}"
        ))
        .await;
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let (log, copied): (i64, i64) = (row.get(1), row.get(2));
        copied < log
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%FROM objects o%'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        active > 0
    }
}

/// A listing reads a page at a time and gives its connection back between pages: while
/// its consumer pauses, no query of it is open, and what it has not read yet it reads only
/// when the consumer gets there (a member deleted meanwhile is not listed).
#[tokio::test]
async fn a_held_stream_holds_no_query_and_reads_no_further_than_its_page() {
    use futures::StreamExt;
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, _, cal) = alice_and_calendar(s).await;
        // 2,000 members of 16 KiB: 32 MiB, many pages.
        let payload = if db.url.starts_with("sqlite:") {
            "zeroblob(16384)".to_string()
        } else {
            "decode(repeat('00', 16384), 'hex')".to_string()
        };
        bulk_members_of(&db, ctx, cal, 2000, &payload).await;

        let mut held = s.object_stream(ctx, cal, MemberFilter::default());
        for i in 1..=3 {
            let object = held.next().await.unwrap().unwrap();
            assert_eq!(
                (object.resource_name, object.data.len()),
                (bulk_name(i), 16384)
            );
        }
        assert!(
            !stream_query_open(&db, ctx, cal).await,
            "{}: no query stays open while the consumer pauses",
            db.label
        );
        let unread = bulk_name(1500);
        s.delete_object(ctx, cal, &unread, WriteCondition::Unconditional)
            .await
            .unwrap();
        let mut rest = Vec::new();
        while let Some(object) = held.next().await {
            rest.push(object.unwrap().resource_name);
        }
        let expected: Vec<String> = (4..=2000)
            .map(bulk_name)
            .filter(|name| *name != unread)
            .collect();
        assert_eq!(rest, expected, "{}: the rest, read as it is now", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn several_folders_and_users_are_read_in_one_call_each() {
    for db in common::databases().await {
        let s = &db.store;
        let (ctx, alice, cal) = alice_and_calendar(s).await;
        let bob = s
            .create_user(ctx, new_user("bob", "example.com"))
            .await
            .unwrap();
        let tasks = default_folder(s, ctx, alice.id, FolderModule::Tasks)
            .await
            .id;
        s.put_object(
            ctx,
            cal,
            &event("a.ics", "a", "A"),
            WriteCondition::MustNotExist,
        )
        .await
        .unwrap();
        s.update_dead_properties(ctx, cal, "", &[prop("urn:x", "note", "n")], &[])
            .await
            .unwrap();
        // A member's dead property is not the collection's.
        s.update_dead_properties(ctx, cal, "a.ics", &[prop("urn:x", "member", "m")], &[])
            .await
            .unwrap();

        let seqs = s.folder_seqs(ctx, &[cal, tasks, 9999]).await.unwrap();
        assert_eq!(
            seqs.get(&cal),
            Some(&s.folder_seq(ctx, cal).await.unwrap()),
            "{}",
            db.label
        );
        assert_eq!(
            seqs.get(&tasks),
            Some(&s.folder_seq(ctx, tasks).await.unwrap()),
            "{}",
            db.label
        );
        assert!(!seqs.contains_key(&9999), "{}", db.label);
        assert!(s.folder_seqs(ctx, &[]).await.unwrap().is_empty());

        let dead = s
            .collections_dead_properties(ctx, &[cal, tasks])
            .await
            .unwrap();
        assert_eq!(
            dead.get(&cal),
            Some(&vec![prop("urn:x", "note", "n")]),
            "{}",
            db.label
        );
        assert!(!dead.contains_key(&tasks), "{}", db.label);

        let names = s
            .display_names(ctx, &[alice.id, bob.id, 424242])
            .await
            .unwrap();
        assert_eq!(
            names.get(&alice.id),
            Some(&alice.display_name),
            "{}",
            db.label
        );
        assert_eq!(names.get(&bob.id), Some(&bob.display_name), "{}", db.label);
        assert_eq!(names.len(), 2, "{}", db.label);
        db.drop_database().await;
    }
}

/// Object writes are single statements; on SQLite each must complete so that the WAL's
/// auto-checkpoint runs, keeping the log at about its 1,000-page threshold however many
/// members are created or replaced.
#[tokio::test]
async fn sqlite_wal_stays_bounded_under_object_writes() {
    let db = common::sqlite().await;
    let (ctx, _alice, cal) = alice_and_calendar(&db.store).await;
    let path = db.url.strip_prefix("sqlite://").expect("a file URL");
    let wal_size = || std::fs::metadata(format!("{path}-wal")).unwrap().len();
    const LIMIT: u64 = 8 << 20;
    for i in 0..1000 {
        let name = format!("e{i}.ics");
        let object = event(&name, &format!("u{i}"), "created");
        db.store
            .put_object(ctx, cal, &object, WriteCondition::MustNotExist)
            .await
            .unwrap();
    }
    assert!(
        wal_size() < LIMIT,
        "WAL after creating: {} bytes",
        wal_size()
    );
    for i in 0..1000 {
        let name = format!("e{i}.ics");
        let object = event(&name, &format!("u{i}"), "replaced");
        let outcome = db
            .store
            .put_object(ctx, cal, &object, WriteCondition::Unconditional)
            .await
            .unwrap();
        assert!(!outcome.created);
    }
    assert!(
        wal_size() < LIMIT,
        "WAL after replacing: {} bytes",
        wal_size()
    );
}
