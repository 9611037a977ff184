//! Logging in as clients and attackers meet it, through the real router: ambiguous
//! credentials, disabled accounts and what their principals show.

mod common;

use common::http::*;
use davgate::store::{User, UserUpdate};
use http::StatusCode;

const ROOT: &str = "/servlet/dav/";

fn root_propfind<'a>() -> Call<'a> {
    Call::new("PROPFIND", ROOT)
        .depth("0")
        .body(fixture("apple-wellknown-propfind.xml"))
}

fn principal(uri: &str) -> Call<'_> {
    Call::new("PROPFIND", uri)
        .auth("alice", ALICE_PASSWORD)
        .depth("0")
        .body(fixture("apple-principal-propfind.xml"))
}

async fn disable(site: &Site, user: &User) {
    let update = UserUpdate {
        enabled: Some(false),
        ..UserUpdate::default()
    };
    site.store
        .update_user(user.context_id, user.id, update)
        .await
        .unwrap();
}

#[tokio::test]
async fn two_authorization_headers_are_refused_with_a_reason() {
    for db in common::databases().await {
        let site = site(&db.store, &[]).await;
        let cases = [
            ("alice, then bob", basic("bob", BOB_PASSWORD)),
            ("alice twice", basic("alice", ALICE_PASSWORD)),
            ("alice, then a wrong password", basic("alice", "wrong")),
        ];
        for (what, second) in cases {
            let answer = send(
                &site.app,
                root_propfind()
                    .auth("alice", ALICE_PASSWORD)
                    .header("authorization", second),
            )
            .await;
            let what = format!("{}: {what}", db.label);
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{what}");
            let reason = String::from_utf8_lossy(&answer.body);
            assert!(
                reason.contains("Authorization"),
                "{what}: the reason names the header: {reason:?}"
            );
        }
        // One header is how every client sends credentials.
        let answer = send(&site.app, root_propfind().auth("alice", ALICE_PASSWORD)).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_disabled_users_principal_is_not_served() {
    for db in common::databases().await {
        let site = site(&db.store, &[]).await;
        let bob_by_id = format!("{ROOT}principals/users/{}/", site.bob.id);
        let bob_by_login = format!("{ROOT}principals/users/bob/");
        for uri in [&bob_by_id, &bob_by_login] {
            let answer = send(&site.app, principal(uri)).await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}: {uri}", db.label);
        }

        disable(&site, &site.bob).await;
        for uri in [&bob_by_id, &bob_by_login] {
            for method in ["PROPFIND", "GET"] {
                let mut call = principal(uri);
                call.method = method;
                let answer = send(&site.app, call).await;
                assert_eq!(
                    answer.status,
                    StatusCode::NOT_FOUND,
                    "{}: {method} {uri} of a disabled user",
                    db.label
                );
                let body = String::from_utf8_lossy(&answer.body);
                assert!(
                    !body.contains("bob@example.com") && !body.contains("Bob Builder"),
                    "{}: {method} {uri} shows the disabled user: {body}",
                    db.label
                );
            }
        }
        // The principal collection does not list him either.
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &format!("{ROOT}principals/users/"))
                .auth("alice", ALICE_PASSWORD)
                .depth("1")
                .body(fixture("apple-principal-propfind.xml")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let hrefs: Vec<String> = answer.multistatus().into_iter().map(|r| r.href).collect();
        assert!(
            !hrefs.iter().any(|h| h.ends_with(&format!("/users/{}/", site.bob.id))),
            "{}: {hrefs:?}",
            db.label
        );
        // Alice herself is still served.
        let alice = format!("{ROOT}principals/users/{}/", site.alice.id);
        let answer = send(&site.app, principal(&alice)).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        db.drop_database().await;
    }
}
