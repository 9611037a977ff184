//! CardDAV through the real router, on SQLite and PostgreSQL: which address books a user
//! sees (per folder or aggregated, by configuration and user agent), their properties,
//! and vCards with ETags, preconditions and permissions, in folder address books and in
//! the aggregated one.

mod common;

use common::carddav::*;
use common::http::*;
use davgate::store::{FolderId, Permission, Role, ALL_USERS_GROUP, GLOBAL_ADDRESS_BOOK};
use http::StatusCode;

const BOOK_PROPS: &str = r#"<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">
  <D:prop><D:displayname/><D:resourcetype/><C:addressbook-description/><C:supported-address-data/>
  <C:max-resource-size/><CS:getctag/><D:sync-token/><D:current-user-privilege-set/>
  <D:supported-report-set/></D:prop>
</D:propfind>"#;

/// What the tests below share: bob's contact folder "Team" shared with alice as an
/// author, and a public folder "Partners" everyone may read.
struct Fixture {
    site: Site,
    alice_default: FolderId,
    bob_default: FolderId,
    team: FolderId,
    partners: FolderId,
}

async fn fixture(
    db: &common::TestDb,
    files: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> Fixture {
    let mut all = common::caldav::LAYOUT.to_vec();
    all.extend_from_slice(overrides);
    let site = site_with_files(&db.store, files, &all).await;
    let ctx = site.alice.context_id;
    let team = new_contact_folder(
        &db.store,
        ctx,
        Some(site.bob.id),
        "Team",
        Some("Bob's team"),
        vec![
            Permission::for_role(site.bob.id, false, Role::Administrator),
            Permission::for_role(site.alice.id, false, Role::Author),
        ],
    )
    .await;
    let partners = new_contact_folder(
        &db.store,
        ctx,
        None,
        "Partners",
        None,
        vec![Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer)],
    )
    .await;
    let alice_default = contacts_folder(&db.store, &site.alice).await.id;
    let bob_default = contacts_folder(&db.store, &site.bob).await.id;
    Fixture {
        site,
        alice_default,
        bob_default,
        team,
        partners,
    }
}

async fn home_hrefs(site: &Site, login: &str, agent: &str) -> Vec<String> {
    let answer = send(
        &site.app,
        call("PROPFIND", "/dav/carddav/", login)
            .header("user-agent", agent)
            .depth("1")
            .body(BOOK_PROPS),
    )
    .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    let mut hrefs: Vec<String> = answer
        .multistatus()
        .into_iter()
        .map(|r| r.href)
        .filter(|h| h != "/dav/carddav/")
        .collect();
    hrefs.sort();
    hrefs
}

fn sorted(mut hrefs: Vec<String>) -> Vec<String> {
    hrefs.sort();
    hrefs
}

#[tokio::test]
async fn the_home_lists_the_aggregated_collection_only_to_matching_clients() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let folders = sorted(vec![
            book_path(f.alice_default),
            book_path(GLOBAL_ADDRESS_BOOK),
            book_path(f.team),
            book_path(f.partners),
        ]);
        let aggregated = vec![AGGREGATED.to_string()];
        // OX's default pattern: macOS Contacts and the CFNetwork/Darwin form get the one
        // collection they can show; everyone else gets one per folder.
        let matrix: &[(&str, &Vec<String>)] = &[
            (MAC_CONTACTS, &aggregated),
            ("Mac OS X/10.14.6 (18G103) AddressBook/2245", &aggregated),
            (
                "AddressBook/1579 CFNetwork/673.6 Darwin/13.4.0 (x86_64)",
                &aggregated,
            ),
            ("iOS/17.5.1 (21F90) dataaccessd/1.0", &folders),
            (DAVX5, &folders),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0",
                &folders,
            ),
            ("Thunderbird CardBook/93.0", &folders),
            ("Evolution/3.46.4", &folders),
            ("eM Client/9.2.2038.0", &folders),
            ("CalDavSynchronizer/4.4.0", &folders),
            ("vdirsyncer/0.21.0", &folders),
        ];
        for (agent, expected) in matrix {
            assert_eq!(
                &home_hrefs(&f.site, "alice", agent).await,
                *expected,
                "{} with {agent}",
                db.label
            );
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn exposed_collections_is_read_per_user_and_per_context_set() {
    for db in common::databases().await {
        // A context set tagged "mobile" shows folders only, whatever the client.
        let sets = [(
            "contextSets/carddav.yml",
            "mobile:\n    withTags: mobile\n    com.openexchange.carddav.exposedCollections: 1\n",
        )];
        let f = fixture(&db, &sets, &[]).await;
        let ctx = f.site.alice.context_id;
        let aggregated = vec![AGGREGATED.to_string()];
        let alices_folders = sorted(vec![
            book_path(f.alice_default),
            book_path(GLOBAL_ADDRESS_BOOK),
            book_path(f.team),
            book_path(f.partners),
        ]);
        assert_eq!(home_hrefs(&f.site, "bob", MAC_CONTACTS).await, aggregated);
        // One user set to 2: the aggregated collection only, even for DAVx5, and folder
        // address books are gone for that user.
        set_user_config(
            &db.store,
            &f.site.bob,
            "com.openexchange.carddav.exposedCollections",
            "2",
        )
        .await;
        assert_eq!(home_hrefs(&f.site, "bob", DAVX5).await, aggregated);
        assert_eq!(home_hrefs(&f.site, "alice", DAVX5).await, alices_folders);
        let answer = send(
            &f.site.app,
            call("PROPFIND", &book_path(f.bob_default), "bob")
                .depth("0")
                .body(BOOK_PROPS),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        // The context joins the "mobile" set: alice's macOS Contacts sees folders now,
        // bob keeps his own setting (user before context set).
        davgate::provision::set_context_tags(&db.store, ctx, &["mobile".into()])
            .await
            .unwrap();
        assert_eq!(
            home_hrefs(&f.site, "alice", MAC_CONTACTS).await,
            alices_folders
        );
        assert_eq!(home_hrefs(&f.site, "bob", DAVX5).await, aggregated);
        let answer = send(
            &f.site.app,
            call("PROPFIND", AGGREGATED, "alice")
                .depth("0")
                .body(BOOK_PROPS),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn folder_address_books_honour_permissions_sync_flags_and_ignore_folders() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let ctx = f.site.alice.context_id;
        // bob does not see alice's default folder; alice sees bob's Team as shared.
        let bobs = home_hrefs(&f.site, "bob", DAVX5).await;
        assert!(!bobs.contains(&book_path(f.alice_default)), "{bobs:?}");
        assert!(bobs.contains(&book_path(f.team)));
        // A folder not used for sync leaves the folder list.
        stop_syncing(&db.store, ctx, f.partners).await;
        assert!(!home_hrefs(&f.site, "alice", DAVX5)
            .await
            .contains(&book_path(f.partners)));
        // ignoreFolders hides the global address list, for alice only.
        set_user_config(
            &db.store,
            &f.site.alice,
            "com.openexchange.carddav.ignoreFolders",
            "6",
        )
        .await;
        assert_eq!(
            home_hrefs(&f.site, "alice", DAVX5).await,
            sorted(vec![book_path(f.alice_default), book_path(f.team)]),
            "{}",
            db.label
        );
        assert!(home_hrefs(&f.site, "bob", DAVX5)
            .await
            .contains(&book_path(GLOBAL_ADDRESS_BOOK)));
        // CardDAV switched off for bob.
        set_user_config(
            &db.store,
            &f.site.bob,
            "com.openexchange.carddav.enabled",
            "false",
        )
        .await;
        let answer = send(
            &f.site.app,
            call("PROPFIND", "/dav/carddav/", "bob")
                .depth("1")
                .body(BOOK_PROPS),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn address_books_describe_themselves() {
    for db in common::databases().await {
        let f = fixture(
            &db,
            &[],
            &[("com.openexchange.contact.maxVCardSize", "65536")],
        )
        .await;
        let answer = send(
            &f.site.app,
            call("PROPFIND", "/dav/carddav/", "alice")
                .header("user-agent", DAVX5)
                .depth("1")
                .body(BOOK_PROPS),
        )
        .await;
        let responses = answer.multistatus();
        let by_href = |href: &str| {
            responses
                .iter()
                .find(|r| r.href == href)
                .unwrap_or_else(|| panic!("{href} missing"))
                .clone()
        };
        let gal = by_href(&book_path(GLOBAL_ADDRESS_BOOK));
        let types: Vec<String> = gal
            .found(DAV, "resourcetype")
            .children
            .iter()
            .map(|c| format!("{}{}", c.ns, c.local))
            .collect();
        assert_eq!(
            types,
            vec![
                "DAV:collection".to_string(),
                format!("{CARDDAV}addressbook")
            ]
        );
        let data_types: Vec<(String, String)> = gal
            .found(CARDDAV, "supported-address-data")
            .children_named(CARDDAV, "address-data-type")
            .map(|t| {
                (
                    t.attribute("content-type").unwrap().to_string(),
                    t.attribute("version").unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            data_types,
            vec![
                ("text/vcard".to_string(), "3.0".to_string()),
                ("text/vcard".to_string(), "4.0".to_string())
            ]
        );
        assert_eq!(gal.found(CARDDAV, "max-resource-size").text, "65536");
        // The global address list is read-only; the shared Team folder is writable.
        let gal_privileges = gal.privileges();
        assert!(gal_privileges.contains(&"read".to_string()));
        assert!(
            !gal_privileges.contains(&"bind".to_string()),
            "{gal_privileges:?}"
        );
        let team = by_href(&book_path(f.team));
        assert!(team.privileges().contains(&"bind".to_string()));
        assert_eq!(
            team.found(CARDDAV, "addressbook-description").text,
            "Bob's team"
        );
        assert_eq!(team.found(DAV, "displayname").text, "Bob Builder: Team");
        let reports: Vec<String> = team
            .found(DAV, "supported-report-set")
            .children_named(DAV, "supported-report")
            .flat_map(|s| {
                s.children_named(DAV, "report")
                    .flat_map(|r| r.children.iter().map(|c| c.local.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            reports,
            vec![
                "addressbook-multiget",
                "addressbook-query",
                "sync-collection",
                "acl-principal-prop-set",
                "principal-match"
            ]
        );
        // The aggregated collection, with a ctag and sync token that move with any folder.
        let aggregated = send(
            &f.site.app,
            call("PROPFIND", AGGREGATED, "alice")
                .depth("0")
                .body(BOOK_PROPS),
        )
        .await
        .multistatus()
        .remove(0);
        assert_eq!(aggregated.found(DAV, "displayname").text, "All Contacts");
        let ctag = aggregated.found(CALENDARSERVER, "getctag").text.clone();
        let token = aggregated.found(DAV, "sync-token").text.clone();
        assert!(aggregated.privileges().contains(&"bind".to_string()));
        let put = put_vcard(
            &f.site,
            "bob",
            &format!("{}new.vcf", book_path(f.team)),
            &vcard("team-new", "Nina New", "nina@example.org"),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
        let again = send(
            &f.site.app,
            call("PROPFIND", AGGREGATED, "alice")
                .depth("0")
                .body(BOOK_PROPS),
        )
        .await
        .multistatus()
        .remove(0);
        assert_ne!(again.found(CALENDARSERVER, "getctag").text, ctag);
        assert_ne!(again.found(DAV, "sync-token").text, token, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn aggregated_collection_folders_choose_what_it_spans() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let ctx = f.site.alice.context_id;
        // One contact in each of alice's folders but the global address list (which
        // already holds alice and bob).
        for (folder, login, uid) in [(f.alice_default, "alice", "own"), (f.team, "bob", "team")] {
            let put = put_vcard(
                &f.site,
                login,
                &format!("{}{uid}.vcf", book_path(folder)),
                &vcard(uid, "Some One", "one@example.org"),
            )
            .await;
            assert_eq!(put.status, StatusCode::CREATED);
        }
        db.raw_sql(&format!(
            "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, etag, data, created_at, modified_at) \
             VALUES ({ctx}, {}, 'p.vcf', 'p', 'VCARD', '', {}, 0, 0)",
            f.partners,
            db.blob_literal(vcard("p", "Pat Partner", "pat@example.org").as_bytes())
        ))
        .await;
        // Partners is not used for sync.
        stop_syncing(&db.store, ctx, f.partners).await;
        let gal = GLOBAL_ADDRESS_BOOK;
        let cases: &[(&str, &str, Vec<FolderId>)] = &[
            (
                "aggregatedCollectionFolders",
                "all",
                vec![gal, f.team, f.alice_default, f.partners],
            ),
            (
                "aggregatedCollectionFolders",
                "all_synced",
                vec![gal, f.team, f.alice_default],
            ),
            (
                "aggregatedCollectionFolders",
                "reduced",
                vec![gal, f.alice_default],
            ),
            (
                "aggregatedCollectionFolders",
                "reduced_synced",
                vec![gal, f.alice_default],
            ),
            (
                "aggregatedCollectionFolders",
                "default_only",
                vec![f.alice_default],
            ),
        ];
        for (property, value, expected) in cases {
            let name = format!("com.openexchange.carddav.{property}");
            set_user_config(&db.store, &f.site.alice, &name, value).await;
            let hrefs = member_hrefs(&f.site, "alice", AGGREGATED).await;
            let mut expected = expected.clone();
            expected.sort_unstable();
            assert_eq!(
                folders_of(&hrefs, f.alice_default),
                expected,
                "{} {value}: {hrefs:?}",
                db.label
            );
        }
        // The legacy switch means reduced_synced when the successor is not set; with the
        // GAL not used for sync, only the default folder is left.
        db.store
            .remove_attribute(
                ctx,
                Some(f.site.alice.id),
                "config/com.openexchange.carddav.aggregatedCollectionFolders",
            )
            .await
            .unwrap();
        set_user_config(
            &db.store,
            &f.site.alice,
            "com.openexchange.carddav.reducedAggregatedCollection",
            "true",
        )
        .await;
        stop_syncing(&db.store, ctx, gal).await;
        let hrefs = member_hrefs(&f.site, "alice", AGGREGATED).await;
        assert_eq!(folders_of(&hrefs, f.alice_default), vec![f.alice_default]);
        // ignoreFolders applies to the aggregated collection too.
        set_user_config(
            &db.store,
            &f.site.alice,
            "com.openexchange.carddav.aggregatedCollectionFolders",
            "all",
        )
        .await;
        set_user_config(
            &db.store,
            &f.site.alice,
            "com.openexchange.carddav.ignoreFolders",
            &format!("6,{}", f.team),
        )
        .await;
        let hrefs = member_hrefs(&f.site, "alice", AGGREGATED).await;
        let mut expected = vec![f.alice_default, f.partners];
        expected.sort_unstable();
        assert_eq!(
            folders_of(&hrefs, f.alice_default),
            expected,
            "{}",
            db.label
        );
        db.drop_database().await;
    }
}

const APPLE_GROUP: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.5//EN\r\nN:Friends\r\nFN:Friends\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:carol-1\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:dave-2\r\nREV:2026-11-20T10:00:00Z\r\nUID:friends-group\r\nEND:VCARD\r\n";

fn reason(answer: &Answer) -> String {
    let root = parse_xml(&answer.body);
    root.child("http://davgate.org/ns/", "reason")
        .map(|r| r.text.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn vcards_are_stored_as_sent_with_etags_and_preconditions() {
    for db in common::databases().await {
        let f = fixture(
            &db,
            &[],
            &[("com.openexchange.contact.maxVCardSize", "4096")],
        )
        .await;
        let site = &f.site;
        let book = book_path(f.alice_default);
        let carol = vcard("carol-1", "Carol Clark", "carol@example.org");
        let path = format!("{book}carol.vcf");
        let put = put_vcard(site, "alice", &path, &carol).await;
        assert_eq!(put.status, StatusCode::CREATED);
        let etag = put.header("etag").unwrap().to_string();
        let got = send(&site.app, call("GET", &path, "alice")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, carol.as_bytes(), "served as stored");
        assert_eq!(got.header("etag"), Some(etag.as_str()));
        assert!(got
            .header("content-type")
            .unwrap()
            .starts_with("text/vcard"));
        // Asked for vCard 4.0, the same contact comes converted.
        let v4 = send(
            &site.app,
            call("GET", &path, "alice").header("accept", "text/vcard; version=4.0"),
        )
        .await;
        let text = String::from_utf8(v4.body.to_vec()).unwrap();
        assert!(
            text.contains("VERSION:4.0") && text.contains("FN:Carol Clark"),
            "{text}"
        );
        // Conditional writes.
        let stale = send(
            &site.app,
            call("PUT", &path, "alice")
                .header("content-type", "text/vcard")
                .header("if-match", "\"not-the-etag\"")
                .body(carol.clone()),
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let create_only = send(
            &site.app,
            call("PUT", &path, "alice")
                .header("content-type", "text/vcard")
                .header("if-none-match", "*")
                .body(carol.clone()),
        )
        .await;
        assert_eq!(create_only.status, StatusCode::PRECONDITION_FAILED);
        let edited = carol.replace("Carol Clark", "Carol Clark-Smith");
        let update = send(
            &site.app,
            call("PUT", &path, "alice")
                .header("content-type", "text/vcard")
                .header("if-match", etag.as_str())
                .body(edited.clone()),
        )
        .await;
        assert_eq!(update.status, StatusCode::NO_CONTENT);
        // Bad input: each answer names the precondition and the reason.
        let two = format!("{carol}{}", vcard("x", "X Y", "x@example.org"));
        let cases: Vec<(&str, String, &str, &str, &str)> = vec![
            (
                "two.vcf",
                two,
                "text/vcard",
                "valid-address-data",
                "two vCards",
            ),
            (
                "old.vcf",
                carol
                    .replace("VERSION:3.0", "VERSION:2.1")
                    .replace("carol-1", "old"),
                "text/vcard",
                "supported-address-data",
                "2.1",
            ),
            (
                "cal.vcf",
                vcard("cal", "Cal", "c@example.org"),
                "text/calendar",
                "supported-address-data",
                "text/calendar",
            ),
            (
                "big.vcf",
                vcard("big", &"B".repeat(5000), "b@example.org"),
                "text/vcard",
                "max-resource-size",
                "4096",
            ),
        ];
        for (name, body, content_type, condition, why) in cases {
            let answer = send(
                &site.app,
                call("PUT", &format!("{book}{name}"), "alice")
                    .header("content-type", content_type)
                    .body(body),
            )
            .await;
            common::caldav::assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                CARDDAV,
                condition,
                name,
            );
            assert!(
                reason(&answer).contains(why),
                "{name}: {:?}",
                reason(&answer)
            );
            let absent = send(&site.app, call("GET", &format!("{book}{name}"), "alice")).await;
            assert_eq!(
                absent.status,
                StatusCode::NOT_FOUND,
                "{name} was not stored"
            );
        }
        // carol's UID under another name: a conflict with her resource (409), which the
        // answer names.
        let twin = format!("{book}twin.vcf");
        let conflict = send(
            &site.app,
            call("PUT", &twin, "alice")
                .header("content-type", "text/vcard")
                .body(vcard("carol-1", "Carol Twin", "twin@example.org")),
        )
        .await;
        common::caldav::assert_precondition(
            &conflict,
            StatusCode::CONFLICT,
            CARDDAV,
            "no-uid-conflict",
            "twin.vcf",
        );
        let root = parse_xml(&conflict.body);
        assert_eq!(
            root.child(CARDDAV, "no-uid-conflict").unwrap().hrefs(),
            vec![path.clone()]
        );
        assert_eq!(
            send(&site.app, call("GET", &twin, "alice")).await.status,
            StatusCode::NOT_FOUND,
            "twin.vcf was not stored"
        );
        // The stored contact is the edited one, untouched by the refused writes.
        let got = send(&site.app, call("GET", &path, "alice")).await;
        assert_eq!(got.body, edited.as_bytes());
        // An Apple contact group comes back byte for byte.
        let group_path = format!("{book}friends.vcf");
        assert_eq!(
            put_vcard(site, "alice", &group_path, APPLE_GROUP)
                .await
                .status,
            StatusCode::CREATED
        );
        let group = send(&site.app, call("GET", &group_path, "alice")).await;
        assert_eq!(group.body, APPLE_GROUP.as_bytes());
        // DELETE honours If-Match, then the contact is gone.
        let current = got.header("etag").unwrap().to_string();
        let wrong = send(
            &site.app,
            call("DELETE", &path, "alice").header("if-match", "\"nope\""),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::PRECONDITION_FAILED);
        let deleted = send(
            &site.app,
            call("DELETE", &path, "alice").header("if-match", current.as_str()),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(
            send(&site.app, call("GET", &path, "alice")).await.status,
            StatusCode::NOT_FOUND,
            "{}",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_aggregated_collection_writes_where_each_contact_lives() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let site = &f.site;
        // A new contact lands in alice's default folder, under the name she chose.
        let new = vcard("agg-new", "Anna Aggregated", "anna@example.org");
        let put = put_vcard(site, "alice", &format!("{AGGREGATED}anna.vcf"), &new).await;
        assert_eq!(put.status, StatusCode::CREATED);
        let direct = send(
            &site.app,
            call(
                "GET",
                &format!("{}anna.vcf", book_path(f.alice_default)),
                "alice",
            ),
        )
        .await;
        assert_eq!(direct.body, new.as_bytes());
        // Bob's Team folder (alice is an author there): created through the folder,
        // edited and deleted through the aggregated collection.
        let team_card = vcard("team-1", "Tom Team", "tom@example.org");
        assert_eq!(
            put_vcard(
                site,
                "bob",
                &format!("{}tom.vcf", book_path(f.team)),
                &team_card
            )
            .await
            .status,
            StatusCode::CREATED
        );
        let hrefs = member_hrefs(site, "alice", AGGREGATED).await;
        let tom = format!("{AGGREGATED}{}~tom.vcf", f.team);
        assert!(hrefs.contains(&tom), "{hrefs:?}");
        assert!(hrefs.contains(&format!("{AGGREGATED}anna.vcf")));
        let edited = team_card.replace("Tom Team", "Tom Teamster");
        assert_eq!(
            put_vcard(site, "alice", &tom, &edited).await.status,
            StatusCode::NO_CONTENT
        );
        let in_team = send(
            &site.app,
            call("GET", &format!("{}tom.vcf", book_path(f.team)), "bob"),
        )
        .await;
        assert_eq!(in_team.body, edited.as_bytes(), "edited in bob's folder");
        // The global address list is read-only for alice: 403 with need-privileges.
        let gal_member = hrefs
            .iter()
            .find(|h| h.starts_with(&format!("{AGGREGATED}6~")))
            .expect("a global address list member")
            .clone();
        let original = send(&site.app, call("GET", &gal_member, "alice")).await;
        assert_eq!(original.status, StatusCode::OK);
        let refused = put_vcard(
            site,
            "alice",
            &gal_member,
            &String::from_utf8_lossy(&original.body).replace("FN:", "FN:Changed "),
        )
        .await;
        common::caldav::assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "PUT into the global address list",
        );
        // Changing a member's content needs DAV:write-content on it (RFC 3744 3.4).
        assert_eq!(
            common::caldav::needed_privileges(&refused),
            [(gal_member.clone(), "write-content".to_string())]
        );
        let refused = send(&site.app, call("DELETE", &gal_member, "alice")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let after = send(&site.app, call("GET", &gal_member, "alice")).await;
        assert_eq!(after.body, original.body, "the entry is unchanged");
        // Deleting through the aggregated collection removes it from bob's folder.
        assert_eq!(
            send(&site.app, call("DELETE", &tom, "alice")).await.status,
            StatusCode::NO_CONTENT
        );
        let gone = send(
            &site.app,
            call("GET", &format!("{}tom.vcf", book_path(f.team)), "bob"),
        )
        .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        // A name pointing into a folder the collection does not span is refused, and the
        // contact is stored nowhere.
        let listed = member_hrefs(site, "alice", AGGREGATED).await;
        let elsewhere = put_vcard(
            site,
            "alice",
            &format!("{AGGREGATED}{}~x.vcf", f.bob_default),
            &vcard("x", "X", "x@example.org"),
        )
        .await;
        assert_eq!(elsewhere.status, StatusCode::CONFLICT, "{}", db.label);
        assert_eq!(member_hrefs(site, "alice", AGGREGATED).await, listed);
        let in_bobs = send(
            &site.app,
            call("GET", &format!("{}x.vcf", book_path(f.bob_default)), "bob"),
        )
        .await;
        assert_eq!(in_bobs.status, StatusCode::NOT_FOUND, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn real_clients_discover_their_address_books() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let site = &f.site;
        // macOS Contacts: principal, then the home, where it finds the one collection.
        let principal_path = format!("/dav/principals/users/{}/", site.alice.id);
        let principal = send(
            &site.app,
            call("PROPFIND", &principal_path, "alice")
                .header("user-agent", MAC_CONTACTS)
                .depth("0")
                .body(common::http::fixture(
                    "apple-addressbook-principal-propfind.xml",
                )),
        )
        .await;
        let principal = principal.multistatus().remove(0);
        let home = principal.href_of(CARDDAV, "addressbook-home-set");
        assert_eq!(home, "/dav/carddav/");
        let answer = send(
            &site.app,
            call("PROPFIND", &home, "alice")
                .header("user-agent", MAC_CONTACTS)
                .depth("1")
                .body(common::http::fixture("apple-addressbook-home-propfind.xml")),
        )
        .await;
        let responses = answer.multistatus();
        let book = responses
            .iter()
            .find(|r| r.href == AGGREGATED)
            .expect("Contacts");
        assert_eq!(book.found(DAV, "displayname").text, "All Contacts");
        assert!(book
            .found(DAV, "resourcetype")
            .child(CARDDAV, "addressbook")
            .is_some());
        assert_eq!(
            book.href_of(DAV, "owner"),
            format!("/dav/principals/users/{}/", f.site.alice.id)
        );
        assert!(book
            .found(DAV, "sync-token")
            .text
            .starts_with("http://davgate.org/ns/sync/"));
        // What davgate does not know is a 404 propstat, not an error.
        assert_eq!(
            book.status_of("http://calendarserver.org/ns/", "me-card"),
            Some(404)
        );
        // DAVx5: one address book per folder, each with its sync token.
        let answer = send(
            &site.app,
            call("PROPFIND", &home, "alice")
                .header("user-agent", DAVX5)
                .depth("1")
                .body(common::http::fixture("davx5-home-propfind.xml")),
        )
        .await;
        let books: Vec<DavResponse> = answer
            .multistatus()
            .into_iter()
            .filter(|r| r.href != home)
            .collect();
        assert_eq!(
            sorted(books.iter().map(|b| b.href.clone()).collect()),
            sorted(vec![
                book_path(f.alice_default),
                book_path(GLOBAL_ADDRESS_BOOK),
                book_path(f.team),
                book_path(f.partners),
            ])
        );
        for book in &books {
            assert!(book
                .found(DAV, "resourcetype")
                .child(CARDDAV, "addressbook")
                .is_some());
            assert!(!book.found(DAV, "sync-token").text.is_empty());
        }
        // The initial sync DAVx5 sends, on the global address list.
        let sync = send(
            &site.app,
            call("REPORT", &book_path(GLOBAL_ADDRESS_BOOK), "alice")
                .header("user-agent", DAVX5)
                .depth("1")
                .body(common::http::fixture("sync-collection-initial.xml")),
        )
        .await;
        assert_eq!(sync.status, StatusCode::MULTI_STATUS);
        assert_eq!(sync.multistatus().len(), 2, "alice and bob, {}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn folder_address_books_take_names_descriptions_and_dead_properties() {
    for db in common::databases().await {
        let f = fixture(&db, &[], &[]).await;
        let site = &f.site;
        let book = book_path(f.alice_default);
        let patch = r#"<?xml version="1.0"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:X="http://example.com/ns/">
  <D:set><D:prop><D:displayname>Family</D:displayname>
    <C:addressbook-description>Close ones</C:addressbook-description>
    <X:sort-by><X:field>family-name</X:field></X:sort-by></D:prop></D:set>
</D:propertyupdate>"#;
        let answer = send(&site.app, call("PROPPATCH", &book, "alice").body(patch)).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let response = answer.multistatus().remove(0);
        assert_eq!(response.status_of(DAV, "displayname"), Some(200));
        assert_eq!(
            response.status_of("http://example.com/ns/", "sort-by"),
            Some(200)
        );
        let read = r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:X="http://example.com/ns/"><D:prop><D:displayname/><C:addressbook-description/><X:sort-by/></D:prop></D:propfind>"#;
        let after = send(
            &site.app,
            call("PROPFIND", &book, "alice").depth("0").body(read),
        )
        .await
        .multistatus()
        .remove(0);
        assert_eq!(after.found(DAV, "displayname").text, "Family");
        assert_eq!(
            after.found(CARDDAV, "addressbook-description").text,
            "Close ones"
        );
        let dead = after.found("http://example.com/ns/", "sort-by");
        assert_eq!(
            dead.child("http://example.com/ns/", "field").unwrap().text,
            "family-name"
        );
        // A CalDAV property has no place on an address book: all or nothing.
        let mixed = r#"<?xml version="1.0"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/">
  <D:set><D:prop><D:displayname>Other</D:displayname><A:calendar-color>#FF0000</A:calendar-color></D:prop></D:set>
</D:propertyupdate>"#;
        let refused = send(&site.app, call("PROPPATCH", &book, "alice").body(mixed))
            .await
            .multistatus()
            .remove(0);
        assert_eq!(
            refused.status_of("http://apple.com/ns/ical/", "calendar-color"),
            Some(403)
        );
        assert_eq!(refused.status_of(DAV, "displayname"), Some(424));
        let unchanged = send(
            &site.app,
            call("PROPFIND", &book, "alice").depth("0").body(read),
        )
        .await
        .multistatus()
        .remove(0);
        assert_eq!(unchanged.found(DAV, "displayname").text, "Family");
        // Not alice's to change: the global address list and the aggregated collection.
        let gal = send(
            &site.app,
            call("PROPPATCH", &book_path(GLOBAL_ADDRESS_BOOK), "alice").body(patch),
        )
        .await;
        common::caldav::assert_precondition(
            &gal,
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "PROPPATCH of the global address list",
        );
        // Properties need DAV:write-properties on the address book (RFC 3744 3.3).
        assert_eq!(
            common::caldav::needed_privileges(&gal),
            [(
                book_path(GLOBAL_ADDRESS_BOOK),
                "write-properties".to_string()
            )]
        );
        let aggregated = send(
            &site.app,
            call("PROPPATCH", AGGREGATED, "alice").body(patch),
        )
        .await;
        assert_eq!(aggregated.status, StatusCode::FORBIDDEN, "{}", db.label);
        db.drop_database().await;
    }
}
