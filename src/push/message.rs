//! One push message: the `push-message` body (the collection's topic and its new sync
//! token, nothing else), encrypted for the subscription and POSTed to its push resource
//! with a VAPID signature; and what the push service's answer means for the
//! subscription.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::encrypt::{encrypt, SubscriptionKeys};
use super::{PushSettings, NS};
use crate::dav::{xml_document, ElementName, Namespace, PropValue, XmlElement};
use crate::store::PushSubscription;

/// How long a push service may hold a message for an unreachable device (RFC 8030 TTL).
const TTL_SECONDS: u32 = 24 * 3600;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The push service took it.
    Delivered,
    /// The push service says the subscription is gone (404, 410): drop it.
    Gone,
    /// Anything else: try again later.
    Failed(String),
}

fn push(local: &str) -> ElementName {
    ElementName::new(Namespace::Other(NS.into()), local)
}

/// The message body: `<push-message>` with the `topic` and, in a `content-update`, the
/// collection's `DAV:sync-token`.
pub fn body(topic: &str, sync_token: &str) -> Vec<u8> {
    let root = XmlElement::new(
        push("push-message"),
        PropValue::Elements(vec![
            XmlElement::text(push("topic"), topic),
            XmlElement::new(
                push("content-update"),
                PropValue::Elements(vec![XmlElement::text(
                    ElementName::dav("sync-token"),
                    sync_token,
                )]),
            ),
        ]),
    );
    xml_document(&root)
}

/// An HTTP client for push services: no redirects, bounded by the configured timeout.
pub fn client(settings: &PushSettings) -> reqwest::Client {
    crate::tls::install_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .user_agent(concat!("davgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the push client's settings are valid")
}

/// Encrypts `plaintext` for `subscription` and POSTs it to its push resource.
pub async fn send(
    http: &reqwest::Client,
    settings: &PushSettings,
    subscription: &PushSubscription,
    topic: &str,
    plaintext: &[u8],
    now: i64,
) -> Outcome {
    let keys = URL_SAFE_NO_PAD
        .decode(&subscription.public_key)
        .ok()
        .zip(URL_SAFE_NO_PAD.decode(&subscription.auth_secret).ok())
        .and_then(|(key, secret)| SubscriptionKeys::new(&key, &secret).ok());
    let Some(keys) = keys else {
        // Checked at registration; a stored row that fails is of no use.
        return Outcome::Gone;
    };
    let Ok(encrypted) = encrypt(plaintext, &keys) else {
        return Outcome::Failed("message too long".into());
    };
    let Ok(url) = reqwest::Url::parse(&subscription.push_resource) else {
        return Outcome::Gone;
    };
    let origin = url.origin().ascii_serialization();
    let subject = settings.subject.as_deref().unwrap_or_default();
    let request = http
        .post(url)
        .header("content-encoding", "aes128gcm")
        .header("content-type", "application/octet-stream")
        .header("ttl", TTL_SECONDS.to_string())
        .header("topic", topic)
        .header("urgency", "normal")
        .header(
            "authorization",
            settings.key.authorization(&origin, subject, now),
        )
        .body(encrypted);
    match request.send().await {
        Ok(answer) if answer.status().is_success() => Outcome::Delivered,
        Ok(answer) if matches!(answer.status().as_u16(), 404 | 410) => Outcome::Gone,
        Ok(answer) => Outcome::Failed(format!("push service answered {}", answer.status())),
        Err(e) => Outcome::Failed(format!("push service unreachable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_topic_and_sync_token_only() {
        let body = String::from_utf8(body(
            "O7M1nQ7cKkKTKsoS_j6Z3w",
            "http://davgate.org/ns/sync/10",
        ))
        .unwrap();
        let root = crate::dav::parse_document(body.as_bytes())
            .unwrap()
            .unwrap();
        let ns = Namespace::Other(NS.into());
        assert!(root.name.is(&ns, "push-message"));
        assert_eq!(
            root.child(&ns, "topic").unwrap().text,
            "O7M1nQ7cKkKTKsoS_j6Z3w"
        );
        let update = root.child(&ns, "content-update").unwrap();
        assert_eq!(
            update.child(&Namespace::Dav, "sync-token").unwrap().text,
            "http://davgate.org/ns/sync/10"
        );
        assert_eq!(root.children.len(), 2);
    }
}
