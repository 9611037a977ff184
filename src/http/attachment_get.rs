//! GET of a managed attachment (RFC 8607):
//! `/caldav/<calendar>/<member name>.attachments/<managed id>`, streamed chunk by chunk
//! from the store to whoever may read the member it belongs to.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{header, Method, StatusCode};
use std::borrow::Cow;

use super::error::DavError;
use super::object::{read_member, MemberTarget};
use super::private_view::as_seen;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::CalendarCollection;
use crate::store::FolderId;

/// What ends the member-name segment of an attachment's path.
pub(super) const ATTACHMENTS_SUFFIX: &str = ".attachments";

/// The member a segment `<member name>.attachments` names.
pub(super) fn member_of_attachments_segment(segment: &str) -> Option<&str> {
    segment
        .strip_suffix(ATTACHMENTS_SUFFIX)
        .filter(|name| !name.is_empty())
}

/// How many other members referring to an attachment are looked at for one that the
/// viewer may read.
const MAX_REFERRERS_LOOKED_AT: usize = 32;

/// The attachment's bytes with its media type and file name, to whoever may read the
/// member the URL names, or another member referring to the attachment (an attendee's
/// copy of the organizer's event holds the organizer's URL). 404 otherwise, also when
/// the viewer sees the member only as busy time.
pub(super) async fn get(
    state: &AppState,
    me: &DavUser,
    collection: Option<&CalendarCollection>,
    name: &str,
    managed_id: &str,
    method: &Method,
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let refs = state.store.attachment_refs(context, managed_id).await?;
    if !may_read(state, me, collection, name, &refs).await? {
        return Err(DavError::NotFound);
    }
    let attachment = match state.store.attachment(context, managed_id).await? {
        Some(attachment) if attachment.complete => attachment,
        _ => return Err(DavError::NotFound),
    };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        let chunks = state
            .store
            .attachment_chunks(context, managed_id)
            .map(|chunk| chunk.map(Bytes::from).map_err(std::io::Error::other));
        Body::from_stream(chunks)
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, attachment.fmttype.clone()),
            (header::CONTENT_LENGTH, attachment.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&attachment.filename),
            ),
        ],
        body,
    )
        .into_response())
}

/// Whether `me` may read a member referring to the attachment (`refs`): the one the URL
/// names when the viewer reads it, otherwise another one.
async fn may_read(
    state: &AppState,
    me: &DavUser,
    collection: Option<&CalendarCollection>,
    name: &str,
    refs: &[(FolderId, String)],
) -> Result<bool, DavError> {
    let named = |(folder, member): &&(FolderId, String)| {
        collection.is_some_and(|c| *folder == c.id() && member == name)
    };
    // A member the viewer reads answers for itself.
    if let Some(collection) = collection {
        if sees_whole(state, me, collection, name).await? {
            return Ok(refs.iter().any(|r| named(&r)));
        }
    }
    for (folder, member) in refs
        .iter()
        .filter(|r| !named(r))
        .take(MAX_REFERRERS_LOOKED_AT)
    {
        if let Some(other) = crate::caldav::home::calendar(&state.store, me, *folder).await? {
            if sees_whole(state, me, &other, member).await? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Whether `me` reads the member `name` of `collection` whole (not as busy time only).
async fn sees_whole(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
) -> Result<bool, DavError> {
    let target = MemberTarget::calendar(state, collection, name);
    match read_member(state, me, &target).await {
        Ok(object) => Ok(!matches!(
            as_seen(&collection.folder, &object, me.user.id),
            Cow::Owned(_)
        )),
        Err(DavError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

/// `attachment; filename="..."` with the name's characters outside printable ASCII,
/// quotes and backslashes replaced, and the exact name in `filename*` (RFC 6266).
fn content_disposition(filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_keeps_plain_names_and_escapes_the_rest() {
        assert_eq!(
            content_disposition("a b.pdf"),
            "attachment; filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf"
        );
        assert_eq!(
            content_disposition("\"ü\".txt"),
            "attachment; filename=\"___.txt\"; filename*=UTF-8''%22%C3%BC%22.txt"
        );
    }

    #[test]
    fn attachments_segment_names_its_member() {
        assert_eq!(
            member_of_attachments_segment("x.ics.attachments"),
            Some("x.ics")
        );
        assert_eq!(member_of_attachments_segment(".attachments"), None);
        assert_eq!(member_of_attachments_segment("x.ics"), None);
    }
}
