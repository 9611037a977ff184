//! What every request loads without asking the store each time (the user, groups and
//! config attributes, through the login cache) follows an administrator's change: on a
//! single server without Redis within the cache's short lifetime, on every replica
//! sharing Redis within a second of a change made with the command line. Folder
//! permissions are read fresh: a revoked share is refused on the very next request.
//! Runs on SQLite, and on PostgreSQL when DAVGATE_TEST_DATABASE_URL is set; the replica
//! test needs DAVGATE_TEST_REDIS_URL.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use axum::Router;
use common::http::*;
use davgate::config::ServerConfig;
use davgate::http::{build_app, AppState};
use davgate::store::{FolderModule, Permission, Role};
use http::StatusCode;

const ROOT: &str = "/servlet/dav/";
/// How long a change may take to show on every replica sharing Redis.
const PROPAGATION: Duration = Duration::from_secs(1);
/// How long a change written by another process may take on a server without Redis:
/// `davgate.loginCache.unsubscribedTtlMillis` (1 s), and room for a loaded machine.
const SHORT_LIFETIME: Duration = Duration::from_millis(2500);
const CALDAV_ENABLED: &str = "com.openexchange.caldav.enabled";
/// The command line that turns CalDAV off for alice (a user attribute).
const ALICE_CALDAV_OFF: [&str; 8] = [
    "config",
    "set",
    CALDAV_ENABLED,
    "false",
    "-c",
    "example.com",
    "--user",
    "alice",
];

async fn propfind(app: &Router, path: &str, login: &str, password: &str) -> Answer {
    let call = Call::new("PROPFIND", path)
        .auth(login, password)
        .depth("0")
        .body("<propfind xmlns='DAV:'><prop><displayname/><group-membership/></prop></propfind>");
    send(app, call).await
}

/// Polls `check` on every app until it holds, at most `bound` from now.
async fn everywhere_within<F, Fut>(apps: &[&Router], bound: Duration, what: &str, check: F)
where
    F: Fn(Router) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    for app in apps {
        loop {
            match check((*app).clone()).await {
                Ok(()) => break,
                Err(last) => {
                    assert!(
                        start.elapsed() < bound,
                        "{what}: not seen {:?} after the change: {last}",
                        start.elapsed()
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
}

/// `user`'s principal lists the group principal `group`.
async fn member_of(app: Router, principal: String, group: Option<i64>) -> Result<(), String> {
    let answer = propfind(&app, &principal, "alice", ALICE_PASSWORD).await;
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    let listed = match group {
        Some(id) => body.contains(&format!("/principals/groups/{id}/")),
        None => !body.contains("/principals/groups/"),
    };
    if answer.status == StatusCode::MULTI_STATUS && listed {
        Ok(())
    } else {
        Err(format!("{} {body}", answer.status))
    }
}

/// Status `login` gets for a PROPFIND of `path`, compared with `want`.
async fn answers(
    app: Router,
    path: String,
    (login, password): (&str, &str),
    want: StatusCode,
) -> Result<(), String> {
    match propfind(&app, &path, login, password).await.status {
        got if got == want => Ok(()),
        got => Err(format!("{login} got {got} for {path}, not {want}")),
    }
}

#[tokio::test]
async fn without_redis_changes_show_within_the_short_lifetime_and_a_revoked_share_at_once() {
    for db in common::databases().await {
        // The shipped lifetime of entries no invalidation reaches.
        let site = site(
            &db.store,
            &[("davgate.loginCache.unsubscribedTtlMillis", "1000")],
        )
        .await;
        let (store, alice, bob) = (&site.store, &site.alice, &site.bob);
        let app = &site.app;
        let calendar = store
            .default_folder(alice.context_id, alice.id, FolderModule::Calendar)
            .await
            .unwrap()
            .expect("alice's calendar");
        let shared = format!("{ROOT}caldav/{}/", calendar.id);
        let principal = format!("{ROOT}principals/users/{}/", alice.id);

        // A share, used, then revoked: refused on the next request.
        let viewer = Permission::for_role(bob.id, false, Role::Viewer);
        store
            .set_permission(alice.context_id, calendar.id, viewer)
            .await
            .unwrap();
        let bob_login = ("bob", BOB_PASSWORD);
        for _ in 0..3 {
            answers(
                app.clone(),
                shared.clone(),
                bob_login,
                StatusCode::MULTI_STATUS,
            )
            .await
            .unwrap();
        }
        store
            .remove_permission(alice.context_id, calendar.id, bob.id, false)
            .await
            .unwrap();
        answers(
            app.clone(),
            shared.clone(),
            bob_login,
            StatusCode::NOT_FOUND,
        )
        .await
        .unwrap();

        // Group membership, written behind the server's back.
        member_of(app.clone(), principal.clone(), None)
            .await
            .unwrap();
        let group = store
            .create_group(alice.context_id, "team", "Team", &[alice.id])
            .await
            .unwrap();
        everywhere_within(&[app], SHORT_LIFETIME, "a new group", |app| {
            member_of(app, principal.clone(), Some(group.id))
        })
        .await;

        // A user's config attribute, then the context's.
        set_user_config(store, alice, CALDAV_ENABLED, "false").await;
        let home = format!("{ROOT}caldav/");
        everywhere_within(&[app], SHORT_LIFETIME, "a user attribute", |app| {
            answers(
                app,
                home.clone(),
                ("alice", ALICE_PASSWORD),
                StatusCode::FORBIDDEN,
            )
        })
        .await;
        answers(
            app.clone(),
            home.clone(),
            bob_login,
            StatusCode::MULTI_STATUS,
        )
        .await
        .unwrap();
        store
            .set_attribute(
                bob.context_id,
                None,
                &davgate::store::Attribute::config(CALDAV_ENABLED, "false", false),
            )
            .await
            .unwrap();
        everywhere_within(&[app], SHORT_LIFETIME, "a context attribute", |app| {
            answers(app, home.clone(), bob_login, StatusCode::FORBIDDEN)
        })
        .await;
        drop(site);
        db.drop_database().await;
    }
}

/// A replica over `site`'s store sharing the Redis at `url` under `prefix`, keeping what
/// it caches for a minute unless an invalidation reaches it.
fn replica(site: &Site, url: &str, prefix: &str) -> (Router, AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        ("davgate.redisUrl", url),
        ("davgate.redisKeyPrefix", prefix),
        ("davgate.loginCache.unsubscribedTtlMillis", "60000"),
    ];
    let config = ServerConfig::load_with(dir.path(), &overrides).unwrap();
    let state = AppState::new(site.store.clone(), config);
    (build_app(state.clone()), state, dir)
}

/// `davgate <args>` against the store at `database_url`, announcing to Redis, as an
/// administrator runs it.
fn cli(database_url: &str, redis: (&str, &str), args: &[&str]) -> String {
    let config_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_davgate"))
        .arg("--config-dir")
        .arg(config_dir.path())
        .args(args)
        .env("DAVGATE_DATABASE_URL", database_url)
        .env("DAVGATE_REDIS_URL", redis.0)
        .env("DAVGATE_REDIS_KEY_PREFIX", redis.1)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "davgate {args:?}: {stderr}");
    assert!(
        !stderr.contains("Redis did not answer"),
        "announced: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn command_line_changes_are_effective_on_every_replica_within_a_second() {
    let Some(url) = std::env::var("DAVGATE_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("note: skipped, DAVGATE_TEST_REDIS_URL is not set");
        return;
    };
    for db in common::databases().await {
        let site = site(&db.store, &[]).await;
        let prefix = format!("davgate-test:freshness:{}:", rand::random::<u64>());
        let redis = (url.as_str(), prefix.as_str());
        let (a, sa, _da) = replica(&site, &url, &prefix);
        let (b, sb, _db) = replica(&site, &url, &prefix);
        for state in [&sa, &sb] {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !state.shared.cache().is_subscribed() {
                assert!(Instant::now() < deadline, "no subscription");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let apps = [&a, &b];
        let alice = &site.alice;
        let calendar = site
            .store
            .default_folder(alice.context_id, alice.id, FolderModule::Calendar)
            .await
            .unwrap()
            .expect("alice's calendar");
        let id = calendar.id.to_string();
        let shared = format!("{ROOT}caldav/{id}/");
        let principal = format!("{ROOT}principals/users/{}/", alice.id);
        let home = format!("{ROOT}caldav/");
        let bob_login = ("bob", BOB_PASSWORD);

        // A share granted and revoked with the command line: the revocation is refused
        // on the very next request of each replica.
        let share = ["folder", "share", "-c", "example.com", &id, "--user", "bob"];
        cli(&db.url, redis, &share);
        for app in apps.iter().chain(&apps) {
            answers(
                (*app).clone(),
                shared.clone(),
                bob_login,
                StatusCode::MULTI_STATUS,
            )
            .await
            .unwrap();
        }
        let unshare = [
            "folder",
            "unshare",
            "-c",
            "example.com",
            &id,
            "--user",
            "bob",
        ];
        cli(&db.url, redis, &unshare);
        for app in apps {
            answers(
                app.clone(),
                shared.clone(),
                bob_login,
                StatusCode::NOT_FOUND,
            )
            .await
            .unwrap();
        }

        // Group membership: alice's principal, cached on both, then a new group.
        for app in apps {
            member_of(app.clone(), principal.clone(), None)
                .await
                .unwrap();
        }
        let group = ["group", "create", "-c", "example.com", "--name", "team"];
        cli(
            &db.url,
            redis,
            &[&group[..], &["--member", "alice"]].concat(),
        );
        let team = site
            .store
            .groups(alice.context_id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.name == "team")
            .expect("the new group")
            .id;
        everywhere_within(&apps, PROPAGATION, "a group membership", |app| {
            member_of(app, principal.clone(), Some(team))
        })
        .await;

        // A user's config attribute, then the context's.
        for app in apps {
            answers(
                app.clone(),
                home.clone(),
                bob_login,
                StatusCode::MULTI_STATUS,
            )
            .await
            .unwrap();
        }
        cli(&db.url, redis, &ALICE_CALDAV_OFF);
        everywhere_within(&apps, PROPAGATION, "a user attribute", |app| {
            answers(
                app,
                home.clone(),
                ("alice", ALICE_PASSWORD),
                StatusCode::FORBIDDEN,
            )
        })
        .await;
        let context_attribute = [
            "config",
            "set",
            CALDAV_ENABLED,
            "false",
            "-c",
            "example.com",
        ];
        cli(&db.url, redis, &context_attribute);
        everywhere_within(&apps, PROPAGATION, "a context attribute", |app| {
            answers(app, home.clone(), bob_login, StatusCode::FORBIDDEN)
        })
        .await;
        drop((a, b, sa, sb, site));
        db.drop_database().await;
    }
}

/// `davgate <args>` against the store at `database_url`, with no Redis to announce to.
fn cli_without_redis(database_url: &str, args: &[&str]) {
    let config_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_davgate"))
        .arg("--config-dir")
        .arg(config_dir.path())
        .args(args)
        .env("DAVGATE_DATABASE_URL", database_url)
        .env_remove("DAVGATE_REDIS_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "davgate {args:?}: {stderr}");
}

/// Without Redis, a server reads the store's generation of what every request loads
/// (SQLite: a row its triggers move; PostgreSQL: the notifications its triggers send):
/// it keeps its entries beyond the short lifetime while nothing moved the generation,
/// and drops them all within about a second of a write that did, here by the command
/// line, another process.
#[tokio::test]
async fn without_redis_entries_are_kept_until_a_writer_moves_the_stores_generation() {
    for db in common::databases().await {
        let label = db.label;
        let site = site(&db.store, &[]).await;
        let dir = tempfile::tempdir().unwrap();
        let overrides = [("davgate.loginCache.unsubscribedTtlMillis", "1000")];
        let config = ServerConfig::load_with(dir.path(), &overrides).unwrap();
        let state = AppState::new(site.store.clone(), config);
        let app = &build_app(state.clone());
        until_the_store_is_watched(&state).await;
        let alice = &site.alice;
        let principal = format!("{ROOT}principals/users/{}/", alice.id);
        let home = format!("{ROOT}caldav/");
        member_of(app.clone(), principal.clone(), None)
            .await
            .unwrap();

        // A group written with the generation's triggers dropped: nothing tells the
        // server, and it answers from what it keeps well past the short lifetime.
        let triggers = if label == "sqlite" {
            [
                "DROP TRIGGER user_groups_cache_insert",
                "DROP TRIGGER group_members_cache_insert",
            ]
        } else {
            [
                "DROP TRIGGER user_groups_login_cache ON user_groups",
                "DROP TRIGGER group_members_login_cache ON group_members",
            ]
        };
        for drop in triggers {
            db.raw_sql(drop).await;
        }
        let group = site
            .store
            .create_group(alice.context_id, "team", "Team", &[alice.id])
            .await
            .unwrap();
        tokio::time::sleep(SHORT_LIFETIME).await;
        member_of(app.clone(), principal.clone(), None)
            .await
            .unwrap_or_else(|answer| {
                panic!("{label}: the entry did not outlive the short lifetime: {answer}")
            });

        // The command line sets a user attribute; its trigger moves the generation.
        cli_without_redis(&db.url, &ALICE_CALDAV_OFF);
        everywhere_within(&[app], SHORT_LIFETIME, "a user attribute", |app| {
            answers(
                app,
                home.clone(),
                ("alice", ALICE_PASSWORD),
                StatusCode::FORBIDDEN,
            )
        })
        .await;
        // Everything was dropped, the group membership too.
        member_of(app.clone(), principal.clone(), Some(group.id))
            .await
            .unwrap();
        drop((state, site));
        db.drop_database().await;
    }
}
