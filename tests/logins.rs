//! Logging in as clients and attackers meet it, through the real router: ambiguous
//! credentials, disabled accounts and what their principals show.

mod common;

use common::http::*;
use http::StatusCode;

const ROOT: &str = "/servlet/dav/";

fn root_propfind<'a>() -> Call<'a> {
    Call::new("PROPFIND", ROOT)
        .depth("0")
        .body(fixture("apple-wellknown-propfind.xml"))
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
