//! GET, HEAD, PUT and DELETE of vCards in address books. In the aggregated collection a
//! member name points into the folder it lives in (`carddav::member_names`); new contacts
//! go to the user's default contact folder. Writes are conditioned like calendar objects.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method, StatusCode};

use super::error::DavError;
use super::object::{entity_response, need_privilege, write_condition};
use super::AppState;
use crate::access::DavUser;
use crate::carddav::{write, AddressBook, Located};
use crate::config::props;
use crate::content::card_query::AddressDataRequest;
use crate::content::vcard::{negotiate, ContactObject, VCARD_CONTENT_TYPE};
use crate::dav::headers::if_none_match;
use crate::dav::member::quoted_etag;
use crate::dav::Precondition;
use crate::store::StoreError;

/// Where `name` of `book` lives, or why it cannot be there.
pub(super) fn locate<'a>(book: &'a AddressBook, name: &str) -> Result<Located<'a>, DavError> {
    book.locate(name).ok_or_else(|| match book {
        AddressBook::Aggregated(aggregated) if aggregated.default_folder.is_none() => {
            DavError::Forbidden(
                "new contacts go to the default contact folder, which this address book does not include"
                    .into(),
            )
        }
        _ => DavError::Status(
            StatusCode::CONFLICT,
            format!("{name} names a contact folder this address book does not include"),
        ),
    })
}

pub(super) async fn get(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let located = book.locate(name).ok_or(DavError::NotFound)?;
    let object = state
        .store
        .object(me.user.context_id, located.folder.id(), &located.name)
        .await?
        .ok_or(DavError::NotFound)?;
    if !located
        .folder
        .rights
        .can_read_object(object.user_id, me.user.id)
    {
        return Err(need_privilege(
            state
                .paths
                .external(&book.member_sub_path(located.folder.id(), &located.name)),
            "read",
        ));
    }
    let etag = quoted_etag(&object.etag);
    if let Some(condition) = if_none_match(headers)? {
        if !condition.if_none_match_passes(Some(&object.etag)) {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
        }
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let data = match negotiate(accept) {
        // Converted when the client asks for a vCard version; the ETag stays that of the
        // stored resource, which If-Match on a later PUT compares against.
        Some(version) => ContactObject::render(
            &object.data,
            &AddressDataRequest {
                version: Some(version),
                ..AddressDataRequest::default()
            },
        ),
        None => object.data,
    };
    Ok(entity_response(
        method,
        VCARD_CONTENT_TYPE,
        etag,
        object.modified_at,
        data,
    ))
}

pub(super) async fn put(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let located = locate(book, name)?;
    let folder = located.folder;
    let href = state
        .paths
        .external(&book.member_sub_path(folder.id(), &located.name));
    let current = state
        .store
        .object(context, folder.id(), &located.name)
        .await?;
    let condition = write_condition(headers, current.as_ref())?;
    match &current {
        None if !folder.rights.can_create() => {
            return Err(need_privilege(
                state.paths.external(&book.sub_path()),
                "bind",
            ))
        }
        Some(existing) if !folder.rights.can_modify(existing.user_id, me.user.id) => {
            return Err(need_privilege(href, "write-content"))
        }
        _ => {}
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let max_size = me.config.get::<props::MaxVCardSize>();
    let mut object = write::prepare(&located.name, body, content_type, max_size, me.user.id)?;
    if let Some(existing) = &current {
        // The author of a contact stays who created it.
        object.user_id = existing.user_id;
    }
    match state
        .store
        .put_object(context, folder.id(), &object, condition)
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
                .external(&book.member_sub_path(folder.id(), &resource_name));
            Err(Precondition::AddressbookNoUidConflict(other).into())
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn delete(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let located = book.locate(name).ok_or(DavError::NotFound)?;
    let folder = located.folder;
    let current = state
        .store
        .object(context, folder.id(), &located.name)
        .await?
        .ok_or(DavError::NotFound)?;
    let condition = write_condition(headers, Some(&current))?;
    if !folder.rights.can_delete(current.user_id, me.user.id) {
        return Err(need_privilege(
            state
                .paths
                .external(&book.member_sub_path(folder.id(), &located.name)),
            "unbind",
        ));
    }
    state
        .store
        .delete_object(context, folder.id(), &located.name, condition)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
