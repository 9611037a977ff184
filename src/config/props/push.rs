//! WebDAV-Push (`push/`): the server's VAPID key, what push services are told about it,
//! and how messages are batched and retried. Server scope. Without a key, collections do
//! not advertise push and registrations are refused. The bounds on what clients register
//! are here too; `docs/limits.md` describes them.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

/// A count of at least one.
fn parse_at_least_one(raw: &str) -> Result<u32, ValueError> {
    match values::parse_u32(raw)? {
        0 => Err(ValueError("expected at least 1".into())),
        n => Ok(n),
    }
}

/// A VAPID subject: a `mailto:` or `https:` URI, or the empty string for none.
fn parse_subject(raw: &str) -> Result<Option<String>, ValueError> {
    let subject = values::parse_optional_text(raw)?;
    if let Some(subject) = &subject {
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err(ValueError(
                "expected a mailto: or https: URI, such as mailto:ops@example.com".into(),
            ));
        }
    }
    Ok(subject)
}

properties! {
    static PUSH;

    PushEnabled {
        name: "davgate.push.enabled",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: false,
        env: Some("DAVGATE_PUSH_ENABLED"),
        doc: "Whether calendars and address books offer WebDAV-Push (with davgate.push.vapidPrivateKey set).",
    }
    PushVapidPrivateKey {
        name: "davgate.push.vapidPrivateKey",
        value: Option<String>,
        parse: values::parse_optional_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_PUSH_VAPID_PRIVATE_KEY"),
        doc: "The server's VAPID key (RFC 8292): a P-256 private key as PEM (PKCS #8 or SEC1) or its 32-byte scalar in base64url, as `davgate push keygen` prints it. Also seeds the collections' push topics: a new key gives every collection a new topic, and clients must register again. Empty: no WebDAV-Push. Never logged.",
    }
    PushSubject {
        name: "davgate.push.subject",
        value: Option<String>,
        parse: parse_subject,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_PUSH_SUBJECT"),
        doc: "How push services reach the operator (the VAPID `sub` claim): a mailto: or https: URI. Some push services refuse messages without one.",
    }
    PushCoalesceMillis {
        name: "davgate.push.coalesceMillis",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "2000",
        cascade: false,
        env: None,
        doc: "Milliseconds from a collection's first change until its subscribers are notified; all changes within them (a bulk import) make one message, with the sync token after the last.",
    }
    PushTimeoutSeconds {
        name: "davgate.push.timeoutSeconds",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "10",
        cascade: false,
        env: None,
        doc: "Seconds one request to a push service may take; later it counts as failed and is retried.",
    }
    PushMaxAttempts {
        name: "davgate.push.maxAttempts",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "8",
        cascade: false,
        env: None,
        doc: "Failed attempts in a row (errors, timeouts, 5xx) after which a subscription is dropped; retries wait 5 s, doubled each time up to an hour. A push service's 404 or 410 drops it at once.",
    }
    PushAllowHttp {
        name: "davgate.push.allowHttpLoopback",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "false",
        cascade: false,
        env: None,
        doc: "Whether push resources may be plain http:// URLs on a loopback address (tests and local push services); otherwise only https:// is taken.",
    }
    PushMaxSubscriptionsPerUser {
        name: "davgate.limits.pushSubscriptionsPerUser",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "200",
        cascade: false,
        env: None,
        doc: "WebDAV-Push subscriptions one user may hold over all collections; a registration beyond is refused with 507 (renewing one they hold is not).",
    }
    PushMaxRegisterBytes {
        name: "davgate.limits.pushRegisterBytes",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "8192",
        cascade: false,
        env: None,
        doc: "Bytes of a push-register request body; a longer one is refused with 413.",
    }
    PushMaxResourceLength {
        name: "davgate.limits.pushResourceLength",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "2048",
        cascade: false,
        env: None,
        doc: "Characters of a push resource URL a registration may name; a longer one is refused with 403 invalid-subscription.",
    }
    PushMaxExpirySeconds {
        name: "davgate.push.maxExpirySeconds",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "604800",
        cascade: false,
        env: None,
        doc: "Longest a registration lasts (also the expiry when a client asks for none); clients renew before it ends. The draft asks servers to allow at least three days.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_mailto_or_https() {
        assert_eq!(parse_subject(""), Ok(None));
        assert!(parse_subject("mailto:ops@example.com").is_ok());
        assert!(parse_subject("https://example.com/contact").is_ok());
        assert!(parse_subject("ops@example.com").is_err());
        assert!(parse_at_least_one("0").is_err());
    }
}
