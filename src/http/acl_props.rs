//! The access control properties of RFC 3744 in PROPFIND answers, on the calendar and
//! address book homes, calendars, address books and their members: `DAV:acl` (403 to
//! viewers who may not read the ACL: neither the owner nor a folder administrator),
//! `DAV:supported-privilege-set`, `DAV:acl-restrictions`, `DAV:inherited-acl-set` and
//! `DAV:principal-collection-set`. They are answered when asked for by name (and by
//! `propname`), never in `allprop`. A response that `propfind::answer` built lists them
//! as not found; `complete` moves each one asked for to its status.

use std::sync::Arc;

use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::StatusCode;

use super::error::DavError;
use super::paths::DavPaths;
use crate::access::acl::{
    acl_restrictions, acl_value, folder_aces, supported_privilege_set, Ace, AcePrincipal,
};
use crate::access::FolderRights;
use crate::caldav::CalendarCollection;
use crate::carddav::AddressBook;
use crate::dav::{
    ElementName, PropName, PropValue, Property, PropfindRequest, Response as DavResponse,
    ResponseBody,
};
use crate::principals::EntryResource;
use crate::store::{Folder, User};

/// The access control properties of one resource; `acl` is None where the viewer may not
/// read it.
#[derive(Debug, Clone)]
pub(super) struct AclProps {
    values: Vec<(PropName, Option<PropValue>)>,
}

impl AclProps {
    fn new(
        paths: &DavPaths,
        acl: Option<PropValue>,
        calendar: bool,
        inherited: Option<&str>,
    ) -> AclProps {
        let dav = ElementName::dav;
        let inherited_set = PropValue::Hrefs(inherited.map(str::to_owned).into_iter().collect());
        AclProps {
            values: vec![
                (dav("acl"), acl),
                (
                    dav("supported-privilege-set"),
                    Some(supported_privilege_set(calendar)),
                ),
                (dav("acl-restrictions"), Some(acl_restrictions())),
                (dav("inherited-acl-set"), Some(inherited_set)),
                (
                    dav("principal-collection-set"),
                    Some(PropValue::Href(paths.external("/principals/"))),
                ),
            ],
        }
    }

    /// A calendar's or address book's folder; `inherited` is the collection's href for its
    /// members, whose ACEs are the collection's.
    pub(super) fn folder(
        paths: &DavPaths,
        folder: &Folder,
        rights: &FolderRights,
        calendar: bool,
        inherited: Option<&str>,
    ) -> AclProps {
        let acl = rights
            .can_administer()
            .then(|| acl_value(&folder_aces(folder), |p| paths.external(p), inherited));
        AclProps::new(paths, acl, calendar, inherited)
    }

    /// A resource only the viewer has (a home, the aggregated address book): one
    /// protected ACE granting the viewer what she may do there.
    pub(super) fn own(
        paths: &DavPaths,
        me: &User,
        privileges: &[&'static str],
        calendar: bool,
        inherited: Option<&str>,
    ) -> AclProps {
        let grant: Vec<&'static str> = privileges
            .iter()
            .copied()
            .filter(|p| *p != "read-current-user-privilege-set")
            .collect();
        let ace = Ace {
            principal: AcePrincipal::User(me.id),
            grant,
            protected: true,
            permission: crate::store::Permission::for_role(
                me.id,
                false,
                crate::store::Role::Viewer,
            ),
        };
        let acl = acl_value(&[ace], |p| paths.external(p), inherited);
        AclProps::new(paths, Some(acl), calendar, inherited)
    }

    /// Whether `request` asks for any of these properties (`allprop` only through its
    /// `include`).
    pub(super) fn wanted(request: &PropfindRequest) -> bool {
        let names: &[PropName] = match request {
            PropfindRequest::PropName => return true,
            PropfindRequest::AllProp { include } => include,
            PropfindRequest::Prop(names) => names,
        };
        names.iter().any(|name| {
            name.ns == crate::dav::Namespace::Dav
                && matches!(
                    name.local.as_str(),
                    "acl"
                        | "supported-privilege-set"
                        | "acl-restrictions"
                        | "inherited-acl-set"
                        | "principal-collection-set"
                )
        })
    }

    /// Puts the properties `request` asks for into `response`, in place of the 404 that
    /// `answer` gave them (a property `answer` found stays as it is).
    pub(super) fn complete(&self, response: &mut DavResponse, request: &PropfindRequest) {
        let names: &[PropName] = match request {
            PropfindRequest::PropName => {
                for (name, _) in &self.values {
                    if !has(response, name) {
                        response.found(name.clone(), PropValue::Empty);
                    }
                }
                return;
            }
            PropfindRequest::AllProp { include } => include,
            PropfindRequest::Prop(names) => names,
        };
        for wanted in names {
            let Some((name, value)) = self.values.iter().find(|(name, _)| name == wanted) else {
                continue;
            };
            if !take_not_found(response, name) {
                continue;
            }
            match value {
                Some(value) => response.found(name.clone(), value.clone()),
                None => response.forbidden(name.clone()),
            };
        }
    }
}

/// Which resource's access control properties are asked for.
#[derive(Clone, Copy)]
pub(super) enum AclOf<'a> {
    Calendar(&'a CalendarCollection),
    Book(&'a AddressBook),
    /// An entry point: the homes have properties, the others none from here.
    Entry(&'a EntryResource),
}

impl AclProps {
    /// The properties of the resource, or of one of its members when `member`; None for
    /// an entry point other than the homes.
    pub(super) fn of(paths: &DavPaths, me: &User, of: AclOf<'_>, member: bool) -> Option<AclProps> {
        Some(match of {
            AclOf::Calendar(collection) => {
                let href = member.then(|| paths.external(&collection.sub_path()));
                let rights = &collection.rights;
                AclProps::folder(paths, &collection.folder, rights, true, href.as_deref())
            }
            AclOf::Book(book) => {
                let href = member.then(|| paths.external(&book.sub_path()));
                match book {
                    AddressBook::Folder(folder) => {
                        let rights = &folder.rights;
                        AclProps::folder(paths, &folder.folder, rights, false, href.as_deref())
                    }
                    AddressBook::Aggregated(_) => {
                        AclProps::own(paths, me, &book.privilege_names(), false, href.as_deref())
                    }
                }
            }
            AclOf::Entry(EntryResource::CalendarHome) => {
                AclProps::own(paths, me, &["read"], true, None)
            }
            AclOf::Entry(EntryResource::AddressbookHome) => {
                AclProps::own(paths, me, &["read"], false, None)
            }
            AclOf::Entry(_) => return None,
        })
    }
}

/// `response` (as `propfind::answer` made it) with the access control properties of
/// `of` (or of its member) that `request` asks for.
pub(super) fn with_acl(
    paths: &DavPaths,
    me: &User,
    of: AclOf<'_>,
    member: bool,
    request: &PropfindRequest,
    mut response: DavResponse,
) -> DavResponse {
    if AclProps::wanted(request) {
        if let Some(props) = AclProps::of(paths, me, of, member) {
            props.complete(&mut response, request);
        }
    }
    response
}

/// `response` with the properties of `acl` that `request` asks for, if there is one.
pub(super) fn completed(
    acl: Option<AclProps>,
    mut response: DavResponse,
    request: &PropfindRequest,
) -> DavResponse {
    if let Some(acl) = acl {
        acl.complete(&mut response, request);
    }
    response
}

/// The members of a listing with the access control properties they inherit (`acl`,
/// made with `member`).
pub(super) fn members_with_acl(
    acl: Option<AclProps>,
    request: Arc<PropfindRequest>,
    members: BoxStream<'static, Result<DavResponse, DavError>>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    match acl {
        Some(props) if AclProps::wanted(&request) => members
            .map_ok(move |mut response| {
                props.complete(&mut response, &request);
                response
            })
            .boxed(),
        _ => members,
    }
}

fn has(response: &DavResponse, name: &PropName) -> bool {
    match &response.body {
        ResponseBody::Propstats(propstats) => propstats
            .iter()
            .any(|p| p.props.iter().any(|prop| &prop.name == name)),
        ResponseBody::Status(_) | ResponseBody::Written(_) => false,
    }
}

/// Removes one 404 entry of `name`; false when there is none.
fn take_not_found(response: &mut DavResponse, name: &PropName) -> bool {
    let ResponseBody::Propstats(propstats) = &mut response.body else {
        return false;
    };
    let Some(index) = propstats
        .iter()
        .position(|p| p.status == StatusCode::NOT_FOUND)
    else {
        return false;
    };
    let props: &mut Vec<Property> = &mut propstats[index].props;
    let Some(at) = props.iter().position(|p| &p.name == name) else {
        return false;
    };
    props.remove(at);
    if props.is_empty() {
        propstats.remove(index);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Permission, Role};

    fn folder() -> Folder {
        Folder::example(
            3,
            vec![
                Permission::for_role(3, false, Role::Administrator),
                Permission::for_role(4, false, Role::Viewer),
            ],
        )
    }

    fn statuses(response: &DavResponse) -> Vec<(u16, Vec<String>)> {
        let ResponseBody::Propstats(propstats) = &response.body else {
            panic!("propstats expected");
        };
        propstats
            .iter()
            .map(|p| {
                let names = p.props.iter().map(|p| p.name.local.clone()).collect();
                (p.status.as_u16(), names)
            })
            .collect()
    }

    #[test]
    fn the_acl_is_forbidden_to_a_sharee_and_shown_to_the_owner() {
        let paths = DavPaths::new("/dav/", "/");
        let f = folder();
        let request = PropfindRequest::Prop(vec![
            ElementName::dav("acl"),
            ElementName::dav("getetag"),
            ElementName::dav("acl-restrictions"),
        ]);
        let base = || {
            let mut response = DavResponse::with_props("/dav/caldav/30/");
            response.not_found(ElementName::dav("acl"));
            response.not_found(ElementName::dav("getetag"));
            response.not_found(ElementName::dav("acl-restrictions"));
            response
        };
        let sharee = FolderRights::of(&f, 4, &[]);
        let mut response = base();
        AclProps::folder(&paths, &f, &sharee, true, None).complete(&mut response, &request);
        assert_eq!(
            statuses(&response),
            vec![
                (404, vec!["getetag".into()]),
                (403, vec!["acl".into()]),
                (200, vec!["acl-restrictions".into()]),
            ]
        );
        let owner = FolderRights::of(&f, 3, &[]);
        let mut response = base();
        AclProps::folder(&paths, &f, &owner, true, None).complete(&mut response, &request);
        assert_eq!(
            statuses(&response),
            vec![
                (404, vec!["getetag".into()]),
                (200, vec!["acl".into(), "acl-restrictions".into()]),
            ]
        );
        assert!(!AclProps::wanted(&PropfindRequest::AllProp {
            include: Vec::new()
        }));
    }
}
