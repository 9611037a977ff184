//! Principals ready for scheduling (RFC 6638 2.4 and Apple's calendarserver extensions),
//! on SQLite and PostgreSQL: what a user's own principal and another user's show, the
//! principals of rooms, equipment and groups, who may resolve them, the scheduling
//! classes in OPTIONS, and the demo's partners. The searches are in
//! `calendarserver_search.rs`.

mod common;

use common::caldav::{default_folder, LAYOUT};
use common::http::*;
use common::principals::{partners, text};
use davgate::store::{FolderModule, ResourceKind};
use http::StatusCode;

const PRINCIPAL_PROPS: &str = r#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"><D:prop>
<D:displayname/><D:resourcetype/><D:principal-URL/><D:principal-collection-set/>
<C:calendar-user-address-set/><C:calendar-user-type/><C:schedule-inbox-URL/><C:schedule-outbox-URL/>
<C:schedule-default-calendar-URL/><C:schedule-default-tasks-URL/><D:group-membership/>
<D:group-member-set/><CS:email-address-set/>
</D:prop></D:propfind>"#;

async fn propfind(site: &Site, login: (&str, &str), path: &str, depth: &str) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(login.0, login.1)
            .depth(depth)
            .body(PRINCIPAL_PROPS),
    )
    .await
}

/// The one response of a Depth 0 PROPFIND by alice.
async fn principal(site: &Site, path: &str) -> DavResponse {
    let answer = propfind(site, ("alice", ALICE_PASSWORD), path, "0").await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.multistatus().remove(0)
}

fn is_principal(response: &DavResponse) -> bool {
    response
        .found(DAV, "resourcetype")
        .child(DAV, "principal")
        .is_some()
}

#[tokio::test]
async fn the_own_principal_names_the_scheduling_collections() {
    // Mounted at /dav below the proxy's root, and at /dav where the proxy maps it to the
    // root: hrefs are what clients see.
    let proxied_to_root = [
        ("com.openexchange.dav.prefixPath", "/dav"),
        ("com.openexchange.dav.proxyPrefixPath", "/dav"),
    ];
    for (layout, base) in [(LAYOUT, "/dav"), (&proxied_to_root[..], "")] {
        for db in common::databases().await {
            let site = site(&db.store, layout).await;
            let partners = partners(&site).await;
            let alice = &site.alice;
            let me = principal(&site, &format!("/dav/principals/users/{}/", alice.id)).await;
            let own = format!("{base}/principals/users/{}/", alice.id);
            assert_eq!(
                me.found(CALDAV, "calendar-user-address-set").hrefs(),
                [
                    "mailto:alice@example.com".to_string(),
                    "mailto:alice.l@example.com".to_string(),
                    own.clone()
                ],
                "{}: primary mail, alias, principal URL",
                db.label
            );
            assert_eq!(me.href_of(DAV, "principal-URL"), own);
            assert_eq!(text(&me, CALDAV, "calendar-user-type"), "INDIVIDUAL");
            assert_eq!(
                me.href_of(CALDAV, "schedule-inbox-URL"),
                format!("{base}/caldav/schedule-inbox/")
            );
            assert_eq!(
                me.href_of(CALDAV, "schedule-outbox-URL"),
                format!("{base}/caldav/schedule-outbox/")
            );
            let calendar = default_folder(&site.store, alice, FolderModule::Calendar).await;
            let tasks = default_folder(&site.store, alice, FolderModule::Tasks).await;
            let default_calendar = me.href_of(CALDAV, "schedule-default-calendar-URL");
            assert_eq!(default_calendar, format!("{base}/caldav/{}/", calendar.id));
            assert_eq!(
                me.href_of(CALDAV, "schedule-default-tasks-URL"),
                format!("{base}/caldav/{}/", tasks.id)
            );
            assert_eq!(
                me.found(DAV, "group-membership").hrefs(),
                [format!("{base}/principals/groups/{}/", partners.team.id)]
            );

            // The default calendar is where the calendar home lists it.
            let home = propfind(&site, ("alice", ALICE_PASSWORD), "/dav/caldav/", "1").await;
            assert!(
                home.multistatus()
                    .iter()
                    .any(|r| r.href == default_calendar),
                "{}: {default_calendar} is listed in the home",
                db.label
            );
            db.drop_database().await;
        }
    }
}

#[tokio::test]
async fn another_users_principal_has_no_inbox_or_defaults() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let partners = partners(&site).await;
        let bob = principal(&site, &format!("/dav/principals/users/{}/", site.bob.id)).await;
        assert_eq!(text(&bob, CALDAV, "calendar-user-type"), "INDIVIDUAL");
        assert_eq!(
            bob.found(CALDAV, "calendar-user-address-set").hrefs(),
            [
                "mailto:bob@example.com".to_string(),
                format!("/dav/principals/users/{}/", site.bob.id)
            ]
        );
        for hidden in [
            "schedule-inbox-URL",
            "schedule-outbox-URL",
            "schedule-default-calendar-URL",
            "schedule-default-tasks-URL",
        ] {
            assert_eq!(
                bob.status_of(CALDAV, hidden),
                Some(404),
                "{}: alice does not reach bob's {hidden}",
                db.label
            );
        }
        assert_eq!(
            bob.found(DAV, "group-membership").hrefs(),
            [format!("/dav/principals/groups/{}/", partners.team.id)]
        );

        // A default calendar the home does not list is no scheduling default.
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        stop_syncing(&site.store, site.alice.context_id, calendar.id).await;
        let me = principal(&site, &format!("/dav/principals/users/{}/", site.alice.id)).await;
        assert_eq!(
            me.status_of(CALDAV, "schedule-default-calendar-URL"),
            Some(404)
        );
        assert_eq!(
            me.status_of(CALDAV, "schedule-default-tasks-URL"),
            Some(200)
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn rooms_equipment_and_groups_are_principals() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let p = partners(&site).await;
        let room_url = format!("/dav/principals/resources/{}/", p.room.id);
        let room = principal(&site, &room_url).await;
        assert!(is_principal(&room), "{}", db.label);
        assert_eq!(text(&room, DAV, "displayname"), "Room 1");
        assert_eq!(text(&room, CALDAV, "calendar-user-type"), "ROOM");
        assert_eq!(room.href_of(DAV, "principal-URL"), room_url);
        assert_eq!(
            room.href_of(DAV, "principal-collection-set"),
            "/dav/principals/"
        );
        assert_eq!(
            room.found(CALDAV, "calendar-user-address-set").hrefs(),
            ["mailto:room1@example.com".to_string(), room_url.clone()]
        );
        let mails: Vec<String> = room
            .found(CALENDARSERVER, "email-address-set")
            .children_named(CALENDARSERVER, "email-address")
            .map(|m| m.text.clone())
            .collect();
        assert_eq!(mails, ["room1@example.com"]);
        assert_eq!(room.status_of(CALDAV, "schedule-inbox-URL"), Some(404));

        let projector = principal(
            &site,
            &format!("/dav/principals/resources/{}/", p.projector.id),
        )
        .await;
        assert_eq!(text(&projector, CALDAV, "calendar-user-type"), "RESOURCE");

        let team_url = format!("/dav/principals/groups/{}/", p.team.id);
        let team = principal(&site, &team_url).await;
        assert!(is_principal(&team));
        assert_eq!(text(&team, DAV, "displayname"), "Team");
        assert_eq!(text(&team, CALDAV, "calendar-user-type"), "GROUP");
        assert_eq!(
            team.found(CALDAV, "calendar-user-address-set").hrefs(),
            [team_url]
        );
        assert_eq!(
            team.found(DAV, "group-member-set").hrefs(),
            [
                format!("/dav/principals/users/{}/", site.alice.id),
                format!("/dav/principals/users/{}/", site.bob.id)
            ],
            "{}: carol is disabled",
            db.label
        );

        // The collections list them, and /principals/ lists the collections.
        let listed = |answer: Answer| -> Vec<String> {
            answer.multistatus().into_iter().map(|r| r.href).collect()
        };
        let alice = ("alice", ALICE_PASSWORD);
        assert_eq!(
            listed(propfind(&site, alice, "/dav/principals/resources/", "1").await),
            [
                "/dav/principals/resources/".to_string(),
                room_url.clone(),
                format!("/dav/principals/resources/{}/", p.projector.id)
            ]
        );
        assert_eq!(
            listed(propfind(&site, alice, "/dav/principals/groups/", "1").await),
            [
                "/dav/principals/groups/".to_string(),
                format!("/dav/principals/groups/{}/", p.team.id)
            ]
        );
        assert_eq!(
            listed(propfind(&site, alice, "/dav/principals/", "1").await),
            [
                "/dav/principals/",
                "/dav/principals/users/",
                "/dav/principals/resources/",
                "/dav/principals/groups/"
            ]
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn another_context_cannot_resolve_them() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let p = partners(&site).await;
        other_context_user(&db.store, "other.test", "olga", "Olga Other", "o-Secret-5").await;
        let olga = ("olga@other.test", "o-Secret-5");
        for path in [
            format!("/dav/principals/resources/{}/", p.room.id),
            format!("/dav/principals/groups/{}/", p.team.id),
            "/dav/principals/users/alice/".to_string(),
        ] {
            let answer = propfind(&site, olga, &path, "0").await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}: {path}", db.label);
        }
        for collection in ["/dav/principals/resources/", "/dav/principals/groups/"] {
            let answer = propfind(&site, olga, collection, "1").await;
            assert_eq!(
                answer.multistatus().len(),
                1,
                "{}: olga's context has none",
                db.label
            );
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn options_announce_scheduling() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let book = default_folder(&site.store, &site.alice, FolderModule::Contacts).await;
        let options = |path: String| {
            let app = site.app.clone();
            async move {
                let answer = send(
                    &app,
                    Call::new("OPTIONS", &path).auth("alice", ALICE_PASSWORD),
                )
                .await;
                answer.header("dav").unwrap_or_default().to_string()
            }
        };
        let classes = |header: &str| -> Vec<String> {
            header.split(',').map(|c| c.trim().to_string()).collect()
        };
        for path in [
            "/dav/".to_string(),
            "/dav/principals/".to_string(),
            format!("/dav/caldav/{}/", calendar.id),
        ] {
            let dav = classes(&options(path.clone()).await);
            for class in [
                "calendar-access",
                "calendar-auto-schedule",
                "calendar-schedule",
            ] {
                assert!(
                    dav.contains(&class.to_string()),
                    "{}: {path}: {dav:?}",
                    db.label
                );
            }
        }
        let on_book = classes(&options(format!("/dav/carddav/{}/", book.id)).await);
        assert!(
            !on_book.contains(&"calendar-schedule".to_string()),
            "{on_book:?}"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_demo_has_partners_to_schedule_with() {
    for db in common::databases().await {
        davgate::demo::ensure_demo(&db.store, Some("demo-Secret-1".into()))
            .await
            .unwrap();
        let context = db.store.context_by_name("example.com").await.unwrap();
        let users = db.store.users(context.id).await.unwrap();
        let logins: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
        assert_eq!(logins, davgate::demo::DEMO_USERS, "{}", db.label);
        let carol = users.iter().find(|u| u.login == "carol").unwrap();
        assert_eq!(
            (carol.display_name.as_str(), carol.mail.as_str()),
            ("Carol Clark", "carol@example.com")
        );
        let groups = db.store.groups(context.id).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].name, "team");
        let mut members = groups[0].members.clone();
        members.sort_unstable();
        let mut everyone: Vec<i64> = users.iter().map(|u| u.id).collect();
        everyone.sort_unstable();
        assert_eq!(members, everyone);
        let resources: Vec<(String, String, ResourceKind)> = db
            .store
            .resources(context.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.display_name, r.mail, r.kind))
            .collect();
        assert_eq!(
            resources,
            [
                (
                    "Room 1".into(),
                    "room1@example.com".into(),
                    ResourceKind::Room
                ),
                (
                    "Projector".into(),
                    "projector@example.com".into(),
                    ResourceKind::Equipment
                )
            ]
        );
        db.drop_database().await;
    }
}
