//! The resources every user finds before any collection: the DAV root, the principal
//! collections, the user's principal and the calendar and address book homes.

use crate::access::privilege_set;
use crate::caldav::mailboxes::outbox_sub_path;
use crate::caldav::ScheduleInbox;
use crate::dav::{supported_report_set, ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::DavPaths;
use crate::store::{DynStore, StoreError, StoreResult, User};

/// A resource of the entry-point tree, resolved from a path below the DAV prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResource {
    Root,
    Principals,
    UserPrincipals,
    UserPrincipal(User),
    CalendarHome,
    AddressbookHome,
}

impl EntryResource {
    /// Resolves `sub` (decoded, below the prefix) for the authenticated user `me`.
    /// Principals of other users of the same context resolve by id or login; a disabled
    /// user's does not: such an account is no calendar user one could invite or share
    /// with any more, and its principal would show its name and addresses to anyone.
    pub async fn resolve(store: &DynStore, me: &User, sub: &str) -> StoreResult<Option<Self>> {
        let segments: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
        Ok(match segments.as_slice() {
            [] => Some(Self::Root),
            ["principals"] => Some(Self::Principals),
            ["principals", "users"] => Some(Self::UserPrincipals),
            ["principals", "users", who] => {
                let by_id = match who.parse::<i64>() {
                    Ok(id) if id == me.id => Some(me.clone()),
                    Ok(id) => match store.user(me.context_id, id).await {
                        Ok(user) => Some(user),
                        Err(StoreError::NotFound) => None,
                        Err(other) => return Err(other),
                    },
                    Err(_) => None,
                };
                let found = match by_id {
                    Some(user) => Some(user),
                    None => store.user_by_login(me.context_id, who).await?,
                };
                found.filter(|user| user.enabled).map(Self::UserPrincipal)
            }
            ["caldav"] => Some(Self::CalendarHome),
            ["carddav"] => Some(Self::AddressbookHome),
            _ => None,
        })
    }

    /// The path below the prefix, as hrefs name it.
    pub fn sub_path(&self) -> String {
        match self {
            Self::Root => "/".into(),
            Self::Principals => "/principals/".into(),
            Self::UserPrincipals => "/principals/users/".into(),
            Self::UserPrincipal(user) => principal_path(user),
            Self::CalendarHome => "/caldav/".into(),
            Self::AddressbookHome => "/carddav/".into(),
        }
    }

    /// Members listed by a Depth 1 PROPFIND.
    pub async fn children(&self, store: &DynStore, me: &User) -> StoreResult<Vec<EntryResource>> {
        Ok(match self {
            Self::Root => vec![Self::Principals, Self::CalendarHome, Self::AddressbookHome],
            Self::Principals => vec![Self::UserPrincipals],
            Self::UserPrincipals => store
                .users(me.context_id)
                .await?
                .into_iter()
                .filter(|u| u.enabled)
                .map(Self::UserPrincipal)
                .collect(),
            _ => Vec::new(),
        })
    }

    /// Every live property of the resource with its value, as `me` sees it.
    pub fn properties(&self, me: &User, paths: &DavPaths) -> Vec<(KnownProp, PropValue)> {
        let me_href = paths.external(&principal_path(me));
        let mut props = vec![
            (
                KnownProp::CurrentUserPrincipal,
                PropValue::Href(me_href.clone()),
            ),
            (
                KnownProp::PrincipalCollectionSet,
                PropValue::Href(paths.external("/principals/")),
            ),
            (KnownProp::ResourceType, resource_type(self)),
            (KnownProp::DisplayName, PropValue::Text(self.display_name())),
            (
                KnownProp::SupportedReportSet,
                if self.is_principal_collection() {
                    supported_report_set(&[
                        ElementName::dav("expand-property"),
                        ElementName::dav("principal-property-search"),
                        ElementName::dav("principal-search-property-set"),
                    ])
                } else {
                    supported_report_set(&[ElementName::dav("expand-property")])
                },
            ),
        ];
        let homes = [
            (
                KnownProp::CalendarHomeSet,
                PropValue::Href(paths.external("/caldav/")),
            ),
            (
                KnownProp::AddressbookHomeSet,
                PropValue::Href(paths.external("/carddav/")),
            ),
        ];
        match self {
            Self::Root | Self::CalendarHome | Self::AddressbookHome => props.extend(homes),
            Self::UserPrincipal(user) => {
                let href = paths.external(&principal_path(user));
                props.push((KnownProp::PrincipalUrl, PropValue::Href(href.clone())));
                props.extend(homes);
                let mut addresses: Vec<String> = std::iter::once(&user.mail)
                    .chain(&user.aliases)
                    .map(|mail| format!("mailto:{mail}"))
                    .collect();
                addresses.push(href);
                props.push((
                    KnownProp::CalendarUserAddressSet,
                    PropValue::Hrefs(addresses),
                ));
                let mails = std::iter::once(&user.mail)
                    .chain(&user.aliases)
                    .map(|mail| {
                        XmlElement::new(
                            ElementName::calendarserver("email-address"),
                            PropValue::Text(mail.clone()),
                        )
                    })
                    .collect();
                props.push((KnownProp::EmailAddressSet, PropValue::Elements(mails)));
                // The mailboxes' paths name the viewer's own (RFC 6638 2.1, 2.2), so only
                // her own principal points to them.
                if user.id == me.id
                    && user.context_id == me.context_id
                    && user.has_module("calendar")
                {
                    props.push((
                        KnownProp::ScheduleInboxUrl,
                        PropValue::Href(paths.external(&ScheduleInbox::sub_path())),
                    ));
                    props.push((
                        KnownProp::ScheduleOutboxUrl,
                        PropValue::Href(paths.external(&outbox_sub_path())),
                    ));
                }
            }
            Self::Principals | Self::UserPrincipals => {
                props.push((KnownProp::CurrentUserPrivilegeSet, privilege_set(&["read"])));
            }
        }
        if matches!(self, Self::CalendarHome | Self::AddressbookHome) {
            props.push((KnownProp::Owner, PropValue::Href(me_href)));
            props.push((KnownProp::CurrentUserPrivilegeSet, privilege_set(&["read"])));
        }
        props
    }

    /// `/principals/` and `/principals/users/`, where the principal searches run.
    pub fn is_principal_collection(&self) -> bool {
        matches!(self, Self::Principals | Self::UserPrincipals)
    }

    fn display_name(&self) -> String {
        match self {
            Self::Root => "davgate".into(),
            Self::Principals => "Principals".into(),
            Self::UserPrincipals => "Users".into(),
            Self::UserPrincipal(user) => user.display_name.clone(),
            Self::CalendarHome => "Calendars".into(),
            Self::AddressbookHome => "Address Books".into(),
        }
    }
}

/// `/principals/users/<id>/`, the path OX gives a user's principal.
pub fn principal_path(user: &User) -> String {
    format!("/principals/users/{}/", user.id)
}

fn resource_type(resource: &EntryResource) -> PropValue {
    let mut types = vec![XmlElement::empty(ElementName::dav("collection"))];
    if matches!(resource, EntryResource::UserPrincipal(_)) {
        types.push(XmlElement::empty(ElementName::dav("principal")));
    }
    PropValue::Elements(types)
}
