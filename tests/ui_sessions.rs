//! The browser page's logins and sessions through the real router, on SQLite and
//! PostgreSQL: the main password logs in (an app password or a wrong one does not), the
//! session cookie's flags, logout, CSRF refusals, a new session id at every login, and
//! the DAV root sending browsers (only them) to the page.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use common::ui::*;
use davgate::auth::{app_passwords, LoginScope};
use davgate::store::FolderModule;
use http::StatusCode;

#[tokio::test]
async fn login_with_the_main_password_only() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::default();

        // Without a session the page sends the browser to the login form.
        let start = browser.get(app, &format!("{UI}/")).await;
        assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(start.location(), Some("/dav/ui/login"));

        let wrong = browser.log_in(app, "alice", "not-her-password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", db.label);
        assert!(wrong.text().contains("Unknown login or wrong password."));
        assert!(wrong.set_cookie("davgate_session").is_none());
        assert!(browser.get(app, &format!("{UI}/")).await.status == StatusCode::SEE_OTHER);

        // An app password opens DAV, not the page.
        let (_, secret) =
            app_passwords::create(&site.store, &site.alice, "phone", LoginScope::FULL, 10)
                .await
                .unwrap();
        let with_app_password = browser.log_in(app, "alice", &secret).await;
        assert_eq!(
            with_app_password.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            db.label
        );
        assert!(with_app_password.set_cookie("davgate_session").is_none());

        let right = browser.log_in(app, "alice", ALICE_PASSWORD).await;
        assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(right.location(), Some("/dav/ui/"));
        let cookie = right
            .set_cookie("davgate_session")
            .expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/dav/ui/"] {
            assert!(cookie.contains(flag), "{cookie} lacks {flag}");
        }
        assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");

        // The page lists her default calendar and address book.
        let page = browser.get(app, &format!("{UI}/")).await;
        assert_eq!(page.status, StatusCode::OK);
        let calendar =
            common::caldav::default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        assert!(page
            .text()
            .contains(&format!("id=\"collection-{}\"", calendar.id)));
        assert!(page.text().contains("Alice Liddell"));
        let csp = page
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));

        // Behind TLS the cookie is Secure.
        let mut secure = Browser {
            headers: vec![("x-forwarded-proto".into(), "https".into())],
            ..Browser::default()
        };
        let answer = secure.log_in(app, "bob", BOB_PASSWORD).await;
        assert!(answer
            .set_cookie("davgate_session")
            .unwrap()
            .contains("; Secure"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn logout_ends_the_session() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let token = browser.cookie("davgate_session").unwrap().to_owned();
        let csrf = browser.csrf(app).await;
        let out = browser
            .post(app, &format!("{UI}/logout"), &[("csrf", &csrf)])
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(out.location(), Some("/dav/ui/login"));
        assert!(out
            .set_cookie("davgate_session")
            .unwrap()
            .contains("Max-Age=0"));
        assert!(browser.cookie("davgate_session").is_none());

        // The old token, kept by someone who copied it, opens nothing.
        let mut copy = Browser::default();
        copy.set("davgate_session", &token);
        let page = copy.get(app, &format!("{UI}/")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn changes_without_the_csrf_token_or_from_another_site_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let count = |store: davgate::store::DynStore| async move {
            store.folders(site.alice.context_id).await.unwrap().len()
        };
        let before = count(site.store.clone()).await;
        let new = [("kind", "calendar"), ("name", "Forged")];

        let missing = browser.post(app, &format!("{UI}/collections"), &new).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", db.label);
        assert!(missing.text().contains("security token"));

        let mut wrong = new.to_vec();
        wrong.push(("csrf", "a-token-of-another-session"));
        let wrong = browser
            .post(app, &format!("{UI}/collections"), &wrong)
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);

        // The right token from another site's page (a forged form) is refused too.
        let mut right = new.to_vec();
        right.push(("csrf", &csrf));
        let foreign = browser
            .request(
                app,
                "POST",
                &format!("{UI}/collections"),
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("origin", "https://evil.example.net"),
                ],
                form(&right).into_bytes(),
            )
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert_eq!(
            count(site.store.clone()).await,
            before,
            "nothing was created"
        );

        // A login form posted without the login page's token is refused as well.
        let mut stranger = Browser::default();
        let login = stranger
            .post(
                app,
                &format!("{UI}/login"),
                &[
                    ("login", "alice"),
                    ("password", ALICE_PASSWORD),
                    ("csrf", "guessed"),
                ],
            )
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
        assert!(login.set_cookie("davgate_session").is_none());

        // With the token it works.
        let made = browser
            .post(app, &format!("{UI}/collections"), &right)
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        assert_eq!(count(site.store.clone()).await, before + 1);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn every_login_gets_a_new_session_id() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        // An attacker plants a session id of their own choosing, then a real one of
        // theirs: neither survives the victim's login.
        for planted in ["chosen-by-the-attacker", "attacker-session"] {
            let mut victim = Browser::default();
            let planted = if planted == "attacker-session" {
                let attacker = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
                attacker.cookie("davgate_session").unwrap().to_owned()
            } else {
                planted.to_owned()
            };
            victim.set("davgate_session", &planted);
            let answer = victim.log_in(app, "alice", ALICE_PASSWORD).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", db.label);
            let issued = victim.cookie("davgate_session").unwrap().to_owned();
            assert_ne!(issued, planted);
            // The planted id opens no page, alice's least of all.
            let mut attacker = Browser::default();
            attacker.set("davgate_session", &planted);
            let page = attacker.get(app, &format!("{UI}/")).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER);
            let mine = victim.get(app, &format!("{UI}/")).await;
            assert!(mine.text().contains("Alice Liddell"));
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn browsers_asking_for_the_dav_root_go_to_the_page() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::default();
        let root = browser.get(app, "/dav/").await;
        assert_eq!(root.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(root.location(), Some("/dav/ui/"));

        // DAV clients are answered as before: PROPFIND never moves, nor a GET without HTML.
        let propfind = send(
            app,
            Call::new("PROPFIND", "/dav/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .header("accept", "text/html"),
        )
        .await;
        assert_eq!(propfind.status, StatusCode::MULTI_STATUS);
        let get = send(app, Call::new("GET", "/dav/").auth("alice", ALICE_PASSWORD)).await;
        assert_ne!(get.status, StatusCode::SEE_OTHER);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_page_is_not_served_when_switched_off() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[LAYOUT[0], LAYOUT[1], ("davgate.ui.enabled", "false")],
        )
        .await;
        let mut browser = Browser::default();
        let login = browser.get(&site.app, &format!("{UI}/login")).await;
        assert_ne!(login.status, StatusCode::OK, "{}", db.label);
        let root = browser.get(&site.app, "/dav/").await;
        assert_ne!(root.status, StatusCode::SEE_OTHER);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn sessions_end_with_the_account_and_the_page_can_be_off_per_user() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
        assert_eq!(
            browser.get(app, &format!("{UI}/")).await.status,
            StatusCode::OK
        );
        site.store
            .update_user(
                site.bob.context_id,
                site.bob.id,
                davgate::store::UserUpdate {
                    enabled: Some(false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let page = browser.get(app, &format!("{UI}/")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(page.location(), Some("/dav/ui/login"));

        // The page switched off for alice: her password is refused there like a wrong one,
        // and a session she had opens nothing.
        let mut before = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        set_user_config(&site.store, &site.alice, "davgate.ui.enabled", "false").await;
        let refused = Browser::default()
            .log_in(app, "alice", ALICE_PASSWORD)
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.set_cookie("davgate_session").is_none());
        assert_eq!(
            before.get(app, &format!("{UI}/")).await.status,
            StatusCode::SEE_OTHER
        );
        // DAV is not affected.
        let propfind = send(
            app,
            Call::new("PROPFIND", "/dav/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0"),
        )
        .await;
        assert_eq!(propfind.status, StatusCode::MULTI_STATUS);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_session_opened_on_one_replica_works_on_another() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let config_dir = tempfile::tempdir().unwrap();
        let config = davgate::config::ServerConfig::load_with(
            config_dir.path(),
            &writes_show_at_once(LAYOUT),
        )
        .unwrap();
        let replica =
            davgate::http::build_app(davgate::http::AppState::new(site.store.clone(), config));
        let mut browser = Browser::logged_in(&site.app, "alice", ALICE_PASSWORD).await;
        let token = browser.cookie("davgate_session").unwrap().to_owned();
        let page = browser.get(&replica, &format!("{UI}/")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", db.label);
        assert!(page.text().contains("Alice Liddell"));
        // A logout on the replica ends it on the first one too.
        let csrf = page.csrf();
        browser
            .post(&replica, &format!("{UI}/logout"), &[("csrf", &csrf)])
            .await;
        let mut copy = Browser::default();
        copy.set("davgate_session", &token);
        assert_eq!(
            copy.get(&site.app, &format!("{UI}/")).await.status,
            StatusCode::SEE_OTHER
        );
        db.drop_database().await;
    }
}
