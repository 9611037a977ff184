//! A davgate process of a test's own: the real binary serving on its own port against a
//! database URL, its stdout and stderr gathered for assertions on the log.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::{free_port, manifest_dir, BIN, PASSWORD};

/// The real binary, `serve` on its own port against `database_url`; stdout and stderr
/// gathered in one buffer.
pub struct Davgate {
    child: Child,
    pub port: u16,
    output: Arc<Mutex<String>>,
    _data: tempfile::TempDir,
}

impl Davgate {
    /// `serve` with the arguments `extra` (`--demo`: the demo users, with the harness's
    /// password) and the environment variables `envs` on top (logging at info unless
    /// `RUST_LOG` is among them). Returns at once, before it listens (`wait_for`).
    pub fn start(database_url: &str, extra: &[&str], envs: &[(&str, &str)]) -> Davgate {
        // The tests' HTTP clients need the process's TLS provider, even for plain HTTP.
        davgate::tls::install_provider();
        let port = free_port();
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .arg("--config-dir")
            .arg(manifest_dir().join("config"))
            .arg("--data-dir")
            .arg(data.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("DAVGATE_DATABASE_URL", database_url)
            .env("DAVGATE_DEMO_PASSWORD", PASSWORD)
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [stdout, stderr] {
            let sink = output.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    sink.lock().unwrap().push_str(&line);
                    line.clear();
                }
            });
        }
        Davgate {
            child,
            port,
            output,
            _data: data,
        }
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the output holds `text` at least `times` times.
    pub fn wait_for(&mut self, text: &str, times: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.output().matches(text).count() >= times {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "davgate exited ({status}) waiting for {text:?}: {}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {times} x {text:?} within {timeout:?}: {}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The exit status, once the process has ended.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    pub fn ready(&self) -> u16 {
        reqwest::blocking::Client::new()
            .get(format!("http://127.0.0.1:{}/health/ready", self.port))
            .send()
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

impl Drop for Davgate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
