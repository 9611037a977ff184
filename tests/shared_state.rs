//! Replicas sharing one Redis: failed logins counted by all, a password changed with the
//! command line effective on every replica within a second, and a Redis outage that no
//! client notices (requests answered, throttling per replica, readiness kept), after
//! which sharing resumes. Needs Redis: DAVGATE_TEST_REDIS_URL for the shared server,
//! `redis-server` for the instances the outage tests start and stop themselves; skipped
//! with a note without them unless DAVGATE_REQUIRE_REDIS is set.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use common::http::*;
use davgate::config::ServerConfig;
use davgate::http::{build_app, AppState};
use davgate::shared_state::Scope;
use davgate::store::UserUpdate;
use http::StatusCode;

const ROOT: &str = "/servlet/dav/";

/// Redis for tests that only need one, or None (after a note) when there is none.
fn shared_redis() -> Option<String> {
    match std::env::var("DAVGATE_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => absent("DAVGATE_TEST_REDIS_URL is not set"),
    }
}

fn absent<T>(what: &str) -> Option<T> {
    if std::env::var_os("DAVGATE_REQUIRE_REDIS").is_some() {
        panic!("Redis is required (DAVGATE_REQUIRE_REDIS) but {what}");
    }
    eprintln!("note: skipped, no Redis: {what}");
    None
}

/// A key prefix no other test or run uses.
fn unique_prefix() -> String {
    format!(
        "davgate-test:{}:{}:",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// Removes what a test left in the shared Redis under `prefix` (the generation counter
/// has no expiry).
async fn forget(url: &str, prefix: &str) {
    use deadpool_redis::redis;
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}

/// A Redis server of the test's own, which it stops and starts on the same port.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = OwnRedis { port, child: None };
        redis.up().then_some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server; false (after a note) when redis-server is not installed.
    fn up(&mut self) -> bool {
        let spawned = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(err) => return absent::<()>(&format!("redis-server: {err}")).is_some(),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.pong() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on port {} did not answer", self.port);
    }

    fn pong(&self) -> bool {
        let Ok(mut conn) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut answer = [0u8; 7];
        conn.write_all(b"PING\r\n").is_ok()
            && conn.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.down();
    }
}

/// A replica over `site`'s store: Redis at `url` under `prefix`, logins throttled after
/// three failures.
fn replica(site: &Site, url: &str, prefix: &str) -> (Router, AppState, tempfile::TempDir) {
    replica_throttling_after(site, url, prefix, "3")
}

fn replica_throttling_after(
    site: &Site,
    url: &str,
    prefix: &str,
    failures: &str,
) -> (Router, AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        ("davgate.redisUrl", url),
        ("davgate.redisKeyPrefix", prefix),
        ("davgate.limits.loginFailuresPerLogin", failures),
        // Only an invalidation can make a change show within the test's second.
        ("davgate.loginCache.unsubscribedTtlMillis", "60000"),
    ];
    let config = ServerConfig::load_with(dir.path(), &overrides).unwrap();
    let state = AppState::new(site.store.clone(), config);
    (build_app(state.clone()), state, dir)
}

async fn propfind(app: &Router, login: &str, password: &str) -> StatusCode {
    let call = Call::new("PROPFIND", ROOT)
        .auth(login, password)
        .depth("0")
        .body(fixture("apple-wellknown-propfind.xml"));
    send(app, call).await.status
}

async fn ready(app: &Router) -> StatusCode {
    send(app, Call::new("GET", "/health/ready")).await.status
}

/// Waits until `state` hears invalidations (at most five seconds).
async fn subscribed(state: &AppState) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !state.shared.cache().is_subscribed() {
        assert!(
            Instant::now() < deadline,
            "no subscription to invalidations"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `state` noticed that it hears no invalidations (at most five seconds).
async fn unsubscribed(state: &AppState) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while state.shared.cache().is_subscribed() {
        assert!(Instant::now() < deadline, "the outage went unnoticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `app` for a second until `login` with `password` gets `want`.
async fn within_a_second(app: &Router, login: &str, password: &str, want: StatusCode) {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let got = propfind(app, login, password).await;
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{login} with {password:?}: {got}, not {want}, a second after the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Changes `login`'s password with the command line, as an administrator does, against
/// the store at `database_url` and the Redis at `redis_url`.
fn cli_password(database_url: &str, redis_url: &str, prefix: &str, login: &str, password: &str) {
    let config_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_davgate"))
        .arg("--config-dir")
        .arg(config_dir.path())
        .args(["user", "update", "-c", "example.com", login])
        .args(["--password", password])
        .env("DAVGATE_DATABASE_URL", database_url)
        .env("DAVGATE_REDIS_URL", redis_url)
        .env("DAVGATE_REDIS_KEY_PREFIX", prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "davgate user update: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Redis did not answer"),
        "the change was announced: {stderr}"
    );
}

#[tokio::test]
async fn replicas_count_each_others_failed_logins() {
    let Some(url) = shared_redis() else { return };
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let prefix = unique_prefix();
    let (a, _sa, _da) = replica(&site, &url, &prefix);
    let (b, _sb, _db) = replica(&site, &url, &prefix);
    assert_eq!(
        propfind(&a, "alice", "guess-1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        propfind(&b, "alice", "guess-2").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        propfind(&a, "alice", "guess-3").await,
        StatusCode::UNAUTHORIZED
    );
    // Each replica saw at most two of the three.
    assert_eq!(
        propfind(&b, "alice", "guess-4").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        propfind(&a, "alice", ALICE_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "alice's login is throttled on every replica"
    );
    // Replicas of another deployment (another prefix) count apart.
    let other_prefix = unique_prefix();
    let (other, _so, _do) = replica(&site, &url, &other_prefix);
    assert_eq!(
        propfind(&other, "alice", ALICE_PASSWORD).await,
        StatusCode::MULTI_STATUS
    );
    assert_eq!(
        propfind(&b, "bob", BOB_PASSWORD).await,
        StatusCode::MULTI_STATUS
    );
    forget(&url, &prefix).await;
    forget(&url, &other_prefix).await;
}

#[tokio::test]
async fn a_password_changed_with_the_command_line_is_effective_on_every_replica_within_a_second() {
    let Some(url) = shared_redis() else { return };
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let prefix = unique_prefix();
    // Not throttled by the refusals this test provokes.
    let (a, sa, _da) = replica_throttling_after(&site, &url, &prefix, "100");
    let (b, sb, _db) = replica_throttling_after(&site, &url, &prefix, "100");
    subscribed(&sa).await;
    subscribed(&sb).await;
    for app in [&a, &b, &a, &b] {
        assert_eq!(
            propfind(app, "alice", ALICE_PASSWORD).await,
            StatusCode::MULTI_STATUS
        );
    }
    let (logins, profiles) = sb.shared.cache().len();
    assert!(logins >= 1 && profiles >= 1, "alice is cached");

    cli_password(&db.url, &url, &prefix, "alice", "alice-New-7");
    within_a_second(&b, "alice", ALICE_PASSWORD, StatusCode::UNAUTHORIZED).await;
    within_a_second(&a, "alice", ALICE_PASSWORD, StatusCode::UNAUTHORIZED).await;
    within_a_second(&b, "alice", "alice-New-7", StatusCode::MULTI_STATUS).await;
    within_a_second(&a, "alice", "alice-New-7", StatusCode::MULTI_STATUS).await;

    // A change announced by a server (an in-server write) reaches the other one too.
    let disable = UserUpdate {
        enabled: Some(false),
        ..UserUpdate::default()
    };
    site.store
        .update_user(site.alice.context_id, site.alice.id, disable)
        .await
        .unwrap();
    sa.shared
        .cache()
        .invalidate(Scope::User(site.alice.context_id, site.alice.id))
        .await;
    within_a_second(&b, "alice", "alice-New-7", StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        propfind(&a, "alice", "alice-New-7").await,
        StatusCode::UNAUTHORIZED
    );
    forget(&url, &prefix).await;
}

#[tokio::test]
async fn a_redis_outage_costs_no_request_and_sharing_resumes_after_it() {
    let Some(mut redis) = OwnRedis::start() else {
        return;
    };
    let url = redis.url();
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let prefix = unique_prefix();
    let (a, sa, _da) = replica(&site, &url, &prefix);
    let (b, sb, _db) = replica(&site, &url, &prefix);
    subscribed(&sa).await;
    subscribed(&sb).await;
    assert_eq!(
        propfind(&a, "alice", ALICE_PASSWORD).await,
        StatusCode::MULTI_STATUS
    );

    redis.down();
    // Logins known and new, right and wrong, are answered as before; readiness holds.
    for app in [&a, &b] {
        assert_eq!(
            propfind(app, "alice", ALICE_PASSWORD).await,
            StatusCode::MULTI_STATUS
        );
        assert_eq!(
            propfind(app, "bob", BOB_PASSWORD).await,
            StatusCode::MULTI_STATUS
        );
        assert_eq!(ready(app).await, StatusCode::OK, "readiness without Redis");
    }
    // Throttling goes on with each replica's own counts.
    for n in 0..3 {
        let guess = format!("guess-{n}");
        assert_eq!(propfind(&a, "dave", &guess).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        propfind(&a, "dave", "guess-x").await,
        StatusCode::TOO_MANY_REQUESTS,
        "throttled by the replica's own count"
    );
    assert_eq!(
        propfind(&b, "dave", "guess-y").await,
        StatusCode::UNAUTHORIZED,
        "the other replica did not see them"
    );
    // Both noticed: what they cache now lives only briefly.
    unsubscribed(&sa).await;
    unsubscribed(&sb).await;

    assert!(redis.up());
    subscribed(&sa).await;
    subscribed(&sb).await;
    // Counting is shared again: two failures on each replica make four.
    for (app, n) in [(&a, 1), (&b, 2), (&a, 3)] {
        let guess = format!("guess-{n}");
        assert_eq!(
            propfind(app, "carol.l", &guess).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        propfind(&b, "carol.l", "guess-4").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // And so are invalidations, of what was cached since.
    for app in [&a, &b] {
        assert_eq!(
            propfind(app, "alice", ALICE_PASSWORD).await,
            StatusCode::MULTI_STATUS
        );
    }
    cli_password(&db.url, &url, &prefix, "alice", "alice-New-8");
    within_a_second(&b, "alice", ALICE_PASSWORD, StatusCode::UNAUTHORIZED).await;
    within_a_second(&a, "alice", "alice-New-8", StatusCode::MULTI_STATUS).await;
    for app in [&a, &b] {
        assert_eq!(ready(app).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn without_redis_a_change_shows_within_the_short_lifetime_and_the_cache_stays_bounded() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        ("davgate.limits.loginCacheMaxEntries", "4"),
        // Not throttled by the refusals while the old hash is cached.
        ("davgate.limits.loginFailuresPerLogin", "100"),
    ];
    let config = ServerConfig::load_with(dir.path(), &overrides).unwrap();
    let state = AppState::new(site.store.clone(), config);
    let app = build_app(state.clone());
    common::http::until_the_store_is_watched(&state).await;
    assert_eq!(
        propfind(&app, "alice", ALICE_PASSWORD).await,
        StatusCode::MULTI_STATUS
    );
    assert_eq!(state.shared.cache().len(), (1, 1), "alice is cached");
    // A change written by another process (the command line of a single node).
    let update = UserUpdate {
        password_hash: Some(davgate::auth::hash_password("alice-New-9")),
        ..UserUpdate::default()
    };
    site.store
        .update_user(site.alice.context_id, site.alice.id, update)
        .await
        .unwrap();
    // The 1 s default lifetime, and room for a loaded machine.
    let deadline = Instant::now() + Duration::from_millis(2500);
    while propfind(&app, "alice", "alice-New-9").await != StatusCode::MULTI_STATUS {
        assert!(
            Instant::now() < deadline,
            "the new password works once the 1 s default lifetime is over"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        propfind(&app, "alice", ALICE_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );

    // Logins that name a user, in all the spellings that resolve, fill at most the bound.
    let spellings = [
        "alice",
        "alice@example.com",
        "ALICE@example.com",
        "alice.l@example.com",
        " alice",
        "alice ",
        "bob",
        "bob@example.com",
    ];
    for login in spellings {
        let password = if login.contains("bob") {
            BOB_PASSWORD
        } else {
            "alice-New-9"
        };
        assert_eq!(
            propfind(&app, login, password).await,
            StatusCode::MULTI_STATUS,
            "{login:?}"
        );
    }
    let (logins, profiles) = state.shared.cache().len();
    assert!(
        logins <= 4 && profiles <= 4,
        "{logins} logins, {profiles} profiles"
    );
    assert!(logins >= 1, "the newest are kept");
    // Logins that name nobody are not cached at all.
    let cached = state.shared.cache().len().0;
    for n in 0..3 {
        let login = format!("nobody{n}");
        assert_eq!(propfind(&app, &login, "x").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        state.shared.cache().len().0,
        cached,
        "unknown logins were cached"
    );
}
