//! The live properties of the entry-point resources, as a viewer sees them: what every
//! entry point names (the viewer's principal, the principal collections, the homes), and
//! the principal properties of RFC 3744, RFC 6638 2.4 and Apple's calendarserver
//! extensions for users, resources and groups.

use crate::access::privilege_set;
use crate::dav::{supported_report_set, ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::DavPaths;
use crate::scheduling::inbox::{INBOX_SEGMENT, OUTBOX_SEGMENT};
use crate::store::{Group, Resource, ResourceKind, User};

use super::{group_principal_path, principal_path, proxy, resource_principal_path};
use super::{EntryResource, PrincipalFacts};

type Props = Vec<(KnownProp, PropValue)>;

impl EntryResource {
    /// Every live property of the resource with its value, as `me` sees it; `facts`
    /// holds what `PrincipalFacts::load` read for this resource.
    pub fn properties(&self, me: &User, paths: &DavPaths, facts: &PrincipalFacts) -> Props {
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
                        ElementName::calendarserver("calendarserver-principal-search"),
                        ElementName::dav("principal-match"),
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
                props.push((KnownProp::PrincipalUrl, PropValue::Href(href)));
                props.extend(homes);
                user_properties(&mut props, user, me, paths, facts);
            }
            Self::ResourcePrincipal(resource) => resource_properties(&mut props, resource, paths),
            Self::GroupPrincipal(group) => group_properties(&mut props, group, paths),
            Self::CalendarProxy(group) => proxy::properties(&mut props, group, me, paths),
            Self::Principals
            | Self::UserPrincipals
            | Self::ResourcePrincipals
            | Self::GroupPrincipals => {
                props.push((KnownProp::CurrentUserPrivilegeSet, privilege_set(&["read"])));
            }
        }
        if matches!(self, Self::CalendarHome) {
            props.push(crate::tzdist::timezone_service_set(paths));
        }
        if matches!(self, Self::CalendarHome | Self::AddressbookHome) {
            props.push((KnownProp::Owner, PropValue::Href(me_href)));
            props.push((KnownProp::CurrentUserPrivilegeSet, privilege_set(&["read"])));
        }
        props
    }
}

fn user_properties(
    props: &mut Props,
    user: &User,
    me: &User,
    paths: &DavPaths,
    facts: &PrincipalFacts,
) {
    let href = paths.external(&principal_path(user));
    let mails: Vec<&String> = std::iter::once(&user.mail).chain(&user.aliases).collect();
    props.push((
        KnownProp::CalendarUserAddressSet,
        address_set(mails.iter().copied(), href),
    ));
    props.push((KnownProp::EmailAddressSet, email_address_set(mails)));
    props.push((KnownProp::CalendarUserType, text("INDIVIDUAL")));
    let mut groups: Vec<String> = facts
        .groups_of(user.id)
        .into_iter()
        .map(|id| paths.external(&group_principal_path(id)))
        .collect();
    groups.extend(proxy::delegations(props, user, me, paths, facts));
    props.push((KnownProp::GroupMembership, PropValue::Hrefs(groups)));
    // Another user's inbox and outbox are not reachable by the viewer, nor are the
    // viewer's own when the viewer does not use CalDAV.
    if user.id != me.id || !facts.schedules {
        return;
    }
    for (prop, segment) in [
        (KnownProp::ScheduleInboxUrl, INBOX_SEGMENT),
        (KnownProp::ScheduleOutboxUrl, OUTBOX_SEGMENT),
    ] {
        let href = paths.external(&format!("/caldav/{segment}/"));
        props.push((prop, PropValue::Href(href)));
    }
    for (prop, sub_path) in [
        (
            KnownProp::ScheduleDefaultCalendarUrl,
            &facts.default_calendar,
        ),
        (KnownProp::ScheduleDefaultTasksUrl, &facts.default_tasks),
    ] {
        if let Some(sub_path) = sub_path {
            props.push((prop, PropValue::Href(paths.external(sub_path))));
        }
    }
}

fn resource_properties(props: &mut Props, resource: &Resource, paths: &DavPaths) {
    let href = paths.external(&resource_principal_path(resource.id));
    props.push((KnownProp::PrincipalUrl, PropValue::Href(href.clone())));
    let mails: Vec<&String> = Some(&resource.mail)
        .filter(|mail| !mail.is_empty())
        .into_iter()
        .collect();
    props.push((
        KnownProp::CalendarUserAddressSet,
        address_set(mails.iter().copied(), href),
    ));
    props.push((KnownProp::EmailAddressSet, email_address_set(mails)));
    let kind = match resource.kind {
        ResourceKind::Room => "ROOM",
        ResourceKind::Equipment => "RESOURCE",
    };
    props.push((KnownProp::CalendarUserType, text(kind)));
}

fn group_properties(props: &mut Props, group: &Group, paths: &DavPaths) {
    let href = paths.external(&group_principal_path(group.id));
    props.push((KnownProp::PrincipalUrl, PropValue::Href(href.clone())));
    props.push((
        KnownProp::CalendarUserAddressSet,
        PropValue::Hrefs(vec![href]),
    ));
    props.push((KnownProp::CalendarUserType, text("GROUP")));
    props.push((
        KnownProp::GroupMemberSet,
        PropValue::Hrefs(
            group
                .members
                .iter()
                .map(|id| paths.external(&format!("/principals/users/{id}/")))
                .collect(),
        ),
    ));
}

/// `mailto:` each mail address, then the principal URL (RFC 6638 2.4.1).
fn address_set<'a>(mails: impl Iterator<Item = &'a String>, principal: String) -> PropValue {
    let mut addresses: Vec<String> = mails.map(|mail| format!("mailto:{mail}")).collect();
    addresses.push(principal);
    PropValue::Hrefs(addresses)
}

/// Apple's `CS:email-address-set`: one `CS:email-address` per mail address.
fn email_address_set(mails: Vec<&String>) -> PropValue {
    PropValue::Elements(
        mails
            .into_iter()
            .map(|mail| {
                XmlElement::new(
                    ElementName::calendarserver("email-address"),
                    PropValue::Text(mail.clone()),
                )
            })
            .collect(),
    )
}

fn text(value: &str) -> PropValue {
    PropValue::Text(value.into())
}

fn resource_type(resource: &EntryResource) -> PropValue {
    let mut types = vec![XmlElement::empty(ElementName::dav("collection"))];
    if resource.is_principal() {
        types.push(XmlElement::empty(ElementName::dav("principal")));
    }
    if let EntryResource::CalendarProxy(group) = resource {
        types.push(group.kind.resource_type());
    }
    PropValue::Elements(types)
}
