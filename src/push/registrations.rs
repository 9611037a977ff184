//! What a `push-register` request body asks for, checked before anything is stored: a
//! Web Push subscription (push resource, the client's P-256 key and authentication
//! secret for RFC 8291, content encoding aes128gcm), optional triggers and an optional
//! expiry. The HTTP side (`http::push_post`) stores it and answers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::encrypt::SubscriptionKeys;
use super::NS;
use crate::dav::{parse_document_within, Budget, Element, Namespace, XmlError};

/// Bounds a registration is held to (from `PushSettings`).
#[derive(Debug, Clone, Copy)]
pub struct RegisterBounds {
    pub allow_http_loopback: bool,
    pub max_resource_length: usize,
}

/// A checked registration request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub push_resource: String,
    /// base64url without padding, as stored.
    pub public_key: String,
    pub auth_secret: String,
    /// The expiry the client asked for (epoch seconds), if it named one it could read.
    pub expires: Option<i64>,
}

/// Why a body is not a registration davgate takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// Another kind of POST body (a sharing request).
    #[error("not a push-register body")]
    NotPushRegister,
    /// 403 `invalid-subscription`.
    #[error("invalid subscription: {0}")]
    InvalidSubscription(&'static str),
    /// 403 `no-supported-trigger`.
    #[error("none of the requested triggers is supported")]
    NoSupportedTrigger,
    #[error(transparent)]
    Xml(#[from] XmlError),
}

/// Whether `body` may be a push registration, without parsing it: other POST bodies go
/// their own way untouched.
pub fn looks_like_register(body: &[u8]) -> bool {
    const NAME: &[u8] = b"push-register";
    body.windows(NAME.len()).any(|w| w == NAME)
}

fn ns() -> Namespace {
    Namespace::Other(NS.into())
}

/// Parses and checks a `push-register` body within `budget`.
pub fn parse_register(
    body: &[u8],
    budget: &Budget,
    bounds: RegisterBounds,
) -> Result<Registration, RegisterError> {
    let root = parse_document_within(body, budget)?.ok_or(RegisterError::NotPushRegister)?;
    let ns = ns();
    if !root.name.is(&ns, "push-register") {
        return Err(RegisterError::NotPushRegister);
    }
    if let Some(trigger) = root.child(&ns, "trigger") {
        let wanted = trigger.child(&ns, "content-update").is_some()
            || trigger.child(&ns, "property-update").is_some();
        if !wanted {
            return Err(RegisterError::NoSupportedTrigger);
        }
    }
    let subscription = root
        .child(&ns, "subscription")
        .and_then(|s| s.child(&ns, "web-push-subscription"))
        .ok_or(RegisterError::InvalidSubscription(
            "no subscription with a web-push-subscription",
        ))?;
    let push_resource = text_of(subscription, &ns, "push-resource")
        .ok_or(RegisterError::InvalidSubscription("no push-resource"))?;
    check_push_resource(&push_resource, bounds)?;
    if let Some(encoding) = text_of(subscription, &ns, "content-encoding") {
        if encoding != "aes128gcm" {
            return Err(RegisterError::InvalidSubscription(
                "the only content encoding is aes128gcm",
            ));
        }
    }
    let key = subscription.child(&ns, "subscription-public-key").ok_or(
        RegisterError::InvalidSubscription(
            "no subscription-public-key (message encryption is required)",
        ),
    )?;
    if key.attribute("type").is_some_and(|t| t != "p256dh") {
        return Err(RegisterError::InvalidSubscription(
            "the only key type is p256dh",
        ));
    }
    let public_key = key.text.trim().trim_end_matches('=').to_owned();
    let auth_secret = text_of(subscription, &ns, "auth-secret")
        .ok_or(RegisterError::InvalidSubscription("no auth-secret"))?
        .trim_end_matches('=')
        .to_owned();
    let decoded = URL_SAFE_NO_PAD
        .decode(&public_key)
        .ok()
        .zip(URL_SAFE_NO_PAD.decode(&auth_secret).ok());
    let valid = decoded.is_some_and(|(key, secret)| SubscriptionKeys::new(&key, &secret).is_ok());
    if !valid {
        return Err(RegisterError::InvalidSubscription(
            "the key must be an uncompressed P-256 point and the secret 16 bytes, base64url",
        ));
    }
    let expires = text_of(&root, &ns, "expires")
        .and_then(|text| chrono::DateTime::parse_from_rfc2822(&text).ok())
        .map(|at| at.timestamp());
    Ok(Registration {
        push_resource,
        public_key,
        auth_secret,
        expires,
    })
}

fn text_of(element: &Element, ns: &Namespace, local: &str) -> Option<String> {
    element
        .child(ns, local)
        .map(|child| child.text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// An absolute https URL within the length bound (http on a loopback address where the
/// configuration allows it), so messages go only where TLS protects them.
fn check_push_resource(url: &str, bounds: RegisterBounds) -> Result<(), RegisterError> {
    if url.len() > bounds.max_resource_length {
        return Err(RegisterError::InvalidSubscription("push-resource too long"));
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| RegisterError::InvalidSubscription("push-resource is not an absolute URL"))?;
    let loopback = match parsed.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host_str().is_some() => Ok(()),
        "http" if loopback && bounds.allow_http_loopback => Ok(()),
        _ => Err(RegisterError::InvalidSubscription(
            "push-resource must be an https URL",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::BodyLimits;

    const BOUNDS: RegisterBounds = RegisterBounds {
        allow_http_loopback: false,
        max_resource_length: 200,
    };

    fn body(resource: &str, extra: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<push-register xmlns="https://bitfire.at/webdav-push" xmlns:D="DAV:">
  <subscription><web-push-subscription>
    <push-resource>{resource}</push-resource>
    <content-encoding>aes128gcm</content-encoding>
    <subscription-public-key type="p256dh">BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4</subscription-public-key>
    <auth-secret>BTBZMqHH6r4Tts7J_aSIgg</auth-secret>
  </web-push-subscription></subscription>
  {extra}
</push-register>"#
        )
    }

    fn parse(text: &str, bounds: RegisterBounds) -> Result<Registration, RegisterError> {
        parse_register(text.as_bytes(), &Budget::new(BodyLimits::default()), bounds)
    }

    #[test]
    fn a_davx5_registration_is_read() {
        let text = body(
            "https://up.example.net/yohd4yai5Phiz1wi",
            "<trigger><content-update><D:depth>1</D:depth></content-update></trigger>\
             <expires>Wed, 20 Dec 2023 10:03:31 GMT</expires>",
        );
        assert!(looks_like_register(text.as_bytes()));
        let r = parse(&text, BOUNDS).unwrap();
        assert_eq!(r.push_resource, "https://up.example.net/yohd4yai5Phiz1wi");
        assert_eq!(r.auth_secret, "BTBZMqHH6r4Tts7J_aSIgg");
        assert_eq!(r.expires, Some(1703066611));
    }

    #[test]
    fn what_cannot_be_served_is_refused() {
        let invalid = |text: &str, bounds| {
            matches!(
                parse(text, bounds),
                Err(RegisterError::InvalidSubscription(_))
            )
        };
        assert!(invalid(&body("http://up.example.net/x", ""), BOUNDS));
        assert!(invalid(&body("http://127.0.0.1:9/x", ""), BOUNDS));
        let loopback = RegisterBounds {
            allow_http_loopback: true,
            ..BOUNDS
        };
        assert!(parse(&body("http://127.0.0.1:9/x", ""), loopback).is_ok());
        assert!(invalid(&body("http://up.example.net/x", ""), loopback));
        assert!(invalid(&body("not a url", ""), BOUNDS));
        let long = format!("https://up.example.net/{}", "a".repeat(200));
        assert!(invalid(&body(&long, ""), BOUNDS));
        let other_key = body("https://up.example.net/x", "").replace("BCVx", "BDVx");
        assert!(invalid(&other_key, BOUNDS));
        let other_coding = body("https://up.example.net/x", "").replace(">aes128gcm<", ">aesgcm<");
        assert!(invalid(&other_coding, BOUNDS));
        assert_eq!(
            parse(
                &body("https://up.example.net/x", "<trigger><other/></trigger>"),
                BOUNDS
            ),
            Err(RegisterError::NoSupportedTrigger)
        );
        let share = r#"<CS:share xmlns:CS="http://calendarserver.org/ns/"/>"#;
        assert_eq!(parse(share, BOUNDS), Err(RegisterError::NotPushRegister));
    }
}
