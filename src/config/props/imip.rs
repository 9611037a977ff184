//! The SMTP relay that carries iMIP messages (RFC 6047) to calendar users outside the
//! context (`scheduling::imip`). Server scope: one relay per process. Without a host
//! nothing is sent by mail.

use std::path::PathBuf;

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayTls {
    /// Plain SMTP, for a relay on the same host or a trusted network only.
    None,
    /// Plain SMTP upgraded with STARTTLS, which the relay must offer.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

const RELAY_TLS: &[&str] = &["none", "starttls", "tls"];

fn parse_relay_tls(raw: &str) -> Result<RelayTls, ValueError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "none" => Ok(RelayTls::None),
        "starttls" => Ok(RelayTls::StartTls),
        "tls" => Ok(RelayTls::Tls),
        _ => Err(ValueError("expected none, starttls or tls".into())),
    }
}

/// A TCP port, 1 to 65535.
fn parse_port(raw: &str) -> Result<u16, ValueError> {
    match raw.trim().parse::<u16>() {
        Ok(0) | Err(_) => Err(ValueError("expected a port from 1 to 65535".into())),
        Ok(port) => Ok(port),
    }
}

/// Seconds of at least one.
fn parse_positive_seconds(raw: &str) -> Result<u32, ValueError> {
    match values::parse_u32(raw)? {
        0 => Err(ValueError("expected at least 1 second".into())),
        seconds => Ok(seconds),
    }
}

/// A host name or address without port, or the empty string for none.
fn parse_relay_host(raw: &str) -> Result<Option<String>, ValueError> {
    let host = values::parse_optional_text(raw)?;
    if let Some(host) = &host {
        if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
            return Err(ValueError(
                "expected a host name or address, such as smtp.example.com".into(),
            ));
        }
    }
    Ok(host)
}

/// A mail address (`local@domain`), or the empty string for none.
fn parse_optional_mail_address(raw: &str) -> Result<Option<String>, ValueError> {
    let address = values::parse_optional_text(raw)?;
    if let Some(address) = &address {
        if address.parse::<lettre::Address>().is_err() {
            return Err(ValueError(
                "expected a mail address, such as calendar@example.com".into(),
            ));
        }
    }
    Ok(address)
}

/// A file path, or the empty string for none.
fn parse_optional_path(raw: &str) -> Result<Option<PathBuf>, ValueError> {
    Ok(values::parse_optional_text(raw)?.map(PathBuf::from))
}

properties! {
    static IMIP;

    ImipHost {
        name: "davgate.imip.host",
        value: Option<String>,
        parse: parse_relay_host,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_IMIP_HOST"),
        doc: "Host name or address of the SMTP relay that carries invitations, cancellations and replies to calendar users outside the context (iMIP, RFC 6047). Empty: no mail is sent, and such attendees' SCHEDULE-STATUS says the message was not delivered.",
    }
    ImipPort {
        name: "davgate.imip.port",
        value: u16,
        parse: parse_port,
        kind: Kind::Integer,
        default: "587",
        cascade: false,
        env: Some("DAVGATE_IMIP_PORT"),
        doc: "Port of the SMTP relay (587 for submission with STARTTLS, 465 for TLS, 25 for a plain relay).",
    }
    ImipTls {
        name: "davgate.imip.tls",
        value: RelayTls,
        parse: parse_relay_tls,
        kind: Kind::Choice(RELAY_TLS),
        default: "starttls",
        cascade: false,
        env: Some("DAVGATE_IMIP_TLS"),
        doc: "How the connection to the relay is protected: starttls (required; a relay that does not offer it is not used), tls (TLS from the start), none (plain, for a relay on a trusted network only). The relay's certificate is checked against the system's trust store and davgate.imip.caFile.",
    }
    ImipCaFile {
        name: "davgate.imip.caFile",
        value: Option<PathBuf>,
        parse: parse_optional_path,
        kind: Kind::Path,
        default: "",
        cascade: false,
        env: None,
        doc: "PEM file with certificates of authorities trusted for the relay's certificate, besides the system's (a relay with a certificate of an internal authority). Empty: the system's only.",
    }
    ImipUsername {
        name: "davgate.imip.username",
        value: Option<String>,
        parse: values::parse_optional_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_IMIP_USERNAME"),
        doc: "User name davgate logs in to the relay with (SMTP AUTH PLAIN or LOGIN). Empty: no login.",
    }
    ImipPassword {
        name: "davgate.imip.password",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_IMIP_PASSWORD"),
        doc: "Password for davgate.imip.username; never logged.",
    }
    ImipSender {
        name: "davgate.imip.sender",
        value: Option<String>,
        parse: parse_optional_mail_address,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_IMIP_SENDER"),
        doc: "Mail address messages are sent from, for a relay that does not let davgate send as its users: the envelope sender and the From address (with the organizer's or attendee's name), with their own address as Reply-To. Empty: the organizer (invitations, cancellations) or the replying attendee is the From and the envelope sender.",
    }
    ImipTimeoutSeconds {
        name: "davgate.imip.timeoutSeconds",
        value: u32,
        parse: parse_positive_seconds,
        kind: Kind::Integer,
        default: "10",
        cascade: false,
        env: None,
        doc: "Seconds one message may take, from connecting to the relay to its answer to the message; later, it counts as not delivered.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_settings_parse() {
        assert_eq!(parse_relay_tls(" STARTTLS "), Ok(RelayTls::StartTls));
        assert_eq!(parse_relay_tls("none"), Ok(RelayTls::None));
        assert!(parse_relay_tls("ssl").is_err());
        assert_eq!(parse_port("465"), Ok(465));
        assert!(parse_port("0").is_err());
        assert!(parse_port("70000").is_err());
        assert_eq!(parse_relay_host(""), Ok(None));
        assert_eq!(
            parse_relay_host("smtp.example.com"),
            Ok(Some("smtp.example.com".into()))
        );
        assert!(parse_relay_host("smtp://smtp.example.com").is_err());
        assert!(parse_optional_mail_address("calendar@example.com").is_ok());
        assert!(parse_optional_mail_address("calendar").is_err());
        assert!(parse_positive_seconds("0").is_err());
    }
}
