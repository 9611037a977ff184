//! Access lines in Apache's combined log format (`davgate.accessLogFormat: combined`):
//! `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`, one line per request on
//! stdout, for log tools that read web server logs. `%h` is the client address (the peer,
//! or what a trusted proxy forwarded), `%u` the login of the authenticated user, `%t` the
//! time the request arrived, `%b` the response's Content-Length (`-` for none, as for a
//! streamed multistatus). Empty fields are `-`. Every field is escaped as Apache escapes
//! log items: `"` and `\` get a backslash, other bytes outside printable ASCII become
//! `\xhh` (`\n`, `\r`, `\t` and the like by name), so no header a client sends can end a
//! line or a quoted field early.

use std::io::Write as _;
use std::sync::{Arc, OnceLock};

/// Where the authentication layer names the user a request was served for; the access
/// log layer, further out, reads it once the response is there.
#[derive(Debug, Clone, Default)]
pub struct AccessUser(Arc<OnceLock<String>>);

impl AccessUser {
    pub fn set(&self, login: &str) {
        let _ = self.0.set(login.to_owned());
    }

    fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// What the combined line of a request takes from the request, gathered when it arrives.
pub(super) struct CombinedRequest {
    pub client: Option<std::net::IpAddr>,
    pub user: AccessUser,
    pub received: chrono::DateTime<chrono::Utc>,
    pub method: http::Method,
    pub target: String,
    pub version: http::Version,
    pub referer: Option<Vec<u8>>,
    pub user_agent: Option<Vec<u8>>,
}

impl CombinedRequest {
    pub fn of<B>(
        request: &http::Request<B>,
        client: Option<std::net::IpAddr>,
        user: AccessUser,
    ) -> Self {
        let header = |name: http::HeaderName| {
            request
                .headers()
                .get(name)
                .map(|value| value.as_bytes().to_vec())
        };
        CombinedRequest {
            client,
            user,
            received: chrono::Utc::now(),
            method: request.method().clone(),
            target: request.uri().path_and_query().map_or_else(
                || request.uri().path().to_owned(),
                |p| p.as_str().to_owned(),
            ),
            version: request.version(),
            referer: header(http::header::REFERER),
            user_agent: header(http::header::USER_AGENT),
        }
    }

    /// The line of this request answered `status` with `bytes` of body, with its newline.
    pub fn render(&self, status: u16, bytes: Option<u64>) -> String {
        let mut line = String::with_capacity(200);
        match self.client {
            Some(ip) => line.push_str(&ip.to_string()),
            None => line.push('-'),
        }
        line.push_str(" - ");
        field(&mut line, self.user.get().map(str::as_bytes));
        line.push_str(
            &self
                .received
                .format(" [%d/%b/%Y:%H:%M:%S +0000] \"")
                .to_string(),
        );
        escape_into(&mut line, self.method.as_str().as_bytes());
        line.push(' ');
        escape_into(&mut line, self.target.as_bytes());
        line.push(' ');
        line.push_str(version_name(self.version));
        line.push_str(&format!("\" {status} "));
        match bytes {
            Some(bytes) if bytes > 0 => line.push_str(&bytes.to_string()),
            _ => line.push('-'),
        }
        line.push_str(" \"");
        field(&mut line, self.referer.as_deref());
        line.push_str("\" \"");
        field(&mut line, self.user_agent.as_deref());
        line.push_str("\"\n");
        line
    }

    /// Writes the line to stdout in one write.
    pub fn write(&self, status: u16, bytes: Option<u64>) {
        let line = self.render(status, bytes);
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
}

fn version_name(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// `value` escaped, or `-` when it is missing or empty.
fn field(line: &mut String, value: Option<&[u8]>) {
    match value {
        Some(bytes) if !bytes.is_empty() => escape_into(line, bytes),
        _ => line.push('-'),
    }
}

/// Appends `bytes` as Apache writes a log item: printable ASCII as it is, but `"` and `\`
/// with a backslash, and every other byte escaped.
fn escape_into(line: &mut String, bytes: &[u8]) {
    for &byte in bytes {
        match byte {
            b'"' => line.push_str("\\\""),
            b'\\' => line.push_str("\\\\"),
            0x08 => line.push_str("\\b"),
            b'\n' => line.push_str("\\n"),
            b'\r' => line.push_str("\\r"),
            b'\t' => line.push_str("\\t"),
            0x0b => line.push_str("\\v"),
            0x20..=0x7e => line.push(char::from(byte)),
            _ => line.push_str(&format!("\\x{byte:02x}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(bytes: &[u8]) -> String {
        let mut line = String::new();
        escape_into(&mut line, bytes);
        line
    }

    #[test]
    fn quotes_backslashes_and_control_bytes_are_escaped_as_apache_does() {
        assert_eq!(escaped(b"DAVx5/4.3"), "DAVx5/4.3");
        assert_eq!(escaped(b"a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!(escaped(b"x\n1.2.3.4 - -"), "x\\n1.2.3.4 - -");
        assert_eq!(escaped(b"\x01\x7f\xc3\xa9\t"), "\\x01\\x7f\\xc3\\xa9\\t");
    }

    #[test]
    fn a_line_has_every_field_with_dashes_for_the_empty_ones() {
        let request = http::Request::builder()
            .method("GET")
            .uri("/dav/?x=1")
            .header("user-agent", "")
            .body(())
            .unwrap();
        let mut line = CombinedRequest::of(
            &request,
            Some("192.0.2.7".parse().unwrap()),
            AccessUser::default(),
        );
        line.received = chrono::DateTime::parse_from_rfc3339("2000-10-10T13:55:36Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            line.render(401, None),
            "192.0.2.7 - - [10/Oct/2000:13:55:36 +0000] \"GET /dav/?x=1 HTTP/1.1\" 401 - \"-\" \"-\"\n"
        );
        line.user.set("alice");
        assert!(line
            .render(207, Some(2326))
            .starts_with("192.0.2.7 - alice [10/Oct/2000"));
        assert!(line.render(207, Some(2326)).contains("\" 207 2326 \""));
    }
}
