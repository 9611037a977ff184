//! The collection properties of WebDAV-Push: `transports` (Web Push, with the server's
//! VAPID public key), `topic` and `supported-triggers` (content updates of members), for
//! a folder's collection and for a user's aggregated address book.

use super::{PushSettings, NS};
use crate::dav::{ElementName, KnownProp, Namespace, PropValue, XmlElement};
use crate::store::{ContextId, FolderId, UserId};

fn push(local: &str) -> ElementName {
    ElementName::new(Namespace::Other(NS.into()), local)
}

/// The push properties of a folder's collection; none when push is off.
pub fn folder_props(
    settings: Option<&PushSettings>,
    context: ContextId,
    folder: FolderId,
) -> Vec<(KnownProp, PropValue)> {
    settings.map_or_else(Vec::new, |settings| {
        props(settings, settings.key.topic(context, folder))
    })
}

/// The push properties of `user`'s aggregated address book; none when push is off.
pub fn aggregated_contacts_props(
    settings: Option<&PushSettings>,
    context: ContextId,
    user: UserId,
) -> Vec<(KnownProp, PropValue)> {
    settings.map_or_else(Vec::new, |settings| {
        props(
            settings,
            settings.key.aggregated_contacts_topic(context, user),
        )
    })
}

fn props(settings: &PushSettings, topic: String) -> Vec<(KnownProp, PropValue)> {
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
        (KnownProp::PushTopic, PropValue::Text(topic)),
        (
            KnownProp::PushSupportedTriggers,
            PropValue::Elements(vec![content_update]),
        ),
    ]
}
