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
    let overrides = common::http::writes_show_at_once(overrides);
    let config = ServerConfig::load_with(dir.path(), &overrides).unwrap();
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
            assert_eq!(
                answer.status,
                StatusCode::MULTI_STATUS,
                "{}: {uri}",
                db.label
            );
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
            !hrefs
                .iter()
                .any(|h| h.ends_with(&format!("/users/{}/", site.bob.id))),
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

/// A PROPFIND of the root as `login` from a connection whose peer is `peer`, as the
/// server under the router hands it on.
async fn from(app: &Router, peer: &str, login: &str, password: &str) -> Answer {
    let mut request = http::Request::builder()
        .method("PROPFIND")
        .uri(ROOT)
        .header("depth", "0")
        .header("authorization", basic(login, password))
        .body(axum::body::Body::from(fixture(
            "apple-wellknown-propfind.xml",
        )))
        .unwrap();
    let peer: std::net::SocketAddr = format!("{peer}:50000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

/// The seconds a 429 asks the client to wait; panics on any other answer.
fn throttled_for(answer: &Answer, what: &str) -> u64 {
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{what}");
    answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: 429 without Retry-After"))
        .parse()
        .unwrap_or_else(|e| panic!("{what}: Retry-After in seconds: {e}"))
}

const THROTTLE: &[(&str, &str)] = &[
    ("davgate.limits.loginFailuresPerLogin", "3"),
    ("davgate.limits.loginFailuresPerAddress", "5"),
    ("davgate.limits.loginFailureWindowSeconds", "600"),
];

#[tokio::test]
async fn repeated_failures_of_a_login_are_refused_without_a_password_check() {
    for db in common::databases().await {
        let site = site(&db.store, &[]).await;
        let (app, state, _dir) = app_with(&site, THROTTLE);
        // Bob is at work before the attack starts.
        let answer = send(&app, root_propfind().auth("bob", BOB_PASSWORD)).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);

        // A known login and an unknown one are answered alike, also once throttled.
        for login in ["alice", "nobody", "bob"] {
            for n in 1..=3 {
                let answer = send(&app, root_propfind().auth(login, "guess")).await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNAUTHORIZED,
                    "{}: {login}, failure {n}",
                    db.label
                );
            }
            let before = checks_done(&state);
            for password in ["guess", "another guess"] {
                let what = format!("{}: {login} after 3 failures", db.label);
                let answer = send(&app, root_propfind().auth(login, password)).await;
                let wait = throttled_for(&answer, &what);
                assert!((1..=600).contains(&wait), "{what}: Retry-After {wait}");
            }
            let what = format!("{}: {login}: no argon2 while throttled", db.label);
            assert_eq!(checks_done(&state), before, "{what}");
        }
        // Nothing tells alice's right password from a guess while her login is held back.
        let answer = send(&app, root_propfind().auth("alice", ALICE_PASSWORD)).await;
        throttled_for(&answer, &format!("{}: alice", db.label));

        // Bob's client, which verified its password before, keeps working.
        let before = checks_done(&state);
        let answer = send(&app, root_propfind().auth("bob", BOB_PASSWORD)).await;
        let what = format!("{}: bob at work", db.label);
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}");
        assert_eq!(checks_done(&state), before, "{what}");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn failures_from_one_address_hold_back_that_address_only() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let (app, state, _dir) = app_with(&site, THROTTLE);
    let attacker = "198.51.100.66";
    // Bob works behind the same NAT as the attacker.
    let answer = from(&app, attacker, "bob", BOB_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    // Five different logins, each failing once: the address's count, not a login's.
    for n in 0..5 {
        let answer = from(&app, attacker, &format!("user{n}"), "guess").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "failure {n}");
    }
    let before = checks_done(&state);
    let wait = throttled_for(
        &from(&app, attacker, "user9", "guess").await,
        "the attacker",
    );
    assert!((1..=600).contains(&wait));
    let wait = throttled_for(
        &from(&app, attacker, "alice", ALICE_PASSWORD).await,
        "a login from the attacker's address",
    );
    assert!((1..=600).contains(&wait));
    assert_eq!(
        checks_done(&state),
        before,
        "no argon2 for a throttled address"
    );
    // Bob keeps working there, with what he verified before and with a new password.
    let answer = from(&app, attacker, "bob", BOB_PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "bob behind the NAT"
    );
    let update = UserUpdate {
        password_hash: Some(davgate::auth::hash_password("bob-New-3")),
        ..UserUpdate::default()
    };
    site.store
        .update_user(site.bob.context_id, site.bob.id, update)
        .await
        .unwrap();
    let answer = from(&app, attacker, "bob", "bob-New-3").await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "bob's new password behind the NAT"
    );
    // An IPv6 attacker cannot escape by stepping through its /64.
    for n in 0..5 {
        let answer = from(
            &app,
            &format!("[2001:db8:1:2::{n}]"),
            &format!("v6user{n}"),
            "guess",
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    throttled_for(
        &from(&app, "[2001:db8:1:2:ffff::1]", "v6user9", "guess").await,
        "the same /64",
    );
    // Anybody else logs in.
    let answer = from(&app, "203.0.113.10", "alice", ALICE_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    let answer = from(&app, "[2001:db8:1:3::1]", "bob", "bob-New-3").await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "another /64");
}

#[tokio::test]
async fn a_user_keeps_logging_in_where_she_did_before_while_her_login_is_attacked() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let (app, state, _dir) = app_with(&site, THROTTLE);
    let home = "203.0.113.10";
    let answer = from(&app, home, "alice", ALICE_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);

    // Guessers spread over many addresses exhaust alice's login.
    for n in 0..3 {
        let answer = from(&app, &format!("198.51.100.{n}"), "alice", "guess").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    throttled_for(
        &from(&app, "198.51.100.99", "alice", "guess").await,
        "a guesser",
    );

    // Alice changes her password: nothing remembered holds any more, yet from home her
    // login is checked and accepted.
    let update = UserUpdate {
        password_hash: Some(davgate::auth::hash_password("alice-New-2")),
        ..UserUpdate::default()
    };
    site.store
        .update_user(site.alice.context_id, site.alice.id, update)
        .await
        .unwrap();
    // A new place has no such standing while the attack lasts.
    let elsewhere = from(&app, "192.0.2.50", "alice", "alice-New-2").await;
    throttled_for(&elsewhere, "alice elsewhere");
    let before = checks_done(&state);
    let answer = from(&app, home, "alice", "alice-New-2").await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "alice at home");
    assert_eq!(checks_done(&state), before + 1);
    // Verified now, her password works wherever she takes her device.
    let answer = from(&app, "192.0.2.50", "alice", "alice-New-2").await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "alice elsewhere, verified"
    );

    // Sharing alice's address gives a guesser no more tries than anyone gets.
    for n in 0..3 {
        let answer = from(&app, home, "alice", &format!("guess {n}")).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "guess {n} at alice's home"
        );
    }
    throttled_for(
        &from(&app, home, "alice", "guess 4").await,
        "a guesser at alice's home",
    );
}
