//! Apple's calendarserver-principal-search and RFC 3744's principal-property-search over
//! users, rooms, equipment and groups, on SQLite and PostgreSQL: tokens that must all
//! match, the `context` of the search, `nresults` and the server's limit, refused
//! bodies, and only the searcher's context.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use common::principals::{partners, text};
use http::StatusCode;

fn cs_body(context: &str, tokens: &[&str], nresults: Option<u32>) -> String {
    let tokens: String = tokens
        .iter()
        .map(|t| format!("<CS:search-token>{t}</CS:search-token>"))
        .collect();
    let limit = nresults
        .map(|n| format!("<CS:limit><CS:nresults>{n}</CS:nresults></CS:limit>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0"?><CS:calendarserver-principal-search xmlns:CS="http://calendarserver.org/ns/" xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" {context}>{tokens}{limit}<D:prop><D:displayname/><C:calendar-user-type/><C:calendar-user-address-set/></D:prop></CS:calendarserver-principal-search>"#
    )
}

async fn cs_search(
    site: &Site,
    login: (&str, &str),
    path: &str,
    context: &str,
    tokens: &[&str],
    nresults: Option<u32>,
) -> Answer {
    send(
        &site.app,
        Call::new("REPORT", path)
            .auth(login.0, login.1)
            .depth("0")
            .body(cs_body(context, tokens, nresults)),
    )
    .await
}

/// The display names the search finds on `path`, in the order answered.
async fn names(site: &Site, path: &str, context: &str, tokens: &[&str]) -> Vec<String> {
    let answer = cs_search(site, ("alice", ALICE_PASSWORD), path, context, tokens, None).await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer
        .multistatus()
        .iter()
        .map(|r| text(r, DAV, "displayname"))
        .collect()
}

#[tokio::test]
async fn calendarserver_principal_search_finds_by_tokens_and_context() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let p = partners(&site).await;
        let all = "/dav/principals/";
        assert_eq!(
            names(&site, all, "", &["EXAMPLE.COM"]).await,
            ["Alice Liddell", "Bob Builder", "Room 1", "Projector"],
            "{}: by mail, any case; carol is disabled",
            db.label
        );
        assert_eq!(names(&site, all, "", &["lidd"]).await, ["Alice Liddell"]);
        assert_eq!(
            names(&site, all, "", &["alice.l@"]).await,
            ["Alice Liddell"],
            "aliases count"
        );
        assert_eq!(
            names(&site, all, "", &["bob", "builder"]).await,
            ["Bob Builder"]
        );
        assert!(
            names(&site, all, "", &["alice", "bob"]).await.is_empty(),
            "every token must match"
        );
        assert_eq!(
            names(&site, all, r#"context="location""#, &["example"]).await,
            ["Room 1"],
            "locations are rooms"
        );
        assert_eq!(
            names(&site, all, r#"context="resource""#, &["example"]).await,
            ["Projector"]
        );
        assert_eq!(
            names(&site, all, r#"context="attendee""#, &["e"]).await,
            ["Alice Liddell", "Bob Builder", "Projector", "Team"],
            "attendees: users, equipment, groups"
        );
        assert!(
            names(&site, "/dav/principals/users/", "", &["room"])
                .await
                .is_empty(),
            "a sub-collection searches its own principals"
        );
        assert_eq!(
            names(&site, "/dav/principals/resources/", "", &["1"]).await,
            ["Room 1"]
        );

        // The answer is what PROPFIND gives, under the principal's href.
        let answer = cs_search(&site, ("alice", ALICE_PASSWORD), all, "", &["team"], None).await;
        let responses = answer.multistatus();
        assert_eq!(
            responses[0].href,
            format!("/dav/principals/groups/{}/", p.team.id)
        );
        assert_eq!(text(&responses[0], CALDAV, "calendar-user-type"), "GROUP");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn calendarserver_principal_search_is_bounded() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxPrincipalSearchResults", "3")]].concat();
        let site = site(&db.store, &overrides).await;
        partners(&site).await;
        let alice = ("alice", ALICE_PASSWORD);
        // The client's nresults, below the server's limit.
        let answer = cs_search(&site, alice, "/dav/principals/", "", &["example"], Some(1)).await;
        let responses = answer.multistatus();
        assert_eq!(
            responses.len(),
            2,
            "{}: one principal, then the truncation",
            db.label
        );
        assert_eq!(text(&responses[0], DAV, "displayname"), "Alice Liddell");
        assert_eq!(responses[1].href, "/dav/principals/");
        assert_eq!(responses[1].status, Some(507));
        // The server's limit, below the client's nresults.
        let answer = cs_search(&site, alice, "/dav/principals/", "", &["example"], Some(50)).await;
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 4, "{}", db.label);
        assert_eq!(responses[3].status, Some(507));
        // Everything fits: no truncation.
        let answer = cs_search(&site, alice, "/dav/principals/", "", &["room"], Some(5)).await;
        assert_eq!(answer.multistatus().len(), 1);

        for refused in [
            cs_body("", &[], None),
            cs_body("", &["  "], None),
            cs_body(r#"context="planet""#, &["a"], None),
            cs_body("", &vec!["a"; 101], None),
        ] {
            let answer = send(
                &site.app,
                Call::new("REPORT", "/dav/principals/")
                    .auth("alice", ALICE_PASSWORD)
                    .body(refused.clone()),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{}: {refused}",
                db.label
            );
            assert!(!answer.body.is_empty(), "the 400 says why");
        }

        // Advertised on the principal collections, refused elsewhere.
        let props = send(
            &site.app,
            Call::new("PROPFIND", "/dav/principals/resources/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/></D:prop></D:propfind>"#),
        )
        .await;
        let reports = String::from_utf8_lossy(&props.body).to_string();
        assert!(
            reports.contains("calendarserver-principal-search"),
            "{reports}"
        );
        let elsewhere = cs_search(&site, alice, "/dav/caldav/", "", &["a"], None).await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn principal_property_search_finds_resources_and_groups() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        partners(&site).await;
        let body = |prop: &str, text: &str| {
            format!(
                r#"<?xml version="1.0"?><D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:property-search><D:prop>{prop}</D:prop><D:match>{text}</D:match></D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>"#
            )
        };
        let search = |path: &'static str, body: String| {
            let app = site.app.clone();
            async move {
                let answer = send(
                    &app,
                    Call::new("REPORT", path)
                        .auth("alice", ALICE_PASSWORD)
                        .depth("0")
                        .body(body),
                )
                .await;
                answer
                    .multistatus()
                    .iter()
                    .map(|r| text(r, DAV, "displayname"))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            search("/dav/principals/", body("<D:displayname/>", "proj")).await,
            ["Projector"],
            "{}",
            db.label
        );
        assert_eq!(
            search(
                "/dav/principals/",
                body("<C:calendar-user-address-set/>", "room1@")
            )
            .await,
            ["Room 1"]
        );
        assert_eq!(
            search("/dav/principals/", body("<D:displayname/>", "team")).await,
            ["Team"]
        );
        assert!(
            search("/dav/principals/users/", body("<D:displayname/>", "team"))
                .await
                .is_empty()
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn another_context_finds_none_of_them() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        partners(&site).await;
        other_context_user(&db.store, "other.test", "olga", "Olga Other", "o-Secret-5").await;
        let olga = ("olga@other.test", "o-Secret-5");
        let found = cs_search(&site, olga, "/dav/principals/", "", &["example.com"], None).await;
        assert!(found.multistatus().is_empty(), "{}", db.label);
        let found = cs_search(&site, olga, "/dav/principals/", "", &["olga"], None).await;
        assert_eq!(
            found.multistatus().len(),
            1,
            "{}: her own context",
            db.label
        );
        db.drop_database().await;
    }
}
