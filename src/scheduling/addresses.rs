//! Calendar user addresses (RFC 6638 2.4.1): `mailto:` addresses and principal URLs, and
//! which user, resource or group of a context one names.

use crate::http::paths::DavPaths;
use crate::store::{ContextId, DynStore, Group, Resource, StoreResult, User};

/// A calendar user of a context, as an ATTENDEE or ORGANIZER address names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarUser {
    User(User),
    Resource(Resource),
    Group(Group),
}

/// The mail address of a `mailto:` calendar user address (scheme case-insensitive,
/// surrounding blanks ignored); None for any other kind of address.
pub fn mail_of(address: &str) -> Option<&str> {
    let address = address.trim();
    let scheme = address.get(..7)?;
    scheme
        .eq_ignore_ascii_case("mailto:")
        .then(|| address[7..].trim())
        .filter(|mail| !mail.is_empty())
}

/// The enabled calendar user of `context` that `address` names: a `mailto:` address
/// matched case-insensitively against users' mail addresses and aliases and resources'
/// mail addresses, or the external or internal href of a user, resource or group
/// principal (`/principals/users/<id>/`, `/principals/resources/<id>/`,
/// `/principals/groups/<id>/`). None when it names nobody of the context.
pub async fn resolve(
    store: &DynStore,
    paths: &DavPaths,
    context: ContextId,
    address: &str,
) -> StoreResult<Option<CalendarUser>> {
    if let Some(mail) = mail_of(address) {
        let user = store
            .users_by_mail(mail)
            .await?
            .into_iter()
            .find(|u| u.context_id == context && u.enabled);
        if let Some(user) = user {
            return Ok(Some(CalendarUser::User(user)));
        }
        let resource = store
            .resources(context)
            .await?
            .into_iter()
            .find(|r| !r.mail.is_empty() && r.mail.eq_ignore_ascii_case(mail));
        return Ok(resource.map(CalendarUser::Resource));
    }
    let mut path = address.trim();
    // An absolute URL names the same principal as its path.
    if let Some(rest) = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        path = rest.find('/').map_or("/", |slash| &rest[slash..]);
    }
    let sub = paths
        .strip_external(path)
        .unwrap_or_else(|| path.to_owned());
    let segments: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
    let (kind, id) = match segments.as_slice() {
        ["principals", kind, id] => match id.parse::<i64>() {
            Ok(id) => (*kind, id),
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(match kind {
        "users" => match store.user(context, id).await {
            Ok(user) if user.enabled => Some(CalendarUser::User(user)),
            Ok(_) | Err(crate::store::StoreError::NotFound) => None,
            Err(other) => return Err(other),
        },
        "resources" => store
            .resources(context)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .map(CalendarUser::Resource),
        "groups" => store
            .groups(context)
            .await?
            .into_iter()
            .find(|g| g.id == id)
            .map(CalendarUser::Group),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::mail_of;

    #[test]
    fn mailto_addresses_give_their_mail() {
        assert_eq!(mail_of("mailto:bob@example.com"), Some("bob@example.com"));
        assert_eq!(mail_of(" MAILTO:Bob@Example.com "), Some("Bob@Example.com"));
        assert_eq!(mail_of("mailto:"), None);
        assert_eq!(mail_of("/principals/users/3/"), None);
        assert_eq!(mail_of("urn:uuid:1"), None);
    }
}
