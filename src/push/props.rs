//! The collection properties of WebDAV-Push: `transports` (Web Push, with the server's
//! VAPID public key), `topic` and `supported-triggers` (content updates of members).

use super::{PushSettings, NS};
use crate::dav::{ElementName, KnownProp, Namespace, PropValue, XmlElement};
use crate::store::{ContextId, FolderId};

fn push(local: &str) -> ElementName {
    ElementName::new(Namespace::Other(NS.into()), local)
}

/// The push properties of a folder's collection; none when push is off.
pub fn folder_props(
    settings: Option<&PushSettings>,
    context: ContextId,
    folder: FolderId,
) -> Vec<(KnownProp, PropValue)> {
    let Some(settings) = settings else {
        return Vec::new();
    };
    let vapid = XmlElement::text(push("vapid-public-key"), settings.key.public_key())
        .with_attribute("type", "p256ecdsa");
    let web_push = XmlElement::new(push("web-push"), PropValue::Elements(vec![vapid]));
    let content_update = XmlElement::new(
        push("content-update"),
        PropValue::Elements(vec![XmlElement::text(ElementName::dav("depth"), "1")]),
    );
    vec![
        (
            KnownProp::PushTransports,
            PropValue::Elements(vec![web_push]),
        ),
        (
            KnownProp::PushTopic,
            PropValue::Text(settings.key.topic(context, folder)),
        ),
        (
            KnownProp::PushSupportedTriggers,
            PropValue::Elements(vec![content_update]),
        ),
    ]
}
