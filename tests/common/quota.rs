//! Quota test helpers: the quota properties as a client reads them, quota settings as an
//! administrator makes them, and the usage the store keeps.

use davgate::store::{Attribute, ContextId, DynStore, QuotaUsage, User};
use http::StatusCode;

use super::caldav::error_element;
use super::http::*;

pub const QUOTA_PROPS: &str = r#"<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:quota-used-bytes/><d:quota-available-bytes/><d:displayname/></d:prop></d:propfind>"#;

/// What a Depth 0 PROPFIND by name of `path` as `login` says: used and available bytes
/// (None for a property answered 404).
pub async fn quota_of(
    site: &Site,
    (login, password): (&str, &str),
    path: &str,
) -> (Option<i64>, Option<i64>) {
    let answer = send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(login, password)
            .depth("0")
            .body(QUOTA_PROPS),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 207, "{path}: {:?}", answer.body);
    let responses = answer.multistatus();
    assert_eq!(responses.len(), 1);
    let value = |local: &str| match responses[0].prop(DAV, local) {
        Some((200, node)) => Some(node.text.trim().parse::<i64>().expect("a number")),
        Some((404, _)) => None,
        other => panic!("{path}: {local} answered {other:?}"),
    };
    (value("quota-used-bytes"), value("quota-available-bytes"))
}

/// Sets `property` for the whole context (a context attribute), as an administrator.
pub async fn set_context_config(store: &DynStore, context: ContextId, property: &str, value: &str) {
    store
        .set_attribute(context, None, &Attribute::config(property, value, false))
        .await
        .unwrap();
}

/// What the store keeps for `user`.
pub async fn usage(store: &DynStore, user: &User) -> QuotaUsage {
    store.quota_usage(user.context_id, user.id).await.unwrap()
}

/// Asserts a 507 with DAV:quota-not-exceeded; gives the reason the body carries.
pub fn assert_over_quota(answer: &Answer, what: &str) -> String {
    assert_eq!(
        answer.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{what}: {:?}",
        answer.body
    );
    assert_eq!(
        error_element(answer),
        (DAV.to_owned(), "quota-not-exceeded".to_owned()),
        "{what}"
    );
    String::from_utf8_lossy(&answer.body).into_owned()
}
