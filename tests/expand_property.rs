//! The expand-property REPORT (RFC 3253 3.8) on the entry points, on SQLite and
//! PostgreSQL, as Apple clients send it to a principal: hrefs of the properties that ask
//! for more are replaced by the responses of the principals and homes they name.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use http::StatusCode;

async fn expand(site: &Site, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("REPORT", path)
            .auth("alice", ALICE_PASSWORD)
            .depth("0")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn hrefs_are_replaced_by_the_responses_they_name() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let me = format!("/dav/principals/users/{}/", site.alice.id);
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<D:expand-property xmlns:D="DAV:">
  <D:property name="principal-URL">
    <D:property name="displayname"/>
    <D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
  </D:property>
  <D:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav">
    <D:property name="displayname"/>
  </D:property>
  <D:property name="displayname"/>
  <D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
    <D:property name="displayname"/>
  </D:property>
  <D:property name="me-card" namespace="http://calendarserver.org/ns/"/>
</D:expand-property>"#;
        let answer = expand(&site, &me, body).await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: {}",
            db.label,
            String::from_utf8_lossy(&answer.body)
        );
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 1);
        let response = &responses[0];
        assert_eq!(response.href, me);
        assert_eq!(response.found(DAV, "displayname").text, "Alice Liddell");

        let url = response.found(DAV, "principal-URL");
        let inner = url.child(DAV, "response").expect("principal-URL expanded");
        assert_eq!(inner.hrefs(), std::slice::from_ref(&me));
        let inner_text = format!("{inner:?}");
        assert!(inner_text.contains("Alice Liddell"), "{inner_text}");
        assert!(
            inner_text.contains("mailto:alice@example.com"),
            "{inner_text}"
        );

        let home = response.found(CALDAV, "calendar-home-set");
        let home_response = home.child(DAV, "response").expect("home expanded");
        assert_eq!(home_response.hrefs(), ["/dav/caldav/"]);

        // Alice acts for nobody: nothing to expand (tests/delegation.rs has the rest).
        assert!(response
            .found(CALENDARSERVER, "calendar-proxy-write-for")
            .children
            .is_empty());
        // What davgate does not have is 404, as in PROPFIND.
        assert_eq!(
            response.prop(CALENDARSERVER, "me-card").map(|p| p.0),
            Some(404)
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn another_users_principal_expands_and_nesting_is_bounded() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let bob = format!("/dav/principals/users/{}/", site.bob.id);
        let body = r#"<D:expand-property xmlns:D="DAV:"><D:property name="principal-URL"><D:property name="displayname"/></D:property></D:expand-property>"#;
        let answer = expand(&site, &bob, body).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        assert!(String::from_utf8_lossy(&answer.body).contains("Bob Builder"));

        let deep = format!(
            r#"<D:expand-property xmlns:D="DAV:">{}{}</D:expand-property>"#,
            r#"<D:property name="principal-URL">"#.repeat(5),
            "</D:property>".repeat(5)
        );
        let refused = expand(&site, &bob, &deep).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "nesting is bounded"
        );
        db.drop_database().await;
    }
}
