//! App-specific passwords as users and administrators meet them: created with the
//! function the CLI calls (the CLI itself: `app_password_cli.rs`), accepted by Basic
//! logins beside the main password, limited to their scope, recorded when used, revoked,
//! and switched off per context.

mod common;

use common::caldav::{default_folder, event, LAYOUT};
use common::carddav::{contacts_folder, vcard};
use common::http::*;
use davgate::auth::{app_passwords, LoginScope, Protocols};
use davgate::store::{Attribute, FolderModule, StoreError, User, UserUpdate};
use http::StatusCode;

const MAX: u32 = 20;

fn scope(protocols: Protocols, read_only: bool) -> LoginScope {
    LoginScope {
        protocols,
        read_only,
    }
}

async fn new_password(site: &Site, user: &User, label: &str, scope: LoginScope) -> String {
    app_passwords::create(&site.store, user, label, scope, MAX)
        .await
        .unwrap()
        .1
}

async fn propfind(site: &Site, path: &str, login: &str, password: &str) -> StatusCode {
    let call = Call::new("PROPFIND", path).auth(login, password).depth("0");
    send(&site.app, call).await.status
}

async fn put(site: &Site, path: &str, body: &str, kind: &str, password: &str) -> Answer {
    let call = Call::new("PUT", path)
        .auth("alice", password)
        .header("content-type", format!("text/{kind}; charset=utf-8"))
        .body(body.as_bytes().to_vec());
    send(&site.app, call).await
}

fn reason(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

#[tokio::test]
async fn app_passwords_log_in_within_their_scope() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let label = db.label;
        let calendar = format!(
            "/dav/caldav/{}/",
            default_folder(&site.store, &site.alice, FolderModule::Calendar)
                .await
                .id
        );
        let book = format!(
            "/dav/carddav/{}/",
            contacts_folder(&site.store, &site.alice).await.id
        );

        let everything = new_password(&site, &site.alice, "laptop", LoginScope::FULL).await;
        for path in ["/dav/", "/dav/caldav/", "/dav/carddav/", &calendar, &book] {
            assert_eq!(
                propfind(&site, path, "alice", &everything).await,
                StatusCode::MULTI_STATUS,
                "{label}: full scope on {path}"
            );
        }
        // Any spelling of the login takes it, as it takes the main password.
        assert_eq!(
            propfind(&site, "/dav/", "alice@example.com", &everything).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        let answer = put(
            &site,
            &format!("{calendar}one.ics"),
            &event("one", "One", 1),
            "calendar",
            &everything,
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{label}: {}",
            reason(&answer)
        );

        let calendars = new_password(
            &site,
            &site.alice,
            "calendar app",
            scope(Protocols::CalDav, false),
        )
        .await;
        for path in ["/dav/", "/dav/principals/", "/dav/caldav/", &calendar] {
            assert_eq!(
                propfind(&site, path, "alice", &calendars).await,
                StatusCode::MULTI_STATUS,
                "{label}: a CalDAV password on {path}"
            );
        }
        let answer = put(
            &site,
            &format!("{calendar}two.ics"),
            &event("two", "Two", 2),
            "calendar",
            &calendars,
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{label}: {}",
            reason(&answer)
        );
        for path in ["/dav/carddav/", &book] {
            let call = Call::new("PROPFIND", path)
                .auth("alice", &calendars)
                .depth("0");
            let answer = send(&site.app, call).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{label}: {path}");
            assert!(
                reason(&answer).contains("CalDAV only"),
                "{label}: {}",
                reason(&answer)
            );
        }
        let answer = put(
            &site,
            &format!("{book}a.vcf"),
            &vcard("a", "Ann Lee", "ann@example.net"),
            "vcard",
            &calendars,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{label}");

        let contacts = new_password(
            &site,
            &site.alice,
            "contacts app",
            scope(Protocols::CardDav, false),
        )
        .await;
        let answer = put(
            &site,
            &format!("{book}a.vcf"),
            &vcard("a", "Ann Lee", "ann@example.net"),
            "vcard",
            &contacts,
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{label}: {}",
            reason(&answer)
        );
        assert_eq!(
            propfind(&site, "/dav/", "alice", &contacts).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        for path in ["/dav/caldav/", &calendar] {
            let call = Call::new("PROPFIND", path)
                .auth("alice", &contacts)
                .depth("0");
            let answer = send(&site.app, call).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{label}: {path}");
            assert!(
                reason(&answer).contains("CardDAV only"),
                "{label}: {}",
                reason(&answer)
            );
        }

        let reader = new_password(&site, &site.alice, "viewer", scope(Protocols::All, true)).await;
        assert_eq!(
            propfind(&site, &calendar, "alice", &reader).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        let one = format!("{calendar}one.ics");
        let get = Call::new("GET", &one).auth("alice", &reader);
        assert_eq!(send(&site.app, get).await.status, StatusCode::OK, "{label}");
        let options = Call::new("OPTIONS", &calendar).auth("alice", &reader);
        assert_eq!(
            send(&site.app, options).await.status,
            StatusCode::OK,
            "{label}"
        );
        let answer = put(
            &site,
            &format!("{calendar}three.ics"),
            &event("three", "Three", 3),
            "calendar",
            &reader,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{label}");
        assert!(
            reason(&answer).contains("only read"),
            "{label}: {}",
            reason(&answer)
        );
        for (method, path) in [
            ("DELETE", format!("{calendar}one.ics")),
            ("PROPPATCH", calendar.clone()),
            ("MKCALENDAR", "/dav/caldav/trips/".to_owned()),
            ("MKCOL", "/dav/carddav/friends/".to_owned()),
        ] {
            let call = Call::new(method, &path).auth("alice", &reader);
            assert_eq!(
                send(&site.app, call).await.status,
                StatusCode::FORBIDDEN,
                "{label}: {method}"
            );
        }
        // The event the read-only password could not delete is still there.
        let get = Call::new("GET", &one).auth("alice", ALICE_PASSWORD);
        assert_eq!(send(&site.app, get).await.status, StatusCode::OK, "{label}");
        // The main password keeps working beside the app passwords.
        assert_eq!(
            propfind(&site, &book, "alice", ALICE_PASSWORD).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn wrong_foreign_revoked_and_disabled_app_passwords_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let label = db.label;
        let (created, password) =
            app_passwords::create(&site.store, &site.alice, "phone", LoginScope::FULL, MAX)
                .await
                .unwrap();
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        // The right prefix with a wrong rest.
        let mut wrong = password.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == 'a' { 'b' } else { 'a' });
        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/dav/")
                .auth("alice", &wrong)
                .depth("0"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{label}");
        assert!(
            answer
                .header("www-authenticate")
                .unwrap()
                .starts_with("Basic"),
            "{label}"
        );
        // Another user's app password is no password of bob's.
        assert_eq!(
            propfind(&site, "/dav/", "bob", &password).await,
            StatusCode::UNAUTHORIZED,
            "{label}"
        );

        site.store
            .update_user(
                site.alice.context_id,
                site.alice.id,
                UserUpdate {
                    enabled: Some(false),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::UNAUTHORIZED,
            "{label}: disabled"
        );
        site.store
            .update_user(
                site.alice.context_id,
                site.alice.id,
                UserUpdate {
                    enabled: Some(true),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::MULTI_STATUS,
            "{label}: enabled again"
        );

        site.store
            .revoke_app_password(site.alice.context_id, site.alice.id, created.id)
            .await
            .unwrap();
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::UNAUTHORIZED,
            "{label}: revoked, though verified a moment ago"
        );
        assert!(matches!(
            site.store
                .revoke_app_password(site.alice.context_id, site.alice.id, created.id)
                .await,
            Err(StoreError::NotFound)
        ));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_user_has_a_bounded_number_of_app_passwords() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        for n in 0..3 {
            app_passwords::create(
                &site.store,
                &site.alice,
                &format!("device {n}"),
                LoginScope::FULL,
                3,
            )
            .await
            .unwrap();
        }
        let refused =
            app_passwords::create(&site.store, &site.alice, "one more", LoginScope::FULL, 3).await;
        assert!(
            matches!(refused, Err(StoreError::OverLimit(_))),
            "{}: {refused:?}",
            db.label
        );
        // Bob's count is his own.
        app_passwords::create(&site.store, &site.bob, "bob's phone", LoginScope::FULL, 3)
            .await
            .unwrap();
        let listed = site
            .store
            .app_passwords(site.alice.context_id, site.alice.id)
            .await
            .unwrap();
        assert_eq!(listed.len(), 3, "{}", db.label);
        db.drop_database().await;
    }
}

/// Several devices asking for a password at once (a setup script run twice, a user
/// clicking again): as many as the limit allows get one, the others are told the limit,
/// and none is refused because the database was busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn app_passwords_asked_for_at_once_stay_within_the_limit() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let asking = (0..8).map(|n| {
            let store = site.store.clone();
            let alice = site.alice.clone();
            tokio::spawn(async move {
                let label = format!("device {n}");
                app_passwords::create(&store, &alice, &label, LoginScope::FULL, 3).await
            })
        });
        let mut created = 0;
        for outcome in futures::future::join_all(asking).await {
            match outcome.unwrap() {
                Ok(_) => created += 1,
                Err(StoreError::OverLimit(_)) => {}
                Err(e) => panic!("{}: {e}", db.label),
            }
        }
        assert_eq!(created, 3, "{}", db.label);
        let listed = site
            .store
            .app_passwords(site.alice.context_id, site.alice.id)
            .await
            .unwrap();
        assert_eq!(listed.len(), 3, "{}", db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_last_use_is_recorded_at_most_once_a_minute() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let label = db.label;
        let (created, password) =
            app_passwords::create(&site.store, &site.alice, "phone", LoginScope::FULL, MAX)
                .await
                .unwrap();
        let last_use = || async {
            site.store
                .app_password_by_prefix(site.alice.context_id, site.alice.id, &created.prefix)
                .await
                .unwrap()
                .unwrap()
                .last_used_at
        };
        assert_eq!(last_use().await, None, "{label}: not used yet");
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::MULTI_STATUS
        );
        let first = last_use().await.expect("recorded");
        assert!(first >= created.created_at, "{label}");
        // A use 30 seconds ago is recent enough: no write.
        let recent = first - 30;
        db.raw_sql(&format!(
            "UPDATE app_passwords SET last_used_at = {recent} WHERE id = {}",
            created.id
        ))
        .await;
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::MULTI_STATUS
        );
        assert_eq!(
            last_use().await,
            Some(recent),
            "{label}: not written again within a minute"
        );
        let old = first - 120;
        db.raw_sql(&format!(
            "UPDATE app_passwords SET last_used_at = {old} WHERE id = {}",
            created.id
        ))
        .await;
        assert_eq!(
            propfind(&site, "/dav/", "alice", &password).await,
            StatusCode::MULTI_STATUS
        );
        assert!(
            last_use().await.unwrap() >= first,
            "{label}: recorded again after a minute"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn login_methods_are_switched_off_per_context_and_user() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let label = db.label;
        let alice_app = new_password(&site, &site.alice, "phone", LoginScope::FULL).await;
        let bob_app = new_password(&site, &site.bob, "phone", LoginScope::FULL).await;
        // App passwords off for the whole context.
        site.store
            .set_attribute(
                site.alice.context_id,
                None,
                &Attribute::config("davgate.login.appPasswords", "false", false),
            )
            .await
            .unwrap();
        for (login, app, password) in [
            ("alice", &alice_app, ALICE_PASSWORD),
            ("bob", &bob_app, BOB_PASSWORD),
        ] {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", "/dav/").auth(login, app).depth("0"),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{label}: {login}'s app password"
            );
            assert!(
                answer
                    .header("www-authenticate")
                    .unwrap()
                    .starts_with("Basic"),
                "{label}"
            );
            assert_eq!(
                propfind(&site, "/dav/", login, password).await,
                StatusCode::MULTI_STATUS,
                "{label}: {login}'s password"
            );
        }
        // Alice may use app passwords again, but not her main password.
        set_user_config(
            &site.store,
            &site.alice,
            "davgate.login.appPasswords",
            "true",
        )
        .await;
        set_user_config(&site.store, &site.alice, "davgate.login.password", "false").await;
        assert_eq!(
            propfind(&site, "/dav/", "alice", &alice_app).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/dav/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{label}: a method off is refused like a wrong password"
        );
        let wrong = send(
            &site.app,
            Call::new("PROPFIND", "/dav/")
                .auth("alice", "wrong")
                .depth("0"),
        )
        .await;
        assert_eq!(answer.body, wrong.body, "{label}: nothing tells which");
        assert_eq!(
            answer.header("www-authenticate"),
            wrong.header("www-authenticate"),
            "{label}"
        );
        assert_eq!(
            propfind(&site, "/dav/", "bob", &bob_app).await,
            StatusCode::UNAUTHORIZED,
            "{label}: bob still not"
        );
        db.drop_database().await;
    }
}
