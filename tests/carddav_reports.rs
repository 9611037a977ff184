//! CardDAV reports through the real router, on SQLite and PostgreSQL: addressbook-multiget
//! and addressbook-query on folder and aggregated address books, and sync-collection,
//! including the aggregated collection's answer when the folders behind it change.

mod common;

use common::carddav::*;
use common::http::*;
use davgate::store::{FolderId, Permission, Role};
use http::StatusCode;

struct Fixture {
    site: Site,
    db_label: &'static str,
    alice_default: FolderId,
    team: FolderId,
}

/// alice's default folder with four contacts; bob's "Team" (not yet shared) with two.
async fn fixture(db: &common::TestDb) -> Fixture {
    let site = site(&db.store, common::caldav::LAYOUT).await;
    let ctx = site.alice.context_id;
    let team = new_contact_folder(
        &db.store,
        ctx,
        Some(site.bob.id),
        "Team",
        None,
        vec![Permission::for_role(
            site.bob.id,
            false,
            Role::Administrator,
        )],
    )
    .await;
    let alice_default = contacts_folder(&db.store, &site.alice).await.id;
    let own = [
        ("carol", "Carol Clark", "carol@work.example"),
        ("dave", "Dave Davis", "dave@home.example"),
        ("erin", "Erin Evans", "erin@work.example"),
        ("frank", "Frank Fuller", "frank@home.example"),
    ];
    for (uid, name, mail) in own {
        let put = put_vcard(
            &site,
            "alice",
            &format!("{}{uid}.vcf", book_path(alice_default)),
            &vcard(uid, name, mail),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
    }
    for (uid, name) in [("tina", "Tina Team"), ("tom", "Tom Team")] {
        let put = put_vcard(
            &site,
            "bob",
            &format!("{}{uid}.vcf", book_path(team)),
            &vcard(uid, name, &format!("{uid}@team.example")),
        )
        .await;
        assert_eq!(put.status, StatusCode::CREATED);
    }
    Fixture {
        site,
        db_label: db.label,
        alice_default,
        team,
    }
}

async fn report(site: &Site, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        call("REPORT", path, "alice")
            .depth("1")
            .body(body.to_owned()),
    )
    .await
}

fn multiget(hrefs: &[String], address_data: &str) -> String {
    let hrefs: String = hrefs
        .iter()
        .map(|h| format!("<D:href>{h}</D:href>"))
        .collect();
    format!(
        r#"<?xml version="1.0"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/>{address_data}</D:prop>{hrefs}</C:addressbook-multiget>"#
    )
}

fn query(filter: &str, limit: Option<u32>) -> String {
    let limit = limit
        .map(|n| format!("<C:limit><C:nresults>{n}</C:nresults></C:limit>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/></D:prop>{filter}{limit}</C:addressbook-query>"#
    )
}

/// The hrefs (sorted) of the members a report found, and of those it reported gone.
fn found_and_gone(answer: &Answer) -> (Vec<String>, Vec<String>) {
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut found = Vec::new();
    let mut gone = Vec::new();
    for r in answer.multistatus() {
        match r.status {
            Some(404) => gone.push(r.href),
            Some(other) => panic!("{} answered {other}", r.href),
            None => found.push(r.href),
        }
    }
    found.sort();
    gone.sort();
    (found, gone)
}

fn names(prefix: &str, names: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
    all.sort();
    all
}

#[tokio::test]
async fn multiget_answers_each_href_with_the_vcard_asked_for() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let book = book_path(f.alice_default);
        let hrefs = vec![
            format!("{book}carol.vcf"),
            format!("{book}nobody.vcf"),
            format!("{book}dave.vcf"),
        ];
        let answer = report(&f.site, &book, &multiget(&hrefs, "<C:address-data/>")).await;
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 3);
        let carol = responses.iter().find(|r| r.href == hrefs[0]).unwrap();
        assert_eq!(
            carol.found(CARDDAV, "address-data").text,
            vcard("carol", "Carol Clark", "carol@work.example")
        );
        assert_eq!(
            responses
                .iter()
                .find(|r| r.href == hrefs[1])
                .unwrap()
                .status,
            Some(404)
        );
        // vCard 4.0 with only FN and EMAIL (plus what identifies the card).
        let v4 = r#"<C:address-data content-type="text/vcard" version="4.0"><C:prop name="FN"/><C:prop name="EMAIL"/></C:address-data>"#;
        let answer = report(&f.site, &book, &multiget(&hrefs[..1], v4)).await;
        let data = answer.multistatus()[0]
            .found(CARDDAV, "address-data")
            .text
            .clone();
        assert!(data.contains("VERSION:4.0"), "{data}");
        assert!(data.contains("FN:Carol Clark") && data.contains("carol@work.example"));
        assert!(data.contains("UID:carol"));
        assert!(!data.contains("TEL"), "TEL was not asked for: {data}");
        // An unsupported address-data version is refused by name.
        let bad = r#"<C:address-data content-type="text/vcard" version="2.1"/>"#;
        let answer = report(&f.site, &book, &multiget(&hrefs[..1], bad)).await;
        common::caldav::assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CARDDAV,
            "supported-address-data",
            "vCard 2.1",
        );
        // The aggregated collection resolves hrefs into every folder it spans.
        db.store
            .set_permission(
                f.site.alice.context_id,
                f.team,
                Permission::for_role(f.site.alice.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let hrefs = vec![
            format!("{AGGREGATED}erin.vcf"),
            format!("{AGGREGATED}{}~tina.vcf", f.team),
            format!("{AGGREGATED}{}~nobody.vcf", f.team),
            format!("{AGGREGATED}99999~tina.vcf"),
        ];
        let answer = report(&f.site, AGGREGATED, &multiget(&hrefs, "<C:address-data/>")).await;
        let (found, gone) = found_and_gone(&answer);
        assert_eq!(found, names("", &[&hrefs[0], &hrefs[1]]));
        assert_eq!(gone, names("", &[&hrefs[2], &hrefs[3]]), "{}", f.db_label);
        db.drop_database().await;
    }
}

/// addressbook-multiget may be sent to a contact's own URL (RFC 6352 8.7).
#[tokio::test]
async fn multiget_at_a_contact_url_answers_its_hrefs() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let book = book_path(f.alice_default);
        let hrefs = vec![format!("{book}erin.vcf")];
        let answer = report(&f.site, &hrefs[0], &multiget(&hrefs, "<C:address-data/>")).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", f.db_label);
        let responses = answer.multistatus();
        assert_eq!(
            responses[0].found(CARDDAV, "address-data").text,
            vcard("erin", "Erin Evans", "erin@work.example")
        );
        db.drop_database().await;
    }
}

/// addressbook-multiget on the address book home with hrefs in several books: each
/// answered as on its book; one in a book alice does not see (bob's Team, not shared
/// yet), 404.
#[tokio::test]
async fn multiget_on_the_home_spans_address_books() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let book = book_path(f.alice_default);
        let hrefs = vec![
            format!("{book}carol.vcf"),
            format!("{}tina.vcf", book_path(f.team)),
            format!("{AGGREGATED}dave.vcf"),
        ];
        let answer = report(
            &f.site,
            "/dav/carddav/",
            &multiget(&hrefs, "<C:address-data/>"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: {}",
            f.db_label,
            String::from_utf8_lossy(&answer.body)
        );
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 3);
        let of = |href: &String| {
            responses
                .iter()
                .find(|r| r.href == *href)
                .unwrap_or_else(|| panic!("{href} in {responses:?}"))
        };
        assert_eq!(
            of(&hrefs[0]).found(CARDDAV, "address-data").text,
            vcard("carol", "Carol Clark", "carol@work.example")
        );
        assert_eq!(
            of(&hrefs[1]).status,
            Some(404),
            "bob's Team is not alice's to read"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn addressbook_query_filters_like_rfc_6352() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let book = book_path(f.alice_default);
        let cases: &[(&str, &[&str])] = &[
            // Work addresses: ends-with, case-insensitive.
            (
                r#"<C:filter><C:prop-filter name="EMAIL"><C:text-match match-type="ends-with">@WORK.example</C:text-match></C:prop-filter></C:filter>"#,
                &["carol", "erin"],
            ),
            (
                r#"<C:filter><C:prop-filter name="FN"><C:text-match match-type="starts-with">d</C:text-match></C:prop-filter></C:filter>"#,
                &["dave"],
            ),
            (
                r#"<C:filter><C:prop-filter name="FN"><C:text-match match-type="equals">Frank Fuller</C:text-match></C:prop-filter></C:filter>"#,
                &["frank"],
            ),
            // negate-condition
            (
                r#"<C:filter><C:prop-filter name="EMAIL"><C:text-match negate-condition="yes">work</C:text-match></C:prop-filter></C:filter>"#,
                &["dave", "frank"],
            ),
            // anyof (the default) and allof across prop-filters
            (
                r#"<C:filter test="anyof"><C:prop-filter name="FN"><C:text-match>carol</C:text-match></C:prop-filter><C:prop-filter name="FN"><C:text-match>dave</C:text-match></C:prop-filter></C:filter>"#,
                &["carol", "dave"],
            ),
            (
                r#"<C:filter test="allof"><C:prop-filter name="FN"><C:text-match>avi</C:text-match></C:prop-filter><C:prop-filter name="EMAIL"><C:text-match>home</C:text-match></C:prop-filter></C:filter>"#,
                &["dave"],
            ),
            // is-not-defined, and a param-filter on TYPE
            (
                r#"<C:filter><C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter></C:filter>"#,
                &["carol", "dave", "erin", "frank"],
            ),
            (
                r#"<C:filter><C:prop-filter name="TEL"><C:param-filter name="TYPE"><C:text-match match-type="equals">cell</C:text-match></C:param-filter></C:prop-filter></C:filter>"#,
                &["carol", "dave", "erin", "frank"],
            ),
            (
                r#"<C:filter><C:prop-filter name="TEL"><C:param-filter name="TYPE"><C:text-match match-type="equals">fax</C:text-match></C:param-filter></C:prop-filter></C:filter>"#,
                &[],
            ),
        ];
        for (filter, expected) in cases {
            let answer = report(&f.site, &book, &query(filter, None)).await;
            let (found, _) = found_and_gone(&answer);
            let expected: Vec<String> = expected.iter().map(|n| format!("{n}.vcf")).collect();
            assert_eq!(
                found,
                names(
                    &book,
                    &expected.iter().map(String::as_str).collect::<Vec<_>>()
                ),
                "{filter}"
            );
        }
        // nresults: two matches, then a 507 for the collection.
        let answer = report(
            &f.site,
            &book,
            &query(
                r#"<C:filter><C:prop-filter name="FN"/></C:filter>"#,
                Some(2),
            ),
        )
        .await;
        let responses = answer.multistatus();
        assert_eq!(
            responses.len(),
            3,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(responses[2].href, book);
        assert_eq!(responses[2].status, Some(507));
        // An unknown collation is refused with CardDAV's precondition.
        let answer = report(
            &f.site,
            &book,
            &query(
                r#"<C:filter><C:prop-filter name="FN"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:filter>"#,
                None,
            ),
        )
        .await;
        common::caldav::assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CARDDAV,
            "supported-collation",
            "unknown collation",
        );
        // On the aggregated collection the query spans the global address list too.
        let answer = report(
            &f.site,
            AGGREGATED,
            &query(
                r#"<C:filter><C:prop-filter name="EMAIL"><C:text-match>@example.com</C:text-match></C:prop-filter></C:filter>"#,
                None,
            ),
        )
        .await;
        let (found, _) = found_and_gone(&answer);
        assert_eq!(
            found.len(),
            2,
            "alice and bob in the global address list: {found:?}"
        );
        assert!(
            found
                .iter()
                .all(|h| h.starts_with(&format!("{AGGREGATED}6~"))),
            "{}",
            f.db_label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn sync_reports_changes_and_resumes_after_a_limit() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let book = book_path(f.alice_default);
        let initial = report(&f.site, &book, &sync_body("", None)).await;
        let (found, gone) = found_and_gone(&initial);
        assert_eq!(
            found,
            names(&book, &["carol.vcf", "dave.vcf", "erin.vcf", "frank.vcf"])
        );
        assert!(gone.is_empty());
        let token = initial.sync_token();
        // Nothing changed: nothing reported, same token.
        let again = report(&f.site, &book, &sync_body(&token, None)).await;
        assert_eq!(found_and_gone(&again), (vec![], vec![]));
        assert_eq!(again.sync_token(), token);
        // An edit, a new contact and a delete.
        let edit = put_vcard(
            &f.site,
            "alice",
            &format!("{book}carol.vcf"),
            &vcard("carol", "Carol C", "c@work.example"),
        )
        .await;
        assert_eq!(edit.status, StatusCode::NO_CONTENT);
        let new = put_vcard(
            &f.site,
            "alice",
            &format!("{book}gina.vcf"),
            &vcard("gina", "Gina G", "g@home.example"),
        )
        .await;
        assert_eq!(new.status, StatusCode::CREATED);
        let delete = send(
            &f.site.app,
            call("DELETE", &format!("{book}dave.vcf"), "alice"),
        )
        .await;
        assert_eq!(delete.status, StatusCode::NO_CONTENT);
        let changes = report(&f.site, &book, &sync_body(&token, None)).await;
        assert_eq!(
            found_and_gone(&changes),
            (
                names(&book, &["carol.vcf", "gina.vcf"]),
                names(&book, &["dave.vcf"])
            )
        );
        // With a limit of one: one member, a 507, and a token that picks up the rest.
        let first = report(&f.site, &book, &sync_body(&token, Some(1))).await;
        let responses = first.multistatus();
        assert_eq!(responses.len(), 2);
        assert_eq!(responses[1].status, Some(507));
        let mut seen = vec![responses[0].href.clone()];
        let rest = report(&f.site, &book, &sync_body(&first.sync_token(), None)).await;
        let (found, gone) = found_and_gone(&rest);
        seen.extend(found);
        seen.extend(gone);
        seen.sort();
        assert_eq!(seen, names(&book, &["carol.vcf", "dave.vcf", "gina.vcf"]));
        // Tokens of another server or collection are refused: here, the aggregated one's.
        let aggregated_token = report(&f.site, AGGREGATED, &sync_body("", None))
            .await
            .sync_token();
        for foreign in ["http://example.com/sync/1".to_string(), aggregated_token] {
            let answer = report(&f.site, &book, &sync_body(&foreign, None)).await;
            common::caldav::assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "valid-sync-token",
                &foreign,
            );
        }
        let answer = report(&f.site, AGGREGATED, &sync_body(&token, None)).await;
        common::caldav::assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "valid-sync-token",
            &format!(
                "{}: a folder token on the aggregated collection",
                f.db_label
            ),
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_aggregated_sync_follows_folders_coming_and_going() {
    for db in common::databases().await {
        let f = fixture(&db).await;
        let ctx = f.site.alice.context_id;
        let initial = report(&f.site, AGGREGATED, &sync_body("", None)).await;
        let (found, _) = found_and_gone(&initial);
        // alice's four contacts (plain names) and the two users of the global address list.
        assert_eq!(found.len(), 6, "{found:?}");
        let own = names(
            AGGREGATED,
            &["carol.vcf", "dave.vcf", "erin.vcf", "frank.vcf"],
        );
        assert!(own.iter().all(|h| found.contains(h)));
        let gal: Vec<String> = found
            .iter()
            .filter(|h| h.contains("/6~"))
            .cloned()
            .collect();
        assert_eq!(gal.len(), 2);
        let token = initial.sync_token();
        // bob shares Team with alice: its members come in as new, nothing else is sent.
        db.store
            .set_permission(
                ctx,
                f.team,
                Permission::for_role(f.site.alice.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let shared = report(&f.site, AGGREGATED, &sync_body(&token, None)).await;
        let team = names(
            AGGREGATED,
            &[
                &format!("{}~tina.vcf", f.team),
                &format!("{}~tom.vcf", f.team),
            ],
        );
        assert_eq!(found_and_gone(&shared), (team.clone(), vec![]));
        let token = shared.sync_token();
        // alice hides the global address list: its members leave as deleted.
        set_user_config(
            &db.store,
            &f.site.alice,
            "com.openexchange.carddav.ignoreFolders",
            "6",
        )
        .await;
        let hidden = report(&f.site, AGGREGATED, &sync_body(&token, None)).await;
        assert_eq!(found_and_gone(&hidden), (vec![], gal.clone()));
        let token = hidden.sync_token();
        // bob edits one Team contact, deletes the other, then unshares: the client is told
        // to sync afresh (it may no longer learn anything of Team), and that sync lists
        // what it may read.
        let edit = put_vcard(
            &f.site,
            "bob",
            &format!("{}tina.vcf", book_path(f.team)),
            &vcard("tina", "Tina T", "t@team.example"),
        )
        .await;
        assert_eq!(edit.status, StatusCode::NO_CONTENT);
        let middle = report(&f.site, AGGREGATED, &sync_body(&token, None)).await;
        assert_eq!(
            found_and_gone(&middle),
            (
                names(AGGREGATED, &[&format!("{}~tina.vcf", f.team)]),
                vec![]
            )
        );
        let token = middle.sync_token();
        let delete = send(
            &f.site.app,
            call("DELETE", &format!("{}tom.vcf", book_path(f.team)), "bob"),
        )
        .await;
        assert_eq!(delete.status, StatusCode::NO_CONTENT);
        db.store
            .remove_permission(ctx, f.team, f.site.alice.id, false)
            .await
            .unwrap();
        let unshared = report(&f.site, AGGREGATED, &sync_body(&token, None)).await;
        common::caldav::assert_precondition(
            &unshared,
            StatusCode::FORBIDDEN,
            DAV,
            "valid-sync-token",
            &format!("{}: Team no longer shared", f.db_label),
        );
        let afresh = report(&f.site, AGGREGATED, &sync_body("", None)).await;
        assert_eq!(found_and_gone(&afresh), (own.clone(), vec![]));
        // The listing agrees with what the client was told.
        let listed = member_hrefs(&f.site, "alice", AGGREGATED).await;
        let mut listed = listed;
        listed.sort();
        assert_eq!(listed, own, "{}", f.db_label);
        db.drop_database().await;
    }
}
