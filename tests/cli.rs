//! The `davgate` binary as an operator uses it: provisioning, config explain, migrate,
//! and `serve --demo` answering a client, on SQLite and (when configured) PostgreSQL.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use common::client::{manifest_dir, start_demo_with, targets, Server, Target, BIN};
use common::http::{parse_xml, Node, DAV};

/// The `davgate` command line, run against a target's store.
trait Cli {
    fn command(&self, config_dir: &Path) -> Command;
    /// Runs a subcommand that must succeed and returns its standard output.
    fn run(&self, config_dir: &Path, args: &[&str]) -> String;
    /// Runs a subcommand that must fail and returns its standard error.
    fn fail(&self, config_dir: &Path, args: &[&str]) -> String;
}

impl Cli for Target {
    fn command(&self, config_dir: &Path) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--config-dir")
            .arg(config_dir)
            .arg("--data-dir")
            .arg(self.data_dir.path());
        cmd.env_remove("DAVGATE_DATABASE_URL")
            .env_remove("DAVGATE_DEMO_PASSWORD");
        if let Some(db) = &self.db {
            cmd.env("DAVGATE_DATABASE_URL", &db.url);
        }
        cmd
    }

    fn run(&self, config_dir: &Path, args: &[&str]) -> String {
        let out = self.command(config_dir).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "davgate {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fail(&self, config_dir: &Path, args: &[&str]) -> String {
        let out = self.command(config_dir).args(args).output().unwrap();
        assert!(!out.status.success(), "davgate {args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn provisioning_and_config_explain() {
    let config = tempfile::tempdir().unwrap();
    let c = config.path();
    write(
        c,
        "carddav.properties",
        "com.openexchange.carddav.exposedCollections=1\n",
    );
    write(
        c,
        "contextSets/premium.yml",
        "premium:\n  withTags: premium & ucCardDAV\n  com.openexchange.carddav.exposedCollections: 2\n",
    );
    for t in targets().await {
        let label = t.label;
        let out = t.run(
            c,
            &[
                "context",
                "create",
                "--name",
                "acme",
                "--id",
                "7",
                "--mapping",
                "acme.test",
                "--tags",
                "premium,eu",
            ],
        );
        assert!(out.contains("context 7 created"), "{label}: {out}");
        t.run(
            c,
            &[
                "context",
                "create",
                "--name",
                "other",
                "--mapping",
                "other.test",
            ],
        );
        let list = t.run(c, &["context", "list"]);
        assert!(
            list.lines()
                .any(|l| l.starts_with("7\tacme\tmappings=acme.test\ttags=premium,eu")),
            "{label}: {list}"
        );

        for (login, modules) in [
            ("alice", "calendar,contacts,carddav"),
            ("bob", "calendar,contacts"),
        ] {
            t.run(
                c,
                &[
                    "user",
                    "create",
                    "-c",
                    "acme",
                    "--login",
                    login,
                    "--mail",
                    &format!("{login}@acme.test"),
                    "--display-name",
                    &format!("{login} Example"),
                    "--password",
                    "pw-1",
                    "--modules",
                    modules,
                ],
            );
        }
        t.run(
            c,
            &[
                "user",
                "create",
                "-c",
                "other",
                "--login",
                "alice",
                "--mail",
                "alice@other.test",
                "--display-name",
                "Other Alice",
                "--password",
                "pw-2",
            ],
        );
        let err = t.fail(
            c,
            &[
                "user",
                "create",
                "-c",
                "acme",
                "--login",
                "alice",
                "--mail",
                "x@acme.test",
                "--display-name",
                "Dup",
                "--password",
                "pw",
            ],
        );
        assert!(err.contains("already exists"), "{label}: {err}");
        let users = t.run(c, &["user", "list", "-c", "7"]);
        assert_eq!(users.lines().count(), 2, "{label}: {users}");
        t.run(
            c,
            &[
                "user",
                "update",
                "-c",
                "acme",
                "alice",
                "--aliases",
                "al@acme.test",
                "--display-name",
                "Alice A.",
            ],
        );
        assert!(t
            .run(c, &["user", "list", "-c", "acme"])
            .contains("Alice A.\taliases=al@acme.test"));

        t.run(
            c,
            &[
                "group", "create", "-c", "acme", "--name", "team", "--member", "alice", "--member",
                "bob",
            ],
        );
        let user_list = t.run(c, &["user", "list", "-c", "acme"]);
        let id_of = |login: &str| {
            let line = user_list
                .lines()
                .find(|l| l.split('\t').nth(1) == Some(login))
                .unwrap();
            line.split('\t').next().unwrap().to_string()
        };
        let members = format!("\tteam\tteam\tmembers={},{}", id_of("alice"), id_of("bob"));
        let groups = t.run(c, &["group", "list", "-c", "acme"]);
        assert!(
            groups.lines().any(|l| l.ends_with(&members)),
            "{label}: {groups}"
        );
        t.run(
            c,
            &[
                "resource",
                "create",
                "-c",
                "acme",
                "--name",
                "room1",
                "--mail",
                "room1@acme.test",
                "--kind",
                "room",
            ],
        );
        assert!(t
            .run(c, &["resource", "list", "-c", "acme"])
            .contains("room1@acme.test\troom"));
        let err = t.fail(
            c,
            &[
                "resource",
                "create",
                "-c",
                "acme",
                "--name",
                "r2",
                "--mail",
                "r2@acme.test",
                "--kind",
                "car",
            ],
        );
        assert!(err.contains("car"), "{label}: {err}");

        // Folders: create, rename, share with a user and a group, unshare.
        let out = t.run(
            c,
            &[
                "folder", "create", "-c", "acme", "--owner", "alice", "--module", "calendar",
                "--name", "Trips",
            ],
        );
        let id: String = out.split_whitespace().nth(1).unwrap().to_string();
        t.run(c, &["folder", "rename", "-c", "acme", &id, "Travel"]);
        let bobs = t.run(c, &["folder", "list", "-c", "acme", "--user", "bob"]);
        assert!(!bobs.contains("Travel"), "{label}: not shared yet: {bobs}");
        t.run(
            c,
            &[
                "folder", "share", "-c", "acme", &id, "--user", "bob", "--level", "author",
            ],
        );
        let bobs = t.run(c, &["folder", "list", "-c", "acme", "--user", "bob"]);
        let line = bobs
            .lines()
            .find(|l| l.contains("\tTravel\t"))
            .unwrap_or_else(|| panic!("{label}: {bobs}"));
        assert!(line.contains(":4/2/2/2"), "{label}: author level: {line}");
        t.run(
            c,
            &[
                "folder", "share", "-c", "acme", &id, "--group", "team", "--level", "1/2/0/0",
            ],
        );
        t.run(
            c,
            &["folder", "unshare", "-c", "acme", &id, "--user", "bob"],
        );
        assert!(
            t.run(c, &["folder", "list", "-c", "acme", "--user", "bob"])
                .contains("\tTravel\t"),
            "{label}: still through the group"
        );
        let err = t.fail(
            c,
            &[
                "folder", "share", "-c", "acme", &id, "--user", "bob", "--level", "boss",
            ],
        );
        assert!(err.contains("boss"), "{label}: {err}");
        t.run(
            c,
            &[
                "folder", "create", "-c", "acme", "--public", "--module", "contacts", "--name",
                "Partners",
            ],
        );
        assert!(t
            .run(c, &["folder", "list", "-c", "acme"])
            .lines()
            .any(|l| l.contains("\tPartners\tcontacts\tpublic\t")));

        // The cascade, scope by scope, through the real store.
        let prop = "com.openexchange.carddav.exposedCollections";
        let explain = |login: &str| t.run(c, &["config", "explain", prop, "--user", login]);
        let out = explain("alice@acme.test");
        assert!(
            out.contains(&format!("{prop} = 2")) && out.contains("contextSet \"premium\""),
            "{label}: {out}"
        );
        let out = explain("bob@acme.test");
        assert!(
            out.contains(&format!("{prop} = 1")) && out.contains("carddav.properties"),
            "{label}: bob lacks ucCardDAV: {out}"
        );
        let out = explain("alice@other.test");
        assert!(
            out.contains(&format!("{prop} = 1")),
            "{label}: other context is not premium: {out}"
        );
        t.run(c, &["config", "set", prop, "0", "-c", "acme"]);
        assert!(
            explain("alice@acme.test").contains("= 0 (from context"),
            "{label}"
        );
        t.run(
            c,
            &["config", "set", prop, "1", "-c", "acme", "--user", "alice"],
        );
        assert!(
            explain("alice@acme.test").contains("= 1 (from user"),
            "{label}"
        );
        t.run(c, &["config", "set", prop, "2", "-c", "acme", "--final"]);
        assert!(
            explain("alice@acme.test").contains("= 2 (from context"),
            "{label}: final context value wins"
        );
        let err = t.fail(c, &["config", "set", prop, "7", "-c", "acme"]);
        assert!(err.contains("not valid"), "{label}: {err}");
        let attrs = t.run(c, &["config", "list", "-c", "acme"]);
        assert!(
            attrs.contains(&format!("config/{prop} = 2 (final)")),
            "{label}: {attrs}"
        );
        let out = t.run(c, &["config", "explain", "com.openexchange.dav.prefixPath"]);
        assert!(
            out.contains("/servlet/dav") && out.contains("built-in default"),
            "{label}: {out}"
        );
        let err = t.fail(c, &["config", "explain", "com.example.nothing"]);
        assert!(err.contains("com.example.nothing"), "{label}: {err}");

        t.run(c, &["user", "delete", "-c", "acme", "bob"]);
        assert_eq!(t.run(c, &["user", "list", "-c", "acme"]).lines().count(), 1);
        t.run(c, &["context", "delete", "other"]);
        assert!(!t.run(c, &["context", "list"]).contains("other"));
        t.finish().await;
    }
}

#[tokio::test]
async fn an_invalid_server_value_stops_the_start_with_its_source() {
    let config = tempfile::tempdir().unwrap();
    write(
        config.path(),
        "carddav.properties",
        "com.openexchange.carddav.exposedCollections=9\n",
    );
    let t = Target {
        label: "sqlite",
        data_dir: tempfile::tempdir().unwrap(),
        db: None,
    };
    let err = t.fail(config.path(), &["serve"]);
    assert!(
        err.contains("com.openexchange.carddav.exposedCollections"),
        "{err}"
    );
    assert!(err.contains("carddav.properties"), "{err}");
}

#[test]
fn without_a_config_directory_the_built_in_defaults_apply() {
    let cwd = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .current_dir(cwd.path())
            .env_remove("DAVGATE_DATABASE_URL")
            .env_remove("DAVGATE_CONFIG_DIR")
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["config", "explain", "com.openexchange.dav.prefixPath"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("built-in defaults"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("/servlet/dav (from built-in default)"));
    // A directory named explicitly must exist.
    let out = run(&["--config-dir", "missing", "migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read missing"));
}

/// Starts `davgate serve --demo` with the shipped config and `password` for the demo
/// users of a fresh store, once it listens.
fn start_demo(t: &Target, password: &str) -> Server {
    start_demo_with(
        t,
        &manifest_dir().join("config"),
        &[("DAVGATE_DEMO_PASSWORD", password)],
    )
}

/// What clients do: a PROPFIND with a body but no credentials, then the same request with
/// credentials on the same kept-alive connection. Returns both statuses.
fn challenge_then_retry(port: u16, (user, password): (&str, &str)) -> (u16, u16) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = |auth: &str| {
        format!(
            "PROPFIND /dav/ HTTP/1.1\r\nHost: 127.0.0.1\r\nDepth: 0\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n{auth}\r\n{PRINCIPAL_PROPFIND}",
            PRINCIPAL_PROPFIND.len()
        )
    };
    stream.write_all(head("").as_bytes()).unwrap();
    let first = read_status_and_skip_body(&mut stream);
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    stream
        .write_all(head(&format!("Authorization: Basic {token}\r\n")).as_bytes())
        .unwrap();
    let second = read_status_and_skip_body(&mut stream);
    (first, second)
}

/// Reads one response with a Content-Length body (or just its head when chunked).
fn read_status_and_skip_body(stream: &mut TcpStream) -> u16 {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            other => panic!(
                "connection ended after {:?}: {other:?}",
                String::from_utf8_lossy(&head)
            ),
        }
    }
    let head = String::from_utf8(head).unwrap();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    head[9..12].parse().unwrap()
}

/// One HTTP/1.1 exchange over a plain socket; returns status and body.
fn request(
    port: u16,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nDepth: 0\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((user, password)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        head.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

/// The payload of a chunked body (RFC 9112 7.1): size lines in hex, then the data.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size_line, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {size_line:?}"));
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

const PRINCIPAL_PROPFIND: &str = r#"<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;

/// The href of DAV:current-user-principal in a PROPFIND answer, read with the tests' own
/// namespace-aware parser.
fn current_user_principal(body: &str) -> String {
    fn find(node: &Node) -> Option<&Node> {
        if node.is(DAV, "current-user-principal") {
            return Some(node);
        }
        node.children.iter().find_map(find)
    }
    let root = parse_xml(body.as_bytes());
    let hrefs = find(&root)
        .unwrap_or_else(|| panic!("no current-user-principal in {body}"))
        .hrefs();
    assert_eq!(hrefs.len(), 1, "{body}");
    hrefs[0].clone()
}

#[tokio::test]
async fn serve_demo_answers_clients_and_keeps_data_on_restart() {
    for t in targets().await {
        let label = t.label;
        let server = start_demo(&t, "first-password");
        let banner = server.output();
        assert!(
            banner.contains("alice@example.com") && banner.contains("first-password"),
            "{label}: {banner}"
        );
        assert!(
            banner.contains(&format!("http://127.0.0.1:{}/dav/", server.port)),
            "{label}: {banner}"
        );
        let (status, body) = request(
            server.port,
            "PROPFIND",
            "/dav/",
            Some(("alice@example.com", "first-password")),
            PRINCIPAL_PROPFIND,
        );
        assert_eq!(status, 207, "{label}: {body}");
        let principal = current_user_principal(&body);
        assert!(
            principal.starts_with("/dav/principals/users/"),
            "{label}: {principal}"
        );
        let (status, _) = request(
            server.port,
            "PROPFIND",
            &principal,
            Some(("alice", "first-password")),
            PRINCIPAL_PROPFIND,
        );
        assert_eq!(
            status, 207,
            "{label}: login without domain through the default context"
        );
        let (status, _) = request(
            server.port,
            "PROPFIND",
            "/dav/",
            Some(("bob@example.com", "wrong")),
            PRINCIPAL_PROPFIND,
        );
        assert_eq!(status, 401, "{label}");
        assert_eq!(
            challenge_then_retry(server.port, ("alice", "first-password")),
            (401, 207),
            "{label}: a client retrying with credentials on the same connection"
        );
        let (status, _) = request(server.port, "GET", "/health/ready", None, "");
        assert_eq!(status, 200, "{label}");
        drop(server);

        let server = start_demo(&t, "second-password");
        let banner = server.output();
        assert!(banner.contains("already present"), "{label}: {banner}");
        let (status, _) = request(
            server.port,
            "PROPFIND",
            "/dav/",
            Some(("bob@example.com", "first-password")),
            PRINCIPAL_PROPFIND,
        );
        assert_eq!(
            status, 207,
            "{label}: the first run's users and passwords are kept"
        );
        drop(server);

        let out = t.run(
            &manifest_dir().join("config"),
            &["folder", "list", "-c", "example.com", "--user", "bob"],
        );
        for expected in [
            "Global Address Book",
            "Company Events",
            "Calendar",
            "Tasks",
            "Contacts",
        ] {
            assert!(
                out.contains(&format!("\t{expected}\t")),
                "{label}: bob sees {expected}: {out}"
            );
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn migrate_applies_the_schema_for_operators() {
    for t in targets().await {
        let out = t.run(&manifest_dir().join("config"), &["migrate"]);
        assert!(out.contains("migrations applied"), "{}: {out}", t.label);
        let again = t.run(&manifest_dir().join("config"), &["migrate"]);
        assert!(again.contains("migrations applied"), "idempotent");
        t.finish().await;
    }
}
