//! The principal searches of RFC 3744 on the principal collections, on SQLite and
//! PostgreSQL, as Apple clients and attendee lookups use them: who matches by display
//! name or login, by mail address, with `anyof`/`allof` and `starts-with`; never a
//! disabled user or one of another context; at most `maxPrincipalSearchResults`.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use davgate::provision::create_user;
use http::StatusCode;

fn search(test: &str, searches: &[(&str, &str)]) -> String {
    let searches: String = searches
        .iter()
        .map(|(prop, text)| {
            format!("<D:property-search><D:prop>{prop}</D:prop><D:match>{text}</D:match></D:property-search>")
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" {test}>{searches}<D:prop><D:displayname/><C:calendar-user-address-set/></D:prop></D:principal-property-search>"#
    )
}

async fn report(site: &Site, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("REPORT", path)
            .auth("alice@example.com", ALICE_PASSWORD)
            .depth("0")
            .body(body.to_string()),
    )
    .await
}

/// The display names of the principals found, sorted.
async fn found(site: &Site, body: &str) -> Vec<String> {
    let answer = report(site, "/dav/principals/users/", body).await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut names: Vec<String> = answer
        .multistatus()
        .iter()
        .map(|r| r.found(DAV, "displayname").text.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn principals_are_found_by_name_login_and_address() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let ctx = site.alice.context_id;
        let mut carol = user_spec(
            "carol",
            "carol@example.com",
            &[],
            "Carol Builder",
            "carol-Secret-3",
        );
        carol.modules = Vec::new();
        let carol = create_user(&db.store, ctx, carol).await.unwrap();
        db.store
            .update_user(
                ctx,
                carol.id,
                davgate::store::UserUpdate {
                    enabled: Some(false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        other_context_user(
            &db.store,
            "other.test",
            "bobby",
            "Bob Outsider",
            "x-Secret-4",
        )
        .await;

        let display = "<D:displayname/>";
        let address = "<C:calendar-user-address-set/>";
        assert_eq!(
            found(&site, &search("", &[(display, "BUILD")])).await,
            ["Bob Builder"],
            "{}: carol is disabled, bobby elsewhere",
            db.label
        );
        assert_eq!(
            found(&site, &search("", &[(display, "alice")])).await,
            ["Alice Liddell"],
            "the login counts"
        );
        assert_eq!(
            found(&site, &search("", &[(address, "alice.l@")])).await,
            ["Alice Liddell"],
            "aliases count"
        );
        assert_eq!(
            found(&site, &search("", &[(address, "example.com")])).await,
            ["Alice Liddell", "Bob Builder"]
        );
        assert_eq!(
            found(
                &site,
                &search(r#"test="anyof""#, &[(display, "alice"), (display, "bob")])
            )
            .await,
            ["Alice Liddell", "Bob Builder"]
        );
        assert!(
            found(&site, &search("", &[(display, "alice"), (display, "bob")]))
                .await
                .is_empty(),
            "allof"
        );
        let starts = r#"<?xml version="1.0"?><D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/></D:prop><D:match match-type="starts-with">Lid</D:match></D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>"#;
        assert!(
            found(&site, starts).await.is_empty(),
            "Liddell does not start the name"
        );

        // The answer carries the principal's href and the properties asked for.
        let answer = report(&site, "/dav/principals/", &search("", &[(display, "bob")])).await;
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 1);
        assert_eq!(
            responses[0].href,
            format!("/dav/principals/users/{}/", site.bob.id)
        );
        assert!(responses[0]
            .found(CALDAV, "calendar-user-address-set")
            .hrefs()
            .contains(&"mailto:bob@example.com".to_string()));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_search_lists_at_most_the_configured_principals() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxPrincipalSearchResults", "1")]].concat();
        let site = site(&db.store, &overrides).await;
        let answer = report(
            &site,
            "/dav/principals/users/",
            &search("", &[("<C:calendar-user-address-set/>", "example.com")]),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 2, "one principal, then the truncation");
        assert_eq!(responses[1].href, "/dav/principals/users/");
        assert_eq!(responses[1].status, Some(507));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_search_property_set_names_what_can_be_searched() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let body = r#"<?xml version="1.0"?><D:principal-search-property-set xmlns:D="DAV:"/>"#;
        let answer = report(&site, "/dav/principals/", body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", db.label);
        let root = parse_xml(&answer.body);
        assert!(root.is(DAV, "principal-search-property-set"));
        let searchable: Vec<String> = root
            .children_named(DAV, "principal-search-property")
            .map(|p| p.child(DAV, "prop").unwrap().children[0].local.clone())
            .collect();
        assert_eq!(
            searchable,
            [
                "displayname",
                "calendar-user-address-set",
                "email-address-set"
            ]
        );

        // The principal collections say so; elsewhere the searches are not supported.
        let props = send(
            &site.app,
            Call::new("PROPFIND", "/dav/principals/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/></D:prop></D:propfind>"#),
        )
        .await;
        let text = String::from_utf8_lossy(&props.body).to_string();
        assert!(text.contains("principal-property-search"), "{text}");
        let elsewhere = report(&site, "/dav/caldav/", body).await;
        assert_eq!(
            elsewhere.status,
            StatusCode::FORBIDDEN,
            "not a report of the home"
        );
        let unknown = report(
            &site,
            "/dav/principals/",
            r#"<D:acl-principal-prop-set xmlns:D="DAV:"/>"#,
        )
        .await;
        assert_eq!(unknown.status, StatusCode::FORBIDDEN);
        db.drop_database().await;
    }
}
