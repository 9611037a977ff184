//! `davgate user app-password create|list|revoke` run as an administrator does, on every
//! store, with the passwords it prints used against the real router.

mod common;

use std::path::Path;
use std::process::Command;

use common::caldav::{default_folder, LAYOUT};
use common::http::*;
use davgate::auth::app_passwords;
use davgate::store::FolderModule;
use http::StatusCode;

async fn propfind(site: &Site, path: &str, login: &str, password: &str) -> StatusCode {
    let call = Call::new("PROPFIND", path).auth(login, password).depth("0");
    send(&site.app, call).await.status
}

/// Runs the `davgate` binary against `url` and returns its output; panics unless it
/// exits as `succeeds` says.
fn davgate(config_dir: &Path, url: &str, args: &[&str], succeeds: bool) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_davgate"))
        .arg("--config-dir")
        .arg(config_dir)
        .args(args)
        .env("DAVGATE_DATABASE_URL", url)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.success(), succeeds, "davgate {args:?}: {text}");
    text
}

#[tokio::test]
async fn the_cli_creates_lists_and_revokes_app_passwords() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let label = db.label;
        let config = tempfile::tempdir().unwrap();
        let c = config.path();
        let base = ["user", "app-password"];
        let create = |extra: &[&str]| {
            let mut args: Vec<&str> = base.to_vec();
            args.extend(["create", "-c", "example.com", "alice"]);
            args.extend(extra);
            davgate(c, &db.url, &args, true)
        };
        let out = create(&["--label", "Thunderbird", "--scope", "caldav", "--read-only"]);
        let password = out
            .lines()
            .find_map(|line| app_passwords::parse(line).map(|(_, p)| p))
            .unwrap_or_else(|| panic!("{label}: no password printed: {out}"));
        assert!(out.contains("caldav, read-only"), "{label}: {out}");
        let calendar = format!(
            "/dav/caldav/{}/",
            default_folder(&site.store, &site.alice, FolderModule::Calendar)
                .await
                .id
        );
        assert_eq!(
            propfind(&site, &calendar, "alice", &password).await,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        assert_eq!(
            propfind(&site, "/dav/carddav/", "alice", &password).await,
            StatusCode::FORBIDDEN,
            "{label}"
        );

        let list = davgate(
            c,
            &db.url,
            &["user", "app-password", "list", "-c", "example.com", "alice"],
            true,
        );
        let row = list
            .lines()
            .find(|l| l.contains("Thunderbird"))
            .unwrap_or_else(|| panic!("{label}: {list}"));
        let id = row.split('\t').next().unwrap().to_owned();
        assert!(row.contains("caldav, read-only"), "{label}: {row}");
        assert!(!row.ends_with("never"), "{label}: the use is listed: {row}");
        assert!(
            !list.contains(&password) && !list.contains("$argon2"),
            "{label}: no secret listed"
        );

        let out = create(&["--label", "Backup", "--scope", "read-only"]);
        assert!(out.contains("all, read-only"), "{label}: {out}");
        let list = davgate(
            c,
            &db.url,
            &["user", "app-password", "list", "-c", "example.com", "alice"],
            true,
        );
        let backup = list.lines().find(|l| l.contains("Backup")).unwrap();
        assert!(backup.ends_with("never"), "{label}: {backup}");

        davgate(
            c,
            &db.url,
            &[
                "user",
                "app-password",
                "revoke",
                "-c",
                "example.com",
                "alice",
                &id,
            ],
            true,
        );
        assert_eq!(
            propfind(&site, &calendar, "alice", &password).await,
            StatusCode::UNAUTHORIZED,
            "{label}"
        );
        let err = davgate(
            c,
            &db.url,
            &[
                "user",
                "app-password",
                "revoke",
                "-c",
                "example.com",
                "alice",
                &id,
            ],
            false,
        );
        assert!(err.contains("no app password"), "{label}: {err}");
        let err = davgate(
            c,
            &db.url,
            &[
                "user",
                "app-password",
                "create",
                "-c",
                "example.com",
                "nobody",
                "--label",
                "x",
            ],
            false,
        );
        assert!(err.contains("no user"), "{label}: {err}");
        db.drop_database().await;
    }
}
