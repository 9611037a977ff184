//! Logging in as clients and attackers meet it, through the real router: ambiguous
//! credentials, disabled accounts and what their principals show.

mod common;

use axum::Router;
use common::http::*;
use davgate::config::ServerConfig;
use davgate::http::{build_app, AppState};
use davgate::store::{User, UserUpdate};
use http::StatusCode;

const ROOT: &str = "/servlet/dav/";

/// Another app over `site`'s store, configured with `overrides`, and its state, whose
/// authenticator counts the password checks it ran.
fn app_with(site: &Site, overrides: &[(&str, &str)]) -> (Router, AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::load_with(dir.path(), overrides).unwrap();
    let state = AppState::new(site.store.clone(), config);
    (build_app(state.clone()), state, dir)
}

fn checks_done(state: &AppState) -> u64 {
    state.logins.password_checks().completed()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_checks_are_bounded_and_the_excess_is_refused_at_once() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let (app, state, _dir) = app_with(&site, &[]);
    // Distinct unknown logins: no throttle applies, each one needs a full (decoy) check.
    let attempts: Vec<_> = (0..64)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let login = format!("nobody-{i}");
                let call = root_propfind().auth(&login, "guess");
                send(&app, call).await
            })
        })
        .collect();
    let mut refused = 0u64;
    for attempt in attempts {
        let answer = attempt.await.unwrap();
        match answer.status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                let retry: u64 = answer
                    .header("retry-after")
                    .expect("a refusal says when to come back")
                    .parse()
                    .unwrap();
                assert!(retry >= 1);
            }
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
    let peak = state.logins.password_checks().peak_running();
    let bound = state.limits.logins.max_concurrent_password_checks;
    assert_eq!(bound, 2, "the default, sized for a 2-core pod");
    assert!(peak >= 1);
    assert!(
        peak <= bound,
        "{peak} argon2 verifications ran at once; the bound is {bound}"
    );
    assert!(refused > 0, "64 at once exceed the bound and its queue");
    assert_eq!(
        checks_done(&state) + refused,
        64,
        "a refused attempt runs no verification"
    );
}

#[tokio::test]
async fn a_disabled_account_costs_what_a_wrong_password_costs() {
    for db in common::databases().await {
        let site = site(&db.store, &[]).await;
        let (app, state, _dir) = app_with(&site, &[]);
        disable(&site, &site.bob).await;
        let cases = [
            ("wrong password", "alice", "not-her-password"),
            ("unknown login", "nobody", BOB_PASSWORD),
            ("disabled, right password", "bob", BOB_PASSWORD),
            ("disabled, wrong password", "bob", "not-his-password"),
        ];
        for (what, login, password) in cases {
            let before = checks_done(&state);
            let answer = send(&app, root_propfind().auth(login, password)).await;
            let what = format!("{}: {what}", db.label);
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
            assert_eq!(
                checks_done(&state) - before,
                1,
                "{what}: one argon2 verification, like any refused login"
            );
            assert!(answer.header("www-authenticate").is_some(), "{what}");
        }
        db.drop_database().await;
    }
}
