//! CalDAV through the real router, on SQLite and PostgreSQL: the calendar home and its
//! collections, objects with ETags and preconditions, PROPPATCH, MKCALENDAR, COPY/MOVE
//! and the reports (multiget, query, sync-collection, free-busy).

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::{
    FolderModule, FolderType, NewFolder, Permission, Role, ALL_USERS_GROUP, PRIVATE_ROOT,
    PUBLIC_ROOT,
};
use http::StatusCode;

const PROPS: &str = r#"<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/">
  <D:prop><D:displayname/><D:resourcetype/><C:supported-calendar-component-set/>
  <D:current-user-privilege-set/><CS:getctag/><D:sync-token/><C:min-date-time/><C:max-date-time/>
  <A:calendar-color/><A:calendar-order/><D:getetag/><D:owner/><C:supported-calendar-data/>
  <C:max-resource-size/><D:supported-report-set/></D:prop>
</D:propfind>"#;

async fn propfind(site: &Site, login: &str, password: &str, path: &str, depth: &str) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(login, password)
            .depth(depth)
            .body(PROPS),
    )
    .await
}

fn find<'a>(responses: &'a [DavResponse], href: &str) -> &'a DavResponse {
    responses
        .iter()
        .find(|r| r.href == href)
        .unwrap_or_else(|| {
            let hrefs: Vec<_> = responses.iter().map(|r| &r.href).collect();
            panic!("{href} not among {hrefs:?}")
        })
}

fn components(response: &DavResponse) -> Vec<String> {
    response
        .found(CALDAV, "supported-calendar-component-set")
        .children_named(CALDAV, "comp")
        .map(|c| c.attribute("name").unwrap_or_default().to_string())
        .collect()
}

fn resource_types(response: &DavResponse) -> Vec<String> {
    response
        .found(DAV, "resourcetype")
        .children
        .iter()
        .map(|c| c.local.clone())
        .collect()
}

#[tokio::test]
async fn the_calendar_home_lists_own_public_and_shared_folders_with_their_rights() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let ctx = alice.context_id;
        let calendar = default_folder(&db.store, alice, FolderModule::Calendar).await;
        let tasks = default_folder(&db.store, alice, FolderModule::Tasks).await;
        let public = db
            .store
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: PUBLIC_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Public,
                    owner_id: None,
                    name: "Company Events".into(),
                    color: None,
                    description: Some("What happens at the company".into()),
                    permissions: vec![Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer)],
                    sort_order: None,
                    dav_name: None,
                },
            )
            .await
            .unwrap();
        let bobs = default_folder(&db.store, bob, FolderModule::Calendar).await;
        db.store
            .set_permission(
                ctx,
                bobs.id,
                Permission::for_role(alice.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let bobs_tasks = default_folder(&db.store, bob, FolderModule::Tasks).await;
        let hidden = db
            .store
            .create_folder(
                ctx,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(alice.id),
                    name: "Not synced".into(),
                    color: None,
                    description: None,
                    permissions: vec![Permission::for_role(alice.id, false, Role::Administrator)],
                    sort_order: None,
                    dav_name: None,
                },
            )
            .await
            .unwrap();
        stop_syncing(&db.store, ctx, hidden.id).await;

        let answer = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{:?}", answer.body);
        let responses = answer.multistatus();
        let hrefs: Vec<&str> = responses.iter().map(|r| r.href.as_str()).collect();
        assert!(
            !hrefs.contains(&calendar_path(&hidden).as_str()),
            "{hrefs:?}"
        );
        assert!(
            !hrefs.contains(&calendar_path(&bobs_tasks).as_str()),
            "{hrefs:?}"
        );
        assert_eq!(
            responses.len(),
            7,
            "home + 4 collections + the scheduling inbox and outbox: {hrefs:?}"
        );

        let own = find(&responses, &calendar_path(&calendar));
        assert_eq!(own.found(DAV, "displayname").text, "Calendar");
        assert_eq!(components(own), ["VEVENT"]);
        assert!(resource_types(own).contains(&"calendar".to_string()));
        for wanted in ["read", "write", "bind", "unbind", "write-content"] {
            assert!(own.privileges().contains(&wanted.to_string()), "{wanted}");
        }
        // OX's defaults: from the first day of last month to 1 January two years ahead.
        let today = time::OffsetDateTime::now_utc().date();
        let (year, month) = match today.month() as u8 {
            1 => (today.year() - 1, 12),
            m => (today.year(), m - 1),
        };
        assert_eq!(
            own.found(CALDAV, "min-date-time").text,
            format!("{year:04}{month:02}01T000000Z")
        );
        assert_eq!(
            own.found(CALDAV, "max-date-time").text,
            format!("{:04}0101T000000Z", today.year() + 2)
        );
        assert!(own.found(DAV, "sync-token").text.starts_with("http"));
        assert_eq!(own.found(CALDAV, "max-resource-size").text, "4194304");
        let reports: Vec<String> = own
            .found(DAV, "supported-report-set")
            .children_named(DAV, "supported-report")
            .flat_map(|r| {
                r.child(DAV, "report")
                    .unwrap()
                    .children
                    .iter()
                    .map(|c| c.local.clone())
            })
            .collect();
        for wanted in [
            "calendar-multiget",
            "calendar-query",
            "sync-collection",
            "free-busy-query",
        ] {
            assert!(
                reports.contains(&wanted.to_string()),
                "{wanted} in {reports:?}"
            );
        }

        let todo = find(&responses, &calendar_path(&tasks));
        assert_eq!(components(todo), ["VTODO"]);

        let company = find(&responses, &calendar_path(&public));
        assert_eq!(company.found(DAV, "displayname").text, "Company Events");
        assert_eq!(
            company.privileges(),
            ["read-current-user-privilege-set", "read"]
        );

        let shared = find(&responses, &calendar_path(&bobs));
        assert_eq!(
            shared.found(DAV, "displayname").text,
            "Bob Builder: Calendar"
        );
        assert!(resource_types(shared).contains(&"shared".to_string()));
        assert!(!shared.privileges().contains(&"bind".to_string()));

        // Bob sees his calendar as shared by him.
        let answer = propfind(&site, "bob", BOB_PASSWORD, &calendar_path(&bobs), "0").await;
        let own_shared = &answer.multistatus()[0];
        assert!(resource_types(own_shared).contains(&"shared-owner".to_string()));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn caldav_can_be_switched_off_per_user_through_the_cascade() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        set_user_config(
            &db.store,
            &site.bob,
            "com.openexchange.caldav.enabled",
            "false",
        )
        .await;
        let bob = propfind(&site, "bob", BOB_PASSWORD, "/dav/caldav/", "1").await;
        assert_eq!(bob.status, StatusCode::FORBIDDEN);
        let alice = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
        assert_eq!(alice.status, StatusCode::MULTI_STATUS);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn objects_are_written_read_and_deleted_with_strong_etags() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = format!("{}client-name.ics", calendar_path(&calendar));
        let body = event("uid-etag-1", "Planning", 3);

        let created = put(&site, &path, &body, &[("if-none-match", "*")]).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let etag = created.header("etag").expect("ETag on create").to_string();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");

        let fetched = get(&site, &path).await;
        assert_eq!(fetched.status, StatusCode::OK);
        assert_eq!(fetched.body.as_ref(), body.as_bytes(), "served as stored");
        assert_eq!(fetched.header("etag"), Some(etag.as_str()));
        assert!(fetched
            .header("content-type")
            .unwrap()
            .starts_with("text/calendar"));

        let again = put(&site, &path, &body, &[("if-none-match", "*")]).await;
        assert_eq!(again.status, StatusCode::PRECONDITION_FAILED);

        let stale = put(
            &site,
            &path,
            &event("uid-etag-1", "Changed", 3),
            &[("if-match", "\"0000\"")],
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            get(&site, &path).await.body.as_ref(),
            body.as_bytes(),
            "unchanged"
        );

        let changed_body = event("uid-etag-1", "Changed", 3);
        let changed = put(&site, &path, &changed_body, &[("if-match", &etag)]).await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT);
        let new_etag = changed.header("etag").unwrap().to_string();
        assert_ne!(new_etag, etag);

        let stale_delete = send(
            &site.app,
            Call::new("DELETE", &path)
                .auth("alice", ALICE_PASSWORD)
                .header("if-match", etag.clone()),
        )
        .await;
        assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
        let deleted = send(
            &site.app,
            Call::new("DELETE", &path)
                .auth("alice", ALICE_PASSWORD)
                .header("if-match", new_etag),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(get(&site, &path).await.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn bad_objects_get_the_precondition_rfc_4791_names() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(
            &site,
            &format!("{base}first.ics"),
            &event("shared-uid", "One", 2),
        )
        .await;

        put_refused(
            &site,
            &format!("{base}garbage.ics"),
            "this is not iCalendar",
            StatusCode::FORBIDDEN,
            (CALDAV, "valid-calendar-data"),
        )
        .await;

        let two_uids =
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:20261201T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:20261202T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                .to_string();
        // Two UIDs.
        put_refused(
            &site,
            &format!("{base}two.ics"),
            &two_uids,
            StatusCode::FORBIDDEN,
            (CALDAV, "valid-calendar-object-resource"),
        )
        .await;

        // A task in a calendar.
        put_refused(
            &site,
            &format!("{base}task.ics"),
            &task("t1", "A task"),
            StatusCode::FORBIDDEN,
            (CALDAV, "supported-calendar-component"),
        )
        .await;

        // The UID of first.ics under another name.
        let answer = put_refused(
            &site,
            &format!("{base}other-name.ics"),
            &event("shared-uid", "Two", 2),
            StatusCode::CONFLICT,
            (CALDAV, "no-uid-conflict"),
        )
        .await;
        let conflict = parse_xml(&answer.body);
        assert_eq!(
            conflict.children[0].hrefs(),
            vec![format!("{base}first.ics")],
            "the conflict names the other resource"
        );

        let mut big = event("big", "Big", 2);
        big.insert_str(
            big.find("SUMMARY").unwrap(),
            &"X-FILL:0123456789\r\n".repeat(240_000),
        );
        put_refused(
            &site,
            &format!("{base}big.ics"),
            &big,
            StatusCode::FORBIDDEN,
            (CALDAV, "max-resource-size"),
        )
        .await;

        let answer = send(
            &site.app,
            Call::new("PUT", &format!("{base}json.ics"))
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "application/json")
                .body(b"{}".to_vec()),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "supported-calendar-data",
            "JSON",
        );

        assert_eq!(
            get(&site, &format!("{base}json.ics")).await.status,
            StatusCode::NOT_FOUND,
            "nothing stored"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_strict_window_refuses_events_outside_it() {
    for db in common::databases().await {
        let overrides = [
            LAYOUT,
            &[("com.openexchange.caldav.interval.strict", "true")],
        ]
        .concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_refused(
            &site,
            &format!("{base}old.ics"),
            &event("old", "Long ago", -800),
            StatusCode::FORBIDDEN,
            (CALDAV, "min-date-time"),
        )
        .await;
        put_refused(
            &site,
            &format!("{base}far.ics"),
            &event("far", "Far ahead", 1500),
            StatusCode::FORBIDDEN,
            (CALDAV, "max-date-time"),
        )
        .await;
        put_new(&site, &format!("{base}now.ics"), &event("now", "Soon", 1)).await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_viewer_cannot_write_and_is_told_which_privilege_is_missing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let bobs = default_folder(&db.store, &site.bob, FolderModule::Calendar).await;
        db.store
            .set_permission(
                site.bob.context_id,
                bobs.id,
                Permission::for_role(site.alice.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let path = format!("{}intrude.ics", calendar_path(&bobs));
        let answer = put_refused(
            &site,
            &path,
            &event("intrude", "Mine now", 1),
            StatusCode::FORBIDDEN,
            (DAV, "need-privileges"),
        )
        .await;
        // A new member needs DAV:bind on its collection (RFC 3744 3.9).
        assert_eq!(
            needed_privileges(&answer),
            [(calendar_path(&bobs), "bind".to_string())]
        );
        db.drop_database().await;
    }
}

const PROPPATCH: &str = r#"<?xml version="1.0"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/" xmlns:X="urn:example:custom">
  <D:set><D:prop>
    <D:displayname>Work</D:displayname>
    <C:calendar-description>Meetings and deadlines</C:calendar-description>
    <A:calendar-color>#FF2968FF</A:calendar-color>
    <A:calendar-order>4</A:calendar-order>
    <X:note><X:inner kind="a">kept &amp; returned</X:inner></X:note>
  </D:prop></D:set>
</D:propertyupdate>"#;

#[tokio::test]
async fn proppatch_stores_folder_properties_and_dead_properties_all_or_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let answer = send(
            &site.app,
            Call::new("PROPPATCH", &path)
                .auth("alice", ALICE_PASSWORD)
                .body(PROPPATCH),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let result = &answer.multistatus()[0];
        for (ns, local) in [
            (DAV, "displayname"),
            (CALDAV, "calendar-description"),
            (ICAL_NS, "calendar-color"),
            (ICAL_NS, "calendar-order"),
            ("urn:example:custom", "note"),
        ] {
            assert_eq!(result.status_of(ns, local), Some(200), "{local}");
        }
        let folder = db
            .store
            .folder(calendar.context_id, calendar.id)
            .await
            .unwrap();
        assert_eq!(folder.name, "Work");
        assert_eq!(
            folder.description.as_deref(),
            Some("Meetings and deadlines")
        );
        assert_eq!(folder.color.as_deref(), Some("#FF2968FF"));
        assert_eq!(folder.sort_order, Some(4));

        let body = r#"<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:custom" xmlns:A="http://apple.com/ns/ical/">
            <D:prop><D:displayname/><X:note/><A:calendar-color/><A:calendar-order/></D:prop></D:propfind>"#;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &path)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(body),
        )
        .await;
        let props = &answer.multistatus()[0];
        assert_eq!(props.found(DAV, "displayname").text, "Work");
        assert_eq!(props.found(ICAL_NS, "calendar-color").text, "#FF2968FF");
        assert_eq!(props.found(ICAL_NS, "calendar-order").text, "4");
        let note = props.found("urn:example:custom", "note");
        let inner = note
            .child("urn:example:custom", "inner")
            .expect("dead value kept as XML");
        assert_eq!(inner.text, "kept & returned");
        assert_eq!(inner.attribute("kind"), Some("a"));

        // A protected property fails with 403 and takes the rest down with it (424).
        let body = r#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>
            <D:displayname>Renamed</D:displayname><D:getetag>"x"</D:getetag>
            </D:prop></D:set></D:propertyupdate>"#;
        let answer = send(
            &site.app,
            Call::new("PROPPATCH", &path)
                .auth("alice", ALICE_PASSWORD)
                .body(body),
        )
        .await;
        let result = &answer.multistatus()[0];
        assert_eq!(result.status_of(DAV, "getetag"), Some(403));
        assert_eq!(result.status_of(DAV, "displayname"), Some(424));
        let folder = db
            .store
            .folder(calendar.context_id, calendar.id)
            .await
            .unwrap();
        assert_eq!(folder.name, "Work", "nothing applied");

        // Removing a dead property.
        let body = r#"<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:custom"><D:remove><D:prop><X:note/></D:prop></D:remove></D:propertyupdate>"#;
        let answer = send(
            &site.app,
            Call::new("PROPPATCH", &path)
                .auth("alice", ALICE_PASSWORD)
                .body(body),
        )
        .await;
        assert_eq!(
            answer.multistatus()[0].status_of("urn:example:custom", "note"),
            Some(200)
        );
        let props = db
            .store
            .dead_properties(calendar.context_id, calendar.id, "")
            .await
            .unwrap();
        assert!(props.is_empty(), "{props:?}");
        db.drop_database().await;
    }
}

const MKCALENDAR: &str = r#"<?xml version="1.0" encoding="utf-8" ?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>Chores</D:displayname>
    <C:calendar-description>Things to do</C:calendar-description>
    <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"#;

#[tokio::test]
async fn mkcalendar_creates_a_task_list_at_the_clients_url_and_delete_removes_it() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let path = "/dav/caldav/3F2504E0-4F89-11D3-9A0C-0305E82C3301/";
        let created = send(
            &site.app,
            Call::new("MKCALENDAR", path)
                .auth("alice", ALICE_PASSWORD)
                .body(MKCALENDAR),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);

        let answer = propfind(&site, "alice", ALICE_PASSWORD, path, "0").await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let collection = &answer.multistatus()[0];
        assert_eq!(collection.href, path);
        assert_eq!(collection.found(DAV, "displayname").text, "Chores");
        assert_eq!(components(collection), ["VTODO"]);

        put_new(
            &site,
            &format!("{path}buy-milk.ics"),
            &task("milk", "Buy milk"),
        )
        .await;
        // An event in a task list.
        put_refused(
            &site,
            &format!("{path}party.ics"),
            &event("party", "Party", 4),
            StatusCode::FORBIDDEN,
            (CALDAV, "supported-calendar-component"),
        )
        .await;

        let again = send(
            &site.app,
            Call::new("MKCALENDAR", path)
                .auth("alice", ALICE_PASSWORD)
                .body(MKCALENDAR),
        )
        .await;
        assert_precondition(
            &again,
            StatusCode::FORBIDDEN,
            DAV,
            "resource-must-be-null",
            "the URL is taken",
        );

        let home = propfind(&site, "alice", ALICE_PASSWORD, "/dav/caldav/", "1").await;
        assert!(home.multistatus().iter().any(|r| r.href == path));

        let deleted = send(
            &site.app,
            Call::new("DELETE", path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let gone = propfind(&site, "alice", ALICE_PASSWORD, path, "0").await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);

        // Bob may not delete alice's default calendar (he does not see it), and alice may
        // not either.
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let by_bob = send(
            &site.app,
            Call::new("DELETE", &calendar_path(&calendar)).auth("bob", BOB_PASSWORD),
        )
        .await;
        assert_eq!(by_bob.status, StatusCode::NOT_FOUND);
        let refused = send(
            &site.app,
            Call::new("DELETE", &calendar_path(&calendar)).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let kept = propfind(
            &site,
            "alice",
            ALICE_PASSWORD,
            &calendar_path(&calendar),
            "0",
        )
        .await;
        assert_eq!(kept.status, StatusCode::MULTI_STATUS, "still there");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn copy_and_move_between_calendars_keep_one_copy_each() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let other_path = "/dav/caldav/second/";
        let made = send(
            &site.app,
            Call::new("MKCALENDAR", other_path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let source = format!("{}trip.ics", calendar_path(&calendar));
        let body = event("trip", "Trip", 5);
        put_new(&site, &source, &body).await;

        let copied_to = format!("{other_path}trip-copy.ics");
        // The client's conditions refer to the source (RFC 4918 10.4): a stale If-Match
        // copies nothing.
        for (header, value) in [("if-match", "\"stale\""), ("if-none-match", "*")] {
            let stale = send(
                &site.app,
                Call::new("COPY", &source)
                    .auth("alice", ALICE_PASSWORD)
                    .header("destination", copied_to.clone())
                    .header(header, value),
            )
            .await;
            assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{header}");
            assert_eq!(get(&site, &copied_to).await.status, StatusCode::NOT_FOUND);
        }
        let copy = send(
            &site.app,
            Call::new("COPY", &source)
                .auth("alice", ALICE_PASSWORD)
                .header("host", "dav.example.com")
                .header("destination", format!("http://dav.example.com{copied_to}")),
        )
        .await;
        assert_eq!(copy.status, StatusCode::CREATED, "{:?}", copy.body);
        assert_eq!(get(&site, &copied_to).await.body.as_ref(), body.as_bytes());
        assert_eq!(get(&site, &source).await.status, StatusCode::OK);

        // Moving onto an existing resource with Overwrite: F is refused.
        let refused = send(
            &site.app,
            Call::new("MOVE", &source)
                .auth("alice", ALICE_PASSWORD)
                .header("destination", copied_to.clone())
                .header("overwrite", "F"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            get(&site, &source).await.status,
            StatusCode::OK,
            "source kept"
        );

        let delete_copy = send(
            &site.app,
            Call::new("DELETE", &copied_to).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(delete_copy.status, StatusCode::NO_CONTENT);
        let moved = send(
            &site.app,
            Call::new("MOVE", &source)
                .auth("alice", ALICE_PASSWORD)
                .header("destination", format!("{other_path}trip.ics")),
        )
        .await;
        assert_eq!(moved.status, StatusCode::CREATED, "{:?}", moved.body);
        assert_eq!(get(&site, &source).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            get(&site, &format!("{other_path}trip.ics"))
                .await
                .body
                .as_ref(),
            body.as_bytes()
        );

        // A task cannot be moved into a calendar.
        let tasks = default_folder(&db.store, &site.alice, FolderModule::Tasks).await;
        let task_path = format!("{}todo.ics", calendar_path(&tasks));
        put_new(&site, &task_path, &task("todo", "Todo")).await;
        let answer = send(
            &site.app,
            Call::new("MOVE", &task_path)
                .auth("alice", ALICE_PASSWORD)
                .header("destination", format!("{other_path}todo.ics")),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "supported-calendar-component",
            "task into a calendar",
        );
        assert_eq!(get(&site, &task_path).await.status, StatusCode::OK);
        db.drop_database().await;
    }
}

/// In a folder where bob may read, write and delete only his own members, PROPFIND shows
/// him his members and no others, as GET, multiget and sync do: a listing names neither
/// alice's events and contacts nor their ETags, and a PROPFIND on one of them is refused
/// like GET.
#[tokio::test]
async fn propfind_shows_only_own_members_where_only_own_may_be_read() {
    use common::carddav::{contacts_folder, member_hrefs, put_vcard, vcard};
    use davgate::store::level::{CREATE_OBJECTS, OWN};

    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let ctx = site.alice.context_id;
        let own_only = Permission {
            entity: site.bob.id,
            is_group: false,
            folder: CREATE_OBJECTS,
            read: OWN,
            write: OWN,
            delete: OWN,
            admin: false,
        };
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let contacts = contacts_folder(&db.store, &site.alice).await;
        for folder in [calendar.id, contacts.id] {
            db.store
                .set_permission(ctx, folder, own_only)
                .await
                .unwrap();
        }
        let calendar = calendar_path(&calendar);
        let book = format!("/dav/carddav/{}/", contacts.id);
        put_new(
            &site,
            &format!("{calendar}alices.ics"),
            &event("a", "Alice's", 1),
        )
        .await;
        let bobs_event = send(
            &site.app,
            Call::new("PUT", &format!("{calendar}bobs.ics"))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("b", "Bob's", 2)),
        )
        .await;
        assert_eq!(bobs_event.status, StatusCode::CREATED);
        for (login, uid) in [("alice", "alices"), ("bob", "bobs")] {
            let put = put_vcard(
                &site,
                login,
                &format!("{book}{uid}.vcf"),
                &vcard(uid, "Some One", "one@example.com"),
            )
            .await;
            assert_eq!(put.status, StatusCode::CREATED, "{login}");
        }

        for (collection, member) in [(&calendar, "ics"), (&book, "vcf")] {
            let mut bob_sees = member_hrefs(&site, "bob", collection).await;
            bob_sees.sort();
            assert_eq!(
                bob_sees,
                [format!("{collection}bobs.{member}")],
                "bob: own only"
            );
            let mut alice_sees = member_hrefs(&site, "alice", collection).await;
            alice_sees.sort();
            assert_eq!(
                alice_sees,
                [
                    format!("{collection}alices.{member}"),
                    format!("{collection}bobs.{member}")
                ],
                "alice sees all"
            );
            let alices = format!("{collection}alices.{member}");
            // Another user's member is not there for bob, as his listing shows: the
            // answer is the one for a member that does not exist, so it confirms nothing.
            for method in ["PROPFIND", "GET", "DELETE"] {
                let refused = send(
                    &site.app,
                    Call::new(method, &alices)
                        .auth("bob", BOB_PASSWORD)
                        .depth("0"),
                )
                .await;
                let missing = send(
                    &site.app,
                    Call::new(method, &format!("{collection}nobody.{member}"))
                        .auth("bob", BOB_PASSWORD)
                        .depth("0"),
                )
                .await;
                assert_eq!(refused.status, StatusCode::NOT_FOUND, "{method} {alices}");
                assert_eq!(refused.body, missing.body, "{method} {alices}");
            }
            assert_eq!(
                member_hrefs(&site, "alice", collection).await.len(),
                2,
                "bob's DELETE removed nothing"
            );
            let own = send(
                &site.app,
                Call::new("PROPFIND", &format!("{collection}bobs.{member}"))
                    .auth("bob", BOB_PASSWORD)
                    .depth("0"),
            )
            .await;
            assert_eq!(own.status, StatusCode::MULTI_STATUS);
        }
        db.drop_database().await;
    }
}
