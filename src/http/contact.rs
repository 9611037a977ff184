//! GET, HEAD, PUT and DELETE of vCards in address books. In the aggregated collection a
//! member name points into the folder it lives in (`carddav::member_names`); new contacts
//! go to the user's default contact folder. Writes are conditioned like calendar objects.

use axum::response::Response;
use http::{header, HeaderMap, Method, StatusCode};

use super::error::DavError;
use super::object::{
    delete_member, entity_response, not_modified, put_member, read_member, MemberTarget,
};
use super::AppState;
use crate::access::DavUser;
use crate::carddav::{write, AddressBook, Located};
use crate::config::props;
use crate::content::card_query::AddressDataRequest;
use crate::content::vcard::{negotiate, ContactObject, VCARD_CONTENT_TYPE};
use crate::dav::member::quoted_etag;
use crate::dav::Precondition;

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

/// The member `name` of `book` stands for, as GET, PUT and DELETE address it.
fn target<'a>(state: &AppState, book: &AddressBook, located: &'a Located<'a>) -> MemberTarget<'a> {
    let folder = located.folder;
    MemberTarget {
        folder: folder.id(),
        name: &located.name,
        rights: &folder.rights,
        href: state
            .paths
            .external(&book.member_sub_path(folder.id(), &located.name)),
        collection_href: state.paths.external(&book.sub_path()),
        private_in: None,
        quota: Some(&folder.folder),
    }
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
    let object = read_member(state, me, &target(state, book, &located)).await?;
    if let Some(response) = not_modified(headers, &object)? {
        return Ok(response);
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
        quoted_etag(&object.etag),
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
    let located = locate(book, name)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let max_size = me.config.get::<props::MaxVCardSize>();
    let folder = located.folder.id();
    put_member(
        state,
        me,
        &target(state, book, &located),
        headers,
        || {
            Ok(write::prepare(
                &located.name,
                body,
                content_type,
                max_size,
                &state.limits.content,
                me.user.id,
            )?)
        },
        |other| {
            Precondition::AddressbookNoUidConflict(
                state.paths.external(&book.member_sub_path(folder, other)),
            )
        },
    )
    .await
}

pub(super) async fn delete(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let located = book.locate(name).ok_or(DavError::NotFound)?;
    delete_member(state, me, &target(state, book, &located), headers).await
}
