//! A process allowed fewer open files than `davgate.limits.maxConnections` (a container's
//! soft limit is often 1,024, as is the shipped connection limit) must still make room
//! for a new client when idle connections fill it: the connection limit stays below what
//! the process may open, so the longest idle connection is closed for the newcomer
//! instead of the listener failing to accept. `davgate serve --demo` in a process of its
//! own, with the open-file limit set before it starts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_davgate");
/// The server's open-file limit, soft and hard, so it cannot raise it.
const OPEN_FILES: u64 = 256;
/// More idle connections than the server may have files.
const IDLE: usize = 400;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The shipped config with idle connections kept far longer than the test runs, so that
/// only making room can close them.
fn config_dir(scratch: &Path) -> std::path::PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let dir = scratch.join("config");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(shipped).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(
        dir.join("zz-test.yml"),
        "davgate.limits.headerReadTimeoutSeconds: 3600\n",
    )
    .unwrap();
    dir
}

fn start(scratch: &Path) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(BIN);
    command
        .arg("--config-dir")
        .arg(config_dir(scratch))
        .arg("--data-dir")
        .arg(scratch)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("DAVGATE_DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: OPEN_FILES as libc::rlim_t,
                rlim_max: OPEN_FILES as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("start davgate");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let server = Server(child);
    loop {
        let line = lines
            .next()
            .expect("davgate exited before it listened")
            .unwrap();
        if line.starts_with("davgate listening") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    (server, port)
}

fn address(port: u16) -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], port))
}

/// The status of the answer to a request on a new connection; None when none came (a
/// minute is far beyond what a served request takes here).
fn new_client_status(port: u16) -> Option<u16> {
    let mut client = TcpStream::connect_timeout(&address(port), Duration::from_secs(60)).ok()?;
    client
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    client
        .write_all(b"OPTIONS /dav/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 12];
    client.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[test]
fn idle_connections_beyond_the_open_file_limit_make_room_for_a_new_client() {
    let scratch = tempfile::tempdir().unwrap();
    let (_server, port) = start(scratch.path());
    assert_eq!(new_client_status(port), Some(200), "served before");

    // Half-sent request heads on more connections than the server may open files.
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        // A server that stopped accepting leaves the rest unconnected.
        let Ok(mut stream) = TcpStream::connect_timeout(&address(port), Duration::from_secs(5))
        else {
            break;
        };
        stream.write_all(b"PROPFIND /dav/ HTTP/1.1\r\n").unwrap();
        idle.push(stream);
    }
    std::thread::sleep(Duration::from_millis(500));

    for round in 0..3 {
        assert_eq!(
            new_client_status(port),
            Some(200),
            "round {round}: a new client is served while {IDLE} idle connections wait"
        );
    }
    // The oldest idle connections were closed to make that room.
    let first = &mut idle[0];
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut byte = [0u8; 1];
    let closed = match first.read(&mut byte) {
        Ok(0) => true,
        Err(err) => err.kind() == std::io::ErrorKind::ConnectionReset,
        Ok(_) => false,
    };
    assert!(closed, "the longest idle connection is closed");
}
