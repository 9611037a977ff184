//! `davgate.accessLogFormat: combined`: the real binary writes one line per request in
//! Apache's combined log format, read back here field by field as a log tool would: the
//! client, the login, the time, the request line, the status, the size, the Referer and
//! the User-Agent; quotes and bytes outside printable ASCII a client sends are escaped,
//! so a crafted header cannot forge a field or a line.

mod common;

use std::time::Duration;

use common::client::PASSWORD;
use common::process::Davgate;

/// One line of the combined format, its quoted fields unescaped.
#[derive(Debug)]
struct Line {
    host: String,
    ident: String,
    user: String,
    time: chrono::DateTime<chrono::FixedOffset>,
    request: Vec<u8>,
    status: u16,
    bytes: String,
    referer: Vec<u8>,
    user_agent: Vec<u8>,
}

fn combined_pattern() -> regex::Regex {
    let quoted = r#""((?:[^"\\]|\\.)*)""#;
    regex::Regex::new(&format!(
        r"^(\S+) (\S+) (\S+) \[([^\]]+)\] {quoted} (\d{{3}}) (\d+|-) {quoted} {quoted}$"
    ))
    .unwrap()
}

/// Undoes Apache's log escaping: `\"`, `\\`, `\n`-style names and `\xhh`.
fn unescape(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            assert!(
                (0x20..0x7f).contains(&bytes[i]),
                "an unescaped byte {:#x} in {field:?}",
                bytes[i]
            );
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let (byte, len) = match bytes[i + 1] {
            b'"' => (b'"', 2),
            b'\\' => (b'\\', 2),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b't' => (b'\t', 2),
            b'b' => (0x08, 2),
            b'v' => (0x0b, 2),
            b'x' => (u8::from_str_radix(&field[i + 2..i + 4], 16).unwrap(), 4),
            other => panic!("unknown escape \\{} in {field:?}", other as char),
        };
        out.push(byte);
        i += len;
    }
    out
}

fn parse(output: &str) -> Vec<Line> {
    let pattern = combined_pattern();
    output
        .lines()
        .filter_map(|line| pattern.captures(line))
        .map(|c| Line {
            host: c[1].to_owned(),
            ident: c[2].to_owned(),
            user: c[3].to_owned(),
            time: chrono::DateTime::parse_from_str(&c[4], "%d/%b/%Y:%H:%M:%S %z")
                .unwrap_or_else(|e| panic!("time {:?}: {e}", &c[4])),
            request: unescape(&c[5]),
            status: c[6].parse().unwrap(),
            bytes: c[7].to_owned(),
            referer: unescape(&c[8]),
            user_agent: unescape(&c[9]),
        })
        .collect()
}

const PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;

#[test]
fn access_lines_in_the_combined_format_name_each_request_and_cannot_be_forged() {
    let mut davgate = Davgate::start(
        "",
        &["--demo"],
        &[
            ("DAVGATE_ACCESS_LOG_FORMAT", "combined"),
            ("RUST_LOG", "warn"),
        ],
    );
    davgate.wait_for("davgate listening", 1, Duration::from_secs(60));
    let root = format!("http://127.0.0.1:{}", davgate.port);
    let client = reqwest::blocking::Client::new();

    // A User-Agent made to look like the end of the line and a second line's start.
    let forged = b"DAVx5/4.4 \"-\" \"x\" 200 99 \\ \t caf\xc3\xa9";
    let answer = client
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("{root}/dav/"),
        )
        .basic_auth("alice@example.com", Some(PASSWORD))
        .header("Depth", "0")
        .header("Referer", "https://example.com/calendar?a=1")
        .header(
            "User-Agent",
            reqwest::header::HeaderValue::from_bytes(forged).unwrap(),
        )
        .body(PROPFIND)
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 207);
    let propfind_size = answer.bytes().unwrap().len();

    let answer = client
        .get(format!("{root}/dav/caldav/?x=%22y"))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);

    // Both lines are written once their answers are sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let lines = parse(&davgate.output());
        if lines.len() >= 2 || std::time::Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(lines.len(), 2, "{}", davgate.output());
    // No other line holds a piece of a forged one.
    assert!(
        !davgate
            .output()
            .lines()
            .any(|l| l.starts_with("\" ") || l.starts_with("caf")),
        "{}",
        davgate.output()
    );

    let propfind = &lines[0];
    assert_eq!(propfind.host, "127.0.0.1");
    assert_eq!(propfind.ident, "-");
    assert_eq!(propfind.user, "alice", "the authenticated login");
    let age = chrono::Utc::now().signed_duration_since(propfind.time);
    assert!(
        age >= chrono::TimeDelta::zero() && age < chrono::TimeDelta::seconds(60),
        "{:?}",
        propfind.time
    );
    assert_eq!(propfind.time.offset().local_minus_utc(), 0);
    assert_eq!(propfind.request, b"PROPFIND /dav/ HTTP/1.1");
    assert_eq!(propfind.status, 207);
    // A streamed multistatus has no Content-Length: `-`, or its size when it had one.
    assert!(
        propfind.bytes == "-" || propfind.bytes == propfind_size.to_string(),
        "{propfind:?}"
    );
    assert_eq!(propfind.referer, b"https://example.com/calendar?a=1");
    assert_eq!(propfind.user_agent, forged, "the User-Agent, unescaped");

    let refused = &lines[1];
    assert_eq!(refused.user, "-", "no login for a refused request");
    assert_eq!(refused.request, b"GET /dav/caldav/?x=%22y HTTP/1.1");
    assert_eq!(refused.status, 401);
    assert_eq!(refused.referer, b"-");
    assert_ne!(refused.bytes, "");
}
