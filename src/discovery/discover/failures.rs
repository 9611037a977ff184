//! Why a request got no HTTP answer, in words an administrator can act on: TLS, a
//! refused connection, a name that does not resolve, a time-out.

use super::*;

/// Explains why a request got no HTTP answer: TLS, refused connection, name, time-out.
pub(super) fn unanswered(url: &Url, err: &reqwest::Error) -> Unanswered {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or_default();
    if let Some(tls) = rustls_error(err) {
        return tls_unanswered(host, port, tls);
    }
    if let Some(io) = io_error(err) {
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                return Unanswered {
                    what: format!("nothing accepts connections at {host}:{port} (connection refused)"),
                    fix: format!(
                        "check the port in the SRV record and that davgate (or the proxy in front of it) listens on {port}"
                    ),
                    unreachable: true,
                }
            }
            std::io::ErrorKind::TimedOut => {
                return Unanswered {
                    what: format!("{host}:{port} did not answer in time"),
                    fix: "check firewalls between here and the server, and that the server runs".to_owned(),
                    unreachable: true,
                }
            }
            _ => {}
        }
    }
    if err.is_timeout() {
        return Unanswered {
            what: format!("{host}:{port} did not answer in time"),
            fix: "check firewalls between here and the server, and that the server runs".to_owned(),
            unreachable: true,
        };
    }
    Unanswered {
        what: format!("the request to {url} failed: {}", error_chain(err)),
        fix: "check that the host resolves and the server runs".to_owned(),
        unreachable: err.is_connect(),
    }
}

pub(super) fn tls_unanswered(host: &str, port: u16, tls: &rustls::Error) -> Unanswered {
    use rustls::CertificateError as Cert;
    let insecure = "to check the remaining steps meanwhile, run again with --insecure";
    let (what, fix) = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer | Cert::BadSignature => (
                format!("the TLS certificate of {host} is not trusted (self-signed, or issued by a CA this system does not know)"),
                format!("install a certificate from a CA that clients trust; {insecure}"),
            ),
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => (
                format!("the TLS certificate of {host}:{port} is not valid for the name {host}"),
                format!("the certificate must name the host clients connect to (the SRV target); {insecure}"),
            ),
            Cert::Expired | Cert::ExpiredContext { .. } => (
                format!("the TLS certificate of {host} has expired"),
                format!("renew the certificate; {insecure}"),
            ),
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => (
                format!("the TLS certificate of {host} is not valid yet"),
                format!("check the clocks and the certificate's dates; {insecure}"),
            ),
            Cert::Other(other) if ca_as_end_entity(other) => (
                format!("the TLS certificate of {host} is self-signed: it is a CA certificate serving as the server's own"),
                format!("install a certificate from a CA that clients trust; {insecure}"),
            ),
            other => (
                format!("the TLS certificate of {host} is refused: {other:?}"),
                format!("install a valid certificate; {insecure}"),
            ),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            format!("{host}:{port} does not speak TLS"),
            "the port serves plain http: the SRV record of the TLS service (_caldavs, _carddavs), or an https:// --url, must name the https port; a plain http port belongs under _caldav/_carddav".to_owned(),
        ),
        other => (
            format!("the TLS handshake with {host}:{port} failed: {other}"),
            format!("check the server's TLS setup; {insecure}"),
        ),
    };
    Unanswered {
        what,
        fix,
        unreachable: false,
    }
}

/// A self-signed certificate made as a CA (`openssl req -x509` does so by default).
pub(super) fn ca_as_end_entity(error: &rustls::OtherError) -> bool {
    matches!(
        error.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// The rustls error in an error's chain; TLS streams wrap it into an `io::Error`, whose
/// `source` skips it, so each `io::Error` is opened by hand.
pub(super) fn rustls_error<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = rustls_error(inner) {
                    return Some(tls);
                }
            }
        }
        current = error.source();
    }
    None
}

pub(super) fn io_error<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = error.source();
    }
    None
}

pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(error) = current {
        let text = error.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}
