//! End-to-end runs of real DAV clients: the built binary serving `--demo` on a loopback
//! port, on SQLite and, when `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL, and the
//! Python interpreter whose virtual environment holds the clients.
//!
//! The interpreter is `DAVGATE_CLIENT_PYTHON` (CI sets it); without it the tests make a
//! virtual environment in `target/client-venv` with `python3 -m venv` and install
//! `tests/clients/requirements.txt` into it.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use davgate::store::{self, DynStore, FolderId, FolderModule};

use super::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_davgate");
/// The demo users' password.
pub const PASSWORD: &str = "client-test-password";

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run_checked(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Python interpreter with the clients' requirements installed.
pub fn client_python() -> PathBuf {
    if let Some(python) = std::env::var_os("DAVGATE_CLIENT_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let venv = manifest_dir().join("target").join("client-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        run_checked(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv target/client-venv (python3 with the venv module is needed)",
        );
    }
    // Installed again whenever the requirements change.
    let requirements = manifest_dir().join("tests/clients/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    let stamp = venv.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        run_checked(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements),
            "pip install -r tests/clients/requirements.txt",
        );
        std::fs::write(&stamp, wanted).unwrap();
    }
    python
}

/// Where the server's store lives: an embedded data dir, or a fresh PostgreSQL database.
pub struct Target {
    pub label: &'static str,
    pub data_dir: tempfile::TempDir,
    pub db: Option<TestDb>,
}

impl Target {
    /// The store the server uses, opened beside it (the server must have made it).
    pub async fn store(&self) -> DynStore {
        match &self.db {
            Some(db) => db.store.clone(),
            None => store::open(None, self.data_dir.path()).await.unwrap(),
        }
    }

    /// A demo user, as stored.
    pub async fn demo_user(&self, login: &str) -> davgate::store::User {
        let store = self.store().await;
        let context = store
            .context_by_name(davgate::demo::DEMO_CONTEXT)
            .await
            .unwrap();
        store
            .user_by_login(context.id, login)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no demo user {login}"))
    }

    /// The id of a demo user's default folder of `module`.
    pub async fn demo_default_folder(&self, login: &str, module: FolderModule) -> FolderId {
        let user = self.demo_user(login).await;
        self.store()
            .await
            .default_folder(user.context_id, user.id, module)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{login} has no default {module:?} folder"))
            .id
    }

    pub async fn finish(self) {
        if let Some(db) = self.db {
            db.drop_database().await;
        }
    }
}

pub async fn targets() -> Vec<Target> {
    let mut targets = vec![Target {
        label: "sqlite",
        data_dir: tempfile::tempdir().unwrap(),
        db: None,
    }];
    if let Some(url) = super::postgres_url() {
        targets.push(Target {
            label: "postgres",
            data_dir: tempfile::tempdir().unwrap(),
            db: Some(super::postgres(&url).await),
        });
    }
    targets
}

pub struct Server {
    child: Child,
    pub port: u16,
    /// Everything the server wrote to stdout (its banner and its log lines), read by a
    /// thread for as long as the process runs.
    output: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    pub fn root(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server has written to stdout so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Sends SIGTERM, as an orchestrator or systemd stops the service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit by itself; its exit status, or None on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `davgate serve --demo` with the shipped config, once it listens.
pub fn start_demo(t: &Target) -> Server {
    start_demo_with(t, &manifest_dir().join("config"), &[])
}

/// `davgate serve --demo` with the configuration directory `config_dir` and the
/// environment variables `envs` on top of the harness's own (`RUST_LOG` among them
/// overrides the default `warn`), once it listens. Its stdout (banner and log lines) is
/// kept in [`Server::output`]. Several of them on one target share the store, as
/// replicas do.
pub fn start_demo_with(t: &Target, config_dir: &Path, envs: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = Command::new(BIN);
    cmd.arg("--config-dir")
        .arg(config_dir)
        .arg("--data-dir")
        .arg(t.data_dir.path())
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("DAVGATE_DATABASE_URL")
        .env("DAVGATE_DEMO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(db) = &t.db {
        cmd.env("DAVGATE_DATABASE_URL", &db.url);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (listening_tx, listening_rx) = std::sync::mpsc::channel();
    let sink = output.clone();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            // Kept before it is announced, so the output holds the line that ended the wait.
            sink.lock().unwrap().push_str(&line);
            if line.starts_with("davgate listening") {
                let _ = listening_tx.send(());
            }
            line.clear();
        }
    });
    let mut server = Server {
        child,
        port,
        output,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if listening_rx
            .recv_timeout(Duration::from_millis(100))
            .is_ok()
        {
            return server;
        }
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!(
                "{}: davgate exited ({status}): {}",
                t.label,
                server.output()
            );
        }
    }
    panic!("{}: davgate did not start: {}", t.label, server.output());
}

/// Runs a client script from `tests/clients/` with `args`; returns whether it exited 0
/// within `timeout` and its output (stdout and stderr interleaved).
pub fn run_client(python: &Path, script: &str, args: &[&str], timeout: Duration) -> (bool, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let out = File::create(log.path()).unwrap();
    let mut child = Command::new(python)
        .arg(manifest_dir().join("tests/clients").join(script))
        .args(args)
        .env("PYTHONUNBUFFERED", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut output = std::fs::read_to_string(log.path()).unwrap();
    match status {
        Some(status) => (status.success(), output),
        None => {
            output.push_str(&format!("\n(killed after {timeout:?})"));
            (false, output)
        }
    }
}
