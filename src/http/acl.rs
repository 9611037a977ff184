//! The ACL method (RFC 3744 8.1) on calendars and folder address books, for the folder's
//! owner and administrators: the ACEs of the body replace the folder's permissions that
//! are not protected. Each ACE grants (never denies) a set of privileges that one OX
//! permission stands for (`access::acl`) to a user or group principal of the viewer's
//! context or to every user (`DAV:authenticated`, `DAV:all`). Every ACE is checked before
//! anything is written, and the permissions are replaced in one transaction: a request is
//! applied whole or refused with the precondition of its first bad ACE, changing nothing.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::error::DavError;
use super::object::need_privilege;
use super::resource::DavResource;
use super::AppState;
use crate::access::acl::{folder_aces, grants_same, is_abstract_alone, permission_for};
use crate::access::acl::{AcePrincipal, Privileges};
use crate::access::{DavUser, FolderRights};
use crate::carddav::AddressBook;
use crate::dav::acl_body::{parse_acl_within, AclBodyError, PrincipalRef, RequestedAce};
use crate::dav::headers::reference_path;
use crate::dav::{AclCondition, ElementName, Precondition, Refusal};
use crate::store::{Folder, Permission};

/// The folder an ACL request changes, with the viewer's rights and its href.
struct AclTarget<'a> {
    folder: &'a Folder,
    rights: &'a FolderRights,
    href: String,
}

/// ACL on a calendar or a folder address book (every other resource is 405 before).
pub(super) async fn acl(
    state: &AppState,
    me: &DavUser,
    resource: &DavResource,
    body: &Bytes,
) -> Result<Response, DavError> {
    let target = match resource {
        DavResource::Calendar(c) => AclTarget {
            folder: &c.folder,
            rights: &c.rights,
            href: state.paths.external(&c.sub_path()),
        },
        DavResource::AddressBook(book @ AddressBook::Folder(f)) => AclTarget {
            folder: &f.folder,
            rights: &f.rights,
            href: state.paths.external(&book.sub_path()),
        },
        _ => {
            return Err(DavError::Forbidden(
                "ACL applies to calendars and address books".into(),
            ))
        }
    };
    if !target.rights.can_administer() {
        return Err(need_privilege(target.href, "write-acl"));
    }
    let max = state.limits.max_aces_per_request;
    let requested = state
        .body_parsers
        .parse(body, move |body, budget| {
            parse_acl_within(body, budget, max)
        })
        .await
        .map_err(|e| body_refused("ACL body", &e))?;
    let aces = read_aces(state, target.folder, &requested)?;
    let permissions = resolve(state, me, target.folder, aces).await?;
    let folder = target.folder;
    if folder.owner_id.is_none() && !permissions.iter().any(|p| p.admin) {
        return Err(DavError::Forbidden(
            "the folder has no owner and would have no administrator left".into(),
        ));
    }
    state
        .store
        .replace_permissions(me.user.context_id, folder.id, permissions)
        .await?;
    Ok(StatusCode::OK.into_response())
}

/// 413 for a body beyond its bounds, 400 for a malformed one.
pub(super) fn body_refused(what: &str, e: &AclBodyError) -> DavError {
    match e.is_too_large() {
        true => DavError::Status(StatusCode::PAYLOAD_TOO_LARGE, format!("{what}: {e}")),
        false => DavError::BadRequest(format!("{what}: {e}")),
    }
}

fn refusal(condition: AclCondition, reason: impl Into<String>) -> DavError {
    Refusal::new(Precondition::Acl(condition), reason).into()
}

/// An ACE of the request, checked on its own: whom it names and the privileges it grants.
struct Checked {
    principal: Named,
    privileges: Privileges,
}

/// A principal as the request names it, before it is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    User(i64),
    Group(i64),
    Authenticated,
}

/// Each ACE read on its own: grant only, not inverted, privileges davgate supports, a
/// principal that can be a user or group of a context.
fn read_aces(
    state: &AppState,
    folder: &Folder,
    requested: &[RequestedAce],
) -> Result<Vec<Checked>, DavError> {
    requested
        .iter()
        .map(|ace| {
            if ace.deny {
                return Err(refusal(
                    AclCondition::GrantOnly,
                    "only grant ACEs are supported",
                ));
            }
            if ace.inverted {
                return Err(refusal(
                    AclCondition::NoInvert,
                    "inverted principals are not supported",
                ));
            }
            let mut privileges = Privileges::default();
            for name in &ace.privileges {
                let one = Privileges::named(name).ok_or_else(|| unsupported(name))?;
                privileges = privileges.union(one);
            }
            if is_abstract_alone(privileges) {
                return Err(refusal(
                    AclCondition::NoAbstract,
                    "read-free-busy, read-acl, write-acl and read-current-user-privilege-set \
                     are granted only with read or all",
                ));
            }
            Ok(Checked {
                principal: named(state, folder, &ace.principal)?,
                privileges,
            })
        })
        .collect()
}

fn unsupported(name: &ElementName) -> DavError {
    refusal(
        AclCondition::NotSupportedPrivilege,
        format!("{name} is not a privilege of this resource"),
    )
}

fn unrecognized() -> DavError {
    refusal(
        AclCondition::RecognizedPrincipal,
        "ACEs name a user or group principal, DAV:authenticated or DAV:all",
    )
}

fn named(state: &AppState, folder: &Folder, principal: &PrincipalRef) -> Result<Named, DavError> {
    match principal {
        PrincipalRef::All | PrincipalRef::Authenticated => Ok(Named::Authenticated),
        PrincipalRef::Property(name) if name.is(&crate::dav::Namespace::Dav, "owner") => {
            folder.owner_id.map(Named::User).ok_or_else(unrecognized)
        }
        PrincipalRef::Href(href) => {
            let sub = reference_path(href)
                .and_then(|path| state.paths.strip_external(&path))
                .ok_or_else(unrecognized)?;
            let segments: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
            let id = |text: &str| text.parse::<i64>().ok().filter(|id| *id > 0);
            match segments.as_slice() {
                ["principals", "users", user] => id(user).map(Named::User),
                ["principals", "groups", group] => id(group).map(Named::Group),
                _ => None,
            }
            .ok_or_else(unrecognized)
        }
        _ => Err(unrecognized()),
    }
}

/// The permissions the folder gets: its protected ones as they are, and one for each
/// principal of the request, which must be a user or group of the viewer's context (two
/// queries, whatever the number of ACEs).
async fn resolve(
    state: &AppState,
    me: &DavUser,
    folder: &Folder,
    aces: Vec<Checked>,
) -> Result<Vec<Permission>, DavError> {
    let context = me.user.context_id;
    let wants = |user: bool| {
        aces.iter().any(|a| match a.principal {
            Named::User(_) => user,
            Named::Group(_) => !user,
            Named::Authenticated => false,
        })
    };
    let users: HashSet<i64> = match wants(true) {
        true => state
            .store
            .users(context)
            .await?
            .into_iter()
            .filter(|u| u.enabled)
            .map(|u| u.id)
            .collect(),
        false => HashSet::new(),
    };
    let groups: HashSet<i64> = match wants(false) {
        true => state
            .store
            .groups(context)
            .await?
            .into_iter()
            .map(|g| g.id)
            .collect(),
        false => HashSet::new(),
    };
    let current = folder_aces(folder);
    let owner = folder.owner_id.map(AcePrincipal::User);
    // The owner's permission, and those no ACE can write, stay as they are.
    let mut kept: Vec<Permission> = folder
        .permissions
        .iter()
        .filter(|p| {
            let principal = AcePrincipal::of(p);
            Some(principal) == owner
                || current
                    .iter()
                    .any(|a| a.protected && a.principal == principal)
        })
        .copied()
        .collect();
    let mut granted: HashMap<AcePrincipal, Privileges> = HashMap::new();
    let mut order = Vec::new();
    for ace in aces {
        let principal = match ace.principal {
            Named::User(id) if users.contains(&id) => AcePrincipal::User(id),
            Named::Group(id) if groups.contains(&id) => AcePrincipal::Group(id),
            Named::Authenticated => AcePrincipal::Authenticated,
            _ => return Err(unrecognized()),
        };
        match granted.get(&principal) {
            Some(before) if !before.equivalent(ace.privileges) => {
                return Err(refusal(
                    AclCondition::NoAceConflict,
                    "two ACEs grant one principal different privileges",
                ))
            }
            Some(_) => continue,
            None => {}
        }
        granted.insert(principal, ace.privileges);
        order.push((principal, ace.privileges));
    }
    for (principal, privileges) in order {
        let protected = current
            .iter()
            .find(|a| a.protected && a.principal == principal);
        if let Some(ace) = protected {
            // Sent back as it is read: nothing to change.
            if grants_same(privileges, &ace.grant) {
                continue;
            }
        }
        if protected.is_some() || Some(principal) == owner {
            return Err(refusal(
                AclCondition::NoProtectedAceConflict,
                "the owner's ACE and ACEs marked protected cannot be changed",
            ));
        }
        let (entity, is_group) = principal.entity();
        let permission = permission_for(entity, is_group, privileges).ok_or_else(|| {
            refusal(
                AclCondition::NotSupportedPrivilege,
                "no folder permission grants this set of privileges; grant read, read with \
                 write-content and/or bind and unbind, read with write, or all",
            )
        })?;
        kept.push(permission);
    }
    Ok(kept)
}
