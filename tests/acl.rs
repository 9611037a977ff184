//! WebDAV access control (RFC 3744) over folder permissions, on SQLite and PostgreSQL:
//! DAV:acl and its companions in PROPFIND (the ACL to the owner only), the ACL method
//! (a read ACL sent back changes nothing; each precondition refuses the whole request
//! and leaves the permissions as they were), and the acl-principal-prop-set and
//! principal-match reports.

mod common;

use common::caldav::{assert_precondition, calendar_path, default_folder, event, LAYOUT};
use common::http::*;
use davgate::provision::create_user;
use davgate::store::{
    ContextId, DynStore, FolderId, FolderModule, Permission, Role, ALL_USERS_GROUP,
};
use http::StatusCode;

const CAROL_PASSWORD: &str = "carol-Secret-3";
const OVERRIDES: &[(&str, &str)] = &[
    ("com.openexchange.dav.prefixPath", "/dav"),
    ("com.openexchange.dav.proxyPrefixPath", "/"),
    ("davgate.limits.maxAcesPerRequest", "4"),
];

/// One ACE as a client reads it: principal (href, or the local name of a DAV principal
/// element), granted privileges, protected, inherited from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadAce {
    principal: String,
    grant: Vec<String>,
    protected: bool,
    inherited: Option<String>,
}

fn aces(acl: &Node) -> Vec<ReadAce> {
    acl.children_named(DAV, "ace")
        .map(|ace| {
            let principal = ace.child(DAV, "principal").expect("a principal");
            let who = &principal.children[0];
            let principal = match who.local.as_str() {
                "href" => who.text.clone(),
                other => other.to_string(),
            };
            let grant = ace
                .child(DAV, "grant")
                .expect("grant only")
                .children_named(DAV, "privilege")
                .map(|p| p.children[0].local.clone())
                .collect();
            ReadAce {
                principal,
                grant,
                protected: ace.child(DAV, "protected").is_some(),
                inherited: ace.child(DAV, "inherited").map(|i| i.hrefs().concat()),
            }
        })
        .collect()
}

/// An ACL body of `(principal element, privileges)` ACEs, privileges in DAV:.
fn acl_body(entries: &[(String, &[&str])]) -> String {
    let aces: String = entries
        .iter()
        .map(|(principal, privileges)| {
            let privileges: String = privileges
                .iter()
                .map(|p| format!("<D:privilege><D:{p}/></D:privilege>"))
                .collect();
            format!("<D:ace><D:principal>{principal}</D:principal><D:grant>{privileges}</D:grant></D:ace>")
        })
        .collect();
    format!(r#"<?xml version="1.0"?><D:acl xmlns:D="DAV:">{aces}</D:acl>"#)
}

fn user_href(id: i64) -> String {
    format!("<D:href>/dav/principals/users/{id}/</D:href>")
}

/// The ACL as read, as a body that sends it back.
fn body_of(read: &[ReadAce]) -> String {
    let entries: Vec<(String, Vec<&str>)> = read
        .iter()
        .map(|ace| {
            let principal = if ace.principal.starts_with('/') {
                format!("<D:href>{}</D:href>", ace.principal)
            } else {
                format!("<D:{}/>", ace.principal)
            };
            (principal, ace.grant.iter().map(String::as_str).collect())
        })
        .collect();
    let borrowed: Vec<(String, &[&str])> = entries
        .iter()
        .map(|(p, g)| (p.clone(), g.as_slice()))
        .collect();
    acl_body(&borrowed)
}

async fn propfind(site: &Site, who: (&str, &str), path: &str, props: &str) -> DavResponse {
    let body = format!(r#"<D:propfind xmlns:D="DAV:"><D:prop>{props}</D:prop></D:propfind>"#);
    let answer = send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(who.0, who.1)
            .depth("0")
            .body(body),
    )
    .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    answer.multistatus().remove(0)
}

async fn acl(site: &Site, who: (&str, &str), path: &str, body: String) -> Answer {
    send(
        &site.app,
        Call::new("ACL", path).auth(who.0, who.1).body(body),
    )
    .await
}

async fn report(site: &Site, who: (&str, &str), path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("REPORT", path)
            .auth(who.0, who.1)
            .depth("0")
            .body(body.to_string()),
    )
    .await
}

async fn sorted_permissions(store: &DynStore, ctx: ContextId, folder: FolderId) -> Vec<Permission> {
    let mut permissions = store.folder(ctx, folder).await.unwrap().permissions;
    permissions.sort_by_key(|p| (p.is_group, p.entity));
    permissions
}

const ALICE: (&str, &str) = ("alice@example.com", ALICE_PASSWORD);
const BOB: (&str, &str) = ("bob@example.com", BOB_PASSWORD);

/// Alice's calendar shared with bob (viewer) and the group "team" (author) of bob and
/// carol; the group's id.
async fn shared_calendar(site: &Site) -> (FolderId, i64, davgate::store::User) {
    let ctx = site.alice.context_id;
    let carol = create_user(
        &site.store,
        ctx,
        user_spec(
            "carol",
            "carol@example.com",
            &[],
            "Carol Builder",
            CAROL_PASSWORD,
        ),
    )
    .await
    .unwrap();
    let team = site
        .store
        .create_group(ctx, "team", "Team", &[site.bob.id, carol.id])
        .await
        .unwrap();
    let cal = default_folder(&site.store, &site.alice, FolderModule::Calendar)
        .await
        .id;
    for permission in [
        Permission::for_role(site.bob.id, false, Role::Viewer),
        Permission::for_role(team.id, true, Role::Author),
    ] {
        site.store
            .set_permission(ctx, cal, permission)
            .await
            .unwrap();
    }
    (cal, team.id, carol)
}

#[tokio::test]
async fn the_acl_of_a_folder_is_shown_to_its_owner_and_refused_to_a_sharee() {
    for db in common::databases().await {
        let site = site(&db.store, OVERRIDES).await;
        let (cal, team, _) = shared_calendar(&site).await;
        let path = format!("/dav/caldav/{cal}/");
        let asked = "<D:acl/><D:supported-privilege-set/><D:acl-restrictions/>\
                     <D:current-user-privilege-set/><D:principal-collection-set/>";

        let owner = propfind(&site, ALICE, &path, asked).await;
        let read = aces(owner.found(DAV, "acl"));
        let ace = |principal: String, grant: &[&str], protected: bool| ReadAce {
            principal,
            grant: grant.iter().map(|g| g.to_string()).collect(),
            protected,
            inherited: None,
        };
        assert_eq!(
            read,
            vec![
                ace(
                    format!("/dav/principals/users/{}/", site.alice.id),
                    &["all"],
                    true
                ),
                ace(
                    format!("/dav/principals/users/{}/", site.bob.id),
                    &["read"],
                    false
                ),
                ace(
                    format!("/dav/principals/groups/{team}/"),
                    &["read", "write"],
                    false
                ),
            ],
            "{}",
            db.label
        );
        let restrictions = owner.found(DAV, "acl-restrictions");
        assert!(restrictions.child(DAV, "grant-only").is_some());
        assert!(restrictions.child(DAV, "no-invert").is_some());
        assert_eq!(
            owner.href_of(DAV, "principal-collection-set"),
            "/dav/principals/"
        );
        let all = owner.found(DAV, "supported-privilege-set");
        let top = all
            .child(DAV, "supported-privilege")
            .expect("the aggregate");
        assert!(top
            .child(DAV, "privilege")
            .unwrap()
            .child(DAV, "all")
            .is_some());
        let read_privilege = top
            .children_named(DAV, "supported-privilege")
            .find(|p| {
                p.child(DAV, "privilege")
                    .unwrap()
                    .child(DAV, "read")
                    .is_some()
            })
            .expect("read below all");
        let free_busy = read_privilege.child(DAV, "supported-privilege").unwrap();
        assert!(free_busy
            .child(DAV, "privilege")
            .unwrap()
            .child(CALDAV, "read-free-busy")
            .is_some());
        assert!(free_busy.child(DAV, "abstract").is_some());

        // Bob, a viewer, reads the calendar but not who else may.
        let sharee = propfind(&site, BOB, &path, asked).await;
        assert_eq!(sharee.status_of(DAV, "acl"), Some(403));
        assert_eq!(
            sharee.status_of(DAV, "current-user-privilege-set"),
            Some(200)
        );
        assert_eq!(sharee.status_of(DAV, "supported-privilege-set"), Some(200));

        // Members inherit the collection's ACEs.
        let put =
            common::caldav::put_new(&site, &format!("{path}a.ics"), &event("a", "A", 1)).await;
        assert_eq!(put.status, StatusCode::CREATED);
        let member = propfind(
            &site,
            ALICE,
            &format!("{path}a.ics"),
            "<D:acl/><D:inherited-acl-set/>",
        )
        .await;
        let inherited = aces(member.found(DAV, "acl"));
        assert_eq!(inherited.len(), 3);
        assert!(inherited
            .iter()
            .all(|a| a.inherited.as_deref() == Some(path.as_str())));
        assert_eq!(member.href_of(DAV, "inherited-acl-set"), path);
        let member = propfind(&site, BOB, &format!("{path}a.ics"), "<D:acl/>").await;
        assert_eq!(member.status_of(DAV, "acl"), Some(403));

        // Not in allprop; the Allow header names ACL.
        let all = send(
            &site.app,
            Call::new("PROPFIND", &path)
                .auth(ALICE.0, ALICE.1)
                .depth("0"),
        )
        .await;
        assert!(all.multistatus()[0].prop(DAV, "acl").is_none());
        let options = send(
            &site.app,
            Call::new("OPTIONS", &path).auth(ALICE.0, ALICE.1),
        )
        .await;
        assert!(options.header("allow").unwrap().contains("ACL"));
        assert!(options.header("dav").unwrap().contains("access-control"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_acl_read_and_sent_back_round_trips_through_the_folder_permissions() {
    for db in common::databases().await {
        let site = site(&db.store, OVERRIDES).await;
        let ctx = site.alice.context_id;
        let (cal, _, carol) = shared_calendar(&site).await;
        let path = format!("/dav/caldav/{cal}/");
        let before = sorted_permissions(&site.store, ctx, cal).await;
        let read = aces(
            propfind(&site, ALICE, &path, "<D:acl/>")
                .await
                .found(DAV, "acl"),
        );

        // Sent back as read: nothing changes, not even the sync token.
        let seq = site.store.folder_seq(ctx, cal).await.unwrap();
        let same = acl(&site, ALICE, &path, body_of(&read)).await;
        assert_eq!(same.status, StatusCode::OK, "{}", db.label);
        assert_eq!(sorted_permissions(&site.store, ctx, cal).await, before);
        assert_eq!(site.store.folder_seq(ctx, cal).await.unwrap(), seq);

        // Carol added with read: she becomes a viewer and sees the calendar.
        let mut with_carol = read.clone();
        with_carol.push(ReadAce {
            principal: format!("/dav/principals/users/{}/", carol.id),
            grant: vec!["read".into()],
            protected: false,
            inherited: None,
        });
        let added = acl(&site, ALICE, &path, body_of(&with_carol)).await;
        assert_eq!(added.status, StatusCode::OK);
        let permissions = sorted_permissions(&site.store, ctx, cal).await;
        assert!(permissions.contains(&Permission::for_role(carol.id, false, Role::Viewer)));
        assert_eq!(permissions.len(), before.len() + 1);
        let carols = propfind(
            &site,
            ("carol", CAROL_PASSWORD),
            &path,
            "<D:current-user-privilege-set/>",
        )
        .await;
        assert!(carols.privileges().contains(&"read".to_string()));

        // The first ACL again: carol loses hers, everything else is as it was.
        let back = acl(&site, ALICE, &path, body_of(&read)).await;
        assert_eq!(back.status, StatusCode::OK);
        assert_eq!(sorted_permissions(&site.store, ctx, cal).await, before);

        // Only what is listed stays: bob and the group go, the owner's ACE is kept;
        // everybody else may read.
        let only_all = acl_body(&[("<D:authenticated/>".to_string(), &["read"])]);
        assert_eq!(
            acl(&site, ALICE, &path, only_all).await.status,
            StatusCode::OK
        );
        assert_eq!(
            sorted_permissions(&site.store, ctx, cal).await,
            vec![
                Permission::for_role(site.alice.id, false, Role::Administrator),
                Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer),
            ]
        );

        // A folder address book takes ACLs too.
        let contacts = default_folder(&site.store, &site.alice, FolderModule::Contacts).await;
        let book = format!("/dav/carddav/{}/", contacts.id);
        let share = acl_body(&[(user_href(site.bob.id), &["read", "write-content"])]);
        assert_eq!(acl(&site, ALICE, &book, share).await.status, StatusCode::OK);
        assert!(sorted_permissions(&site.store, ctx, contacts.id)
            .await
            .contains(&Permission::for_role(site.bob.id, false, Role::Reviewer)));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn each_refused_acl_changes_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, OVERRIDES).await;
        let ctx = site.alice.context_id;
        let (cal, _, carol) = shared_calendar(&site).await;
        let path = format!("/dav/caldav/{cal}/");
        let before = sorted_permissions(&site.store, ctx, cal).await;
        // Each body first names a valid ACE that would give carol access.
        let carol_reads = format!(
            "<D:ace><D:principal>{}</D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace>",
            user_href(carol.id)
        );
        let with = |ace: &str| {
            format!(
                r#"<?xml version="1.0"?><D:acl xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">{carol_reads}{ace}</D:acl>"#
            )
        };
        let bob = user_href(site.bob.id);
        let grant = |principal: &str, privileges: &str| {
            format!("<D:ace><D:principal>{principal}</D:principal><D:grant>{privileges}</D:grant></D:ace>")
        };
        let cases = [
            (
                format!("<D:ace><D:principal>{bob}</D:principal><D:deny><D:privilege><D:read/></D:privilege></D:deny></D:ace>"),
                "grant-only",
            ),
            (
                format!("<D:ace><D:invert><D:principal>{bob}</D:principal></D:invert><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace>"),
                "no-invert",
            ),
            (grant(&bob, "<D:privilege><D:unlock/></D:privilege>"), "not-supported-privilege"),
            (grant(&bob, "<D:privilege><D:write/></D:privilege>"), "not-supported-privilege"),
            (grant(&bob, "<D:privilege><C:read-free-busy/></D:privilege>"), "no-abstract"),
            (
                format!(
                    "{}{}",
                    grant(&bob, "<D:privilege><D:read/></D:privilege>"),
                    grant(&bob, "<D:privilege><D:all/></D:privilege>")
                ),
                "no-ace-conflict",
            ),
            (grant(&user_href(987_654), "<D:privilege><D:read/></D:privilege>"), "recognized-principal"),
            (
                grant("<D:href>/dav/principals/resources/1/</D:href>", "<D:privilege><D:read/></D:privilege>"),
                "recognized-principal",
            ),
            (grant("<D:unauthenticated/>", "<D:privilege><D:read/></D:privilege>"), "recognized-principal"),
            (
                grant(&user_href(site.alice.id), "<D:privilege><D:read/></D:privilege>"),
                "no-protected-ace-conflict",
            ),
        ];
        for (ace, condition) in cases {
            let answer = acl(&site, ALICE, &path, with(&ace)).await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                condition,
                &format!("{}: {ace}", db.label),
            );
            assert_eq!(
                sorted_permissions(&site.store, ctx, cal).await,
                before,
                "{condition}"
            );
        }

        // A user of another context is not recognised, whatever her id names here.
        let outsider = other_context_user(
            &site.store,
            "other.test",
            "olga",
            "Olga Outside",
            "o-Secret-9",
        )
        .await;
        let foreign = format!(
            "<D:href>http://other.test/dav/principals/users/{}@other.test/</D:href>",
            outsider.login
        );
        let answer = acl(
            &site,
            ALICE,
            &path,
            with(&grant(&foreign, "<D:privilege><D:read/></D:privilege>")),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "recognized-principal",
            "another context",
        );

        // Bob may read the calendar, not change who may.
        let answer = acl(&site, BOB, &path, with("")).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "a sharee",
        );
        // More ACEs than the limit, and a body that is no ACL.
        let five = with(&grant("<D:all/>", "<D:privilege><D:read/></D:privilege>").repeat(4));
        assert_eq!(
            acl(&site, ALICE, &path, five).await.status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let not_acl = r#"<D:propfind xmlns:D="DAV:"/>"#.to_string();
        assert_eq!(
            acl(&site, ALICE, &path, not_acl).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(sorted_permissions(&site.store, ctx, cal).await, before);

        // Bob's own calendar is not there for alice: 404, as for any other method.
        let bobs = default_folder(&site.store, &site.bob, FolderModule::Calendar).await;
        let answer = acl(&site, ALICE, &calendar_path(&bobs), with("")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_acl_reports_name_the_sharees_and_the_viewer() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (cal, team, _) = shared_calendar(&site).await;
        let path = format!("/dav/caldav/{cal}/");
        let prop_set = r#"<?xml version="1.0"?><D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>"#;
        let answer = report(&site, ALICE, &path, prop_set).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let mut names: Vec<(String, String)> = answer
            .multistatus()
            .iter()
            .map(|r| (r.href.clone(), r.found(DAV, "displayname").text.clone()))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                (
                    format!("/dav/principals/groups/{team}/"),
                    "Team".to_string()
                ),
                (
                    format!("/dav/principals/users/{}/", site.alice.id),
                    "Alice Liddell".to_string()
                ),
                (
                    format!("/dav/principals/users/{}/", site.bob.id),
                    "Bob Builder".to_string()
                ),
            ]
        );
        let answer = report(&site, BOB, &path, prop_set).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "a sharee",
        );

        // principal-match DAV:self: bob's principal and his group's.
        let self_match = r#"<?xml version="1.0"?><D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>"#;
        let answer = report(&site, BOB, "/dav/principals/", self_match).await;
        let mut hrefs: Vec<String> = answer
            .multistatus()
            .iter()
            .map(|r| r.href.clone())
            .collect();
        hrefs.sort();
        assert_eq!(
            hrefs,
            [
                format!("/dav/principals/groups/{team}/"),
                format!("/dav/principals/users/{}/", site.bob.id),
            ]
        );
        let answer = report(&site, ALICE, "/dav/principals/users/", self_match).await;
        let hrefs: Vec<String> = answer
            .multistatus()
            .iter()
            .map(|r| r.href.clone())
            .collect();
        assert_eq!(hrefs, [format!("/dav/principals/users/{}/", site.alice.id)]);

        // principal-property DAV:owner on a calendar: the members the viewer created.
        let put =
            common::caldav::put_new(&site, &format!("{path}mine.ics"), &event("m", "Mine", 1))
                .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let owner_match = r#"<?xml version="1.0"?><D:principal-match xmlns:D="DAV:"><D:principal-property><D:owner/></D:principal-property><D:prop><D:getetag/></D:prop></D:principal-match>"#;
        let answer = report(&site, ALICE, &path, owner_match).await;
        let hrefs: Vec<String> = answer
            .multistatus()
            .iter()
            .map(|r| r.href.clone())
            .collect();
        assert_eq!(hrefs, [format!("{path}mine.ics")]);
        let answer = report(&site, BOB, &path, owner_match).await;
        assert!(answer.multistatus().is_empty(), "bob created nothing there");

        // Both reports are listed where they apply.
        let reports = propfind(&site, ALICE, &path, "<D:supported-report-set/>").await;
        let text = format!("{:?}", reports.found(DAV, "supported-report-set"));
        assert!(text.contains("acl-principal-prop-set") && text.contains("principal-match"));
        db.drop_database().await;
    }
}
