//! The SMTP recorder of the iMIP tests (tests/tools/smtp_recorder.py, aiosmtpd): a real
//! SMTP server on loopback that writes each message it receives as JSON.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::{client_python, manifest_dir};

/// The SMTP recorder, running until dropped.
pub struct Recorder {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The test clients' Python with aiosmtpd, set up once for all tests of this file (they
/// run in parallel, and two setups of one venv at once break each other).
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(client_python)
}

impl Recorder {
    pub fn start(extra: &[&str]) -> Recorder {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python())
            .arg(manifest_dir().join("tests/tools/smtp_recorder.py"))
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("recorder.log")).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(dir.path().join("recorder.log"));
                panic!("the SMTP recorder did not start: {line:?} {log:?}")
            });
        Recorder { child, port, dir }
    }

    /// The first `count` messages received, in order, waiting up to 10 s for them.
    pub fn messages(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let path = |n: usize| self.dir.path().join(format!("{n}.json"));
        while !path(count).exists() {
            assert!(Instant::now() < deadline, "{count} messages did not arrive");
            std::thread::sleep(Duration::from_millis(20));
        }
        (1..=count)
            .map(|n| serde_json::from_slice(&std::fs::read(path(n)).unwrap()).unwrap())
            .collect()
    }

    /// How many messages arrived.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().ends_with(".json")
            })
            .count()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
