//! Two davgate replicas behind the shipped Apache balancer (apache/dav-vhost), on one
//! PostgreSQL database and one Redis, as a production deployment runs them. What an
//! administrator changes through the CLI while both serve — a display name, a password,
//! an app password revoked — is effective on both replicas within a second, and failed
//! logins count once across both, so a guesser gains nothing by spreading over them.
//!
//! Needs PostgreSQL (`DAVGATE_TEST_DATABASE_URL`), Redis (`DAVGATE_TEST_REDIS_URL`) and
//! Apache; skipped with a note when PostgreSQL or Redis is not named, unless
//! `DAVGATE_REQUIRE_POSTGRES` / `DAVGATE_REQUIRE_REDIS` ask for them (CI does).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::apache::*;
use common::client::{targets, Target, BIN, PASSWORD};

/// How soon a change made on one replica must be effective on every replica.
const PROPAGATION: Duration = Duration::from_secs(1);

fn redis_url() -> Option<String> {
    match std::env::var("DAVGATE_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("DAVGATE_REQUIRE_REDIS").is_none(),
                "DAVGATE_REQUIRE_REDIS is set but DAVGATE_TEST_REDIS_URL is not"
            );
            eprintln!("replicas: DAVGATE_TEST_REDIS_URL not set; the replica tests are skipped");
            None
        }
    }
}

/// A Redis key prefix of this test's own, so that counts and cache entries of other
/// tests and earlier runs on the same Redis stay apart.
fn key_prefix(test: &str) -> String {
    format!("davgate-test-{}-{test}:", std::process::id())
}

/// The PostgreSQL target; SQLite is one process's store, not a replicated deployment's.
async fn postgres_target() -> Option<Target> {
    let mut found = None;
    for t in targets().await {
        if t.db.is_some() && found.is_none() {
            found = Some(t);
        } else {
            t.finish().await;
        }
    }
    if found.is_none() {
        assert!(
            std::env::var_os("DAVGATE_REQUIRE_POSTGRES").is_none(),
            "DAVGATE_REQUIRE_POSTGRES is set but DAVGATE_TEST_DATABASE_URL is not"
        );
        eprintln!("replicas: DAVGATE_TEST_DATABASE_URL not set; the replica tests are skipped");
    }
    found
}

/// The administrator's CLI on the deployment's database and Redis.
fn cli(t: &Target, config_dir: &Path, redis: &(String, String), args: &[&str]) -> String {
    let mut cmd = Command::new(BIN);
    cmd.arg("--config-dir")
        .arg(config_dir)
        .arg("--data-dir")
        .arg(t.data_dir.path())
        .env("DAVGATE_DATABASE_URL", &t.db.as_ref().unwrap().url)
        .env("DAVGATE_REDIS_URL", &redis.0)
        .env("DAVGATE_REDIS_KEY_PREFIX", &redis.1)
        .env("RUST_LOG", "warn")
        .args(args);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "davgate {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn client() -> reqwest::Client {
    davgate::tls::install_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

const PRINCIPAL_DISPLAYNAME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>"#;

/// PROPFIND Depth 0 of `path` on `base` as `login`: the status and the body.
async fn propfind(base: &str, path: &str, login: &str, password: &str) -> (u16, String) {
    let answer = client()
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("{base}{path}"),
        )
        .basic_auth(login, Some(password))
        .header("Depth", "0")
        .header("Content-Type", "application/xml")
        .body(PRINCIPAL_DISPLAYNAME)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

/// PROPFIND Depth 0 of the DAV root through Apache (HTTPS, the dedicated DAV host) as
/// `login`: the status.
fn through_apache(deployment: &Deployment, login: &str, password: &str) -> u16 {
    let apache = &deployment.apache;
    let out = Command::new("curl")
        .args([
            "--silent",
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code}",
        ])
        .args(["--request", "PROPFIND", "--header", "Depth: 0"])
        .arg("--resolve")
        .arg(format!("{DAV_HOST}:{}:127.0.0.1", apache.https_port))
        .arg("--cacert")
        .arg(apache.cert())
        .arg("--user")
        .arg(format!("{login}:{password}"))
        .arg(format!("https://{DAV_HOST}:{}/", apache.https_port))
        .output()
        .expect("curl, to reach Apache");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("curl: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Waits until `check` holds on every replica, at most `PROPAGATION` from now; fails
/// with what the replicas last answered otherwise.
async fn effective_everywhere<F, Fut>(replicas: &[Replica], what: &str, check: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    for (i, replica) in replicas.iter().enumerate() {
        loop {
            match check(replica.url()).await {
                Ok(()) => break,
                Err(last) if start.elapsed() > PROPAGATION => panic!(
                    "{what}: not effective on replica {i} {:?} after the change: {last}\n{}",
                    start.elapsed(),
                    replica.log()
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
    println!(
        "{what}: effective on every replica within {:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_on_one_replica_are_effective_on_the_other_within_a_second() {
    require_apache();
    let (Some(redis), Some(t)) = (redis_url(), postgres_target().await) else {
        return;
    };
    let redis = (redis, key_prefix("changes"));
    // Without its subscription a replica would keep what it cached for a minute: a
    // change can only show within the second through the invalidation.
    let deployment = Deployment::start_configured(
        &t,
        &DAV_VHOST,
        &[
            ("DAVGATE_REDIS_URL", &redis.0),
            ("DAVGATE_REDIS_KEY_PREFIX", &redis.1),
        ],
        &[("davgate.loginCache.unsubscribedTtlMillis", "60000")],
    );
    // The replicas subscribe right after they start listening.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let config = deployment.config_dir();
    let replicas = &deployment.replicas;
    let alice = "alice@example.com";
    let store = t.store().await;
    let context = store.context_by_name("example.com").await.unwrap();
    let alice_id = store
        .user_by_login(context.id, "alice")
        .await
        .unwrap()
        .expect("the demo's alice")
        .id;
    let principal = format!("{DAV_PATH}principals/users/{alice_id}/");

    // Both replicas serve alice, and have what her logins load cached.
    for replica in replicas {
        for _ in 0..3 {
            let (status, body) = propfind(&replica.url(), &principal, alice, PASSWORD).await;
            assert_eq!(status, 207, "{body}\n{}", replica.log());
        }
    }

    assert_eq!(
        through_apache(&deployment, alice, PASSWORD),
        207,
        "through Apache:\n{}",
        deployment.apache.diagnostics()
    );

    // A provisioning change: her display name.
    cli(
        &t,
        config,
        &redis,
        &[
            "user",
            "update",
            "-c",
            "example.com",
            "alice",
            "--display-name",
            "Alice Liddell",
        ],
    );
    effective_everywhere(replicas, "a new display name", |base| {
        let principal = principal.clone();
        async move {
            let (status, body) = propfind(&base, &principal, alice, PASSWORD).await;
            if status == 207 && body.contains("Alice Liddell") {
                Ok(())
            } else {
                Err(format!("{status} {body}"))
            }
        }
    })
    .await;

    // A password change: the old one is refused, the new one accepted, on both.
    let new_password = "a-new-password-for-alice";
    cli(
        &t,
        config,
        &redis,
        &[
            "user",
            "update",
            "-c",
            "example.com",
            "alice",
            "--password",
            new_password,
        ],
    );
    effective_everywhere(replicas, "a password change", |base| {
        let principal = principal.clone();
        async move {
            let (old, _) = propfind(&base, &principal, alice, PASSWORD).await;
            let (new, _) = propfind(&base, &principal, alice, new_password).await;
            if old == 401 && new == 207 {
                Ok(())
            } else {
                Err(format!("old password {old}, new password {new}"))
            }
        }
    })
    .await;

    // An app password, used on both replicas, then revoked.
    let created = cli(
        &t,
        config,
        &redis,
        &[
            "user",
            "app-password",
            "create",
            "-c",
            "example.com",
            "alice",
            "--label",
            "phone",
        ],
    );
    let (id, secret) = app_password_of(&created);
    for replica in replicas {
        let (status, body) = propfind(&replica.url(), &principal, alice, &secret).await;
        assert_eq!(status, 207, "the new app password: {body}");
    }
    cli(
        &t,
        config,
        &redis,
        &[
            "user",
            "app-password",
            "revoke",
            "-c",
            "example.com",
            "alice",
            &id,
        ],
    );
    effective_everywhere(replicas, "an app-password revocation", |base| {
        let (principal, secret) = (principal.clone(), secret.clone());
        async move {
            match propfind(&base, &principal, alice, &secret).await {
                (401, _) => Ok(()),
                (status, _) => Err(format!("the revoked app password got {status}")),
            }
        }
    })
    .await;

    // Through the balancer, whichever replica answers: the new password only.
    for _ in 0..2 {
        assert_eq!(through_apache(&deployment, alice, new_password), 207);
        assert_eq!(through_apache(&deployment, alice, PASSWORD), 401);
    }
    drop(deployment);
    t.finish().await;
}

/// The id and the secret `davgate user app-password create` printed: "app password
/// <id> created for ...", then the password on a line of its own.
fn app_password_of(output: &str) -> (String, String) {
    let mut lines = output.lines();
    let id = lines
        .next()
        .and_then(|line| line.strip_prefix("app password "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no id in {output:?}"));
    let secret = lines
        .next()
        .map(str::trim)
        .unwrap_or_else(|| panic!("no password in {output:?}"));
    (id.to_owned(), secret.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_count_across_replicas() {
    require_apache();
    let (Some(redis), Some(t)) = (redis_url(), postgres_target().await) else {
        return;
    };
    let prefix = key_prefix("throttle");
    let deployment = Deployment::start_with(
        &t,
        &DAV_VHOST,
        &[
            ("DAVGATE_REDIS_URL", &redis),
            ("DAVGATE_REDIS_KEY_PREFIX", &prefix),
        ],
    );
    let replicas = &deployment.replicas;
    // bob never logged in from here, so no earlier success exempts him; the shipped
    // limit is 10 failures of one login within the window.
    let bob = "bob@example.com";
    for attempt in 0..10 {
        let replica = &replicas[attempt % replicas.len()];
        let (status, _) = propfind(&replica.url(), DAV_PATH, bob, "a wrong guess").await;
        assert_eq!(status, 401, "guess {attempt} on replica {}", attempt % 2);
    }
    // Five guesses on each replica: ten in all, and both refuse the next one.
    for (i, replica) in replicas.iter().enumerate() {
        let (status, body) = propfind(&replica.url(), DAV_PATH, bob, "another guess").await;
        assert_eq!(
            status,
            429,
            "replica {i} let an eleventh guess through: {body}\n{}",
            replica.log()
        );
    }
    // And so does the balancer in front of them, whichever replica it picks.
    for _ in 0..2 {
        assert_eq!(
            through_apache(&deployment, bob, "a guess through Apache"),
            429
        );
    }
    drop(deployment);
    t.finish().await;
}
