//! App passwords on the browser page through the real router, on SQLite and PostgreSQL:
//! created with a scope and shown once, working for DAV (not for the page), listed with
//! their last use, revoked.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use common::ui::*;
use http::StatusCode;

#[tokio::test]
async fn create_use_list_and_revoke() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let page = browser.get(app, &format!("{UI}/app-passwords")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", db.label);
        assert!(page.text().contains("You have no app passwords."));
        let csrf = page.csrf();

        let made = browser
            .post(
                app,
                &format!("{UI}/app-passwords"),
                &[
                    ("csrf", &csrf),
                    ("label", "Phone"),
                    ("scope", "caldav"),
                    ("read_only", "1"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text());
        let text = made.text();
        let at =
            text.find("id=\"new-secret\">").expect("the new password") + "id=\"new-secret\">".len();
        let secret = text[at..at + text[at..].find('<').unwrap()].to_owned();
        assert_eq!(secret.len(), 29, "{secret}");
        assert!(text.contains("CalDAV, read-only"));

        // It reads calendars, within its scope only, and never opens the page.
        let propfind = |path: &'static str, secret: String| async move {
            send(
                app,
                Call::new("PROPFIND", path)
                    .auth("alice", &secret)
                    .depth("0"),
            )
            .await
            .status
        };
        assert_eq!(
            propfind("/dav/caldav/", secret.clone()).await,
            StatusCode::MULTI_STATUS
        );
        assert_eq!(
            propfind("/dav/carddav/", secret.clone()).await,
            StatusCode::FORBIDDEN
        );
        let refused = Browser::default().log_in(app, "alice", &secret).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

        let listed = browser
            .get(app, &format!("{UI}/app-passwords"))
            .await
            .text();
        assert!(listed.contains("Phone"));
        assert!(!listed.contains(&secret), "shown once only");
        assert!(!listed.contains("never"), "its use is shown: {listed}");

        // Bad input is refused with the reason.
        let refused = browser
            .post(
                app,
                &format!("{UI}/app-passwords"),
                &[("csrf", &csrf), ("label", ""), ("scope", "all")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let refused = browser
            .post(
                app,
                &format!("{UI}/app-passwords"),
                &[("csrf", &csrf), ("label", "x"), ("scope", "everything")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);

        let stored = site
            .store
            .app_passwords(site.alice.context_id, site.alice.id)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        // Bob cannot revoke alice's.
        let mut bobs = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
        let bob_csrf = bobs.csrf(app).await;
        let theirs = bobs
            .post(
                app,
                &format!("{UI}/app-passwords/{}/revoke", stored[0].id),
                &[("csrf", &bob_csrf)],
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let revoked = browser
            .post(
                app,
                &format!("{UI}/app-passwords/{}/revoke", stored[0].id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(
            propfind("/dav/caldav/", secret.clone()).await,
            StatusCode::UNAUTHORIZED
        );
        db.drop_database().await;
    }
}
