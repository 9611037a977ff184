//! GET, HEAD, PUT and DELETE of calendar objects, and DELETE of calendar collections,
//! with strong ETags and `If-Match` / `If-None-Match` checked atomically by the store.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};

use super::error::DavError;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::CALENDAR_CONTENT_TYPE;
use crate::caldav::{write, CalendarCollection, SyncWindow};
use crate::config::props;
use crate::dav::headers::{if_match, if_none_match};
use crate::dav::member::{http_date, quoted_etag};
use crate::dav::{ElementName, NeededPrivilege, Precondition};
use crate::store::{StoreError, StoredObject, WriteCondition};

/// 403 with `DAV:need-privileges` naming the resource and the missing privilege.
pub(super) fn need_privilege(href: String, privilege: &str) -> DavError {
    Precondition::NeedPrivileges(vec![NeededPrivilege {
        href,
        privilege: ElementName::dav(privilege),
    }])
    .into()
}

pub(super) async fn get(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let object = state
        .store
        .object(me.user.context_id, collection.id(), name)
        .await?
        .ok_or(DavError::NotFound)?;
    if !collection
        .rights
        .can_read_object(object.user_id, me.user.id)
    {
        return Err(need_privilege(
            state.paths.external(&collection.member_sub_path(name)),
            "read",
        ));
    }
    let etag = quoted_etag(&object.etag);
    if let Some(condition) = if_none_match(headers)? {
        if !condition.if_none_match_passes(Some(&object.etag)) {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
        }
    }
    Ok(entity_response(
        method,
        CALENDAR_CONTENT_TYPE,
        etag,
        object.modified_at,
        object.data,
    ))
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
    let context = me.user.context_id;
    let href = state.paths.external(&collection.member_sub_path(name));
    let current = state.store.object(context, collection.id(), name).await?;
    let condition = write_condition(headers, current.as_ref())?;
    match &current {
        None if !collection.rights.can_create() => {
            return Err(need_privilege(
                state.paths.external(&collection.sub_path()),
                "bind",
            ))
        }
        Some(existing) if !collection.rights.can_modify(existing.user_id, me.user.id) => {
            return Err(need_privilege(href, "write-content"))
        }
        _ => {}
    }
    let strict = me
        .config
        .get::<props::IntervalStrict>()
        .then(|| SyncWindow::of(&me.config));
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut object = write::prepare(
        collection,
        name,
        body,
        content_type,
        strict.as_ref(),
        me.user.id,
    )?;
    if let Some(existing) = &current {
        // The author of a member stays who created it.
        object.user_id = existing.user_id;
    }
    match state
        .store
        .put_object(context, collection.id(), &object, condition)
        .await
    {
        Ok(outcome) => {
            let status = if outcome.created {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            };
            Ok((status, [(header::ETAG, quoted_etag(&outcome.etag))]).into_response())
        }
        Err(StoreError::UidConflict { resource_name }) => {
            let other = state
                .paths
                .external(&collection.member_sub_path(&resource_name));
            Err(Precondition::CalendarNoUidConflict(other).into())
        }
        Err(other) => Err(other.into()),
    }
}

/// The store condition for a write: the client's `If-Match` / `If-None-Match`, and in any
/// case the version the permission check saw, so that a concurrent writer is never
/// overwritten silently.
pub(super) fn write_condition(
    headers: &HeaderMap,
    current: Option<&StoredObject>,
) -> Result<WriteCondition, DavError> {
    let current_etag = current.map(|o| o.etag.as_str());
    if let Some(condition) = if_match(headers)? {
        if !condition.if_match_passes(current_etag) {
            return Err(DavError::PreconditionFailed(match current_etag {
                Some(_) => "If-Match does not match the current ETag".into(),
                None => "If-Match on a resource that does not exist".into(),
            }));
        }
    }
    if let Some(condition) = if_none_match(headers)? {
        if !condition.if_none_match_passes(current_etag) {
            return Err(DavError::PreconditionFailed(
                "If-None-Match: the resource already exists".into(),
            ));
        }
    }
    Ok(match current_etag {
        Some(etag) => WriteCondition::IfMatch(etag.to_owned()),
        None => WriteCondition::MustNotExist,
    })
}

pub(super) async fn delete_member(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let current = state
        .store
        .object(context, collection.id(), name)
        .await?
        .ok_or(DavError::NotFound)?;
    let condition = write_condition(headers, Some(&current))?;
    if !collection.rights.can_delete(current.user_id, me.user.id) {
        return Err(need_privilege(
            state.paths.external(&collection.member_sub_path(name)),
            "unbind",
        ));
    }
    state
        .store
        .delete_object(context, collection.id(), name, condition)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
