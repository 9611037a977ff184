//! PROPPATCH of `DAV:group-member-set` on a user's calendar-proxy-read or
//! calendar-proxy-write principal (`principals::proxy`), as Apple's clients send it when
//! their user names her delegates: the new member set becomes permissions on her default
//! calendar. Only the owner may; all or nothing. Every href must name an enabled user of
//! her context (anything else, another context's users included, is 403
//! `DAV:recognized-principal` whatever it names, so the answer tells nothing about other
//! contexts), and `davgate.limits.maxProxyGroupMembers` bounds how many.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::body_parsing::refused;
use super::error::DavError;
use super::object::need_privilege;
use super::proppatch::not_xml;
use super::{request_path, AppState};
use crate::access::DavUser;
use crate::dav::headers::reference_path;
use crate::dav::{AclCondition, Namespace, Precondition, Property, Response as DavResponse};
use crate::dav::{DeadValue, KnownProp, Multistatus, PropOperation, PropValue, ProppatchRequest};
use crate::principals::proxy::members;
use crate::principals::{ProxyGroup, ProxyKind};
use crate::store::{FolderModule, User, UserId};

/// Why the new member set is refused, for the property's propstat.
struct Refused {
    status: StatusCode,
    precondition: Option<Precondition>,
    reason: String,
}

impl Refused {
    fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Refused {
            status,
            precondition: None,
            reason: reason.into(),
        }
    }

    fn unrecognized(href: &str) -> Self {
        Refused {
            status: StatusCode::FORBIDDEN,
            precondition: Some(Precondition::Acl(AclCondition::RecognizedPrincipal)),
            reason: format!("{href} names no user principal here"),
        }
    }
}

pub(super) async fn proppatch(
    state: &AppState,
    me: &DavUser,
    group: &ProxyGroup,
    body: &Bytes,
) -> Result<Response, DavError> {
    let request = state
        .body_parsers
        .parse(body, ProppatchRequest::parse_within)
        .await
        .map_err(|e| refused("PROPPATCH body", &e, e.exceeded()))?;
    let href = state.paths.external(&group.sub_path());
    if group.owner.id != me.user.id {
        return Err(need_privilege(href, "write-properties"));
    }
    let member_set = KnownProp::GroupMemberSet.name();
    let mut wanted: Option<Option<DeadValue>> = None;
    let mut protected = Vec::new();
    for operation in request.operations {
        match operation {
            PropOperation::Set(name, value) if name == member_set => wanted = Some(Some(value)),
            PropOperation::Remove(name) if name == member_set => wanted = Some(None),
            PropOperation::Set(name, _) | PropOperation::Remove(name) => protected.push(name),
        }
    }
    let mut response = DavResponse::with_props(href);
    // A proxy group has no other property a client may set, and keeps no dead ones.
    if !protected.is_empty() {
        for name in protected {
            not_xml(&name, None)
                .map_err(|e| DavError::BadRequest(format!("PROPPATCH body: {e}")))?;
            response.forbidden(name);
        }
        if wanted.is_some() {
            response.failed_dependency(member_set);
        }
        return Ok(multistatus(
            response.with_error(Precondition::CannotModifyProtectedProperty),
        ));
    }
    let value = wanted.flatten();
    match change_members(state, me, group.kind, value.as_ref()).await? {
        Ok(()) => {
            response.found(member_set, PropValue::Empty);
        }
        Err(refusal) => {
            response.add(refusal.status, Property::new(member_set, PropValue::Empty));
            if let Some(precondition) = refusal.precondition {
                response = response.with_error(precondition);
            }
            response = response.with_description(refusal.reason);
        }
    }
    Ok(multistatus(response))
}

/// Makes the users `value` names the members of the owner's group `kind`: new members
/// get the group's permission on her default calendar, members left out lose theirs.
async fn change_members(
    state: &AppState,
    me: &DavUser,
    kind: ProxyKind,
    value: Option<&DeadValue>,
) -> Result<Result<(), Refused>, DavError> {
    let hrefs = match value.map(hrefs_of).transpose() {
        Ok(hrefs) => hrefs.unwrap_or_default(),
        Err(refusal) => return Ok(Err(refusal)),
    };
    let limit = state.limits.collections.max_proxy_group_members;
    if hrefs.len() > limit {
        return Ok(Err(Refused::new(
            StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "a proxy group may have at most {limit} members, this one names {}",
                hrefs.len()
            ),
        )));
    }
    let context = me.user.context_id;
    let users = if hrefs.is_empty() {
        Vec::new()
    } else {
        state.store.users(context).await?
    };
    let mut wanted: BTreeSet<UserId> = BTreeSet::new();
    for href in &hrefs {
        let Some(user) = user_of(state, &users, href) else {
            return Ok(Err(Refused::unrecognized(href)));
        };
        if user.id == me.user.id {
            return Ok(Err(Refused::new(
                StatusCode::CONFLICT,
                "the owner of the calendar cannot be her own delegate",
            )));
        }
        wanted.insert(user.id);
    }
    let Some(calendar) = state
        .store
        .default_folder(context, me.user.id, FolderModule::Calendar)
        .await?
    else {
        return Ok(Err(Refused::new(
            StatusCode::CONFLICT,
            "there is no default calendar to delegate",
        )));
    };
    // Every user with a permission counts here, enabled or not: a disabled delegate
    // left out of the set loses her permission too.
    let everyone: Vec<i64> = {
        let mut ids: Vec<i64> = calendar
            .permissions
            .iter()
            .filter(|p| !p.is_group)
            .map(|p| p.entity)
            .collect();
        ids.sort_unstable();
        ids
    };
    let current = members(&calendar, me.user.id, kind, &everyone);
    let remove: Vec<UserId> = current
        .iter()
        .copied()
        .filter(|id| !wanted.contains(id))
        .collect();
    // Members already in the group keep the permission they have.
    let set: Vec<_> = wanted
        .iter()
        .filter(|id| current.binary_search(id).is_err())
        .map(|id| kind.permission(*id))
        .collect();
    if !set.is_empty() || !remove.is_empty() {
        state
            .store
            .change_permissions(context, calendar.id, &set, &remove)
            .await?;
    }
    Ok(Ok(()))
}

/// The distinct hrefs of a `group-member-set` value, which holds `DAV:href` elements only.
fn hrefs_of(value: &DeadValue) -> Result<Vec<String>, Refused> {
    let mut hrefs: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for element in value.elements() {
        if !element.name.is(&Namespace::Dav, "href") {
            return Err(Refused::new(
                StatusCode::CONFLICT,
                format!(
                    "group-member-set holds DAV:href elements only, not {}",
                    element.name
                ),
            ));
        }
        let href = element.text.trim().to_owned();
        if seen.insert(href.clone()) {
            hrefs.push(href);
        }
    }
    Ok(hrefs)
}

/// The enabled user among `users` (the owner's context) whose principal `href` names.
fn user_of<'a>(state: &AppState, users: &'a [User], href: &str) -> Option<&'a User> {
    let sub = reference_path(href).and_then(|path| state.paths.strip_external(&path))?;
    let segments = request_path::segments(&sub).ok()?;
    let [principals, kind, who] = segments.as_slice() else {
        return None;
    };
    if principals != "principals" || kind != "users" {
        return None;
    }
    let by_id = who.parse::<i64>().ok();
    users
        .iter()
        .find(|user| Some(user.id) == by_id || user.login == *who)
        .filter(|user| user.enabled)
}

fn multistatus(response: DavResponse) -> Response {
    let mut multistatus = Multistatus::new();
    multistatus.push(response);
    (
        StatusCode::MULTI_STATUS,
        [(http::header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        multistatus.to_xml(),
    )
        .into_response()
}
