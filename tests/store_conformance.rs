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

        let gal = s.object_summaries(ctx, GLOBAL_ADDRESS_BOOK).await.unwrap();
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
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                },
            )
            .await
            .unwrap();
        assert!(
            trips.id >= 20,
            "folder ids start where OX's user folders do"
        );
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
        let names: Vec<String> = s
            .object_summaries(ctx, cal)
            .await
            .unwrap()
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
        let summary = s.object_summaries(ctx, cal).await.unwrap();
        assert_eq!(
            summary
                .iter()
                .find(|o| o.resource_name == "big.ics")
                .unwrap()
                .size,
            1024 * 1024
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
