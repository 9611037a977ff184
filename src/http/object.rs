//! GET, HEAD, PUT and DELETE of collection members, calendar objects and vCards alike,
//! with strong ETags and `If-Match` / `If-None-Match` checked atomically by the store; and
//! DELETE of calendar collections.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};

use super::error::DavError;
use super::offload;
use super::private_view::{as_seen, is_hidden_from};
use super::AppState;
use crate::access::{DavUser, FolderRights};
use crate::caldav::CALENDAR_CONTENT_TYPE;
use crate::caldav::{write, CalendarCollection, SyncWindow};
use crate::config::props;
use crate::dav::headers::{if_match, if_none_match, if_schedule_tag_match};
use crate::dav::member::{http_date, quoted_etag};
use crate::dav::{check_new_name, ElementName, NeededPrivilege, Precondition};
use crate::store::{
    Folder, FolderId, QuotaLimits, StoreError, StoredObject, UserId, WriteCondition, WriteObject,
};

/// 403 with `DAV:need-privileges` naming the resource and the missing privilege.
pub(super) fn need_privilege(href: String, privilege: &str) -> DavError {
    Precondition::NeedPrivileges(vec![NeededPrivilege {
        href,
        privilege: ElementName::dav(privilege),
    }])
    .into()
}

/// A member as GET, PUT and DELETE need it: the folder it is stored in, its stored name,
/// the user's rights on that folder, and the hrefs that errors name.
pub(super) struct MemberTarget<'a> {
    pub folder: FolderId,
    pub name: &'a str,
    pub rights: &'a FolderRights,
    pub href: String,
    pub collection_href: String,
    /// The calendar folder whose private members other users see only as busy time
    /// (`private_view`); None where members are never anonymised (address books, the
    /// scheduling inbox).
    pub private_in: Option<&'a Folder>,
    /// The folder whose owner's quotas a write is held to (`crate::quota`); None for the
    /// scheduling inbox, which its message count bounds.
    pub quota: Option<&'a Folder>,
}

impl<'a> MemberTarget<'a> {
    pub fn calendar(state: &AppState, collection: &'a CalendarCollection, name: &'a str) -> Self {
        MemberTarget {
            folder: collection.id(),
            name,
            rights: &collection.rights,
            href: state.paths.external(&collection.member_sub_path(name)),
            collection_href: state.paths.external(&collection.sub_path()),
            private_in: Some(&collection.folder),
            quota: Some(&collection.folder),
        }
    }
}

impl MemberTarget<'_> {
    /// Whether `me` sees `object`, a member of this target's collection, only as busy
    /// time.
    pub fn is_hidden_from(&self, object: &StoredObject, me: &DavUser) -> bool {
        self.private_in
            .is_some_and(|folder| is_hidden_from(folder, object, me.user.id))
    }
}

/// The member the user may read: 404 when there is none, and likewise when it is not
/// theirs to read (in a folder where one reads only one's own members, the others are
/// not there for the user, as listings and sync show).
pub(super) async fn read_member(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
) -> Result<StoredObject, DavError> {
    let object = state
        .store
        .object(me.user.context_id, target.folder, target.name)
        .await?
        .ok_or(DavError::NotFound)?;
    if !target.rights.can_read_object(object.user_id, me.user.id) {
        return Err(DavError::NotFound);
    }
    Ok(object)
}

/// The 304 answer when the client's `If-None-Match` names the member's current version.
pub(super) fn not_modified(
    headers: &HeaderMap,
    object: &StoredObject,
) -> Result<Option<Response>, DavError> {
    Ok(match if_none_match(headers)? {
        Some(condition) if !condition.if_none_match_passes(Some(&object.etag)) => Some(
            (
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, quoted_etag(&object.etag))],
            )
                .into_response(),
        ),
        _ => None,
    })
}

pub(super) async fn get(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let object = read_member(state, me, &MemberTarget::calendar(state, collection, name)).await?;
    if let Some(response) = not_modified(headers, &object)? {
        return Ok(response);
    }
    let tag = object.schedule_tag.clone();
    let data = match as_seen(&collection.folder, &object, me.user.id) {
        std::borrow::Cow::Owned(seen) => seen.data,
        std::borrow::Cow::Borrowed(_) => object.data,
    };
    let data = timezone_refs(headers).apply(data);
    Ok(super::scheduling_write::tag_header(
        entity_response(
            method,
            CALENDAR_CONTENT_TYPE,
            quoted_etag(&object.etag),
            object.modified_at,
            data,
        ),
        tag.as_deref(),
    ))
}

/// What the request's `CalDAV-Timezones` header asks for (RFC 7809).
pub(super) fn timezone_refs(headers: &HeaderMap) -> crate::content::ical::TimezoneRefs {
    crate::content::ical::TimezoneRefs::from_header(
        headers
            .get("caldav-timezones")
            .and_then(|value| value.to_str().ok()),
    )
}

/// The 200 answer to GET or HEAD of a member: its bytes (none for HEAD, with the length
/// they would have), media type, ETag and Last-Modified.
pub(super) fn entity_response(
    method: &Method,
    content_type: &str,
    etag: String,
    modified_at: i64,
    data: Vec<u8>,
) -> Response {
    let length = data.len();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(data)
    };
    let mut response = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::ETAG, etag),
            (header::LAST_MODIFIED, http_date(modified_at)),
        ],
        body,
    )
        .into_response();
    if method == Method::HEAD {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response
}

pub(super) async fn put(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, DavError> {
    let strict = me
        .config
        .get::<props::IntervalStrict>()
        .then(|| SyncWindow::of(&me.config));
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let target = MemberTarget::calendar(state, collection, name);
    let build = || {
        let requirements = write::Requirements {
            strict_window: strict.as_ref(),
            limits: &state.limits.content,
        };
        let large = body.len() >= offload::LARGE_OBJECT_BYTES;
        Ok(offload::run(large, || {
            write::prepare(
                collection,
                name,
                body,
                content_type,
                requirements,
                me.user.id,
            )
        })?)
    };
    if collection.kind == crate::caldav::CalendarKind::Events {
        return super::scheduling_write::put(state, me, collection, &target, headers, body, build)
            .await;
    }
    put_member(state, me, &target, headers, build, |other| {
        Precondition::CalendarNoUidConflict(
            state.paths.external(&collection.member_sub_path(other)),
        )
    })
    .await
}

/// How often a write without a client condition looks at the member again when it was
/// created, removed or replaced by another author between the look and the write.
pub(super) const WRITE_ATTEMPTS: usize = 4;

/// Writes the member `build` makes, once the user's right to create or change it and
/// then the client's conditions hold (a refusal is the permission's, whatever the
/// conditions say); the store writes under the condition checked here (see
/// `write_condition`). Without a client condition, a member created, removed or
/// replaced by another author meanwhile is looked at again, so concurrent unconditional
/// writers all succeed and the last one wins. The author of an existing member stays who
/// created it. `uid_conflict` names the precondition for a UID another member of the
/// folder already has.
pub(super) async fn put_member(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
    build: impl FnOnce() -> Result<WriteObject, DavError>,
    uid_conflict: impl FnOnce(&str) -> Precondition,
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let quota = quota_of(state, me, target).await?;
    let mut build = Some(build);
    let mut built: Option<(WriteObject, Option<UserId>)> = None;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .store
            .object(context, target.folder, target.name)
            .await?;
        may_write(me, target, current.as_ref())?;
        if current.is_none() {
            check_new_member_name(state, target.name)?;
        }
        let condition = write_condition(me, target, headers, current.as_ref())?;
        let (object, creator) = match &mut built {
            Some(built) => built,
            None => {
                let object = (build.take().expect("built once"))()?;
                let creator = object.user_id;
                built.insert((object, creator))
            }
        };
        object.user_id = current
            .as_ref()
            .map_or(*creator, |existing| existing.user_id);
        let retry = matches!(condition, WriteCondition::AuthoredBy(_))
            || (current.is_none() && !has_client_condition(headers)?);
        match state
            .store
            .put_object_within(context, target.folder, object, condition, None, &quota)
            .await
        {
            Ok(outcome) => {
                let status = if outcome.created {
                    StatusCode::CREATED
                } else {
                    StatusCode::NO_CONTENT
                };
                return Ok((status, [(header::ETAG, quoted_etag(&outcome.etag))]).into_response());
            }
            Err(StoreError::PreconditionFailed) if retry => continue,
            Err(StoreError::UidConflict { resource_name }) => {
                return Err(uid_conflict(&resource_name).into())
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(kept_changing(target))
}

/// The quotas a write to `target` by `me` is held to.
pub(super) async fn quota_of(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
) -> Result<QuotaLimits, DavError> {
    Ok(match target.quota {
        Some(folder) => crate::quota::limits_for(state, me, folder).await?,
        None => QuotaLimits::UNLIMITED,
    })
}

/// The answer when other writers changed the member under every attempt of an
/// unconditional write (503: trying again later may succeed).
fn kept_changing(target: &MemberTarget<'_>) -> DavError {
    StoreError::Contention(format!(
        "{} was created or removed by other writers on every attempt",
        target.href
    ))
    .into()
}

/// Whether the client made its request conditional with `If-Match`, `If-None-Match` or
/// `If-Schedule-Tag-Match`.
pub(super) fn has_client_condition(headers: &HeaderMap) -> Result<bool, DavError> {
    Ok(if_match(headers)?.is_some()
        || if_none_match(headers)?.is_some()
        || if_schedule_tag_match(headers)?.is_some())
}

/// Whether a new member may be stored under `name` (a member that exists keeps its name,
/// whatever it is): 403 with the reason otherwise.
pub(super) fn check_new_member_name(state: &AppState, name: &str) -> Result<(), DavError> {
    check_new_name(name, state.limits.names.max_resource_name_bytes)
        .map_err(|e| DavError::Forbidden(format!("{e}")))
}

/// The user's right to write `target` as it is now (`current`): to create it in the
/// collection (`DAV:bind`) when there is none, to change it (`DAV:write-content`) when
/// there is. A private member the user sees only as busy time is not the user's to
/// replace: it would overwrite what the user never saw.
pub(super) fn may_write(
    me: &DavUser,
    target: &MemberTarget<'_>,
    current: Option<&StoredObject>,
) -> Result<(), DavError> {
    match current {
        None if !target.rights.can_create() => {
            Err(need_privilege(target.collection_href.clone(), "bind"))
        }
        Some(existing) if !target.rights.can_modify(existing.user_id, me.user.id) => {
            Err(need_privilege(target.href.clone(), "write-content"))
        }
        Some(existing) if target.is_hidden_from(existing, me) => {
            Err(need_privilege(target.href.clone(), "write-content"))
        }
        _ => Ok(()),
    }
}

/// The store condition for a write to `target`, which the user may make (checked before,
/// so that a refusal is the permission's, whatever the conditions say). Conditions are
/// evaluated only against a member the user may read (403 otherwise): their outcome
/// would tell whether a guessed ETag is right. With a client condition, the store writes
/// under the version the check saw, so that a concurrent writer makes the request fail
/// with 412 rather than be overwritten; without, under what the user's right to write
/// depended on: that there was no member, or that its author is the one checked.
pub(super) fn write_condition(
    me: &DavUser,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
    current: Option<&StoredObject>,
) -> Result<WriteCondition, DavError> {
    let (if_match, if_none_match) = (if_match(headers)?, if_none_match(headers)?);
    let schedule_tag = if_schedule_tag_match(headers)?;
    let conditional = if_match.is_some() || if_none_match.is_some() || schedule_tag.is_some();
    if let Some(existing) = current {
        if conditional && !target.rights.can_read_object(existing.user_id, me.user.id) {
            return Err(need_privilege(target.href.clone(), "read"));
        }
    }
    let current_etag = current.map(|o| o.etag.as_str());
    if let Some(condition) = if_match {
        if !condition.if_match_passes(current_etag) {
            return Err(DavError::PreconditionFailed(match current_etag {
                Some(_) => "If-Match does not match the current ETag".into(),
                None => "If-Match on a resource that does not exist".into(),
            }));
        }
    }
    if let Some(condition) = if_none_match {
        if !condition.if_none_match_passes(current_etag) {
            return Err(DavError::PreconditionFailed(
                "If-None-Match: the resource already exists".into(),
            ));
        }
    }
    if let Some(wanted) = schedule_tag {
        // RFC 6638 3.2.10: the tag the client read must still be the resource's.
        let current_tag = current.and_then(|o| o.schedule_tag.as_deref());
        if !current_tag.is_some_and(|tag| wanted.strong_matches(&quoted_etag(tag))) {
            return Err(DavError::PreconditionFailed(
                "If-Schedule-Tag-Match does not match the current Schedule-Tag".into(),
            ));
        }
    }
    if has_client_condition(headers)? {
        return Ok(unchanged_since(current));
    }
    Ok(match current {
        Some(object) => WriteCondition::AuthoredBy(object.user_id),
        None => WriteCondition::MustNotExist,
    })
}

/// The store condition that the member is still as the caller read it (`current`).
pub(super) fn unchanged_since(current: Option<&StoredObject>) -> WriteCondition {
    match current {
        Some(object) => WriteCondition::IfMatch(object.etag.clone()),
        None => WriteCondition::MustNotExist,
    }
}

pub(super) async fn delete(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let target = MemberTarget::calendar(state, collection, name);
    let removed = delete_returning(state, me, &target, headers).await?;
    super::scheduling_write::deleted(state, me, collection, &removed).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes the member, once the user's right to delete it holds, under the client's
/// conditions and what that right was checked against (see `write_condition`); without a
/// client condition, a member replaced by another author meanwhile is looked at again.
pub(super) async fn delete_member(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    delete_returning(state, me, target, headers).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `delete_member`, giving the member as it was when removed.
async fn delete_returning(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
) -> Result<StoredObject, DavError> {
    let context = me.user.context_id;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .store
            .object(context, target.folder, target.name)
            .await?
            .ok_or(DavError::NotFound)?;
        // A member the user may not read is not there for the user (see `read_member`).
        if !target.rights.can_read_object(current.user_id, me.user.id) {
            return Err(DavError::NotFound);
        }
        if !target.rights.can_delete(current.user_id, me.user.id) {
            return Err(need_privilege(target.href.clone(), "unbind"));
        }
        let condition = write_condition(me, target, headers, Some(&current))?;
        let retry = matches!(condition, WriteCondition::AuthoredBy(_));
        match state
            .store
            .delete_object(context, target.folder, target.name, condition)
            .await
        {
            Ok(()) => return Ok(current),
            Err(StoreError::PreconditionFailed) if retry => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(kept_changing(target))
}

pub(super) async fn delete_collection(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
) -> Result<Response, DavError> {
    if !collection.rights.can_administer() {
        return Err(need_privilege(
            state.paths.external(&collection.sub_path()),
            "unbind",
        ));
    }
    if collection.folder.is_default {
        return Err(DavError::Forbidden(
            "the default calendar or task list cannot be deleted".into(),
        ));
    }
    state
        .store
        .delete_folder(me.user.context_id, collection.id())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
